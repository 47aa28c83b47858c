"""Finance parameters: rates, valuation, investor expectations, vendor financing and insolvency."""

from __future__ import annotations

from dataclasses import dataclass

from market.enums import InvestorKind
from market.parameters.schema import param

ASSUMED = "assumption: "
ENTRY_SOURCES: dict[str, str] = {}


@dataclass
class FinanceSpec:
    """Debt: a risk-free path plus a spread rising with market leverage.

    Rate of new debt r_b = r_f(t) + s_0 + s_1 L, with L = debt / (debt + market value of equity);
    each loan keeps the rate it was made at. Principal falls by 1/term each month.
    """

    risk_free_path: list = param(
        ["2020:0.0089", "2021:0.0145", "2022:0.0295", "2023:0.0396", "2024:0.0421", "2025:0.0430"], unit="year:1/yr",
        description="Risk-free rate by calendar year as 'YYYY:rate'; held at the last value after it.",
        source="annual averages of the US 10-year Treasury yield (FRED DGS10); 2025 approximate")
    base_spread_per_year: float = param(0.01, unit="1/yr", lo=0.0, hi=1.0, description="Spread s_0 of an unlevered borrower.",
                                        source="US investment-grade corporate spreads ~1% in 2024 (ICE BofA index, reported)")
    leverage_spread_per_year: float = param(0.08, unit="1/yr", lo=0.0, hi=2.0,
                                            description="Spread s_1 per unit of market leverage.",
                                            source=ASSUMED + "a 50%-levered borrower pays ~4% over an unlevered one, as high-yield against IG")
    debt_term_months: int = param(60, unit="months", lo=1, hi=600,
                                  description="Months over which debt amortises (declining balance).",
                                  source=ASSUMED + "five-year loans match the useful life of the chips they fund")
    max_debt_to_assets: float = param(0.5, unit="1", lo=0.0, hi=0.95,
                                      description="Largest debt / total assets a borrower may reach.",
                                      source=ASSUMED + "investment-grade borrowers stay below ~50% debt to assets")
    funding_horizon_months: int = param(12, unit="months", lo=1, hi=120,
                                        description="Months of committed spending a firm funds ahead: it raises money for the payments its "
                                                    "plans fall due within them (and a lab for its regular payout) less the operating cash "
                                                    "flow it expects over them (its losses when negative), and counts cash beyond its "
                                                    "buffer and those payments, no inflow counted, as excess.",
                                        source=ASSUMED + "a year of runway, the usual horizon of start-up rounds and corporate liquidity plans")
    payout_share_of_excess_cash_per_month: float = param(
        0.25, unit="1/month", lo=0.0, hi=1.0,
        description="Share of its cash beyond needs (buffer and the funding horizon's committed spending, no operating inflow "
                    "counted) a firm pays out each month; a lab pays out only while its trailing twelve months' operating "
                    "profit is positive, and only if it returns excess cash.",
        source=ASSUMED + "excess cash returned within about a quarter; Alphabet and Meta paid out 56-69% of 2024 net income in "
               "buybacks and dividends (10-K filings)")
    payout_adjustment_per_month: float = param(
        0.029, unit="1/month", lo=0.0, hi=1.0,
        description="Share of the gap between a lab's target regular payout (its payout ratio times its trailing operating "
                    "cash flow) and last month's that it closes each month.",
        source="Lintner (1956), American Economic Review 46(2): firms close about 30% of the gap to their target dividend "
               "a year; 1 - (1 - 0.3)^(1/12) = 0.029 a month")
    impairment_test: bool = param(True, unit="-",
                                  description="Whether labs test their installed chips for impairment at each quarter's end and write a "
                                              "site's chips down to the higher of their fair value and value in use "
                                              "(market.finance.impairment).",
                                  source="IAS 36 Impairment of Assets (IFRS Foundation): an asset is carried at no more than its "
                                         "recoverable amount, the higher of fair value less costs of disposal and value in use")
    impairment_materiality_share: float = param(
        0.01, unit="1", lo=0.0, hi=1.0,
        description="A site's chips are written down only when the loss exceeds this share of the carrying amount of "
                    "the lab's chips at all its sites; a firm's stake in another, only when it exceeds this share of the "
                    "stake's carrying amount.",
        source=ASSUMED + "auditors commonly set materiality at 0.5-1% of total assets (or ~5% of pre-tax income); below it a "
               "write-down would move the books by rounding each month")
    bond_min_issue_usd_bn: float = param(0.3, unit="usd_bn", lo=0.0, hi=1e4,
                                         description="Smallest debt raise a firm sells as bonds rather than taking as loans.",
                                         source="Bloomberg US Corporate Index rules: USD 300m minimum par amount outstanding (below "
                                                "it a bond is not benchmark-sized; smaller debt is borrowed)")
    bond_max_leverage: float = param(0.3, unit="1", lo=0.0, hi=1.0,
                                     description="Highest market leverage D / (D + E) at which a firm sells bonds (investment grade); "
                                                 "above it it borrows loans.",
                                     source=ASSUMED + "investment-grade issuers (Microsoft, Alphabet, Amazon, Meta, Oracle before 2025) "
                                            "carry debt below ~30% of their enterprise value; neoclouds such as CoreWeave, levered "
                                            "several times more, funded with secured loans")
    bond_term_months: int = param(120, unit="months", lo=1, hi=600,
                                  description="Mean life of a firm's bonds: each month 1/T of the face outstanding is redeemed at par "
                                              "(a ladder of maturities).",
                                  source=ASSUMED + "issuers sell tranches of 3 to 40 years (Meta's $30bn of October 2025 ran from 5 "
                                         "to 40 years, reported); a ten-year mean life stands for such a mix")
    min_pre_money_usd_bn: float = param(0.1, unit="usd_bn", lo=0.001, hi=1e4,
                                        description="Floor on the valuation at which a round prices its shares.",
                                        source=ASSUMED + "keeps share prices positive for firms valued at nothing")


@dataclass
class ValuationSpec:
    """Fundamental value: a 10-year DCF plus a terminal value, floored at book (docs/ODD.md section 7, Valuation).

    FV = sum_{y=1}^{H} F_y / (1+r)^y + F_{H+1} / ((r-g)(1+r)^H), F_y = Rev_y m_y + O_y - max(dRev_y, 0) / S (free cash
    flow after the capital growth needs, S the firm's sales-to-capital ratio), the operating margin (after
    depreciation) fading from the current one to the long-run margin over H years, O the cash flow of businesses
    outside AI growing at g; r = r_f + ``equity_risk_premium``; g = ``terminal_growth`` < r (enforced).
    Revenue grows top-down: in year y at M_y + x 0.5^((y-1)/h), M_y the growth of AI spending along the demand
    curve's adoption S-curve over the year (known to all; at least g; utilities g + ``utility_growth_beta``
    (M_y - g)), x = w (g_e - M_TTM) the firm's own expected growth g_e in excess of the market's growth over the same
    trailing months, weighted by w ``firm_growth_weight``, fading with half-life h ``growth_half_life_years``.
    Revenue, margin and g_e come from the firm's trailing twelve months (:mod:`market.finance.fundamentals`).
    Investors' priced-in value is the same DCF with the premium they price in (``priced_in_premium_per_year``) added
    to x; it decays as they learn (``belief_learning_per_month``).
    """

    horizon_years: int = param(10, unit="years", lo=1, hi=50, description="Explicit DCF horizon H.",
                               source="model design: an explicit 10-year DCF with a terminal value, the usual analyst horizon (Damodaran, Investment Valuation, 2012)")
    equity_risk_premium: float = param(0.045, unit="1/yr", lo=0.0, hi=0.5, description="Equity risk premium over the risk-free rate.",
                                       source="Damodaran implied equity risk premium ~4.3-4.6% in Jan 2025 (reported)")
    terminal_growth: float = param(0.03, unit="1/yr", lo=-0.5, hi=0.5,
                                   description="Growth g after the horizon; must be below the discount rate.",
                                   source=ASSUMED + "long-run nominal growth of the world economy")
    firm_growth_weight: float = param(0.0, unit="1", lo=0.0, hi=1.0,
                                      description="Weight w the DCF gives a firm's own trailing growth in excess of the market's: 0 values "
                                                  "each firm at its trailing share of a market growing along the adoption S-curve, 1 "
                                                  "extrapolates its own trailing growth.",
                                      source=ASSUMED + "young firms are valued top-down, market size times share (Damodaran, The Dark Side "
                                             "of Valuation, 3rd ed. 2018), and a share trend is not a forecast: sales growth does "
                                             "not persist beyond chance (Chan, Karceski and Lakonishok 2003, J. Finance 58(2):643); at 1, "
                                             "a fast grower's value compounds its revenue trend with a rising growth expectation month "
                                             "after month")
    growth_half_life_years: float = param(2.0, unit="years", lo=0.1, hi=50.0,
                                          description="Half-life with which a firm's growth in excess of its market's fades in the DCF.",
                                          source="high sales growth is not persistent: Chan, Karceski and Lakonishok (2003) J. Finance 58(2):643")
    long_run_margin_labs: float = param(0.2, unit="1", lo=-1.0, hi=1.0,
                                        description="Operating margin (after depreciation) labs converge to by the horizon.",
                                        source=ASSUMED + "below mature cloud businesses' operating margins (AWS ~37% in 2024, Amazon 10-K) as AI services compete")
    long_run_margin_chipmakers: float = param(0.3, unit="1", lo=-1.0, hi=1.0,
                                              description="Operating margin (after depreciation) chipmakers converge to by the horizon.",
                                              source=ASSUMED + "below NVIDIA's ~62% operating margin of FY2025 (10-K) as competition returns")
    long_run_margin_utilities: float = param(0.15, unit="1", lo=-1.0, hi=1.0,
                                             description="Operating margin (after depreciation) utilities converge to by the horizon.",
                                             source=ASSUMED + "regulated utilities' operating margins are ~15-25%")
    utility_growth_beta: float = param(0.3, unit="1", lo=0.0, hi=2.0,
                                       description="Share of believed AI demand growth utilities' revenue is believed to share.",
                                       source=ASSUMED + "power demand grows slower than AI revenue")
    priced_in_premium_per_year: float = param(0.0, unit="1/yr", lo=-0.9, hi=10.0,
                                              description="Revenue growth investors price in above what firms themselves expect, at the start.",
                                              source=ASSUMED + "none in the baseline: investors believe what firms expect", setup_only=True)
    belief_learning_per_month: float = param(0.05, unit="1/month", lo=0.0, hi=1.0,
                                             description="Share of the priced-in premium investors unlearn each month as results come in.",
                                             source=ASSUMED + "beliefs catch up with the data over about two years")


@dataclass
class ExpectationsSpec:
    """Brock-Hommes switching between fundamentalists and trend followers (see market/finance/expectations.py).

    Each investor kind averages its fitness with memory eta = 1 - 1 / horizon; market valuations use
    the capital-weighted type shares. At the fundamental steady state trend followers' share is
    1 / (1 + exp(-beta C)) for every kind, so the valuation deviation loses stability at
    beta* = ln(R / (g - R)) / C, with R the monthly gross risk-free return (about 32.6 at the defaults).
    """

    intensity_of_choice: float = param(20.0, unit="1", lo=0.0, hi=1e4, description="beta, how strongly investors switch to the fitter type.",
                                       source=ASSUMED + "below beta* in the baseline: valuations return to fundamentals", setup_only=True)
    trend_coefficient: float = param(1.2, unit="1", lo=0.0, hi=3.0, description="g, trend followers' extrapolation of the deviation.",
                                     source=ASSUMED + "R < g < 2R, the Brock-Hommes (1998) case with a pitchfork at beta*", setup_only=True)
    fundamentalist_cost: float = param(0.05, unit="1", lo=0.0, hi=10.0,
                                       description="C, the per-month cost of the fundamentalist strategy in fitness units.",
                                       source=ASSUMED + "research costs of valuing firms: Brock and Hommes (1998) charge the "
                                              "fundamental strategy, and not the trend, a small cost", setup_only=True)
    risk_scale: float = param(0.01, unit="1", lo=1e-6, hi=10.0, description="a sigma^2 dividing realised profits in the fitness.",
                              source=ASSUMED + "monthly variance of valuation deviations ~0.01", setup_only=True)
    trend_cap: float = param(1.0, unit="1", lo=0.01, hi=10.0, description="K, the largest log deviation trend followers extrapolate to.",
                             source=ASSUMED + "nobody extrapolates beyond ~e (2.7x) the fundamental", setup_only=True)
    noise_sigma: float = param(0.02, unit="1", lo=0.0, hi=1.0, description="Monthly noise of each firm's valuation (stream 'investor_noise').",
                               source=ASSUMED + "monthly idiosyncratic moves of a few percent in large-cap equity")
    appetite_sensitivity: float = param(5.0, unit="1", lo=0.0, hi=100.0,
                                        description="How much recent returns (trend followers) and discounts (fundamentalists) scale what investors put into a firm's rounds.",
                                        source=ASSUMED + "a 20% three-month gain doubles trend followers' appetite; an 18% fall cuts it to a tenth")
    inflow_return_sensitivity: float = param(1.0, unit="1", lo=0.0, hi=20.0,
                                             description="New money from outside scales by 1 + this x the trailing 12-month return of world market value.",
                                             source=ASSUMED + "fund flows chase past returns (Sirri and Tufano 1998, Journal of "
                                                    "Finance 53(5)); at 1 a year of 100% returns doubles new money")


@dataclass
class InvestorKindSpec:
    """How a kind of investor differs: horizon, risk appetite, what it lends."""

    horizon_months: float = param(12.0, unit="months", lo=1.0, hi=600.0,
                                  description="Horizon over which it judges strategies (fitness memory eta = 1 - 1/horizon).",
                                  source=ASSUMED, setup_only=True)
    risk_appetite: float = param(1.0, unit="1", lo=0.0, hi=10.0, description="Multiplies the share of its cash it puts into one round.",
                                 source=ASSUMED)


def _kind(horizon: float, appetite: float) -> InvestorKindSpec:
    spec = InvestorKindSpec()
    spec.horizon_months, spec.risk_appetite = horizon, appetite
    return spec


def default_investor_kinds() -> dict[str, InvestorKindSpec]:
    """Venture funds look long and take risk; public markets look short; sovereigns look longest."""
    return {
        InvestorKind.VENTURE.value: _kind(36.0, 1.5),
        InvestorKind.PUBLIC.value: _kind(3.0, 1.0),
        InvestorKind.SOVEREIGN.value: _kind(60.0, 0.7),
        InvestorKind.ENERGY.value: _kind(24.0, 0.5),
    }


for _name, _text in {
    "venture": "venture funds hold for years and accept large risks",
    "public": "public-market funds are judged quarterly",
    "sovereign": "sovereign funds have decade horizons and conservative mandates",
    "energy": "energy funds hold long-lived assets and take little equity risk",
}.items():
    ENTRY_SOURCES[f"investor_kinds.{_name}.horizon_months"] = ASSUMED + _text
    ENTRY_SOURCES[f"investor_kinds.{_name}.risk_appetite"] = ASSUMED + _text


@dataclass
class VendorDealSpec:
    """A vendor-financing deal: the chipmaker invests an amount per GW of its chips the lab deploys.

    The money is equity at the lab's market value, earmarked for that chipmaker's chips; tranches
    trigger on GW of the chipmaker's chips online in the lab's own projects, from ``start_date``.
    """

    chipmaker: str = param("incumbent_gpu", unit="-", description="The investing chipmaker.", source="scenario input", setup_only=True)
    lab: str = param("frontier_lab_a", unit="-", description="The lab receiving the money.", source="scenario input", setup_only=True)
    usd_bn_per_gw: float = param(10.0, unit="usd_bn/GW", lo=0.0, hi=1e3, description="Investment per GW deployed.",
                                 source="OpenAI-NVIDIA letter of intent: up to $100bn over 10 GW (OpenAI/NVIDIA release, 22 Sep 2025)", setup_only=True)
    max_gw: float = param(10.0, unit="GW", lo=0.0, hi=1e3, description="GW after which tranches stop.",
                          source="OpenAI-NVIDIA letter of intent: at least 10 GW (22 Sep 2025)", setup_only=True)
    start_date: str = param("2025-09", unit="YYYY-MM", description="Month from which deployments count.",
                            source="OpenAI-NVIDIA letter of intent, 22 Sep 2025", setup_only=True)


@dataclass
class StrategicStakeSpec:
    """A stake one named firm holds in another at the start: its share s of the firm's equity (the other owners'
    shares scaled by 1 - s) and what the holder paid, C, its carrying amount (:mod:`market.finance.stake_book`).

    Held from the start of runs starting in ``as_of`` or later, the month s and C describe; a run starting earlier (the
    replay, from 2022) starts without it, and does not model the purchases in between. A share of 0 switches it off.
    With several stakes in one lab, the starting owners' shares are scaled by 1 less their sum.
    """

    holder: str = param("cloud_us_a", unit="-", description="The named firm holding the stake.", source="scenario input",
                        setup_only=True)
    firm: str = param("frontier_lab_a", unit="-", description="The named lab whose shares it holds.", source="scenario input",
                      setup_only=True)
    share: float = param(0.0, unit="1", lo=0.0, hi=0.99, description="Share of the firm's equity held at the start.",
                         source="scenario input", setup_only=True)
    cost_usd_bn: float = param(0.0, unit="usd_bn", lo=0.0, hi=1e4,
                               description="What the holder paid for the stake: its carrying amount at the start.",
                               source="scenario input", setup_only=True)
    as_of: str = param("2025-01", unit="YYYY-MM", description="The month the share and cost describe.",
                       source="scenario input", setup_only=True)


def _stake(holder: str, firm: str, share: float, cost_usd_bn: float) -> StrategicStakeSpec:
    spec = StrategicStakeSpec()
    spec.holder, spec.firm, spec.share, spec.cost_usd_bn = holder, firm, share, cost_usd_bn
    return spec


def default_strategic_stakes() -> dict[str, StrategicStakeSpec]:
    """The clouds' stakes in the frontier labs at the start of 2025 (docs/agents.md names the firms)."""
    return {
        "microsoft_openai": _stake("cloud_us_a", "frontier_lab_a", 0.325, 13.0),
        "amazon_anthropic": _stake("cloud_us_b", "frontier_lab_b", 0.13, 8.0),
        "google_anthropic": _stake("cloud_us_c", "frontier_lab_b", 0.14, 3.0),
    }


ENTRY_SOURCES.update({
    "strategic_stakes.microsoft_openai.share": "Microsoft's 32.5% of OpenAI's for-profit arm on an as-converted basis "
    "before the 2025 rounds (Microsoft/OpenAI joint statement, 28 Oct 2025, reported; 27% after the recapitalisation)",
    "strategic_stakes.microsoft_openai.cost_usd_bn": "Microsoft's total funding commitment to OpenAI, $13bn, of which "
    "$11.8bn was funded by March 2026 (Microsoft 10-Q, reported): carried at the commitment, up to ~10% above cost",
    "strategic_stakes.amazon_anthropic.share": ASSUMED + "Amazon's share is not disclosed: its $8bn at Anthropic's "
    "$61.5bn post-money value of March 2025 (reported)",
    "strategic_stakes.amazon_anthropic.cost_usd_bn": "Amazon's $8bn investment in Anthropic (Amazon 10-K 2024: "
    "convertible notes, $4bn in 2023-24 and $4bn in Nov 2024)",
    "strategic_stakes.google_anthropic.share": "Google owns 14% of Anthropic (court filings in the US v. Google "
    "search case, New York Times, Mar 2025, reported)",
    "strategic_stakes.google_anthropic.cost_usd_bn": "Google has invested more than $3bn in Anthropic (same filings, "
    "reported)",
})
for _name in ("microsoft_openai", "amazon_anthropic", "google_anthropic"):
    for _field in ("holder", "firm"):
        ENTRY_SOURCES[f"strategic_stakes.{_name}.{_field}"] = "docs/agents.md: the firms the roster's labs stand for"
    ENTRY_SOURCES[f"strategic_stakes.{_name}.as_of"] = "the baseline's start, the month the share and cost describe"


@dataclass
class InsolvencySpec:
    """When a firm defaults and how its estate is cleared."""

    enabled: bool = param(True, unit="-", description="Whether firms can default (off: claims accumulate, nobody defaults).",
                          source="model design: firms that cannot pay and cannot raise money default; off only to isolate other mechanisms")
    grace_months: int = param(3, unit="months", lo=1, hi=60,
                              description="Consecutive months with unpaid claims, and no money raised to clear them, before a firm defaults.",
                              source=ASSUMED + "a quarter of missed payments before creditors force insolvency")
    arrears_tolerance_usd_bn: float = param(0.001, unit="usd_bn", lo=0.0, hi=10.0,
                                            description="Unpaid claims below this do not count as arrears.", source=ASSUMED + "a million dollars: rounding in accounts kept in $bn, far below any "
                                                                 "firm's monthly bills")
    fire_sale_discount: float = param(0.5, unit="1", lo=0.0, hi=1.0,
                                      description="Discount to net book value at which a defaulted firm's chips and projects are sold.",
                                      source=ASSUMED + "distressed sales of specialised assets fetch about half of book (Shleifer and Vishny 1992 logic)")
    distress_decay_per_month: float = param(0.1, unit="1/month", lo=0.0, hi=1.0,
                                            description="Share of a surviving firm's DebtRank distress that fades each month.",
                                            source=ASSUMED + "distress from a counterparty's default fades over about a year")
    take_or_pay_claim_months: int = param(12, unit="months", lo=0, hi=240,
                                          description="Months of remaining lease payments a lessor claims when its lessee defaults.",
                                          source=ASSUMED + "damages for a terminated take-or-pay contract capped at a year")
    contagion_window_months: int = param(24, unit="months", lo=1, hi=240,
                                         description="A default counts as contagion if failed counterparties cost the firm money within this many months before it.",
                                         source=ASSUMED + "a lost lessee's payments are missed over the take-or-pay year (12 months), then the "
                                         "lessor lives on its cash buffer and grace period; two years covers both")
