"""The ``aicm`` command line: run scenarios, list them, validate files and list parameters (the sweep, analysis,
report and app commands are in :mod:`experiments.cli_experiments`).

Errors in what the user gave are one line on stderr and exit code 2, with no traceback; Ctrl-C is one line and exit
code 130; a failure to write outputs is one line and exit code 1, leaving the earlier outputs as they were; output
piped into a reader that stops reading (``aicm params | head -1``) ends quietly with exit code 0.
"""

from __future__ import annotations

import argparse
import os
import select
import sys
import time
from pathlib import Path

import pandas as pd

from experiments import cli_experiments
from experiments.cli_common import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, OneLineParser, positive_int, ensure_writable_folder
from market.parameters.scenario import Scenario, describe_params, list_scenarios, load_scenario, parse_set_option
from market.parameters.schema import ParamError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with its subcommands."""
    parser = OneLineParser(
        prog="aicm",
        description="AI Compute Market: an agent-based, stock-flow-consistent model of the market for AI compute.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run a scenario and write its tables, network, manifest and figure",
                         description="Run a scenario with one seed. Writes model, agents, events and edges tables, "
                                     "network.graphml, manifest.json and summary.png (unless --no-figure) into --out, "
                                     "and prints a summary.")
    run.add_argument("--scenario", default="baseline", help="shipped scenario name or path to a .toml file (default: baseline)")
    run.add_argument("--seed", type=positive_int("--seed"), default=1, help="the run's one random seed (default: 1)")
    run.add_argument("--steps", type=positive_int("--steps"), help="months to simulate (default: the scenario's run.steps)")
    run.add_argument("--scale", type=float, metavar="K",
                     help="multiply the investor and follower populations by K (run.scale; default: the scenario's, 1). "
                          "Investors share the same total capital; each follower's starting compute, cash, share of demand "
                          "and smallest order are divided by K, so the market's totals stay those of K = 1")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                     help="override a parameter, e.g. --set demand.price_elasticity=1.5 (repeatable)")
    run.add_argument("--out", type=Path, help="output folder, new, empty or holding an earlier run, replaced whole "
                                               "when every file is written (default: results/<scenario>)")
    run.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="table format (default: parquet)")
    run.add_argument("--no-figure", dest="figure", action="store_false",
                     help="skip summary.png (the slowest output to draw; the tables hold every number it shows)")

    sub.add_parser("scenarios", help="list shipped scenarios with a one-line description",
                   description="List the scenarios shipped in experiments/scenarios.")

    validate = sub.add_parser("validate", help="check a scenario file",
                              description="Check a scenario file as run would before its first month (the file, every "
                                          "parameter, the events applied in date order, the model's set-up); exit 2 on "
                                          "the first error.")
    validate.add_argument("path", help="path to a scenario .toml file, or a shipped scenario name")
    validate.add_argument("--seed", type=positive_int("--seed"), default=1,
                          help="the seed the set-up is drawn with (default: 1)")

    figures = sub.add_parser("figures", help="draw every scenario's headline columns against the baseline (docs/scenarios.md)",
                             description="Run the baseline and every shipped scenario with one seed and write one "
                                         "comparison figure per scenario into --out.")
    figures.add_argument("--seed", type=positive_int("--seed"), default=1, help="the seed every run uses (default: 1)")
    figures.add_argument("--out", type=Path, default=Path("docs/figures"), help="output folder (default: docs/figures)")

    replay = sub.add_parser("replay", help="run replay-2022 over several seeds and print model against observed figures",
                            description="Run the replay-2022 scenario with seeds 1..K and print, for every figure of "
                                        "experiments/data/calibration.csv the model outputs (calibration, hold-out and context "
                                        "rows), the observed value, the model's median and range over the seeds, and the error. "
                                        "Writes replay.csv into --out.")
    replay.add_argument("--seeds", type=positive_int("--seeds"), default=10, help="number of seeds, 1..K (default: 10)")
    replay.add_argument("--out", type=Path, default=Path("results/replay"), help="output folder (default: results/replay)")

    params = sub.add_parser("params", help="list every parameter with its value, unit, range and description",
                            description="List every parameter path with its value in a scenario, unit, allowed range "
                                        "and description.")
    params.add_argument("--scenario", default=None, help="scenario whose values to show (default: the schema's defaults)")
    params.add_argument("--format", choices=("table", "csv"), default="table", help="output format (default: table)")
    cli_experiments.add_parsers(sub)
    return parser


def command_run(args: argparse.Namespace) -> int:
    """Run a scenario, write its outputs and print a start-against-end summary.

    The output folder is checked and its staging folder made before the simulation, so a folder that cannot be
    written fails at once; until the new run's files are all written the folder keeps the earlier run.
    """
    from experiments.output_folder import OutputFolder
    from experiments.runner import simulate, summary_table, write_outputs

    options = list(args.overrides)
    for flag, value, path in (("--steps", args.steps, "run.steps"), ("--scale", args.scale, "run.scale")):
        if value is None:
            continue
        if any(parse_set_option(option)[0] == path for option in args.overrides):
            raise ParamError(f"{flag} = {value} is not allowed with --set {path}=...: give the value once")
        options.append(f"{path}={value}")
    scenario = load_scenario(args.scenario, [parse_set_option(option) for option in options])
    out_dir = args.out or Path("results") / scenario.name
    folder = OutputFolder(out_dir)
    folder.prepare()
    try:
        run_spec = scenario.params.run
        print(f"Running scenario '{scenario.name}' ({run_spec.steps} months from {run_spec.start_date}, seed {args.seed})")
        _note_events_not_reached(scenario)
        result = simulate(scenario, args.seed)
        writing_started = time.perf_counter()
        written = write_outputs(result, scenario, args.seed, out_dir, args.format, folder, figure=args.figure,
                                overrides=options)
        writing_s = time.perf_counter() - writing_started
    finally:
        folder.discard()
    with pd.option_context("display.float_format", "{:,.3f}".format, "display.width", 120):
        print(summary_table(result.model_table).to_string())
    print(f"Simulated in {result.wall_time_s:.1f} s; wrote {len(written)} files to {out_dir}/ in {writing_s:.1f} s")
    return 0


def _note_events_not_reached(scenario: Scenario) -> None:
    """Say which of the scenario's events fall after the last simulated month (a run shortened with --steps)."""
    from market.parameters.scenario import run_window

    last = run_window(scenario.params.run.start_date, scenario.params.run.steps)[1]
    later = [event for event in scenario.events if event.date > last]
    if later:
        dates = sorted({event.date for event in later})
        counted = "1 of the scenario's events falls" if len(later) == 1 else f"{len(later)} of the scenario's events fall"
        print(f"note: {counted} after its last month, {last} ({', '.join(dates)}), and {'is' if len(later) == 1 else 'are'} "
              "not reached")


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
    from market.parameters.params import Params

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

    ensure_writable_folder(args.out)
    written = write_scenario_figures(args.out, args.seed)
    print(f"wrote {len(written)} figures to {args.out}/")
    return 0


def command_replay(args: argparse.Namespace) -> int:
    """Run the replay and print the comparison table."""
    from experiments.replay import replay_table

    ensure_writable_folder(args.out)
    table = replay_table(args.seeds, workers=min(args.seeds, 2))
    path = args.out / "replay.csv"
    partial = path.with_suffix(".csv.partial")
    table.to_csv(partial, index=False)
    partial.replace(path)
    with pd.option_context("display.float_format", "{:,.3f}".format, "display.width", 160):
        print(table.drop(columns=["figure"]).to_string(index=False))
    print(f"median of seeds 1-{args.seeds}; error = median / observed - 1; wrote {path}")
    return 0


COMMANDS = {"run": command_run, "replay": command_replay, "scenarios": command_scenarios, "validate": command_validate,
            "params": command_params, "figures": command_figures, **cli_experiments.COMMANDS}


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``aicm``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = COMMANDS[args.command](args)
        sys.stdout.flush()
        return code
    except ParamError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("error: interrupted; outputs already written are left as they were", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError as exc:
        if not _is_stdout_closed():
            return _report_os_error(exc)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        return _report_os_error(exc)


def _is_stdout_closed() -> bool:
    """Whether standard output's reader has gone (``aicm params | head -1``; a pipe without a reader polls as an error),
    so a broken pipe is that one, not another process's: then the command ends quietly, exit 0."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        events = poller.poll(0)
    except (AttributeError, OSError, ValueError):
        return False
    return any(mask & (select.POLLERR | select.POLLHUP) for _, mask in events)


def _report_os_error(exc: OSError) -> int:
    """Print a failure to read or write files as one line; return exit code 1."""
    print(f"error: {exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''} (earlier outputs left as they were)",
          file=sys.stderr)
    return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
