"""Corporate bonds: debt an investment-grade firm sells to bond investors, with a fixed coupon, retired over its term,
and priced each month at the issuer's current yield.

``face[h, f]`` is the face value holder h holds of firm f's bonds and ``coupon[h, f]`` its annual coupon (stored like
the loans: column-major over the accounts that may borrow, each column's holders indexed). A firm raising debt sells
bonds instead of taking loans when the amount is at least ``finance.bond_min_issue_usd_bn``, it has no payments in
arrears, and its market leverage L = D / (D + E), with the new debt, is at most ``finance.bond_max_leverage`` (it is
investment grade); the coupon is its yield then, y = r_f + s_0 + s_1 L
(:meth:`market.finance.capital.CapitalMarket.borrowing_rate`, L with the new debt). A firm's bonds are a ladder of
maturities: each month 1/T of the face outstanding is redeemed at par (T ``finance.bond_term_months``) and the coupon
c/12 is paid on it. Coupons are paid with the loans' interest and redemptions with their principal, pari passu.

Simplifications, stated: bonds and loans are priced by the same yield curve (no term premium for the longer life, no
lower spread for being investment grade; unsecured bonds rank with the loans, which in practice are often secured);
the yield reads leverage only, not the issuer's DebtRank distress; debt raised in a month is serviced at that
month's settlement.

Price. Discounting the ladder's payments at the issuer's yield today y, a unit of face is worth

    P = sum_{t>=1} (c/12 + 1/T) (1 - 1/T)^(t-1) / (1 + y/12)^t = (c + 12/T) / (y + 12/T),

par when y = c, below it when the issuer's leverage or the risk-free rate has risen since the bonds were sold. Holders
mark their bonds at P (investors' portfolio values; loans count at principal); a default is cleared with every other debt
(:mod:`market.finance.clearing`), bondholders losing their unpaid share through the ``bond`` channel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from market.finance.column_rows import ColumnRows, zeros_backed_as_written
from market.finance.ledger import PaymentKind

if TYPE_CHECKING:
    from agents.base import EconomicAgent
    from market.finance.capital import CapitalMarket



def price_per_face(coupon_per_year: float, yield_per_year: float, term_months: float) -> float:
    """P = (c + 12/T) / (y + 12/T): the value of a unit of face of a ladder retiring 1/T a month, paying c/12 a month on
    what is outstanding, discounted at y/12 a month."""
    return (coupon_per_year + 12.0 / term_months) / (yield_per_year + 12.0 / term_months)


class BondBook:
    """Every firm's bonds, by holder.

    Args:
        capital: The capital market (its investors, rounds and yields).
        shape: (accounts, issuers), as the loans.
    """

    def __init__(self, capital: CapitalMarket, shape: tuple[int, int]) -> None:
        self.capital = capital
        self.face = zeros_backed_as_written(shape)
        self.coupon = zeros_backed_as_written(shape)
        self.holders = ColumnRows(shape[1])

    def set_holding(self, holder: int, issuer: int, face_usd_bn: float, coupon_per_year: float) -> None:
        """Set the face ``holder`` holds of ``issuer``'s bonds and its coupon, without a payment (hand-built cases)."""
        self.face[holder, issuer] = face_usd_bn
        self.coupon[holder, issuer] = coupon_per_year
        self.holders.add(issuer, np.array([holder]))

    @property
    def term_months(self) -> int:
        """T: the bonds' mean life in months (``finance.bond_term_months``)."""
        return self.capital.model.params.finance.bond_term_months

    def outstanding(self, account: int) -> float:
        """Face value of the account's bonds (none for an account that never sold any)."""
        if account >= self.face.shape[1] or not self.holders.has_rows(account):
            return 0.0
        return float(self.face[:, account].sum())

    def issuers(self) -> np.ndarray:
        """Accounts that have ever sold bonds."""
        return self.holders.columns_with_rows()

    def may_issue(self, firm: EconomicAgent, amount: float, pro_forma: bool = True) -> bool:
        """Whether the firm sells bonds for ``amount`` of debt: a benchmark-sized amount, no payments in arrears, and
        investment-grade leverage once it is raised (``pro_forma`` False: ``amount`` is already in its debt)."""
        finance = self.capital.model.params.finance
        new_debt = amount if pro_forma else 0.0
        return (amount >= finance.bond_min_issue_usd_bn and self.capital.model.ledger.claims_payable(firm.account) <= 0
                and self.capital.market_leverage(firm, new_debt) <= finance.bond_max_leverage)

    def issue(self, firm: EconomicAgent, amount: float) -> float:
        """Sell up to ``amount`` of new bonds to public and sovereign investors (the lenders) at the firm's yield with
        them; return the money raised."""
        capital = self.capital
        accounts, paid, rate = capital.collect_debt(firm, amount, PaymentKind.BOND)
        total = float(paid.sum())
        if total <= 0:
            return 0.0
        self.hold(firm.account, accounts, paid, rate)
        capital.mark_first_holding(accounts[paid > 0], firm.account)
        capital.model.log_event("bond_issue", [firm.name], f"{total:.2f} $bn of bonds at {rate:.2%} a year")
        return total

    def due(self, account: int) -> tuple[float, float]:
        """(coupons, redemptions) due from ``account`` this month."""
        if account >= self.face.shape[1] or not self.holders.has_rows(account):
            return 0.0, 0.0
        column = self.face[:, account]
        return float(column @ self.coupon[:, account] / 12.0), float(column.sum() / self.term_months)

    def hold(self, issuer: int, holders: np.ndarray, face_usd_bn: np.ndarray, coupon_per_year: float) -> None:
        """Add ``face_usd_bn`` of ``issuer``'s bonds at ``coupon_per_year`` to each holder's, each holder's coupon
        becoming the face-weighted mean of what it held and what it adds."""
        rows = face_usd_bn > 0
        holders, face_usd_bn = holders[rows], face_usd_bn[rows]
        old = self.face[holders, issuer]
        new = old + face_usd_bn
        self.coupon[holders, issuer] = (old * self.coupon[holders, issuer] + face_usd_bn * coupon_per_year) / new
        self.face[holders, issuer] = new
        self.holders.add(issuer, holders)

    def due_by_holder(self, issuer: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(holders, coupons, redemptions) due from ``issuer`` this month, one entry per holder (empty for none)."""
        if issuer >= self.face.shape[1] or not self.holders.has_rows(issuer):
            return np.empty(0, dtype=np.int64), np.empty(0), np.empty(0)
        holders = self.holders.where_positive(self.face, issuer)
        column = self.face[:, issuer]
        return holders, column[holders] * self.coupon[holders, issuer] / 12.0, column[holders] / self.term_months

    def redeem(self, issuer: int, holders: np.ndarray, redeemed: np.ndarray) -> None:
        """Take this month's redemptions off the face the holders hold (paid or owed as claims)."""
        self.face[holders, issuer] -= redeemed

    def price(self, firm: EconomicAgent) -> float:
        """P of the firm's bonds at its yield today (1 for a firm with none)."""
        face = self.outstanding(firm.account)
        if face <= 0:
            return 1.0
        column = self.face[:, firm.account]
        coupon = float(column @ self.coupon[:, firm.account]) / face
        return price_per_face(coupon, self.capital.borrowing_rate(firm), self.term_months)

    def prices(self) -> np.ndarray:
        """Each account's bond price (1 for accounts with no bonds)."""
        model = self.capital.model
        prices = np.ones(self.face.shape[1])
        for account in self.issuers():
            prices[account] = self.price(model.agent_by_account(int(account)))
        return prices

    def face_and_price_index(self) -> tuple[float, float]:
        """(face of all bonds outstanding, their face-weighted mean price; 1 when there are none)."""
        issuers = [int(account) for account in self.issuers()]
        faces = np.array([self.outstanding(account) for account in issuers])
        if not issuers or faces.sum() <= 0:
            return float(faces.sum()), 1.0
        model = self.capital.model
        prices = np.array([self.price(model.agent_by_account(account)) for account in issuers])
        return float(faces.sum()), float(faces @ prices / faces.sum())

    def debt_held_usd_bn(self, holders: np.ndarray) -> np.ndarray:
        """What each of ``holders`` is owed: its loans at principal (amortised cost, IFRS 9) and its bonds at their
        price (:meth:`prices`), over the few firms that borrow or sold bonds."""
        capital = self.capital
        borrowers, issuers = capital.lenders.columns_with_rows(), self.issuers()
        held = capital.loans[np.ix_(holders, borrowers)].sum(axis=1) if borrowers.size else np.zeros(len(holders))
        if issuers.size:
            held = held + self.face[np.ix_(holders, issuers)] @ self.prices()[issuers]
        return held

    def write_off(self, account: int) -> None:
        """Forget a defaulted firm's bonds (their holders' losses are booked by clearing)."""
        for matrix in (self.face, self.coupon):
            column = matrix[:, account]
            column[np.flatnonzero(column)] = 0.0
