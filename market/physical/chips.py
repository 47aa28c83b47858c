"""The chip market: orders, deliveries within capacity, prices and capacity (docs/ODD.md section 3, step 5).

An order of G GW wanted from month w is fitted out at r GW a month (``construction.<site>.fit_out_gw_per_month``): by
month t its building can have taken F(t) = min(G, r (t - w + 1)) for t >= w, nothing before, so a project takes its
chips over G / r months (one at least) as its halls are fitted out one after another. A chipmaker ships an order's
F(t) less what it has delivered and then, with capacity left over, up to F(t + e), e its ``early_delivery_months``
(:meth:`agents.chipmaker.Chipmaker.produce`); labs' cash plans count chips due by a month the same way. Booking windows,
prices and capacity plans count whole orders by their wanted month (:meth:`ChipMarket.wanted_backlog_gw`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from market.enums import Constraint
from market.finance.ledger import PaymentKind
from market.network import EdgeType
from market.physical.projects import fitted_out_gw
from market.policy.export_controls import FULL_PART, Offer

if TYPE_CHECKING:
    from agents.chipmaker import Chipmaker
    from market.model import ComputeMarket


@dataclass
class Order:
    """A lab's order of GW of chips from one chipmaker for one project, at the price of the order month.

    ``offer`` says what export rules let the chipmaker ship: the full part or a compliant variant.
    """

    id: int
    lab: int
    maker: int
    project: int
    gw: float
    price_per_gw: float
    month: int
    wanted_month: int
    offer: Offer = FULL_PART
    delivered_gw: float = 0.0
    fit_out_gw_per_month: float = math.inf

    @property
    def remaining_gw(self) -> float:
        """GW still to deliver."""
        return self.gw - self.delivered_gw

    def deliverable_gw(self, by_month: int) -> float:
        """GW its building can have taken by ``by_month`` and not yet delivered: F(by_month) less what was delivered."""
        return max(fitted_out_gw(self.gw, self.wanted_month, by_month, self.fit_out_gw_per_month) - self.delivered_gw, 0.0)


class ChipMarket:
    """Order books of all chipmakers and the monthly clearing of deliveries.

    Args:
        model: The model.
    """

    def __init__(self, model: ComputeMarket) -> None:
        self.model = model
        self.orders: dict[int, list[Order]] = {}
        self.order_of_project: dict[int, Order] = {}
        self.ordered_gw_total = 0.0
        self.delivered_gw_total = 0.0
        self.cancelled_gw_total = 0.0
        self.revenue_month: dict[int, float] = {}
        self.ordered_month_gw = 0.0
        selling = [m for m in model.chipmakers.values() if m.is_selling()]
        capacity = sum(m.capacity_gw_per_month for m in selling)
        for maker in selling:
            maker.order_share = maker.capacity_gw_per_month / capacity if capacity > 0 else 0.0

    def backlog_gw(self, maker: int | None = None) -> float:
        """GW ordered and not yet delivered, of one chipmaker or all."""
        books = [self.orders.get(maker, [])] if maker is not None else list(self.orders.values())
        return sum([o.gw - o.delivered_gw for book in books for o in book])

    def backlog_split_gw(self) -> tuple[float, float]:
        """(due, booked): GW of chips buildings could have taken by now and were not delivered (late for want of chips),
        and the rest of the order books (chips for later months, including the rest of the fit-out of ready buildings)."""
        month = self.model.month
        due = sum([o.deliverable_gw(month) for book in self.orders.values() for o in book])
        return due, self.backlog_gw() - due

    def chips_due_usd_bn(self, project: int, by_month: int) -> float:
        """What the project's undelivered chips its building can have taken by ``by_month`` will cost."""
        order = self.order_of_project.get(project)
        if order is None:
            return 0.0
        return order.deliverable_gw(by_month) * order.price_per_gw

    def wanted_backlog_gw(self, maker: int, by_month: int) -> float:
        """GW of a chipmaker's orders wanted by ``by_month`` and not yet delivered, whole orders however far their
        buildings' fit-out has gone: what its booking window, price and capacity plans count."""
        return sum([o.gw - o.delivered_gw for o in self.orders.get(maker, []) if o.wanted_month <= by_month])

    def place(self, lab: int, maker: Chipmaker, project: int, gw: float, wanted_month: int,
              offer: Offer = FULL_PART) -> Order:
        """Record a new order at the chipmaker's current price for ``offer``, for delivery from ``wanted_month``."""
        book = self.orders.setdefault(maker.account, [])
        fit_out = self.model.construction[self.model.projects[project].site].spec.fit_out_gw_per_month
        order = Order(self.model.next_id("order"), lab, maker.account, project, gw,
                      maker.price_usd_bn_per_gw * offer.price_factor, self.model.month, wanted_month, offer,
                      fit_out_gw_per_month=fit_out)
        book.append(order)
        self.order_of_project[project] = order
        self.ordered_gw_total += gw
        self.ordered_month_gw += gw
        maker.ordered_month_gw += gw
        self.model.network.add_or_update(maker.account, lab, EdgeType.SUPPLIES, self.model.date,
                                         accumulate={"contracted_gw": gw})
        return order

    def cancel(self, orders: list[Order]) -> None:
        """Cancel orders (their buyer or seller has failed): their undelivered GW leave the books."""
        ids = {order.id for order in orders}
        for order in orders:
            self.order_of_project.pop(order.project, None)
        for maker, book in self.orders.items():
            self.cancelled_gw_total += sum(o.remaining_gw for o in book if o.id in ids)
            self.orders[maker] = [o for o in book if o.id not in ids]

    def apply_export_rules(self, maker: Chipmaker) -> None:
        """Re-check the maker's open orders against the rules in force: orders whose destination is now
        blocked are refused (cancelled, counted as blocked demand, logged); others ship what is allowed
        now, their price per GW scaled by the change in the offer's price factor."""
        model = self.model
        refused = []
        for order in self.orders.get(maker.account, []):
            project = model.projects[order.project]
            offer = model.procurement.offer(maker, project.site, model.agent_by_account(order.lab).region)
            if offer is None:
                refused.append(order)
            elif offer != order.offer:
                order.price_per_gw *= offer.price_factor / order.offer.price_factor
                order.offer = offer
        for order in refused:
            site = model.projects[order.project].site
            model.procurement.record_blocked(site, order.remaining_gw, model.agent_by_account(order.lab).region)
            model.indicators.cut(Constraint.CHIPS, site, order.remaining_gw)
            model.procurement.cut_project(order.project, order.remaining_gw)
            model.log_event("export_refused", [maker.name, model.name_of(order.lab)],
                            f"{order.remaining_gw:.3f} GW of open orders cancelled by export rules")
        if refused:
            self.cancel(refused)

    def reschedule_to_buildings(self) -> None:
        """Push deliveries back to when each order's building is expected ready (buyers reschedule late buildings).

        Expected ready: start month + build months - 1 once construction has started, else this month
        plus the region's standard build time. Deliveries are not rescheduled for late power.
        """
        model = self.model
        for book in self.orders.values():
            for order in book:
                project = model.projects[order.project]
                if project.built:
                    continue
                if project.started_month is not None:
                    ready = project.started_month + project.build_months - 1
                else:
                    ready = model.month + model.construction[project.site].spec.build_months
                order.wanted_month = max(order.wanted_month, ready)

    def clear(self) -> None:
        """Close idle lines, deliver and bill; then every chipmaker learns its share of new orders, prices and expands."""
        model = self.model
        month = model.month
        self.reschedule_to_buildings()
        self.revenue_month = {}
        for maker in model.chipmakers.values():
            self.apply_export_rules(maker)
            book = self.orders.get(maker.account, [])
            closed = maker.close_idle_lines(self.backlog_gw(maker.account))
            if closed > 0:
                model.log_event("capacity_closed", [maker.name], f"{closed:.4f} GW/month of idle capacity closed")
            cost_before = maker.unit_cost_usd_bn_per_gw
            deliveries = maker.produce(book, month)
            revenue = 0.0
            for order, gw in deliveries:
                order.delivered_gw += gw
                self.delivered_gw_total += gw
                amount = gw * order.price_per_gw
                revenue += amount
                model.dues.add(order.lab, maker.account, amount, PaymentKind.CHIPS)
                model.capex_month_by_account[order.lab] = model.capex_month_by_account.get(order.lab, 0.0) + amount
                model.procurement.deliver(order.project, maker, gw, order.offer.compute_factor)
            self.orders[maker.account] = [o for o in book if o.remaining_gw > 1e-12]
            self.revenue_month[maker.account] = revenue
            maker.revenue_month_usd_bn = revenue
            maker.production_cost_month_usd_bn = maker.delivered_month_gw * cost_before
        ordered = sum(m.ordered_month_gw for m in model.chipmakers.values() if m.is_selling())
        for maker in model.chipmakers.values():
            if not maker.is_selling():
                continue
            maker.update_share(maker.ordered_month_gw / ordered if ordered > 1e-12 else None)
            backlog = self.wanted_backlog_gw(maker.account, month + maker.spec.capacity_lead_time_months)
            maker.update_price(backlog)
            maker.expand_capacity(backlog, month)
