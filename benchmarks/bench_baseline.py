"""Benchmark: wall time and peak memory of the baseline (run: ``make bench``).

Targets (on the project's 2-core machine): one 120-month baseline run within 10 s, peak resident
memory within 1 GiB. Exits 1 when a target is missed.
"""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from market.metrics import model_table
from market.model import ComputeMarket
from market.scenario import load_scenario
from visualization.figures import plot_summary

TARGET_SECONDS_PER_RUN = 10.0
TARGET_PEAK_MIB = 1024.0
SEEDS = (1, 2, 3)


def time_outputs(model: ComputeMarket) -> dict[str, float]:
    """Seconds to write the run's network as GraphML and as the Parquet edge table, and its summary figure (which
    ``aicm run --no-figure`` skips)."""
    model.capital.sync_network()
    table = model_table(model)
    seconds = {}
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        model.network.write_graphml(Path(folder) / "network.graphml")
        seconds["GraphML"] = time.perf_counter() - start
        start = time.perf_counter()
        model.network.edge_table().to_parquet(Path(folder) / "edges.parquet", index=False)
        seconds["edge table (Parquet)"] = time.perf_counter() - start
        start = time.perf_counter()
        plot_summary(table, Path(folder) / "summary.png", "baseline")
        seconds["summary figure"] = time.perf_counter() - start
    return seconds


def main() -> int:
    """Time the baseline over a few seeds and report against the targets."""
    scenario = load_scenario("baseline")
    times = []
    for seed in SEEDS:
        start = time.perf_counter()
        model = ComputeMarket(scenario, rng=seed)
        while model.running:
            model.step()
        times.append(time.perf_counter() - start)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    write_seconds = time_outputs(model)
    median = statistics.median(times)
    steps = scenario.params.run.steps
    print(f"baseline, {steps} months, {len(model.agents)} agents: median {median:.2f} s per run "
          f"({steps / median:.0f} months/s), runs {', '.join(f'{t:.2f}' for t in times)} s; peak memory {peak_mib:.0f} MiB")
    print("writing the last run's network and figure: " + ", ".join(f"{name} {t:.2f} s" for name, t in write_seconds.items()))
    ok = median <= TARGET_SECONDS_PER_RUN and peak_mib <= TARGET_PEAK_MIB
    print(f"targets: <= {TARGET_SECONDS_PER_RUN:g} s per run, <= {TARGET_PEAK_MIB:g} MiB: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
