"""The Compare page's table: headline measures of this run against another scenario's run with the same seed.

Each measure reads a model table only; the difference is this run's value over the other's, less one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Headline:
    """A measure of a run: its label, unit and how it reads a model table."""

    label: str
    unit: str
    read: Callable[[pd.DataFrame], float]


HEADLINES = (
    Headline("world compute, last month", "GW", lambda t: float(t["compute_gw"].iloc[-1])),
    Headline("US compute, last month", "GW", lambda t: float(t["compute_gw_US"].iloc[-1])),
    Headline("China compute, last month", "GW", lambda t: float(t["compute_gw_CN"].iloc[-1])),
    Headline("peak GW added per week (trailing 12 months)", "GW/week", lambda t: float(t["gw_added_per_week"].max())),
    Headline("AI revenue over the run", "$bn", lambda t: float(t["ai_revenue_usd_bn"].sum())),
    Headline("capex over the run", "$bn", lambda t: float(t["capex_usd_bn"].sum())),
    Headline("US power price, mean over the run", "$/MWh", lambda t: float(t["power_price_usd_mwh_US"].mean())),
    Headline("firms' debt, last month", "$bn", lambda t: float(t["debt_usd_bn"].iloc[-1])),
    Headline("peak bubble index", "1", lambda t: float(t["bubble_index"].max())),
    Headline("defaults by the last month", "firms", lambda t: float(t["defaults"].iloc[-1])),
)


def compare_table(current: pd.DataFrame, other: pd.DataFrame, other_label: str) -> pd.DataFrame:
    """One row per headline: this run, the other run, and the relative difference (empty where the other is 0)."""
    rows = []
    for headline in HEADLINES:
        mine, theirs = headline.read(current), headline.read(other)
        change = f"{mine / theirs - 1.0:+.1%}" if theirs != 0 else ""
        rows.append({"measure": headline.label, "unit": headline.unit, "this run": round(mine, 3),
                     other_label: round(theirs, 3), "difference": change})
    return pd.DataFrame(rows)
