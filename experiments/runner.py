"""Run a scenario and write its tables, network, manifest and summary figure."""

from __future__ import annotations

import json
import platform
import subprocess
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import mesa
import pandas as pd

from experiments.output_folder import MANIFEST, PACKAGE, OutputFolder, sha256_of
from market.enums import AgentType
from market.model import ComputeMarket
from market.outputs.metrics import agent_table, event_table, model_table
from market.outputs.network_files import write_edge_table, write_graphml
from market.parameters.scenario import Scenario
from market.parameters.schema import ParamError

FORMATS = ("parquet", "csv")
SUMMARY_COLUMNS = ("compute_gw", "gw_added_per_week", "share_compute_US", "share_compute_CN", "effective_compute_eflops",
                   "idle_chips_gw", "chip_backlog_gw", "chip_price_index", "blocked_demand_gw", "ai_price_index",
                   "ai_revenue_usd_bn", "capex_usd_bn", "debt_usd_bn", "claims_usd_bn", "hhi_compute",
                   "power_price_usd_mwh_US", "market_value_usd_bn", "bubble_index", "defaults", "contagion_defaults",
                   "constraint_US", "constraint_CN")
NEVER = "never"


@dataclass
class RunResult:
    """Tables and facts of one finished run."""

    model: ComputeMarket
    model_table: pd.DataFrame
    agent_table: pd.DataFrame
    event_table: pd.DataFrame
    wall_time_s: float


def simulate(scenario: Scenario, seed: int) -> RunResult:
    """Run the scenario for ``run.steps`` months with one seed and return its tables."""
    start = time.perf_counter()
    model = ComputeMarket(scenario, rng=seed)
    model.run_model()
    wall = time.perf_counter() - start
    return RunResult(model, model_table(model), agent_table(model), event_table(model), wall)


def git_commit() -> str | None:
    """The repository's commit, when the package runs from a git checkout."""
    root = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def manifest(result: RunResult, scenario: Scenario, seed: int, files: dict[str, str] | None = None,
             overrides: list[str] | None = None) -> dict[str, Any]:
    """The run's manifest: versions, scenario, the overrides given on the command line (``path=value`` as typed, with
    ``--steps`` and ``--scale`` as ``run.steps`` and ``run.scale``), parameter hash, seed, steps, timing, agent counts and
    each file's sha256.

    The scenario's parameters are as resolved before the run (the model runs on its own copy, so ``set_param`` events
    never change them).
    """
    counts = {t.value: 0 for t in AgentType}
    for agent in result.model.agents:
        counts[str(agent.agent_type)] += 1
    return {
        "package": PACKAGE,
        "package_version": metadata.version(PACKAGE),
        "git_commit": git_commit(),
        "scenario": scenario.name,
        "scenario_description": scenario.description,
        "params_sha256": scenario.params_sha256(),
        "seed": seed,
        "steps": scenario.params.run.steps,
        "start_date": scenario.params.run.start_date,
        "wall_time_s": round(result.wall_time_s, 3),
        "first_month_1_gw_per_week": first_gw_per_week_date(result.model_table),
        "agent_counts": counts,
        "python_version": platform.python_version(),
        "mesa_version": mesa.__version__,
        "files": files or {},
    } | ({} if overrides is None else {"overrides": list(overrides)})


def write_outputs(result: RunResult, scenario: Scenario, seed: int, out_dir: Path, fmt: str,
                  folder: OutputFolder | None = None, figure: bool = True, overrides: list[str] | None = None) -> list[Path]:
    """Write every output as one whole run into ``out_dir`` and return its files: the model, agents, events and
    edges tables in ``fmt``, the network as GraphML, the manifest and, with ``figure``, the summary figure.

    The files are written into a staging folder beside ``out_dir`` (``folder``'s, when the caller prepared it before
    the run) and swapped in as one step (:mod:`experiments.output_folder`): ``out_dir`` holds either the earlier complete
    run or this one, never a mix, and no file of another format is left beside it. The manifest lists every file with
    its sha256 and the ``overrides`` the run was made with.
    """
    if fmt not in FORMATS:
        raise ParamError(f"--format = {fmt!r} is not allowed: expected one of {', '.join(FORMATS)}")
    folder = folder or OutputFolder(out_dir)
    staging = folder.staging or folder.prepare()
    try:
        tables = (("model", result.model_table), ("agents", result.agent_table), ("events", result.event_table))
        for name, table in tables:
            path = staging / f"{name}.{fmt}"
            if fmt == "parquet":
                table.to_parquet(path, index=False)
            else:
                table.to_csv(path, index=False)
        network, relations = result.model.network, result.model.capital.relations()
        write_edge_table(network, staging / f"edges.{fmt}", fmt, relations)
        write_graphml(network, staging / "network.graphml", relations)
        if figure:
            from visualization.figures import plot_summary  # matplotlib loads only for runs that draw (~0.4 s)

            plot_summary(result.model_table, staging / "summary.png", f"{scenario.name}, seed {seed}")
        files = {path.name: sha256_of(path) for path in sorted(staging.iterdir())}
        (staging / MANIFEST).write_text(json.dumps(manifest(result, scenario, seed, files, overrides), indent=2) + "\n")
        return folder.commit()
    except BaseException:
        folder.discard()
        raise


def first_gw_per_week_date(table: pd.DataFrame) -> str:
    """First month the world adds 1 GW a week (trailing 12 months), or 'never'."""
    reached = table.loc[table["gw_added_per_week"] >= 1.0, "date"]
    return str(reached.iloc[0]) if len(reached) else NEVER


def summary_table(table: pd.DataFrame) -> pd.DataFrame:
    """Start against end of the key outputs, and the first month the world adds 1 GW a week."""
    first, last = table.iloc[0], table.iloc[-1]
    rows = [{"output": c, f"start {first['date']}": first[c], f"end {last['date']}": last[c]} for c in SUMMARY_COLUMNS]
    reached = first_gw_per_week_date(table)
    rows.append({"output": "first month at 1 GW/week", f"start {first['date']}": "", f"end {last['date']}": reached})
    return pd.DataFrame(rows).set_index("output")

