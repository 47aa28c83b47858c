"""Investors: a population whose state lives in arrays, one row per investor."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.base import EconomicAgent
from market.enums import AgentType, InvestorKind
from market.finance.ledger import OUTSIDE, PaymentKind

if TYPE_CHECKING:
    from market.model import ComputeMarket


class Investor(EconomicAgent):
    """One investor: a venture fund, public-market institution, sovereign fund or energy fund.

    Holds capital (its ledger cash) and a portfolio (rows of the capital market's stake and loan
    matrices). Its kind sets its horizon (the memory of its Brock-Hommes fitness, see
    :mod:`market.finance.equity_market`) and its risk appetite (how much of its cash it puts into a round).
    Investors take part in rounds pro rata to their cash, with home bias and noise, more readily in
    firms whose expected excess return is high, and receive new money from ``outside`` at
    ``investors.inflow_rate_per_month`` of their cash, scaled up or down by recent market returns.

    Args:
        model: The model.
        index: Row in the investor population arrays.
        kind: Kind of investor.
        region: Home region.
    """

    agent_type = AgentType.INVESTOR

    def __init__(self, model: ComputeMarket, index: int, kind: InvestorKind, region: str) -> None:
        super().__init__(model, f"investor_{index:04d}", region, kind.value)
        self.index = index
        self.kind = kind


class InvestorPopulation:
    """Array view of all investors: accounts, kinds and regions, for vectorised passes.

    Args:
        investors: The investor agents, in index order.
    """

    def __init__(self, investors: list[Investor]) -> None:
        self.agents = investors
        self.accounts = np.array([i.account for i in investors], dtype=np.int64)
        self.kinds = np.array([i.kind.value for i in investors])
        self.regions = np.array([i.region for i in investors])
        kinds = investors[0].model.params.investor_kinds if investors else {}
        self.risk_appetite = np.array([kinds[i.kind.value].risk_appetite for i in investors])
        self._kind_masks: dict[tuple[str, ...], np.ndarray] = {}
        self._region_masks: dict[str, np.ndarray] = {}

    def of_kinds(self, kinds: tuple[str, ...]) -> np.ndarray:
        """Mask of the investors of the given kinds (read-only; kept, since the population never changes)."""
        mask = self._kind_masks.get(kinds)
        if mask is None:
            mask = np.isin(self.kinds, kinds)
            mask.setflags(write=False)
            self._kind_masks[kinds] = mask
        return mask

    def in_region(self, region: str) -> np.ndarray:
        """Mask of the investors based in ``region`` (read-only; kept)."""
        mask = self._region_masks.get(region)
        if mask is None:
            mask = self.regions == region
            mask.setflags(write=False)
            self._region_masks[region] = mask
        return mask

    def cash_usd_bn(self, model: ComputeMarket) -> np.ndarray:
        """Each investor's cash, floored at zero."""
        return np.maximum(model.ledger.balances_of(self.accounts), 0.0)

    def receive_inflows(self, model: ComputeMarket, rate_per_month: float) -> float:
        """Pay each investor new money from outside at ``rate_per_month`` of its cash; return the total."""
        cash = self.cash_usd_bn(model)
        return model.ledger.pay_to_many(OUTSIDE, self.accounts, cash * rate_per_month, PaymentKind.INVESTOR_INFLOW)
