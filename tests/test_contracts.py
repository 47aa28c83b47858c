"""Capacity contracts (market/physical/contracts.py): the due schedule, deliveries from the lessor's free online GW, what
the parties plan for, lapse and the rules on their parameters."""

from __future__ import annotations

import pytest

from market.model import ComputeMarket
from market.parameters.scenario import load_scenario
from market.parameters.schema import ParamError
from market.physical.contracts import CapacityContract

LESSOR, LESSEE = "cloud_us_e", "frontier_lab_d"


def _contract(gw: float = 2.0, ramp_months: int = 2, **terms: object) -> list[tuple[str, object]]:
    entries = {"lessee": LESSEE, "lessor": LESSOR, "gw": gw, "ramp_months": ramp_months, "term_months": 36, **terms}
    return [(f"capacity_contracts.test.{key}", value) for key, value in entries.items()]


def _model(overrides: list[tuple[str, object]], months: int = 1) -> ComputeMarket:
    model = ComputeMarket(load_scenario("baseline", [*overrides, ("run.steps", 12)]), rng=1)
    for _ in range(months):
        model.step()
    return model


def test_the_contracted_gw_fall_due_in_equal_parts_over_the_ramp() -> None:
    """D(t) = G min(max((t - s + 1) / R, 0), 1): 1.2 GW over 12 months from month 100 are 0.1 GW due by month 100,
    0.6 by 105 and all 1.2 by 111; with 0.5 delivered, 0.1 is open at 105 and nothing at 104."""
    contract = CapacityContract("c", 1, 2, 1.2, 90, 100, 12, 60)
    assert [contract.due_gw(t) for t in (99, 100, 105, 111, 200)] == pytest.approx([0.0, 0.1, 0.6, 1.2, 1.2])
    contract.deliveries = [(101, 0.5)]
    assert contract.open_gw(105) == pytest.approx(0.1)
    assert contract.open_gw(104) == 0.0


def test_the_lessor_leases_what_is_due_as_far_as_its_free_online_gw_goes() -> None:
    """2 GW due over 2 months from the run's first month: 1 GW is due in the first, more than cloud_us_e's online GW
    not leased out, so it leases all of that, for the contract's 36 months at its lease price then, and the rest
    stays due. Fails if a delivery ignores the lessor's free GW, the contract's term or the due schedule."""
    model = _model(_contract(), months=0)
    model.month = model.start_month
    lessor = model.labs[LESSOR]
    free = float(model.owned_online_gw[lessor.account]) - model.leases.leased_out_gw(lessor.account)
    price = model.leases.find_lease_price(lessor)
    assert 0.0 < free < 1.0
    model.leases.contracts.deliver()
    contract = model.leases.contracts.contracts[0]
    assert contract.delivered_gw == pytest.approx(free, rel=1e-12)
    [lease] = [lease for lease in model.leases.leases.of_lessee(model.labs[LESSEE].account) if lease.lessor == lessor.account]
    assert (lease.gw, lease.start_month, lease.end_month) == (pytest.approx(free, rel=1e-12), model.month, model.month + 36)
    assert lease.price_per_gw_month == pytest.approx(price, rel=1e-12)
    assert contract.open_gw(model.month) == pytest.approx(1.0 - free, rel=1e-12)
    assert (contract.delivered_gw_by(model.month), contract.delivered_gw_by(model.month - 1)) == (contract.delivered_gw, 0.0)
    assert model.leases.leased_out_gw(lessor.account) == pytest.approx(float(model.owned_online_gw[lessor.account]))
    kinds = [event["kind"] for event in model.event_log if event["actors"] == f"{LESSOR},{LESSEE}"]
    assert kinds == ["capacity_contract", "contract_delivered"]


def test_the_lessor_plans_for_the_gw_due_within_its_horizon_and_counts_delivered_contract_leases_flat() -> None:
    """Known answer for the lessor: its gap grows by the contracted GW it must still lease out by the end of its
    24-month horizon at new chips' EFLOP/s per GW, less its delivered contract leases' growth (they are counted flat, not
    grown with its own demand as its open-market leases are), and its wish by that over e_new M. Fails if the lessor
    ignores the contract or grows the GW it delivered."""
    model = _model(_contract())
    book, lessor = model.leases.contracts, model.labs[LESSOR]
    [contract] = book.contracts
    behaviour = model.params.lab_behaviour
    e_new = model.procurement.best_offer(lessor)[0]
    growth = 1.5
    delivered = model.leases.contracted_out_gw(lessor.account)
    assert delivered == pytest.approx(contract.delivered_gw, rel=1e-12) and delivered > 0.0
    expected = (contract.gw - contract.delivered_gw) * e_new - delivered * 0.5 * model.average_eflops_per_gw(lessor.account)
    assert lessor.contracted_gap_eflops(e_new, 24, 0, growth) == pytest.approx(expected, rel=1e-12)
    with_contract = lessor.desired_order_gw()
    book.contracts = []
    without = lessor.desired_order_gw()
    book.contracts = [contract]
    assert without > 0.0
    provision = (1.0 + lessor.expected_growth_per_year) ** (behaviour.planning_horizon_months / 12.0)
    added = lessor.contracted_gap_eflops(e_new, behaviour.planning_horizon_months, behaviour.planning_horizon_months, provision)
    assert with_contract == pytest.approx(without + added / e_new / behaviour.gap_closing_months, rel=1e-9)


def test_the_lessee_counts_the_contracted_gw_due_within_its_horizon_as_coming() -> None:
    """OpenAI's stand-in (own-build share 0.3: it provisions 24 + 0.7 (0 - 24) = 7.2 months ahead, 7 whole months)
    contracts 0.3 GW due over 2 months: all of it is due within 7 months, so its wish falls by the 0.3 GW less what was
    delivered, over M, in GW. Fails if the lessee ignores the contract, counts it twice or counts what was delivered."""
    model = _model(_contract(gw=0.3, lessee="frontier_lab_a"))
    book, lessee = model.leases.contracts, model.labs["frontier_lab_a"]
    [contract] = book.contracts
    behaviour = model.params.lab_behaviour
    e_new = model.procurement.best_offer(lessee)[0]
    coming = contract.gw - contract.delivered_gw
    assert 0.0 < contract.delivered_gw < contract.gw
    assert lessee.contracted_gap_eflops(e_new, 24, 7, 1.5) == pytest.approx(-coming * e_new, rel=1e-12)
    with_contract = lessee.desired_order_gw()
    book.contracts = []
    without = lessee.desired_order_gw()
    book.contracts = [contract]
    assert without > coming / behaviour.gap_closing_months
    assert with_contract == pytest.approx(without - coming / behaviour.gap_closing_months, rel=1e-9)


def test_contracts_on_one_lessor_are_delivered_in_the_order_listed_and_its_leased_total_stays_exact() -> None:
    """Two contracts on cloud_us_e due at once: the first listed takes the lessor's free GW, the second what is left
    (nothing), and the lessor's leased-out total (kept as a running sum) equals the sum over its leases. Fails if the
    second is served first or the running total misses a delivery."""
    second = [(path.replace(".test.", ".later."), value) for path, value in _contract()]
    model = _model([*_contract(), *second], months=0)
    model.month = model.start_month
    lessor = model.labs[LESSOR]
    free = float(model.owned_online_gw[lessor.account]) - model.leases.leased_out_gw(lessor.account)
    model.leases.contracts.deliver()
    first, later = model.leases.contracts.contracts
    assert (first.name, later.name) == ("test", "later")
    assert first.delivered_gw == pytest.approx(free, rel=1e-12) and later.delivered_gw == 0.0
    leases = model.leases.leases.of_lessor(lessor.account)
    assert model.leases.leased_out_gw(lessor.account) == pytest.approx(sum(lease.gw for lease in leases), rel=1e-12)
    assert [lease.contract for lease in leases if lease.contract] == ["test"]


def test_a_contract_lapses_when_either_party_fails() -> None:
    """With the lessee, or the lessor, failed nothing more is delivered or planned for."""
    for failed in (LESSEE, LESSOR):
        model = _model(_contract())
        [contract] = model.leases.contracts.contracts
        delivered = contract.delivered_gw
        model.labs[failed].alive = False
        assert not model.leases.contracts.in_force(contract)
        assert model.leases.contracts.to_lease_out_gw(model.labs[LESSOR].account, model.month + 24) == 0.0
        assert model.leases.contracts.to_lease_in_gw(model.labs[LESSEE].account, model.month + 24) == 0.0
        model.month += 1
        model.leases.contracts.deliver()
        assert contract.delivered_gw == delivered, failed


@pytest.mark.parametrize(("terms", "message"), [
    ({"lessor": "frontier_lab_a"}, "capacity_contracts.test.lessor = 'frontier_lab_a' is not allowed: expected a named cloud"),
    ({"lessee": LESSOR}, f"capacity_contracts.test.lessee = '{LESSOR}' is not allowed: expected a named lab other than the lessor"),
    ({"signed_date": "2025-06", "start_date": "2025-03"},
     "capacity_contracts.test.start_date = '2025-03' is not allowed: expected a month on or after its signed_date (2025-06)"),
    ({"gw": 0.0}, "capacity_contracts.test.gw = 0.0 is not allowed: expected a number with 0 < value"),
    ({"signed_date": "2024-06", "start_date": "2025-06"},
     "capacity_contracts.test.signed_date = '2024-06' is not allowed: expected a month on or after run.start_date (2025-01)"),
    ({"lessor": ""}, "capacity_contracts.test.lessor = '' is not allowed: expected a named cloud"),
])
def test_a_contract_s_bad_terms_are_refused_in_one_line(terms: dict[str, object], message: str) -> None:
    with pytest.raises(ParamError) as error:
        load_scenario("baseline", _contract(**terms))
    assert str(error.value).startswith(message) and "\n" not in str(error.value)
