"""Insolvency and contagion (docs/ODD.md section 3, step 9).

A lab or chipmaker with unpaid claims first tries to raise money (debt where a lab borrows, else
equity at its market value; a chipmaker borrows only for fabs, never in arrears) and pay them.
After ``insolvency.grace_months`` consecutive months in arrears it defaults:

1. Fire sale: its chips and projects (with their chip orders and power connections) are sold at
   ``fire_sale_discount`` below net book value to the surviving lab with the most cash (with no lab
   left, they are scrapped: the chips retire); GW are conserved. The buyer carries them at the price it paid. A defaulted chipmaker's production
   lines go the same way to the home-region chipmaker with the most cash (none: they close), its
   order book to the largest surviving one.
2. Clearing: everything it owes (claims, loan principal, bonds' face, ``take_or_pay_claim_months`` of remaining
   lease payments) is cleared jointly with every other firm defaulting that month by the
   Eisenberg-Noe (2001) greatest clearing vector (:mod:`market.finance.clearing`); creditors are paid pro
   rata and the rest is written off. The claims and stakes it holds pass to its unpaid creditors
   pro rata to their losses. If every creditor is paid in full (a firm that could not raise money
   but whose fire sale covers its debts), its remaining cash, claims and stakes go to its shareholders.
3. Distress: DebtRank (Battiston et al. 2012) spreads the defaults over the exposures between
   firms as they stood before it (stakes at market value, loans, claims and the take-or-pay
   payments of leases; firms hold no bonds, only investors buy them); surviving firms' distress marks down stakes held
   in them and what investors will put into their rounds, and decays by
   ``insolvency.distress_decay_per_month``.
Each default is an event naming its cause: its own cash flow, or the counterparties whose failure
cost it money in the previous ``insolvency.contagion_window_months`` (a contagion default).
Utilities are regulated and do not default; their unpaid claims stay claims.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from agents.utility import usd_bn_per_gw_month
from market.enums import ExposureChannel
from market.finance.clearing import clearing_payments_of_debtors
from market.finance.debtrank import debtrank, impact_matrix
from market.finance.ledger import PaymentKind
from market.finance.payments import OUTSIDE
from market.finance.losses import Loss, log_losses, losses_by_channel, split_shortfall

if TYPE_CHECKING:
    from agents.base import EconomicAgent
    from agents.lab import Lab
    from market.model import ComputeMarket
    from market.physical.compute import CohortTable
    from market.physical.projects import Lease, Project

DISTRESS_LOG_THRESHOLD = 0.05


def carry_at_price(cohorts: CohortTable, rows: np.ndarray, project: Project, factor: float) -> None:
    """Put a fire-sold project on its buyer's books at the price paid (IAS 16: an acquired asset is recognised at its
    cost): each cohort's cost per GW, the construction paid and the building cost its chips carry are multiplied by
    ``factor`` = price / seller's book value, so the buyer's net book value of the project is the price and its later
    depreciation and impairment start from it. The building's book cost becomes f P + (C - P) (what was paid, at the
    price; what is still to pay, in full), spread over the chips still to come."""
    paid = project.construction_paid_usd_bn
    cohorts.cost_per_gw[rows] *= factor
    project.construction_paid_usd_bn *= factor
    project.building_capitalised_usd_bn *= factor
    to_pay = max(project.construction_capex_usd_bn - paid, 0.0) if not project.built else 0.0
    project.spread_building_over_chips_to_come(factor * paid + to_pay)


class Insolvency:
    """Arrears, defaults, clearing and distress.

    Args:
        model: The model.
    """

    def __init__(self, model: ComputeMarket) -> None:
        self.model = model
        self.arrears_months: dict[int, int] = defaultdict(int)
        self.losses: dict[int, list[Loss]] = defaultdict(list)
        self.power_take_or_pay: dict[tuple[int, int], float] = defaultdict(float)
        self.defaults = 0
        self.contagion_defaults = 0

    def step(self) -> None:
        """Collect arrears, default those past the grace period, clear and spread distress."""
        model = self.model
        spec = model.params.insolvency
        model.equity.distress *= 1.0 - spec.distress_decay_per_month
        if not spec.enabled:
            return
        defaulting = []
        for firm in [*model.labs.values(), *model.chipmakers.values()]:
            if not firm.alive:
                continue
            tolerance = spec.arrears_tolerance_usd_bn * firm.size_weight
            owed = model.ledger.claims_payable(firm.account)
            if owed > tolerance:
                self._raise(firm, owed)
                model.ledger.settle_claims(firm.account)
            if model.ledger.claims_payable(firm.account) <= tolerance:
                self.arrears_months[firm.account] = 0
                continue
            self.arrears_months[firm.account] += 1
            if self.arrears_months[firm.account] >= spec.grace_months:
                owed = model.ledger.claims_payable(firm.account)
                if firm.agent_type.value == "Lab" and model.governments[firm.region].rescue(firm, owed):
                    self.arrears_months[firm.account] = 0
                    continue
                defaulting.append(firm)
        if defaulting:
            self.default(defaulting)

    def _raise(self, firm: EconomicAgent, amount: float) -> float:
        if hasattr(firm, "finance"):
            return firm.finance(amount)
        return self.model.capital.raise_equity(firm, amount, "Chipmaker")

    # --- default ------------------------------------------------------------------------------
    def default(self, firms: list[EconomicAgent]) -> None:
        """Default the given firms together: causes, fire sales, clearing, write-offs and distress."""
        model = self.model
        causes = {firm.account: self.blamed_counterparties(firm) for firm in firms}
        accounts = {firm.account for firm in firms}
        market_values = {firm.account: model.equity.market_value_of(firm.account) for firm in firms}
        before = self.exposures()
        for firm in firms:
            if firm.agent_type.value == "Lab":
                model.energy.release_owner(firm.account)
                self._fire_sale(firm, accounts)
            else:
                self._sell_capacity(firm, accounts)
                self._pass_on_orders(firm)
        shortfall = self._clear(firms)
        for firm in firms:
            model.capital.pay_dividend(firm, firm.cash_usd_bn)
            self._pass_on_estate(firm, shortfall[firm.account])
            self._write_off(firm, market_values[firm.account])
            firm.alive = False
        self._spread_distress(accounts, before)
        for firm in firms:
            counterparties = causes[firm.account]
            self.defaults += 1
            if counterparties:
                self.contagion_defaults += 1
                detail = "cause: counterparties failed: " + ", ".join(
                    f"{name} ({', '.join(channels)})" for name, channels in counterparties.items())
            else:
                detail = "cause: its own cash flow"
            model.log_event("default", [firm.name], detail)

    def blamed_counterparties(self, firm: EconomicAgent) -> dict[str, list[str]]:
        """The failed counterparties that cost the firm money within ``contagion_window_months``, by name (sorted),
        each with the channels the losses ran through."""
        window = self.model.params.insolvency.contagion_window_months
        recent: dict[str, set[str]] = defaultdict(set)
        for loss in self.losses.get(firm.account, []):
            if loss.amount_usd_bn > 0 and loss.month > self.model.month - window:
                recent[self.model.name_of(loss.counterparty)].add(loss.channel.value)
        return {name: sorted(recent[name]) for name in sorted(recent)}

    def _buyer(self, excluded: set[int]) -> Lab | None:
        labs = [lab for lab in self.model.labs.values() if lab.alive and lab.account not in excluded]
        return max(labs, key=lambda lab: (lab.cash_usd_bn, -lab.account)) if labs else None

    def _fire_sale(self, firm: Lab, excluded: set[int]) -> None:
        model = self.model
        cohorts = model.cohorts
        discount = model.params.insolvency.fire_sale_discount
        for project_id in list(firm.project_ids):
            buyer = self._buyer(excluded)
            if buyer is None:
                self._scrap(firm, project_id)
                continue
            project = model.projects[project_id]
            rows = cohorts.rows_of_project(project_id)
            life = np.maximum(cohorts.retire_month[rows] - cohorts.delivered_month[rows], 1)
            remaining = np.clip(cohorts.retire_month[rows] - model.month, 0, None) / life
            book = float((cohorts.gw[rows] * cohorts.cost_per_gw[rows] * remaining).sum()) + project.building_in_progress_usd_bn()
            price = min((1.0 - discount) * book, 0.9 * max(buyer.cash_usd_bn, 0.0))
            price = model.ledger.pay_up_to(buyer.account, firm.account, price, PaymentKind.FIRE_SALE)
            carry_at_price(cohorts, rows, project, price / book if book > 0 else 0.0)
            cohorts.set_owner(rows, buyer.account)
            project.owner = buyer.account
            firm.project_ids.remove(project_id)
            buyer.project_ids.append(project_id)
            for book_orders in model.chip_market.orders.values():
                for order in book_orders:
                    if order.project == project_id:
                        order.lab = buyer.account
            model.log_event("fire_sale", [firm.name, buyer.name],
                            f"project {project_id}: {project.live_gw:.3f} GW for {price:.2f} $bn (book {book:.2f})")

    def _scrap(self, firm: Lab, project_id: int) -> None:
        """With no lab left to buy it, a defaulter's project is scrapped: its chips retire (GW conserved as retired),
        its power is released, its chip orders are cancelled and its building stops."""
        model = self.model
        project = model.projects[project_id]
        gw = model.cohorts.retire_rows(model.cohorts.rows_of_project(project_id))
        utility = model.utilities[project.site]
        months = model.params.insolvency.take_or_pay_claim_months
        self.power_take_or_pay[(utility.account, firm.account)] += (
            months * project.connected_gw * usd_bn_per_gw_month(utility.price_usd_mwh))
        utility.release(project.connected_gw)
        utility.withdraw(project_id, project.gw)
        if project_id in model.construction[project.site].queue:
            model.construction[project.site].queue.remove(project_id)
        model.chip_market.cancel([o for book in model.chip_market.orders.values() for o in book if o.project == project_id])
        project.live_gw = project.connected_gw = project.online_gw = 0.0
        project.gw = project.delivered_gw
        project.started_month = project.started_month if project.started_month is not None else model.month
        project.months_built = project.build_months
        firm.project_ids.remove(project_id)
        model.log_event("scrapped", [firm.name], f"project {project_id}: {gw:.3f} GW of chips retired, no lab left to buy them")

    def _pass_on_orders(self, maker: EconomicAgent) -> None:
        model = self.model
        orders = model.chip_market.orders.get(maker.account, [])
        survivors = [m for m in model.chipmakers.values() if m.is_selling() and m is not maker]
        if not orders:
            return
        if not survivors:
            for order in orders:
                model.procurement.cut_project(order.project, order.remaining_gw)
            model.chip_market.cancel(orders)
            return
        model.chip_market.orders.pop(maker.account)
        heir = max(survivors, key=lambda m: (m.capacity_gw_per_month, -m.account))
        for order in orders:
            order.maker = heir.account
            order.price_per_gw = heir.price_usd_bn_per_gw
        model.chip_market.orders.setdefault(heir.account, []).extend(orders)

    def _liabilities(self, firms: list[EconomicAgent]) -> dict[ExposureChannel, np.ndarray]:
        """What the defaulting firms owe, one row per firm in the order given and one column per account, by channel:
        loans, bonds (at face), unpaid claims, the take-or-pay payments of their leases and of the power contracts of
        projects scrapped in the default."""
        model = self.model
        shape = (len(firms), model.ledger.n_accounts)
        channels = (ExposureChannel.LOAN, ExposureChannel.BOND, ExposureChannel.CLAIM, ExposureChannel.LEASE,
                    ExposureChannel.POWER)
        owed = {channel: np.zeros(shape) for channel in channels}
        for row, firm in enumerate(firms):
            for (creditor, debtor), amount in model.ledger.claims.items():
                if debtor == firm.account:
                    owed[ExposureChannel.CLAIM][row, creditor] += amount
            owed[ExposureChannel.LOAN][row] += model.capital.loans[:, firm.account]
            owed[ExposureChannel.BOND][row] += model.capital.bonds.face[:, firm.account]
            for lease in model.leases.leases.of_lessee(firm.account):
                owed[ExposureChannel.LEASE][row, lease.lessor] += self._take_or_pay_usd_bn(lease)
            for (creditor, debtor), amount in list(self.power_take_or_pay.items()):
                if debtor == firm.account:
                    owed[ExposureChannel.POWER][row, creditor] += amount
                    del self.power_take_or_pay[(creditor, debtor)]
        rows, accounts = np.arange(len(firms)), np.array([firm.account for firm in firms], dtype=np.int64)
        for matrix in owed.values():
            matrix[rows, accounts] = 0.0
        return owed

    def _take_or_pay_usd_bn(self, lease: Lease) -> float:
        """What a lessor can claim on a lease: its payments for the rest of the term, at most ``take_or_pay_claim_months``."""
        months = self.model.params.insolvency.take_or_pay_claim_months
        return min(max(lease.end_month - self.model.month, 0), months) * lease.monthly_payment_usd_bn()

    def _clear(self, firms: list[EconomicAgent]) -> dict[int, np.ndarray]:
        """Clear the defaulting firms' debts jointly; book each creditor's unpaid amount by channel and return each
        firm's unpaid amounts by creditor account.

        The matrices hold the defaulting firms' rows only (in account order), so a default costs k x n, not n x n."""
        model = self.model
        debtors = sorted(firms, key=lambda firm: firm.account)
        accounts = np.array([firm.account for firm in debtors], dtype=np.int64)
        row_of = {firm.account: row for row, firm in enumerate(debtors)}
        owed_by_channel = self._liabilities(debtors)
        liabilities = sum(owed_by_channel.values())
        cash = np.maximum(model.ledger.balances, 0.0)
        payments_vector, payments = clearing_payments_of_debtors(liabilities, accounts, cash)
        total = liabilities.sum(axis=1)
        model.ledger.transfer_simultaneously(payments, PaymentKind.CLAIM_SETTLEMENT, accounts)
        shortfall = liabilities - payments
        entries: dict[int, list[tuple[int, float, ExposureChannel]]] = defaultdict(list)
        for channel, unpaid in split_shortfall(shortfall, owed_by_channel).items():
            for row, creditor in zip(*np.nonzero(unpaid > 1e-12), strict=True):
                amount, debtor = float(unpaid[row, creditor]), int(accounts[row])
                self.losses[int(creditor)].append(Loss(model.month, debtor, amount, channel))
                entries[debtor].append((int(creditor), amount, channel))
        for debtor, booked in entries.items():
            log_losses(model, debtor, losses_by_channel(booked))
        for firm in firms:
            paid = float(payments_vector[row_of[firm.account]])
            owed = float(total[row_of[firm.account]])
            model.log_event("clearing", [firm.name], f"paid {paid:.2f} of {owed:.2f} $bn owed ({paid / owed:.0%})"
                            if owed > 0 else "owed nothing")
        return {firm.account: shortfall[row] for row, firm in enumerate(debtors)}

    def _pass_on_estate(self, firm: EconomicAgent, unpaid: np.ndarray) -> None:
        """Pass the claims and stakes the firm holds to its unpaid creditors, pro rata to what they lost, or to its
        shareholders when every creditor was paid in full.

        ``outside`` (contractors and the rest of the world, a creditor of last resort) takes its part of the claims but
        holds no shares in the model: its part of each stake is cancelled, and the investee's other holders' shares
        scale up (:meth:`market.finance.capital.CapitalMarket.assign_stakes_held_by`).
        """
        capital = self.model.capital
        weights = unpaid.copy() if unpaid.sum() > 1e-12 else capital.stakes[:, firm.account].copy()
        weights[firm.account] = 0.0
        if weights.sum() <= 0:
            return
        heirs = np.flatnonzero(weights > 0)
        shares = weights[heirs] / weights.sum()
        self.model.ledger.assign_claims_held_by(firm.account, heirs, shares)
        holders = heirs != OUTSIDE
        capital.assign_stakes_held_by(firm.account, heirs[holders], shares[holders])

    def _sell_capacity(self, maker: EconomicAgent, excluded: set[int]) -> None:
        """Sell a defaulted chipmaker's production lines (capacity and capacity being built) at the fire-sale
        discount to book to the home-region chipmaker with the most cash; with no buyer they close."""
        model = self.model
        buyers = [m for m in model.chipmakers.values()
                  if m.alive and m is not maker and m.account not in excluded and m.region == maker.region and not m.dormant]
        gw = maker.capacity_gw_per_month + sum(g for _, g in maker.capacity_pipeline)
        if gw <= 1e-12:
            return
        if not buyers:
            model.log_event("capacity_closed", [maker.name], f"{gw:.3f} GW/month of capacity closed: no buyer at home")
            entries = [(holder, amount, ExposureChannel.FAB) for holder, amount in model.fabs.close_all(maker.account).items()
                       if amount > 0]
            for holder, amount, channel in entries:
                self.losses[holder].append(Loss(model.month, maker.account, amount, channel))
            log_losses(model, maker.account, losses_by_channel(entries))
            return
        buyer = max(buyers, key=lambda m: (m.cash_usd_bn, -m.account))
        book = maker.fixed_assets_usd_bn
        price = min((1.0 - model.params.insolvency.fire_sale_discount) * book, 0.9 * max(buyer.cash_usd_bn, 0.0))
        paid = model.ledger.pay_up_to(buyer.account, maker.account, price, PaymentKind.FIRE_SALE)
        buyer.capacity_gw_per_month += maker.capacity_gw_per_month
        buyer.capacity_pipeline.extend(maker.capacity_pipeline)
        model.fabs.transfer(maker.account, buyer.account)
        buyer.capacity_ceiling_gw_per_month += gw
        buyer.fixed_assets_usd_bn += paid
        maker.capacity_gw_per_month, maker.capacity_pipeline, maker.fixed_assets_usd_bn = 0.0, [], 0.0
        model.log_event("fire_sale", [maker.name, buyer.name],
                        f"{gw:.3f} GW/month of capacity for {paid:.2f} $bn (book {book:.2f})")

    def _write_off(self, firm: EconomicAgent, market_value: float) -> None:
        model = self.model
        model.ledger.remove_claims_of(firm.account)
        model.capital.stake_book.write_off(firm.account)
        model.capital.stake_book.drop_holder(firm.account)
        for matrix in (model.capital.loans, model.capital.rates):
            column = matrix[:, firm.account]
            column[np.flatnonzero(column)] = 0.0
        model.capital.bonds.write_off(firm.account)
        for lease_id in [i for i, lease in model.leases.leases.items() if firm.account in (lease.lessee, lease.lessor)]:
            del model.leases.leases[lease_id]
        holders = np.flatnonzero(model.capital.stakes[:, firm.account] > 0)
        vendors = {deal.maker for deal in model.vendor.deals if deal.lab == firm.account and deal.invested_usd_bn > 0}
        entries = []
        for holder in holders:
            loss = float(model.capital.stakes[holder, firm.account]) * market_value
            channel = ExposureChannel.VENDOR_FINANCING if int(holder) in vendors else ExposureChannel.STAKE
            if loss > 0:
                self.losses[int(holder)].append(Loss(model.month, firm.account, loss, channel))
                entries.append((int(holder), loss, channel))
        log_losses(model, firm.account, losses_by_channel(entries))
        model.chip_market.cancel([o for book in model.chip_market.orders.values() for o in book if o.lab == firm.account])

    def exposures(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Firms' exposures to each other before a default, with their capital and market values.

        A_ij, firm i's exposure to firm j: i's stake in j at market value, its loans to j (firms hold no bonds), its claims
        on j and the take-or-pay payments j owes it on leases (as clearing would claim them).
        """
        model = self.model
        equity = model.equity
        accounts = equity.accounts
        values = np.array([equity.market_value_of(a) for a in accounts])
        block = np.ix_(accounts, accounts)
        exposures = model.capital.stakes[block] * values[None, :] + model.capital.loans[block]
        position = {int(account): i for i, account in enumerate(accounts)}
        for (creditor, debtor), amount in model.ledger.claims.items():
            if creditor in position and debtor in position:
                exposures[position[creditor], position[debtor]] += amount
        for lease in model.leases.leases.values():
            if lease.lessor in position and lease.lessee in position:
                exposures[position[lease.lessor], position[lease.lessee]] += self._take_or_pay_usd_bn(lease)
        book = np.array([max(model.agent_by_account(a).book_equity_usd_bn(), 0.0) for a in accounts])
        return exposures, np.maximum(values, book), values

    def _spread_distress(self, defaulted: set[int], before: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        """DebtRank over the exposures as they stood before the default; survivors keep the larger distress."""
        model = self.model
        equity = model.equity
        accounts = equity.accounts
        exposures, capital, values = before
        initial = np.isin(accounts, list(defaulted)).astype(float)
        result = debtrank(impact_matrix(exposures, capital), initial, value=values / values.sum() if values.sum() > 0 else None)
        survivors = ~np.isin(accounts, list(defaulted))
        equity.distress[accounts[survivors]] = np.maximum(equity.distress[accounts[survivors]], result.distress[survivors])
        model.month_stats["debtrank"] = result.debtrank
        for account, distress in zip(accounts[survivors], result.distress[survivors], strict=True):
            if distress >= DISTRESS_LOG_THRESHOLD:
                model.log_event("distress", [model.name_of(int(account))], f"DebtRank distress {distress:.2f}")
