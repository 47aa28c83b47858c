"""Run a sweep's runs serially, in a local process pool or on Dask, and store each as it finishes.

Every run is the pure function :func:`execute_run` of its :class:`~experiments.sweep_spec.RunTask` (scenario,
overrides, seed), so an executor changes only where and when a run happens, never its numbers: one spec gives the
same outcome table serially, in a process pool and on a Dask cluster. Workers return tables to this process, which
writes every file, so Dask workers on other hosts need no shared file system. A run that raises is recorded in
``failures.jsonl`` and the sweep goes on; Ctrl-C (or SIGTERM) stops it with every finished run kept, and ``--resume``
runs only what is missing.

Each run limits BLAS to one thread (threadpoolctl): several runs share the cores, and a multithreaded solve of a
small system is slower and may differ in its last bits.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from enum import StrEnum
from multiprocessing import get_context
from pathlib import Path

import pandas as pd

from experiments.sweep_spec import RunTask, SweepSpec, plan_runs
from experiments.sweep_store import SweepFolder

BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
LOOPBACK = "127.0.0.1"


class SweepAborted(RuntimeError):
    """The executor failed as a whole (not one run); the message is one line saying what to do."""


class Executor(StrEnum):
    """Where a sweep's runs execute."""

    SERIAL = "serial"
    PROCESSES = "processes"
    DASK = "dask"


@dataclass(frozen=True)
class ExecutorChoice:
    """An executor and its settings: worker processes, or a Dask scheduler's address or a local cluster's size."""

    kind: Executor = Executor.SERIAL
    workers: int = 1
    scheduler: str | None = None
    host: str = LOOPBACK


@dataclass(frozen=True)
class RunOutcome:
    """What a worker sends back: the run's model table and measures, or the error it raised."""

    task: RunTask
    model_table: pd.DataFrame | None
    outcomes: dict | None
    error: str | None


def execute_run(task: RunTask) -> RunOutcome:
    """Simulate one run (BLAS limited to one thread) and measure it; an exception becomes the outcome's error."""
    from threadpoolctl import threadpool_limits

    from experiments.outcomes import measure_outcomes
    from experiments.runner import model_table
    from market.model import ComputeMarket
    from market.parameters.scenario import load_scenario

    try:
        with threadpool_limits(limits=1):
            model = ComputeMarket(load_scenario(task.scenario, task.overrides()), rng=task.seed)
            model.run_model()
            table = model_table(model)
        return RunOutcome(task, table, measure_outcomes(table), None)
    except Exception as exc:  # noqa: BLE001 - any failure of one run is recorded and the sweep goes on
        return RunOutcome(task, None, None, f"{type(exc).__name__}: {exc}")


def _serial(tasks: list[RunTask]) -> Iterator[RunOutcome]:
    for task in tasks:
        yield execute_run(task)


def _processes(tasks: list[RunTask], workers: int) -> Iterator[RunOutcome]:
    for name in BLAS_VARIABLES:
        os.environ.setdefault(name, "1")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
    completed = False
    try:
        pending = {pool.submit(execute_run, task) for task in tasks}
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                try:
                    yield future.result()
                except BrokenProcessPool:
                    raise SweepAborted("a worker process died (out of memory, or killed) and took the pool with it; "
                                       "finished runs are kept: run the same command with --resume") from None
        completed = True
    finally:
        if not completed:
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)


def start_local_cluster(workers: int, host: str = LOOPBACK):
    """A Dask LocalCluster of single-threaded worker processes whose every listener and dashboard binds ``host``.

    Dask's dashboards bind all interfaces by default even when the scheduler binds loopback, so both dashboard
    addresses are given; port 0 lets the system choose free ports.
    """
    from distributed import LocalCluster

    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host=host,
                        dashboard_address=f"{host}:0", worker_dashboard_address=f"{host}:0",
                        env={name: "1" for name in BLAS_VARIABLES})


def _dask(tasks: list[RunTask], choice: ExecutorChoice) -> Iterator[RunOutcome]:
    from distributed import Client, as_completed

    cluster = None
    if choice.scheduler:
        client = Client(choice.scheduler)
    else:
        cluster = start_local_cluster(choice.workers, choice.host)
        client = Client(cluster)
    try:
        futures = {client.submit(execute_run, task, pure=False): task for task in tasks}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # noqa: BLE001 - a task that killed its workers (KilledWorker) is that run's failure
                yield RunOutcome(futures[future], None, None, f"{type(exc).__name__}: {exc}")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def outcomes_of(tasks: list[RunTask], choice: ExecutorChoice) -> Iterator[RunOutcome]:
    """The runs' outcomes in the order they finish."""
    if choice.kind is Executor.SERIAL or not tasks:
        return _serial(tasks)
    if choice.kind is Executor.PROCESSES:
        return _processes(tasks, choice.workers)
    return _dask(tasks, choice)


@dataclass
class SweepReport:
    """What a call of :func:`run_sweep` did."""

    planned: int
    skipped: int
    written: int
    failed: int
    outcomes: pd.DataFrame


def run_sweep(spec: SweepSpec, out: Path, choice: ExecutorChoice, resume: bool = False,
              progress: bool | None = None) -> SweepReport:
    """Run every run of ``spec`` not yet in ``out`` (finished or failed) and rebuild the outcome table.

    A KeyboardInterrupt stops the sweep after rebuilding the outcome table from the runs already written; it is
    raised again for the caller.
    """
    from tqdm import tqdm

    tasks = plan_runs(spec)
    folder = SweepFolder(out)
    folder.open(spec, tasks, resume)
    skip = folder.done_ids() | folder.failed_ids()
    remaining = [task for task in tasks if task.run_id not in skip]
    written = failed = 0
    bar = tqdm(total=len(tasks), initial=len(tasks) - len(remaining), unit="run", dynamic_ncols=True,
               disable=None if progress is None else not progress)
    try:
        for outcome in outcomes_of(remaining, choice):
            if outcome.error is None:
                folder.write_run(outcome.task, outcome.model_table, outcome.outcomes)
                written += 1
            else:
                folder.record_failure(outcome.task, outcome.error)
                failed += 1
            bar.update(1)
    finally:
        bar.close()
        table = folder.rebuild_outcomes()
    return SweepReport(len(tasks), len(tasks) - len(remaining), written, failed, table)
