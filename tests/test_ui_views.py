"""The app's page helpers and its link state, without a browser: known answers on small hand-made tables."""

from __future__ import annotations

import pandas as pd
import pytest

from market.parameters.scenario import load_scenario
from market.parameters.schema import ParamError
from visualization import charts
from visualization.charts import make_month_axis
from visualization.finance_charts import default_causes
from visualization.network_view import select_drawn_edges
from visualization.url_state import RunState
from visualization.views import AGENT_COLUMNS, filter_events, last_month_agents

EVENTS = pd.DataFrame({
    "step": [3, 5, 5, 5, 7],
    "date": ["2025-03", "2025-05", "2025-05", "2025-05", "2025-07"],
    "kind": ["vendor_tranche", "losses", "clearing", "default", "default"],
    "actors": ["incumbent_gpu,frontier_lab_a", "follower_001,cloud_us_d", "follower_001", "follower_001", "cloud_us_d"],
    "detail": ["1.00 $bn", "lease take-or-pay: 2.00 $bn lost by 1 holders; firms: cloud_us_d 2.00", "paid 0.00 of 2.00",
               "cause: its own cash flow", "cause: counterparties failed: follower_001 (lease take-or-pay)"],
})


def test_events_filter_by_kind_and_by_a_name_the_actors_contain() -> None:
    """No kind chosen keeps every kind; a name matches any actor, in any case. Fails if the filters are ANDed wrongly."""
    assert len(filter_events(EVENTS, [], "")) == 5
    assert list(filter_events(EVENTS, ["default"], "")["step"]) == [5, 7]
    assert list(filter_events(EVENTS, [], "CLOUD_US_D")["kind"]) == ["losses", "default"]
    assert list(filter_events(EVENTS, ["default"], "cloud")["step"]) == [7]


def test_each_default_is_listed_with_its_cause_and_the_losses_it_left() -> None:
    causes = default_causes(EVENTS)
    assert list(causes["firm"]) == ["follower_001", "cloud_us_d"]
    assert list(causes["cause"]) == ["its own cash flow", "counterparties failed: follower_001 (lease take-or-pay)"]
    assert causes["losses by channel"].iloc[0].startswith("lease take-or-pay: 2.00")
    assert causes["losses by channel"].iloc[1] == "none booked"


def test_the_agents_page_shows_the_last_month_sorted_and_filtered() -> None:
    rows = []
    for step in (1, 2):
        for name, kind, gw in (("a", "Lab", 1.0), ("b", "Lab", 3.0), ("c", "Chipmaker", 0.0)):
            row = {column: 0.0 for column in AGENT_COLUMNS}
            row.update(step=step, name=name, agent_type=kind, compute_gw=gw * step)
            rows.append(row)
    agents = pd.DataFrame(rows)
    assert list(last_month_agents(agents, "compute_gw", True, "all")["name"]) == ["b", "a", "c"]
    assert list(last_month_agents(agents, "compute_gw", False, "Lab")["compute_gw"]) == [2.0, 6.0]


def test_the_link_holds_the_page_shown_and_refuses_an_unknown_one() -> None:
    default = RunState("baseline", 1, 120)
    state, problems = RunState.from_query("view=events&seed=2", default)
    assert state.view == "events" and state.seed == 2 and not problems
    assert "view=events" in state.to_query()
    state, problems = RunState.from_query("view=map", default)
    assert state.view == "overview" and problems == ["view = 'map' is not allowed: expected one of overview, network, finance, events, agents, compare"]


def test_compare_reads_each_headline_from_both_runs_and_states_the_difference() -> None:
    """Two hand-made three-month tables: world compute 10 against 8 GW (+25.0%), no defaults in either (no ratio)."""
    from visualization.compare import compare_table

    def table(gw: float, bubble: float) -> pd.DataFrame:
        return pd.DataFrame({"date": ["2025-01", "2025-02", "2025-03"], "compute_gw": [1.0, 2.0, gw],
                             "compute_gw_US": [1.0, 1.0, 1.0], "compute_gw_CN": [0.5, 0.5, 0.5],
                             "gw_added_per_week": [0.1, 0.2, 0.3], "ai_revenue_usd_bn": [1.0, 1.0, 1.0],
                             "capex_usd_bn": [2.0, 2.0, 2.0], "power_price_usd_mwh_US": [80.0, 90.0, 100.0],
                             "debt_usd_bn": [5.0, 5.0, 5.0], "bubble_index": [1.0, bubble, 1.0], "defaults": [0, 0, 0]})

    compared = compare_table(table(10.0, 1.2), table(8.0, 1.5), "bubble-burst").set_index("measure")
    assert compared.loc["world compute, last month", "this run"] == 10.0
    assert compared.loc["world compute, last month", "bubble-burst"] == 8.0
    assert compared.loc["world compute, last month", "difference"] == "+25.0%"
    assert compared.loc["peak bubble index", "difference"] == "-20.0%"
    assert compared.loc["defaults by the last month", "difference"] == ""
    assert compared.loc["US power price, mean over the run", "this run"] == 90.0


def test_the_network_layout_depends_on_the_agents_only_and_keeps_each_region_in_its_sector() -> None:
    """Placing the same agents twice gives the same positions whatever the edges; every agent of a region lies in
    that region's fifth of the circle, governments nearest the centre. Fails if the layout moves as relations appear."""
    import math

    from market.enums import REGIONS
    from visualization.network_view import layout

    nodes = pd.DataFrame([{"account": 100 * i + 10 * j + k, "name": f"{region}_{kind}_{k}", "agent_type": kind,
                           "role": "", "region": region}
                          for i, region in enumerate(REGIONS) for j, kind in enumerate(("Government", "Utility", "Lab"))
                          for k in range(3)])
    first, again = layout(nodes), layout(nodes.sample(frac=1.0, random_state=3))
    merged = first.merge(again, on="account")
    assert (merged["x_x"] - merged["x_y"]).abs().max() < 1e-12 and (merged["y_x"] - merged["y_y"]).abs().max() < 1e-12
    sector = 2 * math.pi / len(REGIONS)
    angle = (first[["x", "y"]].apply(lambda p: math.atan2(p["y"], p["x"]), axis=1) % (2 * math.pi))
    assert ((angle // sector).astype(int) == first["region"].map(REGIONS.index)).all()
    radius = (first["x"] ** 2 + first["y"] ** 2) ** 0.5
    assert radius[first["agent_type"] == "Government"].max() < radius[first["agent_type"] == "Lab"].min()


def test_an_uploaded_scenario_is_kept_by_content_once_it_loads_and_refused_in_one_line_otherwise(tmp_path, monkeypatch) -> None:
    """A valid file is stored under a name made from its content (the same bytes, the same name: its scenario name and
    digest) and loads from it;
    a file with a value out of range or that is not TOML is refused with one line naming the field (or the file the
    user chose) and leaves nothing behind."""
    from market.parameters.scenario import load_scenario
    from market.parameters.schema import ParamError
    from visualization.runs import UPLOADS_VARIABLE, save_upload, scenario_source

    monkeypatch.setenv(UPLOADS_VARIABLE, str(tmp_path))
    text = b'name = "mine"\n[params.demand]\nprice_elasticity = 1.5\n'
    name = save_upload(text, "mine.toml")
    assert name.startswith("upload-mine-") and save_upload(text, "again.toml") == name
    unnamed = save_upload(b"[params.demand]\nprice_elasticity = 1.4\n", "unnamed.toml")
    assert unnamed.count("-") == 1
    assert load_scenario(scenario_source(name)).params.demand.price_elasticity == 1.5
    import pytest

    with pytest.raises(ParamError, match=r"^demand.price_elasticity = -3 is not allowed: expected a number"):
        save_upload(b'name = "bad"\n[params.demand]\nprice_elasticity = -3\n', "bad.toml")
    with pytest.raises(ParamError, match=r"^bad.toml: not valid TOML"):
        save_upload(b"not toml [", "bad.toml")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"{name}.toml", f"{unnamed}.toml"])


def test_the_link_holds_the_seed_band_and_refuses_other_sizes() -> None:
    default = RunState("baseline", 1, 120)
    state, problems = RunState.from_query("bands=5", default)
    assert state.bands == 5 and not problems and "bands=5" in state.to_query()
    state, problems = RunState.from_query("bands=4", default)
    assert state.bands == 0 and problems == ["bands = '4' is not allowed: expected one of 0, 3, 5 (seeds in the band; 0: none)"]


def test_a_seed_band_spans_the_lowest_and_highest_value_of_each_month() -> None:
    from visualization.charts import seed_band

    runs = [pd.DataFrame({"date": ["2025-01", "2025-02"], "compute_gw": values}) for values in ([1.0, 4.0], [2.0, 3.0], [3.0, 5.0])]
    band = seed_band(runs, {"compute_gw": "world"})
    assert list(band["low"]) == [1.0, 3.0] and list(band["high"]) == [3.0, 5.0]


def test_advanced_controls_cover_every_other_numeric_parameter_once() -> None:
    from market.parameters.params import Params
    from market.parameters.schema import iter_fields
    from visualization.controls import MAIN_PARAMETERS, advanced_paths

    main = {path for paths in MAIN_PARAMETERS.values() for path in paths}
    numeric = [row.path for row in iter_fields(Params()) if row.meta.kind in ("int", "float")]
    assert sorted(advanced_paths()) == sorted(set(numeric) - main - {"run.steps"})
    assert len(advanced_paths()) == len(set(advanced_paths()))


def test_a_slider_puts_the_value_it_shows_on_a_notch() -> None:
    """Price elasticity's slider runs 0.3-4.8 in notches of 0.045; 1.5 is between notches, so its low end moves to
    1.5 - 26 x 0.045 = 0.33 and 1.5 sits on a notch (a browser would snap 1.5 to 1.515 and report it as a change).
    Fails if the low end is not aligned."""
    import math

    from visualization.app import slider_range
    from visualization.controls import control_for

    control = control_for("demand.price_elasticity")
    low, high = slider_range(control, 1.5)
    notches = (1.5 - low) / control.step
    assert abs(notches - round(notches)) < 1e-9 and low <= control.low + control.step and high == control.high
    assert math.isclose(slider_range(control, 1.2)[0], control.low), "1.2 is on a notch already: the low end stays"


def test_a_chart_spec_names_its_data_stably_so_a_new_month_changes_its_datasets_only() -> None:
    """Two months of a run give Overview specs that differ in their datasets alone (the browser then replaces the
    data in place), every dataset a spec references is in it under a stable name, and each spec passes Altair's
    schema validation."""
    from market.outputs.metrics import model_table
    from visualization import charts
    from visualization.runs import build_model
    from visualization.vega_chart import spec_of

    model = build_model("baseline", 1, 3, ())
    tables = []
    for _ in range(2):
        model.step()
        tables.append(model_table(model))
    for draw in [*charts.OVERVIEW, charts.binding]:
        first, second = (spec_of(draw(table), validate=True) for table in tables)
        names = set(first["datasets"])
        assert names == {f"table_{i}" for i in range(len(names))}, draw.__name__
        referenced = {match for match in _data_names(first)}
        assert referenced <= names, (draw.__name__, referenced, names)
        assert {k: v for k, v in first.items() if k != "datasets"} == {k: v for k, v in second.items() if k != "datasets"}
        assert first["datasets"] != second["datasets"], draw.__name__


def _data_names(node) -> list[str]:
    if isinstance(node, dict):
        own = [node["data"]["name"]] if isinstance(node.get("data"), dict) and "name" in node["data"] else []
        return own + [name for key, value in node.items() if key != "datasets" for name in _data_names(value)]
    if isinstance(node, list):
        return [name for item in node for name in _data_names(item)]
    return []


def test_the_time_axis_ticks_on_months_for_short_runs_and_on_years_for_long_ones() -> None:
    """A few months of data got day and weekday ticks ("Thu 09") from Vega's defaults."""
    short = make_month_axis(pd.Series(["2025-01", "2025-02", "2025-03"])).to_dict()["axis"]
    long = make_month_axis(pd.Series(pd.date_range("2025-01", periods=120, freq="MS"))).to_dict()["axis"]
    assert short == {"format": "%b %Y", "tickCount": {"interval": "month", "step": 1}}
    assert long == {"format": "%Y", "tickCount": {"interval": "year", "step": 2}}


def test_a_chart_without_a_comparison_run_has_no_comparison_in_its_legend() -> None:
    """Step mode draws no baseline: its legend listed '-- baseline' all the same."""
    table = pd.DataFrame({"date": ["2025-01"], "compute_gw": [9.5]})
    alone = charts.lines(table, None, {"compute_gw": "world"}, "t").to_dict()
    assert alone["encoding"]["strokeDash"]["scale"]["domain"] == ["this run"]
    both = charts.lines(pd.concat([table] * 3), pd.concat([table] * 3), {"compute_gw": "world"}, "t").to_dict()
    assert both["encoding"]["strokeDash"]["scale"]["domain"] == ["this run", "baseline"]


def test_the_agents_page_shows_three_decimals() -> None:
    agents = pd.DataFrame({column: ["x"] for column in AGENT_COLUMNS} | {"step": [1], "compute_gw": [75.00371711384975]})
    assert last_month_agents(agents, "compute_gw", True, "all")["compute_gw"].tolist() == [75.004]


def test_a_terminal_growth_refused_for_a_low_risk_premium_names_the_premium() -> None:
    """At the risk-premium slider's lowest notch the refusal named only valuation.terminal_growth, a value the user had
    not touched."""
    with pytest.raises(ParamError, match=r"valuation\.equity_risk_premium \(0\.01\)"):
        load_scenario("baseline", [("valuation.equity_risk_premium", 0.01)])


def test_the_network_counts_only_the_relations_it_draws() -> None:
    """With investors off, an investor's relations are not drawn and not counted (the page said '1069 relations of
    1074' while drawing 30% of them)."""
    nodes = pd.DataFrame({"account": [1, 2, 3], "name": ["lab", "maker", "fund"], "region": ["US"] * 3,
                          "agent_type": ["Lab", "Chipmaker", "Investor"]})
    edges = pd.DataFrame({"source": [1, 3, 3], "target": [2, 1, 2], "type": ["supplies", "invests", "co_invests"]})
    assert len(select_drawn_edges(nodes, edges, ["supplies", "invests", "co_invests"], show_investors=False)) == 1
    assert len(select_drawn_edges(nodes, edges, ["supplies", "invests", "co_invests"], show_investors=True)) == 3
    assert len(select_drawn_edges(nodes, edges, ["invests"], show_investors=True)) == 1
