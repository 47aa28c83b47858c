"""The agent table, recorded as arrays, holds what each agent's own accessors say."""

from __future__ import annotations

from types import SimpleNamespace

import mesa
import numpy as np
import pandas as pd
import pytest

from market.enums import AgentType
from market.finance.column_rows import ColumnRows, zeros_backed_as_written
from market.finance.fundamentals import Line
from market.finance.minsky import MinskyClass
from market.outputs.metrics import agent_table
from market.outputs.recording import AGENT_TABLE_COLUMNS, _stakes_times
from tests.conftest import model_after


def _value(agent, which: int) -> float:
    equity = agent.model.equity
    if agent.agent_type == AgentType.INVESTOR:
        return equity.portfolio_values(agent.account)[which]
    return (equity.market_value_of, equity.fundamental_value_of)[which](agent.account)


def _profit(agent) -> float:
    trailing, account = agent.model.equity.trailing, agent.account
    return float(trailing.last_month(Line.REVENUE)[account] + trailing.last_month(Line.CORE)[account]
                 - trailing.last_month(Line.COSTS)[account] - agent.depreciation_month_usd_bn)


REFERENCE_REPORTERS = {
    "name": "name", "agent_type": lambda a: str(a.agent_type), "role": "role", "region": "region", "alive": "alive",
    "cash_usd_bn": "cash_usd_bn", "debt_usd_bn": "debt_usd_bn", "compute_gw": lambda a: a.compute_gw(),
    "revenue_usd_bn": "revenue_month_usd_bn", "valuation_usd_bn": lambda a: _value(a, 0),
    "fundamental_value_usd_bn": lambda a: _value(a, 1),
    "minsky_class": lambda a: a.model.minsky.get(a.account, MinskyClass.NONE).value,
    "operating_profit_usd_bn": _profit,
    "equity_raised_usd_bn": lambda a: float(a.model.capital.equity_raised_month[a.account]),
    "debt_raised_usd_bn": lambda a: float(a.model.capital.debt_raised_month[a.account]),
    "payout_usd_bn": lambda a: float(a.model.capital.payout_month[a.account]),
    "impairment_usd_bn": lambda a: float(a.model.impairment.month_usd_bn[a.account]),
    "book_equity_usd_bn": lambda a: a.book_equity_usd_bn(),
    "capex_usd_bn": lambda a: float(a.model.capex_by_account_usd_bn[a.account]),
}
"""Mesa's per-agent reporters, as the agent table was collected before the recorder: the reference it must match."""


@pytest.fixture(scope="module")
def model():
    """Scale 2 (followers and investors doubled), a chipmaker failed by hand before month 4, Mesa's reporters collecting
    beside the recorder for 8 months."""
    model = model_after(0, [("run.scale", 2.0)])
    reference = mesa.DataCollector(agent_reporters=REFERENCE_REPORTERS)
    for month in range(8):
        if month == 3:
            model.insolvency.default([model.chipmakers["challenger_gpu"]])
        model.step()
        reference.collect(model)
    model.reference = reference
    return model


def test_the_table_equals_mesa_s_per_agent_reporters_at_every_step(model) -> None:
    """Every row of every step, in Mesa's order (step, then ``model.agents``), with a dead chipmaker and doubled
    populations. Fails if a column is read from the wrong account, agent or matrix axis, or a step's arrays are
    overwritten by a later step's."""
    expected = model.reference.get_agent_vars_dataframe().reset_index().rename(columns={"Step": "step", "AgentID": "agent_id"})
    expected["step"] = expected["step"].astype(int)
    assert not model.chipmakers["challenger_gpu"].alive
    pd.testing.assert_frame_equal(agent_table(model), expected[list(AGENT_TABLE_COLUMNS)], check_exact=False, rtol=1e-12,
                                  atol=1e-12, check_dtype=False)


def test_an_empty_table_has_the_columns_and_their_types() -> None:
    table = model_after(0).agent_recorder.table()
    assert list(table.columns) == list(AGENT_TABLE_COLUMNS) and table.empty
    assert table["step"].dtype == "int64" and table["alive"].dtype == bool and table["name"].dtype == object


def test_each_agent_s_last_row_is_what_its_accessors_say(model) -> None:
    """Cash, debt, compute, revenue, values, Minsky class, operating profit and the month's financing flows of every
    agent in the last step, against the per-agent accessors the vectorised passes replace (Mesa's reporters read
    these). Fails if a column is read from the wrong account, agent or matrix axis."""
    table = agent_table(model)
    assert list(table.columns) == list(AGENT_TABLE_COLUMNS)
    last = table[table["step"] == model.steps].set_index("agent_id")
    assert len(last) == len(model.agents)
    equity, capital, trailing = model.equity, model.capital, model.equity.trailing
    for agent in model.agents:
        row = last.loc[agent.unique_id]
        account = agent.account
        if agent.agent_type == AgentType.INVESTOR:
            market, fundamental = equity.portfolio_values(account)
        else:
            market, fundamental = equity.market_value_of(account), equity.fundamental_value_of(account)
        profit = (trailing.last_month(Line.REVENUE)[account] + trailing.last_month(Line.CORE)[account]
                  - trailing.last_month(Line.COSTS)[account] - agent.depreciation_month_usd_bn)
        expected = {"name": agent.name, "agent_type": str(agent.agent_type), "role": agent.role, "region": agent.region,
                    "alive": agent.alive, "minsky_class": model.minsky.get(account, MinskyClass.NONE).value}
        assert {key: row[key] for key in expected} == expected, agent.name
        numbers = {"cash_usd_bn": agent.cash_usd_bn, "debt_usd_bn": agent.debt_usd_bn, "compute_gw": agent.compute_gw(),
                   "revenue_usd_bn": agent.revenue_month_usd_bn, "valuation_usd_bn": market,
                   "fundamental_value_usd_bn": fundamental, "operating_profit_usd_bn": profit,
                   "equity_raised_usd_bn": capital.equity_raised_month[account],
                   "debt_raised_usd_bn": capital.debt_raised_month[account], "payout_usd_bn": capital.payout_month[account],
                   "impairment_usd_bn": model.impairment.month_usd_bn[account], "book_equity_usd_bn": agent.book_equity_usd_bn()}
        for column, value in numbers.items():
            assert row[column] == pytest.approx(value, rel=1e-12, abs=1e-12), (agent.name, column)


def test_one_row_per_agent_per_step_in_step_order(model) -> None:
    table = agent_table(model)
    assert len(table) == model.steps * len(model.agents)
    assert table["step"].is_monotonic_increasing and table["step"].iloc[0] == 1
    assert table.groupby("step")["agent_id"].nunique().eq(len(model.agents)).all()


def test_holders_stakes_times_values_read_through_the_index_equal_the_gathered_ones() -> None:
    """Holders' stakes times firms' values, read through the share registers' index of holders, equal the products of
    the gathered holders x firms stakes, for holders in any order or some of them and some of the firms (listed out of
    account order); stakes of holders or firms not asked for are left out. Fails if the values are not aligned with
    their firms, rows are mixed up or an unasked stake is counted."""
    rng = np.random.default_rng(5)
    stakes = zeros_backed_as_written((40, 40))
    index = ColumnRows(40)
    firms = rng.permutation(np.arange(3, 15))
    holders = np.arange(15, 40)
    stakes[np.ix_(holders, firms)] = rng.random((holders.size, firms.size)) * (rng.random((holders.size, firms.size)) < 0.6)
    stakes[1, firms[0]] = stakes[20, 2] = 0.5
    for firm in [*firms, 2]:
        index.add(int(firm), np.flatnonzero(stakes[:, firm]))
    capital = SimpleNamespace(stakes=stakes, holders=index)
    values = (rng.random(firms.size) * 100, rng.random(firms.size))
    for rows, columns in ((holders, slice(None)), (holders[::-1], slice(None)), (holders[::2], slice(None)),
                          (holders, slice(1, None))):
        some_firms, some_values = firms[columns], tuple(value[columns] for value in values)
        got = _stakes_times(capital, rows, some_firms, some_values)
        for product, value in zip(got, some_values, strict=True):
            np.testing.assert_allclose(product, stakes[np.ix_(rows, some_firms)] @ value, rtol=1e-13, atol=0.0)


def _loan_and_bond_column_sums(capital) -> np.ndarray:
    """Each column's loans summed over the whole matrix, plus its bonds' face where it has sold any."""
    sums = capital.loans.sum(axis=0)
    for issuer in capital.bonds.issuers():
        sums[issuer] += float(capital.bonds.face[:, issuer].sum())
    return sums


def test_debt_by_account_is_every_column_sum_of_the_loans_bit_for_bit(model, monkeypatch) -> None:
    """The agent table's debt column (the loans' column sums over the firms' columns that have lenders, and their bonds'
    face) equals, bit for bit, the column sums of the whole loan and bond matrices, with all the firms or some of them. Fails if a
    borrower's column is left out or summed in another order. The matrix has a column per account that may borrow (those
    before the first investor); every other account owes nothing."""
    capital = model.capital
    debt = capital.debt_by_account()
    assert len(debt) == model.ledger.n_accounts and capital.loans.shape == (model.ledger.n_accounts, capital.n_issuers)
    assert np.array_equal(debt[: capital.n_issuers], _loan_and_bond_column_sums(capital))
    assert not debt[capital.n_issuers:].any() and debt.sum() > 0
    firms = model.equity.accounts
    monkeypatch.setattr(model.equity, "accounts", np.delete(firms, np.argsort(firms)[len(firms) // 2]))
    kept = np.sort(model.equity.accounts)
    assert np.array_equal(capital.debt_by_account()[kept], _loan_and_bond_column_sums(capital)[kept])
