"""Labs in three roles: frontier labs, clouds (which lease compute out) and small followers."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from agents.base import EconomicAgent, clipped
from agents.lab_finance import LabFinance
from agents.utility import usd_bn_per_gw_month
from market.enums import AgentType, Constraint, LabRole
from market.rng import Stream

if TYPE_CHECKING:
    from market.model import ComputeMarket
    from market.parameters.roster import LabSpec


@dataclass(frozen=True)
class DraftPlan:
    """A lab's wish for the month before placement: GW to lease, GW to build, and its spare cash (usd_bn)."""

    lease_gw: float
    build_gw: float
    spare_usd_bn: float
    lease_grants: dict[int, float] = field(default_factory=dict)


@dataclass
class LabProfile:
    """What distinguishes one lab's behaviour (from a named ``LabSpec`` or the follower population)."""

    own_build_share: float
    lease_out_share_max: float
    uses_debt: bool
    site_regions: list[str]
    core_income_usd_bn_per_month: float
    sells_services: bool = True
    payout_ratio_of_cash_flow: float = 0.0
    returns_excess_cash: bool = True

    @classmethod
    def from_spec(cls, spec: LabSpec) -> LabProfile:
        """The profile a named lab's parameters give (read again when a ``set_param`` event changes them)."""
        return cls(spec.own_build_share, spec.lease_out_share_max, spec.uses_debt, list(spec.site_regions),
                   spec.core_income_usd_bn_per_month, spec.sells_services, spec.payout_ratio_of_cash_flow,
                   spec.returns_excess_cash)


class Lab(LabFinance, EconomicAgent):
    """A lab: trains models and sells AI services, and (clouds) leases compute to other labs.

    Compute split: inference share s_I,t = clip(s_I(g) + a u_{t-1}, s_I(g), s_I,max), u = max(D - s_I(g) E, 0) / D
    the share of last month's demand D its base inference capacity could not serve (E its EFLOP/s; measured at the
    base split, so serving it all does not switch the shift off the next month and start a two-month cycle), s_I(g)
    the base split adjusted to the revenue growth g the lab expects (a lab trains for the market its models will
    sell into, :meth:`base_inference_share`); training and research share the rest in their base ratio
    (``compute_split.<role>``).

    Investment (``lab_behaviour``): expected growth g_e <- (1 - lambda) g_e + lambda g_obs; desired
    EFLOP/s at the horizon E* = D (p_new / p)^-epsilon (1 + g_e)^(H_p/12) / s_I(g) (the base split: the
    shift toward inference is a short-run response, not planned for), provisioning for
    H_p = b H + (1 - b) H_L months of growth (b its own-build share: what it leases comes sooner) (clouds
    add the compute others lease or ask to lease), times q^kappa with q its market over fundamental
    value; the wish W = (E* - E_kept - E_pipeline - E_leased) / (e_new M) GW a month, where E_kept
    excludes chips retiring within H. The price of compute enters once, through the demand curve: D is
    what it sells at today's price p, and (p_new / p)^-epsilon what it would sell at the price p_new that
    new compute lets it charge (:meth:`demand_at_new_price`).

    Plan (in this order, each cut recorded where it happens): a share b of W is to be built and the rest
    leased; what clouds cannot lease is built instead (by labs that build) and signalled to the clouds
    (:meth:`draft_plan`); the build is cut to what can be delivered, powered and built in its site
    regions within H, shared pro rata with the other labs' plans (:mod:`market.physical.placement`); then the lab
    raises what the plan will spend and cuts both parts in proportion to what it can pay, a capital cut
    (:meth:`carry_out`). Its cash needs, financing and payouts: :class:`agents.lab_finance.LabFinance`.

    Args:
        model: The model.
        name: Stable name.
        role: frontier, cloud or follower.
        region: Home region.
        profile: Behaviour parameters.
        initial_training_eflops_months: Cumulative training compute before the start.
        size_weight: The share w of a scale-1 lab this agent stands for: 1 for named labs, ``followers.count`` over
            the number of followers (1 / ``run.scale`` up to rounding) for followers, whose starting compute, cash,
            smallest order, money thresholds and share of demand are w times a scale-1 follower's and whose capability
            counts its training compute over w (K followers of size 1 / K train the models one follower trains at
            scale 1).
        investor_segment: The investor segment whose investors fund a follower at ``run.scale`` 2 or more
            (:attr:`agents.investor.InvestorPopulation.segment`); None for a lab open to every investor.
    """

    agent_type = AgentType.LAB

    def __init__(self, model: ComputeMarket, name: str, role: LabRole, region: str, profile: LabProfile,
                 initial_training_eflops_months: float, size_weight: float = 1.0,
                 investor_segment: int | None = None) -> None:
        super().__init__(model, name, region, role.value)
        self.size_weight = size_weight
        self.investor_segment = investor_segment
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
        self.price_markup = 0.0
        self.compute_cost_usd_bn_per_eflops_month = 0.0
        self.project_ids: list[int] = []
        self.paid_up_project_ids: dict[int, bool] = {}  # see market.monthly.note_paid_up_projects
        self.carried_project_ids: set[int] = set()
        self.ordered_by_maker: dict[int, float] = {}
        self.lease_requests_unfilled_gw = 0.0
        self.cash_running_cost_month_usd_bn = 0.0
        self.initial_lease_gw = 0.0
        self.online_chips_at_book_usd_bn = 0.0
        self.regular_payout_usd_bn_per_month: float | None = None

    # --- state read by the markets -------------------------------------------------------------
    def shares(self) -> tuple[float, float, float]:
        """Current (training, inference, research) shares of compute."""
        split = self.model.params.compute_split[self.role]
        rest = 1.0 - self.inference_share
        base_rest = split.training_share + split.research_share
        training = rest * (split.training_share / base_rest if base_rest > 0 else 0.5)
        return training, self.inference_share, rest - training

    @property
    def capital_in_service_usd_bn(self) -> float:
        """Capital earning today's revenue at book: the lab's chips that run (with their buildings) and its power plants
        online, not work in progress, plants being built or chips idle for want of a building or power (they earn
        nothing yet)."""
        energy = self.model.energy
        plants = energy.book_value_usd_bn(self.account, online_only=True) if energy.plants else 0.0
        return self.online_chips_at_book_usd_bn + plants

    def capability(self) -> float:
        """Capability index K = (1 + T / T_ref)^alpha * jumps."""
        spec = self.model.params.capability
        base = 1.0 + self.cumulative_training_eflops_months / spec.reference_training_eflops_months
        return base ** spec.exponent * self.capability_jumps

    def compute_gw(self) -> float:
        """GW of compute the lab runs: owned online, less leased out, plus leased in."""
        return self.model.used_gw[self.account]

    @property
    def min_order_gw(self) -> float:
        """Smallest order the lab bothers to place: ``lab_behaviour.min_order_gw`` times its size weight."""
        return self.model.params.lab_behaviour.min_order_gw * self.size_weight

    def compute_eflops(self) -> float:
        """EFLOP/s of compute the lab runs."""
        return self.model.used_eflops[self.account]

    # --- decisions -----------------------------------------------------------------------------
    def base_inference_share(self) -> float:
        """Inference share before unserved demand: s_I(g) = 1 / (1 + k_0 ((1 + g) / (1 + g_0))^(L/12)).

        k_0 = (1 - s_I,base) / s_I,base is the base ratio of training and research to inference compute, observed at
        the expected growth g_0 = ``lab_behaviour.initial_expected_growth_per_year``; a lab trains for the market its
        model will sell into L = ``lab_behaviour.training_payback_months`` ahead, so the ratio scales with the growth
        (1 + g)^(L/12) it expects by then (g its expected growth, floored at -0.9).
        """
        split = self.model.params.compute_split[self.role]
        behaviour = self.model.params.lab_behaviour
        base = split.inference_share
        if base <= 0.0 or base >= 1.0:
            return base
        expected = max(self.model.equity.expected_growth_of(self.account), -0.9)
        relative_growth = (1.0 + expected) / (1.0 + behaviour.initial_expected_growth_per_year)
        ratio = (1.0 - base) / base * relative_growth ** (behaviour.training_payback_months / 12.0)
        return 1.0 / (1.0 + ratio)

    def unserved_share_at(self, inference_share: float) -> float:
        """u = max(D - s E, 0) / D: the share of last month's demand D that ``inference_share`` s of the lab's EFLOP/s E
        would leave unserved (0 without demand)."""
        demand = self.potential_demand_eflops
        if demand <= 1e-12:
            return 0.0
        return max(demand - inference_share * self.compute_eflops(), 0.0) / demand

    def update_split_and_capability(self) -> None:
        """Shift toward inference when demand went unserved; accumulate training compute; draw jumps."""
        split = self.model.params.compute_split[self.role]
        base = min(self.base_inference_share(), split.max_inference_share)
        self.inference_share = clipped(base + split.inference_shift_per_unserved * self.unserved_share_at(base),
                                       base, max(split.max_inference_share, base))
        training, _, _ = self.shares()
        self.cumulative_training_eflops_months += self.compute_eflops() * training / self.size_weight
        spec = self.model.params.capability
        if self.model.streams.get(Stream.CAPABILITY_JUMPS).random() < spec.jump_probability_per_month:
            self.capability_jumps *= 1.0 + spec.jump_size
            self.model.log_event("capability_jump", [self.name], f"capability x{1 + spec.jump_size:.2f}")

    def update_expectations(self) -> None:
        """Adaptive expectation of annual growth of the lab's own demand."""
        behaviour = self.model.params.lab_behaviour
        if self.previous_potential_demand_eflops > 0 and self.potential_demand_eflops > 0:
            ratio = self.potential_demand_eflops / self.previous_potential_demand_eflops
            observed = clipped(ratio ** 12 - 1.0, -0.9, behaviour.max_expected_growth_per_year)
            self.expected_growth_per_year += behaviour.expectation_weight * (observed - self.expected_growth_per_year)
        self.expected_growth_per_year = clipped(self.expected_growth_per_year, -0.9, behaviour.max_expected_growth_per_year)

    def desired_order_gw(self) -> float:
        """GW of new compute to order this month (before finance)."""
        model = self.model
        behaviour = model.params.lab_behaviour
        e_new, cost_per_gw = model.procurement.best_offer(self)
        if e_new <= 0 or cost_per_gw <= 0:
            return 0.0
        horizon = behaviour.planning_horizon_months
        build = self.profile.own_build_share
        provision_months = horizon + (1.0 - build) * (behaviour.lease_planning_horizon_months - horizon)
        growth = (1.0 + self.expected_growth_per_year) ** (provision_months / 12.0)
        demand_eflops = max(self.potential_demand_eflops, self.served_eflops) * self.demand_at_new_price(e_new, cost_per_gw)
        split = model.params.compute_split[self.role]
        planned_share = min(self.base_inference_share(), split.max_inference_share)
        if planned_share <= 0.0:
            planned_share = self.inference_share
        wanted = demand_eflops * growth / max(planned_share, 1e-6)
        wanted *= model.equity.q_ratio(self.account) ** behaviour.valuation_elasticity_of_investment
        if self.lab_role is LabRole.CLOUD:
            leased_out = model.leases.leased_out_gw(self.account) + self.lease_requests_unfilled_gw
            wanted += leased_out * growth * model.average_eflops_per_gw(self.account)
        kept = model.eflops_kept_until(self.account, model.month + horizon)
        pipeline = model.pipeline_gw(self.account) * e_new
        gap = wanted - kept - pipeline - model.leases.leased_in_eflops_kept(self.account, model.month + horizon)
        if model.leases.contracts.contracts:
            gap += self.contracted_gap_eflops(e_new, horizon, int(provision_months), growth)
        return max(gap, 0.0) / e_new / behaviour.gap_closing_months

    def contracted_gap_eflops(self, e_new: float, horizon_months: int, provision_months: int, growth: float) -> float:
        """What capacity contracts add to the lab's gap, in EFLOP/s: as lessor, the GW it must still lease out by the end
        of its planning horizon, at new chips' EFLOP/s per GW, and its delivered contract leases counted flat rather than
        grown with its own demand (``growth``, as its open-market leases are); less, as lessee, the GW due to it by the end
        of the whole months it provisions for and not yet delivered, overdue ones included (a lessee does not lease
        elsewhere to cover a late lessor) (:mod:`market.physical.contracts`)."""
        model = self.model
        contracts, month = model.leases.contracts, model.month
        gap = (contracts.to_lease_out_gw(self.account, month + horizon_months)
               - contracts.to_lease_in_gw(self.account, month + provision_months)) * e_new
        if self.lab_role is LabRole.CLOUD:
            gap -= model.leases.contracted_out_gw(self.account) * (growth - 1.0) * model.average_eflops_per_gw(self.account)
        return gap

    def demand_at_new_price(self, e_new: float, cost_per_gw: float) -> float:
        """(p_new / p)^-epsilon: the demand curve's own response to the price new compute lets the lab charge.

        p is its price this month, p_new = (1 + mu) times the monthly full cost of an EFLOP/s of new compute (built:
        capex over its useful life, power at home, upkeep; leased: the cheapest lease quote), weighted by its
        own-build share; epsilon is ``demand.price_elasticity``. The price effect is counted once: in demand.
        """
        model = self.model
        if self.price_usd_bn_per_eflops_month <= 0 or not self.profile.sells_services:
            return 1.0
        behaviour = model.params.lab_behaviour
        built = (cost_per_gw / model.params.technology.useful_life_months
                 + usd_bn_per_gw_month(model.utilities[self.region].price_usd_mwh) + behaviour.maintenance_usd_bn_per_gw_month)
        leased = model.leases.quote(self) or built
        share = self.profile.own_build_share
        new_price = (1.0 + self.price_markup) * (share * built + (1.0 - share) * leased) / e_new
        return (new_price / self.price_usd_bn_per_eflops_month) ** -model.params.demand.price_elasticity

    def draft_plan(self) -> DraftPlan:
        """First half of the month's plan: the wish, split between leasing and building.

        Refills the cash buffer first. What clouds cannot lease it is built instead (by a lab that builds)
        and signalled to the clouds, which plan for it.
        """
        wish = self.desired_order_gw()
        spare = self.spare_cash_usd_bn()
        if spare < 0:
            spare += self.finance(-spare)
        if wish < self.min_order_gw:
            return DraftPlan(0.0, 0.0, spare)
        build_gw = wish * self.profile.own_build_share
        return DraftPlan(wish - build_gw, build_gw, spare)

    def settle_lease_grants(self, draft: DraftPlan, grants: dict[int, float]) -> DraftPlan:
        """The draft with the leases the clouds granted (:meth:`market.physical.leases.LeaseBook.allocate`).

        What clouds cannot lease is signalled to them (they plan for it) and, by a lab that builds, built instead.
        """
        granted = sum(grants.values())
        build_gw = draft.build_gw
        if draft.lease_gw - granted > 1e-9:
            self.model.leases.note_unfilled(self, draft.lease_gw - granted)
            if self.profile.own_build_share > 0:
                build_gw += draft.lease_gw - granted
        return DraftPlan(granted, build_gw if build_gw >= self.min_order_gw else 0.0, draft.spare_usd_bn, grants)

    def carry_out(self, draft: DraftPlan, placed: dict[str, float]) -> None:
        """Second half: finance what the plan will spend within the funding horizon, cut it to what it can pay, order it.

        Leasing g GW needs cash for ``cash_buffer_months`` of its payments; building needs the construction and
        chips falling due within ``finance.funding_horizon_months`` (later payments are raised as they come near).
        The lab raises what it lacks; both parts are cut in proportion to what it can pay (a capital cut, recorded
        by site region, leases at home).
        """
        model = self.model
        need = self.plan_spend_within_usd_bn(placed, draft.lease_gw, model.params.finance.funding_horizon_months)
        if need <= 0:
            return
        spare = draft.spare_usd_bn
        if spare < need:
            spare += self.finance(need - spare)
        paid = min(1.0, max(spare, 0.0) / need)
        if paid < 1.0:
            model.indicators.cut(Constraint.CAPITAL, self.region, draft.lease_gw * (1.0 - paid))
            for site, gw in placed.items():
                model.indicators.cut(Constraint.CAPITAL, site, gw * (1.0 - paid))
                model.placement.reserve(self, site, -gw * (1.0 - paid))
        if draft.lease_gw * paid >= self.min_order_gw:
            model.leases.sign_grants(self, draft.lease_grants, paid)
        for site, gw in placed.items():
            if gw * paid >= self.min_order_gw:
                model.procurement.request(self, site, gw * paid)

    def site_preference(self) -> list[str]:
        """The lab's site regions in the order it tries them: the first drawn by a logit of power price and expected
        wait for power, the rest by the same score, best first."""
        behaviour = self.model.params.lab_behaviour
        utilities = self.model.utilities
        regions = list(self.profile.site_regions)
        scores = np.array([-behaviour.site_weight_price * math.log(max(utilities[r].price_usd_mwh, 1e-6))
                           - behaviour.site_weight_wait * utilities[r].expected_wait_months() for r in regions])
        if len(regions) == 1:
            return regions
        probabilities = np.exp(scores - scores.max())
        probabilities /= probabilities.sum()
        first = int(self.model.streams.get(Stream.SITE_CHOICE).choice(len(regions), p=probabilities))
        rest = sorted((i for i in range(len(regions)) if i != first), key=lambda i: (-scores[i], regions[i]))
        return [regions[i] for i in (first, *rest)]
