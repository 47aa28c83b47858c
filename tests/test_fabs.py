"""Fabs (issue 17): who pays for a chipmaker's new capacity, what screening takes out, what partners are paid.

Known answers on a baseline model after one month, with the maker's government paying no subsidy.
"""

from __future__ import annotations

import numpy as np
import pytest

from market.fabs import FAB_LIFE_MONTHS, Fab
from market.ledger import PaymentKind
from market.model import ComputeMarket
from market.scenario import load_scenario
from tests.conftest import model_after

GW_PER_MONTH = 0.1


def _commission(model: ComputeMarket, name: str = "incumbent_gpu") -> tuple[object, Fab, float, float]:
    maker = model.chipmakers[name]
    model.governments[maker.region].fab_subsidy_share = 0.0
    cash_before, events_before = maker.cash_usd_bn, len(model.event_log)
    built = model.fabs.commission(maker, GW_PER_MONTH)
    assert built > 0
    return maker, model.fabs.fabs[-1], cash_before, events_before


def test_a_fab_is_paid_by_its_maker_and_partners_in_their_shares_and_built_to_the_money() -> None:
    """The maker pays (1 - s) C, the partners s C (nothing caps them here), the fab makes (paid) / k GW a month from
    the lead time on, the partners hold s of it pro rata to what they paid, and the maker books only its own part."""
    model = model_after(1)
    maker = model.chipmakers["incumbent_gpu"]
    assets_before = maker.fixed_assets_usd_bn
    maker, fab, cash_before, _ = _commission(model)
    spec = maker.spec
    capex = GW_PER_MONTH * spec.capacity_capex_usd_bn_per_gw_month
    share = spec.fab_partner_share
    assert cash_before - maker.cash_usd_bn == pytest.approx((1 - share) * capex)
    assert fab.maker_paid_usd_bn == pytest.approx((1 - share) * capex)
    assert fab.capex_usd_bn == pytest.approx(capex)
    assert fab.capacity_gw_per_month == pytest.approx(GW_PER_MONTH)
    assert fab.stakes.sum() == pytest.approx(share)
    assert (fab.stakes > 0).all() and set(fab.partners) <= set(model.investors.accounts)
    assert maker.fixed_assets_usd_bn - assets_before == pytest.approx((1 - share) * capex)
    assert maker.capacity_pipeline[-1] == (model.month + spec.capacity_lead_time_months, pytest.approx(GW_PER_MONTH))
    assert not fab.producing(model.month + spec.capacity_lead_time_months - 1)
    assert fab.producing(model.month + spec.capacity_lead_time_months)


def test_screened_partners_put_in_nothing_nobody_replaces_them_and_the_fab_is_smaller() -> None:
    """Under US screening of China and the Gulf no partner of a US fab is from there, the fab is built with what the
    others committed (s C less the barred partners' would-be money, logged as blocked and naming the maker)."""
    model = ComputeMarket(load_scenario("investment-block"), rng=1)
    model.step()
    blocked_before = model.capital.blocked_investment_usd_bn
    maker, fab, _, events_before = _commission(model)
    barred = model.investors.accounts[np.isin(model.investors.regions, ["CN", "GULF"])]
    assert not set(fab.partners) & set(barred)
    blocked = [e for e in model.event_log[events_before:] if e["kind"] == "investment_blocked"]
    assert len(blocked) == 1 and blocked[0]["actors"] == maker.name
    barred_money = model.capital.blocked_investment_usd_bn - blocked_before
    capex = GW_PER_MONTH * maker.spec.capacity_capex_usd_bn_per_gw_month
    share = maker.spec.fab_partner_share
    assert barred_money > 0
    assert fab.capex_usd_bn == pytest.approx(capex - barred_money)
    assert fab.capacity_gw_per_month == pytest.approx(fab.capex_usd_bn / maker.spec.capacity_capex_usd_bn_per_gw_month)
    assert fab.stakes.sum() == pytest.approx((share * capex - barred_money) / fab.capex_usd_bn)


def test_partners_are_paid_their_share_of_a_producing_fab_s_margin() -> None:
    """Partners with 20% and 10% of a fab making half its maker's capacity get 10% and 5% of a 10 $bn margin; nothing
    is paid on a loss or before the fab produces."""
    model = model_after(1)
    maker = model.chipmakers["incumbent_gpu"]
    a, b = (int(x) for x in model.investors.accounts[:2])
    fab = Fab(len(model.fabs.fabs), maker.account, "US", 0.5 * maker.capacity_gw_per_month, 5.0, 3.5, model.month - 20,
              model.month, np.array([a, b]), np.array([0.2, 0.1]))
    model.fabs.fabs.append(fab)
    before = model.ledger.balances
    assert model.fabs.pay_partners(maker, -3.0) == 0.0
    assert model.fabs.pay_partners(maker, 10.0) == pytest.approx(1.5)
    after = model.ledger.balances
    assert after[a] - before[a] == pytest.approx(1.0)
    assert after[b] - before[b] == pytest.approx(0.5)
    assert before[maker.account] - after[maker.account] == pytest.approx(1.5)
    assert model.ledger.current_flows().total((PaymentKind.FAB_PARTNER_SHARE,)) == pytest.approx(1.5)
    fab.producing_month = model.month + 1
    assert model.fabs.pay_partners(maker, 10.0) == 0.0


def test_a_partner_s_stake_counts_at_book_so_paying_in_leaves_its_portfolio_value_unchanged() -> None:
    """Money a partner puts into a fab leaves its cash and enters its portfolio at book (the fab's capex times its
    stake, straight line over the fab's life)."""
    model = model_after(1)
    values_before = {int(a): model.equity.portfolio_values(int(a))[0] for a in model.investors.accounts}
    book_before = model.fabs.partner_book_usd_bn(model.ledger.n_accounts).copy()
    _, fab, _, _ = _commission(model)
    book_after = model.fabs.partner_book_usd_bn(model.ledger.n_accounts)
    for account, stake in zip(fab.partners, fab.stakes, strict=True):
        assert model.equity.portfolio_values(int(account))[0] == pytest.approx(values_before[int(account)], rel=1e-9)
        assert book_after[account] - book_before[account] == pytest.approx(stake * fab.capex_usd_bn)
    assert fab.book_share(fab.start_month + FAB_LIFE_MONTHS // 4) == pytest.approx(0.75)


def test_closed_lines_close_in_every_fab_and_a_default_passes_fabs_on_or_loses_them() -> None:
    """Closing 5% of a maker's lines closes 5% of each fab (its capacity and book); a sold maker's fabs pass to the buyer with their partners;
    fabs closed with no buyer are their partners' loss at book."""
    model = model_after(1)
    maker, fab, _, _ = _commission(model)
    capex = fab.capex_usd_bn
    model.fabs.close_share(maker.account, 0.05)
    assert fab.capacity_gw_per_month == pytest.approx(0.95 * GW_PER_MONTH)
    assert fab.capex_usd_bn == pytest.approx(0.95 * capex)
    buyer = model.chipmakers["challenger_gpu"]
    model.fabs.transfer(maker.account, buyer.account)
    assert fab.maker == buyer.account and fab.stakes.sum() > 0
    at_book = sum(f.stakes.sum() * f.capex_usd_bn * f.book_share(model.month) for f in model.fabs.of_maker(buyer.account))
    assert at_book > maker.spec.fab_partner_share * fab.capex_usd_bn * 0.99 > 0
    lost = model.fabs.close_all(buyer.account)
    assert lost == pytest.approx(at_book)
    assert fab.capacity_gw_per_month == 0.0 and fab.stakes.sum() == 0.0
