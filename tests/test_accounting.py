"""Accounting and physical invariants at every step of several seeds (DESIGN section 7)."""

from __future__ import annotations

import pytest

from market.model import ComputeMarket
from market.scenario import load_scenario
from tests.invariants import check_invariants


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_invariants_hold_at_every_step(seed: int) -> None:
    model = ComputeMarket(load_scenario("baseline"), rng=seed)
    initial = model.cohorts.gw[: model.cohorts.n].sum()
    while model.running:
        model.step()
        check_invariants(model, initial)
    assert model.steps == 120


def test_invariants_hold_with_stressed_finance() -> None:
    """Starved of investor money and cash, labs fall short: claims appear and the books still balance."""
    overrides = [("investors.total_capital_usd_bn", 50.0), ("investors.inflow_rate_per_month", 0.0),
                 ("lab_behaviour.opex_share_of_revenue", 2.0), ("run.steps", 60)]
    model = ComputeMarket(load_scenario("baseline", overrides), rng=3)
    initial = model.cohorts.gw[: model.cohorts.n].sum()
    while model.running:
        model.step()
        check_invariants(model, initial)
    assert model.ledger.total_claims() > 0, "the stress case should leave unpaid claims"
