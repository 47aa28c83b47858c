"""What a valuation counts as capital: the chips that run earn today's revenue; what does not run yet counts at cost.

Each docstring names the bug that makes the test fail.
"""

from __future__ import annotations

import pytest

from market.physical.compute import CohortTable
from tests.conftest import model_after


def test_idle_chips_are_not_capital_in_service() -> None:
    """Two 1 GW cohorts bought at 30 $bn a GW with 60-month lives, one running and one idle: after 12 months both are
    at 48/60 of cost, 48 $bn at book, of which the 24 of the running one are in service. Fails if chips idle for want
    of a building or power count as capital earning today's revenue (a lab's sales-to-capital would fall the month its
    chips arrive, months before they earn)."""
    cohorts = CohortTable()
    for online in (True, False):
        cohorts.add(owner=1, maker=2, project=0, site=0, gw=1.0, eflops_per_gw=1.0, delivered_month=0, life_months=60,
                    cost_per_gw=30.0, online=online)
    assert cohorts.net_book_value_by_owner(12, 3)[1] == pytest.approx(48.0)
    assert cohorts.net_book_value_by_owner(12, 3, online_only=True)[1] == pytest.approx(24.0)


def test_a_firm_s_value_counts_its_capital_not_in_service_at_cost() -> None:
    """10 $bn more of a hyperscaler's fixed assets that do not run yet (a building under construction) raise its own
    equity value by 10 $bn: paying cash for them moves no value until they earn. Fails if a valuation drops what a firm
    has paid for and not yet put to work (its value would fall by what it spends on chips waiting for power)."""
    model = model_after(3)
    lab, equity = model.labs["cloud_us_a"], model.equity
    position = equity.firms.index(lab)
    before = equity._own_values()[position]
    assert before > lab.own_book_equity_usd_bn() + 10.0
    idle = lab.capital_not_in_service_usd_bn
    lab.fixed_assets_usd_bn += 10.0
    assert lab.capital_not_in_service_usd_bn == pytest.approx(idle + 10.0)
    assert equity._own_values()[position] == pytest.approx(before + 10.0)
