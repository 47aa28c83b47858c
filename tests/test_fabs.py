"""Fabs (issue 17): who pays for a chipmaker's new capacity, what screening takes out, what partners are paid.

Known answers on a baseline model after one month, with the maker's government paying no subsidy.
"""

from __future__ import annotations

import numpy as np
import pytest

from market.enums import ExposureChannel
from market.finance.ledger import PaymentKind
from market.model import ComputeMarket
from market.parameters.scenario import load_scenario
from market.physical.fabs import FAB_LIFE_MONTHS, Fab
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
    """Partners with 20% and 10% of a fab making half its maker's capacity get 10% and 5% of a 10 $bn margin when the
    chips cost 20 $bn to make (a foundry's margin, 1.28 x 20, is more); on 4 $bn of production cost the fab's margin is
    1.28 x 4 = 5.12 $bn of the maker's 10 (the rest is the maker's design rent); nothing is paid on a loss or before
    the fab produces."""
    model = model_after(1)
    maker = model.chipmakers["incumbent_gpu"]
    a, b = (int(x) for x in model.investors.accounts[:2])
    fab = Fab(len(model.fabs.fabs), maker.account, "US", 0.5 * maker.capacity_gw_per_month, 5.0, 3.5, model.month - 20,
              model.month, np.array([a, b]), np.array([0.2, 0.1]))
    model.fabs.fabs.append(fab)
    before = model.ledger.balances
    assert maker.spec.fab_margin_over_cost == pytest.approx(1.28)
    assert model.fabs.pay_partners(maker, -3.0, 20.0) == 0.0
    assert model.fabs.pay_partners(maker, 10.0, 20.0) == pytest.approx(1.5)
    after = model.ledger.balances
    assert after[a] - before[a] == pytest.approx(1.0)
    assert after[b] - before[b] == pytest.approx(0.5)
    assert before[maker.account] - after[maker.account] == pytest.approx(1.5)
    assert model.ledger.current_flows().total((PaymentKind.FAB_PARTNER_SHARE,)) == pytest.approx(1.5)
    assert model.fabs.pay_partners(maker, 10.0, 4.0) == pytest.approx(0.15 * 1.28 * 4.0)
    fab.producing_month = model.month + 1
    assert model.fabs.pay_partners(maker, 10.0, 20.0) == 0.0


def test_a_partner_s_stake_counts_at_book_so_paying_in_leaves_its_portfolio_value_unchanged() -> None:
    """Money a partner puts into a fab leaves its cash and enters its portfolio at book (the fab's capex times its
    stake, written off by 1/life a month as the maker writes off its own fixed assets)."""
    model = model_after(1)
    values_before = {int(a): model.equity.portfolio_values(int(a))[0] for a in model.investors.accounts}
    book_before = model.fabs.partner_book_usd_bn(model.ledger.n_accounts).copy()
    _, fab, _, _ = _commission(model)
    assert fab.partners.size
    book_after = model.fabs.partner_book_usd_bn(model.ledger.n_accounts)
    for account, stake in zip(fab.partners, fab.stakes, strict=True):
        assert model.equity.portfolio_values(int(account))[0] == pytest.approx(values_before[int(account)], rel=1e-9)
        assert book_after[account] - book_before[account] == pytest.approx(stake * fab.capex_usd_bn)
    assert fab.book_share(fab.start_month + 30) == pytest.approx((1 - 1 / FAB_LIFE_MONTHS) ** 30)


def test_closed_lines_close_in_every_fab_and_a_default_passes_fabs_on_or_loses_them() -> None:
    """Closing 5% of a maker's lines closes 5% of each fab (its capacity and book); a sold maker's fabs pass to the buyer with their partners;
    fabs closed with no buyer are their partners' loss at book."""
    model = model_after(1)
    maker, fab, _, _ = _commission(model)
    fab.producing_month = model.month - 1
    capex = fab.capex_usd_bn
    model.fabs.close_share(maker.account, 0.05)
    assert fab.capacity_gw_per_month == pytest.approx(0.95 * GW_PER_MONTH)
    assert fab.capex_usd_bn == pytest.approx(0.95 * capex)
    buyer = model.chipmakers["challenger_gpu"]
    model.fabs.transfer(maker.account, buyer.account)
    assert fab.maker == buyer.account and fab.stakes.sum() > 0
    at_book = sum(f.stakes.sum() * f.capex_usd_bn * f.book_share(model.month) for f in model.fabs.of_maker(buyer.account))
    assert at_book > maker.spec.fab_partner_share * fab.capex_usd_bn * 0.99 > 0
    first_partner, first_book = int(fab.partners[0]), float(fab.stakes[0]) * fab.capex_usd_bn * fab.book_share(model.month)
    lost = model.fabs.close_all(buyer.account)
    assert sum(lost.values()) == pytest.approx(at_book)
    assert lost[first_partner] >= first_book > 0
    assert fab.capacity_gw_per_month == 0.0 and fab.stakes.sum() == 0.0


def test_a_network_s_fabs_stand_in_its_regions_in_turn_with_its_anchor_and_the_host_s_screening() -> None:
    """A maker with fab regions US, GULF, ROW builds its next three fabs there in turn; its anchor lab pays its share
    of each (as far as its cash goes) and holds it; under US screening of Gulf investors none of them is a partner in
    the US fab, while the Gulf fab (hosted by a government that screens no one) takes Gulf money."""
    model = ComputeMarket(load_scenario("investment-block", [("chipmakers.custom_asic.fab_regions", ["US", "GULF", "ROW"]),
                                                              ("chipmakers.custom_asic.fab_partner_share", 0.8),
                                                              ("chipmakers.custom_asic.anchor_partner", "frontier_lab_a"),
                                                              ("chipmakers.custom_asic.anchor_share", 0.2)]), rng=1)
    maker, lab = model.chipmakers["custom_asic"], model.labs["frontier_lab_a"]
    for government in model.governments.values():
        government.fab_subsidy_share = 0.0
    model.fabs.fabs = [fab for fab in model.fabs.fabs if fab.maker != maker.account]
    gulf = set(model.investors.accounts[model.investors.regions == "GULF"].tolist())
    fabs = []
    for _ in range(3):
        lab_cash = lab.cash_usd_bn
        assert model.fabs.commission(maker, GW_PER_MONTH) > 0
        fab = model.fabs.fabs[-1]
        capex = GW_PER_MONTH * maker.spec.capacity_capex_usd_bn_per_gw_month
        assert lab_cash - lab.cash_usd_bn == pytest.approx(0.2 * capex)
        assert fab.partners[0] == lab.account and fab.stakes[0] == pytest.approx(0.2 * capex / fab.capex_usd_bn)
        fabs.append(fab)
    assert [fab.region for fab in fabs] == ["US", "GULF", "ROW"]
    assert not gulf & set(fabs[0].partners.tolist())
    assert gulf & set(fabs[1].partners.tolist())
    assert lab.book_equity_usd_bn() == pytest.approx(
        lab.cash_usd_bn + lab.fixed_assets_usd_bn + sum(f.stakes[0] * f.capex_usd_bn for f in fabs)
        + model.capital.stake_book.held_by(lab.account) + model.ledger.claims_receivable(lab.account) - lab.debt_usd_bn
        - model.ledger.claims_payable(lab.account))


def test_idle_lines_close_in_producing_fabs_only_and_partners_are_paid_from_the_month_s_margin() -> None:
    """A maker closing idle lines closes 5% of its producing fabs and none of a fab still being built (its capacity
    arrives whole); the month's close pays producing fabs' partners from the chip margin, voluntarily (no claim when
    the maker's cash is short)."""
    model = model_after(1)
    maker = model.chipmakers["incumbent_gpu"]
    a = int(model.investors.accounts[0])
    producing = Fab(len(model.fabs.fabs), maker.account, "US", 0.5 * maker.capacity_gw_per_month, 5.0, 2.55,
                    model.month - 20, model.month - 1, np.array([a]), np.array([0.49]))
    model.fabs.fabs.append(producing)
    _, building, _, _ = _commission(model)
    built, before = building.capacity_gw_per_month, producing.capacity_gw_per_month
    maker.utilisation = 0.0
    assert maker.close_idle_lines(0.0) > 0
    assert producing.capacity_gw_per_month == pytest.approx(0.95 * before)
    assert producing.capex_usd_bn == pytest.approx(0.95 * 5.0)
    assert building.capacity_gw_per_month == built
    claims = model.ledger.total_claims()
    model.ledger.pay_up_to(maker.account, int(model.investors.accounts[1]), maker.cash_usd_bn, PaymentKind.DIVIDEND)
    assert model.fabs.pay_partners(maker, 10.0, 20.0) == 0.0
    assert model.ledger.total_claims() == claims


def test_a_defaulted_maker_s_fab_partners_book_their_loss_when_its_lines_close_with_no_buyer() -> None:
    """With no maker at home to buy its lines, a defaulted maker's fabs close and each partner books a loss of its
    stake at book through the fab-partnership channel, logged as one losses event."""
    model = model_after(1)
    maker = model.chipmakers["domestic_cn"]
    _, fab, _, _ = _commission(model, "domestic_cn")
    partner = int(fab.partners[0])
    at_book = sum(float(f.stakes[list(f.partners).index(partner)]) * f.capex_usd_bn * f.book_share(model.month)
                  for f in model.fabs.of_maker(maker.account) if partner in f.partners)
    others = {m.account for m in model.chipmakers.values()}
    model.insolvency._sell_capacity(maker, others)
    booked = [loss for loss in model.insolvency.losses[partner] if loss.counterparty == maker.account]
    assert [loss.channel for loss in booked] == [ExposureChannel.FAB]
    assert booked[0].amount_usd_bn == pytest.approx(at_book) and at_book > 0
    assert fab.stakes.sum() == 0.0
    events = [e for e in model.event_log if e["kind"] == "losses" and e["actors"].startswith("domestic_cn")]
    assert len(events) == 1 and "fab partnership" in events[0]["detail"]


def test_a_maker_s_first_fab_abroad_builds_its_site_and_later_fabs_there_produce_no_earlier() -> None:
    """A US maker's fab at home produces after the capacity lead time (12 months); its first fab in the Gulf builds the
    site and produces after the greenfield lead time (36); its next Gulf fab produces when that site is ready, not
    earlier: with the site ready in 20 months, a fab commissioned now produces in 20 (not 12, not 36); once a Gulf
    fab produces, a new one there takes the capacity lead time again."""
    model = model_after(1, [("chipmakers.custom_asic.fab_regions", ["US", "GULF"])])
    maker = model.chipmakers["custom_asic"]
    spec, month = maker.spec, model.month
    assert (maker.region, spec.capacity_lead_time_months, spec.greenfield_lead_time_months) == ("US", 12, 36)
    model.fabs.fabs = [fab for fab in model.fabs.fabs if fab.maker != maker.account]
    producing = []
    for _ in range(4):
        assert model.fabs.commission(maker, GW_PER_MONTH) > 0
        producing.append((model.fabs.fabs[-1].region, model.fabs.fabs[-1].producing_month - month))
    assert producing == [("US", 12), ("GULF", 36), ("US", 12), ("GULF", 36)]
    assert maker.capacity_pipeline[-3:] == [(month + 36, pytest.approx(GW_PER_MONTH)),
                                            (month + 12, pytest.approx(GW_PER_MONTH)),
                                            (month + 36, pytest.approx(GW_PER_MONTH))]
    gulf = [fab for fab in model.fabs.fabs if fab.maker == maker.account and fab.region == "GULF"]
    for fab in gulf:
        fab.producing_month = month + 20
    assert model.fabs.commission(maker, GW_PER_MONTH) > 0 and model.fabs.commission(maker, GW_PER_MONTH) > 0
    assert [(fab.region, fab.producing_month - month) for fab in model.fabs.fabs[-2:]] == [("US", 12), ("GULF", 20)]
    for fab in gulf:
        fab.producing_month = month - 1
    assert model.fabs.site_ready_month(maker, "GULF") == month - 1
    assert model.fabs.commission(maker, GW_PER_MONTH) > 0 and model.fabs.commission(maker, GW_PER_MONTH) > 0
    assert [(fab.region, fab.producing_month - month) for fab in model.fabs.fabs[-2:]] == [("US", 12), ("GULF", 12)]


def test_a_maker_short_of_cash_borrows_what_its_part_of_a_fab_lacks_within_its_debt_capacity() -> None:
    """With 0.2 $bn of cash against its part of a fab, 0.51 $bn (51% of 1 $bn), a maker borrows the 0.31 $bn it lacks
    and builds the whole fab; with its debt capacity (half its cash and fixed assets) at 0.1 $bn it borrows 0.1 and
    builds 0.3 / 0.51 of its part. Lenders are not screened: under US screening of Gulf investors a US maker's fab
    debt is lent by Gulf investors too."""
    for fixed_assets, borrowed, share_built in ((None, 0.31, 1.0), (0.0, 0.1, 0.3 / 0.51)):
        model = ComputeMarket(load_scenario("investment-block"), rng=1)
        model.step()
        maker = model.chipmakers["incumbent_gpu"]
        model.governments[maker.region].fab_subsidy_share = 0.0
        model.ledger.pay(maker.account, int(model.investors.accounts[0]), maker.cash_usd_bn - 0.2, PaymentKind.DIVIDEND)
        if fixed_assets is not None:
            maker.fixed_assets_usd_bn = fixed_assets
        debt_before = maker.debt_usd_bn
        assert debt_before == 0.0
        model.fabs.commission(maker, GW_PER_MONTH)
        fab = model.fabs.fabs[-1]
        assert maker.debt_usd_bn == pytest.approx(borrowed)
        assert fab.maker_paid_usd_bn == pytest.approx(0.51 * share_built)
        assert maker.cash_usd_bn == pytest.approx(0.0, abs=1e-9)
        lenders = np.flatnonzero((model.capital.loans[:, maker.account] > 0) | (model.capital.bonds.face[:, maker.account] > 0))
        assert "GULF" in set(model.investors.regions[np.isin(model.investors.accounts, lenders)])
