"""Generation labs finance for their own sites (issue 17): known answers for the plant's cost, schedule, books and
dedicated supply, and the scenario's direction against power-bottleneck. Each docstring names the bug that fails it."""

from __future__ import annotations

import pytest

from agents.utility import usd_bn_per_gw_month
from market.energy import PlantStatus
from market.ledger import OUTSIDE, PaymentKind
from market.model import ComputeMarket
from tests.conftest import model_after, run

ENERGY_SEEDS = (1, 2, 3, 4, 5)
QUICK_GAS = [("energy.labs_invest", True), ("energy.technologies.gas_turbine.lead_time_months", 3),
             ("energy.technologies.gas_turbine.delay_probability", 0.0),
             ("energy.technologies.gas_turbine.failure_probability", 0.0)]


@pytest.fixture
def model() -> ComputeMarket:
    return model_after(1, QUICK_GAS)


def test_the_cost_of_firm_supply_is_capex_over_capacity_factor_recovered_plus_fuel(model) -> None:
    """Gas: 2.2 $bn/GW nameplate / 0.85 x 0.10 / 12 + 35 $/MWh x 730 h = 0.02157 + 0.02555 = 0.04712 $bn per firm
    GW-month; SMR 15 / 0.93 x 0.1 / 12 + 30 x 730e-6 = 0.15631. Fails if the capacity factor or the fuel is left out."""
    assert model.energy.cost_of_supply_usd_bn_per_gw_month("gas_turbine") == pytest.approx(2.2 / 0.85 * 0.1 / 12 + 0.02555, rel=1e-9)
    assert model.energy.cost_of_supply_usd_bn_per_gw_month("smr") == pytest.approx(15.0 / 0.93 * 0.1 / 12 + 0.0219, rel=1e-9)


def test_a_plant_is_paid_over_its_lead_time_then_held_for_its_owner(model) -> None:
    """1 firm GW of gas with a 3-month lead costs 1 / 0.85 x 2.2 = 2.588 $bn, called in three instalments of 0.863 (it is
    commissioned after this month's instalments, so the third month pays the last and brings it online); it joins the US
    supply held for its owner: what the owner does not draw is not headroom for others.
    Fails if capex is paid at once, the plant comes online early, or others may take its supply."""
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
    assert model.energy.book_value_usd_bn(lab.account) == pytest.approx(2.2 / 0.85)


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
    plant = model.energy.commission(lab, "US", "gas_turbine", 1.0)
    plant.status = PlantStatus.ONLINE
    us.add_dedicated(lab.account, 1.0)
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
    Fails if a failed plant stays on the books or comes online."""
    lab = model.labs["frontier_lab_a"]
    plant = model.energy.commission(lab, "US", "gas_turbine", 1.0)
    plant.fails_month = model.month + 2
    model.step()
    book = model.energy.book_value_usd_bn(lab.account)
    assert book == pytest.approx(2.2 / 0.85 / 3)
    model.step()
    assert plant.status is PlantStatus.FAILED
    assert model.energy.book_value_usd_bn(lab.account) == 0.0
    assert model.energy.lost_usd_bn == pytest.approx(book)
    for _ in range(3):
        model.step()
    assert lab.account not in model.utilities["US"].dedicated_gw


def test_labs_finance_no_generation_in_the_baseline(baseline_seed1) -> None:
    """energy.labs_invest is off in the baseline: no plant, no self-powered compute. Fails if the rule runs regardless."""
    assert not baseline_seed1.model.energy.plants
    assert baseline_seed1.model_table.filter(like="self_powered_gw_").to_numpy().sum() == 0.0


@pytest.mark.slow
def test_energy_investment_raises_us_compute_against_power_bottleneck() -> None:
    """Same seeds, 1-5: with labs financing their own generation US compute in Dec 2034 is higher than in
    power-bottleneck in every seed, and part of it runs on self-financed power. Fails if dedicated plants do not
    power the labs' sites or the rule never commissions them."""
    for seed in ENERGY_SEEDS:
        slow = run(seed=seed, scenario="power-bottleneck").model_table.iloc[-1]
        own = run(seed=seed, scenario="energy-investment").model_table.iloc[-1]
        assert own["compute_gw_US"] > slow["compute_gw_US"] * 1.2, (seed, own["compute_gw_US"], slow["compute_gw_US"])
        assert 0.0 < own["self_powered_gw_US"] <= own["compute_gw_US"], seed
