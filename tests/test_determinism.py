"""Same seed, identical tables; another seed, different tables; streams independent of creation order."""

from __future__ import annotations

import pandas as pd

from market.rng import RandomStreams
from tests.conftest import run


def test_same_seed_gives_identical_tables(baseline_seed1) -> None:
    again = run(seed=1)
    pd.testing.assert_frame_equal(baseline_seed1.model_table, again.model_table, check_exact=True)
    pd.testing.assert_frame_equal(baseline_seed1.agent_table, again.agent_table, check_exact=True)
    pd.testing.assert_frame_equal(baseline_seed1.event_table, again.event_table, check_exact=True)


def test_another_seed_gives_different_tables(baseline_seed1) -> None:
    other = run(seed=2)
    assert not baseline_seed1.model_table.equals(other.model_table)
    assert not baseline_seed1.agent_table.equals(other.agent_table)


def test_streams_depend_on_name_not_order() -> None:
    first = RandomStreams(5)
    a1 = first.get("demand_shocks").random(3)
    b1 = first.get("project_delays").random(3)
    second = RandomStreams(5)
    b2 = second.get("project_delays").random(3)
    a2 = second.get("demand_shocks").random(3)
    assert (a1 == a2).all() and (b1 == b2).all()
    assert not (a1 == b1).all()
    assert not (RandomStreams(6).get("demand_shocks").random(3) == a1).all()
