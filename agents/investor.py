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
    """Array view of all investors: accounts, kinds, regions and segments, for vectorised passes.

    At ``run.scale`` K >= 2 the investors fall into S = floor(K) segments of consecutive investors, investor j in
    segment floor(j S / N) of N, each about a scale-1 population's worth (kinds and homes are drawn independently of
    the index, so each segment is a sample of the whole); follower i is funded by segment i mod S only
    (:meth:`market.finance.capital.CapitalMarket.investors_of`). A follower at scale K then meets as many prospective
    investors, each 1/K the size, as a follower at scale 1, and the followers' market is S copies of scale 1's
    instead of every small lab courting every fund (venture funding is local: Sorenson and Stuart 2001, Am. J. Sociol.
    106(6):1546, on syndication networks and the distance of venture investments), so a follower's register holds a
    scale-1 follower's number of holders at every K. Named firms are open to every investor. At K < 2 there is one
    segment and nothing changes.

    Args:
        investors: The investor agents, in index order.
        segments: S, the number of segments.
    """

    def __init__(self, investors: list[Investor], segments: int = 1) -> None:
        self.agents = investors
        self.segments = max(1, segments)
        self.segment = np.arange(len(investors)) * self.segments // max(len(investors), 1)
        self._segment_bounds = np.searchsorted(self.segment, np.arange(self.segments + 1))
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

    def segment_slice(self, segment: int) -> slice:
        """The investors of ``segment``: consecutive rows of the population arrays."""
        return slice(int(self._segment_bounds[segment]), int(self._segment_bounds[segment + 1]))

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
