"""Debt between investors and firms: loans and bonds, what they cost and how they are served (the debt side of
:class:`market.finance.capital.CapitalMarket`).

New debt costs r = r_f + s_0 + s_1 L, L = D / (D + E) the borrower's market leverage once it is raised (D its debt with
the new debt, E the market value of its equity; :class:`market.parameters.finance.FinanceSpec`). Loans amortise 1/T a
month (T ``finance.debt_term_months``); an investment-grade firm sells bonds instead (:mod:`market.finance.bond_book`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from market.finance.ledger import PaymentKind

if TYPE_CHECKING:
    from agents.base import EconomicAgent
    from market.finance.bond_book import BondBook
    from market.finance.column_rows import ColumnRows
    from market.model import ComputeMarket

LENDER_KINDS = ("public", "sovereign")


class DebtMarket:
    """Loans (``loans[l, b]`` principal, ``rates[l, b]`` yield, lenders indexed by borrower) and bonds of
    :class:`market.finance.capital.CapitalMarket`, which holds the matrices and the investors' commitments
    (``commitments``, ``_weights``, ``mark_first_holding``)."""

    model: ComputeMarket
    n_issuers: int
    loans: np.ndarray
    rates: np.ndarray
    lenders: ColumnRows
    bonds: BondBook
    debt_raised_month: np.ndarray

    def debt_of(self, account: int) -> float:
        """Principal the account owes on loans and the face of its bonds (none for an account that cannot borrow)."""
        bonds = self.bonds.outstanding(account)
        if account >= self.n_issuers or not self.lenders.has_rows(account):
            return bonds
        return float(self.loans[:, account].sum()) + bonds

    def debt_by_account(self) -> np.ndarray:
        """Principal each account owes (``debt_of`` of every account at once): the loans' column sums over the firms'
        columns that have lenders, the only ones that borrow, and the face of their bonds (each column added as
        ``debt_of`` adds it)."""
        debt = np.zeros(self.loans.shape[0])
        borrowers = np.intersect1d(self.lenders.columns_with_rows(), self.model.equity.accounts)
        debt[borrowers] = [self.loans[:, borrower].sum() for borrower in borrowers]
        for issuer in np.intersect1d(self.bonds.issuers(), self.model.equity.accounts):
            debt[issuer] += self.bonds.outstanding(int(issuer))
        return debt

    def total_debt(self) -> float:
        """Principal owed by all borrowers (their loans added in account order) and the face of all bonds."""
        loans = float(sum(self.loans[:, borrower].sum() for borrower in self.lenders.columns_with_rows()))
        return loans + sum(self.bonds.outstanding(int(issuer)) for issuer in self.bonds.issuers())

    def set_loan(self, lender: int, borrower: int, principal_usd_bn: float, rate_per_year: float | None = None) -> None:
        """Set the principal ``lender`` holds on ``borrower`` (and its rate, if given) without a payment (hand-built cases)."""
        self.loans[lender, borrower] = principal_usd_bn
        if rate_per_year is not None:
            self.rates[lender, borrower] = rate_per_year
        self.lenders.add(borrower, np.array([lender]))

    def market_leverage(self, firm: EconomicAgent, new_debt_usd_bn: float = 0.0) -> float:
        """L = D / (D + E): debt (with ``new_debt_usd_bn`` more, pro forma) over itself and the market value of equity."""
        debt = firm.debt_usd_bn + new_debt_usd_bn
        equity = max(self.model.equity.market_value_of(firm.account), 0.0)
        return debt / (debt + equity) if debt + equity > 0 else 0.0

    def borrowing_rate(self, firm: EconomicAgent, new_debt_usd_bn: float = 0.0) -> float:
        """Yield of the firm's debt: r_f + s_0 + s_1 L (:meth:`market_leverage`, after ``new_debt_usd_bn`` when a new
        loan or bond is priced)."""
        finance = self.model.params.finance
        leverage = self.market_leverage(firm, new_debt_usd_bn)
        return self.model.equity.risk_free_rate() + finance.base_spread_per_year + finance.leverage_spread_per_year * leverage

    def debt_capacity(self, firm: EconomicAgent, total_assets_usd_bn: float) -> float:
        """More debt the firm may take within ``finance.max_debt_to_assets``."""
        limit = self.model.params.finance.max_debt_to_assets * max(total_assets_usd_bn, 0.0)
        return max(limit - firm.debt_usd_bn, 0.0)

    def raise_debt(self, firm: EconomicAgent, amount: float) -> float:
        """Sell bonds when the firm may (:meth:`market.finance.bond_book.BondBook.may_issue`), else borrow from eligible
        lenders; return the money raised."""
        if self.bonds.may_issue(firm, amount):
            raised = self.bonds.issue(firm, amount)
            self.debt_raised_month[firm.account] += raised
            return raised
        accounts, lent, rate = self.collect_debt(firm, amount, PaymentKind.LOAN)
        total = float(lent.sum())
        if total <= 0:
            return 0.0
        rows = np.flatnonzero((self.loans[accounts, firm.account] != 0) | (lent != 0)
                              | (self.rates[accounts, firm.account] != 0))
        accounts, lent = accounts[rows], lent[rows]
        old = self.loans[accounts, firm.account]
        new = old + lent
        self.rates[accounts, firm.account] = np.where(new > 0, (old * self.rates[accounts, firm.account] + lent * rate)
                                                      / np.where(new > 0, new, 1.0), 0.0)
        self.loans[accounts, firm.account] = new
        self.lenders.add(firm.account, accounts[new != 0])
        self.mark_first_holding(accounts[lent > 0], firm.account)
        self.debt_raised_month[firm.account] += total
        return total

    def collect_debt(self, firm: EconomicAgent, amount: float, kind: PaymentKind) -> tuple[np.ndarray, np.ndarray, float]:
        """Collect up to ``amount`` of new debt (``kind``: a loan or a bond) from public and sovereign investors;
        return (their accounts, what each paid, the firm's yield with the new debt)."""
        part, commit = self.commitments(firm, amount, LENDER_KINDS)
        accounts = self.model.investors.accounts[part]
        paid = self.model.ledger.collect_from_many(accounts, firm.account, commit, kind)
        return accounts, paid, self.borrowing_rate(firm, float(paid.sum()))

    def assign_initial_debt(self, firm: EconomicAgent, amount: float) -> None:
        """Record debt existing at the start as loans held by lenders in proportion to their cash (no payment), at the
        yield of the firm with it. At the start the rate is provisional: before the first month no firm has a market
        value (its leverage reads 1), so the debt is graded and repriced at the first valuation on fundamentals, at the
        first month's close (:meth:`grade_first_debt`); the first month's interest is paid at the provisional rate."""
        if amount <= 0:
            return
        part, weights, _ = self._weights(firm, LENDER_KINDS)
        lenders = weights > 0
        accounts = self.model.investors.accounts[part][lenders]
        rate = self.borrowing_rate(firm, amount)
        self.loans[accounts, firm.account] += amount * weights[lenders] / weights.sum()
        self.lenders.add(firm.account, accounts)
        self.rates[accounts, firm.account] = rate
        self.mark_first_holding(accounts, firm.account)

    def grade_first_debt(self) -> None:
        """At the first valuation on fundamentals (the first month's close), hold the loans outstanding then (the
        starting debt and what the first month added, both priced before any firm had a market value) as a new issue
        of that size would be held, now that the borrower's market value is known.

        A borrower that may sell bonds for it (:meth:`market.finance.bond_book.BondBook.may_issue`, not pro forma: at
        least ``finance.bond_min_issue_usd_bn``, nothing in arrears, market leverage L at most
        ``finance.bond_max_leverage``, the debt already counted in L) holds it as bonds, each lender the face of its loan, at the coupon r_f + s_0 +
        s_1 L; any other keeps its loans, repriced at that yield. The large listed firms' debt is mostly senior notes
        (Microsoft, Alphabet, Amazon, Meta and Oracle 10-K filings, long-term debt notes).
        """
        for account in self.lenders.columns_with_rows():
            account = int(account)
            lenders = self.lenders.where_positive(self.loans, account)
            firm = self.model.agent_by_account(account)
            if lenders.size == 0 or not firm.alive:
                continue
            principal = self.loans[lenders, account].copy()
            amount = float(principal.sum())
            leverage = self.market_leverage(firm)
            rate = self.borrowing_rate(firm)
            as_bonds = self.bonds.may_issue(firm, amount, pro_forma=False)
            if as_bonds:
                self.bonds.hold(account, lenders, principal, rate)
                self.loans[lenders, account] = 0.0
                self.rates[lenders, account] = 0.0
            else:
                self.rates[lenders, account] = rate
            self.model.log_event("debt_graded", [firm.name], f"{amount:.2f} $bn of debt held as "
                                 f"{'bonds' if as_bonds else 'loans'} at {rate:.2%} a year (market leverage {leverage:.3f})")

    def service_debt(self, borrower: EconomicAgent) -> float:
        """Pay this month's interest on the borrower's loans and its bonds' coupons, then the loans' principal and the
        bonds' redemptions (loans and bonds pari passu: short of cash, each creditor gets the same share); return the
        amount due.

        Principal falls by 1/term each month (declining balance); what the borrower cannot pay
        becomes the lenders' and bondholders' claims.
        """
        account, ledger = borrower.account, self.model.ledger
        holders, coupons, redeemed = self.bonds.due_by_holder(account)
        lenders = self.lenders.where_positive(self.loans, account) if self.lenders.has_rows(account) else holders[:0]
        if lenders.size + holders.size == 0:
            return 0.0
        column = self.loans[:, account]
        interest = column[lenders] * self.rates[lenders, account] / 12.0
        repayment = column[lenders] / self.model.params.finance.debt_term_months
        ledger.pay_to_many_pari_passu(account, [(lenders, interest, PaymentKind.INTEREST),
                                                (holders, coupons, PaymentKind.COUPON)])
        ledger.pay_to_many_pari_passu(account, [(lenders, repayment, PaymentKind.PRINCIPAL),
                                                (holders, redeemed, PaymentKind.REDEMPTION)])
        column[lenders] -= repayment
        self.bonds.redeem(account, holders, redeemed)
        return float(interest.sum() + repayment.sum() + coupons.sum() + redeemed.sum())

    def interest_due(self, account: int) -> float:
        """This month's interest and principal due from ``account``."""
        interest, principal = self.interest_and_principal_due(account)
        return interest + principal

    def interest_and_principal_due(self, account: int) -> tuple[float, float]:
        """(interest, principal) due from ``account`` this month: its loans times their rates over 12 and its bonds'
        coupons; its loans over ``finance.debt_term_months`` and its bonds' redemptions (none for an account no lender
        ever wrote and that never sold bonds)."""
        coupons, redemptions = self.bonds.due(account)
        if account >= self.n_issuers or not self.lenders.has_rows(account):
            return coupons, redemptions
        column = self.loans[:, account]
        return (float(column @ self.rates[:, account] / 12.0) + coupons,
                float(column.sum() / self.model.params.finance.debt_term_months) + redemptions)
