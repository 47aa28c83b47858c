"""A running total equal, bit for bit, to Python's ``sum`` over the same numbers in the same order.

CPython 3.12's ``sum`` adds Python floats by Neumaier's compensated summation (a running total t and a compensation c;
the result is t + c), and anything else, numpy's float64 included, by plain addition: from the first term that is not
a Python float it adds t + c and goes on adding in order. Keeping that state lets a cached total grow by one term in
O(1) and still equal ``sum`` of the whole list.
"""

from __future__ import annotations

import math
from enum import Enum


class _Mode(Enum):
    EMPTY = "empty"
    COMPENSATED = "compensated"
    PLAIN = "plain"


class RunningSum:
    """``sum(terms)`` for the terms added so far, kept up to date one term at a time.

    Args:
        terms: Terms to start from, in order.
    """

    __slots__ = ("_compensation", "_mode", "_total")

    def __init__(self, terms: list[float] | tuple[float, ...] = ()) -> None:
        self._mode = _Mode.EMPTY
        self._total: float = 0.0
        self._compensation = 0.0
        for term in terms:
            self.add(term)

    def add(self, term: float) -> None:
        """Add one term, as ``sum`` would next."""
        if self._mode is _Mode.EMPTY:
            self._total = 0 + term
            self._mode = _Mode.COMPENSATED if type(self._total) is float else _Mode.PLAIN
        elif self._mode is _Mode.COMPENSATED and type(term) is float:
            total = self._total + term
            if abs(self._total) >= abs(term):
                self._compensation += (self._total - total) + term
            else:
                self._compensation += (term - total) + self._total
            self._total = total
        elif self._mode is _Mode.COMPENSATED:
            self._total = self.value + term
            self._mode = _Mode.PLAIN
        else:
            self._total = self._total + term

    @property
    def value(self) -> float:
        """The sum of the terms added, in the order added (0 for none)."""
        if self._mode is _Mode.COMPENSATED and self._compensation and math.isfinite(self._compensation):
            return self._total + self._compensation
        return self._total if self._mode is not _Mode.EMPTY else 0
