"""The baseline's tables for seed 1, and three scenario runs' model and event tables, match the golden files
(regenerate with ``make golden``)."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.golden.regenerate import GOLDEN, SCENARIO_RUNS, run_scenario


def test_model_table_matches_golden(baseline_seed1) -> None:
    golden = pd.read_csv(GOLDEN / "baseline_seed1_model.csv")
    pd.testing.assert_frame_equal(baseline_seed1.model_table, golden, check_exact=False, rtol=1e-9, atol=1e-9,
                                  check_dtype=False)


def test_agent_table_matches_golden(baseline_seed1) -> None:
    golden = pd.read_csv(GOLDEN / "baseline_seed1_agents.csv.gz")
    pd.testing.assert_frame_equal(baseline_seed1.agent_table, golden, check_exact=False, rtol=1e-9, atol=1e-9,
                                  check_dtype=False)


@pytest.mark.parametrize("name", SCENARIO_RUNS)
def test_scenario_runs_match_golden(name) -> None:
    """Model and event tables of runs reaching the mechanisms the baseline does not (dedicated plants and energy
    funds, fabs and partners, defaults and contagion)."""
    result = run_scenario(name)
    golden = pd.read_csv(GOLDEN / f"{name}_seed1_model.csv")
    pd.testing.assert_frame_equal(result.model_table, golden, check_exact=False, rtol=1e-9, atol=1e-9, check_dtype=False)
    events = pd.read_csv(GOLDEN / f"{name}_seed1_events.csv.gz", keep_default_na=False)
    pd.testing.assert_frame_equal(result.event_table.astype(str), events.astype(str), check_dtype=False)
