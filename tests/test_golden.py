"""The baseline's tables for seed 1 match the golden files (regenerate with ``make golden``)."""

from __future__ import annotations

import pandas as pd

from tests.golden.regenerate import GOLDEN


def test_model_table_matches_golden(baseline_seed1) -> None:
    golden = pd.read_csv(GOLDEN / "baseline_seed1_model.csv")
    pd.testing.assert_frame_equal(baseline_seed1.model_table, golden, check_exact=False, rtol=1e-9, atol=1e-9,
                                  check_dtype=False)


def test_agent_table_matches_golden(baseline_seed1) -> None:
    golden = pd.read_csv(GOLDEN / "baseline_seed1_agents.csv.gz")
    pd.testing.assert_frame_equal(baseline_seed1.agent_table, golden, check_exact=False, rtol=1e-9, atol=1e-9,
                                  check_dtype=False)
