"""The ``aicm`` command line: run scenarios, list them, validate files and list parameters.

Errors in what the user gave are one line on stderr and exit code 2, with no traceback; Ctrl-C is one line and exit
code 130; a failure to write outputs is one line and exit code 1, leaving the earlier outputs as they were.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

import pandas as pd

from experiments.sweep_spec import Design
from market.scenario import describe_params, list_scenarios, load_scenario, parse_set_option
from market.schema import ParamError

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _positive_int(name: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} = {text!r} is not allowed: expected a whole number") from None
        if value < 0 if name == "--seed" else value < 1:
            allowed = ">= 0" if name == "--seed" else ">= 1"
            raise argparse.ArgumentTypeError(f"{name} = {text!r} is not allowed: expected a whole number {allowed}")
        return value
    return parse


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr (``--help`` shows the usage)."""

    def error(self, message: str) -> NoReturn:
        """Print ``error: <prog>: <message>`` and exit with code 2."""
        print(f"error: {self.prog}: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with its subcommands."""
    parser = OneLineParser(
        prog="aicm",
        description="AI Compute Market: an agent-based, stock-flow-consistent model of the market for AI compute.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run a scenario and write its tables, network, manifest and figure",
                         description="Run a scenario with one seed. Writes model, agents and events tables, "
                                     "network.graphml, manifest.json and summary.png into --out, and prints a summary.")
    run.add_argument("--scenario", default="baseline", help="shipped scenario name or path to a .toml file (default: baseline)")
    run.add_argument("--seed", type=_positive_int("--seed"), default=1, help="the run's one random seed (default: 1)")
    run.add_argument("--steps", type=_positive_int("--steps"), help="months to simulate (default: the scenario's run.steps)")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                     help="override a parameter, e.g. --set demand.price_elasticity=1.5 (repeatable)")
    run.add_argument("--out", type=Path, help="output folder, new, empty or holding an earlier run, replaced whole "
                                               "when every file is written (default: results/<scenario>)")
    run.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="table format (default: parquet)")

    sub.add_parser("scenarios", help="list shipped scenarios with a one-line description",
                   description="List the scenarios shipped in experiments/scenarios.")

    validate = sub.add_parser("validate", help="check a scenario file",
                              description="Check a scenario file as run would before its first month (the file, every "
                                          "parameter, the events applied in date order, the model's set-up); exit 2 on "
                                          "the first error.")
    validate.add_argument("path", help="path to a scenario .toml file, or a shipped scenario name")
    validate.add_argument("--seed", type=_positive_int("--seed"), default=1,
                          help="the seed the set-up is drawn with (default: 1)")

    figures = sub.add_parser("figures", help="draw every scenario's headline columns against the baseline (docs/scenarios.md)",
                             description="Run the baseline and every shipped scenario with one seed and write one "
                                         "comparison figure per scenario into --out.")
    figures.add_argument("--seed", type=_positive_int("--seed"), default=1, help="the seed every run uses (default: 1)")
    figures.add_argument("--out", type=Path, default=Path("docs/figures"), help="output folder (default: docs/figures)")

    replay = sub.add_parser("replay", help="run replay-2022 over several seeds and print model against observed figures",
                            description="Run the replay-2022 scenario with seeds 1..K and print, for every figure of "
                                        "experiments/data/calibration.csv the model outputs, the observed value, the model's "
                                        "median and range over the seeds, and the error. Writes replay.csv into --out.")
    replay.add_argument("--seeds", type=_positive_int("--seeds"), default=10, help="number of seeds, 1..K (default: 10)")
    replay.add_argument("--out", type=Path, default=Path("results/replay"), help="output folder (default: results/replay)")

    params = sub.add_parser("params", help="list every parameter with its value, unit, range and description",
                            description="List every parameter path with its value in a scenario, unit, allowed range "
                                        "and description.")
    params.add_argument("--scenario", default=None, help="scenario whose values to show (default: the schema's defaults)")
    params.add_argument("--format", choices=("table", "csv"), default="table", help="output format (default: table)")
    _add_sweep_parser(sub)
    sensitivity = sub.add_parser(
        "sensitivity", help="Sobol' indices or Morris elementary effects of a sweep's outcomes",
        description="Read a sweep folder run with --design sobol (first-order and total Sobol' indices with bootstrap 95%% "
                    "intervals) or --design morris (mu*, its interval, and sigma), seeds averaged per point, and write "
                    "DIR/sensitivity/indices.csv and indices.png.")
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
        description="Draw fan charts (median and 5-95%% band over runs) of model-table columns for each folder (aicm run "
                    "or aicm sweep output), each later folder minus the first for runs with the same seed, and the "
                    "sensitivity indices of sobol or morris sweeps; PNG (300 dpi), SVG and PDF with captions, and "
                    "the CSV behind every figure.")
    report.add_argument("folders", type=Path, nargs="+", metavar="DIR", help="run or sweep folders; the first is the reference")
    report.add_argument("--column", dest="columns", action="append", default=None, metavar="COLUMN",
                        help="a model-table column to draw (repeatable; default: compute_gw, gw_added_per_week, "
                             "ai_revenue_usd_bn, capex_usd_bn, power_price_usd_mwh_US, bubble_index)")
    report.add_argument("--out", type=Path, default=None, help="output folder (default: the first DIR's report/)")
    ui = sub.add_parser("ui", help="start the Solara app (interactive runs in the browser) on 127.0.0.1",
                        description="Serve the Solara app: controls from the parameter schema, whole-run and step-by-step "
                                    "modes, the Overview charts with the baseline beside them. Front-end assets come from "
                                    "a local cache (filled from the npm registry on first use), so the app works offline.")
    ui.add_argument("--scenario", default="baseline", help="scenario the app opens with (default: baseline)")
    ui.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    ui.add_argument("--port", type=_positive_int("--port"), default=8765, help="port (default: 8765)")
    reproduce = sub.add_parser(
        "reproduce", help="redo a report's runs from the manifests it recorded and compare every figure's numbers",
        description="Read DIR/report.json (written by aicm report), run each source again from its manifest (a sweep "
                    "from its spec, a run from its scenario and seed), draw the report again into --out/report and "
                    "say, figure by figure, whether its numbers are identical.")
    reproduce.add_argument("folder", type=Path, metavar="DIR", help="a report folder")
    reproduce.add_argument("--out", type=Path, required=True, help="new or empty folder for the new runs and report")
    reproduce.add_argument("--workers", type=_positive_int("--workers"), default=None,
                           help="local worker processes for sweeps (default: the cores)")
    return parser


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
    sweep.add_argument("--samples", type=_positive_int("--samples"), default=8,
                       help="lhs: points; sobol: base samples N (N x (2D+2) points); morris: trajectories (default: 8)")
    sweep.add_argument("--seeds", type=_positive_int("--seeds"), default=1, help="replicate seeds per point (default: 1)")
    sweep.add_argument("--seed", type=_positive_int("--seed"), default=1, help="base seed BASE (default: 1)")
    sweep.add_argument("--steps", type=_positive_int("--steps"), help="months to simulate (default: the scenario's run.steps)")
    sweep.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                       help="a parameter held fixed at VALUE in every run (repeatable)")
    sweep.add_argument("--out", type=Path, required=True, help="sweep folder: new or empty, or a sweep's folder with --resume")
    sweep.add_argument("--resume", action="store_true",
                       help="finish the sweep in --out: run only what is neither done nor failed")
    where = sweep.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive_int("--workers"), default=None,
                       help="local worker processes (default: the cores; 1 runs serially in this process)")
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run on an existing Dask cluster's scheduler")
    where.add_argument("--dask-local", type=_positive_int("--dask-local"), metavar="N",
                       help="run on a Dask LocalCluster of N single-threaded worker processes")
    sweep.add_argument("--host", default="127.0.0.1",
                       help="address the --dask-local cluster and its dashboards bind (default: 127.0.0.1)")


def command_run(args: argparse.Namespace) -> int:
    """Run a scenario, write its outputs and print a start-against-end summary.

    The output folder is checked and its staging folder made before the simulation, so a folder that cannot be
    written fails at once; until the new run's files are all written the folder keeps the earlier run.
    """
    from experiments.output_folder import OutputFolder
    from experiments.runner import simulate, summary_table, write_outputs

    overrides = [parse_set_option(option) for option in args.overrides]
    if args.steps is not None:
        overrides.append(("run.steps", args.steps))
    scenario = load_scenario(args.scenario, overrides)
    out_dir = args.out or Path("results") / scenario.name
    folder = OutputFolder(out_dir)
    folder.prepare()
    try:
        run_spec = scenario.params.run
        print(f"Running scenario '{scenario.name}' ({run_spec.steps} months from {run_spec.start_date}, seed {args.seed})")
        result = simulate(scenario, args.seed)
        written = write_outputs(result, scenario, args.seed, out_dir, args.format, folder)
    finally:
        folder.discard()
    with pd.option_context("display.float_format", "{:,.3f}".format, "display.width", 120):
        print(summary_table(result.model_table).to_string())
    print(f"Simulated in {result.wall_time_s:.1f} s; wrote {len(written)} files to {out_dir}/")
    return 0


def command_scenarios(_: argparse.Namespace) -> int:
    """Print every shipped scenario and its description."""
    rows = list_scenarios()
    width = max((len(name) for name, _ in rows), default=0)
    for name, description in rows:
        print(f"{name:<{width}}  {description}")
    return 0


def command_validate(args: argparse.Namespace) -> int:
    """Validate a scenario file: every check ``run`` makes before its first month, set-up included."""
    from market.model import ComputeMarket

    scenario = load_scenario(args.path)
    ComputeMarket(scenario, rng=args.seed)
    print(f"ok: scenario '{scenario.name}' is valid ({len(scenario.events)} events; set up with seed {args.seed})")
    return 0


def command_params(args: argparse.Namespace) -> int:
    """Print the parameter listing."""
    from market.params import Params

    params = load_scenario(args.scenario).params if args.scenario else Params()
    frame = pd.DataFrame(describe_params(params))
    frame["value"] = frame["value"].map(lambda v: ",".join(v) if isinstance(v, list) else v)
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False)
    else:
        with pd.option_context("display.max_rows", None, "display.max_colwidth", 60, "display.width", 250):
            print(frame[["path", "value", "unit", "allowed", "description"]].to_string(index=False))
    return 0


def command_figures(args: argparse.Namespace) -> int:
    """Write the scenario comparison figures."""
    from experiments.scenario_report import write_scenario_figures

    written = write_scenario_figures(args.out, args.seed)
    print(f"wrote {len(written)} figures to {args.out}/")
    return 0


def command_replay(args: argparse.Namespace) -> int:
    """Run the replay and print the comparison table."""
    from experiments.replay import replay_table

    table = replay_table(args.seeds, workers=min(args.seeds, 2))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "replay.csv"
    partial = path.with_suffix(".csv.partial")
    table.to_csv(partial, index=False)
    partial.replace(path)
    with pd.option_context("display.float_format", "{:,.3f}".format, "display.width", 160):
        print(table.drop(columns=["figure"]).to_string(index=False))
    print(f"median of seeds 1-{args.seeds}; error = median / observed - 1; wrote {path}")
    return 0


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
    print(f"Sweep of '{spec.scenario}': {points} points x {spec.seeds} seeds = {points * spec.seeds} runs "
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


COMMANDS = {"ui": command_ui, "reproduce": command_reproduce, "report": command_report, "sweep": command_sweep,
            "sensitivity": command_sensitivity, "discover": command_discover, "run": command_run, "replay": command_replay,
            "scenarios": command_scenarios, "validate": command_validate, "params": command_params,
            "figures": command_figures}


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``aicm``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ParamError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("error: interrupted; outputs already written are left as they were", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:
        print(f"error: {exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''} (earlier outputs left as they were)",
              file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
