"""Regenerate the golden tables: ``make golden`` (``python -m tests.golden.regenerate``).

The golden files are the baseline's model and agent tables for seed 1, and the model and event tables of four runs
whose mechanisms the baseline does not reach: energy-investment (labs' and energy funds' dedicated plants),
fab-network (fabs and their partners), bubble-burst with scarce funding and a demand crash in 2029 (defaults, clearing,
creditors' losses and distress) and the baseline starved of funding (months of arrears and unpaid claims, fire sales).
A change to them in review shows that a change to the code changed results; regenerate them only when that is intended.
"""

from __future__ import annotations

from pathlib import Path

from experiments.runner import RunResult, simulate
from market.parameters.scenario import EventKind, Scenario, ScheduledEvent, load_scenario

GOLDEN = Path(__file__).resolve().parent
SEED = 1
FLOAT_FORMAT = "%.17g"


def crash_with_scarce_funding() -> Scenario:
    """bubble-burst with every investor putting at most 0.1% of its cash into a round, and AI spending's ceiling cut
    from $150bn to $10bn a month in January 2029 (the defaults test of tests/test_finance_scenarios.py)."""
    scenario = load_scenario("bubble-burst", [("investors.max_commit_share_per_round", 0.001)])
    scenario.events.append(ScheduledEvent("2029-01", EventKind.SET_PARAM, "demand.saturation_spend_usd_bn_per_month", 10.0))
    return scenario


def starved_of_funding() -> Scenario:
    """The baseline's first 60 months with investors holding $50bn and receiving nothing, and labs' opex at twice their
    revenue: labs pay dues short for months (claims), default and are fire-sold (the stress case of the invariant tests
    in tests/test_accounting.py). Its claims column moved in the last bits when a change paid dues in numpy floats."""
    return load_scenario("baseline", [("investors.total_capital_usd_bn", 50.0), ("investors.inflow_rate_per_month", 0.0),
                                      ("lab_behaviour.opex_share_of_revenue", 2.0), ("run.steps", 60)])


SCENARIO_RUNS = {
    "energy-investment": lambda: load_scenario("energy-investment"),
    "fab-network": lambda: load_scenario("fab-network"),
    "crash-scarce-funding": crash_with_scarce_funding,
    "starved-of-funding": starved_of_funding,
}


def run_scenario(name: str) -> RunResult:
    """One of :data:`SCENARIO_RUNS`, seed 1."""
    return simulate(SCENARIO_RUNS[name](), SEED)


def main() -> None:
    """Write the baseline's model.csv and agents.csv.gz, and each scenario run's model and event tables."""
    result = simulate(load_scenario("baseline"), SEED)
    result.model_table.to_csv(GOLDEN / "baseline_seed1_model.csv", index=False, float_format=FLOAT_FORMAT)
    result.agent_table.to_csv(GOLDEN / "baseline_seed1_agents.csv.gz", index=False, float_format=FLOAT_FORMAT,
                              compression={"method": "gzip", "mtime": 0})
    for name in SCENARIO_RUNS:
        result = run_scenario(name)
        result.model_table.to_csv(GOLDEN / f"{name}_seed1_model.csv", index=False, float_format=FLOAT_FORMAT)
        result.event_table.to_csv(GOLDEN / f"{name}_seed1_events.csv.gz", index=False,
                                  compression={"method": "gzip", "mtime": 0})
    print(f"wrote golden tables to {GOLDEN}")


if __name__ == "__main__":
    main()
