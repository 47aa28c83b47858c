"""Headline indicators of the build-out (issue 4): GW added per week, compute shares and what binds.

``gw_added_per_week`` is the world's gross GW brought online over the trailing 12 months (online GW
this month minus last month's, plus GW retired this month) divided by 52.18 weeks.
``constraint_<REGION>`` names what held the region back this month, as the largest shortfall:

- ``chips``: GW of chip orders for projects sited in the region that were due and not delivered,
  GW refused there by export rules, and GW its labs could not order because chipmakers were sold out;
- ``power``: GW of delivered chips in finished buildings in the region waiting for a connection;
- ``capital``: GW that labs headquartered in the region wanted and cut for lack of money;
- ``demand``: none of these exceeds ``BINDING_SHARE`` of the region's online GW (at least
  ``BINDING_FLOOR_GW``): labs build what they want.

``fleet_value_to_book`` values the installed chips at what their compute would cost new today:
V/B = sum_c E_c r_c c_s(c) / sum_c G_c k_c r_c, with E_c a live cohort's EFLOP/s, G_c its GW, k_c
the all-in cost per GW paid for it (chips and building), r_c the share of its life left and c_s
the lowest all-in cost per EFLOP/s of new compute a lab of its site region may buy now. It is 1
for chips just bought at the best price and falls as cheaper compute per EFLOP/s arrives: how
fast older chips lose value.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from market.enums import REGIONS, Constraint

if TYPE_CHECKING:
    from market.model import ComputeMarket

WEEKS_PER_YEAR = 365.25 / 7.0
BINDING_SHARE = 0.01
BINDING_FLOOR_GW = 0.005


class Indicators:
    """Tracks gross additions and per-region shortfalls; read by the model table.

    Args:
        model: The model.
    """

    def __init__(self, model: ComputeMarket) -> None:
        self.model = model
        self.additions: deque[float] = deque(maxlen=12)
        self.previous_online_gw: float | None = None
        self.previous_retired_gw = 0.0
        self.gw_added_per_week = 0.0
        self.capital_short_gw = {region: 0.0 for region in REGIONS}
        self.blocked_gw = {region: 0.0 for region in REGIONS}
        self.chip_short_gw = {region: 0.0 for region in REGIONS}
        self.shortfalls: dict[str, dict[Constraint, float]] = {}

    def start_month(self) -> None:
        """Reset this month's shortfalls recorded during the step."""
        self.capital_short_gw = {region: 0.0 for region in REGIONS}
        self.blocked_gw = {region: 0.0 for region in REGIONS}
        self.chip_short_gw = {region: 0.0 for region in REGIONS}

    def update(self) -> None:
        """Compute this month's indicators (after projects, before data collection)."""
        model = self.model
        totals = model.cohorts.totals()
        online, retired = totals["online_gw"], totals["retired_gw"]
        if self.previous_online_gw is not None:
            self.additions.append(max(online - self.previous_online_gw + retired - self.previous_retired_gw, 0.0))
        self.previous_online_gw, self.previous_retired_gw = online, retired
        self.gw_added_per_week = sum(self.additions) / WEEKS_PER_YEAR
        self.shortfalls = self._shortfalls()

    def _shortfalls(self) -> dict[str, dict[Constraint, float]]:
        model = self.model
        out = {region: {Constraint.CHIPS: self.blocked_gw[region] + self.chip_short_gw[region], Constraint.POWER: 0.0,
                        Constraint.CAPITAL: self.capital_short_gw[region]} for region in REGIONS}
        for book in model.chip_market.orders.values():
            for order in book:
                if order.wanted_month <= model.month:
                    out[model.projects[order.project].site][Constraint.CHIPS] += order.remaining_gw
        for project in model.projects.values():
            if project.built:
                out[project.site][Constraint.POWER] += max(project.live_gw - project.connected_gw, 0.0)
        return out

    def binding(self, region: str, online_gw: float) -> Constraint:
        """The constraint binding the region this month (``demand`` when nothing else does)."""
        shortfalls = self.shortfalls.get(region, {})
        if not shortfalls:
            return Constraint.DEMAND
        constraint, gw = max(shortfalls.items(), key=lambda item: item[1])
        return constraint if gw > max(BINDING_SHARE * online_gw, BINDING_FLOOR_GW) else Constraint.DEMAND


def fleet_value_to_book(model: ComputeMarket) -> float:
    """Replacement value of the installed chips over their net book value (see the module docstring)."""
    cohorts = model.cohorts
    n = cohorts.n
    live = cohorts.live()
    if not live.any():
        return 0.0
    cost_per_eflops = np.zeros(len(REGIONS))
    for index, region in enumerate(REGIONS):
        eflops_per_gw, cost_per_gw = model.procurement.best_offer_in(region)
        cost_per_eflops[index] = cost_per_gw / eflops_per_gw if eflops_per_gw > 0 else 0.0
    life = np.maximum(cohorts.retire_month[:n] - cohorts.delivered_month[:n], 1)
    left = np.clip(cohorts.retire_month[:n] - model.month, 0, None) / life * live
    book = float((cohorts.gw[:n] * cohorts.cost_per_gw[:n] * left).sum())
    value = float((cohorts.gw[:n] * cohorts.eflops_per_gw[:n] * left * cost_per_eflops[cohorts.site[:n]]).sum())
    return value / book if book > 0 else 0.0
