"""The cycle collector relaxed while the model runs (market.gc_policy): thresholds set and restored, results unchanged."""

from __future__ import annotations

import gc
from pathlib import Path

import pandas as pd

from market.gc_policy import GEN0_THRESHOLD_WHILE_RUNNING, fewer_cycle_collections
from market.model import ComputeMarket
from market.outputs.metrics import agent_table, model_table
from market.parameters.scenario import load_scenario


def test_the_first_generation_threshold_is_raised_within_the_block_and_restored_after() -> None:
    """Within the block the first generation is collected every GEN0_THRESHOLD_WHILE_RUNNING allocations (never more
    often than before: a higher threshold set by the user stays), the older generations keep theirs, and the previous
    thresholds come back on leaving, after an error too. Fails if the block lowers a threshold or leaks its own."""
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 11, 12)
        with fewer_cycle_collections():
            assert gc.get_threshold() == (GEN0_THRESHOLD_WHILE_RUNNING, 11, 12)
        assert gc.get_threshold() == (700, 11, 12)
        gc.set_threshold(10 * GEN0_THRESHOLD_WHILE_RUNNING, 11, 12)
        with fewer_cycle_collections():
            assert gc.get_threshold() == (10 * GEN0_THRESHOLD_WHILE_RUNNING, 11, 12)
        gc.set_threshold(700, 11, 12)
        try:
            with fewer_cycle_collections():
                raise RuntimeError("a run fails")
        except RuntimeError:
            pass
        assert gc.get_threshold() == (700, 11, 12)
    finally:
        gc.set_threshold(*before)


def test_a_model_run_to_its_end_steps_with_the_collector_relaxed_and_gives_the_stepped_results() -> None:
    """ComputeMarket.run_model steps with the relaxed threshold (read inside a step) and gives the model and agent tables
    of stepping by hand with the default threshold, bit for bit, with collection forced between steps in the latter.
    Fails if run_model bypasses the policy or if anything the model computes depends on when cycles are collected."""
    seen = []
    relaxed = ComputeMarket(load_scenario("baseline", [("run.steps", 8)]), rng=3)
    step = relaxed.step

    def step_and_look() -> None:
        seen.append(gc.get_threshold()[0])
        step()
    relaxed.step = step_and_look
    relaxed.run_model()
    stepped = ComputeMarket(load_scenario("baseline", [("run.steps", 8)]), rng=3)
    while stepped.running:
        gc.collect()
        stepped.step()
    assert seen == [max(GEN0_THRESHOLD_WHILE_RUNNING, gc.get_threshold()[0])] * 8
    pd.testing.assert_frame_equal(model_table(relaxed), model_table(stepped), check_exact=True)
    pd.testing.assert_frame_equal(agent_table(relaxed), agent_table(stepped), check_exact=True)


def test_the_readme_states_the_threshold_in_force() -> None:
    """The README's note on the relaxed collector gives the threshold the code uses. Fails if one changes alone."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert f"(a first-generation collection every {GEN0_THRESHOLD_WHILE_RUNNING:,} allocations instead of" in readme
