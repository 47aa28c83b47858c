"""Generation labs finance for their own sites (issue 17): known answers for the plant's cost, schedule, books and
dedicated supply and bills (the scenario's direction against power-bottleneck is in tests/test_policy_scenarios.py). Each
docstring names the bug that fails it."""

from __future__ import annotations

import pytest

from agents.utility import usd_bn_per_gw_month
from market.finance.ledger import OUTSIDE, PaymentKind
from market.model import ComputeMarket
from market.physical.energy import PlantStatus
from tests.conftest import model_after

QUICK_GAS = [("energy.labs_invest", True), ("energy.technologies.gas_turbine.lead_time_months", 3),
             ("energy.technologies.gas_turbine.delay_probability", 0.0),
             ("energy.technologies.gas_turbine.failure_probability", 0.0)]


@pytest.fixture
def model() -> ComputeMarket:
    return model_after(1, QUICK_GAS)


@pytest.fixture
def model_without_plants() -> ComputeMarket:
    """The model before its first month, when no lab has commissioned a plant (after it, a cloud may have)."""
    model = model_after(0, QUICK_GAS)
    assert not model.energy.plants
    return model


def test_the_cost_of_firm_supply_is_capex_over_capacity_factor_recovered_plus_fuel(model) -> None:
    """Gas: 2.2 $bn/GW nameplate / 0.85 x 0.10 / 12 + 35 $/MWh x 730 h = 0.02157 + 0.02555 = 0.04712 $bn per firm
    GW-month; SMR 15 / 0.93 x 0.1 / 12 + 30 x 730e-6 = 0.15631. Fails if the capacity factor or the fuel is left out."""
    assert model.energy.cost_of_supply_usd_bn_per_gw_month("gas_turbine") == pytest.approx(2.2 / 0.85 * 0.1 / 12 + 0.02555, rel=1e-9)
    assert model.energy.cost_of_supply_usd_bn_per_gw_month("smr") == pytest.approx(15.0 / 0.93 * 0.1 / 12 + 0.0219, rel=1e-9)


def test_a_plant_is_paid_over_its_lead_time_then_held_for_its_owner(model) -> None:
    """1 firm GW of gas with a 3-month lead costs 1 / 0.85 x 2.2 = 2.588 $bn, called in three instalments of 0.863 (it is
    commissioned after this month's instalments, so the third month pays the last and brings it online); it joins the US
    supply held for its owner: what the owner does not draw is not headroom for others.
    It counts at its cost in its owner's books, beside what the owner has paid into plants of its own it started since
    (building, or online this month). Fails if capex is paid at once, the plant comes online early, others may take its
    supply, or the plant is missing from its owner's books or depreciated before its first month online."""
    lab = model.labs["frontier_lab_a"]
    us = model.utilities["US"]
    plant = model.energy.commission(lab, "US", "gas_turbine", 1.0)
    assert plant.capex_usd_bn == pytest.approx(2.2 / 0.85)
    instalments, paid = [], 0.0
    for month in range(3):
        assert plant.status is PlantStatus.BUILDING, month
        model.step()
        instalments.append(plant.paid_usd_bn - paid)
        paid = plant.paid_usd_bn
    assert instalments == pytest.approx([2.2 / 0.85 / 3] * 3)
    assert plant.status is PlantStatus.ONLINE and us.dedicated_gw[lab.account] == pytest.approx(1.0)
    held = us.unused_dedicated_gw(lab.account)
    assert held > 0.0
    assert us.headroom_gw() == pytest.approx(max(us.available_gw - us.committed_gw - held, 0.0))
    others = [p for p in model.energy.by_owner[lab.account] if p is not plant and not p.funded_by]
    assert all(p.status is PlantStatus.BUILDING or p.online_month == model.month for p in others)
    assert model.energy.book_value_usd_bn(lab.account) == pytest.approx(2.2 / 0.85 + sum(p.paid_usd_bn for p in others))


def test_dedicated_supply_connects_its_owner_first_and_is_billed_at_the_plant_s_cost(model) -> None:
    """With no grid headroom, a queued 0.6 GW request of the owner is connected from its 1 GW plant and another lab's
    request waits; the owner pays 35 $/MWh x 730 h x 0.6 to outside and nothing to the utility for it. Fails if dedicated
    supply is shared, or billed at the grid's price."""
    builders = [lab for lab in model.labs.values() if any(model.projects[i].site == "US" for i in lab.project_ids)]
    assert len(builders) >= 2, "two labs with US projects are needed"
    lab, other = builders[:2]
    us = model.utilities["US"]
    for project_id in [*lab.project_ids, *other.project_ids]:
        model.projects[project_id].connected_gw = 0.0
    us.available_gw = us.committed_gw
    us.pipeline = []
    model.energy.bring_online(model.energy.commission(lab, "US", "gas_turbine", 1.0))
    mine = next(i for i in lab.project_ids if model.projects[i].site == "US")
    theirs = next(i for i in other.project_ids if model.projects[i].site == "US")
    assert us.headroom_gw() == 0.0 and us.unused_dedicated_gw(lab.account) == pytest.approx(1.0)
    us.queue = [(theirs, 0.5), (mine, 0.6)]
    connected = dict(us.connect())
    assert connected.get(theirs, 0.0) == 0.0
    assert connected[mine] == pytest.approx(0.6)
    model.projects[mine].connected_gw += connected[mine]
    model.dues.items = []
    us.bill(lab.account, connected[mine])
    ((payer, payee, amount, kind),) = model.dues.items
    assert (payer, payee, kind) == (lab.account, OUTSIDE, PaymentKind.GENERATION_OPEX)
    assert amount == pytest.approx(connected[mine] * usd_bn_per_gw_month(35.0))


def test_a_failed_plant_is_a_loss_its_owner_books(model) -> None:
    """A plant drawn to fail in its second month has cost one instalment; it leaves the owner's books and never runs.
    The lab's other plants (its own rule may start some meanwhile) are read apart. Fails if a failed plant stays on the
    books, its cost is not counted lost, or it comes online."""
    lab = model.labs["frontier_lab_a"]
    plant = model.energy.commission(lab, "US", "gas_turbine", 1.0)
    plant.fails_month = model.month + 2

    def others(*statuses: PlantStatus) -> list:
        return [p for p in model.energy.by_owner[lab.account] if p is not plant and not p.funded_by
                and p.status in statuses]

    def others_paid() -> float:
        assert not others(PlantStatus.ONLINE)
        return sum(p.paid_usd_bn for p in others(PlantStatus.BUILDING))

    def failed() -> dict:
        return {p.id: p.paid_usd_bn for p in model.energy.plants.values() if p.status is PlantStatus.FAILED}

    lost_before, failed_before = model.energy.lost_usd_bn, failed()
    model.step()
    book = model.energy.book_value_usd_bn(lab.account) - others_paid()
    assert book == pytest.approx(2.2 / 0.85 / 3)
    model.step()
    assert plant.status is PlantStatus.FAILED
    assert model.energy.book_value_usd_bn(lab.account) == pytest.approx(others_paid(), abs=1e-12)
    newly_failed = {i: paid for i, paid in failed().items() if i not in failed_before}
    assert plant.id in newly_failed
    assert model.energy.lost_usd_bn - lost_before == pytest.approx(sum(newly_failed.values()))
    assert plant.paid_usd_bn == pytest.approx(book)
    for _ in range(3):
        model.step()
    online_us = sum(p.firm_gw for p in others(PlantStatus.ONLINE) if p.site == "US")
    assert model.utilities["US"].dedicated_gw.get(lab.account, 0.0) == pytest.approx(online_us, abs=1e-12)


def test_labs_finance_no_generation_in_the_baseline(baseline_seed1) -> None:
    """energy.labs_invest is off in the baseline: no plant, no self-powered compute. Fails if the rule runs regardless."""
    assert not baseline_seed1.model.energy.plants
    assert baseline_seed1.model_table.filter(like="self_powered_gw_").to_numpy().sum() == 0.0


def test_energy_funds_pay_their_plant_pro_rata_and_sell_its_output_at_its_levelized_cost(model_without_plants) -> None:
    """Two funds holding 30 and 10 $bn finance 1 firm GW of gas (2.588 $bn) 3/4 and 1/4: each instalment of 0.863 $bn
    leaves them 0.647 and 0.216; the plant is not on the lab's books. Online, the lab pays for 0.4 GW drawn
    0.4 x (2.588 x 0.1 / 12 + 0.02555) = 0.01885 $bn to the funds, 3/4 and 1/4, and they pay the fuel, 0.4 x 0.02555, to
    outside. Fails if the funds' shares, the PPA price or who pays the fuel is wrong."""
    model = model_without_plants
    lab = model.labs["frontier_lab_a"]
    accounts, _ = model.energy._energy_funds()
    big, small = (int(a) for a in accounts[:2])
    plant = model.energy.commission(lab, "US", "gas_turbine", 1.0, {big: 0.75, small: 0.25})
    before = {a: model.ledger.balance(a) for a in (big, small)}
    model.energy.progress()
    paid = {a: before[a] - model.ledger.balance(a) for a in (big, small)}
    assert paid[big] == pytest.approx(0.75 * 2.2 / 0.85 / 3) and paid[small] == pytest.approx(0.25 * 2.2 / 0.85 / 3)
    assert model.energy.book_value_usd_bn(lab.account) == 0.0
    assert model.energy.due_within_usd_bn(lab.account, 12) == 0.0
    plant.paid_usd_bn = plant.capex_usd_bn
    model.energy.bring_online(plant)
    model.dues.items = []
    model.energy.bill(lab.account, "US", 0.4)
    price = 0.4 * (2.2 / 0.85 * 0.1 / 12 + usd_bn_per_gw_month(35.0))
    owed = {(payer, payee, kind): amount for payer, payee, amount, kind in model.dues.items}
    assert owed[(lab.account, big, PaymentKind.POWER)] == pytest.approx(0.75 * price)
    assert owed[(lab.account, small, PaymentKind.POWER)] == pytest.approx(0.25 * price)
    assert owed[(big, OUTSIDE, PaymentKind.GENERATION_OPEX)] == pytest.approx(0.75 * 0.4 * usd_bn_per_gw_month(35.0))
    assert (lab.account, OUTSIDE, PaymentKind.GENERATION_OPEX) not in owed


def test_funds_take_half_of_an_order_only_when_their_cash_covers_it(model_without_plants) -> None:
    """With energy.fund_financed_share 0.5 an order of 1 firm GW of gas becomes 0.5 GW the funds finance, pro rata to their
    cash, and 0.5 GW the lab finances; with the funds' cash gone the lab takes the whole order. Fails if funds finance
    what they cannot pay for, or the split is not the parameter's."""
    model = model_without_plants
    lab = model.labs["frontier_lab_b"]
    accounts, cash = model.energy._energy_funds()
    model.energy._commission_affordable(lab, "US", {"gas_turbine": 1.0})
    first = list(model.energy.plants.values())
    assert sorted(p.firm_gw for p in first) == pytest.approx([0.5, 0.5])
    funded = next(p for p in first if p.funded_by)
    assert sum(funded.funded_by.values()) == pytest.approx(1.0)
    assert funded.funded_by[int(accounts[0])] == pytest.approx(cash[0] / cash.sum())
    model.ledger.collect_from_many(accounts, OUTSIDE, cash, PaymentKind.GENERATION_CAPEX)
    model.energy._commission_affordable(lab, "US", {"gas_turbine": 1.0})
    (second,) = [p for p in model.energy.plants.values() if p not in first]
    assert second.firm_gw == pytest.approx(1.0) and not second.funded_by


def test_a_failed_fund_financed_plant_is_the_funds_loss(model) -> None:
    """A funded plant that fails after one instalment costs the funds that instalment and the lab nothing. Fails if the
    loss is booked against the lab."""
    lab = model.labs["frontier_lab_a"]
    accounts, _ = model.energy._energy_funds()
    plant = model.energy.commission(lab, "US", "gas_turbine", 1.0, {int(accounts[0]): 1.0})
    plant.fails_month = model.month + 1
    cash = lab.cash_usd_bn
    model.dues.items = []
    model.energy.progress()
    model.month += 1
    model.energy.progress()
    assert lab.cash_usd_bn == cash and not [d for d in model.dues.items if d[0] == lab.account]
    assert plant.status is PlantStatus.FAILED
    assert model.energy.lost_by_funds_usd_bn == pytest.approx(2.2 / 0.85 / 3) == model.energy.lost_usd_bn
    assert model.energy.book_value_usd_bn(lab.account) == 0.0


@pytest.mark.slow
def test_books_balance_and_dedicated_supply_matches_the_plants_every_month() -> None:
    """energy-investment, seed 2, 72 months (plants of every technology commissioned, funded, failed, late and online):
    the ledger's invariants hold every month, each utility's dedicated GW equal its owners' online plants, and the load
    the grid serves never exceeds the grid's own supply (dedicated plants left out). Fails if money leaks through
    instalments or PPA bills, a plant's supply is counted twice or lost, or others are connected to a lab's plant."""
    from market.parameters.scenario import load_scenario
    from tests.invariants import check_invariants

    model = ComputeMarket(load_scenario("energy-investment", [("run.steps", 72)]), rng=2)
    initial = model.cohorts.gw[: model.cohorts.n].sum()
    while model.running:
        model.step()
        check_invariants(model, initial)
        for site, utility in model.utilities.items():
            for owner, gw in utility.dedicated_gw.items():
                online = sum(p.firm_gw for p in model.energy.by_owner[owner] if p.site == site and p.status is PlantStatus.ONLINE)
                assert gw == pytest.approx(online), (model.date, site, owner)
            grid_load = utility.committed_gw - sum(utility.dedicated_served_gw(o) for o in utility.dedicated_gw)
            grid_supply = utility.available_gw - sum(utility.dedicated_gw.values())
            assert grid_load <= grid_supply + 1e-9, (model.date, site, grid_load, grid_supply)
    statuses = {p.status for p in model.energy.plants.values()}
    assert {PlantStatus.BUILDING, PlantStatus.ONLINE, PlantStatus.FAILED} <= statuses, statuses
    assert {p.technology for p in model.energy.plants.values()} == set(model.params.energy.technologies)
    assert any(p.funded_by for p in model.energy.plants.values() if p.status is PlantStatus.ONLINE)


def test_a_defaulting_lab_s_plants_are_abandoned_or_pass_to_the_grid(model) -> None:
    """When the lab a plant serves defaults, its plants still building are abandoned (what was paid is lost) and its
    online plants leave its books and pass to the grid: a fund's online plant is the funds' loss. Fails if a dead
    lab keeps plants on its books or its dedicated supply stays held for it."""
    lab = model.labs["frontier_lab_a"]
    accounts, _ = model.energy._energy_funds()
    own = model.energy.commission(lab, "US", "gas_turbine", 1.0)
    funded = model.energy.commission(lab, "US", "gas_turbine", 0.5, {int(accounts[0]): 1.0})
    building = model.energy.commission(lab, "US", "gas_turbine", 0.2)
    for plant in (own, funded):
        plant.paid_usd_bn = plant.capex_usd_bn
        model.energy.bring_online(plant)
    building.paid_usd_bn = 0.3
    us = model.utilities["US"]
    assert us.dedicated_gw[lab.account] == pytest.approx(1.5)
    model.energy.release_owner(lab.account)
    assert (own.status, funded.status, building.status) == (PlantStatus.RELEASED, PlantStatus.RELEASED, PlantStatus.FAILED)
    assert lab.account not in us.dedicated_gw
    assert model.energy.book_value_usd_bn(lab.account) == 0.0
    assert model.energy.lost_by_funds_usd_bn == pytest.approx(funded.capex_usd_bn)
    assert model.energy.lost_usd_bn == pytest.approx(funded.capex_usd_bn + 0.3)
