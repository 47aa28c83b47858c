"""Checks of the model's accounting and physical invariants (docs/ODD.md section 7, Ledger), used after every step."""

from __future__ import annotations

import math

import numpy as np

from market.finance.payments import OUTSIDE, OUTSIDE_CODES
from market.model import ComputeMarket
from market.physical.projects import is_paid_up

TOL_REL = 1e-9


def rebuild_balances(model: ComputeMarket) -> np.ndarray:
    """Every account's balance rebuilt from the archived per-step flows alone."""
    n = model.ledger.n_accounts
    balance = np.zeros(n)
    for flows in model.ledger.history:
        np.subtract.at(balance, flows.payer, flows.amount)
        np.add.at(balance, flows.payee, flows.amount)
    return balance


def check_invariants(model: ComputeMarket, initial_installed_gw: float) -> None:
    """Assert every invariant of the current state; call after a completed step."""
    ledger = model.ledger
    scale = max(ledger.gross_turnover, 1.0)
    balances = ledger.balances
    rebuilt = rebuild_balances(model)
    assert np.allclose(rebuilt, balances, rtol=0, atol=TOL_REL * scale), "ledger balances differ from their flows"
    assert (rebuilt[1:] >= -TOL_REL * scale).all(), f"an account's recorded flows leave it overdrawn: {rebuilt[1:].min()}"
    assert abs(rebuilt.sum()) <= TOL_REL * scale, f"money not conserved: the recorded flows sum to {rebuilt.sum()}"
    dead = {agent.account for agent in model.agents if not agent.alive}
    for (creditor, debtor), amount in ledger.claims.items():
        assert amount >= 0 and creditor != debtor and 0 <= creditor < ledger.n_accounts and 0 <= debtor < ledger.n_accounts
        assert debtor not in dead and creditor not in dead, f"a claim survives a default: {creditor} on {debtor}"
    flows = ledger.history[-1]
    touches = (flows.payer == OUTSIDE) | (flows.payee == OUTSIDE)
    assert OUTSIDE_CODES[flows.kind[touches]].all(), "a payment kind not on the allow-list touched outside"
    cohorts = model.cohorts
    n = cohorts.n
    gw = cohorts.gw[:n]
    online = cohorts.online_gw[:n]
    assert (gw >= 0).all() and (online >= -1e-12).all() and (online <= gw + 1e-12).all()
    market = model.chip_market
    assert math.isclose(market.ordered_gw_total, market.backlog_gw() + market.delivered_gw_total + market.cancelled_gw_total,
                        abs_tol=1e-9)
    assert math.isclose(gw.sum(), initial_installed_gw + market.delivered_gw_total, rel_tol=1e-9, abs_tol=1e-9)
    totals = cohorts.totals()
    assert math.isclose(totals["live_gw"] + totals["retired_gw"], gw.sum(), rel_tol=1e-9, abs_tol=1e-9)
    check_cohorts_match_projects(model)
    for maker in model.chipmakers.values():
        assert maker.capacity_gw_per_month >= 0
        # a month's deliveries are bounded by the lines it produced on; closures and fire sales later that month move them
        assert maker.delivered_month_gw <= maker.producing_capacity_gw + 1e-9, f"{maker.name} delivered beyond capacity"
    for utility in model.utilities.values():
        assert utility.available_gw >= 0 and utility.committed_gw >= -1e-12
        assert all(q >= 0 for _, q in utility.queue) and all(g >= 0 for _, g in utility.pipeline)
        assert utility.committed_gw <= utility.available_gw + 1e-9, f"{utility.name} connected beyond available power"
    for project in model.projects.values():
        assert -1e-9 <= project.connected_gw <= project.gw + 1e-9
        assert -1e-9 <= project.live_gw <= project.delivered_gw + 1e-9 <= project.gw + 2e-9
        assert project.online_gw <= min(project.live_gw, project.connected_gw) + 1e-9
    for construction in model.construction.values():
        assert construction.capacity_gw_per_month >= 0
    for lease in model.leases.leases.values():
        assert lease.gw >= 0
    for cloud in model.labs.values():
        assert model.leases.leased_out_gw(cloud.account) <= model.owned_online_gw[cloud.account] + 1e-9
    check_defaulted_firms_hold_nothing(model, scale)
    check_registers_indexed(model)
    check_paid_up_projects(model)
    row = model.datacollector.get_model_vars_dataframe()["row"].iloc[-1]
    for key, value in row.items():
        if isinstance(value, float):
            assert math.isfinite(value), f"{key} is not finite"
            if key != "money_total_usd_bn":
                assert value >= -1e-9, f"{key} is negative: {value}"


def check_registers_indexed(model: ComputeMarket) -> None:
    """Every non-zero stake, loan, rate, bond and coupon lies in its column's index of holders, lenders or bondholders,
    so what is read through the index (dividends, debt service, debt, cross-holdings, portfolios) misses nothing."""
    capital = model.capital
    bonds = capital.bonds
    for matrix, index, name in ((capital.stakes, capital.holders, "stake"), (capital.loans, capital.lenders, "loan"),
                                (capital.rates, capital.lenders, "rate"), (bonds.face, bonds.holders, "bond"),
                                (bonds.coupon, bonds.holders, "coupon")):
        indexed = np.zeros(matrix.shape, dtype=bool)
        rows, columns = index.entries()
        indexed[rows, columns] = True
        missed = np.argwhere((matrix != 0) & ~indexed)
        assert not missed.size, f"{len(missed)} non-zero {name}s outside the index, first at (row, column) {missed[0]}"


def check_paid_up_projects(model: ComputeMarket) -> None:
    """Every project a lab has noted as paid up is still paid up (nothing reopened it), every one noted as carried has no
    construction in progress, the lab's payments due, which skip paid-up projects, equal in value and type the sum over
    all its projects, and its fixed assets as the month's last refresh set them (which skip carried projects' construction
    in progress) equal its chips' book value plus the construction in progress of all its projects."""
    horizon = model.params.finance.funding_horizon_months
    book_value = model.cohorts.net_book_value_by_owner(model.month, model.ledger.n_accounts)
    for lab in model.labs.values():
        current = set(lab.project_ids)
        for project_id in lab.paid_up_project_ids.keys() & current:
            order = model.chip_market.order_of_project.get(project_id)
            assert is_paid_up(model.projects[project_id], order, model.month), f"{lab.name}: project {project_id} reopened"
        for project_id in lab.carried_project_ids & current:
            assert project_id in lab.paid_up_project_ids
            assert model.projects[project_id].building_in_progress_usd_bn() == 0.0, f"{lab.name}: project {project_id}"
        indexed = lab.due_within_usd_bn(horizon)
        noted = lab.paid_up_project_ids
        lab.paid_up_project_ids = {}
        scanned = lab.due_within_usd_bn(horizon)
        lab.paid_up_project_ids = noted
        assert indexed == scanned and type(indexed) is type(scanned), (lab.name, indexed, scanned)
        wip = sum([w for i in lab.project_ids if (w := model.projects[i].building_in_progress_usd_bn()) > 0.0])
        fixed_assets = float(book_value[lab.account]) + wip
        if model.energy.plants:
            fixed_assets += model.energy.book_value_usd_bn(lab.account)
        assert lab.fixed_assets_usd_bn == fixed_assets, (lab.name, lab.fixed_assets_usd_bn, fixed_assets)


def check_cohorts_match_projects(model: ComputeMarket) -> None:
    """The cohort table and the project records are kept apart: each project's live and online GW must match its cohorts'."""
    cohorts = model.cohorts
    n = cohorts.n
    live = cohorts.live()
    ids = [project.id for project in model.projects.values()]
    size = max([*ids, int(cohorts.project[:n].max(initial=0))]) + 1
    live_gw = np.bincount(cohorts.project[:n][live], weights=cohorts.gw[:n][live], minlength=size)
    online_gw = np.bincount(cohorts.project[:n][live], weights=cohorts.online_gw[:n][live], minlength=size)
    for project in model.projects.values():
        assert math.isclose(live_gw[project.id], project.live_gw, rel_tol=1e-9, abs_tol=1e-9), f"project {project.id} live GW"
        assert math.isclose(online_gw[project.id], project.online_gw, rel_tol=1e-9, abs_tol=1e-9), f"project {project.id} online GW"


def check_defaulted_firms_hold_nothing(model: ComputeMarket, scale: float) -> None:
    """The firms marked dead are exactly those the event log says defaulted, and each holds and owes nothing."""
    firms = [*model.labs.values(), *model.chipmakers.values()]
    dead = {firm.name for firm in firms if not firm.alive}
    defaulted = [event["actors"] for event in model.event_log if event["kind"] == "default"]
    assert sorted(defaulted) == sorted(dead), f"defaults logged {sorted(defaulted)}, firms dead {sorted(dead)}"
    ledger, capital, cohorts = model.ledger, model.capital, model.cohorts
    owners = set(cohorts.owner[: cohorts.n][cohorts.live()].tolist())
    lease_parties = {account for lease in model.leases.leases.values() for account in (lease.lessor, lease.lessee)}
    buyers = {order.lab for book in model.chip_market.orders.values() for order in book}
    for firm in firms:
        if firm.alive:
            continue
        account = firm.account
        assert abs(ledger.balance(account)) <= TOL_REL * scale, f"{firm.name} defaulted but holds cash"
        assert capital.debt_of(account) == 0 and capital.stakes[account].sum() == 0, f"{firm.name} defaulted but owes or owns"
        assert account not in owners and account not in lease_parties and account not in buyers, \
            f"{firm.name} defaulted but still holds chips, leases or orders"
