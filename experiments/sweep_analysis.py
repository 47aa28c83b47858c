"""Global sensitivity of a sweep's outcomes: Sobol' indices (a ``sobol`` design) or Morris elementary effects (``morris``).

Seeds are averaged per design point first, so the indices describe the parameters' effect on the expected outcome
(the seeds' spread is not attributed to any parameter). Sobol' (Saltelli 2002; Jansen estimators in SALib): the
first-order index S1_i = V(E[Y | X_i]) / V(Y) and the total index ST_i = E[V(Y | X_~i)] / V(Y), with bootstrap 95%
confidence intervals. Morris (Campolongo et al. 2007): mu*_i, the mean absolute elementary effect of moving X_i
across its range, with its bootstrap 95% interval, and sigma_i, the effects' spread (interactions or non-linearity).
Effects are per whole swept range (parameters scaled to [0, 1]).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.sweep_spec import Design, SweepSpec, count_points, unit_design
from market.parameters.schema import ParamError
from visualization.report_figures import plot_sensitivity_bars

DEFAULT_OUTCOMES = ("final_compute_gw", "peak_bubble_index", "max_drawdown_market_value", "defaults")


def _problem(spec: SweepSpec) -> dict:
    return {"num_vars": len(spec.params), "names": [p.path for p in spec.params], "bounds": [[0.0, 1.0]] * len(spec.params)}


def point_means(spec: SweepSpec, outcomes: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Mean of each outcome column over a point's seeds, one row per design point in design order."""
    missing = sorted(set(range(count_points(spec))) - set(outcomes["point"]))
    if missing:
        raise ParamError(f"the sweep has {len(missing)} of {count_points(spec)} points with no finished run (first: point "
                         f"{missing[0]}); {spec.design.value} indices need every point: finish it with --resume")
    table = outcomes[["point", *columns]].copy()
    for column in columns:
        table[column] = pd.to_numeric(table[column], errors="coerce")
    return table.groupby("point")[columns].mean().sort_index()


def sensitivity_indices(spec: SweepSpec, outcomes: pd.DataFrame, columns: list[str], seed: int = 1) -> pd.DataFrame:
    """One row per (outcome, parameter): S1, S1_conf, ST, ST_conf (sobol) or mu_star, mu_star_conf, sigma (morris).

    An outcome that does not vary over the points has no index; it is listed with NaN indices and ``note``.
    """
    from SALib.analyze import morris, sobol

    if spec.design not in (Design.SOBOL, Design.MORRIS):
        raise ParamError(f"design = '{spec.design.value}' has no sensitivity analysis: run the sweep with --design sobol "
                         "(Sobol' indices) or --design morris (elementary effects)")
    means = point_means(spec, outcomes, columns)
    problem = _problem(spec)
    rows = []
    for column in columns:
        y = means[column].to_numpy(dtype=float)
        if not np.isfinite(y).all() or np.ptp(y) == 0.0:
            note = "constant over the points" if np.isfinite(y).all() else "not a finite number at every point"
            rows += [{"outcome": column, "parameter": name, "note": note} for name in problem["names"]]
            continue
        if spec.design is Design.SOBOL:
            result = sobol.analyze(problem, y, calc_second_order=True, seed=seed)
            keys = ("S1", "S1_conf", "ST", "ST_conf")
        else:
            result = morris.analyze(problem, unit_design(spec), y, num_levels=4, seed=seed)
            keys = ("mu_star", "mu_star_conf", "sigma")
        rows += [{"outcome": column, "parameter": name, **{key: float(result[key][i]) for key in keys}, "note": ""}
                 for i, name in enumerate(problem["names"])]
    return pd.DataFrame(rows)


def analyze_sweep(folder: Path, columns: list[str] | None = None) -> tuple[pd.DataFrame, Path]:
    """Read a sweep folder, compute its indices and write ``sensitivity/indices.csv`` and ``sensitivity/indices.png``."""
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        raise ParamError(f"DIR = {folder} is not allowed: expected a sweep folder (no manifest.json)")
    spec = SweepSpec.from_dict(json.loads(manifest_path.read_text(encoding="utf-8"))["spec"])
    outcomes = pd.read_parquet(folder / "outcomes.parquet")
    columns = list(columns or DEFAULT_OUTCOMES)
    unknown = [c for c in columns if c not in outcomes.columns]
    if unknown:
        raise ParamError(f"--outcome {unknown[0]} is not allowed: expected a column of outcomes.parquet, e.g. "
                         f"{', '.join(DEFAULT_OUTCOMES)}")
    indices = sensitivity_indices(spec, outcomes, columns, seed=spec.base_seed)
    out = folder / "sensitivity"
    out.mkdir(exist_ok=True)
    indices.to_csv(out / "indices.csv", index=False)
    kind = "Sobol' first-order (S1) and total (ST) indices" if spec.design is Design.SOBOL else "Morris mu* (per whole range)"
    plot_sensitivity_bars(indices, out / "indices", f"{kind} with bootstrap 95% intervals, seeds averaged per point; "
                                                     f"sweep of '{spec.scenario}' in {folder.name}, base seed {spec.base_seed}.")
    return indices, out
