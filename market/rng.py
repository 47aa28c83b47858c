"""Named random streams derived from the run's one seed (docs/ODD.md section 4, Stochasticity).

Each stochastic source draws from its own ``numpy.random.Generator`` seeded by
``SeedSequence(seed, spawn_key=(crc32(name),))``: the stream depends on the seed and the source's
name only, never on creation order, so two scenarios run with the same seed share common random
numbers.
"""

from __future__ import annotations

import zlib
from enum import StrEnum

import numpy as np


class Stream(StrEnum):
    """The model's stochastic sources."""

    INITIAL_CONDITIONS = "initial_conditions"
    DEMAND_SHOCKS = "demand_shocks"
    CAPABILITY_JUMPS = "capability_jumps"
    PROJECT_DELAYS = "project_delays"
    PARTNERSHIPS = "partnerships"
    SITE_CHOICE = "site_choice"
    INVESTOR_NOISE = "investor_noise"
    GENERATION_RISK = "generation_risk"


class RandomStreams:
    """Lazily created, independent generators keyed by stream name.

    Args:
        seed: The run's one seed.
    """

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._streams: dict[str, np.random.Generator] = {}

    def get(self, name: str | Stream) -> np.random.Generator:
        """Return the generator of stream ``name``, creating it on first use."""
        key = str(name)
        if key not in self._streams:
            sequence = np.random.SeedSequence(self.seed, spawn_key=(zlib.crc32(key.encode()),))
            self._streams[key] = np.random.Generator(np.random.PCG64(sequence))
        return self._streams[key]

    def seed_for(self, name: str | Stream) -> int:
        """Return an integer seed from stream ``name`` (for networkx or other seeded libraries)."""
        return int(self.get(name).integers(0, 2**31 - 1))
