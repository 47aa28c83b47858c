"""Chip catalogue and the cohort table: known answers from the datasheets, retirement, conservation."""

from __future__ import annotations

import numpy as np
import pytest

from market.model import ComputeMarket
from market.parameters.physical import TechnologySpec, default_generations
from market.parameters.scenario import load_scenario
from market.physical.compute import ChipCatalogue, CohortTable, format_month, month_index


def test_generation_tpp_matches_the_export_rule_examples() -> None:
    """TPP = dense TOPS x 16: the A100 sits just above the 2022 threshold of 4,800 (87 FR 62186)."""
    generations = default_generations()
    assert generations["A100"].tpp() == pytest.approx(4992.0)
    assert generations["A100"].tpp() > 4800 > 0
    assert generations["H100"].tpp() == pytest.approx(15824.0)
    assert generations["H100"].eflops_per_gw() == pytest.approx(989e12 / 1500 * 1e9 / 1e18)


def test_future_generations_follow_the_efficiency_doubling() -> None:
    technology = TechnologySpec()
    catalogue = ChipCatalogue(default_generations(), technology, month_index("2031-06"))
    names = [g.name for g in catalogue.generations]
    assert names == ["A100", "H100", "B200", "future_1", "future_2", "future_3"]
    b200, future_1 = catalogue.generations[2], catalogue.generations[3]
    assert future_1.intro_month - b200.intro_month == technology.future_generation_interval_months
    assert future_1.eflops_per_gw / b200.eflops_per_gw == pytest.approx(2 ** (24 / technology.efficiency_doubling_months))
    assert catalogue.newest_at(month_index("2024-06")).name == "H100"
    assert catalogue.newest_at(month_index("2019-01")).name == "A100"
    assert format_month(month_index("2025-12")) == "2025-12"


def test_cohorts_retire_at_the_end_of_life_and_conserve_gw() -> None:
    table = CohortTable(capacity=1)
    table.add(owner=1, maker=2, project=7, site=0, gw=1.0, eflops_per_gw=600.0, delivered_month=100, life_months=60,
              cost_per_gw=50.0, online=True)
    table.add(owner=1, maker=2, project=7, site=0, gw=0.5, eflops_per_gw=1000.0, delivered_month=110, life_months=60,
              cost_per_gw=50.0)
    table.set_project_online(7, 1.2)
    assert table.online_gw[:2].tolist() == [1.0, pytest.approx(0.2)]
    assert table.totals()["idle_gw"] == pytest.approx(0.3)
    assert table.retire_due(159) == {}
    assert table.retire_due(160) == {7: 1.0}
    totals = table.totals()
    assert totals["retired_gw"] == 1.0 and totals["live_gw"] == 0.5
    assert table.net_book_value_by_owner(135, 3)[1] == pytest.approx(0.5 * 50.0 * 35 / 60)


def test_a_project_s_chips_are_rerun_when_its_cohorts_change_though_its_online_gw_does_not() -> None:
    """set_project_online skips a project whose online GW and live cohorts are those of its last call; a cohort retired
    or delivered since must be run anew. Fails if the skip ignores changes to the cohorts."""
    table = CohortTable(capacity=4)
    table.add(owner=1, maker=2, project=7, site=0, gw=1.0, eflops_per_gw=600.0, delivered_month=100, life_months=60,
              cost_per_gw=50.0)
    table.add(owner=1, maker=2, project=7, site=0, gw=0.5, eflops_per_gw=1000.0, delivered_month=110, life_months=60,
              cost_per_gw=50.0)
    table.set_project_online(7, 1.2)
    assert table.online_gw[:2].tolist() == [1.0, pytest.approx(0.2)]
    table.retire_due(160)
    table.set_project_online(7, 1.2)
    assert table.online_gw[:2].tolist() == [0.0, 0.5]
    table.add(owner=1, maker=2, project=7, site=0, gw=2.0, eflops_per_gw=1000.0, delivered_month=165, life_months=60,
              cost_per_gw=50.0)
    table.set_project_online(7, 1.2)
    assert table.online_gw[:3].tolist() == [0.0, 0.5, pytest.approx(0.7)]
    table.retire_rows(np.array([1]))
    table.set_project_online(7, 1.2)
    assert table.online_gw[:3].tolist() == [0.0, 0.0, 1.2]


def test_a_project_s_efficiency_bounds_are_its_live_cohorts_through_deliveries_and_retirements() -> None:
    """eflops_per_gw_bounds (kept between changes) gives the lowest and highest EFLOP/s per GW of the project's live
    cohorts, None once none is live, after cohorts are delivered, retired at end of life and retired early. Fails if a
    kept value outlives a change to the cohorts (early scrapping would then pick the wrong donors)."""
    table = CohortTable(capacity=2)
    assert table.eflops_per_gw_bounds(7) is None
    table.add(owner=1, maker=2, project=7, site=0, gw=1.0, eflops_per_gw=600.0, delivered_month=100, life_months=60,
              cost_per_gw=50.0)
    assert table.eflops_per_gw_bounds(7) == (600.0, 600.0)
    table.add(owner=1, maker=2, project=7, site=0, gw=0.5, eflops_per_gw=1000.0, delivered_month=110, life_months=60,
              cost_per_gw=50.0)
    table.add(owner=1, maker=2, project=8, site=0, gw=0.5, eflops_per_gw=300.0, delivered_month=110, life_months=60,
              cost_per_gw=50.0)
    assert table.eflops_per_gw_bounds(7) == (600.0, 1000.0) and table.eflops_per_gw_bounds(8) == (300.0, 300.0)
    table.retire_due(160)
    assert table.eflops_per_gw_bounds(7) == (1000.0, 1000.0)
    table.add(owner=1, maker=2, project=7, site=0, gw=2.0, eflops_per_gw=800.0, delivered_month=165, life_months=60,
              cost_per_gw=50.0)
    assert table.eflops_per_gw_bounds(7) == (800.0, 1000.0)
    table.retire_rows(np.array([1, 3]))
    assert table.eflops_per_gw_bounds(7) is None and table.eflops_per_gw_bounds(8) == (300.0, 300.0)


def test_an_owner_s_cohorts_are_those_a_scan_of_the_table_finds_through_retirements_and_sales() -> None:
    """rows_of_owner (an index) returns the live rows a scan for the owner's cohorts returns, in row order, after
    cohorts are added, retired at end of life and early, and passed to another owner. Fails if the index keeps retired
    rows or misses a sale."""
    rng = np.random.default_rng(5)
    table = CohortTable(capacity=2)

    def scanned(owner: int) -> list[int]:
        return np.flatnonzero(table.live() & (table.owner[: table.n] == owner)).tolist()

    for month in range(40):
        for _ in range(int(rng.integers(0, 4))):
            table.add(owner=int(rng.integers(1, 5)), maker=9, project=int(rng.integers(0, 6)), site=0, gw=0.1,
                      eflops_per_gw=600.0, delivered_month=month, life_months=int(rng.integers(3, 12)), cost_per_gw=50.0)
        table.retire_due(month)
        if month % 7 == 3 and table.n:
            table.retire_rows(np.array([int(rng.integers(0, table.n))]))
        if month % 11 == 5:
            rows = table.rows_of_project(int(rng.integers(0, 6)))
            table.set_owner(rows, int(rng.integers(1, 5)))
        for owner in range(6):
            assert table.rows_of_owner(owner).tolist() == scanned(owner), (month, owner)


def test_the_refresh_after_leases_expire_is_the_full_refresh() -> None:
    """After leases expire at the start of a month, refreshing only what the lease book moves leaves compute, book
    values and depreciation exactly as a full refresh would, every month of three years (seed 2, with its lease
    expiries and retirements). Fails if anything but the lease book changes between the month's first refresh and
    that one (a step moved in between, say) while only the leases are refreshed."""
    model = ComputeMarket(load_scenario("baseline", [("run.steps", 36)]), rng=2)
    partial, expire = model.refresh_leased_compute, model.leases.expire
    checked, expired = [], []

    def expire_and_note(month: int) -> None:
        expire(month)
        expired.append(month)

    def refresh_and_compare() -> None:
        partial()
        if not expired:  # the lease part of a full refresh
            return
        expired.clear()
        after = (model.used_gw.copy(), model.used_eflops.copy(), model.owned_online_gw.copy(),
                 model.owned_depreciation_month.copy(),
                 [(lab.fixed_assets_usd_bn, lab.depreciation_month_usd_bn) for lab in model.labs.values()],
                 [lease.gw for lease in model.leases.leases.values()])
        model.refresh_compute()
        full = (model.used_gw, model.used_eflops, model.owned_online_gw, model.owned_depreciation_month,
                [(lab.fixed_assets_usd_bn, lab.depreciation_month_usd_bn) for lab in model.labs.values()],
                [lease.gw for lease in model.leases.leases.values()])
        for mine, theirs in zip(after[:4], full[:4], strict=True):
            assert np.array_equal(mine, theirs), model.date
        assert after[4:] == full[4:], model.date
        checked.append(model.date)

    model.refresh_leased_compute = refresh_and_compare
    model.leases.expire = expire_and_note
    while model.running:
        model.step()
    assert len(checked) == 36
