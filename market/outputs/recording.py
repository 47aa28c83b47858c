"""The agent table recorded as columns: one array per column per step, read from the model's arrays in a few passes.

Mesa's ``DataCollector`` calls every agent reporter once per agent per step (16 reporters x 368 agents at scale 1, a
Python call each: about 0.8 of the baseline's 6.5 s of stepping, measured when this replaced them).
:class:`AgentRecorder` reads the same values from the ledger's balances, the loan and stake matrices and the equity
market's arrays, all agents at once, and keeps them until :meth:`AgentRecorder.table` builds the agent table. Its values
are the agents' own accessors' (``cash_usd_bn``, ``debt_usd_bn``, ``compute_gw()``, ``EquityMarket.market_value_of`` and
``portfolio_values``; ``tests/test_recording.py`` checks them against Mesa's reporters); the columns are
:data:`AGENT_TABLE_COLUMNS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from market.enums import AgentType
from market.finance.fundamentals import Line
from market.finance.minsky import MinskyClass

if TYPE_CHECKING:
    from market.finance.capital import CapitalMarket
    from market.model import ComputeMarket

AGENT_TABLE_COLUMNS = ("step", "agent_id", "name", "agent_type", "role", "region", "alive", "cash_usd_bn",
                       "debt_usd_bn", "compute_gw", "revenue_usd_bn", "valuation_usd_bn", "fundamental_value_usd_bn",
                       "minsky_class", "operating_profit_usd_bn", "equity_raised_usd_bn", "debt_raised_usd_bn",
                       "payout_usd_bn", "impairment_usd_bn", "book_equity_usd_bn", "capex_usd_bn")
EMPTY_DTYPES = {"step": np.int64, "agent_id": np.int64, "alive": bool, "name": object, "agent_type": object, "role": object,
                "region": object, "minsky_class": object}


class AgentRecorder:
    """Each step's agent columns, kept as arrays until the table is built."""

    def __init__(self) -> None:
        self.steps: list[dict[str, np.ndarray]] = []
        self._agents: list = []
        self._ids = self._accounts = np.zeros(0, dtype=np.int64)
        self._static: dict[str, np.ndarray] = {}

    def _refresh_agents(self, model: ComputeMarket) -> None:
        """Re-read who the agents are when their number changes: agents are never removed (only marked dead) and their
        name, type, role and region never change, so a count is enough to know the list is the same."""
        agents = list(model.agents)
        if len(agents) == len(self._agents):
            return
        self._agents = agents
        self._ids = np.array([a.unique_id for a in agents])
        self._accounts = np.array([a.account for a in agents])
        self._static = {"name": np.array([a.name for a in agents], dtype=object),
                        "agent_type": np.array([str(a.agent_type) for a in agents], dtype=object),
                        "role": np.array([a.role for a in agents], dtype=object),
                        "region": np.array([a.region for a in agents], dtype=object)}
        self._labs = np.array([a.agent_type == AgentType.LAB for a in agents])
        self._investors = np.array([a.agent_type == AgentType.INVESTOR for a in agents])

    def collect(self, model: ComputeMarket) -> None:
        """Record this step's row of every agent."""
        self._refresh_agents(model)
        agents, accounts = self._agents, self._accounts
        capital, equity = model.capital, model.equity
        balances = model.ledger.balances
        compute = np.zeros(len(agents))
        compute[self._labs] = model.used_gw[accounts[self._labs]]
        trailing = equity.trailing
        depreciation = np.array([a.depreciation_month_usd_bn for a in agents])
        profit = (trailing.last_month(Line.REVENUE)[accounts] + trailing.last_month(Line.CORE)[accounts]
                  - trailing.last_month(Line.COSTS)[accounts] - depreciation)
        market, fundamental = self._values(model)
        debt_usd_bn = capital.debt_by_account()
        impairment = model.impairment.month_usd_bn
        minsky = model.minsky
        self.steps.append({
            "step": np.full(len(agents), model.time),
            "agent_id": self._ids,
            **self._static,
            "alive": np.array([a.alive for a in agents]),
            "cash_usd_bn": balances[accounts],
            "debt_usd_bn": debt_usd_bn[accounts],
            "compute_gw": compute,
            "revenue_usd_bn": np.array([a.revenue_month_usd_bn for a in agents], dtype=float),
            "valuation_usd_bn": market,
            "fundamental_value_usd_bn": fundamental,
            "minsky_class": np.array([minsky.get(int(a), MinskyClass.NONE).value for a in accounts], dtype=object),
            "operating_profit_usd_bn": profit,
            "equity_raised_usd_bn": capital.equity_raised_month[accounts],
            "debt_raised_usd_bn": capital.debt_raised_month[accounts],
            "payout_usd_bn": capital.payout_month[accounts],
            "impairment_usd_bn": impairment[accounts] if impairment.size else np.zeros(len(agents)),
            "book_equity_usd_bn": self._book_equity(model, balances, debt_usd_bn),
            "capex_usd_bn": model.capex_by_account_usd_bn[accounts],
        })

    def _book_equity(self, model: ComputeMarket, balances: np.ndarray, debt: np.ndarray) -> np.ndarray:
        """Each agent's ``book_equity_usd_bn()``, all at once: cash, fixed assets, fab stakes at book, stakes in firms at
        cost less impairment and claims held, less debt and claims owed."""
        ledger, accounts = model.ledger, self._accounts
        claims = np.zeros(ledger.n_accounts)
        for (creditor, debtor), amount in ledger.claims.items():
            claims[creditor] += amount
            claims[debtor] -= amount
        fixed = np.array([a.fixed_assets_usd_bn for a in self._agents], dtype=float)
        fabs = model.fabs.partner_book_usd_bn(ledger.n_accounts)
        stakes = model.capital.stake_book.by_account(ledger.n_accounts)
        return balances[accounts] + fixed + fabs[accounts] + stakes[accounts] + claims[accounts] - debt[accounts]

    def _values(self, model: ComputeMarket) -> tuple[np.ndarray, np.ndarray]:
        """(market, fundamental) value of each agent: a firm's equity, an investor's portfolio (cash, stakes at value,
        fab stakes at book, loans at principal, bonds at price), 0 for anyone else (``EquityMarket.market_value_of``
        and ``portfolio_values``)."""
        equity, accounts = model.equity, self._accounts
        market_by_account, fundamental_by_account = np.zeros(model.ledger.n_accounts), np.zeros(model.ledger.n_accounts)
        market_by_account[equity.accounts] = equity.market
        fundamental_by_account[equity.accounts] = equity.fundamental
        market, fundamental = market_by_account[accounts], fundamental_by_account[accounts]
        investors = accounts[self._investors]
        if investors.size:
            fabs = model.fabs.partner_book_usd_bn(model.ledger.n_accounts)[investors]
            held = model.ledger.balances_of(investors) + fabs + model.capital.bonds.debt_held_usd_bn(investors)
            at_market, at_fundamental = _stakes_times(model.capital, investors, equity.accounts,
                                                      (equity.market, equity.fundamental))
            market[self._investors] = held + at_market
            fundamental[self._investors] = held + at_fundamental
        return market, fundamental

    def table(self) -> pd.DataFrame:
        """The agent table: one row per agent per step, in the order the steps and agents were recorded."""
        if not self.steps:
            return pd.DataFrame({column: pd.Series(dtype=EMPTY_DTYPES.get(column, float)) for column in AGENT_TABLE_COLUMNS})
        columns = {column: np.concatenate([step[column] for step in self.steps]) for column in AGENT_TABLE_COLUMNS}
        frame = pd.DataFrame(columns)
        frame["step"] = frame["step"].astype(int)
        frame["alive"] = frame["alive"].astype(bool)
        return frame


def _stakes_times(capital: CapitalMarket, holders: np.ndarray, firms: np.ndarray,
                  values: tuple[np.ndarray, ...]) -> list[np.ndarray]:
    """``stakes[holders, firms] @ v`` for each v (aligned with ``firms``): each holder's stakes at those values.

    Read from the share registers' indexed holders (:class:`market.finance.column_rows.ColumnRows`), each holder's
    products added firm by firm in account order: the cost grows with the stakes held, not with holders x firms (a
    product over the whole holders x firms block read 5.5 GB a month at ``run.scale`` 240).
    """
    rows, columns = capital.holders.entries()
    holder_position = np.full(capital.stakes.shape[0], -1, dtype=np.int64)
    holder_position[holders] = np.arange(holders.size)
    firm_position = np.full(capital.stakes.shape[1], -1, dtype=np.int64)
    firm_position[firms] = np.arange(firms.size)
    kept = (holder_position[rows] >= 0) & (firm_position[columns] >= 0)
    rows, columns = rows[kept], columns[kept]
    shares = capital.stakes[rows, columns]
    at = holder_position[rows]
    return [np.bincount(at, weights=shares * value[firm_position[columns]], minlength=holders.size) for value in values]
