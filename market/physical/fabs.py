"""Fabs: chipmakers' new production capacity, each financed by its maker and outside partners.

A chipmaker that expands (:meth:`agents.chipmaker.Chipmaker.expand_capacity`) commissions a fab of K GW/month of
accelerator output at capex C = k K (k ``chipmakers.<name>.capacity_capex_usd_bn_per_gw_month``), in its home region
or in its ``fab_regions`` in turn. It produces from month

    t_0 + max(L, T_site - t_0),  T_site = the month its site in that region is ready

with t_0 the month it is commissioned and L ``capacity_lead_time_months`` (adding lines at a site that runs: tools,
packaging, memory). The maker's home region holds its sites from the start; its first fab in another region builds the
site, T_site = t_0 + L_g (L_g ``greenfield_lead_time_months``, a new fab's shell, cleanroom and qualification), and its
later fabs there produce no earlier. It is paid when commissioned:

    maker borrows   B = min((1 - s) C - cash, its debt capacity)      (only when its cash falls short and it owes no
                                                                      unpaid claims; a loan or bonds from public and
                                                                      sovereign lenders, unscreened)
    maker pays      M = a (1 - s) C,  a = min(1, cash / ((1 - s) C))   (what its cash, with B, allows)
    anchor pays     A = min(s_A a C, the anchor lab's cash)             (``anchor_partner``, ``anchor_share`` s_A)
    partners pay    P = sum_i p_i,    p_i what each paid of its commitment to a round of (s - s_A) a C
                                      (:meth:`market.finance.capital.CapitalMarket.commit_fab_partners`)
    capacity        K_built = (M + A + P) / k

with s ``fab_partner_share``. The host government then pays its fab subsidy on M + A + P to the maker. Partners barred
by the host government's investment screening put in nothing and nobody takes their place, so screening builds smaller
fabs. Partner i (the anchor among them) holds h_i = p_i / (M + A + P) of the fab. The maker books M as a fixed asset;
the partners' money never touches its books (a joint venture held off balance sheet, as in Intel's Brookfield and Apollo
deals). The maker's debt capacity is ``finance.max_debt_to_assets`` of its cash and fixed assets less its debt
(:meth:`market.finance.capital.CapitalMarket.debt_capacity`); it services the debt as any borrower
(:meth:`market.finance.debt.DebtMarket.service_debt`). Lenders are not screened: investment screening reviews stakes
and control, and a loan that gives neither is not a covered transaction (31 CFR 800.306).

Each month the partners of a producing fab are paid their share of its margin: sum_i h_i x (K_f / K) x max(pi_f, 0), with
K_f the fab's capacity, K the maker's and pi_f = min(pi, m_f c) the fab's margin: pi the maker's margin on chips
(revenue less production and fixed costs), c the month's cost of making chips (production and fixed costs, as a
foundry's cost of revenue holds its fabs' running costs) and m_f ``fab_margin_over_cost`` (a foundry's margin: the
partners own the fab, not the maker's design rent), as far as the maker's cash goes (what it cannot pay is not owed
later). Their stakes count in their portfolios (an anchor
lab's in its book equity) at book: h_i (M + A + P) (1 - 1/L)^t, t months after commissioning, L the life of a maker's
fixed assets (written off as the maker writes off its own). Lines the maker closes close pro rata (capacity and book
value) in every fab already producing; a fab sold in a default passes to the buyer with its partners; when a defaulted
maker's lines close with no buyer its partners lose their stakes at book (losses by channel, "fab partnership").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from agents.chipmaker import FIXED_ASSET_LIFE_MONTHS
from market.finance.ledger import OUTSIDE, PaymentKind
from market.network import EdgeType

if TYPE_CHECKING:
    from agents.chipmaker import Chipmaker
    from market.model import ComputeMarket

FAB_LIFE_MONTHS = FIXED_ASSET_LIFE_MONTHS


@dataclass
class Fab:
    """One fab: its maker, where it stands, what it makes and cost, and who else owns it.

    ``partners`` are investor accounts and ``stakes`` their shares of the fab (summing to the partners' share).
    """

    id: int
    maker: int
    region: str
    capacity_gw_per_month: float
    capex_usd_bn: float
    maker_paid_usd_bn: float
    start_month: int
    producing_month: int
    partners: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    stakes: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def producing(self, month: int) -> bool:
        """Whether the fab makes chips in ``month``."""
        return month >= self.producing_month

    def book_share(self, month: int) -> float:
        """Share of its capex still on the books in ``month``: 1/life of what is left written off each month, as the
        maker writes off its fixed assets."""
        return (1.0 - 1.0 / FAB_LIFE_MONTHS) ** max(month - self.start_month, 0)


class FabBook:
    """Every fab commissioned since the start (the makers' starting capacity has no fab record).

    Args:
        model: The model.
    """

    def __init__(self, model: ComputeMarket) -> None:
        self.model = model
        self.fabs: list[Fab] = []
        self.added_gw_per_month_by_region: dict[str, float] = {}
        self._closures = 0
        self._book_cache: tuple[tuple[int, int, int, int], np.ndarray] | None = None

    def of_maker(self, maker: int) -> list[Fab]:
        """The fabs ``maker`` runs."""
        return [fab for fab in self.fabs if fab.maker == maker]

    def commission(self, maker: Chipmaker, capacity_gw_per_month: float) -> float:
        """Commission a fab of up to ``capacity_gw_per_month``, paid by the maker and its partners (module docstring);
        return the GW/month it will produce (0 when the maker has no cash)."""
        model = self.model
        spec = maker.spec
        region = self.next_region(maker)
        capex = capacity_gw_per_month * spec.capacity_capex_usd_bn_per_gw_month
        host = model.governments[region]
        own_part = (1.0 - spec.fab_partner_share) * capex
        self._borrow_shortfall(maker, own_part)
        affordable = min(1.0, max(maker.cash_usd_bn, 0.0) / own_part) if own_part > 0 else 1.0
        if affordable <= 0:
            return 0.0
        paid_by_maker = model.ledger.pay(maker.account, OUTSIDE, own_part * affordable, PaymentKind.FAB_CAPEX)
        holders, amounts = self._anchor_pays(maker, spec.anchor_share * capex * affordable)
        accounts = model.investors.accounts
        if spec.fab_partner_share > spec.anchor_share:
            commit = model.capital.commit_fab_partners(maker, (spec.fab_partner_share - spec.anchor_share) * capex * affordable,
                                                       region)
            paid = model.ledger.collect_from_many(accounts, OUTSIDE, commit, PaymentKind.FAB_CAPEX)
            holders, amounts = np.concatenate([holders, accounts[paid > 0]]), np.concatenate([amounts, paid[paid > 0]])
        total = paid_by_maker + float(amounts.sum())
        if total <= 1e-12:
            return 0.0
        host.pay_subsidy(maker.account, total, host.fab_subsidy_share)
        built = total / spec.capacity_capex_usd_bn_per_gw_month
        producing = max(model.month + spec.capacity_lead_time_months, self.site_ready_month(maker, region))
        fab = Fab(len(self.fabs), maker.account, region, built, total, paid_by_maker, model.month, producing,
                  holders.astype(np.int64), amounts / total)
        self.fabs.append(fab)
        maker.capex_month_usd_bn += paid_by_maker
        maker.fixed_assets_usd_bn += paid_by_maker
        maker.capacity_pipeline.append((fab.producing_month, built))
        self.added_gw_per_month_by_region[region] = self.added_gw_per_month_by_region.get(region, 0.0) + built
        model.network.accumulate_from_many(fab.partners.tolist(), maker.account, EdgeType.CO_INVESTS, model.date,
                                           "amount_usd_bn", amounts.tolist())
        return built

    def _borrow_shortfall(self, maker: Chipmaker, own_part_usd_bn: float) -> float:
        """Borrow what the maker's cash lacks of its own part of a fab, within its debt capacity; return what was
        raised. A maker in arrears (owing unpaid claims) borrows nothing: new money would build ahead of its creditors.
        The host's fab subsidy is paid after the fab is, so it is not counted against the shortfall."""
        shortfall = own_part_usd_bn - max(maker.cash_usd_bn, 0.0)
        if shortfall <= 1e-9 or self.model.ledger.claims_payable(maker.account) > 0:
            return 0.0
        capital = self.model.capital
        room = capital.debt_capacity(maker, maker.cash_usd_bn + maker.fixed_assets_usd_bn)
        return capital.raise_debt(maker, min(shortfall, room)) if room > 1e-9 else 0.0

    def site_ready_month(self, maker: Chipmaker, region: str) -> int:
        """The month the maker's site in ``region`` can produce: the start for its home region, the month its first fab
        there produces for a region where it has one, else a new site's, ``greenfield_lead_time_months`` from now."""
        if region == maker.region:
            return 0
        there = [fab.producing_month for fab in self.of_maker(maker.account) if fab.region == region]
        return min(there) if there else self.model.month + maker.spec.greenfield_lead_time_months

    def next_region(self, maker: Chipmaker) -> str:
        """Where the maker's next fab stands: its ``fab_regions`` in turn, or its home region."""
        regions = maker.spec.fab_regions
        return regions[len(self.of_maker(maker.account)) % len(regions)] if regions else maker.region

    def _anchor_pays(self, maker: Chipmaker, amount: float) -> tuple[np.ndarray, np.ndarray]:
        """The anchor partner (a lab) pays ``amount`` as far as its cash goes; return (its account, what it paid), or
        empty arrays."""
        name = maker.spec.anchor_partner
        lab = self.model.labs.get(name) if name else None
        if lab is None or not lab.alive or amount <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        paid = self.model.ledger.pay_up_to(lab.account, OUTSIDE, amount, PaymentKind.FAB_CAPEX)
        if paid <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.array([lab.account], dtype=np.int64), np.array([paid])

    def pay_partners(self, maker: Chipmaker, margin_usd_bn: float, cost_usd_bn: float) -> float:
        """Pay the partners of the maker's producing fabs their share of this month's fab margin (the maker's chip
        margin, at most ``fab_margin_over_cost`` times the month's cost of making chips, production and fixed costs);
        return what was paid."""
        margin_usd_bn = min(margin_usd_bn, maker.spec.fab_margin_over_cost * cost_usd_bn)
        if margin_usd_bn <= 0 or maker.capacity_gw_per_month <= 1e-12:
            return 0.0
        month = self.model.month
        holders: list[np.ndarray] = []
        amounts: list[np.ndarray] = []
        for fab in self.of_maker(maker.account):
            if fab.producing(month) and fab.partners.size:
                holders.append(fab.partners)
                amounts.append(fab.stakes * fab.capacity_gw_per_month / maker.capacity_gw_per_month * margin_usd_bn)
        if not holders:
            return 0.0
        owed = np.bincount(np.concatenate(holders), weights=np.concatenate(amounts), minlength=self.model.ledger.n_accounts)
        payees = np.flatnonzero(owed > 0)
        return self.model.ledger.pay_to_many(maker.account, payees, owed[payees], PaymentKind.FAB_PARTNER_SHARE,
                                             voluntary=True)

    def partner_book_usd_bn(self, n_accounts: int) -> np.ndarray:
        """Each account's fab stakes at book value (usd_bn), by account (kept until the month, the fabs or their
        stakes change)."""
        month = self.model.month
        key = (month, len(self.fabs), self._closures, n_accounts)
        if self._book_cache is not None and self._book_cache[0] == key:
            return self._book_cache[1]
        with_partners = [fab for fab in self.fabs if fab.partners.size]
        book = np.zeros(n_accounts)
        if with_partners:
            sizes = [fab.partners.size for fab in with_partners]
            capex = np.repeat([fab.capex_usd_bn for fab in with_partners], sizes)
            share = np.repeat([fab.book_share(month) for fab in with_partners], sizes)
            partners = np.concatenate([fab.partners for fab in with_partners])
            np.add.at(book, partners, np.concatenate([fab.stakes for fab in with_partners]) * capex * share)
        book.setflags(write=False)
        self._book_cache = (key, book)
        return book

    def close_share(self, maker: int, share: float) -> None:
        """The maker closed ``share`` of its lines: every fab of its already in its capacity (producing before this
        month) loses that share of its capacity and of its book value (the maker's and the partners' alike)."""
        self._closures += 1
        month = self.model.month
        for fab in self.of_maker(maker):
            if fab.producing_month < month:
                fab.capacity_gw_per_month *= 1.0 - share
                fab.capex_usd_bn *= 1.0 - share
                fab.maker_paid_usd_bn *= 1.0 - share

    def transfer(self, seller: int, buyer: int) -> None:
        """A defaulted maker's fabs pass, partners and all, to the maker that bought its lines (each partner now
        co-invests with the buyer)."""
        model = self.model
        for fab in self.of_maker(seller):
            fab.maker = buyer
            model.network.accumulate_from_many(fab.partners.tolist(), buyer, EdgeType.CO_INVESTS, model.date,
                                               "amount_usd_bn", (fab.stakes * fab.capex_usd_bn).tolist())

    def close_all(self, maker: int) -> dict[int, float]:
        """A defaulted maker's lines closed with no buyer: its fabs are gone; return each partner's book lost."""
        month = self.model.month
        lost: dict[int, float] = {}
        self._closures += 1
        for fab in self.of_maker(maker):
            for account, stake in zip(fab.partners, fab.stakes, strict=True):
                lost[int(account)] = lost.get(int(account), 0.0) + float(stake) * fab.capex_usd_bn * fab.book_share(month)
            fab.capacity_gw_per_month = 0.0
            fab.stakes = np.zeros_like(fab.stakes)
        return lost
