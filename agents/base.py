"""Behaviour shared by every agent: a name, a region, a ledger account and a balance sheet."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from market.enums import AgentType

if TYPE_CHECKING:
    from market.model import ComputeMarket


def clipped(value: float, low: float, high: float) -> float:
    """``float(np.clip(value, low, high))`` for one number and bounds that are numbers, bit for bit (a NaN value and
    signed zeros included), without numpy's per-call cost: min(max(value, low), high)."""
    return float(min(max(value, low), high))


class EconomicAgent(mesa.Agent):
    """An agent with a ledger account. Its cash is its ledger balance: the ledger is the one record.

    ``size_weight`` is the share of a scale-1 agent this one stands for (1, except a follower lab at ``run.scale`` K:
    its money thresholds, such as the smallest pre-money value and the arrears tolerance, scale with it).

    Args:
        model: The model the agent belongs to.
        name: Stable name, e.g. ``incumbent_gpu``.
        region: Home region.
        role: The agent's kind within its type (``frontier``, ``incumbent``, ``venture`` ...).
    """

    agent_type: AgentType

    def __init__(self, model: ComputeMarket, name: str, region: str, role: str) -> None:
        super().__init__(model)
        self.name = name
        self.region = region
        self.role = role
        self.alive = True
        self.account = model.ledger.open_account(name)
        self.revenue_month_usd_bn = 0.0
        self.fixed_assets_usd_bn = 0.0
        self.depreciation_month_usd_bn = 0.0
        self.size_weight = 1.0

    @property
    def cash_usd_bn(self) -> float:
        """Cash held, as recorded by the ledger."""
        return self.model.ledger.balance(self.account)

    @property
    def debt_usd_bn(self) -> float:
        """Principal owed to lenders and the face of its bonds."""
        return self.model.capital.debt_of(self.account)

    def compute_gw(self) -> float:
        """GW of compute the agent runs (zero for agents that run none)."""
        return 0.0

    @property
    def capital_in_service_usd_bn(self) -> float:
        """Capital earning today's revenue at book: the fixed assets (labs leave out buildings under construction)."""
        return self.fixed_assets_usd_bn

    @property
    def capital_not_in_service_usd_bn(self) -> float:
        """Fixed assets at book that earn nothing yet (a lab's buildings under construction, chips idle for want of a
        building or power, power plants being built): a valuation counts them at book, since its cash flows do not see
        them yet (none for chipmakers and utilities, whose fixed assets all count as in service)."""
        return max(self.fixed_assets_usd_bn - self.capital_in_service_usd_bn, 0.0)

    def book_equity_usd_bn(self) -> float:
        """Assets less liabilities at book value; stakes in fabs (a lab anchoring a fab network) count at book, stakes
        in other firms at cost less impairment (:class:`market.finance.stake_book.StakeBook`)."""
        return self.own_book_equity_usd_bn() + self.model.capital.stake_book.held_by(self.account)

    def own_book_equity_usd_bn(self) -> float:
        """Book equity without the stakes held in other firms: what the firm's own value is floored at, since the
        stakes' value reaches its value through the cross-holdings."""
        ledger = self.model.ledger
        fab_stakes = self.model.fabs.partner_book_usd_bn(ledger.n_accounts)[self.account]
        return (self.cash_usd_bn + self.fixed_assets_usd_bn + float(fab_stakes) + ledger.claims_receivable(self.account)
                - self.debt_usd_bn - ledger.claims_payable(self.account))
