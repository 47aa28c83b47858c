"""DebtRank (Battiston et al. 2012, Sci. Rep. 2:541): distress spreading over an exposure network.

W_ij = min(1, A_ji / E_j) is the impact of i's distress on j, where A_ji is j's exposure to i
(stakes, loans, claims) and E_j is j's equity. Each node has distress h_i in [0, 1] and a state
(undistressed, distressed, inactive). Starting from h(1) on the initially distressed nodes,
    h_i(t) = min(1, h_i(t-1) + sum_{j distressed at t-1} W_ji h_j(t-1)),
a distressed node becomes inactive after propagating once (no reverberation), and a node with
h > 0 that was undistressed becomes distressed. The DebtRank of the shock is
R = sum_j h_j(T) v_j - sum_j h_j(1) v_j with v the nodes' relative economic values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

UNDISTRESSED, DISTRESSED, INACTIVE = 0, 1, 2


@dataclass(frozen=True)
class DebtRankResult:
    """Final distress of every node and the DebtRank of the initial shock."""

    distress: np.ndarray
    debtrank: float
    rounds: int


def impact_matrix(exposures: np.ndarray, equity: np.ndarray) -> np.ndarray:
    """W_ij = min(1, A_ji / E_j) from exposures A (A_ji: j's exposure to i) and equity E (>0 to be hit)."""
    exposures = np.asarray(exposures, dtype=float)
    equity = np.asarray(equity, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(equity[None, :] > 0, exposures.T / equity[None, :], np.where(exposures.T > 0, 1.0, 0.0))
    impact = np.minimum(1.0, ratio)
    np.fill_diagonal(impact, 0.0)
    return impact


def debtrank(impact: np.ndarray, initial_distress: np.ndarray, value: np.ndarray | None = None,
             max_rounds: int = 10_000) -> DebtRankResult:
    """Run DebtRank from ``initial_distress`` (h(1)) over the impact matrix W."""
    impact = np.asarray(impact, dtype=float)
    h = np.clip(np.asarray(initial_distress, dtype=float), 0.0, 1.0)
    n = len(h)
    value = np.full(n, 1.0 / n) if value is None else np.asarray(value, dtype=float)
    state = np.where(h > 0, DISTRESSED, UNDISTRESSED)
    start = h.copy()
    rounds = 0
    while (state == DISTRESSED).any() and rounds < max_rounds:
        spreading = state == DISTRESSED
        h_new = np.minimum(1.0, h + impact[spreading].T @ h[spreading])
        state_new = state.copy()
        state_new[spreading] = INACTIVE
        state_new[(state == UNDISTRESSED) & (h_new > 0)] = DISTRESSED
        h, state = h_new, state_new
        rounds += 1
    return DebtRankResult(h, float(h @ value - start @ value), rounds)
