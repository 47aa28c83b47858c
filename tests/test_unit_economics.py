"""Labs' unit economics, one rule per test with a hand-worked answer: the logit-Bertrand markup, the fixed point of
prices and shares, and the compute split that follows expected growth.

Each docstring names the bug that makes the test fail.
"""

from __future__ import annotations

import numpy as np
import pytest

from market.parameters.params import LabBehaviourSpec
from market.physical.services import bertrand_markups, clear_services_market, set_service_prices
from tests.conftest import model_after


def test_bertrand_markup_is_one_over_the_own_price_elasticity_less_one() -> None:
    """w_p = 2, epsilon = 1.2: s = 0 gives eta = 2, mu = 1; s = 0.5 gives eta = 1 + 0.6 = 1.6, mu = 1 / 0.6. Fails if the
    markup ignores the share (a fixed markup) or the market's own elasticity."""
    markups = bertrand_markups(np.array([0.0, 0.5]), share_weight_price=2.0, price_elasticity=1.2, max_markup=3.0)
    assert markups == pytest.approx([1.0, 1.0 / 0.6])


def test_bertrand_markup_is_capped_where_demand_is_inelastic() -> None:
    """w_p = 1, epsilon = 0.5, s = 0.5: eta = 0.75 < 1, no finite optimum, so the cap (3) holds; s = 0.1 with w_p = 1.2
    and epsilon = 1.2: eta = 1.2, mu = 5 > 3, capped. Fails if an inelastic demand gives a negative or infinite markup."""
    assert bertrand_markups(np.array([0.5]), 1.0, 0.5, 3.0) == pytest.approx([3.0])
    assert bertrand_markups(np.array([0.1]), 1.2, 1.2, 3.0) == pytest.approx([3.0])


def test_a_small_lab_prices_at_about_twice_its_compute_cost_as_openai_in_2024() -> None:
    """Known answer: OpenAI's 2024 revenue over its inference compute is 3.7 / 1.8 = 2.06 (calibration.md); at the default
    share weight of price and price elasticity, a lab with a small share prices at (1 + mu) = 2.0 times its compute cost.
    Fails if the default weights give a markup more than 10% away from the data."""
    from market.parameters.params import DemandSpec
    demand = DemandSpec()
    markup = bertrand_markups(np.array([0.05]), demand.share_weight_price, demand.price_elasticity, 3.0)[0]
    assert abs((1.0 + markup) / (3.7 / 1.8) - 1.0) < 0.1


def test_each_month_prices_are_the_bertrand_fixed_point_of_the_shares_they_produce() -> None:
    """In one world market (``demand.china_spend_share`` 0; the segmented markup is the next tests'), after 30 months
    every selling lab's markup equals 1 / (eta - 1) at the share of demand it won with that price, and its price is
    (1 + mu) times its compute cost. Fails if prices are set on last month's shares or shares are computed from other
    prices than those charged."""
    model = model_after(30, [("demand.china_spend_share", 0.0)])
    demand = model.params.demand
    labs = [lab for lab in model.labs.values() if lab.alive and lab.potential_demand_eflops > 0]
    wanted = np.array([lab.potential_demand_eflops for lab in labs])
    shares = wanted / wanted.sum()
    expected = bertrand_markups(shares, demand.share_weight_price, demand.price_elasticity,
                                model.params.lab_behaviour.max_price_markup)
    assert [lab.price_markup for lab in labs] == pytest.approx(expected, rel=1e-6)
    assert [lab.price_usd_bn_per_eflops_month for lab in labs] == pytest.approx(
        [(1.0 + lab.price_markup) * lab.compute_cost_usd_bn_per_eflops_month for lab in labs], rel=1e-6)
    assert len({round(lab.price_markup, 6) for lab in labs}) > 1


def test_the_inference_share_follows_expected_growth() -> None:
    """Base split 0.31 at g_0 = 1: at g = g_0 the base holds; at g = 0, (1 + g) / (1 + g_0) = 0.5 and L = 36 months,
    ratio = (0.69 / 0.31) 0.5^3 = 0.2782, s_I = 1 / 1.2782 = 0.7823. Fails if the split ignores growth or scales the
    ratio with the wrong exponent."""
    model = model_after(1)
    lab = model.labs["frontier_lab_a"]
    index = int(np.flatnonzero(model.equity.accounts == lab.account)[0])
    assert LabBehaviourSpec().training_payback_months == 36.0
    model.equity.growth[index] = model.params.lab_behaviour.initial_expected_growth_per_year
    assert lab.base_inference_share() == pytest.approx(0.31)
    model.equity.growth[index] = 0.0
    assert lab.base_inference_share() == pytest.approx(1.0 / (1.0 + 0.69 / 0.31 * 0.125))


def test_a_lab_that_expects_less_growth_trains_less_and_serves_more() -> None:
    """Lower expected growth moves compute from training to inference the next month (no demand, so none unserved).
    Fails if the growth-adjusted base does not reach the split."""
    model = model_after(1)
    lab = model.labs["frontier_lab_a"]
    index = int(np.flatnonzero(model.equity.accounts == lab.account)[0])
    lab.potential_demand_eflops = 0.0
    model.equity.growth[index] = 1.5
    lab.update_split_and_capability()
    fast = lab.inference_share
    model.equity.growth[index] = 0.2
    lab.update_split_and_capability()
    assert lab.inference_share > fast + 0.2


def test_serving_all_demand_does_not_switch_the_inference_shift_off() -> None:
    """Demand twice the base inference capacity moves the split toward inference; a month later, with the same demand
    now fully served, the split stays where it was. Fails if the shift reads last month's served outcome (the rule
    that made AI revenue alternate month by month, x2.5 then /2.5, in 2027)."""
    model = model_after(1)
    lab = model.labs["frontier_lab_a"]
    base = min(lab.base_inference_share(), model.params.compute_split[lab.role].max_inference_share)
    lab.potential_demand_eflops = 2.0 * base * lab.compute_eflops()
    lab.unserved_share = 0.5
    lab.update_split_and_capability()
    shifted = lab.inference_share
    lab.unserved_share = 0.0
    lab.served_eflops = lab.potential_demand_eflops
    lab.update_split_and_capability()
    assert shifted > base + 0.1
    assert lab.inference_share == pytest.approx(shifted, rel=1e-9)


def test_in_a_china_segment_only_chinese_labs_sell_and_markups_weight_the_segments_by_sales() -> None:
    """With a China segment of 30% of spending, after 30 months: each segment's demand is shared only among the labs that
    serve it (every lab outside China, labs headquartered in China at home), so a lab outside China wants exactly its
    share of the rest of the world's quantity; each markup is 1 / (eta - 1) at the segments' elasticities weighted by
    the lab's sales in each; and the Chinese frontier lab's markup is above what its rest-of-world share alone gives.
    Fails if US labs sell in China, or the markup ignores the home segment."""
    model = model_after(30, [("demand.china_spend_share", 0.3)])
    demand = model.params.demand
    labs = [lab for lab in model.labs.values() if lab.alive]
    capacity = np.array([lab.compute_eflops() * lab.inference_share if lab.profile.sells_services else 0.0 for lab in labs])
    cost = np.array([model.compute_cost_per_eflops_month(lab) for lab in labs])
    active = (capacity > 1e-12) & (cost > 0)
    prices, markups, weights = set_service_prices(model, labs, cost, np.log([lab.capability() for lab in labs]), active)
    china = np.array([lab.region == "CN" for lab in labs])
    assert weights.shape == (2, len(labs)) and (weights[1][~china] == 0).all() and (weights[1][china & active] > 0).all()
    shares = weights / weights.sum(axis=1, keepdims=True)
    size = np.array([lab.size_weight for lab in labs])
    segment_price = shares @ prices
    sales = shares * (np.array([0.7, 0.3]) * segment_price ** -demand.price_elasticity)[:, None]
    eta = demand.share_weight_price * (1 - shares / size) + demand.price_elasticity * shares / size
    eta = np.divide((sales * eta).sum(axis=0), sales.sum(axis=0), out=np.zeros(len(labs)), where=active)
    cap = model.params.lab_behaviour.max_price_markup
    expected = np.minimum(np.where(eta > 1, 1 / np.maximum(eta - 1, 1e-12), cap), cap)
    assert markups[active] == pytest.approx(expected[active], rel=1e-6)
    lab_c = [lab.name for lab in labs].index("frontier_lab_c")
    alone = bertrand_markups(shares[0] / size, demand.share_weight_price, demand.price_elasticity, cap)[lab_c]
    assert markups[lab_c] > alone + 0.05
    clear_services_market(model, labs)
    outside = [i for i, lab in enumerate(labs) if not china[i] and active[i]]
    wanted_per_share = np.array([labs[i].potential_demand_eflops for i in outside]) / shares[0][outside]
    assert wanted_per_share == pytest.approx(np.full(len(outside), wanted_per_share[0]), rel=1e-9)


def test_china_s_unserved_demand_stays_with_chinese_labs_and_no_lab_serves_beyond_capacity() -> None:
    """China segment 30%, every lab headquartered in China left with a thousandth of its compute for serving: no lab
    serves more than its inference capacity, and the labs outside China serve at most the rest of the world's
    quantity (their wanted quantity per unit of share there), so China's unserved demand does not go to them. Fails
    if a segment's leftover goes to another segment's labs, or the reallocation ignores spare capacity."""
    model = model_after(30, [("demand.china_spend_share", 0.3)])
    labs = [lab for lab in model.labs.values() if lab.alive]
    china = np.array([lab.region == "CN" for lab in labs])
    for lab, home in zip(labs, china, strict=True):
        if home:
            lab.inference_share = 0.001
    capacity = np.array([lab.compute_eflops() * lab.inference_share if lab.profile.sells_services else 0.0 for lab in labs])
    cost = np.array([model.compute_cost_per_eflops_month(lab) for lab in labs])
    active = (capacity > 1e-12) & (cost > 0)
    _, _, weights = set_service_prices(model, labs, cost, np.log([lab.capability() for lab in labs]), active)
    clear_services_market(model, labs)
    served = np.array([lab.served_eflops for lab in labs])
    assert (served <= capacity * (1 + 1e-12) + 1e-12).all()
    assert any(lab.unserved_share > 0.5 for lab, home in zip(labs, china, strict=True) if home)
    outside = np.flatnonzero(~china & active)
    row_share = weights[0][outside] / weights[0].sum()
    rest_of_world = labs[int(outside[0])].potential_demand_eflops / row_share[0]
    assert served[outside].sum() <= rest_of_world * (1 + 1e-9)

