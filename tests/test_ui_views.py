"""The app's page helpers and its link state, without a browser: known answers on small hand-made tables."""

from __future__ import annotations

import pandas as pd

from visualization.finance_charts import default_causes
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
    state, problems = RunState.from_query("view=network", default)
    assert state.view == "overview" and problems == ["view = 'network' is not allowed: expected one of overview, finance, events, agents"]
