"""The app's pages beyond the Overview, each reading a finished run's tables (never the model while it steps).

- Finance: circularity, debt by Minsky class, defaults, and each default's cause and its creditors' losses by channel.
- Events: the event log as a timeline and a table, filtered by kind and by the agent named.
- Agents: the last month's agent table, sortable by any column, filtered by type.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd
import solara

from visualization import finance_charts
from visualization.charts import HEIGHT
from visualization.report_figures import OKABE_ITO

AGENT_COLUMNS = ("name", "agent_type", "role", "region", "alive", "compute_gw", "revenue_usd_bn",
                 "operating_profit_usd_bn", "cash_usd_bn", "debt_usd_bn", "valuation_usd_bn",
                 "fundamental_value_usd_bn", "minsky_class", "equity_raised_usd_bn", "debt_raised_usd_bn", "payout_usd_bn")
ROWS_PER_PAGE = 25


@dataclass(frozen=True)
class RunTables:
    """A run's model, agent and event tables."""

    model: pd.DataFrame
    agents: pd.DataFrame
    events: pd.DataFrame


@solara.component
def Finance(tables: RunTables, baseline: pd.DataFrame | None) -> None:
    """Circularity, debt by Minsky class and defaults, with a table of defaults, their causes and losses."""
    with solara.ColumnsResponsive(12, large=6, xlarge=4):
        solara.FigureAltair(finance_charts.circularity(tables.model, baseline))
        solara.FigureAltair(finance_charts.debt_by_minsky_class(tables.model))
        solara.FigureAltair(finance_charts.defaults(tables.model, baseline))
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
        x=alt.X("date:T", title=None), y=alt.Y("kind:N", title=None),
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
        solara.FigureAltair(timeline(shown))
        solara.DataFrame(shown[["date", "kind", "actors", "detail"]], items_per_page=ROWS_PER_PAGE)


def last_month_agents(agents: pd.DataFrame, sort_by: str, descending: bool, agent_type: str) -> pd.DataFrame:
    """The agent table's last month, of one type (or all), sorted by one column."""
    last = agents[agents["step"] == agents["step"].max()]
    if agent_type != "all":
        last = last[last["agent_type"] == agent_type]
    return last[list(AGENT_COLUMNS)].sort_values(sort_by, ascending=not descending, kind="stable").reset_index(drop=True)


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
