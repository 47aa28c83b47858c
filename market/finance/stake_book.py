"""Firms' stakes in other firms on the holders' books: at cost, less impairment.

A firm (a chipmaker buying shares of a lab it supplies, a cloud holding a lab's shares from the start, or a creditor
taking over a failed firm's stakes; a government rescuing a lab too) carries each stake it holds in another firm at an
amount C_hf, part of its book equity (:meth:`agents.base.EconomicAgent.book_equity_usd_bn`):

    C_hf = what h paid for its shares of f                        on purchase (added to by each further purchase), or
                                                                  before the start (:meth:`StakeBook.hold_at_start`)
    C_hf = s_hf V_f                                               on taking the stake over from a failed holder's estate
    C_hf <- s_hf V_f   if C_hf - s_hf V_f > m C_hf                 at each quarter's end (impairment, never reversed)
    C_hf <- 0                                                     when f defaults (h's own entries leave when h does)

with s_hf h's share of f, V_f the market value of f's equity (:meth:`market.finance.equity_market.EquityMarket.market_value_of`)
and m ``finance.impairment_materiality_share``. This is the cost method of an equity investment without a readily
determinable fair value: cost less impairment, tested when a quarter's results are reported (ASC 321-10-35-2 and
35-3; IAS 28.40-43 tests an associate the same way). Dilution by new shares and dividends received leave C_hf as it is.

The stake's value beyond C_hf is not on the books; it reaches the holder's market value through the cross-holdings
(:func:`market.finance.valuation.solve_cross_holdings`), which is why a firm's own value is floored at its book equity
without its stakes (:meth:`agents.base.EconomicAgent.own_book_equity_usd_bn`). Investors' stakes are not carried here:
their portfolios are valued at market. A write-down moves no money; it is logged as a ``stake_impairment`` or
``stake_written_off`` event naming the holder and the firm.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from market.finance.payments import OUTSIDE

if TYPE_CHECKING:
    from market.model import ComputeMarket

QUARTER_MONTHS = 3


class StakeBook:
    """Carrying amounts of the stakes firms hold in other firms.

    Args:
        model: The model; its capital market's share registers give the shares s_hf.
    """

    def __init__(self, model: ComputeMarket) -> None:
        self.model = model
        self.carrying_usd_bn: dict[tuple[int, int], float] = {}

    def held_by(self, holder: int) -> float:
        """Sum of the carrying amounts of the stakes ``holder`` holds (0 for an investor or a firm holding none)."""
        return sum(amount for (owner, _), amount in self.carrying_usd_bn.items() if owner == holder)

    def by_account(self, n_accounts: int) -> np.ndarray:
        """:meth:`held_by` of every account at once."""
        held = np.zeros(n_accounts)
        for (holder, _), amount in self.carrying_usd_bn.items():
            held[holder] += amount
        return held

    def is_carried_by(self, holder: int) -> bool:
        """Whether ``holder`` is a firm or a government (a rescue's stake) whose stakes this book carries; an investor's
        are valued at market instead, and ``outside`` (a creditor of last resort in an estate) carries nothing."""
        return OUTSIDE < holder < self.model.capital.n_issuers

    def buy(self, holder: int, firm: int, paid_usd_bn: float) -> None:
        """``holder`` paid ``paid_usd_bn`` for new shares of ``firm``: its carrying amount rises by the price."""
        if self.is_carried_by(holder) and paid_usd_bn > 0:
            key = (holder, firm)
            self.carrying_usd_bn[key] = self.carrying_usd_bn.get(key, 0.0) + paid_usd_bn

    def hold_at_start(self, firm: int, stakes: list[tuple[int, float, float]]) -> None:
        """At set-up, each (holder, share, cost) of ``stakes`` holds that share of ``firm``, bought for that cost before
        the start (no payment; :class:`market.parameters.finance.StrategicStakeSpec`); the starting owners' shares are
        scaled by one less the stakes' shares."""
        capital = self.model.capital
        column = capital.stakes[:, firm]
        column[capital.holders.where_nonzero(capital.stakes, firm)] *= 1.0 - sum(share for _, share, _ in stakes)
        for holder, share, cost_usd_bn in stakes:
            column[holder] += share
            capital.holders.add(firm, np.array([holder]))
            capital.invested[holder, firm] += cost_usd_bn
            capital.mark_first_holding(np.array([holder]), firm)
            self.buy(holder, firm, cost_usd_bn)

    def pass_on(self, holder: int, heirs: np.ndarray, shares_received: np.ndarray, firms: np.ndarray) -> None:
        """A failed ``holder``'s stakes in ``firms`` went to ``heirs``: ``shares_received[k, j]`` of ``firms[j]`` to
        ``heirs[k]``. The holder's carrying amounts leave its books; each live heir that is a firm carries what it
        received of a live firm other than itself at fair value, s V_f (an heir's own shares are cancelled)."""
        self.drop_holder(holder)
        market = self.model.equity.market_value_of
        for k, heir in enumerate(heirs):
            if not self.is_carried_by(int(heir)) or not self.model.agent_by_account(int(heir)).alive:
                continue
            for j, firm in enumerate(firms):
                if int(heir) == int(firm) or not self.model.agent_by_account(int(firm)).alive:
                    continue
                self.buy(int(heir), int(firm), float(shares_received[k, j]) * max(market(int(firm)), 0.0))

    def drop_holder(self, holder: int) -> None:
        """A failed ``holder``'s carrying amounts leave the book (its stakes pass to its estate's heirs, or nobody)."""
        for key in [key for key in self.carrying_usd_bn if key[0] == holder]:
            del self.carrying_usd_bn[key]

    def write_off(self, firm: int) -> list[tuple[int, float]]:
        """``firm`` defaulted: every holder's carrying amount in it goes to zero; return (holder, amount written off)."""
        written = [(holder, amount) for (holder, held), amount in self.carrying_usd_bn.items() if held == firm]
        for holder, amount in written:
            del self.carrying_usd_bn[(holder, firm)]
            if amount > 0:
                self.model.log_event("stake_written_off", [self.model.name_of(holder), self.model.name_of(firm)],
                                     f"{amount:.4g} $bn, its stake's carrying amount, written off")
        return written

    def run(self) -> None:
        """At a quarter's end, test every carried stake (:meth:`test`); not in a run's first month, whose market values
        are still the starting books' (firms are first valued on their own accounts at its close)."""
        if self.model.steps > 1 and int(self.model.date[5:7]) % QUARTER_MONTHS == 0:
            self.test()

    def test(self) -> list[tuple[int, int, float]]:
        """Write each stake down to its fair value s_hf V_f where it falls below the carrying amount by more than the
        materiality share of it; return (holder, firm, loss) of each write-down."""
        model = self.model
        materiality = model.params.finance.impairment_materiality_share
        losses = []
        for (holder, firm), carried in sorted(self.carrying_usd_bn.items()):
            if not model.agent_by_account(holder).alive:
                continue
            fair = float(model.capital.stakes[holder, firm]) * max(model.equity.market_value_of(firm), 0.0)
            loss = carried - fair
            if loss > max(materiality * carried, 1e-12):
                self.carrying_usd_bn[(holder, firm)] = fair
                losses.append((holder, firm, loss))
                model.log_event("stake_impairment", [model.name_of(holder), model.name_of(firm)],
                                f"{loss:.4g} $bn written off its stake (carried at {carried:.4g}, fair value {fair:.4g} $bn)")
        return losses
