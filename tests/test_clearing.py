"""Eisenberg-Noe clearing: known answers, the pro-rata split and the algorithm against direct iteration.

``clearing_vector`` has no silent fallback: a fictitious-default round that does not clear raises, so a
wrong step in the algorithm shows up here instead of being repaired by iteration.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import market.finance.clearing as clearing
from market.finance.clearing import ClearingError, clearing_by_iteration, clearing_payments, clearing_vector


def test_nobody_defaults_when_cash_covers_everything() -> None:
    """A owes B 1, B owes C 1; A has 2 in cash: everyone pays in full."""
    liabilities = np.array([[0, 1.0, 0], [0, 0, 1.0], [0, 0, 0]])
    assert clearing_vector(liabilities, np.array([2.0, 0.0, 0.0])) == pytest.approx([1.0, 1.0, 0.0])


def test_a_cascade_passes_on_what_the_first_default_pays() -> None:
    """A owes B 10 with 5 in cash; B owes C 10 with 2 in cash: A pays 5, so B can pay only 2 + 5 = 7."""
    liabilities = np.array([[0, 10.0, 0], [0, 0, 10.0], [0, 0, 0]])
    assert clearing_vector(liabilities, np.array([5.0, 2.0, 0.0])) == pytest.approx([5.0, 7.0, 0.0])


def test_a_cycle_lets_everyone_pay() -> None:
    """A -> B -> C -> A, 10 each, and only A holds 1 in cash: netting lets every node pay in full."""
    liabilities = np.array([[0, 10.0, 0], [0, 0, 10.0], [10.0, 0, 0]])
    assert clearing_vector(liabilities, np.array([1.0, 0.0, 0.0])) == pytest.approx([10.0, 10.0, 10.0])


def test_a_defaulting_node_passes_on_what_solvent_nodes_pay_it() -> None:
    """A (cash 10) owes B 5 and pays in full; B (no cash) owes C 8 and D 2, so it pays out the 5 it receives:
    4 to C and 1 to D. Fails if the fictitious-default round drops the solvent nodes' payments (B would pay 0)."""
    liabilities = np.zeros((4, 4))
    liabilities[0, 1] = 5.0
    liabilities[1, 2], liabilities[1, 3] = 8.0, 2.0
    payments, matrix = clearing_payments(liabilities, np.array([10.0, 0.0, 0.0, 0.0]))
    assert payments == pytest.approx([5.0, 5.0, 0.0, 0.0])
    assert matrix[1, 2] == pytest.approx(4.0) and matrix[1, 3] == pytest.approx(1.0) and matrix[0, 1] == pytest.approx(5.0)


def test_a_defaulting_node_pays_its_creditors_pro_rata() -> None:
    """A owes B 6 and C 2 with 4 in cash: it pays everything it has, 3 to B and 1 to C (the same half of each claim)."""
    liabilities = np.array([[0, 6.0, 2.0], [0, 0, 0], [0, 0, 0]])
    payments, matrix = clearing_payments(liabilities, np.array([4.0, 0.0, 0.0]))
    assert payments == pytest.approx([4.0, 0.0, 0.0])
    assert matrix == pytest.approx(np.array([[0, 3.0, 1.0], [0, 0, 0], [0, 0, 0]]))


def test_two_defaulters_owing_each_other_clear_jointly() -> None:
    """A (cash 2) owes B 4 and C 4; B (cash 1) owes A 2 and C 2. A's wealth 2 + 2 = 4 falls short of 8 at once; with A
    paying 4, B's wealth 1 + 2 = 3 falls short of 4. Both pay what they have: p_A = 2 + p_B / 2, p_B = 1 + p_A / 2,
    so p_A = 10/3 and p_B = 8/3."""
    liabilities = np.array([[0, 4.0, 4.0], [2.0, 0, 2.0], [0, 0, 0]])
    assert clearing_vector(liabilities, np.array([2.0, 1.0, 0.0])) == pytest.approx([10 / 3, 8 / 3, 0.0])


def test_a_round_that_does_not_clear_raises(monkeypatch) -> None:
    """A wrong fictitious-default step is reported, never repaired silently by another method."""
    monkeypatch.setattr(clearing, "_solve_defaulting", lambda pi, assets, total, defaulting: np.zeros_like(total))
    liabilities = np.zeros((3, 3))
    liabilities[0, 1], liabilities[1, 2] = 5.0, 8.0
    with pytest.raises(ClearingError, match="did not clear"):
        clearing_vector(liabilities, np.array([10.0, 0.0, 0.0]))


def test_negative_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        clearing_vector(np.array([[0, -1.0], [0, 0]]), np.zeros(2))


@st.composite
def networks(draw) -> tuple[np.ndarray, np.ndarray]:
    """Random obligation networks: 2-10 nodes, sparse or dense, some nodes with no cash, cycles allowed."""
    n = draw(st.integers(2, 10))
    seed = draw(st.integers(0, 2**32 - 1))
    density = draw(st.sampled_from([0.15, 0.4, 0.8]))
    cash_share = draw(st.sampled_from([0.0, 0.3, 0.7, 1.0]))
    rng = np.random.default_rng(seed)
    liabilities = rng.exponential(1.0, (n, n)) * (rng.random((n, n)) < density)
    np.fill_diagonal(liabilities, 0.0)
    assets = rng.exponential(0.5, n) * (rng.random(n) < cash_share)
    return liabilities, assets


@settings(max_examples=300, deadline=None)
@given(networks())
def test_the_algorithm_matches_direct_iteration_on_random_networks(network) -> None:
    """The fictitious default algorithm gives the greatest fixed point, the one iteration from p̄ reaches."""
    liabilities, assets = network
    algorithm = clearing_vector(liabilities, assets)
    iterated = clearing_by_iteration(liabilities, assets)
    assert algorithm == pytest.approx(iterated, abs=1e-8)
    total = liabilities.sum(axis=1)
    assert (algorithm >= -1e-12).all() and (algorithm <= total + 1e-12).all()
    _, matrix = clearing_payments(liabilities, assets)
    received = matrix.sum(axis=0)
    assert (assets + received - algorithm >= -1e-9).all(), "a node paid more than it had"


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 9), data=st.data())
def test_clearing_only_the_debtors_rows_gives_the_full_clearing(n, data) -> None:
    """Some nodes owe (random liabilities and cash), the rest owe nothing: clearing on the debtors' rows alone gives the
    full n x n clearing's payments and payments matrix. Fails if the debtors' block loses the obligations to
    non-debtors, or the reduced fictitious default uses other totals."""
    debtors = np.array(sorted(data.draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=n))))
    amounts = st.floats(0.0, 10.0, allow_nan=False)
    full = np.zeros((n, n))
    for i in debtors:
        full[i] = data.draw(st.lists(amounts, min_size=n, max_size=n))
        full[i, i] = 0.0
    cash = np.array(data.draw(st.lists(amounts, min_size=n, max_size=n)))
    paid, matrix = clearing_payments(full, cash)
    paid_rows, matrix_rows = clearing.clearing_payments_of_debtors(full[debtors], debtors, cash)
    assert paid_rows == pytest.approx(paid[debtors], rel=1e-12, abs=1e-12)
    assert matrix_rows == pytest.approx(matrix[debtors], rel=1e-12, abs=1e-12)

