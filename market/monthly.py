"""Monthly schedule steps that touch many markets at once: power (6), projects (7) and settlement (8)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from market.finance.ledger import OUTSIDE, PaymentKind
from market.finance.payments import KIND_CODE
from market.physical.projects import Project, is_paid_up

if TYPE_CHECKING:
    from agents.lab import Lab
    from market.model import ComputeMarket


def clear_power(model: ComputeMarket) -> None:
    """Step 6: labs' dedicated plants progress, utilities grow, connect queued requests, build and reprice."""
    model.energy.progress()
    for utility in model.utilities.values():
        utility.grow_and_complete(model.month)
        for project_id, gw in utility.connect():
            model.projects[project_id].connected_gw += gw
        utility.plan_builds(model.month)
        utility.update_price()


def progress_projects(model: ComputeMarket) -> None:
    """Step 7: construction starts and progresses, chips retire and free power, projects run what they can."""
    for construction in model.construction.values():
        construction.start_projects(model.projects, model.month)
    retired = model.cohorts.retire_due(model.month)
    for project_id, gw in retired.items():
        project = model.projects[project_id]
        project.live_gw -= gw
        release = min(gw, project.connected_gw)
        project.connected_gw -= release
        model.utilities[project.site].release(release)
    if retired:
        model.log_event("retirement", [], f"{sum(retired.values()):.3f} GW of chips retired")
    for lab in model.labs.values():
        if lab.alive:
            scrap_for_power(model, lab)
    projects, set_project_online = model.projects, model.cohorts.set_project_online
    for lab in model.labs.values():
        for project_id in lab.project_ids:
            project = projects[project_id]
            due = project.monthly_construction_usd_bn()
            if due > 0:
                model.dues.add(lab.account, OUTSIDE, due, PaymentKind.CONSTRUCTION)
                project.construction_paid_usd_bn += due
                project.months_built += 1
                model.month_capex["construction"] += due
                model.capex_month_by_account[lab.account] = model.capex_month_by_account.get(lab.account, 0.0) + due
            project.online_gw = min(project.live_gw, project.connected_gw) if project.built else 0.0
            set_project_online(project_id, project.online_gw)
        lab.project_ids = [i for i in lab.project_ids if not is_finished(projects[i])]
        note_paid_up_projects(model, lab)


def note_paid_up_projects(model: ComputeMarket, lab: Lab) -> None:
    """Note the lab's projects that are now paid up (:func:`market.physical.projects.is_paid_up`) in
    ``lab.paid_up_project_ids``, each with whether its (zero) chip term is numpy-typed, and those of them whose building
    is wholly carried by their chips (no construction in progress) in ``lab.carried_project_ids``; forget ids that are
    no longer the lab's projects.

    The lab's payments due skip paid-up projects, and its construction in progress skips carried ones. Their terms are
    exactly zero for good, added plainly (the type they would give the total is restored) or filtered out, so the sums
    are unchanged while a month's cost grows less with the running projects the lab has finished paying for. A project
    that joins the lab (bought in a fire sale, or added by hand) is summed until it is noted here. The chip pipeline
    (:meth:`market.model.ComputeMarket.pipeline_gw`) still reads every project: it is a ``sum``, whose rounding depends
    on the types of the terms it adds, zeros included (CPython 3.12 stops compensating at the first numpy term).
    """
    orders, projects, due = model.chip_market.order_of_project, model.projects, model.chip_market.chips_due_usd_bn
    current = set(lab.project_ids)
    paid_up = lab.paid_up_project_ids = {i: typed for i, typed in lab.paid_up_project_ids.items() if i in current}
    carried = lab.carried_project_ids
    carried &= current
    for project_id in lab.project_ids:
        if project_id in carried:
            continue
        project = projects[project_id]
        if project_id not in paid_up:
            if not is_paid_up(project, orders.get(project_id), model.month):
                continue
            paid_up[project_id] = type(due(project_id, model.month)) is not float
        if project.building_in_progress_usd_bn() == 0.0:
            carried.add(project_id)


def scrap_for_power(model: ComputeMarket, lab: Lab) -> None:
    """Retire a lab's older chips early where its new chips wait for power at the same site.

    For each built project of the lab with chips idle for lack of power, cohorts of the lab's other
    projects at that site whose EFLOP/s per GW is at most 1 / ``technology.scrap_efficiency_ratio``
    of the waiting chips' retire, least efficient first, until the waiting GW are covered; their
    power connection passes to the waiting project (GW are conserved: retired, not destroyed).
    """
    by_id = model.projects
    waiting_projects = [p for i in lab.project_ids if (p := by_id[i]).live_gw - p.connected_gw > 1e-9 and p.built]
    if not waiting_projects:
        return
    cohorts = model.cohorts
    ratio = model.params.technology.scrap_efficiency_ratio
    projects = [by_id[i] for i in lab.project_ids]
    for waiting in waiting_projects:
        need = waiting.live_gw - waiting.connected_gw  # as earlier waiting projects left it (a donor's need only falls)
        if need <= 1e-9:
            continue
        waiting_bounds = cohorts.eflops_per_gw_bounds(waiting.id)
        best = waiting_bounds[1] if waiting_bounds is not None else 0.0
        for donor in sorted((p for p in projects if p.site == waiting.site and p is not waiting and p.connected_gw > 0),
                            key=lambda p: p.id):
            bounds = cohorts.eflops_per_gw_bounds(donor.id)
            if need <= 1e-9 or bounds is None or bounds[0] * ratio > best:
                continue  # no cohort of the donor is old enough (x -> x * ratio is monotone: its least decides)
            rows = cohorts.rows_of_project(donor.id)
            old = rows[cohorts.eflops_per_gw[rows] * ratio <= best]
            if old.size == 0:
                continue
            old = old[np.argsort(cohorts.eflops_per_gw[old], kind="stable")]
            chosen = old[np.cumsum(cohorts.gw[old]) - cohorts.gw[old] < need]
            gw = cohorts.retire_rows(chosen)
            donor.live_gw -= gw
            moved = model.utilities[waiting.site].withdraw(waiting.id, min(gw, donor.connected_gw, need))
            donor.connected_gw -= moved
            waiting.connected_gw += moved
            excess = donor.connected_gw - donor.live_gw
            if excess > 1e-12:
                donor.connected_gw -= excess
                model.utilities[donor.site].release(excess)
            need -= moved
            model.log_event("early_retirement", [lab.name], f"{gw:.3f} GW of older chips retired at {waiting.site} "
                            f"to power {moved:.3f} GW of new ones")


def is_finished(project: Project) -> bool:
    """Whether a project is built, fully delivered and all its chips retired."""
    return project.built and project.delivered_gw >= project.gw - 1e-12 and project.live_gw <= 1e-12


def settle(model: ComputeMarket) -> None:
    """Step 8: bill leases, power, maintenance and opex; pay claims, debt service and dues; chipmakers close their month."""
    behaviour = model.params.lab_behaviour
    model.leases.bill()
    alive_labs = [lab for lab in model.labs.values() if lab.alive]
    for lab in alive_labs:
        by_site: dict[str, float] = {}
        for project_id in lab.project_ids:
            project = model.projects[project_id]
            by_site[project.site] = by_site.get(project.site, 0.0) + project.connected_gw
        for site, gw in by_site.items():
            model.utilities[site].bill(lab.account, gw)
        model.dues.add(lab.account, OUTSIDE, model.owned_online_gw[lab.account] * behaviour.maintenance_usd_bn_per_gw_month,
                      PaymentKind.MAINTENANCE)
        model.dues.add(lab.account, OUTSIDE, lab.revenue_month_usd_bn * behaviour.opex_share_of_revenue,
                      PaymentKind.OPEX)
    power_revenue = {u.account: 0.0 for u in model.utilities.values()}
    for _, payee, amount, kind in model.dues.items:
        if kind is PaymentKind.POWER and payee in power_revenue:
            power_revenue[payee] += amount
    debtors = model.ledger.debtors()
    for agent in model.all_economic_agents():
        if agent.account in debtors:
            model.ledger.settle_claims(agent.account)
    for lab in alive_labs:
        model.capital.service_debt(lab)
    for lease in model.leases.leases.values():
        model.agent_by_account(lease.lessor).revenue_month_usd_bn += lease.monthly_payment_usd_bn()
    model.dues.settle(model.ledger)
    for utility in model.utilities.values():
        utility.revenue_month_usd_bn = power_revenue[utility.account]
        utility.pay_costs_and_dividends(power_revenue[utility.account])
    for maker in model.chipmakers.values():
        if maker.alive:
            maker.close_month(maker.revenue_month_usd_bn, maker.production_cost_month_usd_bn)
    for agent in model.all_economic_agents():
        if not agent.alive:
            agent.revenue_month_usd_bn = 0.0
            agent.depreciation_month_usd_bn = 0.0


def pay_out(model: ComputeMarket) -> None:
    """Step 9, last: live labs pay their regular payout and part of the cash beyond their gross needs
    (:meth:`agents.lab_finance.LabFinance.pay_out`), once the month's accounts are recorded (so a lab's losses count
    its first month)."""
    for lab in model.labs.values():
        if lab.alive:
            lab.pay_out()


def capex_by_account(model: ComputeMarket) -> np.ndarray:
    """Each account's part of :func:`capex_this_month`: the chips delivered to it and the construction billed to it (as
    incurred, paid or not), and the fab and generation capex it paid this month (a fab's outside partners pay their
    part of its capex directly, so it is theirs). Read before the month's flows close (the model keeps it as
    ``capex_by_account_usd_bn`` for the agent table)."""
    capex = np.zeros(model.ledger.n_accounts)
    for account, amount in model.capex_month_by_account.items():
        capex[account] += amount
    flows = model.ledger.current_flows()
    paid = np.isin(flows.kind, [KIND_CODE[PaymentKind.FAB_CAPEX], KIND_CODE[PaymentKind.GENERATION_CAPEX]])
    np.add.at(capex, flows.payer[paid], flows.amount[paid])
    return capex


def capex_this_month(model: ComputeMarket) -> float:
    """Capex incurred this month: chips delivered, construction, fab and generation capex."""
    paid_capex = model.ledger.current_flows().total((PaymentKind.FAB_CAPEX, PaymentKind.GENERATION_CAPEX))
    chips = sum(model.chip_market.revenue_month.values())
    return chips + model.month_capex["construction"] + paid_capex
