"""The AI services market (docs/ODD.md section 3, step 2).

Quantity demanded Q_t = S_t / P_0 * (P_t / P_0)^(-epsilon) * (K_t / K_0)^theta * exp(sigma z_t), with
S_t the adoption S-curve (see :class:`market.parameters.params.DemandSpec`), P_t the share-weighted price, K_t the
frontier capability index. Lab i wins share s_i proportional to n_i exp(w_K ln K_i - w_p ln p_i), n_i its size weight
(1, or 1 / ``run.scale`` for a follower: K followers of size 1 / K share what one does at scale 1), and prices
p_i = (1 + mu_i) c_i over its compute cost per EFLOP/s-month c_i at the logit-Bertrand markup
mu_i = 1 / (eta_i - 1), eta_i = w_p (1 - s_i / n_i) + epsilon s_i / n_i its own-price elasticity (Anderson, de Palma
and Thisse 1992, ch. 7); prices and shares are solved as a fixed point each month. Training and research
are fixed costs the margin pays for; whether it does depends on the lab's compute split (agents.lab).
Lab i serves q_i = min(s_i Q, I_i) of its inference capacity I_i, and demand a lab cannot serve goes
once to labs with spare capacity. A lab that does not sell services (``labs.<name>.sells_services``,
a neocloud) has no capacity here.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from market.finance.ledger import OUTSIDE, PaymentKind
from market.rng import Stream

if TYPE_CHECKING:
    from agents.lab import Lab
    from market.model import ComputeMarket


def adoption_spend_usd_bn(model: ComputeMarket, months_elapsed: int) -> float:
    """Spending at the reference price on the adoption S-curve, ``months_elapsed`` after the start."""
    demand = model.params.demand
    ratio = demand.saturation_spend_usd_bn_per_month / demand.initial_spend_usd_bn_per_month
    return demand.saturation_spend_usd_bn_per_month / (
        1.0 + (ratio - 1.0) * math.exp(-demand.adoption_rate_per_month * months_elapsed))


def bertrand_markups(shares: np.ndarray, share_weight_price: float, price_elasticity: float, max_markup: float) -> np.ndarray:
    """Markups mu_i = 1 / (eta_i - 1) of logit-Bertrand competition, capped at ``max_markup``.

    eta_i = w_p (1 - s_i) + epsilon s_i is lab i's own-price elasticity of demand when its share s_i follows the
    logit in log price (weight w_p) and the market's quantity has price elasticity epsilon.
    """
    eta = share_weight_price * (1.0 - shares) + price_elasticity * shares
    with np.errstate(divide="ignore"):
        markups = np.where(eta > 1.0, 1.0 / np.maximum(eta - 1.0, 1e-12), max_markup)
    return np.minimum(markups, max_markup)


def set_service_prices(model: ComputeMarket, labs: list[Lab], full_cost: np.ndarray, log_capability: np.ndarray,
                       active: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bertrand-Nash prices p_i = (1 + mu_i(s(p))) c_i, the fixed point in shares; return (prices, markups, weights)."""
    demand = model.params.demand
    cap = model.params.lab_behaviour.max_price_markup
    markups = np.zeros(len(labs))
    weights = np.zeros(len(labs))
    prices = np.zeros(len(labs))
    if not active.any():
        return prices, markups, weights
    size = np.array([lab.size_weight for lab in labs])
    log_size = np.log(size)
    for _ in range(100):
        prices = np.where(active, (1.0 + markups) * full_cost, 0.0)
        log_weight = np.full(len(labs), -np.inf)
        log_weight[active] = (demand.share_weight_capability * log_capability[active]
                              - demand.share_weight_price * np.log(prices[active]) + log_size[active])
        weights = np.exp(log_weight - log_weight[active].max())
        shares = weights / weights.sum()
        updated = np.where(active, bertrand_markups(shares / size, demand.share_weight_price, demand.price_elasticity, cap), 0.0)
        if np.abs(updated - markups).max() < 1e-10:
            break
        markups = updated
    return prices, markups, weights


def clear_services_market(model: ComputeMarket, labs: list[Lab]) -> dict[str, float]:
    """Set prices, shares and revenues of all labs; pay revenues from outside. Return market totals."""
    demand = model.params.demand
    capacity = np.array([lab.compute_eflops() * lab.inference_share if lab.profile.sells_services else 0.0 for lab in labs])
    cost = np.array([model.compute_cost_per_eflops_month(lab) for lab in labs])
    active = (capacity > 1e-12) & (cost > 0)
    capability = np.array([lab.capability() for lab in labs])
    prices, markups, weights = set_service_prices(model, labs, cost, np.log(capability), active)
    shares = weights / weights.sum() if weights.sum() > 0 else weights
    mean_price = float((shares * np.where(active, prices, 0.0)).sum())
    frontier = max((lab.capability() for lab in labs if lab.role == "frontier"), default=1.0)
    if model.reference_service_price is None:
        model.reference_service_price = mean_price
        model.reference_capability = frontier
    p0, k0 = model.reference_service_price, model.reference_capability
    shock = math.exp(demand.shock_sigma * model.streams.get(Stream.DEMAND_SHOCKS).standard_normal())
    spend = adoption_spend_usd_bn(model, model.steps - 1)
    quantity = 0.0
    if mean_price > 0:
        quantity = (spend / p0 * (mean_price / p0) ** (-demand.price_elasticity)
                    * (frontier / k0) ** demand.capability_elasticity * shock)
    wanted = shares * quantity
    served = np.minimum(wanted, capacity)
    spare = capacity - served
    leftover = float(wanted.sum() - served.sum())
    extra_weights = weights * (spare > 1e-12)
    if leftover > 1e-12 and extra_weights.sum() > 0:
        served += np.minimum(leftover * extra_weights / extra_weights.sum(), spare)
    revenue = served * np.where(active, prices, 0.0)
    for i, lab in enumerate(labs):
        lab.previous_potential_demand_eflops = lab.potential_demand_eflops
        lab.potential_demand_eflops = float(wanted[i])
        lab.served_eflops = float(served[i])
        lab.unserved_share = float(max(wanted[i] - served[i], 0.0) / wanted[i]) if wanted[i] > 0 else 0.0
        lab.price_usd_bn_per_eflops_month = float(prices[i])
        lab.price_markup = float(markups[i])
        lab.compute_cost_usd_bn_per_eflops_month = float(cost[i])
        lab.revenue_month_usd_bn = model.ledger.pay(OUTSIDE, lab.account, float(revenue[i]), PaymentKind.AI_SERVICES)
    total_served = float(served.sum())
    served_price = float(revenue.sum() / total_served) if total_served > 0 else mean_price
    return {
        "ai_revenue_usd_bn": float(revenue.sum()),
        "ai_price_index": served_price / p0 if p0 else 0.0,
        "demand_eflops": float(quantity),
        "served_eflops": total_served,
    }
