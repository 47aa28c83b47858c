"""The capital market: share registers, loans, funding rounds, debt service and dividends.

Stakes and loans are dense matrices indexed by ledger account: ``stakes[h, f]`` is holder h's share
of firm f (each firm's column sums to 1), ``loans[l, b]`` the principal lender l holds on borrower b
and ``rates[l, b]`` its interest rate. Rows are every account; columns only the accounts that may issue shares or
borrow, those opened before the first investor (the investors and the share register never do): ``n_issuers`` of
them, so the matrices grow as accounts x firms, not accounts squared. They are stored column-major: a firm's share
register and a borrower's loans are contiguous columns (``first_month_plus_one`` too: it holds the month a holding
began plus one, zero for none). Each column's holders and lenders are indexed
(:class:`market.finance.column_rows.ColumnRows`; every write goes through this class, hand-built cases through
:meth:`set_register` and :meth:`set_loan`): dividends, debt service and portfolios read a firm's own holders and
lenders, and a firm no lender ever wrote (every follower) owes 0 without a read; a borrower's debt and interest due
still add its whole column, which keeps them exactly as before.
Rounds price shares at the firm's market value (floored at ``finance.min_pre_money_usd_bn``, times a follower's size
weight); investors barred by the firm's home government's screening
(``governments.<REGION>.screened_investor_regions``) take no part, their share of the round goes to
the others and what they would have committed (within their caps) is logged as blocked; new debt costs
r_f + s_0 + s_1 L with L the borrower's market leverage once it is raised (:class:`market.parameters.finance.FinanceSpec`).
An investment-grade firm sells bonds instead of borrowing (:mod:`market.finance.bond_book`). Loans and bonds are read,
raised and served by :class:`market.finance.debt.DebtMarket`, which this class extends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from market.finance.bond_book import BondBook
from market.finance.column_rows import ColumnRows, zeros_backed_as_written
from market.finance.debt import DebtMarket
from market.finance.ledger import PaymentKind
from market.finance.relations import CapitalRelations
from market.finance.rounds import shares_of_round
from market.finance.stake_book import StakeBook
from market.rng import Stream

if TYPE_CHECKING:
    from agents.base import EconomicAgent
    from market.model import ComputeMarket

FAB_PARTNER_KINDS = ("public", "sovereign")
EQUITY_KINDS = {
    "frontier": ("venture", "public", "sovereign"),
    "follower": ("venture", "sovereign"),
    "cloud": ("public", "sovereign"),
    "Chipmaker": ("public", "sovereign", "venture"),
    "Utility": ("energy", "public", "sovereign"),
}
NOISE_SIGMA = 0.2


class CapitalMarket(DebtMarket):
    """Equity and debt between investors and firms.

    Args:
        model: The model; all accounts must be open.
    """

    def __init__(self, model: ComputeMarket) -> None:
        self.model = model
        n = model.ledger.n_accounts
        investors = model.investors.accounts
        self.n_issuers = int(investors.min()) if investors.size else n
        investor_accounts = set(investors.tolist())
        issuers = [agent.account for agent in model.all_economic_agents() if agent.account not in investor_accounts]
        if issuers and max(issuers) >= self.n_issuers:
            raise ValueError("every firm's account must be opened before the first investor's")
        shape = (n, self.n_issuers)
        self.stakes = zeros_backed_as_written(shape)
        self.loans = zeros_backed_as_written(shape)
        self.rates = zeros_backed_as_written(shape)
        self.invested = zeros_backed_as_written(shape)
        self.first_month_plus_one = zeros_backed_as_written(shape, np.int64)
        self.holders = ColumnRows(self.n_issuers)
        self.lenders = ColumnRows(self.n_issuers)
        self.equity_raised_month = np.zeros(n)
        self.debt_raised_month = np.zeros(n)
        self.payout_month = np.zeros(n)
        self.foreign_equity_usd_bn = np.zeros(n)
        self.blocked_investment_usd_bn = 0.0
        self.stake_book = StakeBook(model)
        self.bonds = BondBook(self, shape)

    def set_register(self, firm: int, shares: np.ndarray) -> None:
        """Replace the firm's share register with ``shares`` (a share per account; hand-built cases)."""
        self.stakes[:, firm] = shares
        self.holders.add(firm, np.flatnonzero(shares))

    def start_month(self) -> None:
        """Reset this month's fundraising records."""
        self.equity_raised_month[:] = 0.0
        self.debt_raised_month[:] = 0.0
        self.payout_month[:] = 0.0

    def _weights(self, firm: EconomicAgent, kinds: tuple[str, ...],
                 region: str | None = None) -> tuple[slice, np.ndarray, np.ndarray]:
        """(part, weights, caps): the investors who may fund ``firm`` (:meth:`investors_of`) and, for each of them, its
        weight in a round (cash x eligible kind x home bias x noise) and its cap."""
        population = self.model.investors
        params = self.model.params.investors
        part = self.investors_of(firm)
        cash = np.maximum(self.model.ledger.balances_of(population.accounts[part]), 0.0)
        eligible = population.of_kinds(kinds)[part]
        home = np.where(population.in_region(region or firm.region)[part], 1.0, params.foreign_weight)
        noise = self.model.streams.get(Stream.INVESTOR_NOISE).lognormal(0.0, NOISE_SIGMA, len(cash))
        appetite = self.model.equity.appetite(firm.account)
        caps = cash * params.max_commit_share_per_round * population.risk_appetite[part] * appetite
        return part, cash * eligible * home * noise, caps

    def investors_of(self, firm: EconomicAgent) -> slice:
        """The investors (a slice of the population) who may fund ``firm``: a follower's own segment at ``run.scale``
        >= 2 (:class:`agents.investor.InvestorPopulation`), everyone otherwise."""
        segment = getattr(firm, "investor_segment", None)
        return slice(None) if segment is None else self.model.investors.segment_slice(segment)

    def screened_investors(self, firm: EconomicAgent, region: str | None = None, part: slice = slice(None)) -> np.ndarray:
        """Mask of investors (of ``part`` of the population) barred from new stakes in ``firm`` (or in its assets in
        ``region``) by the screening of the government of ``region``, by default the firm's home."""
        population = self.model.investors
        region = region or firm.region
        spec = self.model.governments[region].spec
        sector = "chipmaker" if firm.agent_type.value == "Chipmaker" else firm.role
        regions = population.regions[part]
        if not spec.screened_investor_regions or sector not in spec.screened_sectors:
            return np.zeros(len(regions), dtype=bool)
        return np.isin(regions, spec.screened_investor_regions) & (regions != region)

    def commitments(self, firm: EconomicAgent, amount: float, kinds: tuple[str, ...],
                     screened: bool = False) -> tuple[slice, np.ndarray]:
        """(part, commitments): what each investor of ``part`` (:meth:`investors_of`) commits to a round of ``amount``."""
        part, weights, caps = self._weights(firm, kinds)
        if screened:
            barred = self.screened_investors(firm, part=part)
            if barred.any() and weights.sum() > 0:
                blocked = float(shares_of_round(amount, weights, caps)[barred].sum())
                if blocked > 1e-9:
                    self.blocked_investment_usd_bn += blocked
                    regions = sorted(set(self.model.investors.regions[part][barred & (weights > 0)]))
                    self.model.log_event("investment_blocked", [firm.name],
                                         f"{blocked:.2f} $bn from investors in {', '.join(regions)} barred by screening")
                weights = np.where(barred, 0.0, weights)
        return part, shares_of_round(amount, weights, caps)

    def commit_fab_partners(self, maker: EconomicAgent, amount: float, region: str) -> np.ndarray:
        """What each investor commits as a partner in a fab of ``maker`` in ``region`` offered for ``amount`` (its share
        of the round among public and sovereign investors, biased to the fab's region and capped as in any round).

        Partners the host government's screening bars put in nothing and nobody takes their place: a fab partnership
        is a bilateral deal, so the fab is built to the money committed. What they would have put in is logged as
        blocked.
        """
        part, weights, caps = self._weights(maker, FAB_PARTNER_KINDS, region)
        commit = np.zeros(len(self.model.investors.accounts))
        commit[part] = shares_of_round(amount, weights, caps)
        barred = self.screened_investors(maker, region)
        if barred.any():
            blocked = float(commit[barred].sum())
            if blocked > 1e-9:
                self.blocked_investment_usd_bn += blocked
                regions = sorted(set(self.model.investors.regions[barred & (commit > 0)]))
                self.model.log_event("investment_blocked", [maker.name],
                                     f"{blocked:.2f} $bn of fab partners' money from investors in {', '.join(regions)} "
                                     "barred by screening")
            commit = np.where(barred, 0.0, commit)
        return commit

    def pre_money_usd_bn(self, firm: EconomicAgent) -> float:
        """The valuation a round prices at: the firm's market value, floored."""
        value = self.model.equity.market_value_of(firm.account)
        if value <= 0:
            value = firm.book_equity_usd_bn()
        return max(value, self.model.params.finance.min_pre_money_usd_bn * firm.size_weight)

    def _issue_shares(self, firm: EconomicAgent, holders: np.ndarray, paid: np.ndarray) -> None:
        raised = float(paid.sum())
        pre = self.pre_money_usd_bn(firm)
        post = pre + raised
        column = self.stakes[:, firm.account]
        column[self.holders.where_nonzero(self.stakes, firm.account)] *= pre / post
        payers = paid != 0
        holders, paid = holders[payers], paid[payers]
        column[holders] += paid / post
        self.holders.add(firm.account, holders)
        self.invested[holders, firm.account] += paid
        self.mark_first_holding(holders[paid > 0], firm.account)
        self.equity_raised_month[firm.account] += raised

    def raise_equity(self, firm: EconomicAgent, amount: float, category: str) -> float:
        """Sell new shares of ``firm`` at its market value to eligible investors; return the money raised."""
        part, commit = self.commitments(firm, amount, EQUITY_KINDS[category], screened=True)
        accounts = self.model.investors.accounts[part]
        paid = self.model.ledger.collect_from_many(accounts, firm.account, commit, PaymentKind.EQUITY)
        if paid.sum() <= 0:
            return 0.0
        self._issue_shares(firm, accounts, paid)
        self.foreign_equity_usd_bn[firm.account] += float(paid[self.model.investors.regions[part] != firm.region].sum())
        return float(paid.sum())

    def invest_strategic(self, investor: EconomicAgent, firm: EconomicAgent, amount: float) -> float:
        """A firm (a chipmaker) buys new shares of another at market value with its own cash, carried on its books at
        cost (:class:`market.finance.stake_book.StakeBook`); return the amount."""
        paid = self.model.ledger.collect_from_many(np.array([investor.account]), firm.account, np.array([amount]),
                                                   PaymentKind.EQUITY)
        if paid.sum() <= 0:
            return 0.0
        self._issue_shares(firm, np.array([investor.account]), paid)
        self.stake_book.buy(investor.account, firm.account, float(paid.sum()))
        return float(paid.sum())

    def mark_first_holding(self, holders: np.ndarray, firm: int) -> None:
        """Note this month as the month each of ``holders`` first held ``firm``, where none is noted yet."""
        unset = holders[self.first_month_plus_one[holders, firm] == 0]
        self.first_month_plus_one[unset, firm] = self.model.month + 1

    def assign_initial_owners(self, firm: EconomicAgent, category: str) -> None:
        """Give the firm's starting shares to eligible investors in proportion to their cash (no payment)."""
        part, weights, _ = self._weights(firm, EQUITY_KINDS[category])
        owners = weights > 0
        accounts = self.model.investors.accounts[part][owners]
        self.stakes[accounts, firm.account] = weights[owners] / weights.sum()
        self.holders.add(firm.account, accounts)
        self.mark_first_holding(accounts, firm.account)

    def assign_stakes_held_by(self, holder: int, heirs: np.ndarray, weights: np.ndarray) -> None:
        """Pass every stake ``holder`` owns to ``heirs`` in proportion to ``weights`` (summing to 1, or less: the rest
        of each stake is cancelled).

        A firm's share of its own stock, and any part of a stake not passed on, is cancelled and the other holders'
        shares scale up: each register is divided by what is left of it, T. A firm heir carries the share it ends with,
        received / T (:meth:`market.finance.stake_book.StakeBook.pass_on`). A register left with no holder at all (its
        only holder failed and passed it to no one) stays empty: the firm has no outside shareholders.
        """
        row = self.stakes[holder].copy()
        held = np.flatnonzero(row > 0)
        if not held.size:
            return
        self.stakes[holder, held] = 0.0
        received = weights[:, None] * row[held][None, :]
        self.stakes[np.ix_(heirs, held)] += received
        left = np.ones(held.size)
        for j, firm in enumerate(held):
            self.holders.add(int(firm), heirs)
            self.stakes[firm, firm] = 0.0
            column = self.stakes[:, firm]
            total = column.sum()
            if total > 0:
                column[np.flatnonzero(column)] /= total
                left[j] = total
            self.mark_first_holding(heirs[self.stakes[heirs, firm] > 0], int(firm))
        self.stake_book.pass_on(holder, heirs, received / left[None, :], held)

    def pay_dividend(self, firm: EconomicAgent, amount: float) -> float:
        """Pay ``amount`` (at most the firm's cash) to its shareholders pro rata; return what was paid."""
        amount = min(amount, max(firm.cash_usd_bn, 0.0))
        column = self.stakes[:, firm.account]
        holders = self.holders.where_positive(self.stakes, firm.account)
        paid = self.model.ledger.pay_to_many(firm.account, holders, amount * column[holders], PaymentKind.DIVIDEND,
                                             voluntary=True)
        self.payout_month[firm.account] += paid
        return paid

    def pay_out_excess_cash(self, firm: EconomicAgent, needs_usd_bn: float) -> float:
        """Return a share of the firm's cash beyond ``needs_usd_bn`` to its shareholders; return what was paid.

        payout = x max(cash - needs, 0), x ``finance.payout_share_of_excess_cash_per_month``.
        """
        excess = firm.cash_usd_bn - needs_usd_bn
        if excess <= 1e-9:
            return 0.0
        return self.pay_dividend(firm, self.model.params.finance.payout_share_of_excess_cash_per_month * excess)

    def relations(self) -> CapitalRelations:
        """The stakes and loans as relations of the network, read from the matrices (what the run's outputs write)."""
        return CapitalRelations(self)

    def sync_network(self) -> None:
        """Write the stakes, loans and bonds as edges of the relations graph (:meth:`CapitalRelations.write_to`)."""
        self.relations().write_to(self.model.network)
