"""The ``aicm`` commands for experiments at scale and the app: sweep, sensitivity, discover, report, reproduce, ui.

Like the other commands, bad input is one line on stderr and exit code 2 (:mod:`experiments.cli`).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pandas as pd

from experiments.cli_common import EXIT_FAILURE, EXIT_INTERRUPTED, positive_int
from experiments.sweep_spec import Design
from market.parameters.scenario import load_scenario, parse_set_option
from market.parameters.schema import ParamError


def add_parsers(sub) -> None:
    """Add the experiment and app subcommands to the ``aicm`` parser."""
    _add_sweep_parser(sub)
    sensitivity = sub.add_parser(
        "sensitivity", help="Sobol' indices or Morris elementary effects of a sweep's outcomes",
        description="Read a sweep folder run with --design sobol (first-order and total Sobol' indices with bootstrap 95% "
                    "intervals) or --design morris (mu*, its interval, and sigma), seeds averaged per point, and write "
                    "DIR/sensitivity/indices.csv and the chart indices.png, .svg and .pdf.")
    sensitivity.add_argument("folder", type=Path, metavar="DIR", help="the sweep's --out folder")
    sensitivity.add_argument("--outcome", dest="outcomes", action="append", default=None, metavar="COLUMN",
                             help="an outcome column to analyse (repeatable; default: final_compute_gw, peak_bubble_index, "
                                  "max_drawdown_market_value, defaults)")
    discover = sub.add_parser(
        "discover", help="scenario discovery (PRIM): where in parameter space a condition on the outcomes holds",
        description="Find boxes of swept-parameter values where --where holds (PRIM, EMA Workbench), print the sentence "
                    "a paper would quote for each, and write DIR/discovery/boxes.csv, trajectory.csv, tradeoff.png and "
                    "summary.txt.")
    discover.add_argument("folder", type=Path, metavar="DIR", help="the sweep's --out folder")
    discover.add_argument("--where", required=True, metavar="EXPRESSION",
                          help="a condition over outcome columns, e.g. \"defaults > 0\" or \"peak_bubble_index > 1.5\" "
                               "(swept parameters in backticks)")
    discover.add_argument("--min-density", type=float, default=0.8,
                          help="choose the box with the largest coverage whose density is at least this (default: 0.8)")
    report = sub.add_parser(
        "report", help="publication figures from run or sweep folders: fan charts, differences against the first, "
                       "sensitivity bars",
        description="Draw fan charts (median and 5-95% band over runs) of model-table columns for each folder (aicm run "
                    "or aicm sweep output), each later folder minus the first for runs with the same seed, and the "
                    "sensitivity indices of sobol or morris sweeps; PNG (300 dpi), SVG and PDF with captions, and "
                    "the CSV behind every figure.")
    report.add_argument("folders", type=Path, nargs="+", metavar="DIR", help="run or sweep folders; the first is the reference")
    report.add_argument("--column", dest="columns", action="append", default=None, metavar="COLUMN",
                        help="a model-table column to draw (repeatable; default: compute_gw, gw_added_per_week, "
                             "ai_revenue_usd_bn, capex_usd_bn, power_price_usd_mwh_US, bubble_index)")
    report.add_argument("--out", type=Path, default=None, help="output folder (default: the first DIR's report/)")
    ui = sub.add_parser("ui", help="start the Solara app (interactive runs in the browser) on 127.0.0.1",
                        description="Serve the Solara app: controls from the parameter schema (main ones as sliders, every "
                                    "other numeric one under 'advanced'), a shipped or uploaded scenario file, whole-run "
                                    "(with an optional band of seeds) and step-by-step modes, and the Overview, Network, "
                                    "Finance, Events, Agents and Compare pages, the baseline beside the run. Front-end "
                                    "assets come from a local cache (filled from the npm registry on first use), so the "
                                    "app works offline. Uploaded scenario files are kept by content in $AICM_UI_UPLOADS "
                                    "(default: aicm-ui-uploads in the system's temporary folder).")
    ui.add_argument("--scenario", default="baseline", help="scenario the app opens with (default: baseline)")
    ui.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    ui.add_argument("--port", type=positive_int("--port"), default=8765, help="port (default: 8765)")
    reproduce = sub.add_parser(
        "reproduce", help="redo a report's runs from the manifests it recorded and compare every figure's numbers",
        description="Read DIR/report.json (written by aicm report), run each source again from its manifest (a sweep "
                    "from its spec, a run from its scenario, seed and recorded overrides), draw the report again into "
                    "--out/report and say, figure by figure, whether its numbers are identical.")
    reproduce.add_argument("folder", type=Path, metavar="DIR", help="a report folder")
    reproduce.add_argument("--out", type=Path, required=True, help="new or empty folder for the new runs and report")
    reproduce.add_argument("--workers", type=positive_int("--workers"), default=None,
                           help="local worker processes for sweeps (default: the cores)")


def _add_sweep_parser(sub) -> None:
    sweep = sub.add_parser(
        "sweep", help="run a parameter sweep (grid, Latin hypercube, Sobol or Morris design; several seeds per point)",
        description="Run a scenario over a design of parameter values with K seeds per point, serially, in a local "
                    "process pool or on Dask, writing each finished run into --out (runs/<run_id>.parquet and .json), "
                    "failed runs into failures.jsonl, and outcomes.parquet (one row per run) at the end. Each seed comes "
                    "from SeedSequence([--seed, point, replicate]). Ctrl-C keeps every finished run; --resume runs the rest.")
    sweep.add_argument("--scenario", default="baseline", help="shipped scenario name or path to a .toml file (default: baseline)")
    sweep.add_argument("--param", dest="params", action="append", default=[], metavar="PATH=LOW:HIGH[:N]",
                       help="a swept parameter and its range; N levels in a grid (default 3); repeatable")
    sweep.add_argument("--design", choices=[d.value for d in Design], default=Design.GRID.value,
                       help="grid: every combination of levels; lhs: Latin hypercube; sobol: Saltelli sample for Sobol "
                            "indices; morris: Morris trajectories (default: grid)")
    sweep.add_argument("--samples", type=positive_int("--samples"), default=8,
                       help="lhs: points; sobol: base samples N (N x (2D+2) points); morris: trajectories (default: 8)")
    sweep.add_argument("--seeds", type=positive_int("--seeds"), default=1, help="replicate seeds per point (default: 1)")
    sweep.add_argument("--seed", type=positive_int("--seed"), default=1, help="base seed BASE (default: 1)")
    sweep.add_argument("--steps", type=positive_int("--steps"), help="months to simulate (default: the scenario's run.steps)")
    sweep.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                       help="a parameter held fixed at VALUE in every run (repeatable)")
    sweep.add_argument("--out", type=Path, required=True, help="sweep folder: new or empty, or a sweep's folder with --resume")
    sweep.add_argument("--resume", action="store_true",
                       help="finish the sweep in --out: run only what is neither done nor failed")
    where = sweep.add_mutually_exclusive_group()
    where.add_argument("--workers", type=positive_int("--workers"), default=None,
                       help="local worker processes (default: the cores; 1 runs serially in this process)")
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run on an existing Dask cluster's scheduler")
    where.add_argument("--dask-local", type=positive_int("--dask-local"), metavar="N",
                       help="run on a Dask LocalCluster of N single-threaded worker processes")
    sweep.add_argument("--host", default="127.0.0.1",
                       help="address the --dask-local cluster and its dashboards bind (default: 127.0.0.1)")


def _executor_choice(args: argparse.Namespace):
    import re

    from experiments.sweep import Executor, ExecutorChoice

    if args.scheduler is not None:
        if not re.fullmatch(r"(tcp|tls)://[^\s/:]+:\d{1,5}", args.scheduler):
            raise ParamError(f"--scheduler = {args.scheduler!r} is not allowed: expected tcp://HOST:PORT")
        return ExecutorChoice(Executor.DASK, scheduler=args.scheduler)
    if args.dask_local is not None:
        return ExecutorChoice(Executor.DASK, workers=args.dask_local, host=args.host)
    workers = args.workers or os.cpu_count() or 1
    return ExecutorChoice(Executor.SERIAL if workers == 1 else Executor.PROCESSES, workers=workers)


def command_sweep(args: argparse.Namespace) -> int:
    """Check the sweep's spec, run what is missing, rebuild the outcome table and print what was done."""
    import signal

    from experiments.sweep import run_sweep
    from experiments.sweep_spec import SweepSpec, check_spec, count_points, parse_param_option

    scenario = str(Path(args.scenario).resolve()) if args.scenario.endswith(".toml") else args.scenario
    spec = SweepSpec(scenario=scenario, params=tuple(parse_param_option(option) for option in args.params),
                     design=Design(args.design), samples=args.samples, seeds=args.seeds, base_seed=args.seed,
                     steps=args.steps, fixed=tuple(parse_set_option(option) for option in args.overrides))
    check_spec(spec)
    choice = _executor_choice(args)

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    points = count_points(spec)
    print(f"Sweep of '{spec.scenario}': {_format_count(points, 'point')} x {_format_count(spec.seeds, 'seed')} = "
          f"{_format_count(points * spec.seeds, 'run')} "
          f"({spec.design.value} design, {choice.kind.value}) into {args.out}/")
    from experiments.sweep import SweepAborted

    try:
        report = run_sweep(spec, args.out, choice, resume=args.resume)
    except SweepAborted as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        from experiments.sweep_store import SweepFolder

        folder = SweepFolder(args.out)
        print(f"error: interrupted; {len(folder.done_ids())} runs are written in {args.out}/, "
              f"{len(folder.failed_ids())} failed; finish with the same command and --resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(f"{report.written} runs written, {report.failed} failed, {report.skipped} already in the folder; "
          f"{len(report.outcomes)} rows in {args.out / 'outcomes.parquet'}")
    if report.failed:
        print(f"failed runs (parameters, seed, error) are in {args.out / 'failures.jsonl'}")
    return 0


def _format_count(number: int, noun: str) -> str:
    """``number`` and ``noun``, plural unless one: '1 seed', '2 points'."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def command_sensitivity(args: argparse.Namespace) -> int:
    """Compute and print a sweep's sensitivity indices; write their table and chart."""
    from experiments.sweep_analysis import analyze_sweep

    indices, out = analyze_sweep(args.folder, args.outcomes)
    with pd.option_context("display.float_format", "{:,.3f}".format, "display.width", 160, "display.max_rows", None):
        print(indices.to_string(index=False))
    print(f"wrote {out / 'indices.csv'} and {out / 'indices.png'}")
    return 0


def command_discover(args: argparse.Namespace) -> int:
    """Print the discovered boxes' sentences and where their tables went."""
    from experiments.sweep_discovery import discover_in_sweep

    sentences, out = discover_in_sweep(args.folder, args.where, args.min_density)
    for sentence in sentences:
        print(sentence)
    print(f"wrote {out}/boxes.csv, trajectory.csv, tradeoff.png and summary.txt")
    return 0


def command_report(args: argparse.Namespace) -> int:
    """Write the report's figures and print their captions."""
    from experiments.report import write_report

    written = write_report(args.folders, args.out, args.columns)
    for stem, caption in written:
        print(f"{stem}.png/.svg/.pdf/.csv: {caption}")
    return 0


def command_ui(args: argparse.Namespace) -> int:
    """Fill the asset cache if needed and replace this process with the Solara server."""
    from visualization.app import SCENARIO_VARIABLE
    from visualization.assets import fill_cache, server_environment

    load_scenario(args.scenario)
    try:
        fill_cache()
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    env = {**os.environ, **server_environment(), SCENARIO_VARIABLE: args.scenario}
    command = [sys.executable, "-m", "solara", "run", "visualization.app", "--host", args.host, "--port", str(args.port),
               "--production", "--no-open"]
    print(f"AI Compute Market app on http://{args.host}:{args.port}/ (Ctrl-C stops it)", flush=True)
    os.execve(sys.executable, command, env)


def command_reproduce(args: argparse.Namespace) -> int:
    """Reproduce a report; exit 1 when a figure's numbers differ."""
    from experiments.reproduce import reproduce_report
    from experiments.sweep import Executor, ExecutorChoice

    workers = args.workers or os.cpu_count() or 1
    choice = ExecutorChoice(Executor.SERIAL if workers == 1 else Executor.PROCESSES, workers=workers)
    verdicts = reproduce_report(args.folder, args.out, choice)
    for name, verdict in verdicts.items():
        print(f"{name}: {verdict}")
    print(f"new runs and report in {args.out}/")
    return 0 if all(v == "identical" for v in verdicts.values()) else EXIT_FAILURE


COMMANDS = {"sweep": command_sweep, "sensitivity": command_sensitivity, "discover": command_discover,
            "report": command_report, "reproduce": command_reproduce, "ui": command_ui}
