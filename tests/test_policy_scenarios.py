"""Headline effects of the policy scenarios against the baseline (issue 4), seeds 1-5 with common random numbers.

Each scenario runs with the same seeds as the baseline, so their difference is the policy, not the noise.
Margins sit inside the effects measured when the scenarios were written (stated per test).
"""

from __future__ import annotations

import numpy as np
import pytest

from experiments import headlines
from experiments.headlines import foreign_equity_into_screened_us_firms_usd_bn
from experiments.runner import RunResult, manifest
from market.indicators import WEEKS_PER_YEAR
from market.scenario import load_scenario
from tests.conftest import DIRECTION_SEEDS, run

pytestmark = [pytest.mark.xdist_group("policy_scenarios"), pytest.mark.timeout(1200), pytest.mark.slow]
SCENARIOS = ("baseline", "power-bottleneck", "investment-block", "neuromorphic", "gigawatt-factory", "export-block")


@pytest.fixture(scope="module")
def runs() -> dict[tuple[str, int], RunResult]:
    return {(name, seed): run(seed=seed, scenario=name) for name in SCENARIOS for seed in DIRECTION_SEEDS}


def _last(runs, name: str, column: str) -> np.ndarray:
    return np.array([runs[name, s].model_table[column].iloc[-1] for s in DIRECTION_SEEDS])


def _mean(runs, name: str, column: str) -> np.ndarray:
    return np.array([runs[name, s].model_table[column].mean() for s in DIRECTION_SEEDS])


def test_power_bottleneck_idles_chips_and_cuts_us_compute(runs) -> None:
    """Measured: mean idle chips ~6.2-7.0 against ~2.8-2.9 GW; US compute in Dec 2034 ~27 against ~90-93 GW."""
    assert (_mean(runs, "power-bottleneck", "idle_chips_gw") > 2.0 * _mean(runs, "baseline", "idle_chips_gw")).all()
    assert (_last(runs, "power-bottleneck", "compute_gw_US") < 0.6 * _last(runs, "baseline", "compute_gw_US")).all()
    assert any((runs["power-bottleneck", s].model_table["constraint_US"] == "power").any() for s in DIRECTION_SEEDS)


def test_investment_block_logs_blocked_deals_and_cuts_foreign_money(runs) -> None:
    """Measured: foreign equity into screened US firms over 2025-2034 ~470-750 against ~1,130-1,350 $bn."""
    for seed in DIRECTION_SEEDS:
        blocked, base = runs["investment-block", seed], runs["baseline", seed]
        assert (blocked.event_table["kind"] == "investment_blocked").sum() > 0
        assert foreign_equity_into_screened_us_firms_usd_bn(blocked) < 0.8 * foreign_equity_into_screened_us_firms_usd_bn(base)


def test_neuromorphic_devalues_old_chips_and_cuts_power_per_eflops(runs) -> None:
    """Measured: MW per EFLOP/s in Dec 2034 ~0.20-0.21 against ~0.26-0.28 in every seed; the installed chips' replacement
    value over book (``fleet_value_to_book``) in Dec 2030 ~0.09-0.11 against ~0.54-0.56, already ~0.17-0.22 against
    ~0.63-0.68 in Dec 2028. Early retirement (only where new chips wait for power) is too noisy to test: summed over
    seeds 1-5 it has been above and below the baseline's as other rules changed (now ~35 against ~40 GW)."""
    def power_per_eflops(name: str) -> np.ndarray:
        return _last(runs, name, "compute_gw") / _last(runs, name, "effective_compute_eflops")

    assert (power_per_eflops("neuromorphic") < 0.9 * power_per_eflops("baseline")).all()

    def value_to_book(name: str, date: str) -> np.ndarray:
        return np.array([runs[name, s].model_table.set_index("date").loc[date, "fleet_value_to_book"] for s in DIRECTION_SEEDS])

    for date in ("2028-12", "2030-12"):
        assert (value_to_book("neuromorphic", date) < 0.5 * value_to_book("baseline", date)).all(), date
    assert (value_to_book("baseline", "2030-12") > 0).all()


def test_gigawatt_factory_reports_what_binds(runs) -> None:
    """The push raises US compute (measured ~153-175 against ~90-93 GW in Dec 2034); the constraint it meets is reported
    each month (capital, measured) and the manifest's first month at 1 GW a week (measured Feb-Oct 2033) is the first
    month in which the trailing year's gross additions, recomputed here from compute and retirements, reach 52 GW."""
    assert (_last(runs, "gigawatt-factory", "compute_gw_US") > 1.1 * _last(runs, "baseline", "compute_gw_US")).all()
    scenario = load_scenario("gigawatt-factory")
    for seed in DIRECTION_SEEDS:
        result = runs["gigawatt-factory", seed]
        binding = result.model_table["constraint_US"]
        assert (binding != "demand").mean() > 0.5
        table = result.model_table
        gross_added = (table["compute_gw"].diff() + table["retired_gw"].diff()).clip(lower=0.0)
        per_week = gross_added.rolling(12, min_periods=1).sum() / WEEKS_PER_YEAR
        reached = table.loc[per_week >= 1.0 - 1e-9, "date"]
        assert manifest(result, scenario, seed)["first_month_1_gw_per_week"] == (reached.iloc[0] if len(reached) else "never")


def test_export_block_cuts_china_compute_and_its_domestic_maker_ships_more(runs) -> None:
    """Measured: China's compute in Dec 2034 ~10-12 against ~15-28 GW; the domestic maker's cumulative output
    ~13-16 against ~9-12 GW (its government backs it once its labs are refused, and it is sold out at its raised
    ceiling); blocked demand ~110-130 GW over the run (repeated monthly attempts), none in the baseline."""
    assert (_last(runs, "export-block", "compute_gw_CN") < 0.8 * _last(runs, "baseline", "compute_gw_CN")).all()
    shipped = {name: np.array([runs[name, s].model.chipmakers["domestic_cn"].cumulative_output_gw for s in DIRECTION_SEEDS])
               for name in ("baseline", "export-block")}
    assert (shipped["export-block"] > 1.1 * shipped["baseline"]).all()
    assert (np.array([runs["export-block", s].model_table["blocked_demand_gw"].sum() for s in DIRECTION_SEEDS]) > 0).all()
    assert (np.array([runs["baseline", s].model_table["blocked_demand_gw"].sum() for s in DIRECTION_SEEDS]) == 0).all()


def test_the_headline_table_is_generated_from_these_runs(runs) -> None:
    """docs/headlines.md, which docs/scenarios.md quotes, is what `make headlines` writes now (same scenarios and seeds)."""
    assert set(headlines.SCENARIOS) == set(SCENARIOS) and headlines.SEEDS == DIRECTION_SEEDS
    measured = {key: headlines.measure_run(result) for key, result in runs.items()}
    assert headlines.DOC.read_text() == headlines.render(measured)
