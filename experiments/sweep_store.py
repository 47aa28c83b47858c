"""A sweep's folder, written so that nothing finished is lost and nothing is counted twice.

Layout of ``DIR``:

- ``manifest.json``: the spec, every run's seed, package versions, the git commit (written before the first run);
- ``runs/<run_id>.parquet``: the run's model table (one row per month);
- ``runs/<run_id>.json``: the run's id, point, replicate, seed, parameter values and outcome measures;
- ``failures.jsonl``: one line per run that raised (id, seed, parameter values, the error);
- ``outcomes.parquet``: one row per finished run sorted by ``run_id``, rebuilt from the ``.json`` files.

Every file is written to a temporary name and renamed over its final one, and a run's ``.json`` is written after its
table: a run counts as done exactly when its ``.json`` exists, so a sweep killed at any instant resumes without
repeating or losing a run.
"""

from __future__ import annotations

import json
import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.outcomes import OUTCOME_COLUMNS
from experiments.output_folder import find_file_in_the_way
from experiments.runner import git_commit
from experiments.sweep_spec import RunTask, SweepSpec
from market.parameters.schema import ParamError

PACKAGES = ("ai-compute-market", "mesa", "numpy", "pandas", "scipy", "SALib", "dask", "distributed")


def _sync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_atomically(path: Path, write) -> None:
    """Write to ``<name>.partial``, force it to disk, rename it over ``path`` and force the folder's entry to disk."""
    partial = path.with_name(path.name + ".partial")
    write(partial)
    _sync(partial)
    os.replace(partial, path)
    _sync(path.parent)


def _write_json(path: Path, data: Any) -> None:
    _write_atomically(path, lambda p: p.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8"))


def versions() -> dict[str, str]:
    """Versions of Python and of the packages that make a run's numbers."""
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


class SweepFolder:
    """The output folder of one sweep (see the module docstring for its layout).

    Args:
        root: The folder (``--out``).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.runs = root / "runs"
        self.manifest_path = root / "manifest.json"
        self.failures_path = root / "failures.jsonl"
        self.outcomes_path = root / "outcomes.parquet"

    def open(self, spec: SweepSpec, tasks: list[RunTask], resume: bool) -> None:
        """Start a new sweep in an absent or empty folder, or (``resume``) continue the one there with the same spec."""
        if self.root.is_symlink():
            raise ParamError(f"--out {self.root} is not allowed: expected a folder, not a symbolic link (give the folder it "
                             "points to)")
        blocking = find_file_in_the_way(self.root)
        if blocking is not None:
            raise ParamError(f"--out {self.root} is not allowed: expected a folder, and '{blocking}' is a file")
        if self.manifest_path.exists():
            recorded = self._recorded_spec()
            if recorded is None:
                raise ParamError(f"--out {self.root} is not allowed: it holds something other than a sweep (a run of aicm "
                                 "run, say); choose another folder")
            if not resume:
                raise ParamError(f"--out {self.root} holds a sweep already: add --resume to finish it, or choose another folder")
            if recorded != json.loads(json.dumps(spec.to_dict())):
                raise ParamError(f"--resume in {self.root} is not allowed: the folder's sweep has another spec "
                                 "(scenario, parameters, design, samples, seeds or steps differ)")
            self.runs.mkdir(exist_ok=True)
            for partial in self.runs.glob("*.partial"):
                partial.unlink()
            return
        if resume:
            raise ParamError(f"--resume in {self.root} is not allowed: the folder holds no sweep (no manifest.json)")
        leftovers = [p for p in self.root.iterdir() if p.name != "manifest.json.partial"] if self.root.is_dir() else []
        if self.root.is_symlink() or (self.root.exists() and (not self.root.is_dir() or leftovers)):
            raise ParamError(f"--out {self.root} is not allowed: expected a new or empty folder")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ParamError(f"--out {self.root} is not allowed: expected a folder that can be written "
                             f"({exc.strerror or exc})") from None
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise ParamError(f"--out {self.root} is not allowed: expected a folder that can be written (permission denied)")
        _write_json(self.manifest_path, {"spec": spec.to_dict(), "runs": len(tasks),
                                         "seeds": {task.run_id: task.seed for task in tasks},
                                         "seed_rule": "SeedSequence([base_seed, point, replicate]).generate_state(1)[0]",
                                         "versions": versions(), "git_commit": git_commit()})
        self.runs.mkdir(exist_ok=True)

    def _recorded_spec(self) -> dict[str, Any] | None:
        """The spec in the folder's manifest, or None when the manifest is not a sweep's."""
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        spec = manifest.get("spec") if isinstance(manifest, dict) else None
        return spec if isinstance(spec, dict) else None

    def done_ids(self) -> set[str]:
        """Ids of the runs whose record is written."""
        return {path.stem for path in self.runs.glob("*.json")} if self.runs.exists() else set()

    def failed_ids(self) -> set[str]:
        """Ids of the runs recorded as failed."""
        if not self.failures_path.exists():
            return set()
        return {record["run_id"] for record in self.failures()}

    def failures(self) -> list[dict[str, Any]]:
        """The failed runs' records; a line cut short by a crash while it was written is skipped (that run reruns)."""
        if not self.failures_path.exists():
            return []
        records = []
        for line in self.failures_path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return [r for r in records if isinstance(r, dict) and "run_id" in r]

    def write_run(self, task: RunTask, model_table: pd.DataFrame, outcomes: dict[str, Any]) -> None:
        """Write a finished run: its table, then its record (which marks it done)."""
        _write_atomically(self.runs / f"{task.run_id}.parquet", lambda p: model_table.to_parquet(p, index=False))
        _write_json(self.runs / f"{task.run_id}.json", {"run_id": task.run_id, "point": task.point,
                                                       "replicate": task.replicate, "seed": task.seed,
                                                       "params": task.values, "outcomes": outcomes})

    def record_failure(self, task: RunTask, error: str) -> None:
        """Append a failed run (its id, seed, parameter values and the error) to ``failures.jsonl``."""
        line = json.dumps({"run_id": task.run_id, "seed": task.seed, "params": task.values, "error": error}, sort_keys=True)
        cut_short = self.failures_path.exists() and not self.failures_path.read_bytes().endswith(b"\n") \
            and self.failures_path.stat().st_size > 0
        with self.failures_path.open("a", encoding="utf-8") as handle:
            handle.write(("\n" if cut_short else "") + line + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def rebuild_outcomes(self) -> pd.DataFrame:
        """Rebuild ``outcomes.parquet`` from the runs' records: one row per run sorted by ``run_id``, no timings."""
        records = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(self.runs.glob("*.json"))]
        rows = [{"run_id": r["run_id"], "point": r["point"], "replicate": r["replicate"], "seed": r["seed"],
                 **r["params"], **{column: r["outcomes"].get(column) for column in OUTCOME_COLUMNS}} for r in records]
        table = pd.DataFrame(rows)
        if not table.empty:
            table = table.sort_values("run_id", ignore_index=True)
        _write_atomically(self.outcomes_path, lambda p: table.to_parquet(p, index=False))
        return table
