"""Placement: labs' build plans cut to what can be delivered, powered and built, shared pro rata when rooms are short.

Every month, once each lab has drafted its plan (how many GW it wants to build), the plans are placed
together, round by round: in round k each lab still holding an unplaced wish tries its k-th preferred
site region (:meth:`agents.lab.Lab.site_preference`). In a site region the wishes are cut in order:

1. chips: to the room left in the booking windows of the chipmakers allowed to ship there
   (infinite when an allowed maker books the order beyond its window, since orders are wanted when
   their building is due ready), shared among the round's wishes that fall inside windows;
2. power: to what the region's utility could connect within the planning horizon
   (:meth:`agents.utility.Utility.powerable_gw_within`);
3. construction: to what the region can start building in time to finish within the horizon (its
   start capacity times the months left after the build time, less the projects waiting to start).

Where a room is short, the labs drawing on it get shares proportional to what they ask (pro-rata
rationing, as a sold-out supplier allocates). What a lab places is reserved for the month. What it
cannot place anywhere is cut, and recorded (``cut_gw_<CAUSE>_<REGION>``) against the regions and
causes that turned it away, in proportion to what each turned away; the allowed chipmakers see the
chips cut as orders turned away, their signal to raise prices and expand, the utility the power cut as
load to build for, and the region's builders the construction cut as a reason to grow.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING

from market.enums import REGIONS, Constraint

if TYPE_CHECKING:
    from agents.lab import Lab
    from market.model import ComputeMarket

EPSILON_GW = 1e-12


class Placement:
    """The month's rooms for new builds (chips, power, construction) and what plans reserved of them.

    Args:
        model: The model.
    """

    def __init__(self, model: ComputeMarket) -> None:
        self.model = model
        self.reserved_power_gw = {region: 0.0 for region in REGIONS}
        self.reserved_construction_gw = {region: 0.0 for region in REGIONS}
        self.reserved_window_gw = 0.0
        self.reserved_own_power_gw: dict[tuple[int, str], float] = defaultdict(float)
        self.power_cuts: dict[tuple[int, str], float] = defaultdict(float)

    def start_month(self) -> None:
        """Forget last month's reservations and power cuts."""
        self.reserved_power_gw = {region: 0.0 for region in REGIONS}
        self.reserved_construction_gw = {region: 0.0 for region in REGIONS}
        self.reserved_window_gw = 0.0
        self.reserved_own_power_gw = defaultdict(float)
        self.power_cuts = defaultdict(float)

    # --- rooms --------------------------------------------------------------------------------
    def chip_room_gw(self, buyer_region: str, site: str) -> float:
        """GW of new orders for ``site`` that the chipmakers allowed to ship there still take this month.

        Infinite when an allowed maker books the order beyond its window; otherwise the room left in the
        allowed makers' windows less what plans this month reserved inside windows.
        """
        procurement = self.model.procurement
        wanted = procurement.wanted_month(site)
        makers = procurement.allowed_makers(buyer_region, site)
        if not makers:
            return 0.0
        if any(wanted >= m.booking_window_end() for m in makers):
            return math.inf
        return max(sum(m.window_room_gw() for m in makers) - self.reserved_window_gw, 0.0)

    def power_room_gw(self, site: str) -> float:
        """GW the site's utility could still connect within the planning horizon, less this month's reservations."""
        horizon = self.model.params.lab_behaviour.planning_horizon_months
        return max(self.model.utilities[site].powerable_gw_within(horizon) - self.reserved_power_gw[site], 0.0)

    def own_power_room_gw(self, lab: Lab, site: str) -> float:
        """GW the lab's own dedicated plants at the site could still power within the planning horizon (online and due
        within it, less its load there connected or waiting), less this month's reservations on them."""
        model = self.model
        if not model.energy.plants:
            return 0.0
        room = model.utilities[site].own_room_gw(lab.account, model.params.lab_behaviour.planning_horizon_months)
        return max(room - self.reserved_own_power_gw[(lab.account, site)], 0.0)

    def construction_room_gw(self, site: str) -> float:
        """Start capacity x max(H - build months, 1) less the projects waiting to start and this month's reservations."""
        model = self.model
        construction = model.construction[site]
        window = max(model.params.lab_behaviour.planning_horizon_months - construction.spec.build_months, 1)
        room = construction.capacity_gw_per_month * window - construction.queued_gw(model.projects)
        return max(room - self.reserved_construction_gw[site], 0.0)

    def unused_room_gw(self, region: str) -> float:
        """GW a lab of ``region`` could still have placed there: the smallest of its chip, power and construction room."""
        return min(self.chip_room_gw(region, region), self.power_room_gw(region), self.construction_room_gw(region))

    def reserve(self, lab: Lab, site: str, gw: float) -> None:
        """Hold ``gw`` of the site's power (the lab's own dedicated room first), construction and (inside windows) chip
        room; a negative ``gw`` gives it back (the grid's first)."""
        key = (lab.account, site)
        if gw >= 0:
            own = min(gw, self.own_power_room_gw(lab, site))
        else:
            own = -min(-gw - min(-gw, self.reserved_power_gw[site]), self.reserved_own_power_gw[key])
        if own:
            self.reserved_own_power_gw[key] += own
        self.reserved_power_gw[site] += gw - own
        self.reserved_construction_gw[site] += gw
        if self.model.procurement.within_windows(site, lab.region):
            self.reserved_window_gw += gw

    # --- placing the month's plans --------------------------------------------------------------
    def place(self, wishes: list[tuple[Lab, float]]) -> dict[int, dict[str, float]]:
        """Place every lab's wish to build (GW), round by round over site preferences; return GW placed by lab and site."""
        preferences = {lab.account: lab.site_preference() for lab, gw in wishes if gw > EPSILON_GW}
        remaining = {lab.account: gw for lab, gw in wishes if gw > EPSILON_GW}
        labs = {lab.account: lab for lab, _ in wishes}
        placed: dict[int, dict[str, float]] = {lab.account: {} for lab, _ in wishes}
        turned_away: dict[int, list[tuple[Constraint, str, float]]] = defaultdict(list)
        rounds = max((len(p) for p in preferences.values()), default=0)
        for rank in range(rounds):
            by_site: dict[str, list[int]] = defaultdict(list)
            for account, preference in preferences.items():
                if remaining[account] > EPSILON_GW and rank < len(preference):
                    by_site[preference[rank]].append(account)
            if not by_site:
                break
            allowed = self._share_chip_room(by_site, labs, remaining)
            for site, accounts in by_site.items():
                own = {a: min(allowed[a], self.own_power_room_gw(labs[a], site)) for a in accounts}
                grid = _ration({a: allowed[a] - own[a] for a in accounts}, self.power_room_gw(site))
                powered = {a: own[a] + grid[a] for a in accounts}
                built = _ration(powered, self.construction_room_gw(site))
                for account in accounts:
                    asked = remaining[account]
                    turned_away[account] += [(Constraint.CHIPS, site, asked - allowed[account]),
                                             (Constraint.POWER, site, allowed[account] - powered[account]),
                                             (Constraint.CONSTRUCTION, site, powered[account] - built[account])]
                    if built[account] > EPSILON_GW:
                        placed[account][site] = placed[account].get(site, 0.0) + built[account]
                        self.reserve(labs[account], site, built[account])
                        remaining[account] -= built[account]
        for account, left in remaining.items():
            self._record_cut(labs[account], left, turned_away[account])
        return placed

    def _share_chip_room(self, by_site: dict[str, list[int]], labs: dict[int, Lab],
                         remaining: dict[int, float]) -> dict[int, float]:
        """Each lab's chip allowance this round: its whole wish beyond the windows, else a pro-rata share of its room."""
        rooms = {a: self.chip_room_gw(labs[a].region, site) for site, accounts in by_site.items() for a in accounts}
        inside = [a for a, room in rooms.items() if math.isfinite(room)]
        asked_inside = sum(remaining[a] for a in inside)
        allowed = {}
        for account, room in rooms.items():
            if math.isfinite(room) and asked_inside > EPSILON_GW:
                allowed[account] = min(remaining[account], room * remaining[account] / asked_inside)
            else:
                allowed[account] = remaining[account]
        return allowed

    def _record_cut(self, lab: Lab, left_gw: float, turned_away: list[tuple[Constraint, str, float]]) -> None:
        """Record the unplaced ``left_gw`` against the regions and causes that turned the lab away, pro rata."""
        refused = sum(gw for _, _, gw in turned_away)
        if left_gw <= EPSILON_GW or refused <= 0:
            return
        model = self.model
        for cause, site, gw in turned_away:
            cut = left_gw * gw / refused
            model.indicators.cut(cause, site, cut)
            if cause is Constraint.CHIPS:
                model.procurement.turn_away_at(model.procurement.allowed_makers(lab.region, site), cut)
            elif cause is Constraint.POWER:
                model.utilities[site].turn_away(cut)
                self.power_cuts[(lab.account, site)] += cut
            elif cause is Constraint.CONSTRUCTION:
                model.construction[site].cut_gw_month += cut


def _ration(asks: dict[int, float], room: float) -> dict[int, float]:
    """Give each ask min(ask, room x ask / total asked): all of it when the room suffices, else pro rata."""
    total = sum(asks.values())
    if total <= room or total <= EPSILON_GW:
        return dict(asks)
    return {account: ask * room / total for account, ask in asks.items()}

