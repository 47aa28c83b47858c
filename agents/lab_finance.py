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

    Needs N = B + P_H + H max(-f, 0) + C: a buffer B of ``lab_behaviour.cash_buffer_months`` of fixed running costs
    (power, upkeep, leases, interest), the project payments P_H falling due within the funding horizon H
    (``finance.funding_horizon_months``), H months of the operating loss f its trailing twelve months show, and the
    claims C it owes. A plan raises what it will spend within H (debt first while the lab borrows and has room, then
    equity); a profitable lab pays out part of its cash beyond N each month.
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
        """Cash the lab keeps: its buffer, project payments due within the funding horizon, its expected operating
        losses over the horizon (:meth:`burn_usd_bn_per_month`), and claims it owes."""
        model = self.model
        horizon = model.params.finance.funding_horizon_months
        buffer = model.params.lab_behaviour.cash_buffer_months * self.monthly_fixed_costs_usd_bn()
        return (buffer + self.due_within_usd_bn(horizon) + horizon * self.burn_usd_bn_per_month()
                + model.ledger.claims_payable(self.account))

    def burn_usd_bn_per_month(self) -> float:
        """Operating cash the lab loses a month: minus its mean monthly revenue and core income less operating costs
        over its trailing twelve months (:meth:`market.finance.fundamentals.TrailingAccounts.cash_flow_per_month`),
        0 when that is positive or before its first month closes. A loss-making firm funds its runway: it raises its
        expected losses over the funding horizon and pays nothing out while cash is within them."""
        flow = self.model.equity.trailing.cash_flow_per_month()
        return max(-float(flow[self.account]), 0.0) if self.account < flow.size else 0.0

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
        """Return part of the cash beyond its needs to shareholders (``finance.payout_share_of_excess_cash_per_month``),
        while its trailing twelve months' operating profit (core income included) is positive.

        Firms that make losses do not pay dividends or buy back shares (Fama and French 2001, "Disappearing dividends",
        J. Financial Economics 60: payers are the profitable firms). Money raised this month is not paid out in the
        same month (a plan cut after it was financed, when the chips ran short, leaves it in hand; it is returned over
        the following months if no plan uses it).
        """
        capital = self.model.capital
        profit = self.model.equity.trailing.cash_flow_per_month(after_depreciation=True)
        if self.account >= profit.size or profit[self.account] <= 0.0:
            return 0.0
        raised = capital.equity_raised_month[self.account] + capital.debt_raised_month[self.account]
        return capital.pay_out_excess_cash(self, self.cash_needs_usd_bn() + raised)
