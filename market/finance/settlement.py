"""Payments due this month, settled in a fixed priority order through the ledger (docs/ODD.md section 3, step 8)."""

from __future__ import annotations

from market.finance.ledger import Ledger, PaymentKind

PRIORITY: tuple[PaymentKind, ...] = (
    PaymentKind.CHIPS,
    PaymentKind.LEASE,
    PaymentKind.POWER,
    PaymentKind.GENERATION_OPEX,
    PaymentKind.CONSTRUCTION,
    PaymentKind.GENERATION_CAPEX,
    PaymentKind.MAINTENANCE,
    PaymentKind.OPEX,
)
SETTLED_KINDS = frozenset(PRIORITY)


class Dues:
    """Obligations incurred during the month, paid in priority order; unpaid parts become claims."""

    def __init__(self) -> None:
        self.items: list[tuple[int, int, float, PaymentKind]] = []

    def add(self, payer: int, payee: int, amount: float, kind: PaymentKind) -> None:
        """Record an obligation of ``payer`` to ``payee``."""
        if kind not in SETTLED_KINDS:
            raise ValueError(f"payment kind '{kind}' is not settled through dues")
        if amount > 0:
            self.items.append((payer, payee, amount, kind))

    def add_many(self, dues: list[tuple[int, int, float, PaymentKind]]) -> None:
        """:meth:`add` each (payer, payee, amount, kind), in order; a kind not settled through dues raises before any is
        added."""
        if not {due[3] for due in dues} <= SETTLED_KINDS:
            unsettled = next(kind for *_, kind in dues if kind not in SETTLED_KINDS)
            raise ValueError(f"payment kind '{unsettled}' is not settled through dues")
        self.items.extend([due for due in dues if due[2] > 0])

    def total(self, payer: int | None = None, kind: PaymentKind | None = None) -> float:
        """Sum of obligations, optionally of one payer and one kind."""
        return sum(a for p, _, a, k in self.items if (payer is None or p == payer) and (kind is None or k == kind))

    def settle(self, ledger: Ledger) -> None:
        """Pay every obligation in priority order (insertion order within a kind) and clear the list."""
        by_kind: dict[PaymentKind, list[tuple[int, int, float, PaymentKind]]] = {kind: [] for kind in PRIORITY}
        for item in self.items:
            by_kind[item[3]].append(item)
        ledger.pay_in_turn([item for kind in PRIORITY for item in by_kind[kind]])
        self.items = []
