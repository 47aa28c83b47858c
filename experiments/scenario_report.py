"""Figures for docs/scenarios.md: each shipped scenario's headline columns against the baseline, same seed."""

from __future__ import annotations

from pathlib import Path

from experiments.runner import simulate
from market.parameters.scenario import list_scenarios, load_scenario
from visualization.figures import plot_against_baseline

DEFAULT_COLUMNS = [("compute_gw", "World compute online (GW)"), ("gw_added_per_week", "GW added per week (trailing 12 m)"),
                   ("bubble_index", "Bubble index")]
HEADLINES: dict[str, list[tuple[str, str]]] = {
    "replay-2022": [("compute_gw", "World compute online (GW)"), ("ai_revenue_usd_bn", "AI revenue ($bn a month)"),
                    ("chip_price_index", "Chip price index"), ("compute_gw_CN", "China's compute (GW)")],
    "baseline": [("compute_gw", "World compute online (GW)"), ("gw_added_per_week", "GW added per week (trailing 12 m)"),
                 ("share_compute_US", "US share of world compute"), ("share_compute_CN", "China's share of world compute")],
    "bubble-burst": [("bubble_index", "Bubble index"), ("market_value_usd_bn", "World market value ($bn)"),
                     ("defaults", "Defaults (cumulative)"), ("contagion_defaults", "Contagion defaults (cumulative)")],
    "vendor-financing-10gw": [("circularity", "Circularity"), ("compute_gw_US", "US compute (GW)"),
                              ("bubble_index_labs", "Bubble index, labs")],
    "contracts-2025": [("debt_usd_bn", "Firms' debt ($bn)"), ("compute_gw_US", "US compute (GW)"),
                       ("bubble_index_labs", "Bubble index, labs")],
    "power-bottleneck": [("compute_gw_US", "US compute (GW)"), ("idle_chips_gw", "Idle chips (GW)"),
                         ("power_price_usd_mwh_US", "US power price ($/MWh)"), ("power_queue_gw_US", "US power queue (GW)")],
    "energy-investment": [("compute_gw_US", "US compute (GW)"), ("self_powered_gw_US", "US compute on self-financed power (GW)"),
                          ("power_price_usd_mwh_US", "US power price ($/MWh)"), ("idle_chips_gw", "Idle chips (GW)")],
    "export-block": [("compute_gw_CN", "China's compute (GW)"), ("blocked_demand_gw", "Blocked demand (GW a month)"),
                     ("share_compute_CN", "China's share of world compute")],
    "investment-block": [("compute_gw_US", "US compute (GW)"),
                         ("chip_capacity_added_gw_per_month_US", "US fab capacity commissioned (GW/month, cumulative)"),
                         ("blocked_investment_usd_bn", "Investment barred by screening ($bn, cumulative)")],
    "fab-network": [("chip_capacity_added_gw_per_month_US", "Fab capacity commissioned in the US (GW/month, cumulative)"),
                    ("chip_capacity_added_gw_per_month_GULF", "Fab capacity commissioned in the Gulf (GW/month, cumulative)"),
                    ("chip_capacity_added_gw_per_month_ROW", "Fab capacity commissioned elsewhere (GW/month, cumulative)"),
                    ("compute_gw", "World compute (GW)")],
    "neuromorphic": [("effective_compute_eflops", "Effective compute (EFLOP/s)"),
                     ("fleet_value_to_book", "Installed chips: replacement value / book"),
                     ("retired_gw", "Retired chips (GW, cumulative)"), ("compute_gw", "World compute online (GW)")],
    "gigawatt-factory": [("gw_added_per_week", "GW added per week (trailing 12 m)"), ("compute_gw_US", "US compute (GW)"),
                         ("idle_chips_gw", "Idle chips (GW)")],
}


def write_scenario_figures(out_dir: Path, seed: int) -> list[Path]:
    """Run the baseline and every shipped scenario with ``seed``; write one figure per scenario, against the
    baseline when both start in the same month (the replay, from 2022, is drawn alone)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    base = load_scenario("baseline")
    baseline = simulate(base, seed).model_table
    written = []
    for name, _ in list_scenarios():
        scenario = load_scenario(name)
        same_start = scenario.params.run.start_date == base.params.run.start_date
        tables = {"baseline": baseline} if same_start else {}
        if name != "baseline":
            tables[name] = simulate(scenario, seed).model_table
        path = out_dir / f"{name}.png"
        title = f"{name} against baseline, seed {seed}" if same_start else f"{name}, seed {seed}"
        plot_against_baseline(tables, HEADLINES.get(name, DEFAULT_COLUMNS), path, title)
        written.append(path)
    return written
