"""Checks of the model's accounting and physical invariants (DESIGN section 7), used after every step."""

from __future__ import annotations

import math

import numpy as np

from market.ledger import OUTSIDE, OUTSIDE_CODES
from market.model import ComputeMarket

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
    for agent in model.agents:
        assert agent.cash_usd_bn == balances[agent.account]
        assert agent.cash_usd_bn >= -TOL_REL * scale, f"{agent.name} has negative cash {agent.cash_usd_bn}"
    assert abs(ledger.money_total()) <= TOL_REL * scale, f"money not conserved: {ledger.money_total()}"
    receivable = sum(ledger.claims_receivable(a) for a in range(ledger.n_accounts))
    payable = sum(ledger.claims_payable(a) for a in range(ledger.n_accounts))
    assert math.isclose(receivable, payable, rel_tol=0, abs_tol=TOL_REL * scale), "claims do not net to zero"
    assert all(v >= 0 and c != d for (c, d), v in ledger.claims.items())
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
    assert math.isclose(totals["idle_gw"] + totals["online_gw"], totals["live_gw"], rel_tol=1e-9, abs_tol=1e-9)
    for maker in model.chipmakers.values():
        assert maker.capacity_gw_per_month >= 0
        assert maker.delivered_month_gw <= maker.capacity_gw_per_month + 1e-9, f"{maker.name} delivered beyond capacity"
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
    for firm in [*model.labs.values(), *model.chipmakers.values()]:
        if not firm.alive:
            assert model.capital.debt_of(firm.account) == 0 and model.ledger.claims_payable(firm.account) == 0
            assert model.owned_online_gw[firm.account] == 0, f"{firm.name} defaulted but still runs chips"
    row = model.datacollector.get_model_vars_dataframe()["row"].iloc[-1]
    for key, value in row.items():
        if isinstance(value, float):
            assert math.isfinite(value), f"{key} is not finite"
            if key != "money_total_usd_bn":
                assert value >= -1e-9, f"{key} is negative: {value}"
