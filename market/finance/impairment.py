"""Impairment of installed compute (IAS 36): each lab's chips at a site written down to what they can recover.

At each quarter's end, for every lab and site region where it owns live chips (a cash-generating unit: its data centres
there), the carrying amount

    B = sum_c G_c k_c r_c

is compared with the recoverable amount R = max(F, U, 0), the higher of

    F = sum_c G_c e_c r_c c_s                      fair value: the compute at what it costs new there today
    U = sum_c G_c (e_c pi - o_s) a(T_c)            value in use: what it earns at the market's rate, less power and upkeep
    a(T) = sum_{tau=1}^{T} (1 + r)^(-tau / 12)     the present value of a month's cash over its T months left

over the unit's live cohorts c: G_c GW, e_c EFLOP/s per GW, k_c the all-in cost per GW it is carried at (chips and
the building they run in, carried together), r_c the share
of its life left (T_c months), c_s the going all-in cost per EFLOP/s of new compute in site region s
(:meth:`market.physical.procurement.Procurement.going_cost_per_eflops_in`: makers' offers weighted by their shares of
new orders), pi the world's AI service revenue per EFLOP/s-month of online compute over the trailing 12 months (held
flat: a chip's output cannot grow, and more compute per dollar of revenue is what the model's market brings), o_s the
power price at s plus ``lab_behaviour.maintenance_usd_bn_per_gw_month`` per GW-month and r = r_f +
``valuation.equity_risk_premium``. Chips waiting for power count as running.

The test runs at each quarter's end (March, June, September, December: listed firms report quarterly, SEC Form 10-Q and
IAS 34, and assess impairment then). When B > R by more than ``finance.impairment_materiality_share`` of the lab's chips'
carrying amount at all its sites, the unit is written down to R, each cohort pro rata to its carrying amount (k_c <- k_c R / B; IAS 36.104
allocates a unit's loss to its assets pro rata). The loss moves no money: it lowers the lab's fixed assets, book equity
and borrowing base, and its depreciation from then on, so its cost per EFLOP/s, its service and lease prices follow.
A loss is never reversed (IAS 36.117 allows it; not modelled). It is reported as ``impairment_usd_bn`` in the agent and
model tables and as ``impairment`` events, and left out of operating profit and the fundamentals' trailing margins (a
one-off, non-cash charge analysts add back). ``finance.impairment_test`` switches the test off.

The opening balance sheet passes the same test: in the first month, once the services market has priced the month
(pi from that month alone), the starting chips are carried at no more than their recoverable amount, as audited balance
sheets are (the set-up books each starting vintage at the start's price per GW with its own generation's FLOP/s). That
write-down is an ``opening_book`` event, not an impairment loss.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from agents.utility import usd_bn_per_gw_month
from market.enums import REGIONS

if TYPE_CHECKING:
    from market.model import ComputeMarket

TRAILING_MONTHS = 12
QUARTER_MONTHS = 3


def annuity_months(months_left: np.ndarray, rate_per_year: float) -> np.ndarray:
    """a(T) = sum_{tau=1}^{T} (1 + r)^(-tau/12): the present value of 1 a month over the next T months."""
    beta = (1.0 + rate_per_year) ** (-1.0 / 12.0)
    months = np.asarray(months_left, dtype=float)
    if beta >= 1.0:
        return months.copy()
    return beta * (1.0 - beta ** months) / (1.0 - beta)


def write_down_units(carrying: np.ndarray, fair: np.ndarray, in_use: np.ndarray, unit: np.ndarray, owner: np.ndarray,
                     materiality_share: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Group cohorts into units and find each unit's loss.

    Args:
        carrying: Each cohort's carrying amount.
        fair: Each cohort's fair value.
        in_use: Each cohort's value in use (may be negative).
        unit: Each cohort's unit key.
        owner: Each cohort's owner (a unit's cohorts share one).
        materiality_share: A unit is written down only when its loss exceeds this share of the carrying amount of all its
            owner's cohorts.

    Returns:
        (units, carried, loss, factor): the unit keys (sorted); each unit's carrying amount B; its loss B - max(F, U, 0)
        where it is material, else 0; and, aligned with the cohorts, the factor R / B each cohort's carrying amount is
        multiplied by (1 where its unit has no loss).
    """
    units, first, inverse = np.unique(unit, return_index=True, return_inverse=True)
    carried = np.bincount(inverse, weights=carrying, minlength=len(units))
    owners, owner_index = np.unique(owner, return_inverse=True)
    owner_carried = np.bincount(owner_index, weights=carrying, minlength=len(owners))[owner_index[first]]
    recoverable = np.maximum(np.maximum(np.bincount(inverse, weights=fair, minlength=len(units)),
                                        np.bincount(inverse, weights=in_use, minlength=len(units))), 0.0)
    impaired = carried - recoverable > np.maximum(materiality_share * owner_carried, 1e-12)
    loss = np.where(impaired, carried - recoverable, 0.0)
    factor = np.where(impaired, recoverable / np.where(carried > 0, carried, 1.0), 1.0)
    return units, carried, loss, factor[inverse]


class ImpairmentTest:
    """The quarterly impairment test of labs' installed chips (module docstring).

    Args:
        model: The model.
    """

    def __init__(self, model: ComputeMarket) -> None:
        self.model = model
        self.revenue_usd_bn: deque[float] = deque(maxlen=TRAILING_MONTHS)
        self.online_eflops: deque[float] = deque(maxlen=TRAILING_MONTHS)
        self.month_usd_bn = np.zeros(0)
        self.total_usd_bn = 0.0
        self.opening_usd_bn = 0.0

    @property
    def month_total_usd_bn(self) -> float:
        """All labs' impairment losses this month."""
        return float(self.month_usd_bn.sum())

    def revenue_per_eflops_month(self) -> float:
        """pi: the world's AI service revenue per EFLOP/s-month of online compute over the trailing 12 months."""
        eflops = sum(self.online_eflops)
        return sum(self.revenue_usd_bn) / eflops if eflops > 0 else 0.0

    def open_books(self) -> None:
        """In the first month, after the services market: carry the starting chips at no more than their recoverable
        amount (pi from this month alone); logged as one ``opening_book`` event, not as an impairment loss."""
        model = self.model
        cohorts = model.cohorts
        rows = np.flatnonzero(cohorts.live())
        eflops = float((cohorts.online_gw[rows] * cohorts.eflops_per_gw[rows]).sum())
        revenue_per_eflops_month = model.month_stats.get("ai_revenue_usd_bn", 0.0) / eflops if eflops > 0 else 0.0
        losses = self._test(rows, revenue_per_eflops_month)
        if losses:
            written = sum(amount for _, _, amount, _ in losses)
            self.opening_usd_bn = written
            carried = sum(carried for _, _, _, carried in losses)
            model.log_event("opening_book", [], f"starting chips carried at their recoverable amount: {written:.3f} $bn below "
                            f"their cost less depreciation in {len(losses)} of the labs' sites ({carried:.3f} $bn)")

    def run(self) -> None:
        """Record this month's revenue and online compute, then test every unit and write the impaired ones down."""
        model = self.model
        cohorts = model.cohorts
        self.month_usd_bn = np.zeros(model.ledger.n_accounts)
        rows = np.flatnonzero(cohorts.live())
        self.revenue_usd_bn.append(model.month_stats.get("ai_revenue_usd_bn", 0.0))
        self.online_eflops.append(float((cohorts.online_gw[rows] * cohorts.eflops_per_gw[rows]).sum()))
        if int(model.date[5:7]) % QUARTER_MONTHS != 0 or model.steps == 1:
            return
        for account, region, amount, carried in self._test(rows, self.revenue_per_eflops_month()):
            self.month_usd_bn[account] += amount
            self.total_usd_bn += amount
            model.log_event("impairment", [model.name_of(account)],
                            f"{amount:.4g} $bn written off its chips in {region} (carried at {carried:.4g}, "
                            f"recoverable {carried - amount:.4g} $bn)")

    def _test(self, rows: np.ndarray, revenue_per_eflops_month: float) -> list[tuple[int, str, float, float]]:
        """Test the units of the live cohorts ``rows`` at ``pi`` and write the impaired ones down; return (account, site
        region, loss, carrying amount before) of each unit written down."""
        model = self.model
        cohorts = model.cohorts
        finance = model.params.finance
        if not finance.impairment_test or rows.size == 0:
            return []
        gw, eflops_per_gw, cost_per_gw = cohorts.gw[rows], cohorts.eflops_per_gw[rows], cohorts.cost_per_gw[rows]
        site, owner = cohorts.site[rows], cohorts.owner[rows]
        months_left = np.clip(cohorts.retire_month[rows] - model.month, 0, None)
        left = months_left / np.maximum(cohorts.retire_month[rows] - cohorts.delivered_month[rows], 1)
        going = np.array([model.procurement.going_cost_per_eflops_in(region) for region in REGIONS])
        maintenance = model.params.lab_behaviour.maintenance_usd_bn_per_gw_month
        upkeep = np.array([usd_bn_per_gw_month(model.utilities[region].price_usd_mwh) + maintenance for region in REGIONS])
        rate = model.equity.risk_free_rate() + model.params.valuation.equity_risk_premium
        carrying = gw * cost_per_gw * left
        fair = gw * eflops_per_gw * left * going[site]
        in_use = gw * (eflops_per_gw * revenue_per_eflops_month - upkeep[site]) * annuity_months(months_left, rate)
        key = owner * len(REGIONS) + site
        units, carried, loss, factor = write_down_units(carrying, fair, in_use, key, owner,
                                                        finance.impairment_materiality_share)
        if not (loss > 0).any():
            return []
        cohorts.cost_per_gw[rows] = cost_per_gw * factor
        written = []
        hit = loss > 0
        for unit, amount, before in zip(units[hit], loss[hit], carried[hit], strict=True):
            account, region = divmod(int(unit), len(REGIONS))
            written.append((account, REGIONS[region], float(amount), float(before)))
        return written
