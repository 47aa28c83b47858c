"""Insolvency's rules, one test each, on a real baseline model with hand-set state and a hand-worked answer.

Each docstring names the bug that makes the test fail. The model is a baseline after one or two months,
so the rule runs in its real surroundings; only the quantities the rule reads are set by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from market.enums import ExposureChannel
from market.finance.ledger import OUTSIDE, PaymentKind
from market.finance.losses import Loss
from market.model import ComputeMarket
from market.physical.projects import Lease, Project
from tests.conftest import model_after


def _model(months: int = 1, overrides: list[tuple[str, object]] | None = None) -> ComputeMarket:
    return model_after(months, overrides)


def _hold_defaults(model: ComputeMarket, monkeypatch) -> list[list[str]]:
    """Replace the default procedure by a recorder: the tests below check who would default, and when."""
    calls: list[list[str]] = []
    monkeypatch.setattr(model.insolvency, "default", lambda firms: calls.append([f.name for f in firms]))
    return calls


def _put_in_arrears(model: ComputeMarket, lab_name: str, monkeypatch, unpaid_usd_bn: float = 5.0):
    """Give a lab a claim it cannot pay and no way to raise money."""
    lab = model.labs[lab_name]
    creditor = model.utilities["US"].account
    model.ledger.claims[(creditor, lab.account)] += max(lab.cash_usd_bn, 0.0) + unpaid_usd_bn
    monkeypatch.setattr(lab, "finance", lambda amount: 0.0)
    return lab


def test_distress_decays_by_the_stated_share_each_month(monkeypatch) -> None:
    """h <- h (1 - d) each month: with d = 0.25, a distress of 0.5 is 0.375 after one month and 0.28125 after two.
    Fails if distress is multiplied by d instead of 1 - d."""
    model = _model(overrides=[("insolvency.distress_decay_per_month", 0.25)])
    _hold_defaults(model, monkeypatch)
    account = model.chipmakers["incumbent_gpu"].account
    model.equity.distress[account] = 0.5
    model.insolvency.step()
    assert model.equity.distress[account] == pytest.approx(0.375)
    model.insolvency.step()
    assert model.equity.distress[account] == pytest.approx(0.28125)


def test_a_firm_defaults_in_its_grace_months_th_consecutive_month_in_arrears(monkeypatch) -> None:
    """With grace_months = 3, a lab that cannot pay a claim is in arrears in months 1, 2 and 3 and defaults in month 3,
    not before. Fails if the grace period is off by one month either way."""
    model = _model()
    calls = _hold_defaults(model, monkeypatch)
    lab = _put_in_arrears(model, "frontier_lab_d", monkeypatch)
    assert model.params.insolvency.grace_months == 3
    months_in_default = []
    for month in (1, 2, 3, 4):
        model.insolvency.step()
        if any(lab.name in call for call in calls):
            months_in_default.append(month)
        calls.clear()
    assert months_in_default[0] == 3, months_in_default
    assert model.insolvency.arrears_months[lab.account] == 4


def test_arrears_reset_once_the_claims_are_paid(monkeypatch) -> None:
    """Two months in arrears, then cash arrives and pays the claim: the count restarts at zero, so a new
    shortfall needs three more months to end in default."""
    model = _model()
    calls = _hold_defaults(model, monkeypatch)
    lab = _put_in_arrears(model, "frontier_lab_d", monkeypatch)
    model.insolvency.step()
    model.insolvency.step()
    assert model.insolvency.arrears_months[lab.account] == 2
    model.ledger.pay(OUTSIDE, lab.account, 10.0, PaymentKind.AI_SERVICES)
    model.insolvency.step()
    assert model.insolvency.arrears_months[lab.account] == 0
    assert not any(lab.name in call for call in calls)


def test_a_systemic_lab_in_arrears_is_rescued_instead_of_defaulting(monkeypatch) -> None:
    """With rescues on for any share of world compute, the government pays the claim for new shares when the grace
    period ends: no default, the claim is settled, the rescue is logged and the government holds a stake."""
    model = _model(overrides=[("governments.US.rescue_enabled", True), ("governments.US.rescue_min_compute_share", 0.0)])
    calls = _hold_defaults(model, monkeypatch)
    lab = _put_in_arrears(model, "frontier_lab_b", monkeypatch)
    for _ in range(3):
        model.insolvency.step()
    assert not any(lab.name in call for call in calls)
    assert model.ledger.claims_payable(lab.account) <= model.params.insolvency.arrears_tolerance_usd_bn
    assert any(e["kind"] == "rescue" and lab.name in e["actors"] for e in model.event_log)
    assert model.capital.stakes[model.governments["US"].account, lab.account] > 0


def test_a_take_or_pay_claim_is_the_rest_of_the_term_capped_at_the_stated_months() -> None:
    """A lease of 2 GW at 0.5 $bn per GW-month (1 $bn a month): with 30 months left and a 12-month cap the lessor
    claims 12 $bn; with 5 months left, 5 $bn; with none left, 0. Fails if the cap is a floor (max for min)."""
    model = _model()
    assert model.params.insolvency.take_or_pay_claim_months == 12
    month = model.month
    lessor, lessee = model.labs["cloud_us_a"].account, model.labs["frontier_lab_b"].account

    def claim(months_left: int) -> float:
        return model.insolvency._take_or_pay_usd_bn(Lease(1, lessor, lessee, 2.0, 0.5, month - 6, month + months_left))

    assert claim(30) == pytest.approx(12.0)
    assert claim(5) == pytest.approx(5.0)
    assert claim(0) == 0.0 and claim(-3) == 0.0


def test_a_loss_exactly_window_months_old_is_not_blamed_for_a_default() -> None:
    """With a 24-month window, a loss booked 23 months ago names its counterparty as the cause; one booked 24 months
    ago does not. Fails if the window is one month too long."""
    model = _model()
    window = model.params.insolvency.contagion_window_months
    assert window == 24
    firm, failed = model.labs["cloud_us_d"], model.labs["follower_000"]
    losses = model.insolvency.losses[firm.account]
    losses.append(Loss(model.month - window, failed.account, 1.0, ExposureChannel.LEASE))
    assert model.insolvency.blamed_counterparties(firm) == {}
    losses.append(Loss(model.month - window + 1, failed.account, 1.0, ExposureChannel.LEASE))
    assert model.insolvency.blamed_counterparties(firm) == {"follower_000": ["lease take-or-pay"]}


def test_a_lab_s_fire_sale_prices_chips_at_depreciated_book_value_and_the_buyer_carries_them_at_the_price() -> None:
    """A 0.2 GW project whose 3 $bn building (15 $bn/GW) is 12 of 18 months along, 2 $bn paid; half its chips (40 $bn/GW
    all in, 25 chips and 15 building, 60-month life) came 12 months ago and carry 1.5 $bn of the building:
    book = 0.1 x 40 x 48/60 + max(2 - 1.5, 0) = 3.7 $bn. At the 50% discount the buyer pays 1.85 and its fixed assets
    grow by exactly that (IAS 16: cost is the price paid). Then it pays the last 1 $bn of construction and takes the
    other 0.1 GW of chips (2.5 $bn): its fixed assets grow by exactly the 3.5 it paid, the building's book cost
    (0.5 x 2 + 1 = 2 $bn) now all in the chips and nothing left in progress. Fails if the chips are sold at their
    undepreciated cost (price 2.25), if the building is counted twice, in the chips and in progress (2.6), if the buyer
    carries the seller's book (+3.7), or if later chips carry the building at the old 15 $bn/GW (+3.75)."""
    model = _model(2)
    seller = model.labs["follower_003"]
    maker = model.chipmakers["incumbent_gpu"]
    month = model.month
    model.refresh_compute()
    seller_assets = seller.fixed_assets_usd_bn
    project = Project(model.next_id("project"), seller.account, "US", 0.2, maker.account, 25.0, 3.0, 18, month - 14,
                      started_month=month - 12, months_built=12, construction_paid_usd_bn=2.0,
                      building_capitalised_usd_bn=1.5, delivered_gw=0.1, live_gw=0.1, building_per_gw=15.0)
    model.projects[project.id] = project
    row = model.cohorts.add(owner=seller.account, maker=project.maker, project=project.id, site=0, gw=0.1,
                            eflops_per_gw=1.0, delivered_month=month - 12, life_months=60, cost_per_gw=40.0)
    seller.project_ids = [project.id]
    model.refresh_compute()
    assert seller.fixed_assets_usd_bn - seller_assets == pytest.approx(3.7)
    buyer = model.insolvency._buyer({seller.account})
    assert buyer.cash_usd_bn * 0.9 > 1.85
    cash_before, assets_before = seller.cash_usd_bn, buyer.fixed_assets_usd_bn
    model.insolvency._fire_sale(seller, {seller.account})
    assert seller.cash_usd_bn - cash_before == pytest.approx(1.85)
    assert model.cohorts.owner[row] == buyer.account and project.owner == buyer.account
    assert project.id in buyer.project_ids and seller.project_ids == []
    model.refresh_compute()
    assert buyer.fixed_assets_usd_bn - assets_before == pytest.approx(1.85)
    assets_bought = buyer.fixed_assets_usd_bn
    project.construction_paid_usd_bn += 1.0
    project.months_built = 18
    model.procurement.deliver(project.id, maker, 0.1, 1.0)
    model.refresh_compute()
    assert project.building_in_progress_usd_bn() == pytest.approx(0.0, abs=1e-12)
    assert buyer.fixed_assets_usd_bn - assets_bought == pytest.approx(3.5)


def test_a_building_under_way_is_carried_whole_by_the_chips_that_do_come() -> None:
    """A 1 GW project whose building (15 $bn) has started loses 0.6 GW of its chips (orders refused): the 0.4 GW that
    come carry the whole building, 37.5 $bn/GW, so nothing is left in progress once they have come and the building
    is paid. Fails if the building of the chips that never come stays on the books as construction in progress for
    ever, or vanishes."""
    model = _model(1)
    lab = model.labs["frontier_lab_a"]
    maker = model.chipmakers["incumbent_gpu"]
    project = Project(model.next_id("project"), lab.account, "US", 1.0, maker.account, 25.0, 15.0, 12, model.month - 1,
                      started_month=model.month - 1, months_built=1, construction_paid_usd_bn=1.25, building_per_gw=15.0)
    model.projects[project.id] = project
    lab.project_ids.append(project.id)
    model.utilities["US"].request(project.id, 1.0)
    model.procurement.cut_project(project.id, 0.6)
    assert project.gw == pytest.approx(0.4) and project.building_per_gw == pytest.approx(37.5)
    project.construction_paid_usd_bn, project.months_built = 15.0, 12
    model.procurement.deliver(project.id, maker, 0.4, 1.0)
    assert project.building_capitalised_usd_bn == pytest.approx(15.0)
    assert project.building_in_progress_usd_bn() == pytest.approx(0.0, abs=1e-12)


def test_clearing_pays_a_defaulter_s_creditors_pro_rata_and_books_their_losses() -> None:
    """A lab with 2 $bn of cash owes a utility 6 $bn and a chipmaker 2 $bn as claims and nothing else: clearing pays
    1.5 and 0.5 (a quarter of each claim) and books losses of 4.5 and 1.5 against the lab."""
    model = _model()
    lab = model.labs["follower_004"]
    model.capital.loans[:, lab.account] = 0.0
    for lease_id in [i for i, lease in model.leases.leases.items() if lab.account in (lease.lessee, lease.lessor)]:
        del model.leases.leases[lease_id]
    for key in [k for k in model.ledger.claims if lab.account in k]:
        del model.ledger.claims[key]
    model.capital.pay_dividend(lab, lab.cash_usd_bn)
    model.ledger.pay(OUTSIDE, lab.account, 2.0, PaymentKind.AI_SERVICES)
    utility, maker = model.utilities["US"].account, model.chipmakers["incumbent_gpu"].account
    model.ledger.claims[(utility, lab.account)] = 6.0
    model.ledger.claims[(maker, lab.account)] = 2.0
    utility_cash, maker_cash = model.ledger.balance(utility), model.ledger.balance(maker)
    shortfall = model.insolvency._clear([lab])
    assert model.ledger.balance(utility) - utility_cash == pytest.approx(1.5)
    assert model.ledger.balance(maker) - maker_cash == pytest.approx(0.5)
    assert shortfall[lab.account][utility] == pytest.approx(4.5) and shortfall[lab.account][maker] == pytest.approx(1.5)
    booked = {creditor: [(loss.amount_usd_bn, loss.channel) for loss in model.insolvency.losses[creditor]
                         if loss.counterparty == lab.account] for creditor in (utility, maker)}
    assert booked == {utility: [(pytest.approx(4.5), ExposureChannel.CLAIM)], maker: [(pytest.approx(1.5), ExposureChannel.CLAIM)]}
    assert lab.cash_usd_bn == pytest.approx(0.0, abs=1e-12)


def test_a_defaulted_firm_leaves_nothing_behind() -> None:
    """After a default the firm owes nothing, is owed nothing, holds no cash, chips, projects, leases or open orders,
    and is named in exactly one default event."""
    model = _model(2)
    lab = model.labs["frontier_lab_c"]
    assert lab.project_ids, "the lab has projects to sell"
    model.insolvency.default([lab])
    ledger, capital = model.ledger, model.capital
    assert not lab.alive and abs(lab.cash_usd_bn) < 1e-9
    assert ledger.claims_payable(lab.account) == 0 and ledger.claims_receivable(lab.account) == 0
    assert capital.debt_of(lab.account) == 0 and capital.stakes[lab.account].sum() == 0
    live = model.cohorts.live()
    assert not (model.cohorts.owner[: model.cohorts.n][live] == lab.account).any()
    assert lab.project_ids == []
    assert not any(lab.account in (lease.lessee, lease.lessor) for lease in model.leases.leases.values())
    assert not any(order.lab == lab.account for book in model.chip_market.orders.values() for order in book)
    defaults = [e for e in model.event_log if e["kind"] == "default"]
    assert [e["actors"] for e in defaults] == [lab.name]
    assert np.isfinite(ledger.balances).all()


def test_a_defaulter_s_estate_goes_to_its_unpaid_creditors_pro_rata_to_their_losses() -> None:
    """A defaulted lab holds a 10% stake in a chipmaker and a 2 $bn claim on a follower; its unpaid creditors lost 3
    and 1 $bn: they take 3/4 and 1/4 of the stake (7.5% and 2.5%) and of the claim (1.5 and 0.5 $bn), and the
    chipmaker's next dividend of 1 $bn pays them 0.075 and 0.025 more than their own stakes did.
    Fails if the estate goes to the defaulter's shareholders while creditors are unpaid, or if the heirs are left out
    of the share register's index (dividends are read through it)."""
    model = _model()
    capital, ledger = model.capital, model.ledger
    firm, maker, debtor = model.labs["frontier_lab_d"], model.chipmakers["challenger_gpu"], model.labs["follower_005"]
    creditor_a, creditor_b = model.utilities["US"].account, model.chipmakers["custom_asic"].account
    column = capital.stakes[:, maker.account] * 0.9
    column[firm.account] = 0.1
    capital.set_register(maker.account, column)
    held_a, held_b = capital.stakes[creditor_a, maker.account], capital.stakes[creditor_b, maker.account]
    ledger.claims[(firm.account, debtor.account)] = 2.0
    unpaid = np.zeros(ledger.n_accounts)
    unpaid[creditor_a], unpaid[creditor_b] = 3.0, 1.0
    model.insolvency._pass_on_estate(firm, unpaid)
    assert capital.stakes[firm.account, maker.account] == 0.0
    assert capital.stakes[creditor_a, maker.account] - held_a == pytest.approx(0.075)
    assert capital.stakes[creditor_b, maker.account] - held_b == pytest.approx(0.025)
    assert ledger.claims[(creditor_a, debtor.account)] == pytest.approx(1.5)
    assert ledger.claims[(creditor_b, debtor.account)] == pytest.approx(0.5)
    assert (firm.account, debtor.account) not in ledger.claims
    cash_a, cash_b = ledger.balance(creditor_a), ledger.balance(creditor_b)
    assert capital.pay_dividend(maker, 1.0) == pytest.approx(1.0)
    assert ledger.balance(creditor_a) - cash_a == pytest.approx(held_a + 0.075)
    assert ledger.balance(creditor_b) - cash_b == pytest.approx(held_b + 0.025)


def test_outside_takes_its_part_of_an_estate_s_claims_but_no_shares() -> None:
    """A defaulted lab holds 10% of a chipmaker and a 2 $bn claim on a follower; a creditor lost 3 $bn and ``outside``
    (its contractors) 1 $bn. Outside takes a quarter of the claim (0.5 $bn) but no shares: the creditor takes 7.5% of
    the chipmaker, outside's 2.5% is cancelled, every holder's share scales up by 1 / 0.975 and the register still sums
    to 1; a dividend then pays nothing to outside. The creditor, a firm, carries the share it ends with at fair value,
    0.075 / 0.975 x V. Fails if outside is entered on a share register (its dividends would be refused: money paid to
    outside must be a kind that leaves the model) or the heir carries its share before the register is scaled."""
    model = _model()
    capital, ledger = model.capital, model.ledger
    firm, maker, debtor = model.labs["frontier_lab_d"], model.chipmakers["challenger_gpu"], model.labs["follower_005"]
    creditor = model.utilities["US"].account
    column = capital.stakes[:, maker.account] * 0.9
    column[firm.account] = 0.1
    capital.set_register(maker.account, column)
    before = capital.stakes[:, maker.account].copy()
    ledger.claims[(firm.account, debtor.account)] = 2.0
    unpaid = np.zeros(ledger.n_accounts)
    unpaid[creditor], unpaid[OUTSIDE] = 3.0, 1.0
    model.insolvency._pass_on_estate(firm, unpaid)
    after = capital.stakes[:, maker.account]
    assert after[OUTSIDE] == 0.0 and after[firm.account] == 0.0
    assert after[creditor] == pytest.approx((before[creditor] + 0.075) / 0.975)
    others = np.flatnonzero(before > 0)
    others = others[(others != creditor) & (others != firm.account)]
    assert np.allclose(after[others], before[others] / 0.975, rtol=1e-12)
    assert after.sum() == pytest.approx(1.0)
    assert ledger.claims[(OUTSIDE, debtor.account)] == pytest.approx(0.5)
    carried = capital.stake_book.carrying_usd_bn[(creditor, maker.account)]
    assert carried == pytest.approx(0.075 / 0.975 * model.equity.market_value_of(maker.account))
    assert capital.pay_dividend(maker, 1.0) == pytest.approx(1.0)


def test_exposures_count_loans_and_claims_between_firms() -> None:
    """A_ij, firm i's exposure to firm j, rises by exactly the loan i grants j (5 $bn) and the claim i holds on j
    (2 $bn). Fails if DebtRank does not see loans or claims."""
    model = _model()
    lender, borrower = model.chipmakers["incumbent_gpu"], model.labs["frontier_lab_a"]
    position = {int(a): k for k, a in enumerate(model.equity.accounts)}
    i, j = position[lender.account], position[borrower.account]
    before = model.insolvency.exposures()[0][i, j]
    owed = model.capital.loans[lender.account, borrower.account]
    model.capital.set_loan(lender.account, borrower.account, owed + 5.0)
    assert model.insolvency.exposures()[0][i, j] - before == pytest.approx(5.0)
    model.ledger.claims[(lender.account, borrower.account)] += 2.0
    assert model.insolvency.exposures()[0][i, j] - before == pytest.approx(7.0)


def test_in_a_chipmakers_default_month_it_delivered_on_the_lines_it_had_and_sells_them_at_discounted_book() -> None:
    """A chipmaker defaults and its production lines go to a rival: incumbent_gpu with fixed costs it cannot carry
    (100 $bn per GW/month of capacity, seed 7) defaults in February 2026. (The draw issue 12 found the path with, a
    unit cost of 756.87 $bn/GW, no longer ends in a default since the runs changed around it.) The step checks hold every month: a month's deliveries are
    bounded by the lines the maker produced on (its capacity when it produced; the fire sale later that month moves
    the lines, so its capacity at month end is 0). The lines carry book value from the start (initial capacity at the
    capex of new lines), so they sell for (1 - fire-sale discount) x book, not $0. Fails if the check compares
    deliveries with month-end capacity or if starting lines have no book value."""
    from market.parameters.scenario import load_scenario
    from tests.invariants import check_invariants

    draw = [("chipmakers.incumbent_gpu.fixed_cost_usd_bn_per_gw_month", 100.0)]
    model = ComputeMarket(load_scenario("baseline", draw), rng=7)
    initial = model.cohorts.gw[: model.cohorts.n].sum()
    while model.steps < 30:
        model.step()
        check_invariants(model, initial)
    makers = set(model.chipmakers)
    sales = [e for e in model.event_log if e["kind"] == "fire_sale" and e["actors"].split(",")[0] in makers]
    assert sales, "the draw should make a chipmaker default"
    discount = model.params.insolvency.fire_sale_discount
    for sale in sales:
        paid = float(sale["detail"].split(" for ")[1].split(" $bn")[0])
        book = float(sale["detail"].split("(book ")[1].rstrip(")"))
        assert book > 0 and paid == pytest.approx((1.0 - discount) * book, abs=0.01), sale
