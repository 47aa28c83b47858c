"""The Network page's layout and chart: agents placed once by region and type, relations drawn between them.

The layout depends on the agents only (every agent exists from the first month), never on the edges, so it stays the
same as relations appear month by month: each region has a sector of the circle, and within it each agent type a
ring (governments innermost, then utilities, chipmakers, labs, and investors outermost when shown); agents of one
type and region are spread evenly over the sector in account order.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from market.enums import REGIONS, AgentType
from visualization.report_figures import OKABE_ITO

RINGS = {AgentType.GOVERNMENT.value: 0.25, AgentType.UTILITY.value: 0.45, AgentType.CHIPMAKER.value: 0.65,
         AgentType.LAB.value: 0.9, AgentType.INVESTOR.value: 1.3}
LAB_RING_WIDTH = 0.25
LABEL_RADIUS = 1.5
SIZE_COLUMNS = {"compute (GW)": "compute_gw", "market value ($bn)": "valuation_usd_bn"}


def layout(nodes: pd.DataFrame) -> pd.DataFrame:
    """x and y of every node: angle by region sector, radius by agent type (labs over a band, alternating)."""
    placed = nodes.sort_values("account").copy()
    sector = 2 * math.pi / len(REGIONS)
    x, y = {}, {}
    for (region, agent_type), group in placed.groupby(["region", "agent_type"], sort=False):
        start = REGIONS.index(region) * sector if region in REGIONS else 0.0
        for k, account in enumerate(group["account"]):
            angle = start + sector * (k + 0.5) / len(group)
            radius = RINGS.get(agent_type, 1.0)
            if agent_type == AgentType.LAB.value:
                radius += LAB_RING_WIDTH * (k % 3) / 2
            x[account], y[account] = radius * math.cos(angle), radius * math.sin(angle)
    placed["x"], placed["y"] = placed["account"].map(x), placed["account"].map(y)
    return placed


def select_shown_nodes(nodes: pd.DataFrame, show_investors: bool) -> pd.DataFrame:
    """The placed nodes drawn: every agent, or every agent but the investors."""
    placed = layout(nodes)
    return placed if show_investors else placed[placed["agent_type"] != AgentType.INVESTOR.value]


def select_drawn_edges(nodes: pd.DataFrame, edges: pd.DataFrame, edge_types: list[str], show_investors: bool) -> pd.DataFrame:
    """The relations drawn: of the chosen types, between agents drawn (none of an investor's when investors are off)."""
    shown = set(select_shown_nodes(nodes, show_investors)["account"])
    return edges[edges["type"].isin(edge_types) & edges["source"].isin(shown) & edges["target"].isin(shown)]


def network_chart(nodes: pd.DataFrame, edges: pd.DataFrame, last_agents: pd.DataFrame, edge_types: list[str],
                  size_by: str, show_investors: bool) -> alt.Chart:
    """Edges of the chosen types coloured by relation, nodes coloured by type and sized by ``size_by`` (a key of
    SIZE_COLUMNS); defaulted agents drawn as crosses."""
    placed = select_shown_nodes(nodes, show_investors)
    state = last_agents[["name", "alive", *SIZE_COLUMNS.values()]]
    placed = placed.merge(state, on="name", how="left")
    placed["alive"] = placed["alive"].fillna(True).astype(bool)
    placed["status"] = placed["alive"].map({True: "active", False: "defaulted"})
    placed["size"] = placed[SIZE_COLUMNS[size_by]].fillna(0.0).clip(lower=0.0)
    chosen = select_drawn_edges(nodes, edges, edge_types, show_investors)
    where = placed.set_index("account")[["x", "y"]]
    lines = chosen.assign(x=chosen["source"].map(where["x"]), y=chosen["source"].map(where["y"]),
                          x2=chosen["target"].map(where["x"]), y2=chosen["target"].map(where["y"]))
    axis = alt.Axis(labels=False, ticks=False, grid=False, domain=False, title=None)
    edge_layer = alt.Chart(lines).mark_rule(opacity=0.35).encode(
        x=alt.X("x:Q", axis=axis), y=alt.Y("y:Q", axis=axis), x2="x2:Q", y2="y2:Q",
        color=alt.Color("type:N", scale=alt.Scale(range=list(OKABE_ITO)), legend=alt.Legend(title="relation")))
    node_layer = alt.Chart(placed).mark_point(filled=True, opacity=0.9).encode(
        x=alt.X("x:Q", axis=axis), y=alt.Y("y:Q", axis=axis),
        size=alt.Size("size:Q", legend=alt.Legend(title=size_by), scale=alt.Scale(range=[20, 600])),
        fill=alt.Fill("agent_type:N", scale=alt.Scale(range=list(OKABE_ITO[3:]) + list(OKABE_ITO[:3])),
                      legend=alt.Legend(title="agent type")),
        shape=alt.Shape("status:N", scale=alt.Scale(domain=["active", "defaulted"], range=["circle", "cross"]),
                        legend=alt.Legend(title=None)),
        tooltip=["name:N", "agent_type:N", "role:N", "region:N", "status:N", "compute_gw:Q", "valuation_usd_bn:Q"])
    sector = 2 * math.pi / len(REGIONS)
    labels = pd.DataFrame({"region": list(REGIONS),
                           "x": [LABEL_RADIUS * math.cos(sector * (i + 0.5)) for i in range(len(REGIONS))],
                           "y": [LABEL_RADIUS * math.sin(sector * (i + 0.5)) for i in range(len(REGIONS))]})
    label_layer = alt.Chart(labels).mark_text(fontWeight="bold", color="#444").encode(
        x=alt.X("x:Q", axis=axis), y=alt.Y("y:Q", axis=axis), text="region:N")
    chart = alt.layer(edge_layer, node_layer, label_layer).properties(width=700, height=700, title="Relations network")
    return chart.resolve_scale(color="independent")
