"""Data-centre projects, regional construction capacity and compute leases.

A project comes online as far as it has a finished building, delivered chips and connected power:
online GW = min(delivered live GW, connected GW) once built (docs/ODD.md section 3, step 7). Each region
starts at most its construction capacity (GW per month) of queued projects; when that binds (projects
still wait, or labs' plans were cut for lack of it this month), the capacity grows by
``construction.<region>.capacity_growth_per_month``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from market.parameters.physical import ConstructionSpec

if TYPE_CHECKING:
    from market.physical.chips import Order


def fitted_out_gw(gw: float, wanted_month: int, by_month: int, fit_out_gw_per_month: float) -> float:
    """F(t) = min(G, r (t - w + 1)) for t >= w, else 0: GW of an order of ``gw`` wanted from ``wanted_month`` its building
    can have taken by ``by_month``, fitted out at ``fit_out_gw_per_month``."""
    if by_month < wanted_month:
        return 0.0
    return min(gw, fit_out_gw_per_month * (by_month - wanted_month + 1))


@dataclass
class Project:
    """One data-centre project of one lab at one site region."""

    id: int
    owner: int
    site: str
    gw: float
    maker: int
    chip_price_per_gw: float
    construction_capex_usd_bn: float
    build_months: int
    ordered_month: int
    started_month: int | None = None
    months_built: int = 0
    construction_paid_usd_bn: float = 0.0
    building_capitalised_usd_bn: float = 0.0
    building_per_gw: float | None = None
    delivered_gw: float = 0.0
    live_gw: float = 0.0
    connected_gw: float = 0.0
    online_gw: float = 0.0

    @property
    def built(self) -> bool:
        """Whether the building is finished."""
        return self.started_month is not None and self.months_built >= self.build_months

    def building_in_progress_usd_bn(self) -> float:
        """Construction in progress on the books: W = max(P - K, 0), P the construction paid so far and K the building
        cost already carried by the project's delivered chips (each cohort carries its GW's share of the building, at
        delivery). A building is counted once: in W while it has no chips, in the chips' cohorts once they arrive."""
        return max(self.construction_paid_usd_bn - self.building_capitalised_usd_bn, 0.0)

    def spread_building_over_chips_to_come(self, building_cost_usd_bn: float) -> None:
        """Set the building cost each GW still to be delivered carries: b = (B - K) / (G - D), B the building's whole
        book cost, K what delivered chips carry already, G the project's GW and D those delivered. Called when the GW to
        come change after the building started (chips cut, the project sold), so the delivered chips end up carrying
        the whole building, no more and no less: nothing stays in progress once they have all come."""
        to_come = self.gw - self.delivered_gw
        if to_come > 1e-12:
            self.building_per_gw = max(building_cost_usd_bn - self.building_capitalised_usd_bn, 0.0) / to_come

    def monthly_construction_usd_bn(self) -> float:
        """Construction capex due this month while the building is under way."""
        if self.started_month is None or self.built:
            return 0.0
        return self.construction_capex_usd_bn / self.build_months


def is_paid_up(project: Project, order: Order | None, month: int) -> bool:
    """Whether the project will never again owe chips or construction nor wait for chips: its building is finished, its
    chip order (if any) is delivered in full, its building's fit-out schedule could have taken every chip by ``month``
    and it has received every GW it was sized for.

    Nothing reopens such a project: chips ship only against undelivered orders, construction is paid only before the
    building is finished, and a fire sale rescales what was paid and what the chips carry by the same factor. Its chip
    term in a lab's payments due by any later month, :meth:`market.physical.chips.ChipMarket.chips_due_usd_bn`, is
    therefore zero for good, and of a fixed type (the schedule is complete), so that sum can skip it.
    """
    if not project.built or project.gw - project.delivered_gw != 0.0:
        return False
    return order is None or (order.delivered_gw >= order.gw
                             and fitted_out_gw(order.gw, order.wanted_month, month, order.fit_out_gw_per_month) == order.gw)


@dataclass
class RegionConstruction:
    """A region's construction start queue and capacity."""

    spec: ConstructionSpec
    capacity_gw_per_month: float
    queue: list[int] = field(default_factory=list)
    started_gw_month: float = 0.0
    cut_gw_month: float = 0.0

    def start_projects(self, projects: dict[int, Project], month: int) -> list[int]:
        """Start queued projects within this month's capacity, first come first served."""
        started: list[int] = []
        self.started_gw_month = 0.0
        while self.queue:
            project = projects[self.queue[0]]
            if self.started_gw_month > 0 and self.started_gw_month + project.gw > self.capacity_gw_per_month + 1e-12:
                break
            if self.started_gw_month == 0 and self.capacity_gw_per_month <= 0:
                break
            self.queue.pop(0)
            project.started_month = month
            self.started_gw_month += project.gw
            started.append(project.id)
        if self.queue or self.cut_gw_month > 1e-12:
            self.capacity_gw_per_month *= 1.0 + self.spec.capacity_growth_per_month
        self.cut_gw_month = 0.0
        return started

    def queued_gw(self, projects: dict[int, Project]) -> float:
        """GW waiting to start construction."""
        return sum(projects[i].gw for i in self.queue)


@dataclass
class Lease:
    """A take-or-pay lease of GW of a cloud's online compute to another lab; ``contract`` names the capacity contract it
    delivers (empty for a lease signed on the open market)."""

    id: int
    lessor: int
    lessee: int
    gw: float
    price_per_gw_month: float
    start_month: int
    end_month: int
    contract: str = ""

    def monthly_payment_usd_bn(self) -> float:
        """What the lessee owes each month, used or not."""
        return self.gw * self.price_per_gw_month
