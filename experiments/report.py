"""``aicm report``: publication figures from a run folder, a sweep folder, or several of them compared.

Each source is a folder written by ``aicm run`` (one run) or ``aicm sweep`` (many). The report draws:

- ``fans``: each chosen model-table column over time, the median and 5-95% band over the source's runs, one colour
  per source (the first source is the reference, e.g. the baseline);
- ``difference_<source>``: each later source minus the reference, run by run for runs with the same seed (a
  scenario comparison with common random numbers), median and 5-95% band of the differences;
- ``sensitivity_<source>``: Sobol' or Morris indices of a ``sobol`` or ``morris`` sweep.

Every figure is PNG (300 dpi), SVG and PDF with its caption at the foot (scenarios, runs, seeds, package version,
git commit), and the CSV of the numbers drawn is written beside it; ``captions.md`` lists them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from experiments.sweep_spec import Design, SweepSpec
from market.parameters.schema import ParamError
from visualization.report_figures import plot_fans, plot_sensitivity_bars

DEFAULT_COLUMNS = ("compute_gw", "gw_added_per_week", "ai_revenue_usd_bn", "capex_usd_bn", "power_price_usd_mwh_US",
                   "bubble_index")
QUANTILES = {"q05": 0.05, "q50": 0.5, "q95": 0.95}


@dataclass
class Source:
    """One folder's runs: its label, each run's model table and seed, and what produced them."""

    label: str
    tables: dict[str, pd.DataFrame]
    seeds: dict[str, int]
    version: str
    commit: str
    seed_note: str
    spec: SweepSpec | None = None

    def caption_part(self) -> str:
        """'<label>: N runs (<seeds>)'."""
        return f"{self.label}: {len(self.tables)} run{'s' if len(self.tables) != 1 else ''} ({self.seed_note})"


def load_source(folder: Path) -> Source:
    """Read a run folder (``aicm run``) or a sweep folder (``aicm sweep``)."""
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        raise ParamError(f"DIR = {folder} is not allowed: expected a folder written by aicm run or aicm sweep (no manifest.json)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    commit = str(manifest.get("git_commit") or "unknown")[:10]
    if "spec" in manifest:
        spec = SweepSpec.from_dict(manifest["spec"])
        records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((folder / "runs").glob("*.json"))]
        if not records:
            raise ParamError(f"DIR = {folder} is not allowed: the sweep has no finished run yet")
        tables = {r["run_id"]: pd.read_parquet(folder / "runs" / f"{r['run_id']}.parquet") for r in records}
        seeds = {r["run_id"]: int(r["seed"]) for r in records}
        label = Path(spec.scenario).stem
        note = f"base seed {spec.base_seed}, {spec.seeds} per point, {spec.design.value} design"
        return Source(label, tables, seeds, manifest["versions"].get("ai-compute-market", "?"), commit, note, spec)
    tables = [folder / "model.parquet", folder / "model.csv"]
    found = next((path for path in tables if path.exists()), None)
    if found is None:
        raise ParamError(f"DIR = {folder} is not allowed: the run folder has no model.parquet or model.csv")
    table = pd.read_parquet(found) if found.suffix == ".parquet" else pd.read_csv(found)
    return Source(str(manifest.get("scenario", folder.name)), {"run": table}, {"run": int(manifest["seed"])},
                  str(manifest.get("package_version", "?")), commit, f"seed {manifest['seed']}")


def fan_bands(sources: list[Source], columns: list[str]) -> pd.DataFrame:
    """Median and 5-95% quantiles over each source's runs, per month and column (long format)."""
    rows = []
    for source in sources:
        stacked = pd.concat(table[["date", *columns]] for table in source.tables.values())
        for column in columns:
            grouped = stacked.groupby("date")[column]
            frame = pd.DataFrame({name: grouped.quantile(q) for name, q in QUANTILES.items()}).reset_index()
            rows.append(frame.assign(source=source.label, column=column, runs=len(source.tables)))
    return pd.concat(rows, ignore_index=True)[["source", "column", "date", "runs", *QUANTILES]]


def paired_differences(reference: Source, other: Source, columns: list[str]) -> pd.DataFrame:
    """Other minus reference for runs with the same seed, month by month; quantiles of the differences."""
    by_seed = {seed: run for run, seed in reference.seeds.items()}
    pairs = [(other.tables[run], reference.tables[by_seed[seed]]) for run, seed in other.seeds.items() if seed in by_seed]
    if not pairs:
        return pd.DataFrame()
    diffs = []
    for later, base in pairs:
        merged = later[["date", *columns]].merge(base[["date", *columns]], on="date", suffixes=("", "_ref"))
        diffs.append(pd.DataFrame({"date": merged["date"], **{c: merged[c] - merged[f"{c}_ref"] for c in columns}}))
    differences = Source(f"{other.label} - {reference.label}", {str(i): d for i, d in enumerate(diffs)}, {},
                         other.version, other.commit, "")
    return fan_bands([differences], columns).assign(pairs=len(pairs))


def _caption(what: str, sources: list[Source]) -> str:
    versions = sorted({s.version for s in sources})
    commits = sorted({s.commit for s in sources})
    return (f"{what} Sources: {'; '.join(s.caption_part() for s in sources)}. aicm {', '.join(versions)}, "
            f"git commit {', '.join(commits)}.")


def write_report(folders: list[Path], out: Path | None = None, columns: list[str] | None = None) -> list[tuple[Path, str]]:
    """Write every figure of the report (and its CSV) into ``out``; return (figure stem, caption) pairs."""
    sources = [load_source(folder) for folder in folders]
    labels = [s.label for s in sources]
    for i, source in enumerate(sources):
        if labels.count(source.label) > 1:
            source.label = f"{source.label} #{i + 1}"
    columns = list(columns or DEFAULT_COLUMNS)
    known = set(next(iter(sources[0].tables.values())).columns)
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise ParamError(f"--column {unknown[0]} is not allowed: expected a column of the model table, e.g. "
                         f"{', '.join(DEFAULT_COLUMNS)}")
    out = out or folders[0] / "report"
    out.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Path, str]] = []
    bands = fan_bands(sources, columns)
    bands.to_csv(out / "fans.csv", index=False)
    caption = _caption("Median (line) and 5-95% band (shade) over runs, by month.", sources)
    plot_fans(bands, columns, out / "fans", caption)
    written.append((out / "fans", caption))
    for i, other in enumerate(sources[1:], start=1):
        diff = paired_differences(sources[0], other, columns)
        if diff.empty:
            continue
        stem = out / f"difference_{i}"
        diff.to_csv(stem.with_suffix(".csv"), index=False)
        caption = _caption(f"{other.label} minus {sources[0].label}, run by run for the {int(diff['pairs'].iloc[0])} "
                           "runs with the same seed: median and 5-95% band of the differences.", [sources[0], other])
        plot_fans(diff.drop(columns="pairs"), columns, stem, caption)
        written.append((stem, caption))
    for i, source in enumerate(sources):
        if source.spec is None or source.spec.design not in (Design.SOBOL, Design.MORRIS):
            continue
        from experiments.sweep_analysis import DEFAULT_OUTCOMES, sensitivity_indices

        outcomes = pd.read_parquet(folders[i] / "outcomes.parquet")
        indices = sensitivity_indices(source.spec, outcomes, list(DEFAULT_OUTCOMES), seed=source.spec.base_seed)
        stem = out / f"sensitivity_{i}"
        indices.to_csv(stem.with_suffix(".csv"), index=False)
        kind = "Sobol' first-order (S1) and total (ST) indices" if source.spec.design is Design.SOBOL else "Morris mu*"
        caption = _caption(f"{kind} with bootstrap 95% intervals, seeds averaged per point.", [source])
        plot_sensitivity_bars(indices, stem, caption)
        written.append((stem, caption))
    lines = ["# Figures", ""] + [f"- `{stem.name}` (.png, .svg, .pdf; numbers in `{stem.name}.csv`): {text}"
                                 for stem, text in written]
    lines += ["", f"Reproduce every figure from the manifests in `report.json`: `aicm reproduce {out} --out NEW_FOLDER`"]
    (out / "captions.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    record = {"columns": columns, "figures": [stem.name for stem, _ in written],
              "sources": [{"folder": str(folder), "manifest": json.loads((folder / "manifest.json").read_text(encoding="utf-8"))}
                          for folder in folders]}
    (out / "report.json").write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return written
