"""Minsky's classification of indebted firms (hedge, speculative, Ponzi) from this month's cash flows.

A firm whose operating cash flow covers interest and principal due is a hedge unit; one that covers
interest but not principal is speculative; one that cannot cover its interest is a Ponzi unit.
Firms without debt are ``none``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from market.finance.ledger import KIND_CODE, PaymentKind

if TYPE_CHECKING:
    from market.model import ComputeMarket

OPERATING_IN = (PaymentKind.AI_SERVICES, PaymentKind.LEASE, PaymentKind.CHIPS, PaymentKind.POWER,
                PaymentKind.CORE_BUSINESS_INCOME)
OPERATING_OUT = (PaymentKind.LEASE, PaymentKind.POWER, PaymentKind.MAINTENANCE, PaymentKind.OPEX,
                 PaymentKind.CHIP_PRODUCTION, PaymentKind.GENERATION_OPEX)


class MinskyClass(StrEnum):
    """Minsky's financing classes."""

    NONE = "none"
    HEDGE = "hedge"
    SPECULATIVE = "speculative"
    PONZI = "ponzi"


def classify(operating_cash_flow: float, interest_due: float, principal_due: float) -> MinskyClass:
    """The class of a firm with the given monthly cash flow and debt service due."""
    if interest_due + principal_due <= 0:
        return MinskyClass.NONE
    if operating_cash_flow >= interest_due + principal_due:
        return MinskyClass.HEDGE
    if operating_cash_flow >= interest_due:
        return MinskyClass.SPECULATIVE
    return MinskyClass.PONZI


def operating_cash_flow(model: ComputeMarket) -> np.ndarray:
    """This month's operating cash flow of every account (accrued: dues count whether paid or not)."""
    flows = model.ledger.current_flows()
    n = model.ledger.n_accounts
    cash_flow = np.zeros(n)
    for kind in OPERATING_IN:
        mask = flows.kind == KIND_CODE[kind]
        np.add.at(cash_flow, flows.payee[mask], flows.amount[mask])
    for kind in OPERATING_OUT:
        mask = flows.kind == KIND_CODE[kind]
        np.subtract.at(cash_flow, flows.payer[mask], flows.amount[mask])
    return cash_flow


def classify_all(model: ComputeMarket) -> dict[int, MinskyClass]:
    """The Minsky class of every firm, by account."""
    capital = model.capital
    cash_flow = operating_cash_flow(model)
    classes = {}
    for firm in model.equity.firms:
        interest, principal = capital.interest_and_principal_due(firm.account)
        classes[firm.account] = classify(float(cash_flow[firm.account]), interest, principal) if firm.alive else MinskyClass.NONE
    return classes


def debt_shares(model: ComputeMarket, classes: dict[int, MinskyClass]) -> dict[str, float]:
    """Shares of all debt owed by hedge, speculative and Ponzi firms."""
    debt = {cls: 0.0 for cls in MinskyClass}
    for account, cls in classes.items():
        debt[cls] += model.capital.debt_of(account)
    total = sum(debt[c] for c in (MinskyClass.HEDGE, MinskyClass.SPECULATIVE, MinskyClass.PONZI))
    return {f"{c.value}_share": (debt[c] / total if total > 0 else 0.0)
            for c in (MinskyClass.HEDGE, MinskyClass.SPECULATIVE, MinskyClass.PONZI)}
