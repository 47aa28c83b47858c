"""Benchmark: the model's speed and memory (run: ``make bench``; writes ``benchmarks/results.json`` and
``benchmarks/README.md``).

Each measurement runs in a fresh Python process (``python -m benchmarks.bench_baseline --measure ...``) so its peak
resident memory is its own:

- (a) the baseline, 120 months, seeds 1-3: simulation CPU and wall seconds (median), and the whole ``aicm run``
  process (imports, set-up, simulation, tables, network and manifest; with and without the summary figure);
- (b) the smallest ``run.scale`` K whose market holds at least 10,000 agents, ``SCALE_MONTHS`` months: microseconds of
  CPU per agent-step;
- (c) Mesa's own Boltzmann wealth model with as many agents, in the same process, for the same months, and the ratio
  (b) / (c);
- (d) 1x, 2x, 4x and 8x that market (runs the population cap refuses are reported as refused, not run);
- (e) peak resident memory of each;
- (f) the share of the baseline's simulation spent collecting the model and agent tables;
- (g) the ledger's rows in the last month of each run at scale, and the share of them that are dividends (listed
  through the share register: a firm's payouts and a holder's receipts, so they grow as firms plus holders); and the same,
  with the cost per agent-step, for ``run.scale`` = ``GROWTH_SCALES`` over ``GROWTH_MONTHS`` months, to read how the
  cost grows with the population;

and the seconds to write a run's GraphML, edge table and summary figure.

Gates (exit 1 when missed): a baseline run within ``TARGET_SECONDS_PER_RUN`` and ``TARGET_PEAK_MIB``. The performance
issue's targets (``ISSUE_TARGETS``) are reported, met or missed, without failing the benchmark until that issue lands.
Profile a run with ``python -m cProfile -s cumulative -m experiments.cli run --no-figure --out /tmp/profile``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from market.gc_policy import GEN0_THRESHOLD_WHILE_RUNNING

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
README = HERE / "README.md"
TARGET_SECONDS_PER_RUN = 10.0
TARGET_PEAK_MIB = 1024.0
SEEDS = (1, 2, 3)
MIN_AGENTS = 10_000
SCALE_MONTHS = 12
SCALE_MULTIPLES = (1, 2, 4, 8)
GROWTH_SCALES = (1, 2, 4, 8, 16)
GROWTH_MONTHS = 3
BOLTZMANN_REPEATS = 3  # the Boltzmann model's fastest of three (one run moved it by 25% between benchmarks)
ISSUE_TARGETS = {
    "baseline simulation (CPU s)": ("baseline_simulation_cpu_s", "<", 1.0),
    "whole aicm run (wall s)": ("aicm_run_wall_s", "<", 3.0),
    "(b)/(c) ratio to Mesa's Boltzmann model": ("ratio_to_boltzmann", "<=", 1.0),
    "8x agents, time over 1x": ("time_8x_over_1x", "<=", 9.0),
    "peak memory at 8x (MiB)": ("peak_mib_8x", "<", 2048.0),
    "data collection's share of the simulation": ("collection_share", "<", 0.10),
}


def peak_mib() -> float:
    """This process's own peak resident memory in MiB (``VmHWM``: ``ru_maxrss`` of a child started by ``subprocess``
    starts from its parent's peak)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def measure_baseline(seed: int) -> dict:
    """One 120-month baseline run: simulation CPU and wall seconds, seconds spent collecting tables, peak memory."""
    from market.model import ComputeMarket
    from market.parameters.scenario import load_scenario

    model = ComputeMarket(load_scenario("baseline"), rng=seed)
    collecting = [0.0]
    for name in ("datacollector", "agent_recorder"):
        collector = getattr(model, name)
        collect = collector.collect

        def timed(target, collect=collect) -> None:
            start = time.process_time()
            collect(target)
            collecting[0] += time.process_time() - start
        collector.collect = timed
    cpu, wall = time.process_time(), time.perf_counter()
    model.run_model()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak = peak_mib()
    return {"seed": seed, "agents": len(model.agents), "months": model.steps, "cpu_s": cpu, "wall_s": wall,
            "collection_cpu_s": collecting[0], "peak_mib": peak, "write_wall_s": time_outputs(model)}


def time_outputs(model) -> dict[str, float]:
    """Wall seconds to write the run's network as GraphML and as the Parquet edge table, and its summary figure (which
    ``aicm run --no-figure`` skips)."""
    from market.outputs.metrics import model_table
    from market.outputs.network_files import write_edge_table, write_graphml
    from visualization.figures import plot_summary

    relations = model.capital.relations()
    table = model_table(model)
    seconds = {}
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        write_graphml(model.network, Path(folder) / "network.graphml", relations)
        seconds["GraphML"] = time.perf_counter() - start
        start = time.perf_counter()
        write_edge_table(model.network, Path(folder) / "edges.parquet", "parquet", relations)
        seconds["edge table (Parquet)"] = time.perf_counter() - start
        start = time.perf_counter()
        plot_summary(table, Path(folder) / "summary.png", "baseline")
        seconds["summary figure"] = time.perf_counter() - start
    return seconds


def smallest_scale(min_agents: int) -> int:
    """The smallest whole K whose baseline market holds at least ``min_agents`` agents (named firms, governments,
    investors and followers times K)."""
    from market.model import ComputeMarket
    from market.parameters.scenario import load_scenario

    base = ComputeMarket(load_scenario("baseline"), rng=1)
    params = base.params

    def generated(scale: float) -> int:
        return max(1, round(params.investors.count * scale)) + round(params.followers.count * scale)

    named = len(base.agents) - generated(params.run.scale)
    scale = 1
    while named + generated(scale) < min_agents:
        scale += 1
    return scale


def boltzmann_cpu_s(n_agents: int, months: int) -> float:
    """CPU seconds of Mesa's Boltzmann wealth model (its own example, data collection included) with ``n_agents`` on a
    square grid of about one agent per cell, over ``months`` steps, with the cycle collector relaxed as for the market
    (:mod:`market.gc_policy`)."""
    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

    from market.gc_policy import fewer_cycle_collections

    side = math.ceil(math.sqrt(n_agents))
    model = BoltzmannWealth(BoltzmannScenario(n=n_agents, width=side, height=side, rng=1))
    start = time.process_time()
    with fewer_cycle_collections():
        for _ in range(months):
            model.step()
    return time.process_time() - start


def measure_scale(scale: float, months: int, with_boltzmann: bool) -> dict:
    """The baseline market at ``run.scale`` = ``scale`` over ``months``: agents, CPU seconds, microseconds per
    agent-step, peak memory; with Mesa's Boltzmann model of as many agents run after it in the same process."""
    from market.finance.ledger import KIND_CODE, PaymentKind
    from market.model import ComputeMarket
    from market.parameters.scenario import load_scenario
    from market.parameters.schema import ParamError

    try:
        model = ComputeMarket(load_scenario("baseline", [("run.scale", scale), ("run.steps", months)]), rng=1)
    except ParamError as refusal:
        return {"scale": scale, "refused": str(refusal)}
    start = time.process_time()
    model.run_model()
    cpu = time.process_time() - start
    agents = len(model.agents)
    last_month = model.ledger.history[-1]
    result = {"scale": scale, "agents": agents, "months": months, "cpu_s": cpu,
              "us_per_agent_step": cpu / (agents * months) * 1e6, "peak_mib": peak_mib(),
              "ledger_rows_last_month": int(last_month.amount.size),
              "dividend_share_of_rows": float((last_month.kind == KIND_CODE[PaymentKind.DIVIDEND]).mean())}
    if with_boltzmann:
        boltzmann = min(boltzmann_cpu_s(agents, months) for _ in range(BOLTZMANN_REPEATS))
        result.update(boltzmann_cpu_s=boltzmann, boltzmann_us_per_agent_step=boltzmann / (agents * months) * 1e6)
    return result


def in_fresh_process(*args: str) -> dict:
    """Run one measurement in a new Python process and return what it reports."""
    done = subprocess.run([sys.executable, "-m", "benchmarks.bench_baseline", "--measure", *args], capture_output=True,
                          text=True, cwd=HERE.parent)
    if done.returncode != 0:
        if args[0] == "baseline":
            sys.stderr.write(done.stderr)
            raise SystemExit(f"the baseline measurement failed (exit {done.returncode})")
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return {"scale": float(args[1]), "refused": f"crashed (exit {done.returncode}): {last}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def time_aicm_run(figure: bool) -> float:
    """Wall seconds of the whole ``aicm run`` process for the baseline (imports, simulation and every output)."""
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "experiments.cli", "run", "--out", str(Path(folder) / "baseline")]
        start = time.perf_counter()
        subprocess.run(command + ([] if figure else ["--no-figure"]), capture_output=True, check=True, cwd=HERE.parent)
        return time.perf_counter() - start


def machine() -> dict:
    """What the numbers were measured on."""
    import mesa
    import numpy

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=HERE.parent).stdout.strip()
    changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True,
                             cwd=HERE.parent).stdout.strip()
    commit += " with uncommitted changes" if changed else ""
    return {"date": date.today().isoformat(), "commit": commit, "cpu": cpu, "cores": len(os.sched_getaffinity(0)),
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "python": platform.python_version(), "numpy": numpy.__version__, "mesa": mesa.__version__}


def measure_all() -> dict:
    """Every measurement, (a) to (f), with the targets met or missed."""
    baseline = [in_fresh_process("baseline", str(seed)) for seed in SEEDS]
    runs = {"with figure": [time_aicm_run(True) for _ in SEEDS], "no figure": [time_aicm_run(False) for _ in SEEDS]}
    scale = smallest_scale(MIN_AGENTS)
    market = [in_fresh_process("scale", str(scale * k), str(SCALE_MONTHS), "boltzmann" if k == 1 else "")
              for k in SCALE_MULTIPLES]
    base = scale
    if "refused" in market[0] and scale != 1:
        base = 1
        market = [market[0]] + [in_fresh_process("scale", str(k), str(SCALE_MONTHS), "boltzmann" if k == 1 else "")
                                for k in SCALE_MULTIPLES]
    growth = [in_fresh_process("scale", str(k), str(GROWTH_MONTHS)) for k in GROWTH_SCALES]
    first = market[0] if base == scale else market[1]
    ran = {k: m for k, m in zip(SCALE_MULTIPLES, market[-len(SCALE_MULTIPLES):], strict=True) if "refused" not in m}
    summary = {
        "baseline_simulation_cpu_s": statistics.median(b["cpu_s"] for b in baseline),
        "baseline_simulation_wall_s": statistics.median(b["wall_s"] for b in baseline),
        "aicm_run_wall_s": statistics.median(runs["with figure"]),
        "aicm_run_no_figure_wall_s": statistics.median(runs["no figure"]),
        "baseline_peak_mib": max(b["peak_mib"] for b in baseline),
        "collection_share": statistics.median(b["collection_cpu_s"] / b["cpu_s"] for b in baseline),
        "scale_for_10000_agents": scale,
        "scale_measured": base,
        "agents": first.get("agents"),
        "us_per_agent_step": first.get("us_per_agent_step"),
        "boltzmann_us_per_agent_step": first.get("boltzmann_us_per_agent_step"),
        "ratio_to_boltzmann": (first["us_per_agent_step"] / first["boltzmann_us_per_agent_step"]
                               if base == scale and "cpu_s" in first else None),
        "time_8x_over_1x": ran[8]["cpu_s"] / first["cpu_s"] if base == scale and 8 in ran and 1 in ran else None,
        "peak_mib_8x": ran[8]["peak_mib"] if base == scale and 8 in ran else None,
    }
    targets = {}
    for label, (key, relation, bound) in ISSUE_TARGETS.items():
        value = summary[key]
        met = None if value is None else (value < bound if relation == "<" else value <= bound)
        targets[label] = {"measure": key, "target": f"{relation} {bound:g}", "value": value, "met": met}
    return {"machine": machine(), "summary": summary, "targets": targets, "baseline_runs": baseline,
            "aicm_run_wall_s": runs, "scale_runs": market, "growth_runs": growth}


def render_readme(results: dict) -> str:
    """benchmarks/README.md from the results."""
    m, s = results["machine"], results["summary"]

    def show(value) -> str:
        if value is None:
            return "not run"
        if isinstance(value, float):
            return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
        return str(value)

    lines = ["# Benchmarks", "",
             "Generated by `make bench` (`python -m benchmarks.bench_baseline`) from `results.json`; do not edit.",
             "", f"Measured {m['date']} at commit {m['commit']} on {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; "
             f"Python {m['python']}, numpy {m['numpy']}, Mesa {m['mesa']}. CPU seconds unless wall is said.", "",
             "Seconds depend on the machine: Mesa's Boltzmann model, run in the same process (c), is the yardstick, "
             "so compare ratio (b)/(c) across measurements, and seconds only within one.", "",
             "Profile a run: `python -m cProfile -s cumulative -m experiments.cli run --no-figure --out /tmp/profile`.", "",
             "Every run steps as users' runs do, with Python's cycle collector relaxed (`market/gc_policy.py`: a collection "
             f"every {GEN0_THRESHOLD_WHILE_RUNNING:,} allocations instead of 700), Mesa's Boltzmann model too.", "",
             "## The performance issue's targets", "", "| measure | target | measured | met |", "|---|---|---|---|"]
    for label, target in results["targets"].items():
        met = {True: "yes", False: "no", None: "not measured"}[target["met"]]
        lines.append(f"| {label} | {target['target']} | {show(target['value'])} | {met} |")
    lines += ["", "## (a) The baseline, 120 months", "",
              f"- Simulation (seeds 1-3): median {show(s['baseline_simulation_cpu_s'])} s CPU, "
              f"{show(s['baseline_simulation_wall_s'])} s wall.",
              f"- Whole `aicm run` process (seed 1, three runs): median {show(s['aicm_run_wall_s'])} s wall with the "
              "summary figure, "
              f"{show(s['aicm_run_no_figure_wall_s'])} s with `--no-figure`.",
              f"- (e) Peak resident memory: {show(s['baseline_peak_mib'])} MiB (imports included).",
              f"- (f) Data collection (model and agent tables): {s['collection_share']:.1%} of the simulation.",
              "- Writing seed 1's outputs (wall s): " + ", ".join(f"{name} {show(t)}" for name, t in
                                                              results["baseline_runs"][0]["write_wall_s"].items()) + ".", "",
              f"## (b)-(e) A market of at least {MIN_AGENTS:,} agents ({SCALE_MONTHS} months)", "",
              f"`run.scale` = {s['scale_for_10000_agents']} is the smallest whole K with {MIN_AGENTS:,} agents or more."]
    runs = results["scale_runs"]
    if s["scale_measured"] != s["scale_for_10000_agents"]:
        why = (" Followers' per-agent sizes are not yet divided by K (the performance issue, item 1), so their starting "
               "compute outgrows the regions' power." if "initial_available_gw" in runs[0]["refused"] else "")
        lines += ["", f"It does not run: {runs[0]['refused']}.{why} Measured instead: 1x, 2x, 4x and 8x the baseline "
                  "market (where they run), with Mesa's Boltzmann model beside the 1x run; the issue's (b)/(c) ratio and "
                  "8x targets, which are about the 10,000-agent market, are not measured."]
        runs = runs[1:]
    lines += ["", "| multiple | run.scale | agents | CPU s | us per agent-step | peak MiB | Boltzmann us per agent-step | "
              "(g) ledger rows, last month | dividends' share of them |",
              "|---|---|---|---|---|---|---|---|---|"]
    for multiple, run in zip(SCALE_MULTIPLES, runs, strict=True):
        if "refused" in run:
            lines.append(f"| {multiple}x | {show(run['scale'])} | refused: {run['refused']} | | | | | | |")
            continue
        lines.append(f"| {multiple}x | {show(run['scale'])} | {run['agents']:,} | {show(run['cpu_s'])} | "
                     f"{show(run['us_per_agent_step'])} | {show(run['peak_mib'])} | "
                     f"{show(run.get('boltzmann_us_per_agent_step'))} | {run['ledger_rows_last_month']:,} | "
                     f"{run['dividend_share_of_rows']:.0%} |")
    lines += ["", "(c) Mesa's Boltzmann wealth model (`mesa.examples`, data collection included) with as many agents, in the "
              f"same process, for the same months, the fastest of {BOLTZMANN_REPEATS} runs" + (f": the model costs {show(s['ratio_to_boltzmann'])} times as much per "
                                                     "agent-step." if s["ratio_to_boltzmann"] else "."), ""]
    growth = [run for run in results.get("growth_runs", []) if "refused" not in run]
    if len(growth) >= 2:
        first, before, last = growth[0], growth[-2], growth[-1]

        def growth_exponent(key: str, low: dict, high: dict) -> float:
            return math.log(high[key] / low[key]) / math.log(high["agents"] / low["agents"])

        lines += [f"## (g) How the cost grows with the population ({GROWTH_MONTHS} months)", "",
                  "| run.scale | agents | CPU s | us per agent-step | ledger rows, last month | dividends' share of them |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {show(run['scale'])} | {run['agents']:,} | {show(run['cpu_s'])} | {show(run['us_per_agent_step'])} | "
                  f"{run['ledger_rows_last_month']:,} | {run['dividend_share_of_rows']:.0%} |" for run in growth]
        cpu, cpu_last = growth_exponent("cpu_s", first, last), growth_exponent("cpu_s", before, last)
        rows, rows_last = (growth_exponent("ledger_rows_last_month", first, last),
                           growth_exponent("ledger_rows_last_month", before, last))
        lines += ["", f"From {first['agents']:,} to {last['agents']:,} agents the run's CPU time grows as agents^{cpu:.2f} "
                  f"(agents^{cpu_last:.2f} over the last doubling) and the ledger's rows in a month as agents^{rows:.2f} "
                  f"(agents^{rows_last:.2f}). Every holder of every firm is paid a dividend each month; the ledger lists "
                  "them through the share register (a firm's payouts, a holder's receipts), so its rows do not grow as "
                  "holders x firms. A named firm's round draws on every eligible investor, a follower's (at run.scale 2 or "
                  "more) on its own segment of investors only (agents/investor.py), so stakes and dividends grow as the "
                  "agents do. A firm's dividends and debt service are read through the index of its holders and lenders "
                  "(market/finance/column_rows.py), not from its column of every account, and a firm no lender ever "
                  "wrote (every follower) owes nothing without a read; only the few borrowers' debt is still added over "
                  "a column of every account." + _scale_sentence(runs), ""]
    return "\n".join(lines)


def _scale_sentence(runs: list[dict]) -> str:
    """What the cost per agent-step does from the first to the last scale run that ran, or nothing."""
    ran = [run for run in runs if "refused" not in run]
    if len(ran) < 2:
        return ""
    first, last = ran[0], ran[-1]
    return (f" From {first['agents']:,} to {last['agents']:,} agents ({SCALE_MONTHS} months) the cost per agent-step goes "
            f"from {first['us_per_agent_step']:.1f} to {last['us_per_agent_step']:.1f} us.")


def main(argv: list[str] | None = None) -> int:
    """Measure, write results.json and README.md, and report against the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measure", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        kind, *rest = args.measure
        result = measure_baseline(int(rest[0])) if kind == "baseline" else measure_scale(
            float(rest[0]), int(rest[1]), len(rest) > 2 and rest[2] == "boltzmann")
        print(json.dumps(result))
        return 0
    results = measure_all()
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    README.write_text(render_readme(results))
    s = results["summary"]
    print(render_readme(results).split("## (a)")[0].split("## The performance")[1].strip())
    ok = s["baseline_simulation_wall_s"] <= TARGET_SECONDS_PER_RUN and s["baseline_peak_mib"] <= TARGET_PEAK_MIB
    print(f"gates: <= {TARGET_SECONDS_PER_RUN:g} s per run, <= {TARGET_PEAK_MIB:g} MiB: {'met' if ok else 'MISSED'}; "
          f"wrote {RESULTS.relative_to(HERE.parent)} and {README.relative_to(HERE.parent)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
