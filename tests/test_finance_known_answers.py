"""Known answers for the finance submodels: DebtRank, Brock-Hommes, the DCF and cross-holdings (Eisenberg-Noe: test_clearing)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from market.finance.debtrank import debtrank, impact_matrix
from market.finance.expectations import SwitchingExpectations, critical_beta, simulate_deviation


def test_debtrank_chain_by_hand() -> None:
    """1 -> 2 -> 3 with impacts 0.5: h = (1, 0.5, 0.25); with equal values R = (0.5 + 0.25) / 3."""
    impact = np.array([[0, 0.5, 0], [0, 0, 0.5], [0, 0, 0]])
    result = debtrank(impact, np.array([1.0, 0.0, 0.0]))
    assert result.distress == pytest.approx([1.0, 0.5, 0.25])
    assert result.debtrank == pytest.approx(0.25)


def test_debtrank_does_not_reverberate() -> None:
    """1 <-> 2 with impacts 0.5, shock 0.2 on 1: 2 gets 0.1, then 1 gets 0.05 back, and it stops there."""
    impact = np.array([[0, 0.5], [0.5, 0]])
    result = debtrank(impact, np.array([0.2, 0.0]), value=np.array([0.5, 0.5]))
    assert result.distress == pytest.approx([0.25, 0.1])
    assert result.debtrank == pytest.approx(0.5 * 0.05 + 0.5 * 0.1)


def test_debtrank_impact_from_exposures() -> None:
    """j holds 30 of exposure to i against equity 60: W_ij = 0.5; capped at 1 when exposure exceeds equity."""
    exposures = np.array([[0, 0], [30.0, 0]])
    impact = impact_matrix(exposures, np.array([100.0, 60.0]))
    assert impact[0, 1] == pytest.approx(0.5) and impact[1, 0] == 0.0
    assert impact_matrix(np.array([[0, 0], [90.0, 0]]), np.array([1.0, 60.0]))[0, 1] == 1.0


R, G, C = 1.01, 1.5, 1.0


def test_brock_hommes_critical_beta_formula() -> None:
    beta_star = critical_beta(R, G, C)
    assert beta_star == pytest.approx(np.log(R / (G - R)) / C)
    for beta, stable in ((0.9 * beta_star, True), (1.1 * beta_star, False)):
        share_trend = 1.0 / (1.0 + np.exp(-beta * C))
        assert (share_trend * G / R < 1.0) == stable


@pytest.mark.parametrize(("factor", "stable"), [(0.5, True), (0.9, True), (0.98, True), (1.02, False), (1.1, False), (2.0, False)])
def test_brock_hommes_steady_state_loses_stability_at_beta_star(factor: float, stable: bool) -> None:
    """Pure model: below beta* a small deviation dies out; above it, it grows at least tenfold."""
    expectations = SwitchingExpectations(beta=factor * critical_beta(R, G, C), trend_coefficient=G, fundamentalist_cost=C)
    with np.errstate(over="ignore", invalid="ignore"):
        path = simulate_deviation(expectations, R, initial_deviation=0.01, steps=6000)
    if stable:
        assert abs(path[-1]) < 1e-3 * 0.01
    else:
        assert (np.abs(path) > 0.1).any()


@pytest.mark.parametrize(("factor", "stable"), [(0.9, True), (1.1, False), (2.0, False)])
def test_capped_trend_followers_keep_beta_star_and_stay_finite(factor: float, stable: bool) -> None:
    """With the cap the deviation still dies out below beta*; above it stays away from zero, and finite."""
    expectations = SwitchingExpectations(beta=factor * critical_beta(R, G, C), trend_coefficient=G,
                                         fundamentalist_cost=C, trend_cap=0.5)
    path = simulate_deviation(expectations, R, initial_deviation=0.01, steps=6000)
    assert np.isfinite(path).all() and abs(path).max() <= 0.5 * 1.0 / R + 1e-12
    if stable:
        assert abs(path[-1]) < 1e-5
    else:
        assert abs(path[-500:]).min() > 1e-3


def test_dcf_with_constant_growth_and_margin_is_the_gordon_perpetuity() -> None:
    from market.finance.valuation import dcf_value

    value = dcf_value(100.0, 0.2, 0.2, 0.03, 0.03, 0.08, horizon_years=10)
    assert value == pytest.approx(100.0 * 0.2 * 1.03 / (0.08 - 0.03))


def test_dcf_with_constant_growth_charges_the_capital_growth_needs() -> None:
    """Revenue 100 growing 3% a year for ever, margin 20%, a dollar of capital per half-dollar of yearly revenue
    (sales-to-capital S = 2), r = 8%: each year's free cash flow is 20% of revenue less the 3% added over S, so
    V = (103 x 0.2 - 3 / 2) / (0.08 - 0.03) = 382 (Gordon on free cash flow). Fails if growth costs nothing (412)."""
    from market.finance.valuation import dcf_value

    value = dcf_value(100.0, 0.2, 0.2, 0.03, 0.03, 0.08, horizon_years=10, sales_to_capital=2.0)
    assert value == pytest.approx((103.0 * 0.2 - 1.5) / 0.05)


def test_dcf_charges_growth_capital_year_by_year_and_none_when_revenue_falls() -> None:
    """Growth 50% reverting to 0 with a 1-year half-life, margin 10%, 2 years, r = 10%, terminal 0, S = 2: revenue
    150 then 187.5, so F_1 = 15 - 50 / 2 = -10, F_2 = 18.75 - 37.5 / 2 = 0, the terminal year adds nothing and earns
    18.75: V = -10 / 1.1 + 187.5 / 1.1^2. Falling revenue frees no capital: at growth -50% the value equals the value
    with no capital charge."""
    from market.finance.valuation import dcf_value

    value = dcf_value(100.0, 0.10, 0.10, 0.5, 0.0, 0.10, horizon_years=2, growth_half_life_years=1.0, sales_to_capital=2.0)
    assert value == pytest.approx(-10.0 / 1.1 + 187.5 / 1.21)
    shrinking = dcf_value(100.0, 0.10, 0.10, -0.5, 0.0, 0.10, horizon_years=2, growth_half_life_years=1.0, sales_to_capital=2.0)
    assert shrinking == pytest.approx(dcf_value(100.0, 0.10, 0.10, -0.5, 0.0, 0.10, horizon_years=2, growth_half_life_years=1.0))


def test_dcf_grows_revenue_with_the_market_path_and_fades_the_firm_s_excess() -> None:
    """Market path 50% then 20%, margin 10%, r = 10%, terminal 0, two years. A firm growing with its market (g_0 = 50%):
    revenue 150 then 180, V = 15 / 1.1 + 18 / 1.1^2 + 18 / 0.1 / 1.1^2. A firm growing 20 points faster in year 1 with
    a 1-year half-life: 70% then 20% + 10%, revenue 170 then 221. Fails if the path is ignored (growth reverting to
    the terminal rate instead) or the excess does not fade."""
    from market.finance.valuation import dcf_value

    with_market = dcf_value(100.0, 0.10, 0.10, 0.5, 0.0, 0.10, horizon_years=2, growth_half_life_years=1.0,
                            market_growth_path=[0.5, 0.2])
    assert with_market == pytest.approx(15.0 / 1.1 + 18.0 / 1.21 + 180.0 / 1.21)
    faster = dcf_value(100.0, 0.10, 0.10, 0.7, 0.0, 0.10, horizon_years=2, growth_half_life_years=1.0,
                       market_growth_path=[0.5, 0.2])
    assert faster == pytest.approx(17.0 / 1.1 + 22.1 / 1.21 + 221.0 / 1.21)
    with pytest.raises(ValueError, match="market growth path"):
        dcf_value(100.0, 0.10, 0.10, 0.5, 0.0, 0.10, horizon_years=3, market_growth_path=[0.5, 0.2])


def test_dcf_rejects_terminal_growth_at_or_above_the_discount_rate() -> None:
    from market.finance.valuation import dcf_value

    with pytest.raises(ValueError, match="below the discount rate"):
        dcf_value(1.0, 0.1, 0.1, 0.05, 0.08, 0.08)


def test_cross_holdings_count_nothing_twice() -> None:
    """A owns 20% of B; own values 100 and 50: V_A = 110, V_B = 50, and the world (outside-held) value is 150."""
    from market.finance.valuation import outside_held, solve_cross_holdings

    stakes = np.array([[0.0, 0.2], [0.0, 0.0]])
    values = solve_cross_holdings(np.array([100.0, 50.0]), stakes)
    assert values == pytest.approx([110.0, 50.0])
    assert outside_held(stakes) @ values == pytest.approx(150.0)
    mutual = np.array([[0.0, 0.1], [0.3, 0.0]])
    values = solve_cross_holdings(np.array([100.0, 50.0]), mutual)
    assert outside_held(mutual) @ values == pytest.approx(150.0)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 30), st.integers(0, 10_000), st.floats(0.0, 0.6))
def test_cross_holdings_solved_among_the_holders_equal_the_whole_system(n: int, seed: int, density: float) -> None:
    """V = (I - S)^-1 v solved among the firms holding stakes (the rest keep their own values) equals the solve of the
    whole system, for random stakes whose columns sum below 1. Fails if a holder's stakes in non-holders are dropped or
    a non-holder's value is changed."""
    from market.finance.valuation import solve_cross_holdings

    rng = np.random.default_rng(seed)
    stakes = rng.uniform(0.0, 1.0, (n, n)) * (rng.uniform(size=(n, n)) < density)
    np.fill_diagonal(stakes, 0.0)
    stakes *= 0.9 / np.maximum(stakes.sum(axis=0), 0.9)
    own = rng.uniform(-10.0, 100.0, n)
    whole = np.linalg.solve(np.eye(n) - stakes, own)
    values = solve_cross_holdings(own, stakes)
    assert values == pytest.approx(whole, rel=1e-9, abs=1e-9)
    outside = ~stakes.any(axis=1)
    assert (values[outside] == own[outside]).all()


def _scalar_dcf(revenue, margin, long_run_margin, growth, terminal_growth, discount_rate, other, horizon_years,
                half_life, sales_to_capital, market):
    """The DCF as a scalar loop over the years (as the model computed it before the equity market valued all firms at
    once), the reference the vectorised DCF must match bit for bit."""
    value, margin_now = 0.0, margin
    for year in range(1, horizon_years + 1):
        fade = year / horizon_years
        previous = revenue
        excess = (growth - market[0]) * 0.5 ** ((year - 1) / half_life)
        revenue = previous * (1.0 + max(market[year - 1] + excess, -0.9))
        margin_now = margin * (1.0 - fade) + long_run_margin * fade
        added = revenue - previous
        value += (revenue * margin_now + other * (1.0 + terminal_growth) ** year
                  - (added / sales_to_capital if added > 0.0 else 0.0)) / (1.0 + discount_rate) ** year
    terminal_revenue = revenue * (1.0 + terminal_growth)
    added = terminal_revenue - revenue
    terminal_flow = (terminal_revenue * margin_now + other * (1.0 + terminal_growth) ** (horizon_years + 1)
                     - (added / sales_to_capital if added > 0.0 else 0.0))
    return value + terminal_flow / (discount_rate - terminal_growth) / (1.0 + discount_rate) ** horizon_years


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0.0, 1e4), st.floats(-5.0, 0.9), st.floats(-0.5, 0.9), st.floats(-0.9, 5.0),
                          st.floats(0.0, 100.0), st.one_of(st.just(math.inf), st.floats(0.01, 50.0)),
                          st.lists(st.floats(-0.5, 3.0), min_size=10, max_size=10)), min_size=1, max_size=6))
def test_the_vectorised_dcf_equals_the_scalar_loop_bit_for_bit(firms) -> None:
    """The equity market values all firms at once with ``dcf_values``; each value must equal the scalar loop's exactly
    (the golden tables were made with it). Fails on any change of operation order (a last-bit difference)."""
    from market.finance.valuation import dcf_values

    revenue, margin, long_run, growth, other, turnover, paths = (np.array(column, dtype=float) for column in zip(*firms, strict=True))
    values = dcf_values(revenue, margin, long_run, growth, 0.03, 0.09, other, 10, 2.0, turnover, paths)
    for i in range(len(firms)):
        assert values[i] == _scalar_dcf(revenue[i], margin[i], long_run[i], growth[i], 0.03, 0.09, other[i], 10, 2.0,
                                        turnover[i], paths[i])
