"""Regenerate the golden tables: ``make golden`` (``python -m tests.golden.regenerate``).

The golden files are the baseline's model and agent tables for seed 1. A change to them in review
shows that a change to the code changed results; regenerate them only when that is intended.
"""

from __future__ import annotations

from pathlib import Path

from experiments.runner import simulate
from market.parameters.scenario import load_scenario

GOLDEN = Path(__file__).resolve().parent
SEED = 1


def main() -> None:
    """Write model.csv and agents.csv.gz for the baseline, seed 1."""
    result = simulate(load_scenario("baseline"), SEED)
    result.model_table.to_csv(GOLDEN / "baseline_seed1_model.csv", index=False, float_format="%.17g")
    result.agent_table.to_csv(GOLDEN / "baseline_seed1_agents.csv.gz", index=False, float_format="%.17g",
                              compression={"method": "gzip", "mtime": 0})
    print(f"wrote golden tables to {GOLDEN}")


if __name__ == "__main__":
    main()
