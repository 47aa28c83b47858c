"""Shared fixtures: expensive runs are made once per session and shared between tests."""

from __future__ import annotations

import os

import pytest

from experiments.runner import RunResult, simulate
from market.model import ComputeMarket
from market.parameters.scenario import load_scenario

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
DIRECTION_SEEDS = (1, 2, 3, 4, 5)


def run(overrides: list[tuple[str, object]] | None = None, seed: int = 1, scenario: str = "baseline") -> RunResult:
    """Run a scenario with overrides and one seed."""
    return simulate(load_scenario(scenario, overrides or []), seed)


def model_after(months: int, overrides: list[tuple[str, object]] | None = None, seed: int = 1) -> ComputeMarket:
    """A fresh baseline model stepped ``months`` times, for tests that set its state by hand."""
    model = ComputeMarket(load_scenario("baseline", overrides or []), rng=seed)
    for _ in range(months):
        model.step()
    return model


@pytest.fixture(scope="session")
def baseline_seed1() -> RunResult:
    """The baseline run with seed 1, shared by every test that only reads it."""
    return run(seed=1)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true a skipped test is a failure: a missing browser, server or Dask must not pass silently."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which is not allowed: {report.longrepr}"
