"""How often Python's cycle collector runs while the model steps.

A month allocates hundreds of thousands of small containers (payments, leases, dictionaries of a lab's plans), and
CPython 3.12 starts a collection every 700 of them by default (``gc.get_threshold()``), each older-generation pass
scanning every object the run has kept alive: the cost grows faster than the market (measured on the baseline at
``run.scale`` 120, 6 months: 7.2 s CPU with the default, 6.1-6.5 s at 20,000-300,000; with collection off, every
function's time grows in proportion to the agents). Runs that go to the end (:meth:`market.model.ComputeMarket.run_model`,
and the app's and sweeps' loops) step with a first-generation threshold of ``GEN0_THRESHOLD_WHILE_RUNNING``; the
older generations keep their thresholds. Nothing the model computes depends on when cycles are collected, so results
are the same.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

GEN0_THRESHOLD_WHILE_RUNNING = 50_000  # allocations between collections (CPython's default: 700)


@contextmanager
def fewer_cycle_collections(threshold: int = GEN0_THRESHOLD_WHILE_RUNNING) -> Iterator[None]:
    """Within the block, the cycle collector's first generation is collected every ``threshold`` allocations (never
    more often than it was); the previous thresholds are restored on leaving it."""
    before = gc.get_threshold()
    gc.set_threshold(max(threshold, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
