"""Headline indicators of the build-out (issue 4): GW added per week, compute shares and what binds.

``gw_added_per_week`` is the world's gross GW brought online over the trailing 12 months (online GW
this month minus last month's, plus GW retired this month) divided by 52.18 weeks.
``cut_gw_<CAUSE>_<REGION>`` records, where it happens, how many GW of labs' plans for sites in the region
were cut this month and why. A plan is cut in order (:meth:`agents.lab.Lab.plan`):

- ``chips``: more than chipmakers allowed to ship there can take in their booking windows (and open
  orders cancelled by export rules, and orders lost when every allowed maker is sold out);
- ``power``: more than the region's utility could connect within the planning horizon;
- ``construction``: more than the region can start building in time to finish within the horizon;
- ``capital``: what the lab could not pay for with its cash and the money it raised;
- ``demand``: not a cut but the room left: the GW the region could still have taken this month (the
  smallest of its chip, power and construction room) once every lab had planned.

``constraint_<REGION>`` is the supply cause (chips, power, construction or capital) that cut most that
month, or ``demand`` when none cut more than ``BINDING_SHARE`` of the region's online GW (at least
``BINDING_FLOOR_GW``): labs built what they wanted.

``fleet_value_to_book`` values the installed chips at what their compute would cost new today:
V/B = sum_c E_c r_c c_s(c) / sum_c G_c k_c r_c, with E_c a live cohort's EFLOP/s, G_c its GW, k_c
the all-in cost per GW paid for it (chips and building), r_c the share of its life left and c_s
the going all-in cost per EFLOP/s of new compute in its site region: the makers' costs per EFLOP/s
weighted by their shares of new orders (:meth:`market.physical.procurement.Procurement.going_cost_per_eflops_in`),
so a cheap offer that sells little moves it little (the lowest offer alone put the baseline's fleet
at ~0.55 of book in 2025, when labs were paying about what they had paid for it). It is about 1 for
chips just bought at the going price and falls as cheaper compute per EFLOP/s takes the market: how
fast older chips lose value.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from market.enums import REGIONS, SUPPLY_CUTS, Constraint

if TYPE_CHECKING:
    from market.model import ComputeMarket

WEEKS_PER_YEAR = 365.25 / 7.0
BINDING_SHARE = 0.01
BINDING_FLOOR_GW = 0.005


class Indicators:
    """Tracks gross additions and this month's cuts of labs' plans by cause and region; read by the model table.

    Args:
        model: The model.
    """

    def __init__(self, model: ComputeMarket) -> None:
        self.model = model
        self.additions: deque[float] = deque(maxlen=12)
        self.previous_online_gw: float | None = None
        self.previous_retired_gw = 0.0
        self.gw_added_per_week = 0.0
        self.cuts: dict[Constraint, dict[str, float]] = self._zero_cuts()

    @staticmethod
    def _zero_cuts() -> dict[Constraint, dict[str, float]]:
        return {cause: {region: 0.0 for region in REGIONS} for cause in Constraint}

    def start_month(self) -> None:
        """Reset this month's cuts."""
        self.cuts = self._zero_cuts()

    def cut(self, cause: Constraint, region: str, gw: float) -> None:
        """Record ``gw`` of planned build-out in ``region`` cut by ``cause`` this month."""
        if gw > 0:
            self.cuts[cause][region] += gw

    def update(self) -> None:
        """Compute this month's indicators (after projects, before data collection)."""
        model = self.model
        totals = model.cohorts.totals()
        online, retired = totals["online_gw"], totals["retired_gw"]
        if self.previous_online_gw is not None:
            self.additions.append(max(online - self.previous_online_gw + retired - self.previous_retired_gw, 0.0))
        self.previous_online_gw, self.previous_retired_gw = online, retired
        self.gw_added_per_week = sum(self.additions) / WEEKS_PER_YEAR

    def binding(self, region: str, online_gw: float) -> Constraint:
        """The supply cause that cut the region's plans most this month, or ``demand`` when none cut much."""
        cause = max(SUPPLY_CUTS, key=lambda c: self.cuts[c][region])
        gw = self.cuts[cause][region]
        return cause if gw > max(BINDING_SHARE * online_gw, BINDING_FLOOR_GW) else Constraint.DEMAND


def fleet_value_to_book(model: ComputeMarket) -> float:
    """Replacement value of the installed chips over their net book value (see the module docstring)."""
    cohorts = model.cohorts
    n = cohorts.n
    live = cohorts.live()
    if not live.any():
        return 0.0
    cost_per_eflops = np.array([model.procurement.going_cost_per_eflops_in(region) for region in REGIONS])
    life = np.maximum(cohorts.retire_month[:n] - cohorts.delivered_month[:n], 1)
    left = np.clip(cohorts.retire_month[:n] - model.month, 0, None) / life * live
    book = float((cohorts.gw[:n] * cohorts.cost_per_gw[:n] * left).sum())
    value = float((cohorts.gw[:n] * cohorts.eflops_per_gw[:n] * left * cost_per_eflops[cohorts.site[:n]]).sum())
    return value / book if book > 0 else 0.0
