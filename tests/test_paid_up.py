"""Which projects a lab's payments due may skip for good (market.physical.projects.is_paid_up), on hand-made cases."""

from __future__ import annotations

import numpy as np
import pytest

from market.physical.chips import Order
from market.physical.projects import Project, is_paid_up

WANTED_MONTH, FIT_OUT_GW_PER_MONTH = 5, 0.25  # F(t) = min(1, 0.25 (t - 4)): the building can take all 1 GW from month 8


def _project(**changes: object) -> Project:
    """A 1 GW project whose 2-month building is finished and whose chips have all come."""
    fields = dict(id=1, owner=2, site="US", gw=1.0, maker=3, chip_price_per_gw=30.0, construction_capex_usd_bn=15.0,
                  build_months=2, ordered_month=0, started_month=0, months_built=2, delivered_gw=1.0)
    return Project(**{**fields, **changes})


def _order(**changes: object) -> Order:
    """Its order, delivered in full (early: shipped before its building could take it all)."""
    fields = dict(id=1, lab=2, maker=3, project=1, gw=1.0, price_per_gw=30.0, month=0, wanted_month=WANTED_MONTH,
                  delivered_gw=1.0, fit_out_gw_per_month=FIT_OUT_GW_PER_MONTH)
    return Order(**{**fields, **changes})


def test_a_project_is_paid_up_once_built_delivered_and_fitted_out() -> None:
    """Known answers: built, every GW received and the order delivered in full, it is paid up from the month its fit-out
    schedule completes (month 8), not before (its zero chip term's type could still change); a project without an order
    is paid up once built with its GW received. Fails if the fit-out schedule, the building, the project's or the
    order's GW to come are ignored."""
    assert not is_paid_up(_project(), _order(), 7)
    assert is_paid_up(_project(), _order(), 8) and is_paid_up(_project(), _order(), 100)
    assert not is_paid_up(_project(months_built=1), _order(), 100), "its building is unfinished"
    assert not is_paid_up(_project(started_month=None, months_built=0), _order(), 100), "its building has not started"
    assert not is_paid_up(_project(delivered_gw=0.75), _order(), 100), "GW still to come to the project"
    assert not is_paid_up(_project(), _order(delivered_gw=1.0 - 1e-13), 100), "a sliver of its order still to come"
    assert is_paid_up(_project(), None, 0)
    assert not is_paid_up(_project(delivered_gw=0.5), None, 100)


@pytest.mark.parametrize("price", [30.0, np.float64(30.0)])
def test_a_paid_up_project_s_chip_term_is_a_zero_of_one_type_in_every_later_month(price: float) -> None:
    """From the month a project is paid up, its order's chips due by any later month cost exactly zero, of the type the
    skipped term would have had in the first (numpy when the price is), so skipping it changes no sum's value or type."""
    order = _order(price_per_gw=price, delivered_gw=np.float64(1.0))
    first = next(month for month in range(40) if is_paid_up(_project(), order, month))
    terms = [order.deliverable_gw(by_month) * order.price_per_gw for by_month in range(first, first + 40)]
    assert all(term == 0.0 for term in terms)
    assert {type(term) for term in terms} == {np.float64}
    before = order.deliverable_gw(first - 1) * order.price_per_gw
    assert before == 0.0 and (type(before) is float) is (type(price) is float), "before the schedule completes it may differ"
