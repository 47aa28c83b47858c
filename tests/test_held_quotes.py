"""Offers and lease prices held while labs plan (Procurement.hold_offers, LeaseBook.hold_prices) equal fresh ones."""

from __future__ import annotations

from collections import Counter

import pytest

from market.model import ComputeMarket
from market.parameters.scenario import load_scenario
from market.physical.held import HeldValues
from market.physical.leases import LeaseBook
from market.physical.procurement import Procurement


@pytest.mark.parametrize(("scenario", "months"), [("baseline", 24), ("replay-2022", 40)])
def test_every_held_reading_equals_a_fresh_one(monkeypatch, scenario: str, months: int) -> None:
    """Each reading of a held best offer, lease price, lessee's clouds or lease quote while labs plan equals the value
    worked out afresh at that moment, and the held values are read many times over (the replay covers export rules
    coming into force and an exclusive lessor's contract). Fails if anything that sets them (a chipmaker's price, an
    export rule, a cloud's costs or free GW, a lab's failure) changes while labs plan, if lessees that share a list of
    clouds should not, or if a value is held across planning phases."""
    readings: Counter[str] = Counter()
    best_offer_in, lease_price, candidates = Procurement.best_offer_in, LeaseBook.lease_price, LeaseBook.candidates
    quote = LeaseBook.quote

    def checked_best_offer_in(self: Procurement, region: str) -> tuple[float, float]:
        held = best_offer_in(self, region)
        assert held == self.find_best_offer_in(region), (region, self.model.date)
        readings["offer held" if self.held_offers.holding else "offer fresh"] += 1
        return held

    def checked_lease_price(self: LeaseBook, cloud) -> float:
        held = lease_price(self, cloud)
        assert held == self.find_lease_price(cloud), (cloud.name, self.model.date)
        readings["price held" if self.held_prices.holding else "price fresh"] += 1
        return held

    def checked_candidates(self: LeaseBook, lessee) -> list:
        held = candidates(self, lessee)
        assert held == self.find_candidates(lessee), (lessee.name, self.model.date)
        readings["clouds held" if self.held_candidates.holding else "clouds fresh"] += 1
        return held

    def checked_quote(self: LeaseBook, lessee) -> float:
        held = quote(self, lessee)
        assert held == self.find_quote(lessee), (lessee.name, self.model.date)
        readings["quote held" if self.held_prices.holding else "quote fresh"] += 1
        return held

    monkeypatch.setattr(Procurement, "best_offer_in", checked_best_offer_in)
    monkeypatch.setattr(LeaseBook, "lease_price", checked_lease_price)
    monkeypatch.setattr(LeaseBook, "candidates", checked_candidates)
    monkeypatch.setattr(LeaseBook, "quote", checked_quote)
    model = ComputeMarket(load_scenario(scenario, [("run.steps", months)]), rng=1)
    while model.running:
        model.step()
        assert not (model.procurement.held_offers.holding or model.leases.held_prices.holding
                    or model.leases.held_candidates.holding)
    held = (readings["offer held"], readings["price held"], readings["clouds held"], readings["quote held"])
    assert min(held) > 10 * months, readings
    assert readings["offer fresh"] > 0, readings


def test_held_values_are_found_once_while_held_and_afresh_otherwise() -> None:
    """Known answers: not held, every reading calls its finder; held, the first reading per key does and later ones
    return that value; holding again forgets what was held. Fails if a value outlives its phase or is found twice."""
    calls: list[str] = []

    def finder(key: str, value: int):
        return lambda: calls.append(key) or value
    values: HeldValues[int] = HeldValues()
    assert values.read("a", finder("a", 1)) == 1 and values.read("a", finder("a", 2)) == 2 and calls == ["a", "a"]
    values.hold(True)
    assert values.read("a", finder("a", 3)) == 3 and values.read("a", finder("a", 4)) == 3
    assert values.read("b", finder("b", 5)) == 5 and calls == ["a", "a", "a", "b"]
    values.hold(True)
    assert values.read("a", finder("a", 6)) == 6
    values.hold(False)
    assert not values.holding and values.read("a", finder("a", 7)) == 7 and calls == ["a", "a", "a", "b", "a", "a"]
