"""Unpaid amounts between accounts (claims), with totals by debtor and by creditor kept per version."""

from __future__ import annotations

from collections import defaultdict


class ClaimBook(defaultdict):
    """Unpaid amounts by (creditor, debtor), 0.0 for a pair with none; ``version`` counts every change, so totals by
    debtor and by creditor are summed once per version (with ``sum`` over the book's insertion order, as a scan of the
    book would add them: Python's ``sum`` of floats is compensated, so a running total would differ in the last bits)."""

    def __init__(self, default_factory=float, *args, **kwargs) -> None:
        super().__init__(default_factory, *args, **kwargs)
        self.version = 0
        self._totals: tuple[int, dict[int, float], dict[int, float]] | None = None

    def __setitem__(self, key: tuple[int, int], value: float) -> None:
        self.version += 1
        super().__setitem__(key, value)

    def __delitem__(self, key: tuple[int, int]) -> None:
        self.version += 1
        super().__delitem__(key)

    def pop(self, *args):
        self.version += 1
        return super().pop(*args)

    def popitem(self):
        self.version += 1
        return super().popitem()

    def clear(self) -> None:
        self.version += 1
        super().clear()

    def update(self, *args, **kwargs) -> None:
        self.version += 1
        super().update(*args, **kwargs)

    def __ior__(self, other):
        self.version += 1
        return super().__ior__(other)

    def setdefault(self, key, default=None):
        self.version += 1
        return super().setdefault(key, default)

    def totals(self) -> tuple[dict[int, float], dict[int, float]]:
        """(owed by each debtor, owed to each creditor), for accounts with any claim."""
        if self._totals is None or self._totals[0] != self.version:
            owed: dict[int, list[float]] = {}
            due: dict[int, list[float]] = {}
            for (creditor, debtor), amount in self.items():
                owed.setdefault(debtor, []).append(amount)
                due.setdefault(creditor, []).append(amount)
            self._totals = (self.version, {d: sum(a) for d, a in owed.items()}, {c: sum(a) for c, a in due.items()})
        return self._totals[1], self._totals[2]
