"""Corporate bonds (market/finance/bond_book.py): who sells them, their coupons and redemptions, their price, what
their holders lose in a default. Each test states its hand-worked answer and the bug that fails it."""

from __future__ import annotations

import numpy as np
import pytest

from market.enums import ExposureChannel
from market.finance.bond_book import price_per_face
from market.finance.ledger import KIND_CODE, PaymentKind
from market.model import ComputeMarket
from tests.conftest import model_after
from tests.test_contagion_channels import _booked, _debt_free_with_cash, _loss_events


def _paid(model: ComputeMarket, payer: int, payee: int, kind: PaymentKind) -> float:
    flows = model.ledger.current_flows()
    mask = (flows.payer == payer) & (flows.payee == payee) & (flows.kind == KIND_CODE[kind])
    return float(flows.amount[mask].sum())


def test_a_ladder_s_price_is_its_payments_discounted_at_today_s_yield() -> None:
    """A 6% ladder over 120 months: at par when the yield is 6%; at 8%, (0.06 + 0.1) / (0.08 + 0.1) = 0.8889, the sum of
    its declining payments (0.005 + 1/120) x (119/120)^(t-1) discounted at 8%/12 a month; above par when the yield
    falls. Fails if the price ignores the redemptions or discounts at the coupon."""
    assert price_per_face(0.06, 0.06, 120) == pytest.approx(1.0)
    assert price_per_face(0.06, 0.08, 120) == pytest.approx(0.16 / 0.18)
    months = np.arange(1, 6001)
    explicit = ((0.06 / 12 + 1 / 120) * (1 - 1 / 120) ** (months - 1) / (1 + 0.08 / 12) ** months).sum()
    assert price_per_face(0.06, 0.08, 120) == pytest.approx(explicit, rel=1e-9)
    assert price_per_face(0.06, 0.04, 120) > 1.0


@pytest.fixture
def model() -> ComputeMarket:
    return model_after(3)


def test_an_investment_grade_firm_sells_bonds_at_its_yield_with_the_new_debt(model) -> None:
    """A cloud with low leverage raising 10 $bn sells bonds: its bonds' face rises by what investors paid, its loans do
    not move, the money arrives as ``bond`` payments, and the coupon is the yield at its leverage with the 10 $bn. A
    raise below the benchmark size is borrowed. Fails if bonds are never sold, are sold at the leverage before the
    issue, or a small raise is sold as a bond."""
    capital = model.capital
    firm = model.labs["cloud_us_a"]
    assert capital.market_leverage(firm, 10.0) <= model.params.finance.bond_max_leverage
    loans_before, face_before = capital.loans[:, firm.account].sum(), capital.bonds.outstanding(firm.account)
    coupons_before = capital.bonds.face[:, firm.account] @ capital.bonds.coupon[:, firm.account]
    expected_rate = capital.borrowing_rate(firm, 10.0)
    assert expected_rate > capital.borrowing_rate(firm)
    raised = capital.raise_debt(firm, 10.0)
    assert raised == pytest.approx(10.0)
    assert capital.bonds.outstanding(firm.account) - face_before == pytest.approx(raised)
    assert capital.loans[:, firm.account].sum() == loans_before
    flows = model.ledger.current_flows()
    assert flows.amount[(flows.payee == firm.account) & (flows.kind == KIND_CODE[PaymentKind.BOND])].sum() == pytest.approx(raised)
    coupons_after = capital.bonds.face[:, firm.account] @ capital.bonds.coupon[:, firm.account]
    assert (coupons_after - coupons_before) / raised == pytest.approx(expected_rate)
    assert model.params.finance.bond_min_issue_usd_bn == 0.3
    assert capital.raise_debt(firm, 0.2) > 0
    assert capital.bonds.outstanding(firm.account) - face_before == pytest.approx(raised)


def test_a_firm_investment_grade_only_before_the_new_debt_borrows_loans(model) -> None:
    """With ``finance.bond_max_leverage`` set between the firm's leverage before and after a 10 $bn raise, the raise is a
    loan; a firm in arrears borrows too. Fails if the grade is judged before the new debt, or a firm behind on its
    payments sells investment-grade bonds."""
    capital = model.capital
    firm = model.labs["cloud_us_a"]
    before, after = capital.market_leverage(firm), capital.market_leverage(firm, 10.0)
    assert before < after
    model.params.finance.bond_max_leverage = (before + after) / 2
    face_before, loans_before = capital.bonds.outstanding(firm.account), capital.loans[:, firm.account].sum()
    raised = capital.raise_debt(firm, 10.0)
    assert raised > 0 and capital.bonds.outstanding(firm.account) == face_before
    assert capital.loans[:, firm.account].sum() - loans_before == pytest.approx(raised)
    model.params.finance.bond_max_leverage = 1.0
    assert capital.bonds.may_issue(firm, 10.0)
    model.ledger.claims[(int(model.investors.accounts[0]), firm.account)] = 0.5
    assert not capital.bonds.may_issue(firm, 10.0)


def test_a_month_of_bond_service_pays_the_coupon_and_redeems_one_term_th(model) -> None:
    """120 $bn of face at 6%, with no loans: this month the issuer pays 0.6 $bn of coupons and redeems 1 $bn at par,
    owes 119 after, and its debt service due next is 119 x 0.06 / 12 + 119 / 120. Fails if bonds amortise like loans
    (over 60 months), are never redeemed, or pay the annual coupon monthly."""
    firm = model.labs["cloud_us_a"]
    capital = model.capital
    holder = int(model.investors.accounts[0])
    capital.loans[:, firm.account] = 0.0
    capital.bonds.face[:, firm.account] = 0.0
    capital.bonds.set_holding(holder, firm.account, 120.0, 0.06)
    assert model.params.finance.bond_term_months == 120 and firm.cash_usd_bn > 1.6
    assert capital.service_debt(firm) == pytest.approx(1.6)
    assert _paid(model, firm.account, holder, PaymentKind.COUPON) == pytest.approx(0.6)
    assert _paid(model, firm.account, holder, PaymentKind.REDEMPTION) == pytest.approx(1.0)
    assert capital.debt_of(firm.account) == pytest.approx(119.0)
    assert capital.interest_and_principal_due(firm.account) == pytest.approx((119.0 * 0.06 / 12, 119.0 / 120))


def test_bondholders_mark_their_bonds_at_the_issuer_s_price(model) -> None:
    """An investor holding 10 $bn of face whose coupon is 2 points below the issuer's yield today holds them at
    10 x (c + 0.1) / (c + 0.02 + 0.1) in its portfolio, on top of its cash, stakes, loans at principal and other
    bonds. Fails if bonds are left out of portfolios or held at face."""
    firm = model.labs["cloud_us_a"]
    capital = model.capital
    holder = int(model.investors.accounts[-1])
    capital.bonds.face[:, firm.account] = 0.0
    without = model.equity.portfolio_values(holder)[0]
    capital.bonds.set_holding(holder, firm.account, 10.0, 0.0)
    coupon = capital.borrowing_rate(firm) - 0.02
    capital.bonds.set_holding(holder, firm.account, 10.0, coupon)
    price = capital.bonds.price(firm)
    assert price == pytest.approx((coupon + 0.1) / (coupon + 0.12))
    assert capital.bonds.prices()[firm.account] == price
    assert model.equity.portfolio_values(holder)[0] - without == pytest.approx(10.0 * price, abs=1e-9)


def test_a_firm_s_only_issue_trades_at_par_and_the_index_weights_by_face(model) -> None:
    """Right after a firm's only issue its bonds are at par (the coupon is its yield with the new debt). The index is
    the face-weighted mean of the issuers' prices. Fails if the coupon is set at the leverage before the issue (the
    price would open below par) or the index is a plain mean."""
    capital = model.capital
    firm = model.labs["cloud_us_a"]
    capital.bonds.face[:, firm.account] = 0.0
    capital.bonds.issue(firm, 10.0)
    assert capital.bonds.price(firm) == pytest.approx(1.0, abs=1e-12)
    issuers = [int(i) for i in capital.bonds.issuers()]
    faces = np.array([capital.bonds.outstanding(i) for i in issuers])
    prices = np.array([capital.bonds.price(model.agent_by_account(i)) for i in issuers])
    assert capital.bonds.face_and_price_index() == pytest.approx((faces.sum(), faces @ prices / faces.sum()))


@pytest.mark.parametrize(("cash", "interest", "coupons", "principal"), [(1.0, 0.3, 0.6, 0.05), (0.45, 0.15, 0.3, 0.0)])
def test_short_of_cash_lenders_and_bondholders_are_paid_the_same_share(cash, interest, coupons, principal) -> None:
    """A firm owes a lender 0.3 of interest and 1.0 of principal (60 at 6%) and a bondholder 0.6 of coupons and 1.0 of
    redemption (120 at 6%). With 1 $bn of cash, interest and coupons (0.9) are paid in full, then the 0.1 left pays
    principal and redemptions a twentieth each (0.05). With 0.45, interest and coupons get half each (0.15 and 0.3)
    and nothing is left for principal. What is not paid is owed as claims. Fails if bonds are paid before loans (or
    after) at either stage, or principal before interest."""
    model = model_after(1)
    lab = _debt_free_with_cash(model, "follower_004", cash)
    lender, bondholder = (int(a) for a in model.investors.accounts[:2])
    model.capital.set_loan(lender, lab.account, 60.0, 0.06)
    model.capital.bonds.set_holding(bondholder, lab.account, 120.0, 0.06)
    assert model.capital.service_debt(lab) == pytest.approx(2.9)
    assert _paid(model, lab.account, lender, PaymentKind.INTEREST) == pytest.approx(interest)
    assert _paid(model, lab.account, bondholder, PaymentKind.COUPON) == pytest.approx(coupons)
    assert _paid(model, lab.account, lender, PaymentKind.PRINCIPAL) == pytest.approx(principal)
    assert _paid(model, lab.account, bondholder, PaymentKind.REDEMPTION) == pytest.approx(principal)
    assert model.ledger.claims[(lender, lab.account)] == pytest.approx(1.3 - interest - principal)
    assert model.ledger.claims[(bondholder, lab.account)] == pytest.approx(1.6 - coupons - principal)
    assert model.capital.debt_of(lab.account) == pytest.approx(59.0 + 119.0)


def test_bondholders_lose_pari_passu_with_lenders_through_the_bond_channel() -> None:
    """A lab with 2 $bn of cash owes an investor a 3 $bn loan and another 5 $bn of bonds: 8 owed, a quarter paid, so the
    lender loses 2.25 through ``loan`` and the bondholder 3.75 through ``bond``, one event each; the bonds are gone
    after the write-off. Fails if bonds are left out of clearing, ranked apart, or booked as loans."""
    model = model_after(1)
    lab = _debt_free_with_cash(model, "follower_004", 2.0)
    lender, bondholder = (int(a) for a in model.investors.accounts[:2])
    model.capital.set_loan(lender, lab.account, 3.0)
    model.capital.bonds.set_holding(bondholder, lab.account, 5.0, 0.06)
    model.insolvency._clear([lab])
    assert _booked(model, lender, lab.account) == {ExposureChannel.LOAN: pytest.approx(2.25)}
    assert _booked(model, bondholder, lab.account) == {ExposureChannel.BOND: pytest.approx(3.75)}
    assert sorted(detail.split(":")[0] for detail in _loss_events(model, lab.name)) == ["bond", "loan"]
    model.insolvency._write_off(lab, 0.0)
    assert model.capital.bonds.outstanding(lab.account) == 0.0 and model.capital.debt_of(lab.account) == 0.0


def test_the_first_valuation_grades_the_debt_outstanding_by_the_bond_rule() -> None:
    """Three debt-free firms are lent 6, 6 and 0.2 $bn (a third and two thirds by two lenders, at a provisional 20%) and
    valued at 15, 6 and 10 $bn: leverage 6 / 21, 0.5 and 0.2 / 10.2. Graded, the first holds bonds, each lender the
    face of its loan, at the coupon r_f + s_0 + s_1 x 6 / 21, and no loans; the second keeps its loans, repriced at
    r_f + s_0 + s_1 x 0.5; the third, below the benchmark size, keeps loans at r_f + s_0 + s_1 x 0.2 / 10.2. Fails if
    starting debt keeps its provisional rate, is counted twice in the leverage that grades it (12 / 27 would make the
    first firm's loans stay loans), or a small or levered firm's debt becomes bonds."""
    model = model_after(1)
    capital, finance, equity = model.capital, model.params.finance, model.equity
    firms = [_debt_free_with_cash(model, name, 1.0) for name in ("follower_004", "follower_005", "follower_006")]
    lenders = [int(a) for a in model.investors.accounts[:2]]
    for firm, principal, value in zip(firms, (6.0, 6.0, 0.2), (15.0, 6.0, 10.0), strict=True):
        for lender, share in zip(lenders, (1 / 3, 2 / 3), strict=True):
            capital.set_loan(lender, firm.account, principal * share, 0.2)
        equity.market[equity._position[firm.account]] = value
    capital.grade_first_debt()
    base = equity.risk_free_rate() + finance.base_spread_per_year
    low, high, small = (firm.account for firm in firms)
    assert capital.loans[:, low].sum() == 0.0
    assert capital.bonds.face[lenders, low] == pytest.approx([2.0, 4.0])
    assert capital.bonds.coupon[lenders, low] == pytest.approx([base + finance.leverage_spread_per_year * 6.0 / 21.0] * 2)
    assert capital.bonds.outstanding(high) == 0.0 and capital.bonds.outstanding(small) == 0.0
    assert capital.loans[lenders, high] == pytest.approx([2.0, 4.0])
    assert capital.rates[lenders, high] == pytest.approx([base + finance.leverage_spread_per_year * 0.5] * 2)
    assert capital.rates[lenders, small] == pytest.approx([base + finance.leverage_spread_per_year * 0.2 / 10.2] * 2)


def test_big_tech_s_starting_debt_is_graded_investment_grade_at_the_first_month_s_close(baseline_seed1) -> None:
    """Baseline, seed 1: the starting debt of Microsoft, Amazon, Google and Meta (cloud_us_a, b, c, frontier_lab_e) is
    held as bonds from the first month's close at a coupon below 6% (measured 5.3-5.5%, about the US investment-grade
    index's yield in January 2025, ICE BofA, reported), not at the 13.2% the provisional leverage of 1 gives. Fails if
    starting debt is never graded."""
    events = baseline_seed1.event_table
    graded = events[(events["kind"] == "debt_graded") & (events["date"] == "2025-01")].set_index("actors")["detail"]
    for name in ("cloud_us_a", "cloud_us_b", "cloud_us_c", "frontier_lab_e"):
        detail = graded[name]
        assert "held as bonds" in detail, detail
        assert float(detail.split(" at ")[1].split("%")[0]) < 6.0, detail
