"""One row of outcome measures per run: what a sweep stores, analyses and discovers scenarios in.

Each measure reads the run's model table only (the published output), so a measure computed from a stored run and
from a live one agree. Columns (units in the names):

- ``final_compute_gw`` and ``final_compute_gw_<REGION>``: installed compute in the last month;
- ``peak_bubble_index``: the largest market over fundamental value of all firms;
- ``max_drawdown_market_value``: the largest fall of all firms' market value from its running peak, as a share;
- ``defaults``, ``contagion_defaults``: defaults over the run (contagion: caused by another firm's default);
- ``first_1gw_per_week``: the first month the world adds 1 GW a week (trailing 12 months), or ``never``;
- ``mean_idle_chips_gw``: delivered chips waiting for a building, monthly mean;
- ``total_blocked_demand_gw``: orders refused by export or investment rules, summed over months;
- ``peak_circularity``: the largest monthly share of chipmakers' revenue paid with their own vendor financing;
- ``binds_<constraint>_<REGION>``: the share of months in which that constraint cut the region's build-out.
"""

from __future__ import annotations

import pandas as pd

from experiments.runner import first_gw_per_week_date
from market.enums import REGIONS, Constraint

OUTCOME_COLUMNS: tuple[str, ...] = (
    "final_compute_gw", *(f"final_compute_gw_{region}" for region in REGIONS), "peak_bubble_index",
    "max_drawdown_market_value", "defaults", "contagion_defaults", "first_1gw_per_week", "mean_idle_chips_gw",
    "total_blocked_demand_gw", "peak_circularity",
    *(f"binds_{constraint.value}_{region}" for region in REGIONS for constraint in Constraint),
)


def max_drawdown(values: pd.Series) -> float:
    """Largest fall from a running peak as a share of that peak: max_t (1 - V_t / max_{s<=t} V_s)."""
    peak = values.cummax()
    falls = 1.0 - values / peak.where(peak > 0)
    return float(falls.max()) if falls.notna().any() else 0.0


def measure_outcomes(model_table: pd.DataFrame) -> dict[str, float | str]:
    """The outcome measures of one run from its model table (one row per month)."""
    last = model_table.iloc[-1]
    row: dict[str, float | str] = {"final_compute_gw": float(last["compute_gw"])}
    row.update({f"final_compute_gw_{region}": float(last[f"compute_gw_{region}"]) for region in REGIONS})
    row["peak_bubble_index"] = float(model_table["bubble_index"].max())
    row["max_drawdown_market_value"] = max_drawdown(model_table["market_value_usd_bn"])
    row["defaults"] = int(last["defaults"])
    row["contagion_defaults"] = int(last["contagion_defaults"])
    row["first_1gw_per_week"] = first_gw_per_week_date(model_table)
    row["mean_idle_chips_gw"] = float(model_table["idle_chips_gw"].mean())
    row["total_blocked_demand_gw"] = float(model_table["blocked_demand_gw"].sum())
    row["peak_circularity"] = float(model_table["circularity"].max())
    for region in REGIONS:
        binding = model_table[f"constraint_{region}"]
        for constraint in Constraint:
            row[f"binds_{constraint.value}_{region}"] = float((binding == constraint.value).mean())
    return row
