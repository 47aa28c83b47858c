"""The AI services market (docs/ODD.md section 3, step 2).

Quantity demanded in segment m, Q_m,t = phi_m S_t / P_0 * (P_m,t / P_0)^(-epsilon) * (K_t / K_0)^theta * exp(sigma z_t),
with S_t the adoption S-curve (see :class:`market.parameters.params.DemandSpec`), phi_m the segment's share of spending,
P_m,t its share-weighted price, P_0 the world's (segments weighted by phi) in month 1 and K_t the frontier capability
index. Two segments: users in China (phi = ``demand.china_spend_share``), served only by labs headquartered there (US
labs' services are not offered in China), and the rest of the world (1 - phi), served by every lab; a share of 0 makes
one world market. A segment no active lab serves has no price and buys nothing: its spending is lost, not moved. In
a segment lab i wins share s_im proportional to n_i exp(w_K ln K_i - w_p ln p_i), n_i its size weight (1, or
1 / ``run.scale`` for a follower: K followers of size 1 / K share what one does at scale 1), and prices
p_i = (1 + mu_i) c_i over its compute cost per EFLOP/s-month c_i at the logit-Bertrand markup
mu_i = 1 / (eta_i - 1), with one price in every segment: eta_i = sum_m (q_im / q_i) eta_im the own-price elasticity of
its sales, eta_im = w_p (1 - s_im / n_i) + epsilon s_im / n_i in each segment (Anderson, de Palma and Thisse 1992, ch.
7); prices and shares are solved as a fixed point each month. Training and research
are fixed costs the margin pays for; whether it does depends on the lab's compute split (agents.lab).
Lab i serves q_i = min(sum_m s_im Q_m, I_i) of its inference capacity I_i (pro rata across segments), and demand a lab
cannot serve goes once to labs in the same segment with spare capacity. A lab that does not sell services
(``labs.<name>.sells_services``, a neocloud) has no capacity here.
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
    from market.parameters.params import DemandSpec


def adoption_spend_usd_bn(model: ComputeMarket, months_elapsed: int) -> float:
    """Spending at the reference price on the adoption S-curve, ``months_elapsed`` after the start."""
    demand = model.params.demand
    return s_curve_spend_usd_bn(demand.initial_spend_usd_bn_per_month, demand.saturation_spend_usd_bn_per_month,
                                demand.adoption_rate_per_month, months_elapsed)


def s_curve_spend_usd_bn(initial_usd_bn: float, saturation_usd_bn: float, rate_per_month: float,
                         months_elapsed: float) -> float:
    """S(t) = S_sat / (1 + (S_sat / S_0 - 1) exp(-k t)), the adoption S-curve from S_0 = ``initial_usd_bn`` a month."""
    ratio = saturation_usd_bn / initial_usd_bn
    return saturation_usd_bn / (1.0 + (ratio - 1.0) * math.exp(-rate_per_month * months_elapsed))


def bertrand_markups(shares: np.ndarray, share_weight_price: float, price_elasticity: float, max_markup: float) -> np.ndarray:
    """Markups mu_i = 1 / (eta_i - 1) of logit-Bertrand competition, capped at ``max_markup``, at the own-price
    elasticities of :func:`own_price_elasticities`."""
    return markups_at(own_price_elasticities(shares, share_weight_price, price_elasticity), max_markup)


def own_price_elasticities(shares: np.ndarray, share_weight_price: float, price_elasticity: float) -> np.ndarray:
    """eta_i = w_p (1 - s_i) + epsilon s_i: lab i's own-price elasticity of demand when its share s_i follows the logit in
    log price (weight w_p) and the market's quantity has price elasticity epsilon."""
    eta = share_weight_price * (1.0 - shares) + price_elasticity * shares
    return eta


def markups_at(eta: np.ndarray, max_markup: float) -> np.ndarray:
    """mu = 1 / (eta - 1), capped at ``max_markup`` (the cap also where eta <= 1)."""
    with np.errstate(divide="ignore"):
        markups = np.where(eta > 1.0, 1.0 / np.maximum(eta - 1.0, 1e-12), max_markup)
    return np.minimum(markups, max_markup)


CHINA = "CN"


def segment_spend_shares(model: ComputeMarket) -> np.ndarray:
    """phi_m: the share of world spending in each segment, the rest of the world first, then China (if any)."""
    china = model.params.demand.china_spend_share
    return np.array([1.0 - china, china]) if china > 0 else np.array([1.0])


def segment_eligibility(labs: list[Lab], segments: int) -> np.ndarray:
    """(segments x labs): which labs serve each segment: every lab the rest of the world, labs headquartered in China
    their home segment."""
    eligible = np.ones((segments, len(labs)), dtype=bool)
    if segments > 1:
        eligible[1] = [lab.region == CHINA for lab in labs]
    return eligible


def set_service_prices(model: ComputeMarket, labs: list[Lab], full_cost: np.ndarray, log_capability: np.ndarray,
                       active: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bertrand-Nash prices p_i = (1 + mu_i(s(p))) c_i, the fixed point in shares; return (prices, markups, weights),
    weights one row per segment (zero for labs that do not serve it)."""
    demand = model.params.demand
    cap = model.params.lab_behaviour.max_price_markup
    spend_shares = segment_spend_shares(model)
    eligible = segment_eligibility(labs, len(spend_shares)) & active[None, :]
    markups = np.zeros(len(labs))
    weights = np.zeros((len(spend_shares), len(labs)))
    prices = np.zeros(len(labs))
    if not active.any():
        return prices, markups, weights
    size = np.array([lab.size_weight for lab in labs])
    log_size = np.log(size)
    for _ in range(100):
        prices = np.where(active, (1.0 + markups) * full_cost, 0.0)
        weights = segment_weights(demand, prices, log_capability, log_size, eligible)
        updated = np.where(active, sales_weighted_markups(weights, prices, spend_shares, size, demand, cap), 0.0)
        if np.abs(updated - markups).max() < 1e-10:
            break
        markups = updated
    return prices, markups, weights


def segment_weights(demand: DemandSpec, prices: np.ndarray, log_capability: np.ndarray, log_size: np.ndarray,
                    eligible: np.ndarray) -> np.ndarray:
    """Logit weights n_i exp(w_K ln K_i - w_p ln p_i) of each segment's labs, scaled by the segment's largest."""
    weights = np.zeros(eligible.shape)
    for m, serves in enumerate(eligible):
        if not serves.any():
            continue
        log_weight = np.full(eligible.shape[1], -np.inf)
        log_weight[serves] = (demand.share_weight_capability * log_capability[serves]
                              - demand.share_weight_price * np.log(prices[serves]) + log_size[serves])
        weights[m] = np.exp(log_weight - log_weight[serves].max())
    return weights


def sales_weighted_markups(weights: np.ndarray, prices: np.ndarray, spend_shares: np.ndarray, size: np.ndarray,
                           demand: DemandSpec, cap: float) -> np.ndarray:
    """mu_i = 1 / (eta_i - 1) at eta_i = sum_m (q_im / q_i) eta_im, q_im proportional to s_im phi_m P_m^(-epsilon)
    (one segment: the logit-Bertrand markup at the lab's share)."""
    shares = weights / weights.sum(axis=1, keepdims=True).clip(min=1e-300)
    if len(spend_shares) == 1:
        return bertrand_markups(shares[0] / size, demand.share_weight_price, demand.price_elasticity, cap)
    segment_price = (shares * prices[None, :]).sum(axis=1)
    priced = segment_price > 0
    scale = np.zeros(len(spend_shares))
    scale[priced] = spend_shares[priced] * segment_price[priced] ** -demand.price_elasticity
    sales = shares * scale[:, None]
    total = sales.sum(axis=0)
    eta = own_price_elasticities(shares / size, demand.share_weight_price, demand.price_elasticity)
    eta = np.divide((sales * eta).sum(axis=0), total, out=np.full(len(size), demand.share_weight_price), where=total > 0)
    return markups_at(eta, cap)


def clear_services_market(model: ComputeMarket, labs: list[Lab]) -> dict[str, float]:
    """Set prices, shares and revenues of all labs; pay revenues from outside. Return market totals."""
    demand = model.params.demand
    capacity = np.array([lab.compute_eflops() * lab.inference_share if lab.profile.sells_services else 0.0 for lab in labs])
    cost = np.array([model.compute_cost_per_eflops_month(lab) for lab in labs])
    active = (capacity > 1e-12) & (cost > 0)
    capability = np.array([lab.capability() for lab in labs])
    prices, markups, weights = set_service_prices(model, labs, cost, np.log(capability), active)
    totals = weights.sum(axis=1, keepdims=True)
    shares = np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)
    segment_price = (shares * np.where(active, prices, 0.0)[None, :]).sum(axis=1)
    spend_shares = segment_spend_shares(model)
    mean_price = float((spend_shares * segment_price).sum())
    frontier = max((lab.capability() for lab in labs if lab.role == "frontier"), default=1.0)
    if model.reference_service_price is None:
        model.reference_service_price = mean_price
        model.reference_capability = frontier
    p0, k0 = model.reference_service_price, model.reference_capability
    shock = math.exp(demand.shock_sigma * model.streams.get(Stream.DEMAND_SHOCKS).standard_normal())
    spend = adoption_spend_usd_bn(model, model.steps - 1)
    quantity = np.zeros(len(spend_shares))
    for m, price in enumerate(segment_price):
        if price > 0:
            quantity[m] = (spend_shares[m] * spend / p0 * (price / p0) ** (-demand.price_elasticity)
                           * (frontier / k0) ** demand.capability_elasticity * shock)
    wanted_by_segment = shares * quantity[:, None]
    wanted = wanted_by_segment.sum(axis=0)
    served = np.minimum(wanted, capacity)
    served = serve_leftovers(served, wanted, wanted_by_segment, capacity, weights)
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
        "demand_eflops": float(quantity.sum()),
        "served_eflops": total_served,
    }


def serve_leftovers(served: np.ndarray, wanted: np.ndarray, wanted_by_segment: np.ndarray, capacity: np.ndarray,
                    weights: np.ndarray) -> np.ndarray:
    """A lab short of capacity serves each segment pro rata; each segment's unserved demand then goes once to the
    segment's labs with spare capacity, by their logit weights, the rest of the world first (one market: one pass)."""
    fill = np.divide(served, wanted, out=np.zeros_like(wanted), where=wanted > 0)
    served_by_segment = wanted_by_segment * fill[None, :]
    for m in range(len(weights)):
        spare = capacity - served_by_segment.sum(axis=0)
        leftover = float(wanted_by_segment[m].sum() - served_by_segment[m].sum())
        extra_weights = weights[m] * (spare > 1e-12)
        if leftover > 1e-12 and extra_weights.sum() > 0:
            served_by_segment[m] += np.minimum(leftover * extra_weights / extra_weights.sum(), spare.clip(min=0.0))
    return served_by_segment.sum(axis=0)
