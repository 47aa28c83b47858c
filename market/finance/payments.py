"""Payment kinds and a step's flows as aligned arrays (docs/ODD.md section 7, Ledger): what the ledger records and
archives."""

from __future__ import annotations

from enum import StrEnum

import numpy as np

OUTSIDE = 0


class PaymentKind(StrEnum):
    """Kinds of payment. Those in ``OUTSIDE_KINDS`` are the only ones that may touch ``outside``."""

    ENDOWMENT = "endowment"
    AI_SERVICES = "ai_services"
    CORE_BUSINESS_INCOME = "core_business_income"
    INVESTOR_INFLOW = "investor_inflow"
    CONSTRUCTION = "construction"
    OPEX = "opex"
    MAINTENANCE = "maintenance"
    CHIP_PRODUCTION = "chip_production"
    FAB_CAPEX = "fab_capex"
    FAB_PARTNER_SHARE = "fab_partner_share"
    GENERATION_CAPEX = "generation_capex"
    GENERATION_OPEX = "generation_opex"
    FISCAL_TRANSFER = "fiscal_transfer"
    CLAIM_SETTLEMENT = "claim_settlement"
    CHIPS = "chips"
    LEASE = "lease"
    POWER = "power"
    INTEREST = "interest"
    PRINCIPAL = "principal"
    LOAN = "loan"
    EQUITY = "equity"
    DIVIDEND = "dividend"
    SUBSIDY = "subsidy"
    FIRE_SALE = "fire_sale"
    BOND = "bond"
    COUPON = "coupon"
    REDEMPTION = "redemption"


OUTSIDE_KINDS: frozenset[PaymentKind] = frozenset({
    PaymentKind.ENDOWMENT,
    PaymentKind.AI_SERVICES,
    PaymentKind.CORE_BUSINESS_INCOME,
    PaymentKind.INVESTOR_INFLOW,
    PaymentKind.CONSTRUCTION,
    PaymentKind.OPEX,
    PaymentKind.MAINTENANCE,
    PaymentKind.CHIP_PRODUCTION,
    PaymentKind.FAB_CAPEX,
    PaymentKind.GENERATION_CAPEX,
    PaymentKind.GENERATION_OPEX,
    PaymentKind.FISCAL_TRANSFER,
    PaymentKind.CLAIM_SETTLEMENT,
})

FlowKey = tuple[int, int, PaymentKind]


KIND_LIST: tuple[PaymentKind, ...] = tuple(PaymentKind)
ACCOUNT_DTYPE = np.int32  # archived flows name accounts in 4 bytes and kinds in 1: a step's history takes 17 bytes a flow
KIND_CODE: dict[PaymentKind, int] = {kind: i for i, kind in enumerate(KIND_LIST)}
OUTSIDE_CODES = np.array([kind in OUTSIDE_KINDS for kind in KIND_LIST])


def group_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each distinct key in ascending order, the index of its first occurrence; and for each key, its group's
    position among them (``np.unique(keys, return_index=True, return_inverse=True)``'s second and third results).

    Sorts with a stable sort (timsort), which runs in near-linear time on a journal made of sorted runs (a payment to
    many payees lists them in account order), where ``np.unique``'s quicksort does not.
    """
    if keys.size == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    first = np.empty(ordered.size, dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    inverse = np.empty(keys.size, dtype=np.intp)
    inverse[order] = np.cumsum(first, dtype=np.intp) - 1
    return order[first], inverse


class StepFlows:
    """One step's flows as aligned arrays: payer, payee, kind code and amount, one row per (payer, payee, kind)."""

    def __init__(self, payer: np.ndarray, payee: np.ndarray, kind: np.ndarray, amount: np.ndarray) -> None:
        self.payer, self.payee, self.kind, self.amount = payer, payee, kind, amount

    def as_dict(self) -> dict[FlowKey, float]:
        """The flows keyed by (payer, payee, kind)."""
        return {(int(p), int(q), KIND_LIST[int(k)]): float(a)
                for p, q, k, a in zip(self.payer, self.payee, self.kind, self.amount, strict=True)}

    def total(self, kinds: tuple[PaymentKind, ...]) -> float:
        """Sum of flows of the given kinds."""
        codes = [KIND_CODE[k] for k in kinds]
        return float(self.amount[np.isin(self.kind, codes)].sum())
