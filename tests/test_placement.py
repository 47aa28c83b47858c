"""Placement of labs' build plans: cut to chips, power and construction room in order, shared pro rata, recorded where cut.

Each docstring gives the hand-worked answer and names the bug that makes the test fail.
"""

from __future__ import annotations

import math

import pytest

from market.enums import Constraint
from market.model import ComputeMarket
from market.rng import RandomStreams
from tests.conftest import model_after


@pytest.fixture
def model() -> ComputeMarket:
    model = model_after(2)
    model.indicators.start_month()
    model.placement.start_month()
    return model


def _only_site(model: ComputeMarket, names: list[str], site: str) -> list:
    labs = [model.labs[name] for name in names]
    for lab in labs:
        lab.profile.site_regions = [site]
    return labs


def _set_power_room(model: ComputeMarket, site: str, gw: float) -> None:
    """Make the site's utility able to connect exactly ``gw`` within the horizon (no queue, no growth, no new builds)."""
    utility = model.utilities[site]
    utility.queue, utility.pipeline = [], []
    utility.committed_gw = 1.0
    utility.available_gw = 1.0 + gw
    utility.spec.dc_share_of_new_generation = 0.0
    utility.spec.build_rate_limit_gw_per_month = 0.0


def _ample_chips(model: ComputeMarket) -> None:
    """Room in every maker's order book, so chips cut nothing."""
    for maker in model.chipmakers.values():
        maker.capacity_gw_per_month = 100.0


def test_a_lab_whose_sites_can_power_nothing_builds_nothing_and_the_cut_is_power(model) -> None:
    """No power room in its only site region: nothing is placed and its whole 0.4 GW wish is recorded as a power cut
    there; the utility sees it as load to build for. Fails if plans ignore what can be powered."""
    lab, = _only_site(model, ["frontier_lab_c"], "CN")
    _set_power_room(model, "CN", 0.0)
    _ample_chips(model)
    turned_away = model.utilities["CN"].turned_away_gw
    placed = model.placement.place([(lab, 0.4)])
    assert placed[lab.account] == {}
    assert model.indicators.cuts[Constraint.POWER]["CN"] == pytest.approx(0.4)
    assert sum(model.indicators.cuts[c]["CN"] for c in (Constraint.CHIPS, Constraint.CONSTRUCTION)) == 0.0
    assert model.utilities["CN"].turned_away_gw - turned_away == pytest.approx(0.4)


def test_short_power_is_shared_pro_rata_to_what_labs_ask(model) -> None:
    """Two labs ask 3 and 1 GW of a region that can power 2 GW: they get 1.5 and 0.5 (half each) and 2 GW is cut for
    power. Fails if the first lab to plan takes everything."""
    first, second = _only_site(model, ["frontier_lab_c", "cloud_cn_a"], "CN")
    _set_power_room(model, "CN", 2.0)
    model.construction["CN"].capacity_gw_per_month = 100.0
    _ample_chips(model)
    placed = model.placement.place([(first, 3.0), (second, 1.0)])
    assert placed[first.account]["CN"] == pytest.approx(1.5) and placed[second.account]["CN"] == pytest.approx(0.5)
    assert model.indicators.cuts[Constraint.POWER]["CN"] == pytest.approx(2.0)


def test_a_wish_spills_to_the_next_site_region_before_it_is_cut(model) -> None:
    """A lab with two site regions whose first choice can power 0.3 GW places the rest of a 0.5 GW wish in its second
    region, and nothing is cut."""
    lab = model.labs["cloud_us_a"]
    lab.profile.site_regions = ["EU", "ROW"]
    model.streams = RandomStreams(1)
    first = lab.site_preference()[0]
    second = "ROW" if first == "EU" else "EU"
    _set_power_room(model, first, 0.3)
    _set_power_room(model, second, 10.0)
    for site in ("EU", "ROW"):
        model.construction[site].capacity_gw_per_month = 100.0
    model.streams = RandomStreams(1)
    assert lab.site_preference()[0] == first
    model.streams = RandomStreams(1)
    placed = model.placement.place([(lab, 0.5)])
    assert placed[lab.account][first] == pytest.approx(0.3)
    assert placed[lab.account][second] == pytest.approx(0.2)
    assert sum(model.indicators.cuts[c][r] for c in Constraint if c is not Constraint.DEMAND for r in ("EU", "ROW")) == 0.0


def test_construction_room_is_start_capacity_over_the_months_left_to_finish_in_time(model) -> None:
    """EU builds take 24 months and labs plan 24 months ahead: one month of starts, 0.2 GW/month, less what waits.
    A 0.5 GW wish with ample power places 0.2 GW and 0.3 is cut for construction; the region's builders then grow."""
    lab, = _only_site(model, ["frontier_lab_d"], "EU")
    _set_power_room(model, "EU", 10.0)
    construction = model.construction["EU"]
    construction.queue = []
    construction.capacity_gw_per_month = 0.2
    assert model.placement.construction_room_gw("EU") == pytest.approx(0.2)
    placed = model.placement.place([(lab, 0.5)])
    assert placed[lab.account]["EU"] == pytest.approx(0.2)
    assert model.indicators.cuts[Constraint.CONSTRUCTION]["EU"] == pytest.approx(0.3)
    assert construction.cut_gw_month == pytest.approx(0.3)
    construction.start_projects(model.projects, model.month)
    assert construction.capacity_gw_per_month == pytest.approx(0.2 * (1.0 + construction.spec.capacity_growth_per_month))


def test_chip_room_is_infinite_beyond_the_booking_window_and_the_window_s_room_inside_it(model) -> None:
    """US builds (18 months) want chips beyond the 12-month window: unlimited. CN builds (12 months) want them inside:
    the allowed makers' window room."""
    placement = model.placement
    assert math.isinf(placement.chip_room_gw("US", "US"))
    makers = model.procurement.allowed_makers("CN", "CN")
    assert placement.chip_room_gw("CN", "CN") == pytest.approx(sum(m.window_room_gw() for m in makers))


def test_unused_room_is_the_smallest_of_chip_power_and_construction_room(model) -> None:
    """With 0.7 GW of power room and 0.2 GW of construction room in the EU and unlimited chips, 0.2 GW went unwanted."""
    _set_power_room(model, "EU", 0.7)
    model.construction["EU"].queue = []
    model.construction["EU"].capacity_gw_per_month = 0.2
    assert model.placement.unused_room_gw("EU") == pytest.approx(0.2)


def test_a_capital_cut_is_recorded_and_gives_the_room_back(model) -> None:
    """A lab that can pay for half of the 0.4 GW placed for it orders 0.2 GW, records a 0.2 GW capital cut at the site
    and frees 0.2 GW of the power and construction room it had reserved."""
    lab, = _only_site(model, ["frontier_lab_d"], "EU")
    from agents.lab import DraftPlan

    lab.finance = lambda amount: 0.0
    model.placement.reserve(lab, "EU", 0.4)
    spare = 0.5 * lab.plan_spend_within_usd_bn({"EU": 0.4}, 0.0, model.params.finance.funding_horizon_months)
    model.procurement.requests = []
    lab.carry_out(DraftPlan(0.0, 0.4, spare), {"EU": 0.4})
    assert model.indicators.cuts[Constraint.CAPITAL]["EU"] == pytest.approx(0.2)
    assert model.placement.reserved_power_gw["EU"] == pytest.approx(0.2)
    assert model.procurement.requests == [(lab, "EU", pytest.approx(0.2))]


def test_start_requested_cuts_pro_rata_when_windows_are_short_after_all(model) -> None:
    """With the domestic maker the only one selling, two Chinese requests of R each (R its window room) start at half
    and R is a chips cut. Fails if a sold-out window takes every order."""
    procurement = model.procurement
    for maker in model.chipmakers.values():
        maker.dormant = maker.name != "domestic_cn"
    room = model.chipmakers["domestic_cn"].window_room_gw()
    assert room > 0.01
    cn_a, cn_c = model.labs["cloud_cn_a"], model.labs["frontier_lab_c"]
    procurement.requests = [(cn_a, "CN", room), (cn_c, "CN", room)]
    started = {lab.account: len(lab.project_ids) for lab in (cn_a, cn_c)}
    procurement.start_requested()
    assert model.indicators.cuts[Constraint.CHIPS]["CN"] == pytest.approx(room)
    assert all(len(lab.project_ids) > started[lab.account] for lab in (cn_a, cn_c))


def test_window_room_is_shared_pro_rata_among_labs_inside_the_windows(model) -> None:
    """Two Chinese labs (12-month builds, inside the booking windows) each ask for the whole window room R, with power
    and construction to spare: each gets R / 2. Fails if every lab may take the whole room."""
    first, second = _only_site(model, ["frontier_lab_c", "cloud_cn_a"], "CN")
    _set_power_room(model, "CN", 1000.0)
    model.construction["CN"].capacity_gw_per_month = 1000.0
    room = model.placement.chip_room_gw("CN", "CN")
    assert 0.01 < room < math.inf
    placed = model.placement.place([(first, room), (second, room)])
    assert placed[first.account]["CN"] == pytest.approx(room / 2) and placed[second.account]["CN"] == pytest.approx(room / 2)
    assert model.indicators.cuts[Constraint.CHIPS]["CN"] == pytest.approx(room)
