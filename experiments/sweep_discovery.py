"""Scenario discovery: the regions of parameter space where a condition on a sweep's outcomes holds (PRIM).

PRIM (Friedman and Fisher 1999, as implemented in the EMA Workbench, Kwakkel 2017) peels a box around the runs
where the condition holds, trading coverage (the share of all such runs inside the box) against density (the
share of the box's runs where it holds). The workbench's 3.0 has no density threshold; the box is chosen from
the peeling trajectory here: the one with the largest coverage among those with density at least
``min_density`` (or, when no box is that dense, the densest). Further boxes are found on the runs the earlier
boxes leave out, while a box's density stays above the condition's share of all runs.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.sweep_spec import SweepSpec
from market.parameters.schema import ParamError
from visualization.report_figures import OKABE_ITO

IGNORED_WARNINGS = ("ipyparallel not installed", "altair based interactive inspection not available",
                    "The inplace keyword in DataFrame.drop is deprecated")


def _import_prim():
    with warnings.catch_warnings():
        for message in IGNORED_WARNINGS:
            warnings.filterwarnings("ignore", message=re.escape(message))
        from ema_workbench.analysis import prim
    return prim


def evaluate_condition(outcomes: pd.DataFrame, where: str) -> np.ndarray:
    """The boolean condition ``where`` (a pandas expression over outcome columns) for every run."""
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", where)) - {"and", "or", "not", "True", "False", "in"}
    quoted = set(re.findall(r"`([^`]+)`", where))
    if not (names | quoted) & set(outcomes.columns):
        raise ParamError(f"--where {where!r} is not allowed: it names no column of outcomes.parquet "
                         f"(e.g. defaults, peak_bubble_index, final_compute_gw)")
    try:
        result = outcomes.eval(where)
    except Exception as exc:  # noqa: BLE001 - pandas raises many kinds for a bad expression; all are the user's input
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ParamError(f"--where {where!r} is not allowed: {reason}") from None
    if not isinstance(result, pd.Series) or result.dtype != bool:
        raise ParamError(f"--where {where!r} is not allowed: expected a condition (true or false for each run), "
                         "e.g. 'defaults > 0'")
    return result.to_numpy()


@dataclass(frozen=True)
class DiscoveredBox:
    """One PRIM box: the limits of the parameters it restricts, its coverage, density and number of runs."""

    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    runs: int
    trajectory: pd.DataFrame
    chosen: int


def _choose(trajectory: pd.DataFrame, min_density: float) -> int:
    dense = trajectory[trajectory["density"] >= min_density]
    if len(dense):
        return int(dense.sort_values(["coverage", "density"], ascending=False).index[0])
    return int(trajectory["density"].idxmax())


def discover_boxes(inputs: pd.DataFrame, condition: np.ndarray, min_density: float = 0.8,
                   max_boxes: int = 3) -> list[DiscoveredBox]:
    """PRIM boxes for ``condition`` over ``inputs`` (one column per swept parameter), densest region first."""
    prim = _import_prim()
    if condition.sum() == 0:
        return []
    with warnings.catch_warnings():
        for message in IGNORED_WARNINGS:
            warnings.filterwarnings("ignore", message=re.escape(message))
        finder = prim.Prim(inputs.reset_index(drop=True), condition.astype(int), peel_alpha=0.05, paste_alpha=0.05,
                           mass_min=0.05)
        base_density = float(condition.mean())
        boxes = []
        for _ in range(max_boxes):
            box = finder.find_box()
            if box is None:
                break
            chosen = _choose(box.peeling_trajectory, min_density)
            box.select(chosen)
            stats = box.peeling_trajectory.loc[chosen]
            if boxes and stats["density"] <= base_density:
                break
            limits_frame = box.box_lims[chosen]
            unrestricted = box.box_lims[0]
            limits = {column: (float(limits_frame.loc[0, column]), float(limits_frame.loc[1, column]))
                      for column in inputs.columns
                      if not np.isclose(limits_frame.loc[0, column], unrestricted.loc[0, column])
                      or not np.isclose(limits_frame.loc[1, column], unrestricted.loc[1, column])}
            boxes.append(DiscoveredBox(limits, float(stats["coverage"]), float(stats["density"]), int(stats["n"]),
                                       box.peeling_trajectory.copy(), chosen))
    return boxes


def describe_box(box: DiscoveredBox, where: str, total_runs: int, share: float) -> str:
    """The sentence a paper would quote about one box."""
    if box.limits:
        ranges = " and ".join(f"{name} is between {low:.4g} and {high:.4g}" for name, (low, high) in box.limits.items())
    else:
        ranges = "any swept value"
    return (f"'{where}' holds in {box.density:.0%} of the {box.runs} runs where {ranges}, against {share:.0%} of all "
            f"{total_runs} runs; the box holds {box.coverage:.0%} of the runs where it holds.")


def plot_tradeoff(boxes: list[DiscoveredBox], path: Path) -> None:
    """Coverage against density along each box's peeling trajectory, the chosen box marked."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4))
    palette = OKABE_ITO
    for i, box in enumerate(boxes):
        t = box.trajectory
        ax.plot(t["coverage"], t["density"], "o-", ms=3, color=palette[i % len(palette)], label=f"box {i + 1}")
        ax.plot(t.loc[box.chosen, "coverage"], t.loc[box.chosen, "density"], "*", ms=14, color=palette[i % len(palette)])
    ax.set_xlabel("coverage")
    ax.set_ylabel("density")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    if boxes:
        ax.legend(fontsize=8)
    ax.set_title("PRIM peeling trajectory (star: chosen box)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


def discover_in_sweep(folder: Path, where: str, min_density: float = 0.8) -> tuple[list[str], Path]:
    """Run scenario discovery on a sweep folder; write ``discovery/boxes.csv``, ``trajectory.csv`` and the plot."""
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        raise ParamError(f"DIR = {folder} is not allowed: expected a sweep folder (no manifest.json)")
    spec = SweepSpec.from_dict(json.loads(manifest_path.read_text(encoding="utf-8"))["spec"])
    if not 0.0 < min_density <= 1.0:
        raise ParamError(f"--min-density = {min_density} is not allowed: expected a share with 0 < value <= 1")
    outcomes = pd.read_parquet(folder / "outcomes.parquet")
    condition = evaluate_condition(outcomes, where)
    inputs = outcomes[[p.path for p in spec.params]].astype(float)
    boxes = discover_boxes(inputs, condition, min_density)
    out = folder / "discovery"
    out.mkdir(exist_ok=True)
    rows = [{"box": i + 1, "parameter": name, "low": low, "high": high, "coverage": b.coverage, "density": b.density,
             "runs": b.runs}
            for i, b in enumerate(boxes) for name, (low, high) in (b.limits or {"(none)": (np.nan, np.nan)}).items()]
    pd.DataFrame(rows, columns=["box", "parameter", "low", "high", "coverage", "density", "runs"]).to_csv(
        out / "boxes.csv", index=False)
    pd.concat([b.trajectory.assign(box=i + 1) for i, b in enumerate(boxes)] or [pd.DataFrame()]).to_csv(
        out / "trajectory.csv", index=False)
    plot_tradeoff(boxes, out / "tradeoff.png")
    share = float(condition.mean())
    sentences = [describe_box(b, where, len(outcomes), share) for b in boxes] or [
        f"'{where}' holds in none of the {len(outcomes)} runs: there is no region to describe."]
    (out / "summary.txt").write_text("\n".join(sentences) + "\n", encoding="utf-8")
    return sentences, out
