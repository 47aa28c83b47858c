"""Vendor ("circular") financing: a chipmaker invests in a lab per GW of its chips the lab deploys.

Each deal (``vendor_deals.<name>``) pays tranches of ``usd_bn_per_gw`` for every new GW of the
chipmaker's chips online in the lab's own projects, up to ``max_gw``, from ``start_date``. A tranche
buys new shares of the lab at its market value (a stake on the network) and is earmarked: the lab's
next payments to that chipmaker for chips are counted as earmarked spend until the earmark is used.
circularity = earmarked spend / chipmakers' chip revenue, this month.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from market.finance.ledger import KIND_CODE, PaymentKind
from market.network import EdgeType
from market.physical.compute import month_index

if TYPE_CHECKING:
    from market.model import ComputeMarket


@dataclass
class DealState:
    """A running deal: accounts, terms and what has been counted and paid so far."""

    name: str
    maker: int
    lab: int
    usd_bn_per_gw: float
    max_gw: float
    start_month: int
    counted_gw: float = 0.0
    invested_usd_bn: float = 0.0
    earmark_usd_bn: float = 0.0


class VendorFinancing:
    """All vendor-financing deals of a run.

    Args:
        model: The model.
    """

    def __init__(self, model: ComputeMarket) -> None:
        self.model = model
        self.deals = [
            DealState(name, model.chipmakers[spec.chipmaker].account, model.labs[spec.lab].account, spec.usd_bn_per_gw,
                      spec.max_gw, month_index(spec.start_date))
            for name, spec in model.params.vendor_deals.items()
        ]
        self.earmarked_spend_month = 0.0
        for deal in self.deals:
            model.network.add_or_update(deal.lab, deal.maker, EdgeType.PARTNERS, model.date, origin=f"vendor deal {deal.name}",
                                        usd_bn_per_gw=deal.usd_bn_per_gw, max_gw=deal.max_gw)

    def earmark_for(self, lab: int, maker: int) -> float:
        """Earmarked money the lab still holds for a chipmaker's chips."""
        return sum(d.earmark_usd_bn for d in self.deals if d.lab == lab and d.maker == maker)

    def pay_tranches(self) -> None:
        """Pay a tranche for each new GW of the chipmaker's chips online at the lab (schedule step 5)."""
        model = self.model
        cohorts = model.cohorts
        n = cohorts.n
        for deal in self.deals:
            lab, maker = model.agent_by_account(deal.lab), model.agent_by_account(deal.maker)
            if model.month < deal.start_month or not lab.alive or not maker.alive:
                continue
            mask = cohorts.live() & (cohorts.owner[:n] == deal.lab) & (cohorts.maker[:n] == deal.maker)
            online = min(float(cohorts.online_gw[:n][mask].sum()), deal.max_gw)
            new_gw = online - deal.counted_gw
            if new_gw <= 1e-9:
                continue
            paid = model.capital.invest_strategic(maker, lab, new_gw * deal.usd_bn_per_gw)
            counted = new_gw if paid >= new_gw * deal.usd_bn_per_gw - 1e-9 else paid / deal.usd_bn_per_gw
            deal.counted_gw += counted
            deal.invested_usd_bn += paid
            deal.earmark_usd_bn += paid
            model.network.add_or_update(deal.maker, deal.lab, EdgeType.INVESTS, model.date,
                                        accumulate={"vendor_usd_bn": paid})
            model.log_event("vendor_tranche", [maker.name, lab.name],
                            f"{paid:.2f} $bn for {counted:.3f} GW deployed (deal {deal.name})")

    def account_spend(self) -> float:
        """After settlement: count this month's chip payments against earmarks; return circularity."""
        flows = self.model.ledger.current_flows()
        chips = flows.kind == KIND_CODE[PaymentKind.CHIPS]
        spend = 0.0
        for deal in self.deals:
            paid = float(flows.amount[chips & (flows.payer == deal.lab) & (flows.payee == deal.maker)].sum())
            used = min(paid, deal.earmark_usd_bn)
            deal.earmark_usd_bn -= used
            spend += used
        self.earmarked_spend_month = spend
        revenue = float(np.sum(list(self.model.chip_market.revenue_month.values())))
        return spend / revenue if revenue > 0 else 0.0
