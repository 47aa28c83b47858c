"""Publication figures drawn from output tables (never from live model state)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from market.enums import REGIONS  # noqa: E402


def plot_summary(model_table: pd.DataFrame, path: Path, title: str) -> None:
    """Write a six-panel summary figure of a run's model table to ``path`` (PNG)."""
    dates = pd.to_datetime(model_table["date"])
    fig, axes = plt.subplots(2, 3, figsize=(15, 8), constrained_layout=True)
    ax = axes[0, 0]
    for region in REGIONS:
        ax.plot(dates, model_table[f"compute_gw_{region}"], label=region)
    ax.plot(dates, model_table["idle_chips_gw"], "k--", label="idle chips")
    ax.set(title="Compute online by region (GW)", ylabel="GW")
    ax.legend(fontsize=8)
    ax = axes[0, 1]
    ax.plot(dates, model_table["effective_compute_eflops"])
    ax.set(title="Effective compute (EFLOP/s, dense BF16)", yscale="log")
    ax = axes[0, 2]
    ax.plot(dates, model_table["chip_price_index"], label="chip price per GW")
    ax.plot(dates, model_table["ai_price_index"], label="AI service price")
    ax.set(title="Price indices (first month = 1)")
    ax.legend(fontsize=8)
    ax = axes[1, 0]
    for region in REGIONS:
        ax.plot(dates, model_table[f"power_price_usd_mwh_{region}"], label=region)
    ax.set(title="Power price to data centres ($/MWh)")
    ax.legend(fontsize=8)
    ax = axes[1, 1]
    ax.plot(dates, model_table["ai_revenue_usd_bn"], label="AI revenue")
    ax.plot(dates, model_table["capex_usd_bn"], label="capex")
    ax.set(title="Monthly flows ($bn per month)")
    ax.legend(fontsize=8)
    ax = axes[1, 2]
    ax.plot(dates, model_table["debt_usd_bn"], label="debt ($bn)")
    ax.plot(dates, model_table["claims_usd_bn"], label="unpaid claims ($bn)")
    ax.set(title="Debt and claims; bubble index and defaults")
    twin = ax.twinx()
    twin.plot(dates, model_table["bubble_index"], "k", label="bubble index (right)")
    twin.step(dates, model_table["defaults"] / max(model_table["defaults"].max(), 1) * model_table["bubble_index"].max(),
              "r:", label="defaults (scaled, right)")
    lines = ax.get_legend_handles_labels()
    twin_lines = twin.get_legend_handles_labels()
    ax.legend(lines[0] + twin_lines[0], lines[1] + twin_lines[1], fontsize=8)
    fig.suptitle(title)
    fig.savefig(path, dpi=110)
    plt.close(fig)
