"""Power market rules, one test each with a hand-worked answer: the supply curve, builds, grid growth, connections.

Each docstring names the bug that makes the test fail.
"""

from __future__ import annotations

import pytest

from market import monthly
from market.model import ComputeMarket
from market.parameters.scenario import load_scenario
from tests.conftest import model_after


@pytest.fixture
def model() -> ComputeMarket:
    return model_after(2)


def _set_state(utility, *, available: float, committed: float, queued: float = 0.0, building: float = 0.0) -> None:
    utility.available_gw, utility.committed_gw = available, committed
    utility.queue = [(999_999, queued)] if queued > 0 else []
    utility.pipeline = [(10**9, building)] if building > 0 else []


def test_the_price_target_is_the_base_price_at_the_target_reserve_margin(model) -> None:
    """US: c = 40, p_0 = 80, r = 0.1, beta = 4, k = 2. Load 10 against supply 11 (u = u_ref = 1/1.1): p* = 80.
    Load 5 against 11 (u = u_ref / 2): p* = 40 + 40 / 16 = 42.5. Load 14 against 11: the curve gives
    40 + 40 (1.4)^4 = 193.7, capped at 160. Fails if the curve or its cap is wrong."""
    utility = model.utilities["US"]
    spec = utility.spec
    assert (spec.operating_cost_usd_mwh, spec.base_price_usd_mwh, spec.reserve_margin, spec.supply_curve_exponent,
            spec.price_cap_multiple) == (40.0, 80.0, 0.1, 4.0, 2.0)
    _set_state(utility, available=8.0, committed=7.0, queued=3.0, building=3.0)
    assert utility.target_price_usd_mwh() == pytest.approx(80.0)
    _set_state(utility, available=11.0, committed=5.0)
    assert utility.target_price_usd_mwh() == pytest.approx(42.5)
    _set_state(utility, available=11.0, committed=11.0, queued=3.0)
    assert utility.target_price_usd_mwh() == pytest.approx(160.0)


def test_the_price_closes_a_quarter_of_the_gap_to_its_target_each_month(model) -> None:
    """p <- p + 0.25 (p* - p): from 100 toward 80 the price moves to 95, then 91.25. Fails if it jumps or never moves."""
    utility = model.utilities["US"]
    _set_state(utility, available=10.0, committed=10.0 / 1.1)
    utility.price_usd_mwh = 100.0
    utility.update_price()
    assert utility.price_usd_mwh == pytest.approx(95.0)
    utility.update_price()
    assert utility.price_usd_mwh == pytest.approx(91.25)


def test_a_utility_builds_toward_its_reserve_margin_over_committed_queued_and_turned_away_load(model) -> None:
    """With the price above the cost of new supply (pi = 1): committed 8, queued 1, turned away 1, available 9, building
    1: start (1.1 x 10 - 10) = 1 GW, within the 1 GW/month limit. Fails if the reserve margin is inverted or the load
    its customers were turned away for is ignored."""
    utility = model.utilities["US"]
    _set_state(utility, available=9.0, committed=8.0, queued=1.0, building=1.0)
    utility.turned_away_gw = 1.0
    utility.price_usd_mwh = 100.0
    assert utility.build_incentive() == 1.0
    assert utility.plan_builds(model.month) == pytest.approx(1.0)
    assert utility.turned_away_gw == pytest.approx(1.0 - 1.0 / model.params.lab_behaviour.gap_closing_months)


def test_a_utility_builds_only_as_far_as_the_price_pays_for_new_supply(model) -> None:
    """New supply costs LCOE = 40 + 1,500 $/kW x 0.094 / 8.76 = 56.1 $/MWh. At a price of 48 the price covers
    (48 - 40) / 16.1 = half the capital cost, so the utility starts half of the 1 GW it needs."""
    utility = model.utilities["US"]
    lcoe = utility.new_supply_cost_usd_mwh()
    assert lcoe == pytest.approx(40.0 + 1500.0 * 0.094 / 8.76)
    _set_state(utility, available=9.0, committed=9.0, queued=1.0, building=1.0)
    utility.turned_away_gw = 0.0
    utility.price_usd_mwh = 40.0 + 0.5 * (lcoe - 40.0)
    assert utility.plan_builds(model.month) == pytest.approx(0.5)


def test_grid_growth_offered_to_data_centres_follows_their_price(model) -> None:
    """China's grid grows 10,087 TWh x 5.71% / 12 a month, a tenth offered to data centres at the base price 85: at 85
    they get it all, at 62.5 (half the margin over c = 40) half, at 40 nothing, at 170 twice. Fails if unused
    supply keeps piling up while its price sits at the operating cost."""
    utility = model.utilities["CN"]
    base = 10087.0 / 8.76 * 0.0571 / 12.0 * 0.1
    for price, share in ((85.0, 1.0), (62.5, 0.5), (40.0, 0.0), (170.0, 2.0)):
        utility.price_usd_mwh = price
        assert utility.grid_growth_gw_per_month() == pytest.approx(base * share)


def test_retired_chips_give_their_power_back(model) -> None:
    """A project's cohort that reaches the end of its life retires and its GW of connection are released: the
    utility's committed load falls by exactly the retired GW."""
    project = next(p for p in model.projects.values() if p.built and p.connected_gw > 0.05 and p.site == "US")
    rows = model.cohorts.rows_of_project(project.id)
    cohorts = model.cohorts
    cohorts.retire_month[rows[0]] = model.month + 1
    assert (cohorts.live() & (cohorts.retire_month[: cohorts.n] <= model.month + 1)).sum() == 1
    gw = float(cohorts.gw[rows[0]])
    utility = model.utilities["US"]
    committed, connected = utility.committed_gw, project.connected_gw
    model.params.technology.scrap_efficiency_ratio = 1e9  # no early retirement for power this month
    model.month += 1
    monthly.progress_projects(model)
    assert utility.committed_gw == pytest.approx(committed - min(gw, connected))


def test_chips_run_only_once_their_building_is_finished(model) -> None:
    """A project with chips delivered and power connected runs nothing until its last month of construction is done,
    then min(live, connected) GW. Fails if chips run in an unfinished building."""
    project = next(p for p in model.projects.values() if not p.built and p.started_month is not None)
    project.live_gw = project.delivered_gw = project.connected_gw = min(project.gw, 0.1)
    project.months_built = project.build_months - 2
    monthly.progress_projects(model)
    assert project.online_gw == 0.0 and not project.built
    monthly.progress_projects(model)
    assert project.built and project.online_gw == pytest.approx(min(project.gw, 0.1))


def test_the_starting_pipeline_is_load_the_utility_planned_for() -> None:
    """At the start the US utility has generation under way for the power its queued projects requested, keeping
    (1 + r)(committed + queued) <= available + under construction, each build due no later than the building it powers,
    and the power price opens below its cap. Fails if the starting pipeline's requests read as unplanned load (the
    price then opened at its cap, $160/MWh, for the first quarter of 2025)."""
    model = ComputeMarket(load_scenario("baseline"), rng=1)
    utility = model.utilities["US"]
    spec = utility.spec
    assert utility.queued_gw() > 1.0
    supply = utility.available_gw + utility.under_construction_gw()
    assert (1.0 + spec.reserve_margin) * (utility.committed_gw + utility.queued_gw()) <= supply + 1e-9
    finish = max(model.projects[project_id].started_month + model.projects[project_id].build_months
                 for project_id, _ in utility.queue)
    assert utility.pipeline and max(due for due, _ in utility.pipeline) <= finish
    assert utility.price_usd_mwh < 0.75 * spec.price_cap_multiple * spec.base_price_usd_mwh
