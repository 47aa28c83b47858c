"""A funding round's allocation among investors: pro rata to their weights, within their caps."""

from __future__ import annotations

import numpy as np


def shares_of_round(amount: float, weights: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """What each investor commits to a round of ``amount``: pro rata to its weight, at most its cap; what capped
    investors leave is offered once more to those with room, pro rata to their weights."""
    total = weights.sum()
    if amount <= 0 or total <= 0:
        return np.zeros_like(weights)
    commit = np.minimum(amount * weights / total, caps)
    short = amount - commit.sum()
    room = caps - commit
    if short > 1e-12 and room.sum() > 0:
        open_weights = weights * (room > 1e-12)
        if open_weights.sum() > 0:
            commit += np.minimum(short * open_weights / open_weights.sum(), room)
    return commit
