"""The app's Overview charts (Altair), drawn from model tables only: the current run, and the baseline beside it.

Each function takes the current run's model table and, optionally, a comparison run's (the baseline with the same
seed unless ``label`` names another) and the model tables of the same run under other seeds (``seeds``: drawn as a
band from their lowest to their highest value each month), and returns a chart whose units are in its title.
Colours: the Okabe-Ito palette. Altair's 5,000-row guard is off: a long run's event log or its five regions over
hundreds of months pass it, and the app draws them whole.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import altair as alt
import pandas as pd

from market.enums import REGIONS, Constraint
from visualization.report_figures import OKABE_ITO

WIDTH, HEIGHT = 330, 190
BAND_OPACITY = 0.2
alt.data_transformers.disable_max_rows()


def make_month_axis(dates: pd.Series) -> alt.X:
    """The time axis of monthly data: ticks on months ("Jan 2025") for runs up to three years, on years beyond, never
    on days or weeks (Vega's default for a few months of data)."""
    dates = pd.to_datetime(pd.Series(dates))
    months = 1 if dates.empty else (dates.max().year - dates.min().year) * 12 + dates.max().month - dates.min().month + 1
    if months <= 36:
        axis = alt.Axis(format="%b %Y", tickCount={"interval": "month", "step": max(1, math.ceil(months / 6))})
    else:
        axis = alt.Axis(format="%Y", tickCount={"interval": "year", "step": max(1, math.ceil(months / 12 / 8))})
    return alt.X("date:T", title=None, axis=axis)


def _long(table: pd.DataFrame, columns: dict[str, str], run: str) -> pd.DataFrame:
    frame = table[["date", *columns]].rename(columns=columns).melt("date", var_name="series", value_name="value")
    return frame.assign(run=run, date=pd.to_datetime(frame["date"]))


def seed_band(seeds: Sequence[pd.DataFrame], columns: dict[str, str]) -> pd.DataFrame:
    """Lowest and highest value of each series each month over the runs of several seeds (long form)."""
    stacked = pd.concat([_long(table, columns, "seeds") for table in seeds], ignore_index=True)
    return stacked.groupby(["date", "series"], as_index=False)["value"].agg(low="min", high="max")


def lines(current: pd.DataFrame, baseline: pd.DataFrame | None, columns: dict[str, str], title: str,
          log: bool = False, label: str = "baseline", seeds: Sequence[pd.DataFrame] | None = None) -> alt.Chart:
    """Columns of the current run (solid) and a comparison run, by default the baseline, (dashed) over time, one colour
    per series; ``label`` names the comparison in the legend; ``seeds`` add a band of the same run under other seeds."""
    frames = [_long(current, columns, "this run")]
    if baseline is not None:
        frames.append(_long(baseline, columns, label))
    data = pd.concat(frames, ignore_index=True)
    scale = alt.Scale(type="log") if log else alt.Scale(zero=False)
    colour = alt.Color("series:N", scale=alt.Scale(range=list(OKABE_ITO)), legend=alt.Legend(title=None, orient="bottom"))
    runs = ["this run"] if baseline is None else ["this run", label]
    x = make_month_axis(data["date"])
    chart = alt.Chart(data, title=title, width=WIDTH, height=HEIGHT).mark_line().encode(
        x=x,
        y=alt.Y("value:Q", title=None, scale=scale),
        color=colour,
        strokeDash=alt.StrokeDash("run:N", legend=alt.Legend(title=None, orient="bottom"),
                                  scale=alt.Scale(domain=runs, range=[[1, 0], [4, 3]][:len(runs)])),
    )
    if not seeds:
        return chart
    band = alt.Chart(seed_band(seeds, columns)).mark_area(opacity=BAND_OPACITY).encode(
        x=x, y=alt.Y("low:Q", scale=scale), y2="high:Q", color=colour)
    return band + chart


def compute_by_region(current: pd.DataFrame, baseline: pd.DataFrame | None = None, label: str = "baseline",
                      seeds: Sequence[pd.DataFrame] | None = None) -> alt.Chart:
    """Compute online by region (GW)."""
    return lines(current, baseline, {f"compute_gw_{r}": r for r in REGIONS}, "Compute online by region (GW)", label=label,
                 seeds=seeds)


def gw_per_week(current: pd.DataFrame, baseline: pd.DataFrame | None = None, label: str = "baseline",
                seeds: Sequence[pd.DataFrame] | None = None) -> alt.Chart:
    """World GW added per week (trailing 12 months) against the 1 GW a week line."""
    world = lines(current, baseline, {"gw_added_per_week": "world"}, "GW added per week (trailing 12 months)", label=label,
                  seeds=seeds)
    rule = alt.Chart(pd.DataFrame({"y": [1.0]})).mark_rule(color="grey", strokeDash=[2, 2]).encode(y="y:Q")
    return world + rule


def prices(current: pd.DataFrame, baseline: pd.DataFrame | None = None, label: str = "baseline",
           seeds: Sequence[pd.DataFrame] | None = None) -> alt.Chart:
    """Chip and AI-service price indices (first month = 1) and the US power price over its first month."""
    columns = {"chip_price_index": "chips", "ai_price_index": "AI services", "power_us": "US power"}
    return lines(_price_frame(current), None if baseline is None else _price_frame(baseline), columns,
                 "Price indices (first month = 1)", label=label, seeds=[_price_frame(t) for t in seeds or []])


def _price_frame(frame: pd.DataFrame) -> pd.DataFrame:
    extra = frame[["date", "chip_price_index", "ai_price_index"]].copy()
    extra["power_us"] = frame["power_price_usd_mwh_US"] / frame["power_price_usd_mwh_US"].iloc[0]
    return extra


def revenue_and_capex(current: pd.DataFrame, baseline: pd.DataFrame | None = None, label: str = "baseline",
                      seeds: Sequence[pd.DataFrame] | None = None) -> alt.Chart:
    """AI revenue against capex ($bn a month)."""
    return lines(current, baseline, {"ai_revenue_usd_bn": "AI revenue", "capex_usd_bn": "capex"},
                 "AI revenue and capex ($bn a month)", label=label, seeds=seeds)


def bubble(current: pd.DataFrame, baseline: pd.DataFrame | None = None, label: str = "baseline",
           seeds: Sequence[pd.DataFrame] | None = None) -> alt.Chart:
    """Market over fundamental value of all firms (the bubble index)."""
    return lines(current, baseline, {"bubble_index": "market / fundamental"}, "Bubble index (market over fundamental value)",
                 label=label, seeds=seeds)


def values(current: pd.DataFrame, baseline: pd.DataFrame | None = None, label: str = "baseline",
           seeds: Sequence[pd.DataFrame] | None = None) -> alt.Chart:
    """World market and fundamental value of the firms' investor-held shares ($bn, log scale): the bubble index is
    their ratio."""
    return lines(current, baseline, {"market_value_usd_bn": "market value", "fundamental_value_usd_bn": "fundamental value"},
                 "Market and fundamental value ($bn, log scale)", log=True, label=label, seeds=seeds)


def binding(current: pd.DataFrame) -> alt.Chart:
    """What cut each region's build-out, month by month (this run)."""
    data = current[["date", *(f"constraint_{r}" for r in REGIONS)]].melt("date", var_name="region", value_name="binds")
    data["region"] = data["region"].str.removeprefix("constraint_")
    data["date"] = pd.to_datetime(data["date"])
    return alt.Chart(data, title="What binds each region", width=WIDTH, height=HEIGHT).mark_rect().encode(
        x=alt.X("yearmonth(date):T", title=None), y=alt.Y("region:N", title=None),
        color=alt.Color("binds:N", scale=alt.Scale(domain=[c.value for c in Constraint], range=list(OKABE_ITO[:5])),
                        legend=alt.Legend(title=None, orient="bottom")))


OVERVIEW = (compute_by_region, gw_per_week, prices, revenue_and_capex, bubble, values)
