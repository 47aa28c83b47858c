"""Values held for a phase of the month: worked out on their first reading while held, afresh on every reading otherwise."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class HeldValues(Generic[Value]):
    """Values by key, held between :meth:`hold` ``(True)`` and :meth:`hold` ``(False)`` (the caller vouches that nothing
    they depend on changes in between); not held, each reading works its value out afresh."""

    def __init__(self) -> None:
        self._values: dict[Hashable, Value] | None = None

    @property
    def holding(self) -> bool:
        """Whether values are held."""
        return self._values is not None

    def hold(self, held: bool) -> None:
        """Start holding (forgetting any value held before) or stop."""
        self._values = {} if held else None

    def read(self, key: Hashable, find: Callable[[], Value]) -> Value:
        """The value of ``key``: the one held, else ``find()`` (held from now on while holding)."""
        values = self._values
        if values is None:
            return find()
        value = values.get(key)
        if value is None:
            value = values[key] = find()
        return value
