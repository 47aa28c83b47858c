"""Impairment of installed chips (IAS 36, issue 17 item 3): known answers of the test's arithmetic and, on a real
baseline model, a write-down to fair value that moves the books and no money. Each docstring names the bug that fails it.
"""

from __future__ import annotations

import numpy as np
import pytest

from market.enums import REGIONS
from market.finance.impairment import annuity_months, write_down_units
from tests.conftest import model_after


def test_the_annuity_is_the_sum_of_monthly_discount_factors() -> None:
    """a(T) = sum_{tau=1}^{T} (1 + r)^(-tau/12): 12 at r = 0; at r = 10% a year, the explicit sum (~11.40 for a year).
    Fails if the first month is not discounted or the rate is taken as monthly."""
    assert annuity_months(np.array([12.0]), 0.0)[0] == pytest.approx(12.0)
    explicit = sum(1.1 ** (-tau / 12.0) for tau in range(1, 13))
    assert annuity_months(np.array([12.0, 0.0]), 0.10) == pytest.approx([explicit, 0.0])
    assert explicit == pytest.approx(11.40, abs=0.01)


def test_a_unit_is_written_down_to_the_higher_of_fair_value_and_value_in_use_pro_rata() -> None:
    """Unit 1: carried 6 + 4, fair 3 + 2, in use 1 + 1: recoverable max(5, 2) = 5, loss 5, both cohorts halved. Unit 2:
    carried 10, fair 4, in use 12: no loss. Unit 3: in use negative and fair 0.2: recoverable 0.2 (never below 0).
    Fails if units are tested cohort by cohort, the lower value is taken or the loss is not spread pro rata."""
    carrying = np.array([6.0, 4.0, 10.0, 1.0])
    fair = np.array([3.0, 2.0, 4.0, 0.2])
    in_use = np.array([1.0, 1.0, 12.0, -5.0])
    unit = np.array([1, 1, 2, 3])
    units, carried, loss, factor = write_down_units(carrying, fair, in_use, unit, owner=unit)
    assert units.tolist() == [1, 2, 3] and carried == pytest.approx([10.0, 10.0, 1.0])
    assert loss == pytest.approx([5.0, 0.0, 0.8])
    assert factor == pytest.approx([0.5, 0.5, 1.0, 0.2])


def test_an_immaterial_loss_is_not_booked() -> None:
    """Materiality is a share of the owner's chips at all its sites: a loss of 0.05 on an owner carrying 10 (at two
    sites) is below 1% of it and stays unbooked; a loss of 0.2 is booked. Fails if materiality is ignored or taken on
    the unit alone (0.05 is 2.5% of its unit's 2)."""
    carrying = np.array([2.0, 8.0])
    owner = np.array([7, 7])
    unit = np.array([70, 71])
    _, _, small, _ = write_down_units(carrying, np.array([1.95, 8.0]), np.zeros(2), unit, owner, materiality_share=0.01)
    _, _, large, _ = write_down_units(carrying, np.array([1.8, 8.0]), np.zeros(2), unit, owner, materiality_share=0.01)
    assert small == pytest.approx([0.0, 0.0])
    assert large == pytest.approx([0.2, 0.0])


@pytest.fixture(scope="module")
def shocked():
    """A baseline model after two months whose chips are tested as if the market paid nothing for compute (pi = 0):
    value in use is then below zero and every unit is written down to its fair value."""
    model = model_after(2)
    cohorts = model.cohorts
    rows = np.flatnonzero(cohorts.live())
    n = model.ledger.n_accounts
    before = {"nbv": cohorts.net_book_value_by_owner(model.month, n), "cost": cohorts.cost_per_gw[rows].copy(),
              "balances": model.ledger.balances, "labs": {lab.name: (lab.fixed_assets_usd_bn, lab.book_equity_usd_bn(),
                                                                     lab.depreciation_month_usd_bn)
                                                          for lab in model.labs.values()}}
    going = np.array([model.procurement.going_cost_per_eflops_in(region) for region in REGIONS])
    life = np.maximum(cohorts.retire_month[rows] - cohorts.delivered_month[rows], 1)
    left = np.clip(cohorts.retire_month[rows] - model.month, 0, None) / life
    before["fair"] = cohorts.gw[rows] * cohorts.eflops_per_gw[rows] * left * going[cohorts.site[rows]]
    before["carrying"] = cohorts.gw[rows] * before["cost"] * left
    written = model.impairment._test(rows, 0.0)
    model.refresh_compute()
    return model, rows, before, written


def test_with_no_value_in_use_each_impaired_site_is_carried_at_its_fair_value(shocked) -> None:
    """Every unit written down ends at its fair value (the going cost of its compute new, pro rata to life left), every
    other unit was within materiality of it; the losses add up to the drop in net book value, owner by owner. Fails if
    the write-down misses cohorts of a unit, or the loss reported is not the loss booked."""
    model, rows, before, written = shocked
    cohorts = model.cohorts
    assert written, "pi = 0 must impair the baseline's chips"
    key = cohorts.owner[rows] * len(REGIONS) + cohorts.site[rows]
    life = np.maximum(cohorts.retire_month[rows] - cohorts.delivered_month[rows], 1)
    carried_now = cohorts.gw[rows] * cohorts.cost_per_gw[rows] * np.clip(cohorts.retire_month[rows] - model.month, 0, None) / life
    impaired = {account * len(REGIONS) + REGIONS.index(region) for account, region, _, _ in written}
    for unit in np.unique(key):
        in_unit = key == unit
        if unit in impaired:
            assert carried_now[in_unit].sum() == pytest.approx(before["fair"][in_unit].sum(), rel=1e-9)
        else:
            assert carried_now[in_unit].sum() == pytest.approx(before["carrying"][in_unit].sum(), rel=1e-12)
    drop = before["nbv"] - cohorts.net_book_value_by_owner(model.month, model.ledger.n_accounts)
    booked = np.zeros_like(drop)
    for account, _, amount, _ in written:
        booked[account] += amount
    assert drop == pytest.approx(booked, abs=1e-9)


def test_a_write_down_lowers_assets_equity_and_depreciation_and_moves_no_money(shocked) -> None:
    """A lab's fixed assets and book equity fall by its loss, its depreciation does not rise and falls for most (chips
    idle for want of power are not depreciated), and no balance changes. Fails if the loss is paid through the ledger or
    the books are not refreshed."""
    model, _, before, written = shocked
    assert np.array_equal(model.ledger.balances, before["balances"])
    loss_by_lab, lower = {}, 0
    for account, _, amount, _ in written:
        name = model.name_of(account)
        loss_by_lab[name] = loss_by_lab.get(name, 0.0) + amount
    for name, loss in loss_by_lab.items():
        lab = model.labs[name]
        assets, equity, depreciation = before["labs"][name]
        assert lab.fixed_assets_usd_bn == pytest.approx(assets - loss, rel=1e-9, abs=1e-9)
        assert lab.book_equity_usd_bn() == pytest.approx(equity - loss, rel=1e-9, abs=1e-9)
        assert lab.depreciation_month_usd_bn <= depreciation
        lower += lab.depreciation_month_usd_bn < depreciation * (1.0 - 1e-9)
    assert lower > len(loss_by_lab) / 2, (lower, len(loss_by_lab))


def test_the_opening_books_and_the_quarterly_test() -> None:
    """The first month carries the starting chips at no more than their recoverable amount (one ``opening_book`` event,
    not counted as a loss); later tests run at quarter ends only; with ``finance.impairment_test`` off there is
    neither. Fails if the opening adjustment is reported as an impairment loss or the test runs every month."""
    model = model_after(12)
    kinds = [e for e in model.event_log if e["kind"] in ("opening_book", "impairment")]
    assert [e["date"] for e in kinds if e["kind"] == "opening_book"] == ["2025-01"]
    assert {e["date"][5:7] for e in kinds if e["kind"] == "impairment"} <= {"03", "06", "09", "12"}
    off = model_after(12, [("finance.impairment_test", False)])
    assert not [e for e in off.event_log if e["kind"] in ("opening_book", "impairment")]
    assert off.impairment.total_usd_bn == 0.0
    assert (off.cohorts.net_book_value_by_owner(off.month, off.ledger.n_accounts).sum()
            > model.cohorts.net_book_value_by_owner(model.month, model.ledger.n_accounts).sum())
