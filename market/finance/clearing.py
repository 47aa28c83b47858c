"""Eisenberg and Noe (2001) clearing of a network of obligations.

Node i owes L_ij to node j; its total obligation is p̄_i = sum_j L_ij and its relative liabilities
Pi_ij = L_ij / p̄_i. With outside assets e_i >= 0, a clearing vector p satisfies
    p_i = min(p̄_i, e_i + sum_j Pi_ji p_j),
i.e. every node pays in full or pays out everything it has (limited liability, absolute priority of
debt, pro-rata sharing). :func:`clearing_vector` returns the greatest clearing vector by the
fictitious default algorithm, which is exact and ends within n rounds; :func:`clearing_payments`
splits each node's payment among its creditors pro rata to what it owes them.
"""

from __future__ import annotations

import numpy as np


class ClearingError(RuntimeError):
    """The fictitious default algorithm produced a vector that does not clear (a bug, never a fallback)."""


def relative_liabilities(liabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (p̄, Pi) for a liabilities matrix L (row i: what i owes each j)."""
    total = liabilities.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        pi = np.where(total[:, None] > 0, liabilities / total[:, None], 0.0)
    return total, pi


def clearing_vector(liabilities: np.ndarray, outside_assets: np.ndarray) -> np.ndarray:
    """Greatest clearing vector p of Eisenberg and Noe (2001) by the fictitious default algorithm.

    Round k: with the nodes in default D_k paying what they have and the others paying in full,
    solve (I - Pi_DD^T) p_D = e_D + Pi_SD^T p̄_S; the nodes whose wealth e + Pi^T p then falls short
    of p̄ join D. The set only grows, so the loop ends within n rounds.

    Args:
        liabilities: n x n matrix, L_ij >= 0 what i owes j, zero diagonal.
        outside_assets: length-n vector e >= 0 of assets outside the network (cash).

    Returns:
        The payment vector p, 0 <= p <= p̄.

    Raises:
        ValueError: if a liability or an outside asset is negative.
        ClearingError: if the result does not satisfy the clearing condition (it never silently
            falls back to another method).
    """
    liabilities = np.asarray(liabilities, dtype=float)
    assets = np.asarray(outside_assets, dtype=float)
    if (liabilities < 0).any() or (assets < 0).any():
        raise ValueError("liabilities and outside assets must be non-negative")
    total, pi = relative_liabilities(liabilities)
    return _fictitious_default(pi, total, assets, max(float(total.max(initial=0.0)), float(assets.max(initial=0.0)), 1.0))


def _fictitious_default(pi: np.ndarray, total: np.ndarray, assets: np.ndarray, scale: float) -> np.ndarray:
    """The fictitious default rounds on relative liabilities ``pi`` (square) and obligations ``total``; ``scale`` sets the
    tolerance (the largest obligation or outside asset)."""
    tolerance = 1e-12 * scale
    payments = total.copy()
    defaulting = np.zeros(len(total), dtype=bool)
    for _ in range(len(total) + 1):
        wealth = assets + pi.T @ payments
        grown = defaulting | (wealth < total - tolerance)
        if np.array_equal(grown, defaulting):
            break
        defaulting = grown
        payments = _solve_defaulting(pi, assets, total, defaulting)
    residual = np.abs(np.minimum(total, assets + pi.T @ payments) - payments).max(initial=0.0)
    if residual > 1e-9 * scale:
        raise ClearingError(f"fictitious default did not clear: largest residual {residual:.3g}")
    return payments


def clearing_payments_of_debtors(liabilities: np.ndarray, debtors: np.ndarray,
                                 outside_assets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`clearing_payments` when only ``debtors`` owe: ``liabilities`` holds their rows (k x n, row r what
    ``debtors[r]`` owes each of the n nodes). Every other node owes nothing and pays nothing, so the fictitious default
    runs on the debtors' k x k block with their whole obligations, the same clearing without an n x n matrix.

    Returns:
        The debtors' payments p (k) and the payments matrix P_rj = Pi_rj p_r (k x n).
    """
    liabilities = np.asarray(liabilities, dtype=float)
    assets = np.asarray(outside_assets, dtype=float)
    if (liabilities < 0).any() or (assets < 0).any():
        raise ValueError("liabilities and outside assets must be non-negative")
    total, pi = relative_liabilities(liabilities)
    scale = max(float(total.max(initial=0.0)), float(assets.max(initial=0.0)), 1.0)
    payments = _fictitious_default(pi[:, debtors], total, assets[debtors], scale)
    return payments, pi * payments[:, None]


def clearing_payments(liabilities: np.ndarray, outside_assets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The clearing vector p and the payments matrix P_ij = Pi_ij p_i (what i pays j), pro rata to L_ij."""
    liabilities = np.asarray(liabilities, dtype=float)
    payments = clearing_vector(liabilities, outside_assets)
    _, pi = relative_liabilities(liabilities)
    return payments, pi * payments[:, None]


def _solve_defaulting(pi: np.ndarray, assets: np.ndarray, total: np.ndarray, defaulting: np.ndarray) -> np.ndarray:
    """Payments when the nodes in ``defaulting`` pay all they have and the others pay in full."""
    payments = total.copy()
    d = np.flatnonzero(defaulting)
    if d.size == 0:
        return payments
    s = np.flatnonzero(~defaulting)
    pi_t = pi.T
    rhs = assets[d] + pi_t[np.ix_(d, s)] @ total[s]
    system = np.eye(d.size) - pi_t[np.ix_(d, d)]
    payments[d] = np.clip(np.linalg.solve(system, rhs), 0.0, total[d])
    return payments


def clearing_by_iteration(liabilities: np.ndarray, outside_assets: np.ndarray, tol: float = 1e-13,
                          max_iter: int = 100_000) -> np.ndarray:
    """The greatest clearing vector by direct fixed-point iteration from p̄ (a check on the algorithm, used by tests)."""
    total, pi = relative_liabilities(np.asarray(liabilities, dtype=float))
    payments = total.copy()
    for _ in range(max_iter):
        new = np.minimum(total, outside_assets + pi.T @ payments)
        if np.abs(new - payments).max(initial=0.0) <= tol:
            return new
        payments = new
    return payments
