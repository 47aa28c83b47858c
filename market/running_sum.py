"""A running total equal, bit for bit, to Python's ``sum`` over the same numbers in the same order.

CPython 3.12's ``sum`` (``builtin_sum_impl``) adds in three stages: ints and bools exactly while the total fits a C
long; from the first Python float, floats by Neumaier's compensated summation (a total t and a compensation c, the
result t + c) and ints that fit a C long by plain addition to t; and from the first term of any other type (numpy's
float64 included) plain addition of t + c and each term. Keeping that state lets a cached total grow by one term in
O(1) and still equal ``sum`` of the whole list.
"""

from __future__ import annotations

import math
from enum import Enum

LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1


class _Mode(Enum):
    INTEGER = "integer"
    COMPENSATED = "compensated"
    PLAIN = "plain"


def _is_exact_int(term: object) -> bool:
    return type(term) is int or type(term) is bool


class RunningSum:
    """``sum(terms)`` for the terms added so far, kept up to date one term at a time.

    Args:
        terms: Terms to start from, in order.
    """

    __slots__ = ("_compensation", "_mode", "_total")

    def __init__(self, terms: list[float] | tuple[float, ...] = ()) -> None:
        self._mode = _Mode.INTEGER
        self._total: float = 0
        self._compensation = 0.0
        for term in terms:
            self.add(term)

    def add(self, term: float) -> None:
        """Add one term, as ``sum`` would next."""
        if self._mode is _Mode.INTEGER:
            if _is_exact_int(term) and LONG_MIN <= term <= LONG_MAX and LONG_MIN <= self._total + term <= LONG_MAX:
                self._total += int(term)
                return
            self._total = self._total + term
            self._mode = _Mode.COMPENSATED if type(self._total) is float else _Mode.PLAIN
        elif self._mode is _Mode.COMPENSATED and type(term) is float:
            total = self._total + term
            if abs(self._total) >= abs(term):
                self._compensation += (self._total - total) + term
            else:
                self._compensation += (term - total) + self._total
            self._total = total
        elif self._mode is _Mode.COMPENSATED and isinstance(term, int) and LONG_MIN <= term <= LONG_MAX:
            self._total += float(term)
        elif self._mode is _Mode.COMPENSATED:
            self._total = self.value + term
            self._mode = _Mode.PLAIN
        else:
            self._total = self._total + term

    @property
    def value(self) -> float:
        """The sum of the terms added, in the order added (the int 0 for none)."""
        if self._mode is _Mode.COMPENSATED and self._compensation and math.isfinite(self._compensation):
            return self._total + self._compensation
        return self._total
