"""Fundamental valuation: a DCF with explicit horizon and terminal value, and cross-holdings (docs/ODD.md section 7,
Valuation)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from market.finance.fundamentals import MIN_GROWTH


def dcf_value(revenue_per_year: float, margin: float, long_run_margin: float, growth_per_year: float,
              terminal_growth: float, discount_rate: float, other_cash_flow_per_year: float = 0.0,
              horizon_years: int = 10, growth_half_life_years: float = 2.0,
              sales_to_capital: float = math.inf, market_growth_path: Sequence[float] | None = None) -> float:
    """Enterprise value: sum_{y=1}^{H} F_y / (1+r)^y + F_{H+1} / ((r-g)(1+r)^H).

    Free cash flow F_y = Rev_y m_y + O_y - max(Rev_y - Rev_{y-1}, 0) / S: operating profit after depreciation
    (which stands for the capex that keeps capacity) less the net investment growth needs, each dollar of new revenue
    needing 1 / S dollars of capital (S ``sales_to_capital``, the reinvestment rule of Damodaran, *Damodaran on
    Valuation*, 2nd ed. 2006, ch. 4; capital is not sold back when revenue falls). Revenue grows in year y at
    M_y + (g_0 - M_1) 0.5^((y-1)/h): the market the firm sells to grows at M_y (``market_growth_path``, one rate per
    year of the horizon; g every year when not given) and the firm's excess over it, g_0 - M_1 with g_0 =
    ``growth_per_year`` its growth in year 1, fades with half-life h years (so with no path, g_0 reverts to the
    terminal g). The operating margin fades linearly from ``margin`` to ``long_run_margin`` over the H years; O grows
    at g; F_{H+1} is year H+1 at growth g and the long-run margin.

    Raises:
        ValueError: if g >= r (the terminal value would not exist).
    """
    market = [terminal_growth] * horizon_years if market_growth_path is None else list(market_growth_path)
    if len(market) != horizon_years:
        raise ValueError(f"the market growth path has {len(market)} years, the horizon {horizon_years}")
    return float(dcf_values(np.array([revenue_per_year], dtype=float), np.array([margin], dtype=float),
                            np.array([long_run_margin], dtype=float), np.array([growth_per_year], dtype=float),
                            terminal_growth, discount_rate, np.array([other_cash_flow_per_year], dtype=float), horizon_years,
                            growth_half_life_years, np.array([sales_to_capital], dtype=float),
                            np.array([market], dtype=float).reshape(1, horizon_years))[0])


def dcf_values(revenue_per_year: np.ndarray, margin: np.ndarray, long_run_margin: np.ndarray,
               growth_per_year: np.ndarray, terminal_growth: float, discount_rate: float,
               other_cash_flow_per_year: np.ndarray, horizon_years: int, growth_half_life_years: float,
               sales_to_capital: np.ndarray, market_growth_paths: np.ndarray) -> np.ndarray:
    """:func:`dcf_value` of many firms at once: one row of ``market_growth_paths`` per firm, ``horizon_years`` long.

    Raises:
        ValueError: if g >= r, or the paths do not span the horizon.
    """
    if terminal_growth >= discount_rate:
        raise ValueError(f"terminal growth {terminal_growth} must be below the discount rate {discount_rate}")
    if market_growth_paths.shape[1] != horizon_years:
        raise ValueError(f"the market growth paths have {market_growth_paths.shape[1]} years, the horizon {horizon_years}")
    value = np.zeros(len(revenue_per_year))
    revenue, margin_now = np.asarray(revenue_per_year, dtype=float), np.asarray(margin, dtype=float)
    first_market = market_growth_paths[:, 0]
    for year in range(1, horizon_years + 1):
        fade = year / horizon_years
        previous = revenue
        excess = (growth_per_year - first_market) * 0.5 ** ((year - 1) / growth_half_life_years)
        revenue = previous * (1.0 + np.maximum(market_growth_paths[:, year - 1] + excess, MIN_GROWTH))
        margin_now = margin * (1.0 - fade) + long_run_margin * fade
        cash_flow = (revenue * margin_now + other_cash_flow_per_year * (1.0 + terminal_growth) ** year
                     - growth_investments(revenue - previous, sales_to_capital))
        value = value + cash_flow / (1.0 + discount_rate) ** year
    terminal_revenue = revenue * (1.0 + terminal_growth)
    terminal_flow = (terminal_revenue * margin_now + other_cash_flow_per_year * (1.0 + terminal_growth) ** (horizon_years + 1)
                     - growth_investments(terminal_revenue - revenue, sales_to_capital))
    return value + terminal_flow / (discount_rate - terminal_growth) / (1.0 + discount_rate) ** horizon_years


def growth_investments(revenue_added: np.ndarray, sales_to_capital: np.ndarray) -> np.ndarray:
    """Capital new revenue needs, firm by firm: max(dRev, 0) / S (nothing when revenue does not grow)."""
    return np.divide(revenue_added, sales_to_capital, out=np.zeros(len(revenue_added)), where=revenue_added > 0.0)


def revenue_growth_factor(growth_per_year: float, terminal_growth: float, growth_half_life_years: float,
                          years: int) -> float:
    """Rev_y / Rev_0 = prod_{k=1}^{y} (1 + g + (g_0 - g) 0.5^((k-1)/h)): the DCF's revenue path."""
    factor = 1.0
    for year in range(1, years + 1):
        factor *= 1.0 + terminal_growth + (growth_per_year - terminal_growth) * 0.5 ** ((year - 1) / growth_half_life_years)
    return factor


@dataclass(frozen=True)
class CrossHoldings:
    """S (n x n), S_ij the share of firm j that firm i holds, by its non-zero rows: ``rows[k]`` is row ``holders[k]``
    (the few firms holding stakes in others, in increasing order); every other row is zero. Kept this way, S costs
    the holders times the firms, not the square of the firms (thousands of followers at scale)."""

    n: int
    holders: np.ndarray
    rows: np.ndarray

    @classmethod
    def from_matrix(cls, firm_stakes: np.ndarray) -> CrossHoldings:
        """The non-zero rows of a dense S."""
        firm_stakes = np.asarray(firm_stakes, dtype=float)
        holders = np.flatnonzero(firm_stakes.any(axis=1))
        return cls(len(firm_stakes), holders, firm_stakes[holders])

    def dense(self) -> np.ndarray:
        """S as an n x n matrix."""
        matrix = np.zeros((self.n, self.n))
        matrix[self.holders] = self.rows
        return matrix


def solve_cross_holdings(own_values: np.ndarray, firm_stakes: np.ndarray | CrossHoldings) -> np.ndarray:
    """Firm values including stakes in each other: V = (I - S)^-1 v, S_ij the share of firm j that firm i holds.

    Only the firms H holding stakes in others have values beyond their own: V_i = v_i for i outside H, and
    (I - S_HH) V_H = v_H + S_H,~H v_~H. Solving that system alone keeps the cost in the number of holders (a few firms)
    rather than the cube of all firms (thousands of followers at scale).
    """
    holdings = firm_stakes if isinstance(firm_stakes, CrossHoldings) else CrossHoldings.from_matrix(firm_stakes)
    values = np.array(own_values, dtype=float)
    holders = holdings.holders
    if holders.size == 0:
        return values
    others = np.setdiff1d(np.arange(len(values)), holders)
    within = holdings.rows[:, holders]
    right = values[holders] + holdings.rows[:, others] @ values[others]
    values[holders] = np.linalg.solve(np.eye(holders.size) - within, right)
    return values


def outside_held(firm_stakes: np.ndarray | CrossHoldings) -> np.ndarray:
    """Share of each firm held by investors and outside (not by other firms): 1 - sum_i S_ij."""
    holdings = firm_stakes if isinstance(firm_stakes, CrossHoldings) else CrossHoldings.from_matrix(firm_stakes)
    return 1.0 - holdings.rows.sum(axis=0)
