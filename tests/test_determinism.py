"""Same seed, identical tables; another seed, different tables; streams independent of creation order."""

from __future__ import annotations

import copy
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from market import BLAS_THREAD_VARIABLES
from market.model import ComputeMarket
from market.outputs.metrics import agent_table, model_table
from market.parameters.scenario import load_scenario
from market.physical.leases import IndexedLeases
from market.physical.projects import Lease
from market.rng import RandomStreams
from tests.conftest import run


def test_same_seed_gives_identical_tables(baseline_seed1) -> None:
    again = run(seed=1)
    pd.testing.assert_frame_equal(baseline_seed1.model_table, again.model_table, check_exact=True)
    pd.testing.assert_frame_equal(baseline_seed1.agent_table, again.agent_table, check_exact=True)
    pd.testing.assert_frame_equal(baseline_seed1.event_table, again.event_table, check_exact=True)


def test_another_seed_gives_different_tables(baseline_seed1) -> None:
    other = run(seed=2)
    assert not baseline_seed1.model_table.equals(other.model_table)
    assert not baseline_seed1.agent_table.equals(other.agent_table)


def test_a_model_pickled_mid_run_continues_as_the_original() -> None:
    """A baseline pickled after 12 months and stepped 12 more gives the original's tables, so a run can be checkpointed
    or sent to another process. Fails if any state (the lease book's indices, a random stream) is lost in pickling."""
    original = ComputeMarket(load_scenario("baseline", [("run.steps", 24)]), rng=3)
    for _ in range(12):
        original.step()
    restored = pickle.loads(pickle.dumps(original))
    for _ in range(12):
        original.step()
        restored.step()
    pd.testing.assert_frame_equal(model_table(original), model_table(restored), check_exact=True)
    pd.testing.assert_frame_equal(agent_table(original), agent_table(restored), check_exact=True)


@pytest.mark.parametrize("duplicate", [lambda book: pickle.loads(pickle.dumps(book)), copy.copy, copy.deepcopy],
                         ids=["pickle", "copy", "deepcopy"])
def test_a_lease_book_copies_with_its_indices_and_versions_and_shares_no_index(duplicate) -> None:
    """Known answer: a book of three leases (lessors 1, 1, 2) after one resize copies with the same leases, indices and
    versions (4 changes; lessor 1's 3), the indices holding the copy's own lease objects; signing a lease in the copy
    leaves the original's indices and versions alone. Fails if unpickling indexes leases again (versions bumped) or
    a copy shares the original's index dicts."""
    book = IndexedLeases()
    for lease_id, (lessor, lessee) in enumerate([(1, 5), (1, 6), (2, 5)]):
        book[lease_id] = Lease(lease_id, lessor, lessee, 0.1, 2.0, 0, 60)
    book.touch_lessor(1)
    twin = duplicate(book)
    assert dict(twin) == dict(book) and (twin.version, twin.lessor_version) == (4, {1: 3, 2: 1})
    assert {a: list(leases) for a, leases in twin.by_lessor.items()} == {1: [0, 1], 2: [2]}
    assert {a: list(leases) for a, leases in twin.by_lessee.items()} == {5: [0, 2], 6: [1]}
    assert all(twin.by_lessor[lease.lessor][i] is lease for i, lease in twin.items())
    twin[3] = Lease(3, 1, 7, 0.1, 2.0, 0, 60)
    assert (book.version, book.lessor_version, list(book.by_lessor[1]), 7 in book.by_lessee) == (4, {1: 3, 2: 1}, [0, 1], False)


def test_streams_depend_on_name_not_order() -> None:
    first = RandomStreams(5)
    a1 = first.get("demand_shocks").random(3)
    b1 = first.get("project_delays").random(3)
    second = RandomStreams(5)
    b2 = second.get("project_delays").random(3)
    a2 = second.get("demand_shocks").random(3)
    assert (a1 == a2).all() and (b1 == b2).all()
    assert not (a1 == b1).all()
    assert not (RandomStreams(6).get("demand_shocks").random(3) == a1).all()


@pytest.mark.parametrize(("environment", "threads"), [({}, 1), ({"OPENBLAS_NUM_THREADS": "2"}, 2)])
@pytest.mark.parametrize("numpy_first", [False, True])
def test_importing_the_model_limits_blas_to_one_thread_unless_the_environment_says(environment, threads, numpy_first) -> None:
    """In a fresh process with no BLAS thread variable set, importing ``market`` leaves numpy's BLAS on one thread,
    whether numpy was loaded before it or after; a thread count set in the environment is kept. Fails if the limit is
    set after numpy loads without capping the loaded library, or if it overrides the user's setting."""
    code = ("import numpy\nimport market\n" if numpy_first else "import market\nimport numpy\n") + (
        "from threadpoolctl import threadpool_info\n"
        "print(max([i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas'] or [-1]))\n")
    cores = len(os.sched_getaffinity(0))
    if cores < 2:
        pytest.skip("one core: a count set by the user and the model's limit of one cannot be told apart")
    clean = {k: v for k, v in os.environ.items() if k not in (*BLAS_THREAD_VARIABLES, "OMP_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", code], env={**clean, **environment}, capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) == threads
