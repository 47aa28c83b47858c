"""The equity market: fundamental and market values of every firm, and the bubble index (docs/ODD.md section 7, Valuation).

Each month (schedule step 3):
1. Beliefs: the growth premium investors price in above firms' own expectations decays as they learn.
2. Fundamentals: each firm's enterprise value is a DCF (:func:`market.finance.valuation.dcf_value`) of its
   trailing-twelve-month revenue and operating margin after depreciation, less the capital its growth needs at its own
   sales-to-capital ratio (:func:`sales_to_capital`), its revenue growing with the AI market along the adoption
   S-curve plus a weighted, fading part of the excess growth its trailing accounts show (:mod:`market.finance.fundamentals`:
   model state, never market prices); equity = EV + cash + claims owed to it
   - debt - claims it owes, floored at book equity and at zero; stakes between firms are solved jointly,
   V = (I - S)^-1 v, with stakes in distressed firms marked down by their DebtRank distress. The priced-in
   value VB is the same calculation with the investors' premium added to the firm's growth; b = ln(VB / FV).
3. Market values: MV = FV exp(X), where the log deviation X clears the Brock-Hommes market
   R X_t = n_F b_t + n_T K tanh(g X_{t-1} / K) + sigma eps: fundamentalists expect the priced-in
   value, trend followers extrapolate the deviation, and n_T is the capital-weighted trend-follower
   share of the investor kinds, each switching by its own fitness (memory 1 - 1/horizon). When
   investors believe what firms expect (b = 0) this is the Brock-Hommes (1998) market exactly.
4. World market value counts only the shares held by investors (never firm-held stakes), so
   nothing is counted twice; bubble_index = world MV / world FV.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from market.finance.expectations import TREND_FOLLOWER, SwitchingExpectations
from market.finance.fundamentals import TRAILING_MONTHS, Line, TrailingAccounts
from market.finance.valuation import CrossHoldings, dcf_values, outside_held, revenue_growth_factor, solve_cross_holdings
from market.parameters.validation import parse_rate_path
from market.physical.compute import format_month
from market.physical.services import adoption_spend_usd_bn
from market.rng import Stream

if TYPE_CHECKING:
    from agents.base import EconomicAgent
    from market.model import ComputeMarket

SECTORS = ("labs", "chipmakers", "utilities")
MARGIN_FLOOR = -5.0


def sales_to_capital(revenue_per_year_usd_bn: float, capital_in_service_usd_bn: float) -> float:
    """S = TTM revenue / invested capital (the mean over the same months of the capital in service at book): the
    revenue each dollar of its capital has earned, which the DCF takes as what new capital will earn (infinite for a
    firm with no fixed assets, which rents what it runs and pays for it in its operating costs)."""
    if capital_in_service_usd_bn <= 1e-9:
        return math.inf
    return max(revenue_per_year_usd_bn, 0.0) / capital_in_service_usd_bn


class EquityMarket:
    """Values of all firms (labs, chipmakers, utilities) and the investors' switching expectations.

    Args:
        model: The model; agents and the capital market must exist.
    """

    def __init__(self, model: ComputeMarket) -> None:
        self.model = model
        params = model.params
        self.firms: list[EconomicAgent] = [*model.labs.values(), *model.chipmakers.values(), *model.utilities.values()]
        self.accounts = np.array([f.account for f in self.firms], dtype=np.int64)
        self._position = {int(account): i for i, account in enumerate(self.accounts)}
        self.sector = np.array(["labs"] * len(model.labs) + ["chipmakers"] * len(model.chipmakers)
                               + ["utilities"] * len(model.utilities))
        n = len(self.firms)
        self.fundamental = np.zeros(n)
        self.priced_in = np.zeros(n)
        self.market = np.zeros(n)
        self.deviation = np.zeros(n)
        self.previous_forecasts = np.zeros((2, n))
        self.trailing = TrailingAccounts(model.ledger.n_accounts)
        initial = params.lab_behaviour.initial_expected_growth_per_year
        self.growth = np.where(self.sector == "utilities", params.valuation.utility_growth_beta * initial, initial)
        self.started = False
        self.market_history: list[np.ndarray] = []
        self.distress = np.zeros(model.ledger.n_accounts)
        self.rates = parse_rate_path(params.finance.risk_free_path)
        self.premium = params.valuation.priced_in_premium_per_year
        self.world_market_history: list[float] = []
        expectations = params.expectations
        self.kinds = list(params.investor_kinds)
        self.switching = {
            kind: SwitchingExpectations(
                beta=expectations.intensity_of_choice, trend_coefficient=expectations.trend_coefficient,
                fundamentalist_cost=expectations.fundamentalist_cost,
                memory=1.0 - 1.0 / spec.horizon_months, risk_scale=expectations.risk_scale,
                trend_cap=expectations.trend_cap)
            for kind, spec in params.investor_kinds.items()
        }
        self.stats: dict[str, float] = {}

    # --- rates and shares ---------------------------------------------------------------------
    def risk_free_rate(self) -> float:
        """Risk-free rate of the current calendar year (held at the last listed year after it)."""
        year = int(format_month(self.model.month)[:4])
        known = sorted(self.rates)
        past = [y for y in known if y <= year]
        return self.rates[past[-1]] if past else self.rates[known[0]]

    def gross_return(self) -> float:
        """Monthly gross risk-free return R."""
        return 1.0 + self.risk_free_rate() / 12.0

    def kind_weights(self) -> np.ndarray:
        """Share of investor capital held by each kind."""
        population = self.model.investors
        cash = population.cash_usd_bn(self.model)
        totals = np.array([cash[population.of_kinds((kind,))].sum() for kind in self.kinds])
        return totals / totals.sum() if totals.sum() > 0 else np.full(len(self.kinds), 1.0 / len(self.kinds))

    def trend_share(self) -> float:
        """Capital-weighted share of trend followers."""
        shares = np.array([self.switching[k].shares()[TREND_FOLLOWER] for k in self.kinds])
        return float(self.kind_weights() @ shares)

    # --- fundamentals -------------------------------------------------------------------------
    def record_month(self) -> bool:
        """Add the finished month's flows to the trailing accounts; at the first month's close, value firms on them
        and return True (the first valuation on fundamentals), else False.

        Called after settlement and insolvency. The first month's values would otherwise be book values, and the DCF
        of month 2 would jump away from them.
        """
        depreciation = np.zeros(self.model.ledger.n_accounts)
        depreciation[self.accounts] = [firm.depreciation_month_usd_bn for firm in self.firms]
        capital = np.zeros(self.model.ledger.n_accounts)
        capital[self.accounts] = [firm.capital_in_service_usd_bn for firm in self.firms]
        self.trailing.record(self.model.ledger.current_flows(), depreciation, capital)
        self._update_expected_growth()
        if self.trailing.count == 1:
            self._value_first_month()
            return True
        return False

    def _update_expected_growth(self) -> None:
        """g_e <- g_e + lambda (g_TTM - g_e): each firm's expected revenue growth follows the growth of its trailing
        accounts (:meth:`market.finance.fundamentals.TrailingAccounts.growth`) with weight lambda
        ``lab_behaviour.expectation_weight``."""
        behaviour = self.model.params.lab_behaviour
        current = np.zeros(self.model.ledger.n_accounts)
        current[self.accounts] = self.growth
        observed = self.trailing.growth(current, behaviour.max_expected_growth_per_year)[self.accounts]
        self.growth = self.growth + behaviour.expectation_weight * (observed - self.growth)

    def expected_growth(self) -> np.ndarray:
        """Each firm's expected annual revenue growth (model state, not market prices)."""
        return self.growth

    def expected_growth_of(self, account: int) -> float:
        """The firm's expected annual revenue growth from its trailing accounts."""
        return float(self.growth[self._position[account]])

    def market_growth_path(self) -> np.ndarray:
        """M_y, y = 1..H: growth of AI spending along the adoption S-curve over each year of the DCF, at least g.

        Year y runs from 12(y-1) to 12y months after the middle of the trailing twelve months (6 months back), so year 1
        takes the TTM revenue to the next twelve months'.
        """
        params = self.model.params.valuation
        centre = self.model.steps - 1 - TRAILING_MONTHS // 2
        spend = np.array([adoption_spend_usd_bn(self.model, centre + TRAILING_MONTHS * year)
                          for year in range(params.horizon_years + 1)])
        return np.maximum(spend[1:] / spend[:-1] - 1.0, params.terminal_growth)

    def trailing_market_growth(self) -> float:
        """M_TTM: growth of AI spending on the S-curve between the middles of the last two twelve-month windows."""
        centre = self.model.steps - 1 - TRAILING_MONTHS // 2
        before = adoption_spend_usd_bn(self.model, centre - TRAILING_MONTHS)
        return adoption_spend_usd_bn(self.model, centre) / before - 1.0 if before > 0 else 0.0

    def _utility_growth(self, market_growth: np.ndarray | float) -> np.ndarray | float:
        """The growth utilities' market shares: g + beta (M - g), beta ``valuation.utility_growth_beta``."""
        params = self.model.params.valuation
        return params.terminal_growth + params.utility_growth_beta * (market_growth - params.terminal_growth)

    def _own_values(self, premium: np.ndarray | float = 0.0) -> np.ndarray:
        """Equity of each firm on its own: DCF of its trailing accounts plus cash, capital not yet in service at book
        (:attr:`agents.base.EconomicAgent.capital_not_in_service_usd_bn`), capital in service beyond its trailing mean
        at book (:meth:`market.finance.fundamentals.TrailingAccounts.capital_beyond_mean`: the DCF's revenue and
        sales-to-capital are the trailing months', which do not yet show what capital put to work lately earns) and
        claims, less debt and claims.

        Revenue grows along the market's path, plus the firm's weighted excess growth and ``premium`` (per firm, or one
        for all), fading with the growth half-life (:class:`market.parameters.finance.ValuationSpec`).
        """
        params = self.model.params.valuation
        discount = self.risk_free_rate() + params.equity_risk_premium
        revenue = self.trailing.per_year(Line.REVENUE)
        core = self.trailing.per_year(Line.CORE)
        margin = self.trailing.operating_margin(MARGIN_FLOOR)
        capital, beyond_mean = self.trailing.average_capital(), self.trailing.capital_beyond_mean()
        margins = {"labs": params.long_run_margin_labs, "chipmakers": params.long_run_margin_chipmakers,
                   "utilities": params.long_run_margin_utilities}
        market, trailing = self.market_growth_path(), self.trailing_market_growth()
        paths = {"labs": market, "chipmakers": market, "utilities": self._utility_growth(market)}
        trailing_by_firm = np.where(self.sector == "utilities", self._utility_growth(trailing), trailing)
        excess = params.firm_growth_weight * (self.expected_growth() - trailing_by_firm)
        first_year = excess + np.broadcast_to(premium, excess.shape)
        ledger = self.model.ledger
        own = np.zeros(len(self.firms))
        live = [i for i, firm in enumerate(self.firms) if firm.alive]
        if not live:
            return own
        accounts = self.accounts[live]
        firm_paths = np.array([paths[self.sector[i]] for i in live])
        turnover = np.array([sales_to_capital(revenue[a], capital[a]) for a in accounts])
        enterprise = dcf_values(revenue[accounts], margin[accounts], np.array([margins[self.sector[i]] for i in live]),
                                firm_paths[:, 0] + first_year[live], params.terminal_growth, discount, core[accounts],
                                params.horizon_years, params.growth_half_life_years, turnover, firm_paths)
        for value, i in zip(enterprise, live, strict=True):
            firm = self.firms[i]
            account = firm.account
            equity = (value + firm.cash_usd_bn + firm.capital_not_in_service_usd_bn + beyond_mean[account]
                      + ledger.claims_receivable(account) - firm.debt_usd_bn - ledger.claims_payable(account))
            own[i] = max(equity, firm.own_book_equity_usd_bn(), 0.0)
        return own

    def implied_ai_revenue_ratio(self, years: int = 5) -> float:
        """Labs' AI-services revenue ``years`` on, as their own expected growth implies, over what the demand curve gives.

        Implied: each live lab's TTM AI-services revenue grown at its own expected growth (from its trailing accounts,
        reverting to g with the growth half-life; not investors' premium, and not the top-down path the DCF uses).
        Demand: the labs' TTM AI-services revenue scaled by the adoption S-curve's growth over the same years (today's
        prices and capability). Above 1, the labs expect, and plan for, more AI revenue than the market they share is
        set to deliver.
        """
        model = self.model
        params = model.params.valuation
        labs = (self.sector == "labs") & np.array([f.alive for f in self.firms])
        growth = self.expected_growth()
        ai_revenue = self.trailing.per_year(Line.AI_SERVICES)[self.accounts]
        implied = sum(float(ai_revenue[i]) * revenue_growth_factor(float(growth[i]), params.terminal_growth,
                                                                   params.growth_half_life_years, years)
                      for i in np.flatnonzero(labs & (ai_revenue > 0)))
        now = adoption_spend_usd_bn(model, model.steps - 1)
        later = adoption_spend_usd_bn(model, model.steps - 1 + 12 * years)
        demand = float(ai_revenue[labs].sum()) * later / now if now > 0 else 0.0
        return implied / demand if demand > 1e-12 else 0.0

    def firm_stakes(self) -> CrossHoldings:
        """S_ij: share of firm j held by firm i, marked down by j's DebtRank distress, by the rows of the firms holding
        any (found among the registers' indexed holders in the issuers' rows, which only firms' accounts precede)."""
        capital = self.model.capital
        rows, columns = capital.holders.entries()
        by_issuers = rows < capital.n_issuers
        rows, columns = rows[by_issuers], columns[by_issuers]
        holding = np.unique(rows[capital.stakes[rows, columns] != 0])
        positions = np.array(sorted(self._position[int(a)] for a in holding if int(a) in self._position), dtype=np.int64)
        rows = capital.stakes[np.ix_(self.accounts[positions], self.accounts)] * (1.0 - self.distress[self.accounts])[None, :]
        held = rows.any(axis=1)
        return CrossHoldings(len(self.accounts), positions[held], rows[held])

    # --- the monthly update -------------------------------------------------------------------
    def update_beliefs(self) -> None:
        """Unlearn part of the priced-in growth premium as results come in."""
        self.premium *= 1.0 - self.model.params.valuation.belief_learning_per_month

    def update(self) -> None:
        """Revalue every firm and move market values (schedule step 3).

        Values rest on the trailing accounts of finished months. Before the first month closes there are none,
        and firms are valued at book; at its close (:meth:`record_month`) they are valued on it, so the DCF runs
        from the first recorded month on.
        """
        model = self.model
        stakes = self.firm_stakes()
        alive = np.array([f.alive for f in self.firms])
        if self.trailing.count == 0:
            book = np.array([max(f.own_book_equity_usd_bn(), 0.0) if f.alive else 0.0 for f in self.firms])
            self.fundamental = self.market = self.priced_in = np.maximum(solve_cross_holdings(book, stakes), 0.0)
            self._record_stats(stakes, self.trend_share())
            return
        valued, gap = self._value_fundamentals(stakes, alive)
        if not self.started:
            self.deviation = gap.copy()
            self.previous_forecasts = np.stack([gap, gap])
            self.started = True
        expectations = model.params.expectations
        gross = self.gross_return()
        weights = self.kind_weights()
        n_trend = float(weights @ np.array([self.switching[k].shares()[TREND_FOLLOWER] for k in self.kinds]))
        shares = np.array([1.0 - n_trend, n_trend])
        noise = expectations.noise_sigma * model.streams.get(Stream.INVESTOR_NOISE).standard_normal(len(self.firms))
        reference = self.switching[self.kinds[0]]
        forecasts = reference.forecasts(self.deviation, gap)
        deviation = np.where(valued, reference.clear(self.deviation, gross, noise, shares, gap), 0.0)
        value_weights = self.market / self.market.sum() if self.market.sum() > 0 else np.zeros(len(self.firms))
        for kind in self.kinds:
            self.switching[kind].update_fitness(deviation, self.deviation, self.previous_forecasts, gross, value_weights)
        self.previous_forecasts = forecasts
        self.deviation = deviation
        self.market = np.where(valued, self.fundamental * np.exp(deviation), 0.0)
        self.market_history = [*self.market_history[-3:], self.market.copy()]
        self._record_stats(stakes, n_trend)

    def _value_fundamentals(self, stakes: CrossHoldings, alive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Set fundamental values; return which firms are valued and the log gap b = ln(VB / FV) of priced-in values."""
        valuation = self.model.params.valuation
        premium = np.where(self.sector == "utilities", valuation.utility_growth_beta * self.premium, self.premium)
        self.fundamental = np.maximum(solve_cross_holdings(self._own_values(), stakes), 0.0)
        priced_in = np.maximum(solve_cross_holdings(self._own_values(premium), stakes), 0.0)
        self.priced_in = priced_in
        valued = alive & (self.fundamental > 1e-9) & (priced_in > 1e-9)
        gap = np.zeros(len(self.firms))
        gap[valued] = np.log(priced_in[valued] / self.fundamental[valued])
        return valued, gap

    def _value_first_month(self) -> None:
        """Value firms on the first month's accounts at its close: MV = FV exp(b), no market step (nothing new to trade on)."""
        stakes = self.firm_stakes()
        valued, gap = self._value_fundamentals(stakes, np.array([f.alive for f in self.firms]))
        self.deviation = gap.copy()
        self.previous_forecasts = np.stack([gap, gap])
        self.market = np.where(valued, self.fundamental * np.exp(gap), 0.0)
        self._record_stats(stakes, self.trend_share())
        self.started = True

    def _record_stats(self, stakes: CrossHoldings, n_trend: float) -> None:
        held = outside_held(stakes)
        world_market = float(held @ self.market)
        world_fundamental = float(held @ self.fundamental)
        if self.started:
            self.world_market_history.append(world_market)
        self.stats = {
            "market_value_usd_bn": world_market,
            "fundamental_value_usd_bn": world_fundamental,
            "bubble_index": world_market / world_fundamental if world_fundamental > 0 else 1.0,
            "priced_in_index": float(held @ self.priced_in) / world_fundamental if world_fundamental > 0 else 1.0,
            "share_trend_followers": n_trend,
            "risk_free_rate": self.risk_free_rate(),
        }
        for sector in SECTORS:
            mask = self.sector == sector
            fundamental = float(held[mask] @ self.fundamental[mask])
            self.stats[f"bubble_index_{sector}"] = float(held[mask] @ self.market[mask]) / fundamental if fundamental > 0 else 1.0

    # --- what other markets read --------------------------------------------------------------
    def market_value_of(self, account: int) -> float:
        """Market value of a firm's equity (0 before the first valuation or for non-firms)."""
        i = self._position.get(account)
        return float(self.market[i]) if i is not None else 0.0

    def fundamental_value_of(self, account: int) -> float:
        """Fundamental value of a firm's equity."""
        i = self._position.get(account)
        return float(self.fundamental[i]) if i is not None else 0.0

    def q_ratio(self, account: int) -> float:
        """Market over fundamental value of a firm (1 when either is unknown)."""
        i = self._position.get(account)
        if i is None or self.fundamental[i] <= 1e-9 or self.market[i] <= 1e-9:
            return 1.0
        return float(self.market[i] / self.fundamental[i])

    def appetite(self, account: int) -> float:
        """Multiplier of what investors put into the firm's rounds, times (1 - DebtRank distress).

        1 + s (n_T r_3 + n_F (b - X)) within [0.1, 3]: trend followers chase the firm's 3-month
        market-value return r_3, fundamentalists buy what trades below its priced-in value (b > X).
        """
        i = self._position.get(account)
        if i is None or len(self.market_history) < 4:
            return 1.0 * (1.0 - self.distress[account])
        before = self.market_history[-4][i]
        momentum = self.market[i] / before - 1.0 if before > 1e-9 else 0.0
        n_trend = self.trend_share()
        signal = n_trend * momentum + (1.0 - n_trend) * (self.previous_forecasts[0, i] - self.deviation[i])
        appetite = np.clip(1.0 + self.model.params.expectations.appetite_sensitivity * signal, 0.1, 3.0)
        return float(appetite * (1.0 - self.distress[account]))

    def inflow_multiplier(self) -> float:
        """New money from outside scales with the trailing 12-month return of world market value."""
        history = self.world_market_history
        if len(history) < 13 or history[-13] <= 0:
            return 1.0
        trailing = history[-1] / history[-13] - 1.0
        return float(np.clip(1.0 + self.model.params.expectations.inflow_return_sensitivity * trailing, 0.0, 3.0))

    def portfolio_values(self, account: int) -> tuple[float, float]:
        """(market, fundamental) value of an investor's cash, stakes, loans and bonds; its stakes in fabs count at book,
        its loans at principal and its bonds at their price in both (:meth:`BondBook.debt_held_usd_bn`)."""
        capital = self.model.capital
        stakes = capital.stakes[account, self.accounts]
        fabs = float(self.model.fabs.partner_book_usd_bn(self.model.ledger.n_accounts)[account])
        debt = float(capital.bonds.debt_held_usd_bn(np.array([account]))[0])
        held = self.model.ledger.balance(account) + fabs + debt
        return held + float(stakes @ self.market), held + float(stakes @ self.fundamental)
