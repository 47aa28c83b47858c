"""``aicm validate`` accepts exactly what ``aicm run`` can run (issue 12): a property test over drawn scenario files.

Hypothesis draws scenario files mixing valid and invalid parameter values (out of range, not finite, wrong type,
breaking a rule across fields or a set-up check) and events (dates in and outside the run, unknown targets, bad
values). For each, ``validate`` succeeds exactly when ``run`` for 3 months succeeds, and every failure is exit code 2.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from experiments.cli import main

NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10), st.sampled_from([0.0, 0.5, 1.0, 1.5]))
PARAMS = st.sampled_from([
    ("demand.price_elasticity", NUMBERS),
    ("valuation.terminal_growth", st.sampled_from([0.0, 0.03, 0.08, 0.2, -0.6])),
    ("run.steps", st.one_of(st.integers(-1, 6), st.just(2.5))),
    ("labs.frontier_lab_a.initial_cash_usd_bn", NUMBERS),
    ("utilities.US.initial_available_gw", st.sampled_from([0.5, 5.0, 9.5, 50.0])),
    ("followers.region_shares", st.sampled_from([["US:1"], ["US:0.5", "CN:0.5"], ["US:nan"], ["US:0.7"], ["XX:1"]])),
    ("export_rules.us_2023.destinations", st.sampled_from([["CN"], ["US"], ["CN", "GULF"]])),
    ("lab_behaviour.gap_closing_months", st.one_of(st.integers(-2, 12), st.just("six"))),
])
EVENTS = st.fixed_dictionaries({
    "date": st.sampled_from(["2025-02", "2025-03", "2024-12", "2040-01", "2025-13"]),
    "kind": st.sampled_from(["invest", "set_param", "wake_chipmaker", "merge"]),
    "target": st.sampled_from(["frontier_lab_a", "entrant_neuromorphic", "valuation.terminal_growth", "run.steps", "nobody"]),
}, optional={
    "value": st.one_of(st.sampled_from([5.0, -1.0, 0.05, 0.5]), st.floats(allow_nan=True, allow_infinity=True)),
})


def toml_value(value: object) -> str:
    """A TOML literal of a drawn value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


@st.composite
def scenario_texts(draw) -> str:
    """A scenario file of a few drawn parameters and events."""
    lines = ["[params]"]
    for path, values in draw(st.lists(PARAMS, max_size=3, unique_by=lambda p: p[0])):
        lines.append(f"{path} = {toml_value(draw(values))}")
    for event in draw(st.lists(EVENTS, max_size=2)):
        lines += ["[[events]]"] + [f"{key} = {toml_value(value)}" for key, value in event.items()]
    return "\n".join(lines) + "\n"


@pytest.mark.timeout(600)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=scenario_texts())
def test_validate_succeeds_exactly_when_a_three_month_run_does(text, tmp_path) -> None:
    """Exit codes agree: 0 for both or 2 for both."""
    path = tmp_path / "drawn.toml"
    path.write_text(text)
    validated = main(["validate", str(path)])
    ran = main(["run", "--scenario", str(path), "--steps", "3", "--out", str(tmp_path / "out")])
    assert validated in (0, 2) and ran in (0, 2), (validated, ran, text)
    assert validated == ran, (validated, ran, text)
