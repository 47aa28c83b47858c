"""Governments: one per region, holding their policy instruments as data the markets apply."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.base import EconomicAgent
from market.enums import AgentType
from market.finance.ledger import OUTSIDE, PaymentKind
from market.outputs.metrics import compute_gw_by_region
from market.parameters.policy import ExportRuleSpec, GovernmentSpec

if TYPE_CHECKING:
    from agents.lab import Lab
    from market.model import ComputeMarket


class Government(EconomicAgent):
    """A region's government.

    Instruments: ``permitting_speed`` (utility build rates x s, lead times / s); capex subsidies for
    generation and fabs, paid as ``subsidy`` from a matching ``fiscal_transfer`` out of ``outside``
    (the taxpayer); a response to foreign export blocks (subsidy and more foundry capacity for its
    domestic chipmakers); export rules it issues (``export_rules``, applied by its chipmakers, see
    :mod:`market.policy.export_controls`); investment screening (applied in rounds, see
    :mod:`market.finance.capital`); and two endogenous rules, each behind a switch: escalation (a full
    export block on a rival whose share of world compute passes a threshold) and the rescue of a
    systemic home lab (its unpaid claims paid for new shares at market value). Every policy change
    is an event in the event log.

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
        self.responding_to_block = False
        self.fab_subsidy_share = spec.fab_subsidy_share

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

    def apply_rules(self) -> None:
        """Log its export rules coming into force this month and, if switched on, escalate against rivals."""
        model = self.model
        for rule in model.export_controls.rules:
            if rule.spec.issuer == self.region and rule.from_month == model.month:
                model.log_event("export_rule", [self.name], f"{rule.name} in force: parts over TPP {rule.spec.tpp_threshold:g} "
                                f"barred from {', '.join(rule.spec.destinations)}")
        if not self.spec.escalation_enabled:
            return
        by_region = compute_gw_by_region(model)
        world = sum(by_region.values())
        for rival in self.spec.escalation_rival_regions:
            name = f"escalation_{self.region.lower()}_{rival.lower()}"
            share = by_region[rival] / world if world > 0 else 0.0
            if rival != self.region and name not in model.params.export_rules and share > self.spec.escalation_share_threshold:
                rule = ExportRuleSpec()
                rule.issuer, rule.destinations, rule.from_date = self.region, [rival], model.date
                rule.tpp_threshold, rule.performance_density_threshold = 0.0, 0.0
                model.export_controls.add_rule(name, rule)
                model.log_event("export_rule", [self.name], f"{name}: {rival} holds {share:.0%} of world compute; "
                                "all accelerators barred")

    def respond_to_block(self) -> None:
        """Back the region's domestic chipmakers once its labs have been refused foreign accelerators (once)."""
        model = self.model
        spec = self.spec
        if self.responding_to_block or not spec.block_response_enabled:
            return
        self.responding_to_block = True
        self.fab_subsidy_share = max(self.fab_subsidy_share, spec.block_response_fab_subsidy_share)
        makers = [m for m in model.chipmakers.values() if m.region == self.region]
        for maker in makers:
            maker.capacity_ceiling_gw_per_month *= spec.block_response_ceiling_multiplier
        model.log_event("block_response", [self.name, *(m.name for m in makers)],
                        f"fab subsidy {self.fab_subsidy_share:.0%}, capacity ceiling x{spec.block_response_ceiling_multiplier:g}")

    def rescue(self, lab: Lab, owed_usd_bn: float) -> bool:
        """Pay a systemic home lab's unpaid claims for new shares at market value; return whether it did."""
        model = self.model
        if not self.spec.rescue_enabled or lab.region != self.region or owed_usd_bn <= 0:
            return False
        world = model.cohorts.totals()["online_gw"]
        share = lab.compute_gw() / world if world > 0 else 0.0
        if share < self.spec.rescue_min_compute_share:
            return False
        model.ledger.pay(OUTSIDE, self.account, owed_usd_bn, PaymentKind.FISCAL_TRANSFER)
        model.capital.invest_strategic(self, lab, owed_usd_bn)
        model.ledger.settle_claims(lab.account)
        model.log_event("rescue", [self.name, lab.name],
                        f"{owed_usd_bn:.2f} $bn for new shares; the lab runs {share:.0%} of world compute")
        return True
