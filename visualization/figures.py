"""Publication figures drawn from output tables (never from live model state)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from market.enums import REGIONS  # noqa: E402


def _plot_lines(ax: plt.Axes, dates: pd.Series, table: pd.DataFrame, columns: list[tuple[str, str | None]],
                title: str) -> None:
    """Plot columns of a table against dates, labelled, with a legend when there are labels."""
    for column, label in columns:
        ax.plot(dates, table[column], label=label)
    ax.set(title=title)
    if any(label for _, label in columns):
        ax.legend(fontsize=8)


def plot_summary(model_table: pd.DataFrame, path: Path, title: str) -> None:
    """Write a six-panel summary figure of a run's model table to ``path`` (PNG)."""
    dates = pd.to_datetime(model_table["date"])
    fig, axes = plt.subplots(2, 3, figsize=(15, 8), constrained_layout=True)
    regions = [(f"compute_gw_{r}", r) for r in REGIONS] + [("idle_chips_gw", "idle chips")]
    _plot_lines(axes[0, 0], dates, model_table, regions, "Compute online by region (GW)")
    _plot_lines(axes[0, 1], dates, model_table, [("effective_compute_eflops", None)],
                "Effective compute (EFLOP/s, dense BF16)")
    axes[0, 1].set_yscale("log")
    _plot_lines(axes[0, 2], dates, model_table, [("chip_price_index", "chip price per GW"),
                                                 ("ai_price_index", "AI service price")], "Price indices (first month = 1)")
    _plot_lines(axes[1, 0], dates, model_table, [(f"power_price_usd_mwh_{r}", r) for r in REGIONS],
                "Power price to data centres ($/MWh)")
    _plot_lines(axes[1, 1], dates, model_table, [("ai_revenue_usd_bn", "AI revenue"), ("capex_usd_bn", "capex")],
                "Monthly flows ($bn per month)")
    ax = axes[1, 2]
    ax.plot(dates, model_table["debt_usd_bn"], label="debt ($bn)")
    ax.plot(dates, model_table["bonds_usd_bn"], "--", label="of which bonds ($bn)")
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


def plot_against_baseline(tables: dict[str, pd.DataFrame], columns: list[tuple[str, str]], path: Path, title: str) -> None:
    """Write a figure with one panel per (column, panel title): each named run's line, the baseline's dashed."""
    fig, axes = plt.subplots(1, len(columns), figsize=(4.2 * len(columns), 3.6), constrained_layout=True)
    for ax, (column, panel) in zip(list(axes) if len(columns) > 1 else [axes], columns, strict=True):
        for name, table in tables.items():
            ax.plot(pd.to_datetime(table["date"]), table[column], "--" if name == "baseline" else "-", label=name)
        ax.set(title=panel)
        ax.xaxis.set_major_locator(mdates.YearLocator(2))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.savefig(path, dpi=110)
    plt.close(fig)
