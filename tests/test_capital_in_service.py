"""What a valuation counts as capital: the chips that run earn today's revenue; what does not run yet counts at book.

Each docstring names the bug that makes the test fail.
"""

from __future__ import annotations

import numpy as np
import pytest

from market.finance.fundamentals import Line, TrailingAccounts
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


def test_a_firm_s_value_counts_its_capital_not_in_service_at_book() -> None:
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


def test_each_lab_s_capital_in_service_is_the_book_value_of_what_runs() -> None:
    """After a year of the baseline, every lab's capital in service is the book value of its chips that run (and its
    plants online), and at least one lab holds idle chips, so the two measures differ. Fails if the model hands the
    valuation the book value of all its chips, idle ones included."""
    model = model_after(12)
    n = model.ledger.n_accounts
    online = model.cohorts.net_book_value_by_owner(model.month, n, online_only=True)
    every = model.cohorts.net_book_value_by_owner(model.month, n)
    for lab in model.labs.values():
        plants = model.energy.book_value_usd_bn(lab.account, online_only=True)
        assert lab.capital_in_service_usd_bn == pytest.approx(online[lab.account] + plants), lab.name
    assert max(every[lab.account] - online[lab.account] for lab in model.labs.values()) > 1.0


def test_capital_put_to_work_lately_is_what_its_trailing_mean_leaves_out() -> None:
    """13 months of capital in service, 100 for the first 7 and 160 for the last 6: the trailing twelve months' mean
    is 130, so 30 of today's 160 earns what the trailing revenue does not yet show; after a retirement to 40 it is
    40 - 125 = -85. Fails if the latest month is taken for the mean or older months leak in."""
    trailing = TrailingAccounts(2)
    for month in range(13):
        record = np.zeros((len(Line), 2))
        record[Line.CAPITAL, 1] = 100.0 if month < 7 else 160.0
        trailing.add_record(record)
    assert trailing.capital_beyond_mean()[1] == pytest.approx(30.0)
    record = np.zeros((len(Line), 2))
    record[Line.CAPITAL, 1] = 40.0
    trailing.add_record(record)
    assert trailing.capital_beyond_mean()[1] == pytest.approx(40.0 - (5 * 100.0 + 6 * 160.0 + 40.0) / 12)


def test_a_firm_s_value_counts_its_capital_beyond_the_trailing_mean_at_book(monkeypatch) -> None:
    """10 $bn more of a hyperscaler's capital in service beyond its trailing mean raise its own equity value by 10 $bn.
    Fails if a valuation drops what capital put to work lately is worth until the trailing months show its revenue."""
    model = model_after(3)
    lab, equity = model.labs["cloud_us_a"], model.equity
    position = equity.firms.index(lab)
    before = equity._own_values()[position]
    assert before > lab.own_book_equity_usd_bn() + 10.0
    beyond = equity.trailing.capital_beyond_mean()
    beyond[lab.account] += 10.0
    monkeypatch.setattr(equity.trailing, "capital_beyond_mean", lambda: beyond)
    assert equity._own_values()[position] == pytest.approx(before + 10.0)
