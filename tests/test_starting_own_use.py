"""Clouds keep their starting compute not leased for their own services (``lab_behaviour.starting_own_use_share``)."""

from __future__ import annotations

import numpy as np
import pytest

from market.enums import LabRole
from market.model import ComputeMarket
from market.parameters.scenario import load_scenario


def _market(share: float) -> ComputeMarket:
    return ComputeMarket(load_scenario("baseline", [("lab_behaviour.starting_own_use_share", share),
                                                    ("run.steps", 2)]), rng=1)


def test_a_cloud_selling_services_keeps_its_share_of_the_free_gw_and_a_cloud_selling_none_keeps_nothing() -> None:
    """Known answer at set-up: with share s, a cloud that sells AI services can lease (1 - s) of the GW it could with
    none kept; a cloud that sells none (the CoreWeave-like) can lease all of it. Fails if the share is ignored, or if
    a cloud selling no services keeps idle compute from lessees."""
    none, half = _market(0.0), _market(0.5)
    selling = [cloud for cloud in none.labs_by_role(LabRole.CLOUD) if cloud.profile.sells_services]
    assert sum(none.leases.free_gw(cloud) for cloud in selling) > 1.0
    for cloud in none.labs_by_role(LabRole.CLOUD):
        free = none.leases.free_gw(cloud)
        kept = 0.5 if cloud.profile.sells_services else 0.0
        assert half.leases.free_gw(half.labs[cloud.name]) == pytest.approx((1.0 - kept) * free, rel=1e-9, abs=1e-12), \
            cloud.name
    assert not none.labs["cloud_us_d"].profile.sells_services and none.leases.free_gw(none.labs["cloud_us_d"]) > 0.1


def test_what_a_cloud_keeps_falls_as_its_starting_chips_retire() -> None:
    """K_t = K_0 L_t / L_0: retire 40% of a cloud's starting GW and, the next month, it keeps 60% of what it kept; its
    chips delivered since the start do not count. Fails if what it keeps never falls, or falls with all its chips."""
    model = _market(1.0)
    cloud = model.labs["cloud_us_a"]
    book, cohorts = model.leases, model.cohorts
    kept_0 = book.own_use_kept_gw(cloud.account)
    assert kept_0 > 0.1 and book.free_gw(cloud) == 0.0
    rows = cohorts.rows_of_owner(cloud.account)
    starting = rows[cohorts.delivered_month[rows] < model.start_month]
    live_0 = float(cohorts.gw[starting].sum())
    chosen = starting[np.cumsum(cohorts.gw[starting]) <= 0.4 * live_0]
    retired = cohorts.retire_rows(chosen)
    cohorts.add(owner=cloud.account, maker=1, project=-1, site=0, gw=5.0, eflops_per_gw=1.0,
                delivered_month=model.start_month, life_months=60, cost_per_gw=1.0)
    model.month += 1
    assert book.own_use_kept_gw(cloud.account) == pytest.approx(kept_0 * (live_0 - retired) / live_0, rel=1e-9)
