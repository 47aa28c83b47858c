"""Governments: one per region, holding their policy instruments as data the markets apply."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.base import EconomicAgent
from market.enums import AgentType
from market.ledger import OUTSIDE, PaymentKind
from market.roster import GovernmentSpec

if TYPE_CHECKING:
    from market.model import ComputeMarket


class Government(EconomicAgent):
    """A region's government.

    Instruments in force: ``permitting_speed`` (utility build rates x s, lead times / s) and capex
    subsidies for generation and fabs, paid as ``subsidy`` from a matching ``fiscal_transfer`` out of
    ``outside`` (the taxpayer). Export controls, investment screening and endogenous rules come with
    the policy issue and are not modelled yet.

    Args:
        model: The model.
        region: The region it governs.
        spec: Its instruments.
    """

    agent_type = AgentType.GOVERNMENT

    def __init__(self, model: ComputeMarket, region: str, spec: GovernmentSpec) -> None:
        super().__init__(model, f"government_{region.lower()}", region, "government")
        self.spec = spec
        self.subsidies_paid_usd_bn = 0.0

    def pay_subsidy(self, recipient: int, capex_usd_bn: float, share: float) -> float:
        """Fund ``share`` of ``capex_usd_bn`` for ``recipient``; return the subsidy paid."""
        amount = capex_usd_bn * share
        if amount <= 0:
            return 0.0
        ledger = self.model.ledger
        ledger.pay(OUTSIDE, self.account, amount, PaymentKind.FISCAL_TRANSFER)
        ledger.pay(self.account, recipient, amount, PaymentKind.SUBSIDY)
        self.subsidies_paid_usd_bn += amount
        return amount
