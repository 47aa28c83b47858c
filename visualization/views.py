"""The app's pages, each reading a finished run's tables (never the model while it steps).

- Overview: compute by region, GW a week against 1 GW, prices, revenue against capex, bubble index, what binds.
- Finance: circularity, debt by Minsky class, defaults, and each default's cause and its creditors' losses by channel.
- Events: the event log as a timeline and a table, filtered by kind and by the agent named.
- Agents: the last month's agent table, sortable by any column, filtered by type.
- Network: agents placed once by region and type (a layout that never moves), relations between them by type.
- Compare: this run against any scenario's run with the same seed and months (run in the background).
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import solara
from solara.lab import use_task

from market.parameters.scenario import list_scenarios
from visualization import charts, finance_charts
from visualization.charts import HEIGHT, make_month_axis
from visualization.compare import HEADLINES, compare_table
from visualization.network_view import SIZE_COLUMNS, select_drawn_edges, network_chart
from visualization.report_figures import OKABE_ITO
from visualization.runs import RunTables, run_whole
from visualization.vega_chart import Chart

AGENT_COLUMNS = ("name", "agent_type", "role", "region", "alive", "compute_gw", "revenue_usd_bn",
                 "operating_profit_usd_bn", "cash_usd_bn", "debt_usd_bn", "valuation_usd_bn",
                 "fundamental_value_usd_bn", "minsky_class", "capex_usd_bn", "equity_raised_usd_bn", "debt_raised_usd_bn",
                 "payout_usd_bn")
ROWS_PER_PAGE = 25


@solara.component
def Overview(current: pd.DataFrame, other: pd.DataFrame | None, label: str = "baseline",
             seeds: list[pd.DataFrame] | None = None) -> None:
    """The Overview charts of this run, ``other`` (dashed, named ``label``) beside it, and the band of ``seeds``."""
    with solara.ColumnsResponsive(12, large=6, xlarge=4):
        for draw in charts.OVERVIEW:
            Chart(draw(current, other, label, seeds))
        Chart(charts.binding(current))


@solara.component
def Network(tables: RunTables) -> None:
    """The relations network of the month shown: relation types to draw (until some are picked, every type but
    ``regulates``, new types included as they appear), node size, investors on or off."""
    all_types = sorted(tables.edges["type"].unique())
    picked = solara.use_reactive(None)
    chosen_types = picked.value if picked.value is not None else [t for t in all_types if t != "regulates"]
    size_by = solara.use_reactive(next(iter(SIZE_COLUMNS)))
    investors = solara.use_reactive(False)
    with solara.Row():
        solara.SelectMultiple("relations", values=[t for t in chosen_types if t in all_types], all_values=all_types,
                              on_value=picked.set)
        solara.Select("node size", value=size_by, values=list(SIZE_COLUMNS))
        solara.Checkbox(label="investors", value=investors)
    last = tables.agents[tables.agents["step"] == tables.agents["step"].max()]
    drawn = select_drawn_edges(tables.nodes, tables.edges, chosen_types, investors.value)
    hidden = "" if investors.value else " (investors off: their relations are not drawn)"
    solara.Text(f"{len(drawn)} relations drawn of {len(tables.edges)} in {tables.model['date'].iloc[-1]}{hidden}; "
                "crosses: defaulted", classes=["network-count"])
    Chart(network_chart(tables.nodes, tables.edges, last, chosen_types, size_by.value, investors.value))


@solara.component
def Compare(scenario: str, seed: int, months: int, tables: RunTables) -> None:
    """This run against a chosen scenario's run (its own parameters, the same seed and months): headlines and charts,
    over the months this run has (in step mode, the months stepped so far)."""
    names = [name for name, _ in list_scenarios()]
    other = solara.use_reactive("baseline" if scenario != "baseline" else names[1])
    task_ref = solara.use_ref(None)
    task = use_task(lambda: run_whole(other.value, seed, months, (),
                                      keep_going=lambda: task_ref.current is None or task_ref.current.is_current()),
                    dependencies=[other.value, seed, months], raise_error=False)
    task_ref.current = task
    solara.Select("compare with", value=other, values=names)
    if task.pending:
        solara.ProgressLinear(True)
        solara.Text(f"running {other.value} ...")
    if task.error:
        solara.Error(str(task.error))
    elif task.value is not None:
        theirs = task.value.model.iloc[:len(tables.model)]
        solara.Text(f"{scenario} against {other.value}, seed {seed}, {len(theirs)} months", classes=["compare-status"])
        solara.DataFrame(compare_table(tables.model, theirs, other.value), items_per_page=len(HEADLINES))
        Overview(tables.model, theirs, other.value)


@solara.component
def Finance(tables: RunTables, baseline: pd.DataFrame | None) -> None:
    """Circularity, debt by Minsky class and defaults, with a table of defaults, their causes and losses."""
    with solara.ColumnsResponsive(12, large=6, xlarge=4):
        Chart(finance_charts.circularity(tables.model, baseline))
        Chart(finance_charts.debt_by_minsky_class(tables.model))
        Chart(finance_charts.defaults(tables.model, baseline))
    causes = finance_charts.default_causes(tables.events)
    if causes.empty:
        solara.Text("No firm has defaulted in this run.", classes=["finance-defaults"])
    else:
        solara.Markdown("**Defaults, their causes and the losses they left**")
        solara.DataFrame(causes, items_per_page=ROWS_PER_PAGE)


def timeline(events: pd.DataFrame) -> alt.Chart:
    """One mark per event: month against kind."""
    data = events.assign(date=pd.to_datetime(events["date"]))
    height = max(HEIGHT, 18 * events["kind"].nunique())
    return alt.Chart(data, title="Events by month and kind", width=900, height=height).mark_tick(thickness=2).encode(
        x=make_month_axis(data["date"]), y=alt.Y("kind:N", title=None),
        color=alt.Color("kind:N", scale=alt.Scale(range=list(OKABE_ITO)), legend=None),
        tooltip=["date:T", "kind:N", "actors:N", "detail:N"])


def filter_events(events: pd.DataFrame, kinds: list[str], actor: str) -> pd.DataFrame:
    """Events of the chosen kinds (all when none is chosen) naming an agent that contains ``actor`` (any case)."""
    chosen = events if not kinds else events[events["kind"].isin(kinds)]
    if actor.strip():
        chosen = chosen[chosen["actors"].str.contains(actor.strip(), case=False, regex=False)]
    return chosen


@solara.component
def Events(tables: RunTables) -> None:
    """The event log, filterable by kind and agent, as a timeline and a table."""
    kinds = solara.use_reactive([])
    actor = solara.use_reactive("")
    all_kinds = sorted(tables.events["kind"].unique())
    with solara.Row():
        solara.SelectMultiple("event kinds (none: all)", values=kinds.value, all_values=all_kinds, on_value=kinds.set)
        solara.InputText("agent name contains", value=actor, continuous_update=True)
    shown = filter_events(tables.events, kinds.value, actor.value)
    solara.Text(f"{len(shown)} of {len(tables.events)} events", classes=["events-count"])
    if not shown.empty:
        Chart(timeline(shown))
        solara.DataFrame(shown[["date", "kind", "actors", "detail"]], items_per_page=ROWS_PER_PAGE)


def last_month_agents(agents: pd.DataFrame, sort_by: str, descending: bool, agent_type: str) -> pd.DataFrame:
    """The agent table's last month, of one type (or all), sorted by one column."""
    last = agents[agents["step"] == agents["step"].max()]
    if agent_type != "all":
        last = last[last["agent_type"] == agent_type]
    shown = last[list(AGENT_COLUMNS)].sort_values(sort_by, ascending=not descending, kind="stable").reset_index(drop=True)
    return shown.round(3)


@solara.component
def Agents(tables: RunTables) -> None:
    """The last month's agents in a table sorted by a chosen column."""
    sort_by = solara.use_reactive("compute_gw")
    descending = solara.use_reactive(True)
    agent_type = solara.use_reactive("all")
    types = ["all", *sorted(tables.agents["agent_type"].unique())]
    with solara.Row():
        solara.Select("sort by", value=sort_by, values=list(AGENT_COLUMNS))
        solara.Checkbox(label="largest first", value=descending)
        solara.Select("agent type", value=agent_type, values=types)
    table = last_month_agents(tables.agents, sort_by.value, descending.value, agent_type.value)
    month = tables.model["date"].iloc[-1]
    solara.Text(f"{len(table)} agents in {month} ($bn and GW; flows are the month's)", classes=["agents-count"])
    solara.DataFrame(table, items_per_page=ROWS_PER_PAGE)
