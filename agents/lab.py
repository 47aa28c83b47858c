"""Labs in three roles: frontier labs, clouds (which lease compute out) and small followers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from agents.base import EconomicAgent
from market.enums import AgentType, LabRole
from market.rng import Stream

if TYPE_CHECKING:
    from market.model import ComputeMarket


@dataclass
class LabProfile:
    """What distinguishes one lab's behaviour (from a named ``LabSpec`` or the follower population)."""

    own_build_share: float
    lease_out_share_max: float
    uses_debt: bool
    site_regions: list[str]
    core_income_usd_bn_per_month: float
    sells_services: bool = True


class Lab(EconomicAgent):
    """A lab: trains models and sells AI services, and (clouds) leases compute to other labs.

    Compute split: inference share s_I,t = clip(s_I + a u_{t-1}, s_I, s_I,max), u the unserved share
    of its demand; training and research share the rest in their base ratio (``compute_split.<role>``).

    Investment (``lab_behaviour``): expected growth g_e <- (1 - lambda) g_e + lambda g_obs; desired
    EFLOP/s at the horizon E* = D (1 + g_e)^(H_p/12) / s_I * (c_0 / c_new)^eta, provisioning for
    H_p = b H + (1 - b) H_L months of growth (b its own-build share: what it leases comes sooner) (clouds add the
    compute others lease or ask to lease), times q^kappa with q its market over fundamental value;
    monthly order (E* - E_kept - E_pipeline) / (e_new M) GW,
    where E_kept excludes chips retiring within H. A share ``own_build_share`` is built, the rest
    leased; building is cut to what cash and new financing pay for.

    Args:
        model: The model.
        name: Stable name.
        role: frontier, cloud or follower.
        region: Home region.
        profile: Behaviour parameters.
        initial_training_eflops_months: Cumulative training compute before the start.
    """

    agent_type = AgentType.LAB

    def __init__(self, model: ComputeMarket, name: str, role: LabRole, region: str, profile: LabProfile,
                 initial_training_eflops_months: float) -> None:
        super().__init__(model, name, region, role.value)
        self.lab_role = role
        self.profile = profile
        split = model.params.compute_split[role.value]
        self.inference_share = split.inference_share
        self.cumulative_training_eflops_months = initial_training_eflops_months
        self.capability_jumps = 1.0
        self.expected_growth_per_year = model.params.lab_behaviour.initial_expected_growth_per_year
        self.potential_demand_eflops = 0.0
        self.previous_potential_demand_eflops = 0.0
        self.served_eflops = 0.0
        self.unserved_share = 0.0
        self.price_usd_bn_per_eflops_month = 0.0
        self.project_ids: list[int] = []
        self.ordered_by_maker: dict[int, float] = {}
        self.lease_requests_unfilled_gw = 0.0
        self.compute_cost_month_usd_bn = 0.0
        self.initial_lease_gw = 0.0

    # --- state read by the markets -------------------------------------------------------------
    def shares(self) -> tuple[float, float, float]:
        """Current (training, inference, research) shares of compute."""
        split = self.model.params.compute_split[self.role]
        rest = 1.0 - self.inference_share
        base_rest = split.training_share + split.research_share
        training = rest * (split.training_share / base_rest if base_rest > 0 else 0.5)
        return training, self.inference_share, rest - training

    def capability(self) -> float:
        """Capability index K = (1 + T / T_ref)^alpha * jumps."""
        spec = self.model.params.capability
        base = 1.0 + self.cumulative_training_eflops_months / spec.reference_training_eflops_months
        return base ** spec.exponent * self.capability_jumps

    def compute_gw(self) -> float:
        """GW of compute the lab runs: owned online, less leased out, plus leased in."""
        return self.model.used_gw[self.account]

    def compute_eflops(self) -> float:
        """EFLOP/s of compute the lab runs."""
        return self.model.used_eflops[self.account]

    # --- decisions -----------------------------------------------------------------------------
    def update_split_and_capability(self) -> None:
        """Shift toward inference when demand went unserved; accumulate training compute; draw jumps."""
        split = self.model.params.compute_split[self.role]
        self.inference_share = float(np.clip(split.inference_share + split.inference_shift_per_unserved * self.unserved_share,
                                             split.inference_share, split.max_inference_share))
        training, _, _ = self.shares()
        self.cumulative_training_eflops_months += self.compute_eflops() * training
        spec = self.model.params.capability
        if self.model.streams.get(Stream.CAPABILITY_JUMPS).random() < spec.jump_probability_per_month:
            self.capability_jumps *= 1.0 + spec.jump_size
            self.model.log_event("capability_jump", [self.name], f"capability x{1 + spec.jump_size:.2f}")

    def update_expectations(self) -> None:
        """Adaptive expectation of annual growth of the lab's own demand."""
        behaviour = self.model.params.lab_behaviour
        if self.previous_potential_demand_eflops > 0 and self.potential_demand_eflops > 0:
            ratio = self.potential_demand_eflops / self.previous_potential_demand_eflops
            observed = float(np.clip(ratio ** 12 - 1.0, -0.9, behaviour.max_expected_growth_per_year))
            self.expected_growth_per_year += behaviour.expectation_weight * (observed - self.expected_growth_per_year)
        self.expected_growth_per_year = float(np.clip(self.expected_growth_per_year, -0.9,
                                                      behaviour.max_expected_growth_per_year))

    def desired_order_gw(self) -> float:
        """GW of new compute to order this month (before finance)."""
        model = self.model
        behaviour = model.params.lab_behaviour
        e_new, cost_per_gw = model.procurement.best_offer(self)
        if e_new <= 0 or cost_per_gw <= 0:
            return 0.0
        cost_new = cost_per_gw / e_new
        horizon = behaviour.planning_horizon_months
        build = self.profile.own_build_share
        provision_months = horizon + (1.0 - build) * (behaviour.lease_planning_horizon_months - horizon)
        growth = (1.0 + self.expected_growth_per_year) ** (provision_months / 12.0)
        demand_eflops = max(self.potential_demand_eflops, self.served_eflops)
        wanted = demand_eflops * growth / max(self.inference_share, 1e-6)
        wanted *= (model.reference_cost_per_eflops / cost_new) ** behaviour.investment_cost_elasticity
        wanted *= model.equity.q_ratio(self.account) ** behaviour.valuation_elasticity_of_investment
        if self.lab_role is LabRole.CLOUD:
            leased_out = model.leases.leased_out_gw(self.account) + self.lease_requests_unfilled_gw
            wanted += leased_out * growth * model.average_eflops_per_gw(self.account)
        kept = model.eflops_kept_until(self.account, model.month + horizon)
        pipeline = model.pipeline_gw(self.account) * e_new
        gap = wanted - kept - pipeline - model.leases.leased_in_eflops_kept(self.account, model.month + horizon)
        return max(gap, 0.0) / e_new / behaviour.gap_closing_months

    def monthly_fixed_costs_usd_bn(self) -> float:
        """Running costs the lab keeps a buffer against: compute, leases, interest."""
        return self.compute_cost_month_usd_bn + self.model.capital.interest_due(self.account)

    def committed_usd_bn(self) -> float:
        """Unpaid commitments on its projects."""
        return sum(self.model.projects[i].unpaid_commitments_usd_bn() for i in self.project_ids)

    def spare_cash_usd_bn(self) -> float:
        """Cash beyond the buffer and what the pipeline still needs."""
        buffer = self.model.params.lab_behaviour.cash_buffer_months * self.monthly_fixed_costs_usd_bn()
        return self.cash_usd_bn - buffer - self.committed_usd_bn() - self.model.ledger.claims_payable(self.account)

    def finance(self, amount: float) -> float:
        """Raise ``amount``: debt first when the lab borrows and has room, then equity. Return raised."""
        if amount <= 0:
            return 0.0
        raised = 0.0
        capital = self.model.capital
        if self.profile.uses_debt:
            assets = self.cash_usd_bn + self.fixed_assets_usd_bn
            raised += capital.raise_debt(self, min(amount, capital.debt_capacity(self, assets)))
        if amount - raised > 1e-9:
            raised += capital.raise_equity(self, amount - raised, self.role)
        return raised

    def plan(self) -> None:
        """Decide this month's compute: lease some, build some, and raise the money to pay for it.

        Leasing g GW needs cash for ``cash_buffer_months`` of its payments; building needs the all-in
        cost per GW. The lab raises what it lacks; both are cut in proportion to what it can pay.
        """
        model = self.model
        behaviour = model.params.lab_behaviour
        order_gw = self.desired_order_gw()
        spare = self.spare_cash_usd_bn()
        if spare < 0:
            spare += self.finance(-spare)
        if order_gw < behaviour.min_order_gw:
            return
        build_gw = order_gw * self.profile.own_build_share
        lease_gw = order_gw - build_gw
        cost_per_gw = model.procurement.best_offer(self)[1]
        lease_cash_per_gw = model.leases.quote(self) * behaviour.cash_buffer_months
        need = build_gw * cost_per_gw + lease_gw * lease_cash_per_gw
        if need <= 0:
            return
        if spare < need:
            spare += self.finance(need - spare)
        scale = min(1.0, max(spare, 0.0) / need)
        model.indicators.capital_short_gw[self.region] += order_gw * (1.0 - scale)
        lease_gw *= scale
        build_gw *= scale
        if lease_gw >= behaviour.min_order_gw:
            unfilled = model.leases.request(self, lease_gw)
            if self.profile.own_build_share > 0 and cost_per_gw > 0:
                build_gw += unfilled * lease_cash_per_gw / cost_per_gw
        build_gw = min(build_gw, self.powerable_gw())
        if build_gw >= behaviour.min_order_gw and cost_per_gw > 0:
            model.procurement.request(self, build_gw)

    def powerable_gw(self) -> float:
        """GW the lab's site regions could power within its planning horizon (it orders no more)."""
        horizon = self.model.params.lab_behaviour.planning_horizon_months
        return sum(self.model.utilities[r].powerable_gw_within(horizon) for r in self.profile.site_regions)

    def choose_site(self, regions: list[str]) -> str:
        """Pick a site region by a logit of power price and expected wait, among regions that can power it."""
        behaviour = self.model.params.lab_behaviour
        utilities = self.model.utilities
        horizon = behaviour.planning_horizon_months
        regions = [r for r in regions if utilities[r].powerable_gw_within(horizon) > 0] or regions
        scores = np.array([-behaviour.site_weight_price * math.log(max(utilities[r].price_usd_mwh, 1e-6))
                           - behaviour.site_weight_wait * utilities[r].expected_wait_months() for r in regions])
        probabilities = np.exp(scores - scores.max())
        probabilities /= probabilities.sum()
        return regions[int(self.model.streams.get(Stream.SITE_CHOICE).choice(len(regions), p=probabilities))]
