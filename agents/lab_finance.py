"""A lab's cash: what it must keep and pay within the funding horizon, how it raises the rest, what it pays out."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from market.physical.chips import fitted_out_gw

if TYPE_CHECKING:
    from agents.lab import LabProfile
    from market.model import ComputeMarket


class LabFinance:
    """The cash side of :class:`agents.lab.Lab`: its needs and how it meets them.

    Needs N = B + max(P_H + C + H D - H f, 0): a buffer B of ``lab_behaviour.cash_buffer_months`` of fixed running
    costs (power, upkeep, leases, interest), the project payments P_H falling due within the funding horizon H
    (``finance.funding_horizon_months``), the claims C it owes and its regular payout D a month (:meth:`pay_out`),
    less the operating cash flow f (a loss when negative) its trailing twelve months show, expected over H (a cash
    budget: payments due against cash in hand and the receipts expected before they fall due). A plan raises what it
    will spend within H (debt first while the lab borrows and has room, then equity). A profitable lab pays its regular
    payout and, unless it retains its cash (``returns_excess_cash``), returns part of its cash beyond its gross needs
    N_gross = B + P_H + C + H D, which count on no inflow.
    """

    model: ComputeMarket
    account: int
    profile: LabProfile
    project_ids: list[int]
    paid_up_project_ids: dict[int, bool]
    cash_running_cost_month_usd_bn: float
    fixed_assets_usd_bn: float
    role: str
    cash_usd_bn: float
    regular_payout_usd_bn_per_month: float | None

    def monthly_fixed_costs_usd_bn(self) -> float:
        """Cash running costs the lab keeps a buffer against: power, upkeep and leases of its compute, debt service."""
        return self.cash_running_cost_month_usd_bn + self.model.capital.interest_due(self.account)

    def due_within_usd_bn(self, months: int) -> float:
        """Project payments falling due within ``months``: chips their buildings can have taken by then, construction
        months run by then, and instalments of its dedicated power plants.

        A building not yet started is taken to start next month. Paid-up projects are skipped: their zero terms would
        make the total numpy-typed when numpy-typed themselves, which is restored.
        """
        model = self.model
        by_month = model.month + months
        projects, chips_due, paid_up = model.projects, model.chip_market.chips_due_usd_bn, self.paid_up_project_ids
        due, typed = 0.0, False
        for project_id in self.project_ids:
            if (skipped_typed := paid_up.get(project_id)) is not None:
                typed = typed or skipped_typed
                continue
            project = projects[project_id]
            due += chips_due(project_id, by_month)
            if not project.built and project.build_months > 0:
                months_left = project.build_months - project.months_built
                due += project.construction_capex_usd_bn / project.build_months * min(months_left, months)
        if model.energy.plants:
            due += model.energy.due_within_usd_bn(self.account, months)
        return np.float64(due) if typed and type(due) is float else due

    def cash_needs_usd_bn(self) -> float:
        """Cash the lab keeps, its operating cash flow counted: B + max(P_H + C + H D - H f, 0) (:class:`LabFinance`)."""
        horizon = self.model.params.finance.funding_horizon_months
        committed = (self.due_within_usd_bn(horizon) + self.model.ledger.claims_payable(self.account)
                     + horizon * (self.regular_payout_usd_bn_per_month or 0.0))
        return self.buffer_usd_bn() + max(committed - horizon * self.operating_cash_flow_usd_bn_per_month(), 0.0)

    def gross_cash_needs_usd_bn(self) -> float:
        """Cash the lab keeps before counting on any operating inflow: B + P_H + C + H D, what it must hold before it
        returns excess cash (:meth:`pay_out`; a lab that pays out earns, so it has no losses to fund)."""
        horizon = self.model.params.finance.funding_horizon_months
        return (self.buffer_usd_bn() + self.due_within_usd_bn(horizon) + self.model.ledger.claims_payable(self.account)
                + horizon * (self.regular_payout_usd_bn_per_month or 0.0))

    def buffer_usd_bn(self) -> float:
        """B: ``lab_behaviour.cash_buffer_months`` of its fixed running costs."""
        return self.model.params.lab_behaviour.cash_buffer_months * self.monthly_fixed_costs_usd_bn()

    def operating_cash_flow_usd_bn_per_month(self) -> float:
        """f: its mean monthly revenue and core income less operating costs over its trailing twelve months
        (:meth:`market.finance.fundamentals.TrailingAccounts.cash_flow_per_month`), 0 before its first month closes. A
        loss-making firm (f < 0) funds its runway: it raises its expected losses over the funding horizon and pays
        nothing out while cash is within them."""
        flow = self.model.equity.trailing.cash_flow_per_month()
        return float(flow[self.account]) if self.account < flow.size else 0.0

    def spare_cash_usd_bn(self) -> float:
        """Cash beyond its needs (negative: what it must raise)."""
        return self.cash_usd_bn - self.cash_needs_usd_bn()

    def plan_spend_within_usd_bn(self, placed: dict[str, float], lease_gw: float, months: int) -> float:
        """What a plan will spend within ``months``: construction run by then, chips its buildings can take by then
        (each site's GW split into projects of at most ``max_project_gw``, as they start, each fitted out on its own:
        :func:`market.physical.chips.fitted_out_gw`), and for leases ``cash_buffer_months`` of their payments."""
        model = self.model
        behaviour = model.params.lab_behaviour
        chips_per_gw = max(model.procurement.best_offer(self)[1] - behaviour.building_capex_usd_bn_per_gw, 0.0)
        spend = lease_gw * model.leases.quote(self) * behaviour.cash_buffer_months
        for site, gw in placed.items():
            spec = model.construction[site].spec
            build_months = max(spec.build_months, 1)
            projects = max(1, math.ceil(gw / behaviour.max_project_gw - 1e-9))
            fitted_gw = projects * fitted_out_gw(gw / projects, model.procurement.wanted_month(site), model.month + months,
                                                 spec.fit_out_gw_per_month)
            spend += gw * behaviour.building_capex_usd_bn_per_gw * min(build_months, months) / build_months
            spend += chips_per_gw * fitted_gw
        return spend

    def finance(self, amount: float) -> float:
        """Raise ``amount``: debt first when the lab borrows and has room, then equity. Return raised."""
        if amount <= 0:
            return 0.0
        raised = 0.0
        capital = self.model.capital
        if self.profile.uses_debt:
            assets = self.cash_usd_bn + self.fixed_assets_usd_bn
            raised += capital.raise_debt(self, min(amount, capital.debt_capacity(self, assets)))
        if amount - raised > 1e-9:
            raised += capital.raise_equity(self, amount - raised, self.role)
        return raised

    def pay_out(self) -> float:
        """Pay the month's regular payout, then (a lab that ``returns_excess_cash``) part of the cash beyond its gross
        needs, while its trailing twelve months' operating profit (core income included) is positive; return what
        was paid.

        Regular payout (Lintner 1956): D_t = D_{t-1} + lambda (r max(f, 0) - D_{t-1}), D = r f the first month it pays
        (a lab that makes a loss suspends it, D = 0 in its needs, and restarts at r f when it earns again),
        r the lab's ``payout_ratio_of_cash_flow``, lambda ``finance.payout_adjustment_per_month``, f its trailing
        operating cash flow; paid from cash beyond its buffer B. Then x max(cash - N_gross, 0), x
        ``finance.payout_share_of_excess_cash_per_month`` (:meth:`gross_cash_needs_usd_bn`).

        Firms that make losses do not pay dividends or buy back shares (Fama and French 2001, "Disappearing dividends",
        J. Financial Economics 60: payers are the profitable firms). Money raised this month is not paid out in the
        same month (a plan cut after it was financed, when the chips ran short, leaves it in hand; it is returned over
        the following months if no plan uses it).
        """
        capital = self.model.capital
        profit = self.model.equity.trailing.cash_flow_per_month(after_depreciation=True)
        earning = self.account < profit.size and profit[self.account] > 0.0
        if not earning or self.profile.payout_ratio_of_cash_flow <= 0:
            self.regular_payout_usd_bn_per_month = None
        if not earning:
            return 0.0
        raised = capital.equity_raised_month[self.account] + capital.debt_raised_month[self.account]
        paid = 0.0
        if self.profile.payout_ratio_of_cash_flow > 0:
            target = self.profile.payout_ratio_of_cash_flow * max(self.operating_cash_flow_usd_bn_per_month(), 0.0)
            previous = self.regular_payout_usd_bn_per_month
            speed = self.model.params.finance.payout_adjustment_per_month
            regular = target if previous is None else previous + speed * (target - previous)
            self.regular_payout_usd_bn_per_month = regular
            amount = min(regular, self.cash_usd_bn - self.buffer_usd_bn() - raised)
            paid += capital.pay_dividend(self, amount) if amount > 1e-9 else 0.0
        if self.profile.returns_excess_cash:
            paid += capital.pay_out_excess_cash(self, self.gross_cash_needs_usd_bn() + raised)
        return paid
