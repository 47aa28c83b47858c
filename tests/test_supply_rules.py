"""Supply rules the 2022-2024 calibration added: sold-out order books that raise prices and capacity plans,
early delivery of chips when capacity is left over, and the shorter provisioning horizon of leased compute.

All three are inert at the baseline's defaults (unlimited order books, no early delivery, one horizon),
which the golden test holds; the replay switches them on."""

from __future__ import annotations

import math

import pytest

from market.chips import Order
from tests.conftest import run


@pytest.fixture(scope="module")
def one_month():
    """A baseline model after one month, whose agents the tests below poke directly."""
    return run([("run.steps", 1)], seed=1).model


def test_the_baseline_never_turns_orders_away(baseline_seed1) -> None:
    """x decays geometrically (x <- (1 - w) x) but stays above zero for thousands of months after any order turned
    away, so exactly zero at the end means no maker turned anything away in the whole run."""
    assert all(m.turned_away_gw_per_month == 0.0 for m in baseline_seed1.model.chipmakers.values())


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
