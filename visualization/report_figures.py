"""Publication figures of a report: fan charts over seeds, differences against a reference, sensitivity bars.

Drawn from tables only. Colours are the Okabe-Ito palette (distinguishable with the common colour-vision
deficiencies); every figure carries its caption at the foot and is written as PNG (300 dpi), SVG and PDF.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
FORMATS = ("png", "svg", "pdf")
DPI = 300


def save_figure(fig: plt.Figure, stem: Path, caption: str) -> list[Path]:
    """Write the figure with its caption at the foot as ``stem``.png (300 dpi), .svg and .pdf; return the paths."""
    fig.text(0.01, 0.005, "\n".join(textwrap.wrap(caption, 150)), fontsize=6, va="bottom", ha="left")
    fig.subplots_adjust(bottom=0.16)
    paths = []
    for extension in FORMATS:
        path = stem.with_suffix(f".{extension}")
        fig.savefig(path, dpi=DPI, metadata={"Title": caption[:200]} if extension == "pdf" else None)
        paths.append(path)
    plt.close(fig)
    return paths


def plot_fans(bands: pd.DataFrame, columns: list[str], stem: Path, caption: str) -> list[Path]:
    """Median and 5-95% band over runs of each column, one panel per column, one colour per source.

    ``bands`` has one row per (source, date, column) with ``q05``, ``q50``, ``q95``.
    """
    sources = list(dict.fromkeys(bands["source"]))
    n = len(columns)
    ncols = min(n, 3)
    nrows = (n + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.0 * nrows + 0.6), squeeze=False)
    for ax, column in zip(axes.flat, columns, strict=False):
        for i, source in enumerate(sources):
            part = bands[(bands["source"] == source) & (bands["column"] == column)]
            dates = pd.to_datetime(part["date"])
            colour = OKABE_ITO[i % len(OKABE_ITO)]
            ax.fill_between(dates, part["q05"], part["q95"], color=colour, alpha=0.25, linewidth=0)
            ax.plot(dates, part["q50"], color=colour, label=source, linewidth=1.4)
        ax.set_title(column, fontsize=9)
        ax.tick_params(labelsize=7)
        locator = mdates.YearLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        if (bands.loc[bands["column"] == column, "q05"] < 0).any():
            ax.axhline(0.0, color="grey", linewidth=0.5)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return save_figure(fig, stem, caption)


def plot_sensitivity_bars(indices: pd.DataFrame, stem: Path, caption: str) -> list[Path]:
    """Sobol' S1 and ST (or Morris mu*) with their 95% intervals, one panel per outcome."""
    sobol = "S1" in indices.columns
    shown = indices.dropna(subset=["S1" if sobol else "mu_star"])
    outcomes = list(dict.fromkeys(shown["outcome"])) or ["(no varying outcome)"]
    fig, axes = plt.subplots(len(outcomes), 1, figsize=(7, 2.3 * len(outcomes) + 0.6), squeeze=False)
    for ax, outcome in zip(axes[:, 0], outcomes, strict=False):
        part = shown[shown["outcome"] == outcome]
        x = range(len(part))
        if sobol:
            ax.bar([i - 0.2 for i in x], part["S1"], 0.4, yerr=part["S1_conf"], label="first order S1", color=OKABE_ITO[0])
            ax.bar([i + 0.2 for i in x], part["ST"], 0.4, yerr=part["ST_conf"], label="total ST", color=OKABE_ITO[1])
        else:
            ax.bar(list(x), part["mu_star"], 0.6, yerr=part["mu_star_conf"], label="mu* (whole range)", color=OKABE_ITO[0])
        ax.set_xticks(list(x), part["parameter"], fontsize=7)
        ax.set_title(outcome, fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return save_figure(fig, stem, caption)
