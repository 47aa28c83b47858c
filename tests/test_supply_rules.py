"""Supply rules the 2022-2024 calibration added: booking windows that sell out and raise prices and capacity
plans, early delivery of chips when capacity is left over, and the shorter provisioning horizon of leased
compute; and buildings that take their chips as they are fitted out.

The baseline carries the booking window (12 months) and the lease horizon; early delivery is off there
and on in the replay."""

from __future__ import annotations

import math

import pytest

from market.enums import Constraint
from market.physical.chips import Order, fitted_out_gw
from tests.conftest import run


@pytest.fixture(scope="module")
def one_month():
    """A baseline model after one month, whose agents the tests below poke directly."""
    return run([("run.steps", 1)], seed=1).model


def test_order_room_is_the_window_s_room_within_it_and_unlimited_beyond(one_month) -> None:
    """Known answer: room(w) = max(L K - B_window, 0) for w < t + L, infinite for w >= t + L."""
    maker = one_month.chipmakers["incumbent_gpu"]
    month, limit = one_month.month, maker.spec.order_book_limit_months
    assert limit == 12.0
    booked = sum(o.gw - o.delivered_gw for o in one_month.chip_market.orders[maker.account] if o.wanted_month <= month + 11)
    assert maker.order_room_gw(month + 11) == pytest.approx(max(limit * maker.capacity_gw_per_month - booked, 0.0))
    assert maker.order_room_gw(month + 12) == math.inf


def _sell_out_every_window(model) -> None:
    for maker in model.chipmakers.values():
        if maker.is_selling():
            model.chip_market.orders.setdefault(maker.account, []).append(
                Order(model.next_id("order"), lab=0, maker=maker.account, project=0,
                      gw=maker.spec.order_book_limit_months * maker.capacity_gw_per_month + 1.0,
                      price_per_gw=1.0, month=model.month, wanted_month=model.month + 3))


def test_a_sold_out_window_turns_away_orders_wanted_within_it_and_takes_later_ones() -> None:
    """With every window sold out, a Chinese lab (12-month builds: chips wanted in 11 months) is cut in full for chips,
    while a US lab (18-month builds: wanted in 17 months, beyond the window) is placed in full; the makers see the
    Chinese lab's 0.5 GW as orders turned away."""
    model = run([("run.steps", 1)], seed=1).model
    _sell_out_every_window(model)
    procurement, placement = model.procurement, model.placement
    cn_lab, us_lab = model.labs["cloud_cn_a"], model.labs["frontier_lab_a"]
    assert procurement.wanted_month("CN") < model.month + 12 <= procurement.wanted_month("US")
    us_lab.profile.site_regions = ["US"]
    cn_lab.profile.site_regions = ["CN"]
    model.utilities["US"].available_gw += 10.0  # room for the US lab, so only chips can cut it
    model.indicators.start_month()
    turned_away_before = sum(m.turned_away_month_gw for m in model.chipmakers.values())
    placed = placement.place([(cn_lab, 0.5), (us_lab, 0.5)])
    assert placed[cn_lab.account] == {} and placed[us_lab.account] == {"US": pytest.approx(0.5)}
    assert model.indicators.cuts[Constraint.CHIPS]["CN"] == pytest.approx(0.5)
    assert model.indicators.cuts[Constraint.CHIPS]["US"] == 0.0
    assert sum(m.turned_away_month_gw for m in model.chipmakers.values()) - turned_away_before == pytest.approx(0.5)


def test_turned_away_orders_raise_the_price_target(one_month) -> None:
    """p <- p + kappa (c m0 ((B + x T) / K / b_ref)^phi - p), with B the due backlog, x the turned-away rate, T the lead time."""
    maker = one_month.chipmakers["incumbent_gpu"]
    spec = maker.spec
    backlog = spec.reference_backlog_months * maker.capacity_gw_per_month
    maker.turned_away_gw_per_month = 0.5
    before = maker.price_usd_bn_per_gw
    maker.update_price(backlog)
    months = (backlog + 0.5 * spec.capacity_lead_time_months) / maker.capacity_gw_per_month
    target = maker.unit_cost_usd_bn_per_gw * spec.base_markup * (months / spec.reference_backlog_months) ** spec.backlog_price_elasticity
    assert maker.price_usd_bn_per_gw == pytest.approx(before + spec.price_adjust_per_month * (target - before))
    assert target > maker.unit_cost_usd_bn_per_gw * spec.base_markup


def test_a_sold_out_maker_expands_by_what_it_turns_away(one_month) -> None:
    """Below its target backlog it expands only because of x: add min(gamma K, B / b* + x - K - pipeline, K_max - K - pipeline)."""
    maker = one_month.chipmakers["challenger_gpu"]
    spec = maker.spec
    month = one_month.month
    maker.capacity_pipeline = [(month + 100, 0.01)]
    capacity = maker.capacity_gw_per_month
    backlog = 0.5 * spec.target_backlog_months * capacity
    maker.turned_away_gw_per_month = maker.turned_away_month_gw = 0.0
    assert maker.expand_capacity(backlog, month) == 0.0
    maker.turn_away(8.0 * capacity)
    smoothed = spec.turned_away_weight * 8.0 * capacity
    expected = min(spec.max_capacity_growth_per_month * capacity,
                   backlog / spec.target_backlog_months + smoothed - capacity - 0.01)
    assert maker.cash_usd_bn > expected * spec.capacity_capex_usd_bn_per_gw_month
    added = maker.expand_capacity(backlog, month)
    assert maker.turned_away_gw_per_month == pytest.approx(smoothed)
    assert added == pytest.approx(max(expected, 0.0))
    assert added > 0


def _orders(maker, month: int, wanted_in: int) -> list[Order]:
    return [Order(10_000 + i, lab=0, maker=maker.account, project=0, gw=maker.capacity_gw_per_month, price_per_gw=1.0,
                  month=month, wanted_month=month + wanted_in) for i in range(2)]


@pytest.mark.parametrize(("early_months", "wanted_in", "ships"), [(0, 3, False), (6, 3, True), (6, 9, False)])
def test_spare_capacity_ships_orders_early_only_within_the_window(early_months, wanted_in, ships) -> None:
    model = run([("run.steps", 1), ("chipmakers.custom_asic.early_delivery_months", early_months)], seed=1).model
    maker = model.chipmakers["custom_asic"]
    deliveries = maker.produce(_orders(maker, model.month, wanted_in), model.month)
    shipped = sum(gw for _, gw in deliveries)
    assert shipped == pytest.approx(maker.capacity_gw_per_month if ships else 0.0)


def test_due_orders_ship_before_early_ones() -> None:
    model = run([("run.steps", 1), ("chipmakers.custom_asic.early_delivery_months", 6)], seed=1).model
    maker = model.chipmakers["custom_asic"]
    early, due = _orders(maker, model.month, 3)[0], _orders(maker, model.month, 0)[1]
    deliveries = maker.produce([early, due], model.month)
    assert [order.id for order, _ in deliveries] == [due.id]


@pytest.mark.parametrize(("months_after_wanted", "fitted_gw"), [(-1, 0.0), (0, 0.1), (2, 0.3), (3, 0.35), (10, 0.35)])
def test_a_building_takes_its_chips_at_the_fit_out_rate(months_after_wanted, fitted_gw) -> None:
    """Known answer: F(t) = min(G, r (t - w + 1)) for t >= w and 0 before, here G = 0.35 GW and r = 0.1 GW a month; an
    infinite rate gives all of G from the wanted month."""
    month = 100 + months_after_wanted
    assert fitted_out_gw(0.35, 100, month, 0.1) == pytest.approx(fitted_gw)
    assert fitted_out_gw(0.35, 100, month, math.inf) == (0.35 if months_after_wanted >= 0 else 0.0)


def _ship(maker, order: Order, months: range) -> list[float]:
    shipped = []
    for month in months:
        deliveries = maker.produce([order], month)
        for delivered, gw in deliveries:
            delivered.delivered_gw += gw
        shipped.append(sum(gw for _, gw in deliveries))
    return shipped


@pytest.mark.parametrize(("early_months", "wanted_in", "shipped"), [(0, 0, [1.0, 1.0, 0.5, 0.0]), (0, 1, [0.0, 1.0, 1.0, 0.5]),
                                                                     (6, 3, [2.5, 0.0, 0.0, 0.0])])
def test_a_maker_with_capacity_to_spare_ships_an_order_as_its_building_is_fitted_out(early_months, wanted_in, shipped) -> None:
    """An order of 2.5 r GW (r the fit-out rate, a tenth of the maker's capacity) ships r a month from its wanted month, in
    units of r: 1, 1, 0.5; with 6 months' early delivery, one wanted in 3 months ships F(t + 6) = all of it at once.
    Fails if an order ships whole when due, or early shipping ignores the schedule."""
    model = run([("run.steps", 1), ("chipmakers.custom_asic.early_delivery_months", early_months)], seed=1).model
    maker = model.chipmakers["custom_asic"]
    rate = maker.capacity_gw_per_month / 10
    order = Order(10_000, lab=0, maker=maker.account, project=0, gw=2.5 * rate, price_per_gw=1.0, month=model.month,
                  wanted_month=model.month + wanted_in, fit_out_gw_per_month=rate)
    assert _ship(maker, order, range(model.month, model.month + 4)) == pytest.approx([rate * units for units in shipped])


def test_early_delivery_runs_ahead_of_the_fit_out_schedule_by_its_months() -> None:
    """With 6 months' early delivery an order of 6 r GW wanted in 3 months ships F(t + 6) = 4 r in the first month and r
    in each of the next two (known answer; capacity 10 r a month)."""
    model = run([("run.steps", 1), ("chipmakers.custom_asic.early_delivery_months", 6)], seed=1).model
    maker = model.chipmakers["custom_asic"]
    rate = maker.capacity_gw_per_month / 10
    order = Order(10_000, lab=0, maker=maker.account, project=0, gw=6 * rate, price_per_gw=1.0, month=model.month,
                  wanted_month=model.month + 3, fit_out_gw_per_month=rate)
    assert _ship(maker, order, range(model.month, model.month + 4)) == pytest.approx([4 * rate, rate, rate, 0.0])


def test_what_buildings_can_take_now_ships_before_any_order_s_early_part() -> None:
    """Capacity 10 r, 6 months' early delivery: order A (id 10,000, wanted in 3 months, 6 r) has nothing due and 6 r
    it may take early; order B (id 10,001, wanted 5 months ago, 6 r) has 6 r due. B ships its 6 r first, A the 4 r
    left (known answer). Fails if an older order's early part takes capacity a later order needs now."""
    model = run([("run.steps", 1), ("chipmakers.custom_asic.early_delivery_months", 6)], seed=1).model
    maker = model.chipmakers["custom_asic"]
    rate = maker.capacity_gw_per_month / 10
    early, due = (Order(10_000 + i, lab=0, maker=maker.account, project=0, gw=6 * rate, price_per_gw=1.0, month=model.month,
                        wanted_month=model.month + wanted_in, fit_out_gw_per_month=rate) for i, wanted_in in enumerate((3, -5)))
    deliveries = maker.produce([early, due], model.month)
    assert [(order.id, gw) for order, gw in deliveries] == [(due.id, pytest.approx(6 * rate)), (early.id, pytest.approx(4 * rate))]


def test_the_backlog_splits_into_chips_buildings_could_take_now_and_the_rest(one_month) -> None:
    """An undelivered order of 0.35 GW wanted from last month at 0.1 GW a month adds 0.2 GW to the due backlog (two
    months of fit-out) and 0.15 GW to the booked one; the maker's booking window counts the whole order."""
    chips = one_month.chip_market
    maker = one_month.chipmakers["challenger_gpu"]
    due_before, booked_before = chips.backlog_split_gw()
    wanted_before = chips.wanted_backlog_gw(maker.account, one_month.month)
    order = Order(10_000, lab=0, maker=maker.account, project=0, gw=0.35, price_per_gw=1.0, month=one_month.month - 1,
                  wanted_month=one_month.month - 1, fit_out_gw_per_month=0.1)
    chips.orders.setdefault(maker.account, []).append(order)
    due, booked = chips.backlog_split_gw()
    assert (due - due_before, booked - booked_before) == (pytest.approx(0.2), pytest.approx(0.15))
    assert chips.wanted_backlog_gw(maker.account, one_month.month) - wanted_before == pytest.approx(0.35)
    chips.orders[maker.account].remove(order)


def test_orders_carry_their_site_s_fit_out_rate_and_cash_plans_read_it() -> None:
    """Every order placed in the first months carries ``construction.<site>.fit_out_gw_per_month`` of its project's site,
    and a project's chips due by a month are F(t) less what was delivered, at the order's price (here with the US rate
    set to 0.05). Fails if orders ignore the parameter or cash plans count a whole order as due."""
    model = run([("run.steps", 3), ("construction.US.fit_out_gw_per_month", 0.05)], seed=1).model
    orders = [order for book in model.chip_market.orders.values() for order in book]
    assert orders
    for order in orders:
        site = model.projects[order.project].site
        assert order.fit_out_gw_per_month == model.params.construction[site].fit_out_gw_per_month
    large = max((o for o in orders if model.projects[o.project].site == "US"), key=lambda o: o.gw)
    assert large.gw > 0.1
    due = model.chip_market.chips_due_usd_bn(large.project, large.wanted_month + 1)
    assert due == pytest.approx((min(large.gw, 0.1) - large.delivered_gw) * large.price_per_gw)


def test_leased_compute_is_provisioned_over_its_own_horizon(one_month) -> None:
    """A lab that leases everything (b = 0) wants E* proportional to (1 + g_e)^(H_L / 12): only H_L changes between the calls."""
    lab = one_month.labs["frontier_lab_b"]
    assert lab.profile.own_build_share == 0.0
    behaviour = one_month.params.lab_behaviour
    e_new, _ = one_month.procurement.best_offer(lab)
    horizon_month = one_month.month + behaviour.planning_horizon_months
    held = (one_month.eflops_kept_until(lab.account, horizon_month) + one_month.pipeline_gw(lab.account) * e_new
            + one_month.leases.leased_in_eflops_kept(lab.account, horizon_month))

    def wanted(lease_months: int) -> float:
        behaviour.lease_planning_horizon_months = lease_months
        return lab.desired_order_gw() * e_new * behaviour.gap_closing_months + held

    long_horizon, short_horizon = wanted(36), wanted(24)
    behaviour.lease_planning_horizon_months = 24
    assert lab.desired_order_gw() > 0
    assert long_horizon / short_horizon == pytest.approx(math.exp(math.log1p(lab.expected_growth_per_year) * 12 / 12))
