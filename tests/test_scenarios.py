"""Scenario files and overrides: valid ones load; invalid ones fail with one line naming field, value and rule."""

from __future__ import annotations

import pytest

from market.parameters.scenario import list_scenarios, load_scenario, parse_set_option
from market.parameters.schema import ParamError


def write(tmp_path, text: str):
    path = tmp_path / "s.toml"
    path.write_text(text)
    return str(path)


def test_baseline_loads_with_its_texts() -> None:
    scenario = load_scenario("baseline")
    assert scenario.name == "baseline" and scenario.description and scenario.question
    assert scenario.params.run.steps == 120 and scenario.params.run.start_date == "2025-01"
    assert ("baseline", scenario.description) in list_scenarios()


def test_overrides_apply_in_order(tmp_path) -> None:
    path = write(tmp_path, '[params]\ndemand.price_elasticity = 1.5\n[params.labs.frontier_lab_a]\ninitial_cash_usd_bn = 3.0\n')
    scenario = load_scenario(path, [parse_set_option("demand.price_elasticity=2")])
    assert scenario.params.demand.price_elasticity == 2.0
    assert scenario.params.labs["frontier_lab_a"].initial_cash_usd_bn == 3.0


@pytest.mark.parametrize(("text", "message"), [
    ("[params]\ndemand.price_elastcity = 1.5\n", "did you mean 'demand.price_elasticity'"),
    ("[params]\ndemand.price_elasticity = -1.0\n", "demand.price_elasticity = -1.0 is not allowed: expected a number with 0 <= value <= 5"),
    ("[params]\nrun.steps = 2.5\n", "run.steps = 2.5 is not allowed: expected an integer"),
    ("[params]\nrun.start_date = '2025-13'\n", "run.start_date = '2025-13' is not allowed"),
    ("[params]\nlabs.fronteir_lab_a.region = 'US'\n", "did you mean 'labs.frontier_lab_a'"),
    ("[params]\nlabs.frontier_lab_a.region = 'MARS'\n", "expected one of US, CN, EU, GULF, ROW"),
    ("[params]\nlabs.frontier_lab_a.lessor = 'nobody'\n", "labs.frontier_lab_a.lessor = 'nobody' is not allowed"),
    ("[params]\nlabs.frontier_lab_c.exclusive_lessor = true\n", "labs.frontier_lab_c.exclusive_lessor = true is not allowed without a lessor"),
    ("[params]\nlabs.frontier_lab_c.initial_leased_gw = 0.1\n", "set labs.frontier_lab_c.lessor or lease 0"),
    ("[params]\nfollowers.region_shares = ['US:0.5']\n", "must sum to 1"),
    ("[params]\ncompute_split.frontier.training_share = 0.9\n", "shares sum to"),
    ("[[events]]\ndate = '2027-01'\nkind = 'explode'\n", "events[0].kind = 'explode' is not allowed"),
    ("[[events]]\ndate = '2027'\nkind = 'wake_chipmaker'\ntarget = 'entrant_neuromorphic'\n", "events[0].date"),
    ("[[events]]\ndate = '2027-01'\nkind = 'wake_chipmaker'\ntarget = 'intel'\n", "expected a chipmaker"),
    ("paramz = 1\n", "unknown top-level key 'paramz'"),
    ("[params\n", "not valid TOML"),
    ("[params]\ndemand = 3\n", "'demand' names a group"),
])
def test_invalid_scenarios_fail_with_one_clear_line(tmp_path, text: str, message: str) -> None:
    with pytest.raises(ParamError) as info:
        load_scenario(write(tmp_path, text))
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_unknown_scenario_name_lists_the_known_ones() -> None:
    with pytest.raises(ParamError, match="expected one of baseline"):
        load_scenario("baselin")


def test_wake_event_wakes_the_entrant(tmp_path) -> None:
    from market.model import ComputeMarket

    path = write(tmp_path, "[params]\nrun.steps = 3\n[[events]]\ndate = '2025-02'\nkind = 'wake_chipmaker'\n"
                           "target = 'entrant_neuromorphic'\n")
    model = ComputeMarket(load_scenario(path), rng=1)
    model.step()
    assert model.chipmakers["entrant_neuromorphic"].dormant
    model.step()
    assert not model.chipmakers["entrant_neuromorphic"].dormant
    assert any(e["kind"] == "wake_chipmaker" for e in model.event_log)


def test_a_set_param_event_on_a_labs_profile_changes_what_the_lab_does(tmp_path) -> None:
    """``set_param labs.frontier_lab_a.own_build_share`` in month 2 reaches the lab's profile (its plans read it), as the
    replay's Stargate event needs. Fails if the event only changes the parameter tree (the profile is copied at set-up)."""
    from market.model import ComputeMarket

    path = write(tmp_path, "[params]\nrun.steps = 3\n[[events]]\ndate = '2025-02'\nkind = 'set_param'\n"
                           "target = 'labs.frontier_lab_a.own_build_share'\nvalue = 0.7\n")
    model = ComputeMarket(load_scenario(path), rng=1)
    model.step()
    assert model.labs["frontier_lab_a"].profile.own_build_share == pytest.approx(0.3)
    model.step()
    assert model.labs["frontier_lab_a"].profile.own_build_share == pytest.approx(0.7)


def test_set_param_events_are_refused_exactly_on_the_values_the_schema_marks_set_up_only(tmp_path) -> None:
    """Every parameter of the baseline, set mid-run to its own value: the event is refused, naming set-up, exactly when
    the schema marks the parameter ``setup_only`` (the docs' "set_param mid-run" column). Fails if the refusal and the
    schema disagree (a second, hand-kept list of set-up values drifting from the schema)."""
    import json

    from market.parameters.params import Params
    from market.parameters.scenario import describe_params

    rows = describe_params(Params())
    assert sum(row["mid_run"] != "yes" for row in rows) > 40 and sum(row["mid_run"] == "yes" for row in rows) > 100
    for row in rows:
        value = json.dumps(row["value"])
        path = write(tmp_path, f"[[events]]\ndate = '2026-01'\nkind = 'set_param'\ntarget = '{row['path']}'\nvalue = {value}\n")
        if row["mid_run"] == "yes":
            load_scenario(path)
        else:
            with pytest.raises(ParamError, match="set-up"):
                load_scenario(path)
