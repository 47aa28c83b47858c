"""Procurement: how the GW a lab has placed (:mod:`market.physical.placement`) become projects, chip orders and power requests.

Requests start once every lab has planned. For each project the lab picks a chipmaker among those
selling to its region: one whose vendor financing it holds unspent, else by a logit of price per
EFLOP/s, partnership, size (preferential attachment) and the wait its backlog implies. Export rules
shape the offers (:mod:`market.policy.export_controls`): a covered destination gets a compliant variant,
with less compute at a lower price, or nothing. A lab whose logit draw falls on a chipmaker that may
not ship to it is refused: the order's GW count as blocked demand (``blocked_demand_gw``), the refusal
is logged, and the lab draws again among the chipmakers that may ship. A chipmaker sells out its next
``order_book_limit_months`` months (its booking window); an order is wanted when its building is due ready.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from agents.utility import usd_bn_per_gw_month
from market.enums import REGIONS, Constraint
from market.network import EdgeType
from market.physical.held import HeldValues
from market.physical.projects import Project
from market.policy.export_controls import FULL_PART, Offer
from market.rng import Stream

if TYPE_CHECKING:
    from agents.chipmaker import Chipmaker
    from agents.lab import Lab
    from market.model import ComputeMarket


class Procurement:
    """Offers, chipmaker choice, project starts and deliveries.

    Args:
        model: The model.
    """

    def __init__(self, model: ComputeMarket) -> None:
        self.model = model
        self.blocked_month_gw = 0.0
        self.requests: list[tuple[Lab, str, float]] = []
        self.declined_variants: set[tuple[int, str]] = set()
        self.held_offers: HeldValues[tuple[float, float]] = HeldValues()

    def hold_offers(self, held: bool) -> None:
        """Start (``True``) or end holding each region's best offer for the rest of the planning phase.

        While labs plan (:meth:`market.model.ComputeMarket.plan_labs`) no chipmaker's price, maturity or selling state and
        no export rule changes, so the best offer of a region is the same on every reading; held, it is worked out on
        the first reading only (``tests/test_held_quotes.py`` checks every held reading against a fresh one).
        """
        self.held_offers.hold(held)

    def start_month(self) -> None:
        """Forget last month's blocked orders."""
        self.blocked_month_gw = 0.0

    def request(self, lab: Lab, site: str, gw: float) -> None:
        """Record a lab's plan to build ``gw`` at ``site`` this month; projects start once every lab has planned."""
        self.requests.append((lab, site, gw))

    def wanted_month(self, site: str) -> int:
        """Month an order for a project at ``site`` started now wants its chips: when its building is due ready."""
        return self.model.month + max(self.model.construction[site].spec.build_months - 1, 0)

    def within_windows(self, site: str, buyer_region: str) -> bool:
        """Whether a build at ``site`` wants its chips within every booking window of the chipmakers selling to the buyer."""
        wanted = self.wanted_month(site)
        return all(wanted < m.booking_window_end() for m in self.sellers_to(buyer_region))

    def allowed_makers(self, buyer_region: str, site: str) -> list[Chipmaker]:
        """Chipmakers selling to the buyer's region that export rules let ship to ``site`` this month, with an offer
        the buyer would take (:meth:`economic_offers`)."""
        sellers = self.sellers_to(buyer_region)
        offers = self.economic_offers(buyer_region, site, sellers)
        return [m for m in sellers if offers[m.account] is not None]

    # --- starting what was planned ------------------------------------------------------------
    def start_requested(self) -> None:
        """Start this month's planned builds, cut pro rata if chipmakers turned out sold out after all.

        A request whose chips are wanted within the booking windows gets f = min(1, R / D) of its GW, R the
        room left in all booking windows and D the GW requested within them; requests wanted later are
        taken in full. The plans already reserved the room, so f < 1 only when the makers' windows are
        shared among buyers of different regions; the rest is recorded as a chips cut and as orders turned
        away by the selling chipmakers, in proportion to their capacity (the signal that makes a sold-out
        maker expand).
        """
        model = self.model
        within = [self.within_windows(site, lab.region) for lab, site, _ in self.requests]
        requested = sum(gw for (_, _, gw), inside in zip(self.requests, within, strict=True) if inside)
        selling = [m for m in model.chipmakers.values() if m.is_selling()]
        room = sum(m.window_room_gw() for m in selling)
        fill = min(1.0, room / requested) if requested > 0 else 1.0
        if fill < 1.0:
            self.turn_away_at(selling, requested - room)
        for (lab, site, gw), inside in zip(self.requests, within, strict=True):
            share = fill if inside else 1.0
            model.indicators.cut(Constraint.CHIPS, site, gw * (1.0 - share))
            if gw * share >= lab.min_order_gw:
                self.start_projects(lab, gw * share, site)
        self.requests = []

    def sellers_to(self, region: str) -> list[Chipmaker]:
        """Chipmakers taking orders from a region this month (before export rules)."""
        return [m for m in self.model.chipmakers.values() if m.is_selling() and region in m.spec.sells_to]

    def offer(self, maker: Chipmaker, site: str, buyer_region: str) -> Offer | None:
        """What ``maker`` may ship this month to a project at ``site`` of a lab from ``buyer_region``."""
        return self.model.export_controls.offer(maker, self.model.month, site, buyer_region)

    def best_offer(self, lab: Lab) -> tuple[float, float]:
        """(EFLOP/s per GW, all-in cost per GW) of the best-value new compute the lab may buy at home."""
        return self.best_offer_in(lab.region)

    def best_offer_in(self, region: str) -> tuple[float, float]:
        """(EFLOP/s per GW, all-in cost per GW) of the best-value new compute a lab of ``region`` may buy there."""
        return self.held_offers.read(region, lambda: self.find_best_offer_in(region))

    def find_best_offer_in(self, region: str) -> tuple[float, float]:
        """:meth:`best_offer_in` worked out from the chipmakers' offers this month."""
        model = self.model
        building = model.params.lab_behaviour.building_capex_usd_bn_per_gw
        offers = []
        for maker in self.sellers_to(region):
            offer = self.offer(maker, region, region)
            if offer is not None:
                offers.append((maker.eflops_per_gw(model.month) * offer.compute_factor,
                               maker.price_usd_bn_per_gw * offer.price_factor + building))
        if not offers:
            return 0.0, 0.0
        return max(offers, key=lambda o: o[0] / o[1])

    def going_cost_per_eflops_in(self, region: str) -> float:
        """All-in cost per EFLOP/s of new compute as labs of ``region`` buy it at home this month: sum_m s_m c_m / sum_m s_m e_m
        over the makers whose offers there labs take (export rules allow them and, for a variant, it is economic:
        :meth:`economic_offers`), with s_m a maker's smoothed share of the world's new orders, c_m its all-in cost per
        GW (price and building) and e_m its EFLOP/s per GW; the best offer's when none of them has a share (0 when none
        sells there). A cheap offer that sells little (a maker with little capacity) moves it little. Reading it has
        no side effect (no decline is logged)."""
        model = self.model
        building = model.params.lab_behaviour.building_capex_usd_bn_per_gw
        sellers = self.sellers_to(region)
        offers = self.economic_offers(region, region, sellers, note=False)
        cost = eflops = 0.0
        for maker in sellers:
            offer = offers[maker.account]
            if offer is not None and maker.order_share > 0:
                cost += maker.order_share * (maker.price_usd_bn_per_gw * offer.price_factor + building)
                eflops += maker.order_share * maker.eflops_per_gw(model.month) * offer.compute_factor
        if eflops > 0:
            return cost / eflops
        best_eflops_per_gw, best_cost_per_gw = self.best_offer_in(region)
        return best_cost_per_gw / best_eflops_per_gw if best_eflops_per_gw > 0 else 0.0

    def _draw(self, lab: Lab, makers: list[Chipmaker], offers: list[Offer]) -> Chipmaker:
        behaviour = self.model.params.lab_behaviour
        partners = self.model.network.targets_of(lab.account, EdgeType.PARTNERS)
        scores = np.array([
            -behaviour.supplier_weight_price * math.log(m.price_usd_bn_per_gw * o.price_factor
                                                        / (m.eflops_per_gw(self.model.month) * o.compute_factor))
            + behaviour.supplier_weight_partner * (m.account in partners)
            + behaviour.supplier_weight_size * math.log(max(m.capacity_gw_per_month, 1e-3))
            - behaviour.supplier_weight_wait * m.backlog_months(self.model.chip_market.backlog_gw(m.account))
            for m, o in zip(makers, offers, strict=True)])
        probabilities = np.exp(scores - scores.max())
        probabilities /= probabilities.sum()
        return makers[int(self.model.streams.get(Stream.PARTNERSHIPS).choice(len(makers), p=probabilities))]

    def choose_maker(self, lab: Lab, site: str, gw: float, wanted_month: int) -> tuple[Chipmaker, Offer] | None:
        """Pick a chipmaker (and its offer) for ``gw`` at ``site``, wanted in ``wanted_month``.

        A refused first choice counts as blocked demand. When every maker allowed to ship is sold out,
        the order is lost: as blocked demand if a maker the rules bar had room, else as a chips shortfall;
        either way the allowed makers see it turned away (their signal to expand).
        """
        model = self.model
        minimum = lab.min_order_gw
        sellers = self.sellers_to(lab.region)
        offers = self.economic_offers(lab.region, site, sellers)
        makers = [m for m in sellers if m.order_room_gw(wanted_month) >= minimum]
        eligible = [m for m in makers if offers[m.account] is not None]
        if not eligible:
            if makers:
                self._refuse(lab, makers[0], site, gw)
            model.indicators.cut(Constraint.CHIPS, site, gw)
            self.turn_away_at([m for m in sellers if offers[m.account] is not None], gw)
            return None
        earmarked = [m for m in eligible if model.vendor.earmark_for(lab.account, m.account) > 0]
        if earmarked:
            return earmarked[0], offers[earmarked[0].account]
        full = [offers[m.account] or FULL_PART for m in makers]
        maker = self._draw(lab, makers, full)
        if offers[maker.account] is None:
            self._refuse(lab, maker, site, gw)
            maker = self._draw(lab, eligible, [offers[m.account] for m in eligible])
        return maker, offers[maker.account]

    def full_cost_per_eflops_month(self, maker: Chipmaker, offer: Offer, site: str) -> float:
        """Monthly full cost of an EFLOP/s of ``maker``'s offered compute at ``site``: chips and building over the
        chips' useful life, power and upkeep, divided by the EFLOP/s a GW of the offered part delivers."""
        model = self.model
        behaviour = model.params.lab_behaviour
        eflops = maker.eflops_per_gw(model.month) * offer.compute_factor
        if eflops <= 0:
            return math.inf
        capex = maker.price_usd_bn_per_gw * offer.price_factor + behaviour.building_capex_usd_bn_per_gw
        running = usd_bn_per_gw_month(model.utilities[site].price_usd_mwh) + behaviour.maintenance_usd_bn_per_gw_month
        return (capex / model.params.technology.useful_life_months + running) / eflops

    def economic_offers(self, buyer_region: str, site: str, sellers: list[Chipmaker],
                        note: bool = True) -> dict[int, Offer | None]:
        """Each seller's offer to a lab from ``buyer_region`` for ``site``, None where export rules bar it or where it
        is an uneconomic variant.

        An export variant is uneconomic when its full cost per EFLOP/s-month exceeds (1 + mu_max) times the cheapest
        full part offered to the lab (whether or not its maker has room), mu_max = ``lab_behaviour.max_price_markup``:
        compute the lab could not sell even at the highest markup any lab charges over the cost of the best full part.
        Variants cut to a fixed performance threshold cross it as the full parts improve: at the defaults a Chinese lab's US variant costs
        ~3x the domestic part per EFLOP/s in 2025 (bought, as H20s were) and ~13x by 2033, when it delivers ~2% of
        the full part's compute per GW of power. Full parts are never declined (their makers' prices answer
        competition). A cost that is not a finite number counts as above the ceiling. The first decline of a maker's
        variant by a region is logged (``variant_declined``) and brings its government's block response (unless
        ``note`` is false: a measurement that only reads the offers); a lab whose draw falls on a declined variant is
        refused, as demand the export rules block.
        """
        offers = {m.account: self.offer(m, site, buyer_region) for m in sellers}
        full_parts = [self.full_cost_per_eflops_month(m, offers[m.account], site)
                      for m in sellers if offers[m.account] is not None and not offers[m.account].variant]
        if not full_parts:
            return offers
        ceiling = (1.0 + self.model.params.lab_behaviour.max_price_markup) * min(full_parts)
        kept: dict[int, Offer | None] = {}
        for maker in sellers:
            offer = offers[maker.account]
            if offer is not None and offer.variant and not self.full_cost_per_eflops_month(maker, offer, site) <= ceiling:
                if note:
                    self._note_declined(maker, buyer_region, offer)
                offer = None
            kept[maker.account] = offer
        return kept

    def _note_declined(self, maker: Chipmaker, buyer_region: str, offer: Offer) -> None:
        """The first time a region's labs find a maker's variant uneconomic: log it (``variant_declined``) and let the
        region's government respond as to a refusal (its labs are cut off from that maker's parts)."""
        if (maker.account, buyer_region) in self.declined_variants:
            return
        self.declined_variants.add((maker.account, buyer_region))
        self.model.log_event("variant_declined", [maker.name, self.model.governments[buyer_region].name],
                             f"labs of {buyer_region} decline its export variant ({offer.compute_factor:.1%} compute) as "
                             "uneconomic")
        self.model.governments[buyer_region].respond_to_block()

    @staticmethod
    def turn_away_at(makers: list[Chipmaker], gw: float) -> None:
        """Record ``gw`` turned away by sold-out ``makers``, in proportion to their capacity."""
        capacity = sum(m.capacity_gw_per_month for m in makers)
        for maker in makers:
            if capacity > 0:
                maker.turn_away(gw * maker.capacity_gw_per_month / capacity)

    def _refuse(self, lab: Lab, maker: Chipmaker, site: str, gw: float) -> None:
        self.record_blocked(site, gw, lab.region)
        variant = self.offer(maker, site, lab.region)
        if variant is None:
            self.model.log_event("export_refused", [maker.name, lab.name], f"{gw:.3f} GW for {site} refused by export rules")
        else:
            self.model.log_event("export_refused", [maker.name, lab.name],
                                 f"{gw:.3f} GW for {site}: the export variant ({variant.compute_factor:.1%} compute) "
                                 "declined as uneconomic")

    def record_blocked(self, site: str, gw: float, buyer_region: str) -> None:
        """Count GW of orders for ``site`` refused by export rules; the buyer's government responds."""
        self.blocked_month_gw += gw
        self.model.governments[buyer_region].respond_to_block()

    def start_projects(self, lab: Lab, gw: float, site: str) -> None:
        """Split ``gw`` at ``site`` into projects; for each choose a chipmaker, order chips, ask for power, queue construction."""
        model = self.model
        behaviour = model.params.lab_behaviour
        chunks = max(1, math.ceil(gw / behaviour.max_project_gw - 1e-9))
        delays = model.streams.get(Stream.PROJECT_DELAYS)
        for index in range(chunks):
            size = gw / chunks
            wanted = self.wanted_month(site)
            choice = self.choose_maker(lab, site, size, wanted)
            if choice is None:
                rest = size * (chunks - index - 1)
                if rest > 0:
                    model.indicators.cut(Constraint.CHIPS, site, rest)
                    self.turn_away_at(self.allowed_makers(lab.region, site), rest)
                return
            maker, offer = choice
            room = maker.order_room_gw(wanted)
            if room < size:
                model.indicators.cut(Constraint.CHIPS, site, size - room)
                maker.turn_away(size - room)
                size = room
            construction = model.construction[site]
            months = max(1, round(construction.spec.build_months * float(delays.lognormal(0.0, construction.spec.delay_sigma))))
            project = Project(model.next_id("project"), lab.account, site, size, maker.account,
                              maker.price_usd_bn_per_gw * offer.price_factor, size * behaviour.building_capex_usd_bn_per_gw,
                              months, model.month, building_per_gw=behaviour.building_capex_usd_bn_per_gw)
            model.projects[project.id] = project
            lab.project_ids.append(project.id)
            model.chip_market.place(lab.account, maker, project.id, size, wanted, offer)
            model.utilities[site].request(project.id, size)
            construction.queue.append(project.id)
            self._note_partnership(lab, maker, size)
            model.log_event("project", [lab.name, maker.name, model.utilities[site].name],
                            f"{size:.3f} GW in {site}, {months}-month build"
                            + (f", export variant at {offer.compute_factor:.0%} compute" if offer.variant else ""))

    def _note_partnership(self, lab: Lab, maker: Chipmaker, gw: float) -> None:
        model = self.model
        lab.ordered_by_maker[maker.account] = lab.ordered_by_maker.get(maker.account, 0.0) + gw
        if (lab.ordered_by_maker[maker.account] >= model.params.lab_behaviour.partnership_threshold_gw
                and not model.network.has(lab.account, maker.account, EdgeType.PARTNERS)):
            model.network.add_or_update(lab.account, maker.account, EdgeType.PARTNERS, model.date, origin="orders")
            model.log_event("partnership", [lab.name, maker.name], "formed by cumulative orders")

    def cut_project(self, project_id: int, gw: float) -> None:
        """Shrink a project whose chips will not come (refused or cancelled orders): its power request and, if its
        building has not started, its construction shrink with it; a building already under way is carried whole by
        the chips that do come (its cost per GW rises; the quarterly impairment test judges whether they earn it)."""
        model = self.model
        project = model.projects[project_id]
        gw = min(gw, project.gw - project.delivered_gw)
        if gw <= 0:
            return
        if project.started_month is None and project.gw > 0:
            project.construction_capex_usd_bn *= (project.gw - gw) / project.gw
            project.gw -= gw
        else:
            building = project.building_capitalised_usd_bn + self._building_per_gw(project) * (project.gw - project.delivered_gw)
            project.gw -= gw
            project.spread_building_over_chips_to_come(building)
        utility = model.utilities[project.site]
        utility.withdraw(project.id, gw)
        excess = project.connected_gw - project.gw
        if excess > 1e-12:
            project.connected_gw -= excess
            utility.release(excess)

    def _building_per_gw(self, project: Project) -> float:
        """The building cost each GW of the project's chips still to come carries (the parameter's value for a project
        made by hand without one)."""
        if project.building_per_gw is not None:
            return project.building_per_gw
        return self.model.params.lab_behaviour.building_capex_usd_bn_per_gw

    def deliver(self, project_id: int, maker: Chipmaker, gw: float, compute_factor: float) -> None:
        """Install delivered chips at their project; they are idle until the project runs them."""
        model = self.model
        project = model.projects[project_id]
        building_per_gw = self._building_per_gw(project)
        project.delivered_gw += gw
        project.live_gw += gw
        project.building_capitalised_usd_bn += gw * building_per_gw
        model.cohorts.add(owner=project.owner, maker=maker.account, project=project.id, site=REGIONS.index(project.site),
                          gw=gw, eflops_per_gw=maker.eflops_per_gw(model.month) * compute_factor, delivered_month=model.month,
                          life_months=model.params.technology.useful_life_months,
                          cost_per_gw=project.chip_price_per_gw + building_per_gw)
