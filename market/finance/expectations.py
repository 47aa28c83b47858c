"""Heterogeneous expectations with switching (Brock and Hommes 1998, J. Econ. Dyn. Control 22:1235).

Two forecasting types price the deviation x of (log) market value from fundamental value:
fundamentalists expect the deviation to vanish (f_F = 0) at a cost C per period; trend followers
extrapolate it (f_T = g x_{t-1}) for free. With gross return R, the market clears at

    R x_t = n_{F,t} f_{F,t} + n_{T,t} f_{T,t} + epsilon_t,

and the types' shares follow a logit of their fitness, U_{h,t} = (1 - eta)(pi_{h,t} - C_h) + eta U_{h,t-1}
(an exponentially weighted average with memory eta; eta = 0 is Brock and Hommes's case) with
realised profit pi_{h,t} = (x_t - R x_{t-1}) (f_{h,t-1} - R x_{t-1}) / (a sigma^2):

    n_{h,t+1} = exp(beta U_{h,t}) / sum_k exp(beta U_{k,t}).

At the fundamental steady state x = 0 the fitnesses are -C and 0 whatever the memory, so the
trend followers' share is 1 / (1 + exp(-beta C)) and the
deviation evolves as x_t = n_T g x_{t-1} / R, so for R < g < 2R the steady state loses stability
when n_T g = R, at beta* = ln(R / (g - R)) / C (:func:`critical_beta`). Above beta* trend
followers gain on every rising path and the pure model's deviation grows without bound; the model
therefore caps what trend followers extrapolate to, f_T = K tanh(g x / K) with K ``trend_cap``,
which keeps the slope g at x = 0 (so beta* is unchanged) and keeps valuations finite.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

FUNDAMENTALIST, TREND_FOLLOWER = 0, 1


def logit_shares(fitness: np.ndarray, beta: float) -> np.ndarray:
    """Discrete-choice shares exp(beta U_h) / sum_k exp(beta U_k), computed stably."""
    scaled = beta * np.asarray(fitness, dtype=float)
    weights = np.exp(scaled - scaled.max())
    return weights / weights.sum()


def critical_beta(gross_return: float, trend_coefficient: float, cost: float) -> float:
    """beta* = ln(R / (g - R)) / C at which the fundamental steady state loses stability (R < g < 2R)."""
    if not gross_return < trend_coefficient < 2 * gross_return or cost <= 0:
        raise ValueError("beta* exists for R < g < 2R and C > 0")
    return math.log(gross_return / (trend_coefficient - gross_return)) / cost


@dataclass
class SwitchingExpectations:
    """The two-type Brock-Hommes expectations: fitness with memory and logit shares.

    Args:
        beta: Intensity of choice.
        trend_coefficient: g, how strongly trend followers extrapolate the deviation.
        fundamentalist_cost: C, the per-period cost of the fundamentalist strategy.
        memory: eta in [0, 1], weight of past fitness.
        risk_scale: a sigma^2, the risk aversion times variance dividing realised profits.
        trend_cap: K, the largest deviation trend followers extrapolate to (infinite: pure model).
    """

    beta: float
    trend_coefficient: float
    fundamentalist_cost: float
    memory: float = 0.0
    risk_scale: float = 1.0
    trend_cap: float = math.inf
    fitness: np.ndarray = field(default_factory=lambda: np.zeros(2))

    def shares(self) -> np.ndarray:
        """Current shares (fundamentalists, trend followers)."""
        return logit_shares(self.fitness, self.beta)

    def forecasts(self, previous_deviation: np.ndarray | float, fundamental_forecast: np.ndarray | float = 0.0) -> np.ndarray:
        """Forecasts (f_F, f_T) of the next deviation, stacked on the first axis.

        Fundamentalists forecast ``fundamental_forecast`` (0 in the pure model: no deviation).
        """
        previous = np.asarray(previous_deviation, dtype=float)
        if math.isinf(self.trend_cap):
            trend = self.trend_coefficient * previous
        else:
            trend = self.trend_cap * np.tanh(self.trend_coefficient * previous / self.trend_cap)
        return np.stack([np.zeros_like(previous) + fundamental_forecast, trend])

    def clear(self, previous_deviation: np.ndarray | float, gross_return: float,
              noise: np.ndarray | float = 0.0, shares: np.ndarray | None = None,
              fundamental_forecast: np.ndarray | float = 0.0) -> np.ndarray:
        """The market-clearing deviation R x_t = sum_h n_h f_h + noise (``shares`` default: this population's)."""
        shares = self.shares() if shares is None else shares
        forecasts = self.forecasts(previous_deviation, fundamental_forecast)
        return (shares[0] * forecasts[0] + shares[1] * forecasts[1] + noise) / gross_return

    def update_fitness(self, deviation: np.ndarray | float, previous_deviation: np.ndarray | float,
                       previous_forecasts: np.ndarray, gross_return: float,
                       weights: np.ndarray | float = 1.0) -> None:
        """Add this period's realised profits (summed over assets with ``weights``) to the fitness."""
        excess = np.asarray(deviation, dtype=float) - gross_return * np.asarray(previous_deviation, dtype=float)
        demand = (previous_forecasts - gross_return * np.asarray(previous_deviation, dtype=float)) / self.risk_scale
        profits = (np.asarray(weights, dtype=float) * excess * demand).reshape(2, -1).sum(axis=1)
        costs = np.array([self.fundamentalist_cost, 0.0])
        self.fitness = (1.0 - self.memory) * (profits - costs) + self.memory * self.fitness


def simulate_deviation(expectations: SwitchingExpectations, gross_return: float, initial_deviation: float,
                       steps: int, noise: np.ndarray | None = None) -> np.ndarray:
    """Path of the deviation x_t of the two-type model from x_0 (and x_{-1} = x_0), optionally with noise."""
    path = np.zeros(steps + 1)
    path[0] = initial_deviation
    previous, older = initial_deviation, initial_deviation
    older_forecasts = expectations.forecasts(older)
    for t in range(1, steps + 1):
        shock = 0.0 if noise is None else float(noise[t - 1])
        current = float(expectations.clear(previous, gross_return, shock))
        expectations.update_fitness(current, previous, older_forecasts.reshape(2, -1), gross_return)
        older_forecasts = expectations.forecasts(previous)
        previous = current
        path[t] = current
    return path
