"""The app's Finance charts (Altair), drawn from model tables only, with the baseline (same seed) dashed beside them.

Circularity (vendor-financed chip spending over chipmakers' chip revenue), debt by the Minsky class of the firms
owing it ($bn), and defaults (all, and those caused by counterparties' failures). Units are in each title.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from visualization.charts import HEIGHT, WIDTH, lines, make_month_axis
from visualization.report_figures import OKABE_ITO

MINSKY_CLASSES = ("hedge", "speculative", "ponzi")


def circularity(current: pd.DataFrame, baseline: pd.DataFrame | None = None) -> alt.Chart:
    """Share of chipmakers' chip revenue paid with their own vendor financing (1)."""
    return lines(current, baseline, {"circularity": "circularity"}, "Circularity (vendor money in chip revenue, share)")


def debt_by_minsky_class(current: pd.DataFrame) -> alt.Chart:
    """Firms' debt stacked by the Minsky class of the firm owing it ($bn), this run."""
    data = pd.DataFrame({"date": pd.to_datetime(current["date"])})
    for cls in MINSKY_CLASSES:
        data[cls] = current[f"{cls}_share"] * current["debt_usd_bn"]
    long = data.melt("date", var_name="class", value_name="debt")
    return alt.Chart(long, title="Debt by Minsky class ($bn)", width=WIDTH, height=HEIGHT).mark_area().encode(
        x=make_month_axis(long["date"]), y=alt.Y("debt:Q", title=None, stack=True),
        color=alt.Color("class:N", scale=alt.Scale(domain=list(MINSKY_CLASSES), range=list(OKABE_ITO[:3])),
                        legend=alt.Legend(title=None, orient="bottom")))


def defaults(current: pd.DataFrame, baseline: pd.DataFrame | None = None) -> alt.Chart:
    """Defaults so far, all and by contagion (firms)."""
    return lines(current, baseline, {"defaults": "all", "contagion_defaults": "by contagion"}, "Defaults so far (firms)")


def default_causes(events: pd.DataFrame) -> pd.DataFrame:
    """Each default with its cause and the losses it left, by channel, from the event log."""
    defaults_only = events.loc[events["kind"] == "default", ["date", "actors", "detail"]]
    losses = events[events["kind"] == "losses"].assign(firm=lambda e: e["actors"].str.split(",").str[0])
    lost = losses.groupby("firm")["detail"].apply("; ".join)
    return pd.DataFrame({"month": defaults_only["date"], "firm": defaults_only["actors"],
                         "cause": defaults_only["detail"].str.removeprefix("cause: "),
                         "losses by channel": defaults_only["actors"].map(lost).fillna("none booked")})
