"""Rules of the chip, lease and compute markets, one test each, on a real baseline model with hand-set state.

Each docstring gives the hand-worked answer and names the bug that makes the test fail.
"""

from __future__ import annotations

import pytest

from market import monthly
from market.finance.ledger import KIND_CODE, OUTSIDE, PaymentKind
from market.model import ComputeMarket
from market.network import EdgeType
from market.physical.chips import Order
from market.physical.projects import Project
from tests.conftest import model_after


@pytest.fixture
def model() -> ComputeMarket:
    return model_after(2)


def test_a_lease_runs_its_term_and_ends_in_the_month_it_expires(model) -> None:
    """A 60-month lease signed in month m is in force through month m + 59 and gone in month m + 60, so it is billed
    exactly 60 times. Fails if leases end a month late (or early)."""
    cloud, lessee = model.labs["cloud_us_a"], model.labs["frontier_lab_b"]
    term = model.params.lab_behaviour.lease_term_months
    assert term == 60
    lease = model.leases.sign(cloud, lessee, 0.01)
    model.leases.expire(model.month + term - 1)
    assert lease.id in model.leases.leases
    model.leases.expire(model.month + term)
    assert lease.id not in model.leases.leases


def test_a_lease_is_billed_its_gw_times_its_price_each_month(model) -> None:
    """0.2 GW at the cloud's price p per GW-month: the lessee owes 0.2 p this month, as a lease due to the cloud."""
    cloud, lessee = model.labs["cloud_us_a"], model.labs["frontier_lab_b"]
    model.leases.leases.clear()
    lease = model.leases.sign(cloud, lessee, 0.2)
    model.dues.items = []
    model.leases.bill()
    assert model.dues.items == [(lessee.account, cloud.account, pytest.approx(0.2 * lease.price_per_gw_month), PaymentKind.LEASE)]


def test_partners_orders_are_served_first(model) -> None:
    """A maker with capacity K holds two due orders of K each: an older one from a lab that is not its partner and a
    newer one from its partner. It ships the partner's order and nothing of the other. Fails if partners come last."""
    maker = model.chipmakers["challenger_gpu"]
    stranger, partner = model.labs["follower_010"], model.labs["follower_011"]
    model.network.add_or_update(partner.account, maker.account, EdgeType.PARTNERS, model.date, origin="test")
    assert stranger.account not in model.partners_of(maker.account)
    capacity = maker.capacity_gw_per_month
    older = Order(900_001, stranger.account, maker.account, 0, capacity, 1.0, model.month - 3, model.month)
    newer = Order(900_002, partner.account, maker.account, 0, capacity, 1.0, model.month - 1, model.month)
    deliveries = maker.produce([older, newer], model.month)
    assert [(order.id, gw) for order, gw in deliveries] == [(900_002, pytest.approx(capacity))]


def test_orders_ship_oldest_first_among_equals(model) -> None:
    """Two due orders from non-partners, each of 0.6 K: the older ships in full, the newer gets the remaining 0.4 K."""
    maker = model.chipmakers["challenger_gpu"]
    a, b = model.labs["follower_012"], model.labs["follower_013"]
    capacity = maker.capacity_gw_per_month
    newer = Order(900_004, b.account, maker.account, 0, 0.6 * capacity, 1.0, model.month, model.month)
    older = Order(900_003, a.account, maker.account, 0, 0.6 * capacity, 1.0, model.month - 2, model.month)
    deliveries = maker.produce([newer, older], model.month)
    assert [(o.id, gw) for o, gw in deliveries] == [(900_003, pytest.approx(0.6 * capacity)),
                                                    (900_004, pytest.approx(0.4 * capacity))]


def test_new_chip_capacity_counts_from_the_month_it_is_due(model) -> None:
    """Capacity of 0.1 GW/month due in month m + 12 is not there in month m + 11 and is there in month m + 12.
    Fails if new capacity arrives a month late."""
    maker = model.chipmakers["challenger_gpu"]
    due = model.month + 12
    maker.capacity_pipeline = [(due, 0.1)]
    capacity = maker.capacity_gw_per_month
    maker.expand_capacity(0.0, due - 1)
    assert maker.capacity_gw_per_month == pytest.approx(capacity)
    maker.expand_capacity(0.0, due)
    assert maker.capacity_gw_per_month == pytest.approx(capacity + 0.1)
    assert maker.capacity_pipeline == []


def test_capacity_ordered_now_is_due_after_the_lead_time(model) -> None:
    """A maker with a backlog of 12 months of capacity against a 6-month target orders more; it is due in m + 12."""
    maker = model.chipmakers["custom_asic"]
    maker.capacity_pipeline = []
    added = maker.expand_capacity(12.0 * maker.capacity_gw_per_month, model.month)
    assert added > 0
    assert maker.capacity_pipeline == [(model.month + maker.spec.capacity_lead_time_months, pytest.approx(added))]


def test_orders_count_chips_already_on_order(model) -> None:
    """Adding X GW of undelivered chips to a lab's projects lowers its monthly order by X / M (M the gap-closing
    months): the chips on order fill part of the gap. Fails if chips on order are ignored."""
    lab = model.labs["frontier_lab_c"]
    months = model.params.lab_behaviour.gap_closing_months
    before = lab.desired_order_gw()
    extra = 0.5 * before * months
    assert extra > 0
    project = Project(model.next_id("project"), lab.account, "US", extra, model.chipmakers["incumbent_gpu"].account,
                      30.0, 1.0, 18, model.month)
    model.projects[project.id] = project
    lab.project_ids.append(project.id)
    assert lab.desired_order_gw() == pytest.approx(before - extra / months)


def test_maintenance_is_billed_on_every_online_gw_a_lab_owns(model) -> None:
    """Each month a lab pays maintenance of 0.1 $bn per GW it owns online to outside: owned online GW x 0.1.
    Fails if maintenance is not billed."""
    rate = model.params.lab_behaviour.maintenance_usd_bn_per_gw_month
    assert rate == 0.1
    owned = model.owned_online_gw.copy()
    monthly.settle(model)
    flows = model.ledger.current_flows()
    paying = [lab for lab in model.labs.values() if lab.alive and owned[lab.account] > 0.1
              and model.ledger.claims_payable(lab.account) == 0]
    assert len(paying) >= 5
    for lab in paying:
        mask = (flows.payer == lab.account) & (flows.payee == OUTSIDE) & (flows.kind == KIND_CODE[PaymentKind.MAINTENANCE])
        assert float(flows.amount[mask].sum()) == pytest.approx(owned[lab.account] * rate), lab.name


def test_a_cloud_leases_out_at_most_its_stated_share_of_online_compute(model) -> None:
    """Free GW = share x online GW - GW already leased out - GW kept for its own services: a cloud with share 0.5 that
    leases out 0.2 GW of its online GW G and keeps K has 0.5 G - 0.2 - K free. Fails if the share is ignored or what is
    kept is not subtracted."""
    cloud = model.labs["cloud_us_a"]
    model.leases.leases.clear()
    online = model.owned_online_gw[cloud.account]
    kept = model.leases.own_use_kept_gw(cloud.account)
    assert cloud.profile.lease_out_share_max == 0.5 and online > 1.0 and 0.0 < kept < 0.5 * online - 0.2
    model.leases.sign(cloud, model.labs["frontier_lab_b"], 0.2)
    assert model.leases.free_gw(cloud) == pytest.approx(0.5 * online - 0.2 - kept)


def test_a_cloud_s_leased_out_gw_is_the_sum_over_its_leases_in_the_book_s_order(model) -> None:
    """After leases are signed (appended to the cached total), resized, ended and signed again, a cloud's leased-out GW
    equals, bit for bit, the sum of its leases' GW in the book's order. Fails if a signing leaves the cached total
    stale, or the cache adds in another order."""
    cloud, book = model.labs["cloud_us_a"], model.leases

    def scanned() -> float:
        return sum(lease.gw for lease in book.leases.values() if lease.lessor == cloud.account)

    for gw in (0.013, 0.1, 1 / 3, 0.007, 2 / 7):
        book.leased_out_gw(cloud.account)
        book.sign(cloud, model.labs["frontier_lab_b"], gw)
        assert book.leased_out_gw(cloud.account) == scanned()
    first = book.leases.of_lessor(cloud.account)[0]
    book.leases.pop(first.id)
    assert book.leased_out_gw(cloud.account) == scanned()
    book.sign(cloud, model.labs["frontier_lab_d"], 0.05)
    assert book.leased_out_gw(cloud.account) == scanned()


def test_the_lease_arrays_follow_the_book_through_signing_resizing_and_ending(model) -> None:
    """The (lessor, lessee, GW) arrays the compute refresh reads equal a fresh scan of the book after leases are
    signed, resized to a lessor's shrunken capacity, ended and signed again. Fails if any of these leaves the kept
    arrays stale."""
    cloud, book = model.labs["cloud_us_a"], model.leases

    def check() -> None:
        leases = list(book.leases.values())
        lessor, lessee, gw = book.parties_and_gw()
        assert lessor.tolist() == [lease.lessor for lease in leases]
        assert lessee.tolist() == [lease.lessee for lease in leases]
        assert gw.tolist() == [lease.gw for lease in leases]

    check()
    book.sign(cloud, model.labs["frontier_lab_b"], 0.3)
    check()
    model.owned_online_gw[cloud.account] = 0.5 * book.leased_out_gw(cloud.account)
    book.fit_to_capacity()
    check()
    book.expire(model.month + model.params.lab_behaviour.lease_term_months)
    check()
    book.sign(cloud, model.labs["frontier_lab_d"], 0.05)
    check()


def test_clouds_share_free_capacity_pro_rata_cheapest_first(model, monkeypatch) -> None:
    """Cloud A (cheapest, 1.0 GW free) and B (0.5 GW free); X wants 1.0 GW and may lease from A then B, Y wants 1.0 GW
    and only from A. Round 1: both ask A for 1.0; A grants each 0.5. Round 2: X asks B for its last 0.5 and gets it;
    Y has no cloud left. Fails if the first lessee to plan takes A whole (Y would get nothing) or if B's room is lost."""
    a, b = model.labs["cloud_us_a"], model.labs["cloud_us_b"]
    x, y = model.labs["frontier_lab_a"], model.labs["frontier_lab_b"]
    free = {a.account: 1.0, b.account: 0.5}
    monkeypatch.setattr(model.leases, "free_gw", lambda cloud: free.get(cloud.account, 0.0))
    monkeypatch.setattr(model.leases, "candidates", lambda lessee: [a, b] if lessee is x else [a])
    grants = model.leases.allocate([(x, 1.0), (y, 1.0)])
    assert grants[x.account] == pytest.approx({a.account: 0.5, b.account: 0.5})
    assert grants[y.account] == pytest.approx({a.account: 0.5})
    later = model.leases.allocate([(y, 1.0)], taken={a.account: 0.75})
    assert later[y.account] == pytest.approx({a.account: 0.25})


def test_unit_cost_falls_by_the_progress_ratio_when_cumulative_output_doubles(model) -> None:
    """Wright's law: c = c_0 (Q / Q_0)^(-log2(1/pr)); a maker whose month of full output takes cumulative output to
    2 Q_0 has unit cost pr x c_0. Fails if cost rises with output."""
    maker = model.chipmakers["custom_asic"]
    spec = maker.spec
    capacity = maker.capacity_gw_per_month
    maker.cumulative_output_gw = 2.0 * spec.initial_cumulative_output_gw - capacity
    order = Order(900_010, model.labs["follower_020"].account, maker.account, 0, 2.0 * capacity, 1.0, model.month, model.month)
    maker.produce([order], model.month)
    assert maker.cumulative_output_gw == pytest.approx(2.0 * spec.initial_cumulative_output_gw)
    assert maker.unit_cost_usd_bn_per_gw == pytest.approx(spec.progress_ratio * spec.initial_unit_cost_usd_bn_per_gw)


def test_capacity_expansion_stops_at_the_ceiling(model) -> None:
    """The incumbent 0.01 GW/month below its ceiling, with a backlog far above its target, orders exactly 0.01 GW/month
    more (its growth limit, 6% of 0.45, would allow 0.027), then nothing. Fails if the ceiling is ignored."""
    maker = model.chipmakers["incumbent_gpu"]
    maker.capacity_pipeline = []
    maker.capacity_ceiling_gw_per_month = maker.capacity_gw_per_month + 0.01
    assert maker.spec.max_capacity_growth_per_month * maker.capacity_gw_per_month > 0.02
    assert maker.expand_capacity(50.0 * maker.capacity_gw_per_month, model.month) == pytest.approx(0.01)
    assert maker.expand_capacity(50.0 * maker.capacity_gw_per_month, model.month) == 0.0


def test_the_bertrand_markup_falls_as_the_share_of_new_orders_falls(model) -> None:
    """With buyers' logit weight w_p = 4 on log price: at share 0.5, eps = 2 and the markup is 2; at 0.8, eps = 0.8 < 1
    and the incumbent charges its cap (3.9); a maker with share 0.1 has eps = 3.6, markup 3.6 / 2.6 = 1.385."""
    assert model.params.lab_behaviour.supplier_weight_price == 4.0
    incumbent = model.chipmakers["incumbent_gpu"]
    for share, markup in ((0.5, 2.0), (0.8, 3.9), (0.1, 3.6 / 2.6)):
        incumbent.order_share = share
        assert incumbent.bertrand_markup() == pytest.approx(markup)


def test_shares_and_utilisation_are_smoothed_with_a_quarter_weight(model) -> None:
    """s <- s + 0.25 (s_month - s): from 0.2 with a month at 0.6, 0.3; with nobody ordering, unchanged. Utilisation
    likewise from delivered over capacity."""
    maker = model.chipmakers["challenger_gpu"]
    maker.order_share, maker.utilisation = 0.2, 1.0
    maker.delivered_month_gw = 0.5 * maker.capacity_gw_per_month
    maker.update_share(0.6)
    assert maker.order_share == pytest.approx(0.3) and maker.utilisation == pytest.approx(0.875)
    maker.update_share(None)
    assert maker.order_share == pytest.approx(0.3)


def test_the_price_target_never_falls_below_unit_cost(model) -> None:
    """With no backlog (the floor ratio 0.05) and a low competitive markup the target would be below cost: the price
    moves toward unit cost instead."""
    maker = model.chipmakers["challenger_gpu"]
    maker.order_share = 0.0
    maker.turned_away_gw_per_month = 0.0
    maker.price_usd_bn_per_gw = maker.unit_cost_usd_bn_per_gw
    maker.update_price(0.0)
    assert maker.price_usd_bn_per_gw == pytest.approx(maker.unit_cost_usd_bn_per_gw)


def test_idle_lines_close_only_when_utilisation_and_the_order_book_are_both_thin(model) -> None:
    """Utilisation 0.3 and no orders: 5% of capacity and of its book value close. With orders worth a capacity lead
    time's output, nothing closes. Fails if idle capacity is kept forever or closed while orders wait."""
    maker = model.chipmakers["challenger_gpu"]
    capacity, book = maker.capacity_gw_per_month, maker.fixed_assets_usd_bn
    maker.utilisation = 0.3
    assert maker.close_idle_lines(capacity * maker.spec.capacity_lead_time_months) == 0.0
    assert maker.close_idle_lines(0.0) == pytest.approx(0.05 * capacity)
    assert maker.capacity_gw_per_month == pytest.approx(0.95 * capacity)
    assert maker.fixed_assets_usd_bn == pytest.approx(0.95 * book)


def test_capacity_costs_money_used_or_idle(model) -> None:
    """Closing a month pays 0.1 $bn per GW/month of capacity to outside, whatever was produced (its cash needs set high so
    that it pays nothing out)."""
    maker = model.chipmakers["custom_asic"]
    model.capital.loans[:, maker.account] = 0.0
    maker.spending_usd_bn_per_month = 1e6
    cash = maker.cash_usd_bn
    fixed = maker.capacity_gw_per_month * maker.spec.fixed_cost_usd_bn_per_gw_month
    assert fixed > 0
    maker.close_month(0.0, 0.0)
    assert cash - maker.cash_usd_bn == pytest.approx(fixed)


def test_construction_capacity_grows_while_projects_wait(model) -> None:
    """1 GW/month of starts and two queued projects of 0.8 GW: one starts, one waits, so capacity grows by 3%; with
    nothing waiting and no plan cut for construction it does not."""
    from market.physical.projects import RegionConstruction

    spec = model.params.construction["US"]
    projects = {1: Project(1, 0, "US", 0.8, 0, 1.0, 1.0, 18, model.month), 2: Project(2, 0, "US", 0.8, 0, 1.0, 1.0, 18, model.month)}
    construction = RegionConstruction(spec, 1.0, [1, 2])
    assert construction.start_projects(projects, model.month) == [1]
    assert construction.capacity_gw_per_month == pytest.approx(1.0 + spec.capacity_growth_per_month)
    construction.queue = []
    capacity = construction.capacity_gw_per_month
    construction.start_projects(projects, model.month)
    assert construction.capacity_gw_per_month == pytest.approx(capacity)


def test_orders_count_chips_already_installed(model) -> None:
    """Installing 0.2 GW more chips at e EFLOP/s per GW that outlive the horizon lowers the lab's monthly order by
    0.2 e / (e_new M). Fails if installed chips are ignored."""
    lab = model.labs["frontier_lab_c"]
    months = model.params.lab_behaviour.gap_closing_months
    e_new = model.procurement.best_offer(lab)[0]
    before = lab.desired_order_gw()
    assert before > 0.2 / months
    model.cohorts.add(owner=lab.account, maker=model.chipmakers["incumbent_gpu"].account, project=0, site=1, gw=0.2,
                      eflops_per_gw=e_new, delivered_month=model.month, life_months=60, cost_per_gw=40.0)
    assert lab.desired_order_gw() == pytest.approx(before - 0.2 / months)


def test_labs_plan_for_the_demand_at_the_price_new_compute_allows(model) -> None:
    """(p_new / p)^-epsilon: a lab whose price is twice what new compute would let it charge plans for 2^1.2 = 2.30
    times today's demand; at equal prices, 1."""
    lab = model.labs["frontier_lab_c"]
    e_new, cost = model.procurement.best_offer(lab)
    factor = lab.demand_at_new_price(e_new, cost)
    new_price = lab.price_usd_bn_per_eflops_month * factor ** (-1.0 / model.params.demand.price_elasticity)
    lab.price_usd_bn_per_eflops_month = 2.0 * new_price
    assert lab.demand_at_new_price(e_new, cost) == pytest.approx(2.0 ** 1.2)
    lab.price_usd_bn_per_eflops_month = new_price
    assert lab.demand_at_new_price(e_new, cost) == pytest.approx(1.0)


def test_a_lab_sells_no_more_ai_services_than_its_inference_capacity(model) -> None:
    """A lab that serves with a thousandth of its compute is paid for at most that compute (its inference capacity), at
    its price: revenue = served x price with served = capacity < its demand. Fails if labs are paid for demand they
    cannot serve."""
    from market.physical.services import clear_services_market

    lab = model.labs["frontier_lab_a"]
    lab.inference_share = 0.001
    labs = [lab for lab in model.labs.values() if lab.alive]
    clear_services_market(model, labs)
    capacity = lab.compute_eflops() * lab.inference_share
    assert lab.potential_demand_eflops > capacity > 0
    assert lab.served_eflops == pytest.approx(capacity)
    assert lab.revenue_month_usd_bn == pytest.approx(lab.served_eflops * lab.price_usd_bn_per_eflops_month)
