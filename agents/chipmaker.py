"""Chipmakers: capacity with lags, Wright's-law costs, backlog pricing and delivery allocation."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from agents.base import EconomicAgent
from market.enums import AgentType
from market.finance.ledger import OUTSIDE, PaymentKind
from market.parameters.roster import ChipmakerSpec

if TYPE_CHECKING:
    from market.model import ComputeMarket
    from market.physical.chips import Order

FIXED_ASSET_LIFE_MONTHS = 120


class Chipmaker(EconomicAgent):
    """A maker of AI accelerators (and the systems around them), priced per facility GW.

    Equations (symbols map to ``chipmakers.<name>.*``):
        unit cost c_t = c_0 (Q_t / Q_0)^(-log2(1/pr))        (Wright's law; Q cumulative output)
        target price p* = max(c_t min(m_0, m_B(s)) (b_t / b_ref)^phi, c_t), p_{t+1} = p_t + kappa (p* - p_t)
            m_B(s) = eps / (eps - 1), eps = w_p (1 - s) > 1 (else m_0): the Bertrand-Nash markup of a seller
            whose buyers choose by a logit with weight w_p on log price per EFLOP/s
            (``lab_behaviour.supplier_weight_price``) at its smoothed share s of new orders, so a rival that
            is cheaper per FLOP/s takes share and pulls the markup down; m_0 caps it.
            b: backlog in months of capacity plus, when sold out, the turned-away rate x times the
            capacity lead time (the backlog it would have had); low when capacity is idle. kappa
            ``price_adjust_per_month``. Price never falls below unit cost.
        expansion: when b > ``target_backlog_months`` or orders are being turned away, add
            min(gamma K, backlog / b_target + x - K - pipeline, K_max - K - pipeline) GW/month of capacity,
            commissioned as a fab (:mod:`market.physical.fabs`: paid by the maker, borrowing what its cash lacks, and
            outside partners, screened partners barred) producing after ``capacity_lead_time_months`` (the first fab
            at a new site abroad after ``greenfield_lead_time_months``), with x the GW a month of orders it turned away
            for lack of room in its order book, smoothed x <- x + w (x_month - x) (w ``turned_away_weight``)
            (gamma ``max_capacity_growth_per_month``, K_max ``max_capacity_gw_per_month``, raised by
            its government's response to a foreign export block)
        idle capacity: every GW/month of capacity costs ``fixed_cost_usd_bn_per_gw_month`` a month, used or
            not; while its smoothed utilisation (delivered / capacity) and its whole order book (as a share of
            a capacity lead time's output) both stay below ``closure_utilisation``, it closes
            ``closure_rate_per_month`` of its capacity a month
        efficiency: newest generation's EFLOP/s per GW x ``efficiency`` x maturity, maturity rising
            linearly from ``initial_maturity`` to 1 over ``maturity_months`` after it starts selling
        order book: it sells out its next L = ``order_book_limit_months`` months: an order wanted within L
            months is taken while the orders already booked for those months stay within L x K (sold out
            beyond it); an order wanted later is booked against capacity it has yet to add;
        deliveries: at most K a month of orders already wanted (labs time deliveries to their buildings), each as
            far as its building's fit-out has gone (:mod:`market.physical.chips`); partners' orders first, then first
            come first served; capacity left over ships the fit-out schedule up to ``early_delivery_months`` early (the
            chips wait, idle, for their building). b counts whole orders wanted within the capacity lead time
            (what the chipmaker can still act on).

    Args:
        model: The model.
        name: Stable name.
        spec: Its parameters.
    """

    agent_type = AgentType.CHIPMAKER

    def __init__(self, model: ComputeMarket, name: str, spec: ChipmakerSpec) -> None:
        super().__init__(model, name, spec.region, spec.role)
        self.spec = spec
        self.dormant = spec.dormant
        self.capacity_gw_per_month = spec.initial_capacity_gw_per_month
        self.capacity_pipeline: list[tuple[int, float]] = []
        self.cumulative_output_gw = spec.initial_cumulative_output_gw
        self.unit_cost_usd_bn_per_gw = spec.initial_unit_cost_usd_bn_per_gw
        self.price_usd_bn_per_gw = spec.initial_unit_cost_usd_bn_per_gw * spec.base_markup
        self.delivered_month_gw = 0.0
        self.producing_capacity_gw = 0.0
        self.ordered_month_gw = 0.0
        self.fixed_assets_usd_bn = spec.initial_capacity_gw_per_month * spec.capacity_capex_usd_bn_per_gw_month
        self.selling_since: int | None = None if spec.dormant else model.month
        self.capacity_ceiling_gw_per_month = spec.max_capacity_gw_per_month
        self.turned_away_month_gw = 0.0
        self.turned_away_gw_per_month = 0.0
        self.order_share = 0.0
        self.utilisation = 1.0
        self.closed_gw_per_month_total = 0.0
        self.capex_month_usd_bn = 0.0
        self.spending_usd_bn_per_month: float | None = None

    def is_selling(self) -> bool:
        """Whether it takes orders this month."""
        return self.alive and not self.dormant

    def wake(self) -> None:
        """Leave dormancy (a scenario event): capacity starts at what it has and grows with orders."""
        self.dormant = False
        self.selling_since = self.model.month

    def maturity(self, month: int) -> float:
        """Share of its full efficiency reached: m_0 + (1 - m_0) min(1, months selling / maturity months)."""
        spec = self.spec
        if spec.maturity_months <= 0 or self.selling_since is None:
            return 1.0
        progress = min(1.0, max(month - self.selling_since, 0) / spec.maturity_months)
        return spec.initial_maturity + (1.0 - spec.initial_maturity) * progress

    def eflops_per_gw(self, month: int) -> float:
        """EFLOP/s per GW of the chips it sells in ``month``: the newest generation's x efficiency x maturity."""
        return self.model.catalogue.newest_at(month).eflops_per_gw * self.spec.efficiency * self.maturity(month)

    def booking_window_end(self) -> int:
        """First month beyond the window it sells out: this month plus ``order_book_limit_months`` (rounded up)."""
        return self.model.month + math.ceil(self.spec.order_book_limit_months)

    def order_room_gw(self, wanted_month: int) -> float:
        """GW of new orders wanted in ``wanted_month`` it still takes.

        Within its booking window: L x K less the orders booked for the window (zero when sold out).
        Beyond it: unlimited, since it books them against capacity it will add.
        """
        return math.inf if wanted_month >= self.booking_window_end() else self.window_room_gw()

    def window_room_gw(self) -> float:
        """GW it still takes for delivery within its booking window: L x K less the orders booked for the window."""
        limit = self.spec.order_book_limit_months * self.capacity_gw_per_month
        return max(limit - self.model.chip_market.wanted_backlog_gw(self.account, self.booking_window_end() - 1), 0.0)

    def turn_away(self, gw: float) -> None:
        """Record ``gw`` of orders it could not take this month because its order book was full."""
        self.turned_away_month_gw += gw

    def backlog_months(self, backlog_gw: float) -> float:
        """Backlog in months of current capacity."""
        return backlog_gw / max(self.capacity_gw_per_month, 1e-6)

    def produce(self, orders: list[Order], month: int) -> list[tuple[Order, float]]:
        """Deliver up to capacity what buildings can take now (partners first, then oldest first), then with capacity
        left over the fit-out schedule up to ``early_delivery_months`` ahead (in the same order); pay production cost.
        Return deliveries, one per order, in the order first shipped."""
        if not self.is_selling():
            return []
        partners = self.model.partners_of(self.account)
        due = {o.id: o.deliverable_gw(month) for o in orders}
        horizon = month + self.spec.early_delivery_months
        ahead = {o.id: o.deliverable_gw(horizon) - due[o.id] for o in orders} if horizon > month else {o.id: 0.0 for o in orders}
        budget = self.producing_capacity_gw = self.capacity_gw_per_month
        shipped: dict[int, float] = {}
        for amounts in (due, ahead):
            for order in sorted((o for o in orders if amounts[o.id] > 1e-12), key=lambda o: (o.lab not in partners, o.id)):
                if budget <= 1e-12:
                    break
                gw = min(amounts[order.id], budget)
                budget -= gw
                shipped[order.id] = shipped.get(order.id, 0.0) + gw
        by_id = {order.id: order for order in orders}
        deliveries = [(by_id[order_id], gw) for order_id, gw in shipped.items()]
        produced = self.capacity_gw_per_month - budget
        self.delivered_month_gw = produced
        if produced > 0:
            self.model.ledger.pay(self.account, OUTSIDE, produced * self.unit_cost_usd_bn_per_gw,
                                  PaymentKind.CHIP_PRODUCTION)
            self.cumulative_output_gw += produced
            exponent = math.log2(1.0 / self.spec.progress_ratio)
            self.unit_cost_usd_bn_per_gw = self.spec.initial_unit_cost_usd_bn_per_gw * (
                self.cumulative_output_gw / self.spec.initial_cumulative_output_gw) ** (-exponent)
        return deliveries

    def bertrand_markup(self) -> float:
        """m_B(s) = eps / (eps - 1), eps = w_p (1 - s): the markup that maximises profit against logit buyers; m_0 if eps <= 1."""
        elasticity = self.model.params.lab_behaviour.supplier_weight_price * (1.0 - self.order_share)
        if elasticity <= 1.0 + 1e-9:
            return self.spec.base_markup
        return min(elasticity / (elasticity - 1.0), self.spec.base_markup)

    def update_share(self, share_of_orders: float | None) -> None:
        """Smooth its share of this month's new orders (None when nobody ordered) and its utilisation."""
        weight = self.spec.share_weight_per_month
        if share_of_orders is not None:
            self.order_share += weight * (share_of_orders - self.order_share)
        if self.capacity_gw_per_month > 1e-12:
            self.utilisation += weight * (self.delivered_month_gw / self.capacity_gw_per_month - self.utilisation)

    def update_price(self, backlog_gw: float) -> None:
        """Move the price part way toward cost times the competitive markup, scaled by backlog (and orders turned away)."""
        spec = self.spec
        notional_gw = backlog_gw + self.turned_away_gw_per_month * spec.capacity_lead_time_months
        ratio = max(self.backlog_months(notional_gw), 0.05 * spec.reference_backlog_months) / spec.reference_backlog_months
        target = max(self.unit_cost_usd_bn_per_gw * self.bertrand_markup() * ratio ** spec.backlog_price_elasticity,
                     self.unit_cost_usd_bn_per_gw)
        self.price_usd_bn_per_gw += spec.price_adjust_per_month * (target - self.price_usd_bn_per_gw)

    def close_idle_lines(self, booked_gw: float) -> float:
        """Close a share of capacity while it runs half idle with as thin an order book; return GW/month closed.

        ``booked_gw``: every undelivered order, compared with a capacity lead time's worth of output (orders booked
        for later still need the lines).
        """
        spec = self.spec
        if not self.is_selling() or self.capacity_gw_per_month <= 1e-12:
            return 0.0
        cover = booked_gw / (self.capacity_gw_per_month * spec.capacity_lead_time_months)
        if self.utilisation >= spec.closure_utilisation or cover >= spec.closure_utilisation:
            return 0.0
        closed = self.capacity_gw_per_month * spec.closure_rate_per_month
        self.fixed_assets_usd_bn *= 1.0 - spec.closure_rate_per_month
        self.model.fabs.close_share(self.account, spec.closure_rate_per_month)
        self.capacity_gw_per_month -= closed
        self.closed_gw_per_month_total += closed
        return closed

    def expand_capacity(self, backlog_gw: float, month: int) -> float:
        """Commission a fab when the backlog is long; return the GW/month it will add."""
        spec = self.spec
        if not self.is_selling():
            return 0.0
        arrived = sum(gw for due, gw in self.capacity_pipeline if due <= month)
        self.capacity_pipeline = [(due, gw) for due, gw in self.capacity_pipeline if due > month]
        self.capacity_gw_per_month += arrived
        self.turned_away_gw_per_month += spec.turned_away_weight * (self.turned_away_month_gw - self.turned_away_gw_per_month)
        self.turned_away_month_gw = 0.0
        turned_away = self.turned_away_gw_per_month if self.turned_away_gw_per_month > 1e-9 else 0.0
        if self.backlog_months(backlog_gw) <= spec.target_backlog_months and turned_away <= 0:
            return 0.0
        pipeline = sum(gw for _, gw in self.capacity_pipeline)
        wanted = backlog_gw / spec.target_backlog_months + turned_away - self.capacity_gw_per_month - pipeline
        room = self.capacity_ceiling_gw_per_month - self.capacity_gw_per_month - pipeline
        add = min(max(wanted, 0.0), spec.max_capacity_growth_per_month * max(self.capacity_gw_per_month, 0.01), max(room, 0.0))
        if add <= 1e-9:
            return 0.0
        return self.model.fabs.commission(self, add)

    def close_month(self, chip_revenue_usd_bn: float, production_cost_usd_bn: float) -> None:
        """Pay the fixed cost of its capacity, depreciate it, service debt, pay out part of the month's cash profit and
        of the cash it holds beyond its needs."""
        fixed = self.capacity_gw_per_month * self.spec.fixed_cost_usd_bn_per_gw_month
        self.model.ledger.pay(self.account, OUTSIDE, fixed, PaymentKind.CHIP_PRODUCTION)
        self.depreciation_month_usd_bn = self.fixed_assets_usd_bn / FIXED_ASSET_LIFE_MONTHS
        self.fixed_assets_usd_bn -= self.depreciation_month_usd_bn
        self.model.capital.service_debt(self)
        profit = chip_revenue_usd_bn - production_cost_usd_bn - fixed
        profit -= self.model.fabs.pay_partners(self, profit, production_cost_usd_bn + fixed)
        if profit > 0:
            self.model.capital.pay_dividend(self, profit * self.spec.payout_share_of_profit)
        self.track_spending(production_cost_usd_bn + fixed + self.capex_month_usd_bn)
        self.model.capital.pay_out_excess_cash(self, self.cash_needs_usd_bn())

    def track_spending(self, spent_usd_bn: float) -> None:
        """Average its monthly spending (production, fixed costs, capacity capex) over about a year; reset the month's capex."""
        if self.spending_usd_bn_per_month is None:
            self.spending_usd_bn_per_month = spent_usd_bn
        else:
            self.spending_usd_bn_per_month += (spent_usd_bn - self.spending_usd_bn_per_month) / 12.0
        self.capex_month_usd_bn = 0.0

    def cash_needs_usd_bn(self) -> float:
        """Cash it keeps: ``finance.funding_horizon_months`` of its average spending, and the claims it owes."""
        horizon = self.model.params.finance.funding_horizon_months
        return horizon * (self.spending_usd_bn_per_month or 0.0) + self.model.ledger.claims_payable(self.account)
