"""``aicm reproduce``: redo a report from the manifests it recorded, and say whether every number came out the same.

A report's ``report.json`` holds each source folder's manifest. A sweep's manifest holds its whole spec, so the
sweep runs again as it was; a single run's manifest holds its scenario, seed, months and the overrides it was made with
(``--set``, ``--steps``, ``--scale``), and the hash of its parameters, which must match (manifests older than the
overrides' record hold only the months: a run made with other overrides is refused).
The report is then drawn again from the new runs and each CSV behind a figure is compared with the original's.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.report import write_report
from experiments.sweep import ExecutorChoice, run_sweep
from experiments.sweep_spec import SweepSpec
from market.parameters.schema import ParamError


def rerun_source(manifest: dict, folder: Path, choice: ExecutorChoice) -> None:
    """Run a source again from its manifest into ``folder`` (a sweep folder, or a run folder with model.parquet)."""
    if "spec" in manifest:
        run_sweep(SweepSpec.from_dict(manifest["spec"]), folder, choice)
        return
    from experiments.runner import model_table
    from market.model import ComputeMarket
    from market.parameters.scenario import load_scenario, parse_set_option

    options = manifest.get("overrides", [f"run.steps={int(manifest['steps'])}"])
    scenario = load_scenario(manifest["scenario"], [parse_set_option(option) for option in options])
    if scenario.params_sha256() != manifest["params_sha256"]:
        raise ParamError(f"run of scenario '{manifest['scenario']}' is not reproducible from its manifest: its parameters "
                         "differ from the scenario's with the recorded overrides (the scenario file or the code's "
                         "defaults changed, or an older manifest lacks the run's --set overrides)")
    model = ComputeMarket(scenario, rng=int(manifest["seed"]))
    while model.running:
        model.step()
    folder.mkdir(parents=True, exist_ok=True)
    model_table(model).to_parquet(folder / "model.parquet", index=False)
    (folder / "manifest.json").write_text(json.dumps({k: manifest[k] for k in ("scenario", "seed", "steps", "params_sha256")}
                                                     | {"overrides": options}
                                                     | {"package_version": manifest.get("package_version", "?")}),
                                          encoding="utf-8")


def compare_tables(original: Path, again: Path) -> str:
    """'identical', or the largest absolute difference of the numbers in two CSVs of one figure."""
    first, second = pd.read_csv(original), pd.read_csv(again)
    if first.shape != second.shape or list(first.columns) != list(second.columns):
        return f"different shape ({first.shape} against {second.shape})"
    numeric = first.select_dtypes("number").columns
    if first.drop(columns=numeric).equals(second.drop(columns=numeric)) and np.array_equal(
            first[numeric].to_numpy(), second[numeric].to_numpy(), equal_nan=True):
        return "identical"
    gap = np.nanmax(np.abs(first[numeric].to_numpy() - second[numeric].to_numpy())) if len(numeric) else float("nan")
    return f"differs (largest absolute difference {gap:.3g})"


def reproduce_report(report: Path, out: Path, choice: ExecutorChoice) -> dict[str, str]:
    """Rerun every source of ``report`` into ``out``, redraw the report in ``out/report`` and compare its numbers."""
    record_path = report / "report.json"
    if not record_path.exists():
        raise ParamError(f"DIR = {report} is not allowed: expected a folder written by aicm report (no report.json)")
    if out.exists() and any(out.iterdir()):
        raise ParamError(f"--out {out} is not allowed: expected a new or empty folder")
    record = json.loads(record_path.read_text(encoding="utf-8"))
    folders = []
    for i, source in enumerate(record["sources"]):
        folder = out / f"source_{i}_{Path(source['folder']).name}"
        rerun_source(source["manifest"], folder, choice)
        folders.append(folder)
    written = write_report(folders, out / "report", record["columns"])
    return {stem.name: compare_tables(report / f"{stem.name}.csv", stem.with_suffix(".csv")) for stem, _ in written}
