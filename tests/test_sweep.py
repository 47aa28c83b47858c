"""Sweeps: designs and seeds, storage that loses nothing, the same numbers on every executor, one-line bad specs.

The Dask tests start a real ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1; with CI=true a missing
Dask fails them (conftest turns a skip into a failure), and nothing here skips.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest

from experiments.cli import main
from experiments.outcomes import OUTCOME_COLUMNS, max_drawdown
from experiments.sweep import Executor, ExecutorChoice, run_sweep, start_local_cluster
from experiments.sweep_spec import Design, SweepSpec, SweptParam, count_points, design_points, plan_runs, replicate_seed

BIN = Path(sys.executable).parent
SMALL = ["--param", "demand.price_elasticity=1.0:1.4:2", "--param", "lab_behaviour.planning_horizon_months=12:36:2",
         "--seeds", "2", "--steps", "6"]
STOP_STEPS = 60  # runs long enough (~1.5 s each) that the second written is seen well before the eighth


def _spec(**changes) -> SweepSpec:
    base = dict(scenario="baseline", params=(SweptParam("demand.price_elasticity", 1.0, 1.4, 2),
                                             SweptParam("lab_behaviour.planning_horizon_months", 12, 36, 2, integer=True)),
                seeds=2, steps=6)
    return SweepSpec(**{**base, **changes})


def _aicm(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "aicm"), *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})


@pytest.fixture(scope="module")
def serial_outcomes(tmp_path_factory) -> pd.DataFrame:
    """The small sweep run serially in this process: the reference every executor must reproduce."""
    return run_sweep(_spec(), tmp_path_factory.mktemp("serial") / "sweep", ExecutorChoice(Executor.SERIAL)).outcomes


def test_designs_cover_the_box_with_the_documented_number_of_points() -> None:
    """grid: the product of levels, corners included; lhs: one point per stratum of each parameter; sobol: N (2D + 2);
    morris: N (D + 1); every value inside its range and integer parameters whole."""
    grid = design_points(_spec())
    assert len(grid) == 4 and {(p["demand.price_elasticity"], p["lab_behaviour.planning_horizon_months"]) for p in grid} == {
        (1.0, 12), (1.0, 36), (1.4, 12), (1.4, 36)}
    lhs = np.array([list(p.values()) for p in design_points(_spec(design=Design.LHS, samples=10))])
    strata = np.floor((lhs[:, 0] - 1.0) / 0.4 * 10).astype(int)
    assert sorted(strata) == list(range(10))
    for design, expected in ((Design.SOBOL, 4 * 6), (Design.MORRIS, 4 * 3)):
        spec = _spec(design=design, samples=4)
        points = design_points(spec)
        assert len(points) == count_points(spec) == expected
        assert all(1.0 <= p["demand.price_elasticity"] <= 1.4 and 12 <= p["lab_behaviour.planning_horizon_months"] <= 36
                   and isinstance(p["lab_behaviour.planning_horizon_months"], int) for p in points)


def test_a_run_s_seed_depends_on_the_base_seed_point_and_replicate_only() -> None:
    """Adding replicates or points leaves the earlier runs' seeds as they were; another base seed changes them all."""
    two = {t.run_id: t.seed for t in plan_runs(_spec(seeds=2))}
    five = {t.run_id: t.seed for t in plan_runs(_spec(seeds=5))}
    assert all(five[run] == seed for run, seed in two.items())
    assert len(set(five.values())) == len(five)
    other = {t.run_id: t.seed for t in plan_runs(_spec(seeds=2, base_seed=2))}
    assert all(other[run] != seed for run, seed in two.items())
    assert two["p0000001-r000000"] == replicate_seed(1, 1, 0)


def test_max_drawdown_is_the_largest_fall_from_a_running_peak() -> None:
    """100 -> 150 -> 60 -> 200 -> 180: the largest fall is 150 -> 60, 60%."""
    assert max_drawdown(pd.Series([100.0, 150.0, 60.0, 200.0, 180.0])) == pytest.approx(0.6)


def test_the_outcome_table_has_one_row_per_run_sorted_and_no_timings(serial_outcomes) -> None:
    assert list(serial_outcomes["run_id"]) == sorted(t.run_id for t in plan_runs(_spec()))
    assert {"run_id", "seed", "demand.price_elasticity", "lab_behaviour.planning_horizon_months", *OUTCOME_COLUMNS} <= set(
        serial_outcomes.columns)
    assert not [c for c in serial_outcomes.columns if "time" in c or "wall" in c]
    assert (serial_outcomes["final_compute_gw"] > 0).all()
    binds = serial_outcomes[[c for c in serial_outcomes.columns if c.startswith("binds_") and c.endswith("_US")]]
    assert np.allclose(binds.sum(axis=1), 1.0)


def test_a_process_pool_gives_the_serial_outcome_table(serial_outcomes, tmp_path) -> None:
    pooled = run_sweep(_spec(), tmp_path / "sweep", ExecutorChoice(Executor.PROCESSES, workers=2)).outcomes
    pd.testing.assert_frame_equal(pooled, serial_outcomes)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening(pid: int) -> list[str]:
    process = psutil.Process(pid)
    return [conn.laddr.ip for p in (process, *process.children(recursive=True))
            for conn in p.net_connections(kind="inet") if conn.status == psutil.CONN_LISTEN]


def test_a_sweep_on_a_real_dask_cluster_gives_the_serial_outcome_table(serial_outcomes, tmp_path) -> None:
    """``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1, and ``aicm sweep --scheduler`` on them."""
    from distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--dashboard-address", "127.0.0.1:0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = []
    try:
        with Client(address, timeout=60) as client:
            workers = [subprocess.Popen([str(BIN / "dask"), "worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                                         "--dashboard-address", "127.0.0.1:0"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
            client.wait_for_workers(2, timeout=120)
        result = _aicm("sweep", *SMALL, "--scheduler", address, "--out", str(tmp_path / "sweep"))
        assert result.returncode == 0, result.stderr
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "sweep" / "outcomes.parquet"), serial_outcomes)
        assert set(_listening(scheduler.pid)) == {"127.0.0.1"}
        assert all(set(_listening(w.pid)) <= {"127.0.0.1"} for w in workers)
    finally:
        for process in (*workers, scheduler):
            process.terminate()
        for process in (*workers, scheduler):
            process.wait(timeout=60)


def test_a_local_dask_cluster_binds_loopback_only_and_gives_the_serial_table(serial_outcomes, tmp_path) -> None:
    cluster = start_local_cluster(2)
    try:
        assert set(_listening(os.getpid())) == {"127.0.0.1"}
    finally:
        cluster.close()
    local = run_sweep(_spec(), tmp_path / "sweep", ExecutorChoice(Executor.DASK, workers=2)).outcomes
    pd.testing.assert_frame_equal(local, serial_outcomes)


@pytest.fixture(scope="module")
def longer_outcomes(tmp_path_factory) -> pd.DataFrame:
    """The small sweep with STOP_STEPS months a run, run serially in this process."""
    return run_sweep(_spec(steps=STOP_STEPS), tmp_path_factory.mktemp("longer") / "sweep",
                     ExecutorChoice(Executor.SERIAL)).outcomes


@pytest.mark.parametrize("stop_signal", [signal.SIGKILL, signal.SIGINT])
def test_a_sweep_stopped_by_a_signal_then_resumed_has_every_run_exactly_once(stop_signal, longer_outcomes, tmp_path) -> None:
    """Stopped after its second run is written (SIGKILL: at once, files half-written; SIGINT: exit 130 and a line
    saying how to resume), then ``--resume``d: the outcome table equals the uninterrupted one. Runs of STOP_STEPS
    months, and the sweep frozen (SIGSTOP) the moment the second is seen, so no run finishes between seeing it and
    the stop: with shorter runs a busy machine let the sweep finish all eight before the stop landed (6 months, and
    once on the clean-clone CI with 36)."""
    out = tmp_path / "sweep"
    args = [*SMALL[:-1], str(STOP_STEPS)]
    child = subprocess.Popen([str(BIN / "aicm"), "sweep", *args, "--workers", "1", "--out", str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 180
    while len(list((out / "runs").glob("*.json"))) < 2 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    child.send_signal(signal.SIGSTOP)
    child.send_signal(stop_signal)
    child.send_signal(signal.SIGCONT)
    _, stderr = child.communicate(timeout=120)
    done_before = len(list((out / "runs").glob("*.json")))
    assert 2 <= done_before < 8
    if stop_signal == signal.SIGINT:
        assert child.returncode == 130 and "--resume" in stderr and len(stderr.strip().splitlines()) == 1, stderr
    resumed = _aicm("sweep", *args, "--workers", "1", "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert f"{8 - done_before} runs written, 0 failed, {done_before} already" in resumed.stdout
    pd.testing.assert_frame_equal(pd.read_parquet(out / "outcomes.parquet"), longer_outcomes)
    assert not list(out.rglob("*.partial"))


def test_a_run_that_raises_is_recorded_and_the_others_finish_and_a_finished_sweep_resumes_to_nothing(tmp_path) -> None:
    """Terminal growth 0.03 with no equity risk premium is above the lowest discount rate (2022's risk-free rate):
    that one point raises at set-up; the other three finish. Resuming runs nothing and rewrites no run."""
    spec = SweepSpec("baseline", (SweptParam("valuation.terminal_growth", 0.0, 0.03, 2),
                                  SweptParam("valuation.equity_risk_premium", 0.0, 0.045, 2)), steps=3)
    out = tmp_path / "sweep"
    report = run_sweep(spec, out, ExecutorChoice(Executor.SERIAL))
    assert (report.written, report.failed) == (3, 1)
    failures = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
    assert len(failures) == 1 and failures[0]["params"] == {"valuation.terminal_growth": 0.03, "valuation.equity_risk_premium": 0.0}
    assert "valuation.terminal_growth" in failures[0]["error"] and failures[0]["seed"] == replicate_seed(1, 2, 0)
    stamps = {path.name: path.stat().st_mtime_ns for path in (out / "runs").iterdir()}
    again = run_sweep(spec, out, ExecutorChoice(Executor.SERIAL), resume=True)
    assert (again.written, again.failed, again.skipped) == (0, 0, 4)
    assert stamps == {path.name: path.stat().st_mtime_ns for path in (out / "runs").iterdir()}
    assert len((out / "failures.jsonl").read_text().splitlines()) == 1
    (out / "failures.jsonl").write_text('{"run_id": "p0000002-r000000", "seed": 15')
    cut = run_sweep(spec, out, ExecutorChoice(Executor.SERIAL), resume=True)
    assert (cut.written, cut.failed, cut.skipped) == (0, 1, 3)
    assert [json.loads(line)["run_id"] for line in (out / "failures.jsonl").read_text().splitlines()[1:]] == ["p0000002-r000000"]


@pytest.mark.parametrize(("args", "needle"), [
    (["--param", "demand.price_elastcity=1:2"], "did you mean 'demand.price_elasticity'"),
    (["--param", "demand.price_elasticity=2:1"], "LOW = 2 is above HIGH = 1"),
    (["--param", "demand.price_elasticity=1:2:0"], "N = '0', expected a whole number >= 1"),
    (["--param", "demand.price_elasticity=1:2:\u00b2"], "expected a whole number >= 1"),
    (["--param", "demand.price_elasticity=1:2", "--set", "demand.price_elasticity=1.5"], "is swept by --param"),
    (["--param", "demand.price_elasticity=1:9"], "demand.price_elasticity = 9.0 is not allowed"),
    (["--param", "demand.price_elasticity=a:2"], "LOW 'a' is not a number"),
    (["--param", "labs.frontier_lab_a.region=1:2"], "only numbers can be swept"),
    (["--param", "demand.price_elasticity=1:2", "--design", "morris"], "needs at least two --param"),
    (["--param", "demand.price_elasticity=1:2", "--scheduler", "localhost"], "expected tcp://HOST:PORT"),
    (["--param", "demand.price_elasticity=1:2", "--resume"], "the folder holds no sweep"),
    (["--design", "lhs"], "needs at least one --param"),
])
def test_bad_sweep_specs_are_one_line_and_exit_2(args, needle, tmp_path, capsys) -> None:
    assert main(["sweep", *args, "--out", str(tmp_path / "sweep")]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "sweep").exists()


def test_a_folder_holding_a_sweep_or_other_files_is_refused_without_resume(tmp_path, capsys) -> None:
    out = tmp_path / "sweep"
    run_sweep(_spec(steps=1, seeds=1), out, ExecutorChoice(Executor.SERIAL))
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    assert main(["sweep", *SMALL, "--out", str(out)]) == 2
    assert "holds a sweep already" in capsys.readouterr().err
    assert main(["sweep", *SMALL, "--out", str(out), "--resume"]) == 2
    assert "another spec" in capsys.readouterr().err
    assert before == {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("keep")
    assert main(["sweep", *SMALL, "--out", str(tmp_path / "other")]) == 2
    assert (tmp_path / "other" / "notes.txt").read_text() == "keep"


def _ishigami_sweep(design: Design, samples: int) -> tuple[SweepSpec, pd.DataFrame]:
    """A sweep spec over [-pi, pi]^3 and the Ishigami function's values at its points, as a sweep's outcome table."""
    from SALib.test_functions import Ishigami

    spec = SweepSpec("baseline", tuple(SweptParam(f"x{i}", -np.pi, np.pi) for i in (1, 2, 3)), design=design,
                     samples=samples, base_seed=3)
    values = np.array([[p[f"x{i}"] for i in (1, 2, 3)] for p in design_points(spec)])
    return spec, pd.DataFrame({"point": np.arange(len(values)), "y": Ishigami.evaluate(values)})


def test_sobol_indices_of_the_ishigami_function_are_within_their_confidence_intervals() -> None:
    """Ishigami (a = 7, b = 0.1): S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437) (Saltelli et al. 2008)."""
    from experiments.sweep_analysis import sensitivity_indices

    spec, outcomes = _ishigami_sweep(Design.SOBOL, 2048)
    indices = sensitivity_indices(spec, outcomes, ["y"], seed=3).set_index("parameter")
    for name, s1, st in (("x1", 0.3139, 0.5576), ("x2", 0.4424, 0.4424), ("x3", 0.0, 0.2437)):
        row = indices.loc[name]
        assert abs(row["S1"] - s1) <= row["S1_conf"], (name, row["S1"], row["S1_conf"])
        assert abs(row["ST"] - st) <= row["ST_conf"], (name, row["ST"], row["ST_conf"])


def test_morris_ranks_the_ishigami_inputs_and_seeds_are_averaged_per_point() -> None:
    """x3 acts only through its interaction with x1, so its mu* is the smallest; replicates of a point are averaged."""
    from experiments.sweep_analysis import point_means, sensitivity_indices

    spec, outcomes = _ishigami_sweep(Design.MORRIS, 40)
    mu = sensitivity_indices(spec, outcomes, ["y"]).set_index("parameter")["mu_star"]
    assert mu["x3"] < mu["x1"] and mu["x3"] < mu["x2"]
    doubled = pd.concat([outcomes.assign(y=outcomes["y"] + 1.0), outcomes.assign(y=outcomes["y"] - 1.0)])
    pd.testing.assert_series_equal(point_means(spec, doubled, ["y"])["y"], outcomes.set_index("point")["y"])


def test_aicm_sensitivity_reads_a_sweep_and_writes_its_table_and_chart(tmp_path, capsys) -> None:
    """A small Morris sweep of the model: one line for a grid sweep (no indices), indices and a chart for Morris."""
    grid = tmp_path / "grid"
    run_sweep(_spec(steps=1, seeds=1), grid, ExecutorChoice(Executor.SERIAL))
    assert main(["sensitivity", str(grid)]) == 2
    assert "--design sobol" in capsys.readouterr().err
    out = tmp_path / "morris"
    run_sweep(_spec(design=Design.MORRIS, samples=2, seeds=1, steps=6), out, ExecutorChoice(Executor.PROCESSES, workers=2))
    assert main(["sensitivity", str(out), "--outcome", "final_compute_gw"]) == 0
    table = pd.read_csv(out / "sensitivity" / "indices.csv")
    assert list(table["parameter"]) == ["demand.price_elasticity", "lab_behaviour.planning_horizon_months"]
    assert (table["mu_star"] >= 0).all() and (out / "sensitivity" / "indices.png").stat().st_size > 0
    assert main(["sensitivity", str(out), "--outcome", "nope"]) == 2


def test_prim_recovers_a_planted_box() -> None:
    """The condition holds where a > 0.6 and b < 0.3 (c plays no part), flipped at random in 5% of 2,000 runs:
    the box found restricts a and b only, within 0.05 of the planted limits."""
    from experiments.sweep_discovery import describe_box, discover_boxes

    rng = np.random.default_rng(5)
    inputs = pd.DataFrame(rng.random((2000, 3)), columns=["a", "b", "c"])
    planted = ((inputs["a"] > 0.6) & (inputs["b"] < 0.3)).to_numpy()
    condition = np.where(rng.random(2000) < 0.05, ~planted, planted)
    box = discover_boxes(inputs, condition, min_density=0.9)[0]
    assert set(box.limits) == {"a", "b"}
    assert abs(box.limits["a"][0] - 0.6) <= 0.05 and abs(box.limits["b"][1] - 0.3) <= 0.05, box.limits
    assert box.density >= 0.9 and box.coverage >= 0.6
    assert describe_box(box, "x", 2000, float(condition.mean())).startswith(f"'x' holds in {box.density:.0%} of the")


def test_aicm_discover_on_a_sweep_and_its_bad_expressions(serial_outcomes, tmp_path, capsys) -> None:
    """On a small model sweep: one sentence per box and the files; an expression naming no column, or no condition,
    is one line and exit 2."""
    out = tmp_path / "sweep"
    run_sweep(_spec(), out, ExecutorChoice(Executor.SERIAL))
    median = float(serial_outcomes["final_compute_gw"].median())
    assert main(["discover", str(out), "--where", f"final_compute_gw > {median}"]) == 0
    printed = capsys.readouterr().out
    assert "holds in" in printed and (out / "discovery" / "tradeoff.png").exists()
    assert set(pd.read_csv(out / "discovery" / "boxes.csv").columns) >= {"parameter", "low", "high", "coverage", "density"}
    for where, needle in (("defaultz > 0", "names no column"), ("1 > 0", "names no column"),
                          ("final_compute_gw + 1", "expected a condition"), ("final_compute_gw >", "is not allowed")):
        assert main(["discover", str(out), "--where", where]) == 2
        err = capsys.readouterr().err
        assert needle in err and len(err.strip().splitlines()) == 1, err
