"""The app's Overview charts (Altair), drawn from model tables only: the current run, and the baseline beside it.

Each function takes the current run's model table and, optionally, the baseline's (same seed), and returns a chart
whose units are in its title. Colours: the Okabe-Ito palette.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from market.enums import REGIONS, Constraint
from visualization.report_figures import OKABE_ITO

WIDTH, HEIGHT = 330, 190


def _long(table: pd.DataFrame, columns: dict[str, str], run: str) -> pd.DataFrame:
    frame = table[["date", *columns]].rename(columns=columns).melt("date", var_name="series", value_name="value")
    return frame.assign(run=run, date=pd.to_datetime(frame["date"]))


def lines(current: pd.DataFrame, baseline: pd.DataFrame | None, columns: dict[str, str], title: str,
          log: bool = False) -> alt.Chart:
    """Columns of the current run (solid) and the baseline (dashed) over time, one colour per series."""
    frames = [_long(current, columns, "this run")]
    if baseline is not None:
        frames.append(_long(baseline, columns, "baseline"))
    data = pd.concat(frames, ignore_index=True)
    scale = alt.Scale(type="log") if log else alt.Scale(zero=False)
    return alt.Chart(data, title=title, width=WIDTH, height=HEIGHT).mark_line().encode(
        x=alt.X("date:T", title=None),
        y=alt.Y("value:Q", title=None, scale=scale),
        color=alt.Color("series:N", scale=alt.Scale(range=list(OKABE_ITO)), legend=alt.Legend(title=None, orient="bottom")),
        strokeDash=alt.StrokeDash("run:N", legend=alt.Legend(title=None, orient="bottom"),
                                  scale=alt.Scale(domain=["this run", "baseline"], range=[[1, 0], [4, 3]])),
    )


def compute_by_region(current: pd.DataFrame, baseline: pd.DataFrame | None = None) -> alt.Chart:
    """Compute online by region (GW)."""
    return lines(current, baseline, {f"compute_gw_{r}": r for r in REGIONS}, "Compute online by region (GW)")


def gw_per_week(current: pd.DataFrame, baseline: pd.DataFrame | None = None) -> alt.Chart:
    """World GW added per week (trailing 12 months) against the 1 GW a week line."""
    world = lines(current, baseline, {"gw_added_per_week": "world"}, "GW added per week (trailing 12 months)")
    rule = alt.Chart(pd.DataFrame({"y": [1.0]})).mark_rule(color="grey", strokeDash=[2, 2]).encode(y="y:Q")
    return world + rule


def prices(current: pd.DataFrame, baseline: pd.DataFrame | None = None) -> alt.Chart:
    """Chip and AI-service price indices (first month = 1) and the US power price over its first month."""
    table = {**{"chip_price_index": "chips", "ai_price_index": "AI services"}}
    frames = []
    for frame in (current, baseline):
        if frame is None:
            frames.append(None)
            continue
        extra = frame[["date", "chip_price_index", "ai_price_index"]].copy()
        extra["power_us"] = frame["power_price_usd_mwh_US"] / frame["power_price_usd_mwh_US"].iloc[0]
        frames.append(extra)
    return lines(frames[0], frames[1], {**table, "power_us": "US power"}, "Price indices (first month = 1)")


def revenue_and_capex(current: pd.DataFrame, baseline: pd.DataFrame | None = None) -> alt.Chart:
    """AI revenue against capex ($bn a month)."""
    return lines(current, baseline, {"ai_revenue_usd_bn": "AI revenue", "capex_usd_bn": "capex"},
                  "AI revenue and capex ($bn a month)")


def bubble(current: pd.DataFrame, baseline: pd.DataFrame | None = None) -> alt.Chart:
    """Market over fundamental value of all firms (the bubble index)."""
    return lines(current, baseline, {"bubble_index": "market / fundamental"}, "Bubble index (market over fundamental value)")


def binding(current: pd.DataFrame) -> alt.Chart:
    """What cut each region's build-out, month by month (this run)."""
    data = current[["date", *(f"constraint_{r}" for r in REGIONS)]].melt("date", var_name="region", value_name="binds")
    data["region"] = data["region"].str.removeprefix("constraint_")
    data["date"] = pd.to_datetime(data["date"])
    return alt.Chart(data, title="What binds each region", width=WIDTH, height=HEIGHT).mark_rect().encode(
        x=alt.X("yearmonth(date):T", title=None), y=alt.Y("region:N", title=None),
        color=alt.Color("binds:N", scale=alt.Scale(domain=[c.value for c in Constraint], range=list(OKABE_ITO[:5])),
                        legend=alt.Legend(title=None, orient="bottom")))


OVERVIEW = (compute_by_region, gw_per_week, prices, revenue_and_capex, bubble)
