"""Finance rules, one test each, with a hand-worked answer: debt service, valuation's balance-sheet terms and the DCF.

Each docstring names the bug that makes the test fail.
"""

from __future__ import annotations

import numpy as np
import pytest

from market.finance.ledger import KIND_CODE, PaymentKind
from market.finance.valuation import dcf_value
from market.model import ComputeMarket
from tests.conftest import model_after


@pytest.fixture
def model() -> ComputeMarket:
    return model_after(3)


def _paid(model: ComputeMarket, payer: int, payee: int, kind: PaymentKind) -> float:
    flows = model.ledger.current_flows()
    mask = (flows.payer == payer) & (flows.payee == payee) & (flows.kind == KIND_CODE[kind])
    return float(flows.amount[mask].sum())


def test_debt_service_pays_a_month_of_interest_and_one_term_th_of_principal(model) -> None:
    """A loan of 60 $bn at 6% a year over a 60-month term: this month the borrower pays 0.3 $bn of interest and 1 $bn
    of principal, and owes 59 $bn after. Fails if principal is never amortised or interest is charged at the annual rate."""
    firm = model.labs["cloud_us_a"]
    lender = int(model.investors.accounts[0])
    capital = model.capital
    assert model.params.finance.debt_term_months == 60
    capital.loans[:, firm.account] = 0.0
    capital.bonds.face[:, firm.account] = 0.0
    capital.set_loan(lender, firm.account, 60.0, 0.06)
    assert firm.cash_usd_bn > 1.3
    due = capital.service_debt(firm)
    assert due == pytest.approx(1.3)
    assert _paid(model, firm.account, lender, PaymentKind.INTEREST) == pytest.approx(0.3)
    assert _paid(model, firm.account, lender, PaymentKind.PRINCIPAL) == pytest.approx(1.0)
    assert capital.loans[lender, firm.account] == pytest.approx(59.0)
    assert capital.interest_due(firm.account) == pytest.approx(59.0 * 0.06 / 12 + 59.0 / 60)


def test_claims_a_firm_owes_lower_its_own_value_and_claims_it_holds_raise_it(model) -> None:
    """Equity = EV + cash + claims held - debt - claims owed: a 2 $bn claim of a utility on the incumbent chipmaker
    lowers the chipmaker's own value by 2 and raises the utility's by 2. Fails if either claim is left out."""
    equity = model.equity
    maker, utility = model.chipmakers["incumbent_gpu"], model.utilities["US"]
    i, j = (int(np.flatnonzero(equity.accounts == a)[0]) for a in (maker.account, utility.account))
    before = equity._own_values()
    assert before[i] > maker.book_equity_usd_bn() + 2.0, "the maker is valued above book, so the DCF term decides"
    model.ledger.claims[(utility.account, maker.account)] += 2.0
    after = equity._own_values()
    assert after[i] - before[i] == pytest.approx(-2.0)
    assert after[j] - before[j] == pytest.approx(2.0)


def test_a_dividend_is_shared_by_the_holders_stakes(model) -> None:
    """A firm owned 70/30 by two investors pays 1 $bn: their cash rises by 0.7 and 0.3, the firm's falls by 1, and the
    month's flows list the firm's 1 $bn paid to the share register."""
    firm = model.labs["cloud_us_b"]
    a, b = (int(x) for x in model.investors.accounts[:2])
    shares = np.zeros(model.ledger.n_accounts)
    shares[a], shares[b] = 0.7, 0.3
    model.capital.set_register(firm.account, shares)
    cash, cash_a, cash_b = firm.cash_usd_bn, model.ledger.balance(a), model.ledger.balance(b)
    assert model.capital.pay_dividend(firm, 1.0) == pytest.approx(1.0)
    assert model.ledger.balance(a) - cash_a == pytest.approx(0.7) and model.ledger.balance(b) - cash_b == pytest.approx(0.3)
    assert _paid(model, firm.account, model.ledger.register, PaymentKind.DIVIDEND) == pytest.approx(1.0)
    assert firm.cash_usd_bn == pytest.approx(cash - 1.0)


def test_new_shares_dilute_the_old_holders_at_the_pre_money_value(model) -> None:
    """A firm worth 30 $bn before the round, owned 100% by investor A, sells 10 $bn of new shares to investor B:
    post-money 40, so A keeps 30/40 = 0.75 and B takes 0.25. Fails if old holders are not diluted."""
    capital = model.capital
    firm = model.labs["cloud_us_b"]
    a, b = (int(x) for x in model.investors.accounts[:2])
    shares = np.zeros(model.ledger.n_accounts)
    shares[a] = 1.0
    capital.set_register(firm.account, shares)
    capital.pre_money_usd_bn = lambda _firm: 30.0
    capital._issue_shares(firm, np.array([b]), np.array([10.0]))
    assert capital.stakes[a, firm.account] == pytest.approx(0.75)
    assert capital.stakes[b, firm.account] == pytest.approx(0.25)
    assert capital.stakes[:, firm.account].sum() == pytest.approx(1.0)


def test_a_chipmaker_buying_new_shares_of_a_lab_is_paid_its_share_of_the_lab_s_next_dividend(model) -> None:
    """A chipmaker that has never held the lab buys 10 $bn of new shares at a pre-money value of 30 $bn (vendor
    financing's strategic stake): it holds 0.25 of the lab, and of a 2 $bn dividend it is paid 0.5 $bn. Fails if a new
    holder is left out of the register's index (dividends and cross-holdings are read through it)."""
    capital = model.capital
    lab, maker = model.labs["frontier_lab_b"], model.chipmakers["incumbent_gpu"]
    assert capital.stakes[maker.account, lab.account] == 0.0 and maker.cash_usd_bn > 10.0
    capital.pre_money_usd_bn = lambda _firm: 30.0
    assert capital.invest_strategic(maker, lab, 10.0) == pytest.approx(10.0)
    assert capital.stakes[maker.account, lab.account] == pytest.approx(0.25)
    cash = maker.cash_usd_bn
    assert capital.pay_dividend(lab, 2.0) == pytest.approx(2.0)
    assert maker.cash_usd_bn - cash == pytest.approx(0.5)


def test_starting_debt_is_priced_at_the_leverage_it_creates(model) -> None:
    """A firm that owes nothing is given 5 $bn of starting debt: every lender's rate is r_f + s_0 + s_1 x 5 / (5 + E),
    E its market value of equity, the leverage the debt itself creates. Fails if the rate is set before the new lenders
    are known (the firm would be priced as debt-free)."""
    capital, finance = model.capital, model.params.finance
    firm = model.labs["follower_004"]
    assert capital.debt_of(firm.account) == 0.0
    equity = max(model.equity.market_value_of(firm.account), 0.0)
    capital.assign_initial_debt(firm, 5.0)
    lenders = np.flatnonzero(capital.loans[:, firm.account])
    assert lenders.size and capital.debt_of(firm.account) == pytest.approx(5.0)
    expected = (model.equity.risk_free_rate() + finance.base_spread_per_year
                + finance.leverage_spread_per_year * 5.0 / (5.0 + equity))
    assert np.allclose(capital.rates[lenders, firm.account], expected, rtol=1e-12)


def test_the_dcf_margin_fades_linearly_to_the_long_run_margin_by_the_last_year() -> None:
    """Revenue 100 a year, no growth, margin 10% fading to 30% over a 2-year horizon, discount 10%, terminal growth 0:
    year 1 earns 20 (margin 20%), year 2 earns 30 (30%), terminal 30 / 0.1 = 300, so
    V = 20 / 1.1 + (30 + 300) / 1.1^2 = 3200 / 11. Fails if the fade is a year late (V = 2100 / 11)."""
    value = dcf_value(100.0, 0.10, 0.30, 0.0, 0.0, 0.10, horizon_years=2)
    assert value == pytest.approx(3200.0 / 11.0)


def test_dcf_growth_reverts_to_terminal_growth_with_its_half_life() -> None:
    """Growth 50% reverting to 0 with a 1-year half-life, margin 10% throughout, 2 years, discount 10%, terminal 0:
    revenue 150 then 150 x 1.25 = 187.5; V = 15 / 1.1 + (18.75 + 187.5) / 1.1^2."""
    value = dcf_value(100.0, 0.10, 0.10, 0.5, 0.0, 0.10, horizon_years=2, growth_half_life_years=1.0)
    assert value == pytest.approx(15.0 / 1.1 + (18.75 + 187.5) / 1.21)


def test_debt_lowers_a_firm_s_own_value_one_for_one(model) -> None:
    """Equity = EV + cash - debt - ...: lending the incumbent chipmaker 3 $bn more (no cash moves here) lowers its own
    value by 3. Fails if debt is left out of the value."""
    equity = model.equity
    maker = model.chipmakers["incumbent_gpu"]
    i = int(np.flatnonzero(equity.accounts == maker.account)[0])
    before = equity._own_values()[i]
    assert before > maker.book_equity_usd_bn() + 3.0
    lender = int(model.investors.accounts[0])
    model.capital.set_loan(lender, maker.account, model.capital.loans[lender, maker.account] + 3.0)
    assert equity._own_values()[i] - before == pytest.approx(-3.0)


def test_debt_capacity_is_the_limit_on_assets_less_the_debt_already_owed(model) -> None:
    """With debt limited to a share x of assets, a firm with A of assets and D of debt may borrow A x - D more
    (never less than 0): D more at A = 2 D / x, nothing at A = D / (2 x). Fails if the debt already owed is not counted."""
    firm = model.labs["cloud_us_a"]
    share = model.params.finance.max_debt_to_assets
    debt = firm.debt_usd_bn
    assert debt > 0
    assert model.capital.debt_capacity(firm, 2.0 * debt / share) == pytest.approx(debt)
    assert model.capital.debt_capacity(firm, 0.5 * debt / share) == 0.0


def test_stakes_in_a_distressed_firm_are_marked_down_by_its_distress(model) -> None:
    """A firm holding 20% of another whose DebtRank distress is 0.4 counts the stake as 0.2 x (1 - 0.4) = 0.12 in the
    cross-holdings. Fails if distress does not mark stakes down."""
    equity, capital = model.equity, model.capital
    holder, firm = model.chipmakers["incumbent_gpu"], model.labs["frontier_lab_a"]
    position = {int(a): k for k, a in enumerate(equity.accounts)}
    column = capital.stakes[:, firm.account] * 0.8
    column[holder.account] = 0.2
    capital.set_register(firm.account, column)
    equity.distress[firm.account] = 0.4
    assert equity.firm_stakes().dense()[position[holder.account], position[firm.account]] == pytest.approx(0.12)


def test_a_vendor_pays_a_tranche_once_for_each_new_gw_online(model) -> None:
    """A deal of 10 $bn per GW up to 0.5 GW for a lab running more than 0.5 GW of the maker's chips pays 5 $bn for new
    shares once; the next month, with no new GW, it pays nothing. Fails if it pays again for GW already counted."""
    from market.finance.vendor import DealState

    maker, lab = model.chipmakers["incumbent_gpu"], model.labs["frontier_lab_e"]
    cohorts = model.cohorts
    mask = cohorts.live() & (cohorts.owner[: cohorts.n] == lab.account) & (cohorts.maker[: cohorts.n] == maker.account)
    assert cohorts.online_gw[: cohorts.n][mask].sum() > 0.5 and maker.cash_usd_bn > 5.0
    model.vendor.deals = [DealState("test", maker.account, lab.account, 10.0, 0.5, model.month)]
    maker_cash = maker.cash_usd_bn
    model.vendor.pay_tranches()
    assert maker_cash - maker.cash_usd_bn == pytest.approx(5.0)
    assert model.capital.stakes[maker.account, lab.account] > 0
    model.vendor.pay_tranches()
    assert maker_cash - maker.cash_usd_bn == pytest.approx(5.0)


def test_the_dcf_market_path_is_ai_spending_growth_along_the_adoption_curve(model) -> None:
    """Year y of the DCF grows revenue by A(c + 12y) / A(c + 12(y - 1)) - 1, A the adoption S-curve's spending and c
    the middle of the trailing twelve months (6 months back), never below the terminal growth; the trailing market
    growth compares the middles of the last two windows. Fails if the path is off by a year or ignores the curve."""
    from market.physical.services import adoption_spend_usd_bn

    equity = model.equity
    centre = model.steps - 1 - 6
    path = equity.market_growth_path()
    spend = [adoption_spend_usd_bn(model, centre + 12 * y) for y in range(len(path) + 1)]
    expected = np.maximum(np.array(spend[1:]) / np.array(spend[:-1]) - 1.0, model.params.valuation.terminal_growth)
    assert path == pytest.approx(expected)
    assert path[0] > 0.2 and path[-1] < path[0], "2025 spending grows fast; the S-curve slows it"
    assert equity.trailing_market_growth() == pytest.approx(
        adoption_spend_usd_bn(model, centre) / adoption_spend_usd_bn(model, centre - 12) - 1.0)
