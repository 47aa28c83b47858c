"""Direction of effect over five seeds with common random numbers, with stated margins (issue 2).

Each test compares a variant with the baseline run with the same seed. Margins were set from the
measured effects and are kept well inside them: every seed must move the right way, and the mean
effect must clear the stated size.
"""

from __future__ import annotations

import numpy as np
import pytest

from experiments.runner import RunResult
from market.params import Params
from tests.conftest import DIRECTION_SEEDS, run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def baselines() -> dict[int, RunResult]:
    return {seed: run(seed=seed) for seed in DIRECTION_SEEDS}


def test_more_generation_everywhere_means_fewer_idle_chips(baselines) -> None:
    """Tripling every utility's build rate and adding half again to its starting supply: each seed has
    fewer idle chips on average over the run, and the mean over seeds falls by at least 10%."""
    params = Params()
    more = []
    for region, utility in params.utilities.items():
        more += [(f"utilities.{region}.build_rate_limit_gw_per_month", utility.build_rate_limit_gw_per_month * 3),
                 (f"utilities.{region}.initial_available_gw", utility.initial_available_gw * 1.5)]
    base = np.array([baselines[s].model_table["idle_chips_gw"].mean() for s in DIRECTION_SEEDS])
    varied = np.array([run(more, seed=s).model_table["idle_chips_gw"].mean() for s in DIRECTION_SEEDS])
    assert (varied < base).all(), f"idle chips did not fall in every seed: {base} -> {varied}"
    assert varied.mean() <= 0.9 * base.mean()


def test_higher_chip_price_means_fewer_gw_ordered(baselines) -> None:
    """Every chipmaker's markup 1.5x: each seed orders fewer GW over the run, the mean at least 3% fewer."""
    dear = [(f"chipmakers.{name}.base_markup", maker.base_markup * 1.5) for name, maker in Params().chipmakers.items()]
    base = np.array([baselines[s].model.chip_market.ordered_gw_total for s in DIRECTION_SEEDS])
    varied = np.array([run(dear, seed=s).model.chip_market.ordered_gw_total for s in DIRECTION_SEEDS])
    assert (varied < base).all(), f"orders did not fall in every seed: {base} -> {varied}"
    assert varied.mean() <= 0.97 * base.mean()


def test_longer_useful_life_means_more_compute_at_the_horizon(baselines) -> None:
    """Useful life 84 instead of 60 months: each seed ends with at least 5% more compute online."""
    base = np.array([baselines[s].model_table["compute_gw"].iloc[-1] for s in DIRECTION_SEEDS])
    varied = np.array([run([("technology.useful_life_months", 84)], seed=s).model_table["compute_gw"].iloc[-1]
                       for s in DIRECTION_SEEDS])
    assert (varied >= 1.05 * base).all(), f"{base} -> {varied}"
