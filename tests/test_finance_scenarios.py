"""Finance scenarios over several seeds with stated margins.

Margins sit inside the measured effects, stated in each test: bubble-burst peaks at ~1.9-2.3 and falls ~50-56% from its
peak in nine of ten seeds; raising beta from 60 to 120 adds ~0.02-0.08 to the peak, raising g from 1.4 to 1.6 ~0.2.
"""

from __future__ import annotations

import numpy as np
import pytest

from experiments.runner import RunResult
from market.expectations import critical_beta
from market.params import Params
from tests.conftest import run

pytestmark = pytest.mark.slow

BUBBLE_SEEDS = tuple(range(1, 11))


@pytest.fixture(scope="module")
def bubble_runs() -> dict[int, RunResult]:
    return {seed: run(seed=seed, scenario="bubble-burst") for seed in BUBBLE_SEEDS}


def _peak_and_fall(result: RunResult) -> tuple[float, float]:
    index = result.model_table["bubble_index"].to_numpy()
    peak = int(index.argmax())
    return float(index[peak]), float(1.0 - index[peak:].min() / index[peak])


def test_bubble_rises_well_above_one_then_falls_by_a_third(bubble_runs) -> None:
    """Every seed peaks at >= 1.5; the median fall from the peak is >= 45% and the mean >= 40%.
    Measured (seeds 1-10): peaks 1.89-2.27; falls 51-56% in nine seeds (median 54%, mean 50%). Seed 8 is the odd one:
    its trend followers do not take over early and it peaks late (~1.9 in 2033) and has fallen only ~11% by the end."""
    peaks, falls = zip(*(_peak_and_fall(result) for result in bubble_runs.values()), strict=True)
    assert min(peaks) >= 1.5, peaks
    assert np.median(falls) >= 0.45 and np.mean(falls) >= 0.40, falls


def test_bubble_burst_defaults_carry_their_cause(bubble_runs) -> None:
    """Every seed has defaults (measured 1-8), each logged with its cause, and each contagion default names only
    counterparties that failed before it. How many seeds end in a contagion default is not tested: it has moved between
    2 and 10 of 10 as unrelated rules changed (measured now: 2); the channel itself is pinned by ``test_contagion.py``
    with a hand-worked answer."""
    for seed, result in bubble_runs.items():
        table = result.model_table
        assert table["defaults"].iloc[-1] >= 1, f"seed {seed}: no default"
        events = result.event_table[result.event_table["kind"] == "default"]
        assert len(events) == table["defaults"].iloc[-1]
        assert events["detail"].str.startswith("cause:").all()
        prefix = "cause: counterparties failed: "
        contagion = events[events["detail"].str.startswith(prefix)]
        assert len(contagion) == table["contagion_defaults"].iloc[-1]
        for step, detail in zip(contagion["step"], contagion["detail"], strict=True):
            failed_by_then = set(events.loc[events["step"] <= step, "actors"])
            assert set(detail.removeprefix(prefix).split(", ")) <= failed_by_then, (seed, detail)


def _peaks(overrides: list[tuple[str, object]], seeds: tuple[int, ...]) -> np.ndarray:
    return np.array([run([*overrides, ("run.steps", 48)], seed=s, scenario="bubble-burst").model_table["bubble_index"].max()
                     for s in seeds])


def test_stronger_switching_or_trend_following_raises_the_peak() -> None:
    """Over 10 seeds: beta 10 (below beta* ~18.6 at g = 1.4) -> 60 (above) raises at least 9 seeds' peaks and the mean
    by >= 0.2 (measured over 48 months: 1.5-2.1 -> 2.1-2.3; seed 8, whose trend followers
    never take over early, 1.57 -> 1.53);
    g 1.4 -> 1.6 raises the mean by >= 0.1 and at least 8 seeds' peaks. Beyond beta*, doubling beta again
    (60 -> 120) changes the peak by only ~0.01: trend followers already dominate."""
    base = _peaks([], BUBBLE_SEEDS)
    weaker_beta = _peaks([("expectations.intensity_of_choice", 10.0)], BUBBLE_SEEDS)
    stronger_trend = _peaks([("expectations.trend_coefficient", 1.6)], BUBBLE_SEEDS)
    assert (base > weaker_beta).sum() >= 9 and base.mean() >= weaker_beta.mean() + 0.2, (weaker_beta, base)
    assert stronger_trend.mean() >= base.mean() + 0.1 and (stronger_trend > base).sum() >= 8, (base, stronger_trend)


def test_baseline_valuations_stay_at_fundamentals_below_beta_star_and_depart_far_above() -> None:
    """With nothing priced in, beta = beta*/3 keeps |ln bubble index| < 0.1 after the first year; beta = 3 beta*
    departs at least three times as far in every seed and passes 0.1 in at least 2 of seeds 1-3 (measured: calm
    0.02-0.03; wild 0.10, 0.42 and 0.47, so seed 1 sits just below 0.1)."""
    expectations = Params().expectations
    beta_star = critical_beta(1.0 + 0.043 / 12, expectations.trend_coefficient, expectations.fundamentalist_cost)
    passed = 0
    for seed in (1, 2, 3):
        calm = run([("expectations.intensity_of_choice", beta_star / 3), ("run.steps", 72)], seed=seed).model_table
        wild = run([("expectations.intensity_of_choice", beta_star * 3), ("run.steps", 72)], seed=seed).model_table
        calm_departure = np.abs(np.log(calm["bubble_index"].iloc[12:])).max()
        wild_departure = np.abs(np.log(wild["bubble_index"].iloc[12:])).max()
        assert calm_departure < 0.1, (seed, calm_departure)
        assert wild_departure > 3.0 * calm_departure, (seed, calm_departure, wild_departure)
        passed += wild_departure > 0.1
    assert passed >= 2, passed


def test_vendor_financing_circularity_is_positive_and_rises_with_the_amount_per_gw() -> None:
    """Mean circularity over 2025-2030, seeds 1-3: positive at $10bn/GW and rising from $5bn to $10bn to $20bn per GW."""
    means = {}
    for amount in (5.0, 10.0, 20.0):
        means[amount] = np.mean([
            run([("vendor_deals.openai_nvidia.usd_bn_per_gw", amount), ("run.steps", 72)], seed=s,
                scenario="vendor-financing-10gw").model_table["circularity"].mean()
            for s in (1, 2, 3)])
    assert means[10.0] > 0
    assert means[5.0] < means[10.0] < means[20.0], means


VENDOR_DEAL = [("vendor_deals.openai_nvidia.chipmaker", "incumbent_gpu"), ("vendor_deals.openai_nvidia.lab", "frontier_lab_a"),
               ("vendor_deals.openai_nvidia.usd_bn_per_gw", 10.0), ("vendor_deals.openai_nvidia.max_gw", 10.0),
               ("vendor_deals.openai_nvidia.start_date", "2025-09")]


@pytest.mark.timeout(900)
def test_what_vendor_financing_does_to_defaults_in_bubble_burst(bubble_runs) -> None:
    """Does vendor financing raise defaults in bubble-burst? The model says it does not: over seeds 1-10 the 10 GW deal
    (peak circularity 0.08-0.27 in every seed) leaves the mean number of defaults no more than 0.5 higher (measured
    2.8 with the deal against 3.1 without). Contagion defaults are rare either way (measured 3 against 2 in ten seeds;
    the one channel is the neocloud's lease book, and the deal's money goes to the financed lab's own build-out), too
    few to compare."""
    plain = [bubble_runs[s].model_table for s in BUBBLE_SEEDS]
    financed = [run(VENDOR_DEAL, seed=s, scenario="bubble-burst").model_table for s in BUBBLE_SEEDS]
    assert all(t["circularity"].max() >= 0.05 for t in financed)
    plain_defaults = np.array([t["defaults"].iloc[-1] for t in plain])
    financed_defaults = np.array([t["defaults"].iloc[-1] for t in financed])
    assert financed_defaults.mean() <= plain_defaults.mean() + 0.5, (plain_defaults, financed_defaults)
