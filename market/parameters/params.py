"""The model's behavioural and market parameters, each with unit, range, description and source.

Named agents are in :mod:`market.parameters.roster` (labs, chipmakers), :mod:`market.parameters.utilities` and
:mod:`market.parameters.policy` (governments); the root :class:`Params` gathers them all. Sources marked "assumption" have no public figure; their reasoning is
stated. Figures cited from ``calibration.md`` name the primary source it gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from market.parameters.energy import EnergySpec
from market.parameters.finance import (
    ExpectationsSpec,
    FinanceSpec,
    InsolvencySpec,
    InvestorKindSpec,
    StrategicStakeSpec,
    ValuationSpec,
    VendorDealSpec,
    default_investor_kinds,
    default_strategic_stakes,
)
from market.parameters.physical import (
    CapacityContractSpec,
    ConstructionSpec,
    GenerationSpec,
    TechnologySpec,
    default_construction,
    default_generations,
)
from market.parameters.policy import (
    ExportResponseSpec,
    ExportRuleSpec,
    GovernmentSpec,
    default_export_rules,
    default_governments,
)
from market.parameters.roster import (
    ChipmakerSpec,
    LabSpec,
    default_chipmakers,
    default_labs,
)
from market.parameters.schema import param
from market.parameters.utilities import UtilitySpec, default_utilities

ASSUMED = "assumption: "


@dataclass
class RunSpec:
    """When the run starts, how long it lasts and how large the populations are."""

    start_date: str = param("2025-01", unit="YYYY-MM", description="First simulated month.",
                            source="model design: the baseline starts from the public record of early 2025 (docs/calibration.md)", setup_only=True)
    steps: int = param(120, unit="months", lo=1, hi=600, description="Number of monthly steps.",
                       source="model design: ten years, through the build-out plans announced for 2025-2030 and their aftermath", setup_only=True)
    scale: float = param(1.0, unit="1", lo=0.05, hi=300.0,
                         description="K: multiplies the investor and follower-lab populations by K; investors share the same "
                                     "total capital, and each follower's starting compute, cash, share of demand and smallest "
                                     "order are 1/K of a scale-1 follower's, so the market's totals stay those of K = 1. "
                                     "At K >= 2 the investors form floor(K) segments, each about a scale-1 population, and "
                                     "a follower raises money from its own segment only, so it meets as many (1/K-sized) "
                                     "investors as at K = 1. Investors and followers together are capped at 90,000 agents "
                                     "(K <= 264.7 at the default counts).",
                         source=ASSUMED + "1.0 gives a few hundred investors and some tens of followers, the scale the "
                         "defaults are set at", setup_only=True)


@dataclass
class DemandSpec:
    """AI services demand: S(t) = S_sat / (1 + (S_sat/S_0 - 1) exp(-k t)) at the reference price.

    Quantity demanded in segment m, Q_m = phi_m S(t)/P_0 * (P_m/P_0)^(-epsilon) * (K/K_0)^theta * exp(sigma z), with
    S_0 = ``initial_spend_usd_bn_per_month``, S_sat = ``saturation_spend_usd_bn_per_month``,
    k = ``adoption_rate_per_month``, epsilon = ``price_elasticity``, theta = ``capability_elasticity``,
    K the frontier capability index, sigma = ``shock_sigma``, P_m the segment's average price, P_0 the world's average
    price of month 1 and phi_m the segment's share of spending: China's ``china_spend_share``, served only by labs
    headquartered there, and the rest of the world's (1 - phi), served by every lab (:mod:`market.physical.services`).
    """

    initial_spend_usd_bn_per_month: float = param(
        7.7, unit="usd_bn/month", lo=0.01, hi=1e4,
        description="World spending on AI services (model APIs, subscriptions, cloud AI, Big Tech's own AI products) in the "
                    "first month.",
        source="$7.0bn outside China over 1 - 0.089, China's segment (china_spend_share): $7.0bn was the replay-2022's "
        "spending in Dec 2024 in one world market, $6.5-7.3bn a month in seeds 1-5 (calibrated on OpenAI's 2023 revenue and "
        "NVIDIA's FY2024 data-centre revenue, docs/calibration.md), so the baseline starts where the replay's 2024 ends; reported "
        "sales cover ~$20bn/yr of it (Microsoft AI run-rate $13bn, Microsoft FY25 Q2 call, Jan 2025; OpenAI ~$6bn annualised at "
        "end-2024, OpenAI CFO, reported), the rest is AI inside Big Tech's products, which no filing breaks out")
    saturation_spend_usd_bn_per_month: float = param(
        150.0, unit="usd_bn/month", lo=0.01, hi=1e5,
        description="Level the adoption S-curve tends to at the reference price (S_sat).",
        source=ASSUMED + "$1.8tn/yr, about 1.5% of world GDP (~$110tn); no public figure")
    adoption_rate_per_month: float = param(
        0.032, unit="1/month", lo=0.0, hi=1.0,
        description="Logistic rate k of the adoption S-curve.",
        source="calibrated in replay-2022 on OpenAI's 2023 revenue and NVIDIA's FY2024 data-centre revenue (docs/calibration.md); "
        "one value for the replay and the baseline, so the baseline carries the replay's demand on")
    price_elasticity: float = param(
        1.2, unit="1", lo=0.0, hi=5.0,
        description="Price elasticity of demand for AI services (epsilon); above 1 falling prices raise spending.",
        source=ASSUMED + "cheaper inference opens new uses; no public estimate")
    capability_elasticity: float = param(
        0.5, unit="1", lo=0.0, hi=5.0,
        description="Elasticity of demand to the frontier capability index (theta).",
        source=ASSUMED + "no public estimate; at 0.5 a doubling of frontier capability raises spending by ~41% at a "
                         "given price, a weaker response of quantity than to price (epsilon)")
    shock_sigma: float = param(
        0.03, unit="1", lo=0.0, hi=1.0,
        description="Standard deviation of the monthly log-normal demand shock (stream 'demand_shocks').",
        source=ASSUMED + "small monthly noise around the trend")
    share_weight_capability: float = param(
        3.0, unit="1", lo=0.0, hi=50.0,
        description="Logit weight of log capability in labs' market shares.",
        source=ASSUMED + "buyers favour the most capable models strongly")
    share_weight_price: float = param(
        2.0, unit="1", lo=0.0, hi=50.0,
        description="Logit weight of log price in labs' market shares.",
        source=ASSUMED + "price matters, less than capability")
    china_spend_share: float = param(
        0.089, unit="1", lo=0.0, hi=0.99,
        description="Share phi_CN of world AI-services spending from users in China, a segment served only by labs "
                    "headquartered there (0: one world market).",
        source="IDC Worldwide AI Spending Guide (Sept 2022): China 8.9% of world AI spending in 2026, hardware and "
               "software included, a proxy for its share of AI services; US labs' services are not offered in China "
               "(ChatGPT and Claude unavailable there; OpenAI blocked API traffic from China from July 2024, reported)")


@dataclass
class CapabilitySpec:
    """Capability index K_i = (1 + T_i / T_ref)^alpha * J_i of a lab with cumulative training compute T_i.

    T_i is in EFLOP/s-months, T_ref = ``reference_training_eflops_months``, alpha = ``exponent``,
    J_i the product of the lab's random capability jumps (stream 'capability_jumps').
    """

    exponent: float = param(0.3, unit="1", lo=0.0, hi=2.0,
                            description="Exponent alpha of capability on cumulative training compute.",
                            source=ASSUMED + "diminishing returns to training compute, as in scaling laws")
    reference_training_eflops_months: float = param(
        100.0, unit="EFLOP/s-month", lo=1e-6, hi=1e9, lo_open=True,
        description="Training compute that lifts capability by a factor 2^alpha (T_ref).",
        source=ASSUMED + "about a month of a 2024 frontier cluster")
    jump_probability_per_month: float = param(
        0.02, unit="1/month", lo=0.0, hi=1.0,
        description="Chance a lab makes an algorithmic breakthrough in a month.",
        source=ASSUMED + "about one breakthrough per lab every four years")
    jump_size: float = param(0.1, unit="1", lo=0.0, hi=5.0,
                             description="Relative capability gain of a breakthrough.",
                             source=ASSUMED + "a breakthrough worth ~10% capability, a fraction of a generation's gain")


@dataclass
class ComputeSplitSpec:
    """How a lab of one role splits its compute between training, inference and research.

    inference share s_I,t = clip(s_I(g) + a * u_{t-1}, s_I(g), s_I,max) with u the share of the lab's demand its
    base split s_I(g) would leave unserved and s_I(g) = 1 / (1 + k_0 ((1 + g) / (1 + g_0))^(L/12)) the growth-adjusted base
    (:meth:`agents.lab.Lab.base_inference_share`): k_0 = (1 - s_I,base) / s_I,base, g the lab's expected
    revenue growth, g_0 ``lab_behaviour.initial_expected_growth_per_year``, L ``lab_behaviour.training_payback_months``.
    Training and research keep their base ratio in what remains.
    """

    training_share: float = param(0.52, unit="1", lo=0.0, hi=1.0, description="Base share of compute for training.",
                                  source="OpenAI 2024 compute spend 3.0 of 5.8 $bn (Epoch AI data insight, Oct 2025)")
    inference_share: float = param(0.31, unit="1", lo=0.0, hi=1.0, description="Base share of compute for inference.",
                                   source="OpenAI 2024 compute spend 1.8 of 5.8 $bn (Epoch AI data insight, Oct 2025)")
    research_share: float = param(0.17, unit="1", lo=0.0, hi=1.0, description="Base share of compute for research.",
                                  source="OpenAI 2024 compute spend 1.0 of 5.8 $bn (Epoch AI data insight, Oct 2025)")
    max_inference_share: float = param(0.8, unit="1", lo=0.0, hi=1.0, description="Largest inference share the rule may reach.",
                                       source=ASSUMED + "labs never stop training: at least a fifth of compute stays on training and "
                                              "research (OpenAI's reported 2024 split, quoted by Epoch AI, put 69% there)")
    inference_shift_per_unserved: float = param(0.5, unit="1", lo=0.0, hi=5.0,
                                                description="Shift a toward inference per unit share of demand the base split leaves unserved.",
                                                source=ASSUMED + "labs move compute to serving when customers are turned away, within months")


def _split(training: float, inference: float, research: float) -> ComputeSplitSpec:
    spec = ComputeSplitSpec()
    spec.training_share, spec.inference_share, spec.research_share = training, inference, research
    return spec


def default_compute_split() -> dict[str, ComputeSplitSpec]:
    """Frontier labs split as OpenAI in 2024; clouds and followers lean to inference (assumption)."""
    return {
        "frontier": ComputeSplitSpec(),
        "cloud": _split(0.25, 0.65, 0.10),
        "follower": _split(0.20, 0.70, 0.10),
    }


_SPLIT_NOTE = ASSUMED + "clouds and followers serve more than they train"
ENTRY_SOURCES: dict[str, str] = {
    f"compute_split.{role}.{share}": _SPLIT_NOTE
    for role in ("cloud", "follower")
    for share in ("training_share", "inference_share", "research_share")
}


@dataclass
class LabBehaviourSpec:
    """Decision rules shared by all labs.

    Investment: desired EFLOP/s E* = D_i (1+g_e)^(H_p/12) / s_I * q^kappa (s_I the base inference share the lab
    plans for; its short-run shift toward inference when customers are turned away is not planned for), with
    H_p = b H + (1 - b) H_L
    (b the lab's own-build share, H_L ``lease_planning_horizon_months``), q the lab's market over
    fundamental value and kappa ``valuation_elasticity_of_investment``; each month the lab wants
    (E* - E_kept - E_pipeline - E_leased + e_new (C_out - C_in)) / (e_new M) GW, C_out the GW it must still lease out by
    H under capacity contracts and C_in those it has coming by H_p (:mod:`market.physical.contracts`). g_e is the adaptive expectation of annual demand
    growth, g_e <- (1-lambda) g_e + lambda g_obs; H = ``planning_horizon_months``, M = ``gap_closing_months``,
    e_new the EFLOP/s per GW of chips on sale. The price of compute enters once, through demand D.
    The wish is cut to what can be delivered, powered and built within H, then to what cash and
    financing pay for.
    """

    max_price_markup: float = param(3.0, unit="1", lo=0.0, hi=10.0,
                                    description="Cap on a lab's logit-Bertrand markup of its service price over its compute cost per EFLOP/s-month; "
                                                "labs also decline an export variant costing over (1 + this) times the cheapest "
                                                "full part per EFLOP/s-month.",
                                    source=ASSUMED + "binds only where the own-price elasticity w_p (1 - s) + epsilon s nears 1; "
                                           "at the defaults markups run 1.0-1.9")
    training_payback_months: float = param(
        36.0, unit="months", lo=0.0, hi=120.0,
        description="Months L from training and research spend to the middle of the sales life of the models they make; "
                    "the ratio of training and research to inference compute scales with the lab's expected revenue growth over L.",
        source=ASSUMED + "research and training run 1-2 years before a model sells (GPT-4: trained to Aug 2022, released Mar 2023, "
               "OpenAI GPT-4 technical report) and a frontier model sells for about two years; how many frontier labs are "
               "profitable in 2030-2034 moves with it (docs/sensitivity.md)")
    expectation_weight: float = param(0.15, unit="1", lo=0.0, hi=1.0,
                                      description="Weight lambda of the latest observed growth in the adaptive expectation.",
                                      source=ASSUMED + "a mean lag (1 - lambda) / lambda of ~6 months, about two "
                                              "quarterly reporting cycles")
    initial_expected_growth_per_year: float = param(1.0, unit="1/yr", lo=-0.9, hi=10.0,
                                                    description="Expected annual demand growth g_e at the start.",
                                                    source=ASSUMED + "AI revenue roughly doubling yearly, as OpenAI 2023-2024 (reported)")
    max_expected_growth_per_year: float = param(2.0, unit="1/yr", lo=0.0, hi=20.0,
                                                description="Cap on the expected annual growth rate.", source=ASSUMED + "no lab plans for more than tripling demand a year")
    planning_horizon_months: int = param(24, unit="months", lo=1, hi=120,
                                         description="Horizon H over which labs provision compute for expected demand.",
                                         source=ASSUMED + "about the lead time of a data-centre project")
    lease_planning_horizon_months: int = param(0, unit="months", lo=0, hi=120,
                                               description="Months of expected demand growth H_L a lab provisions for with the compute it leases "
                                                           "(the horizon is H_p = b H + (1 - b) H_L, b its own-build share).",
                                               source="calibrated in replay-2022 on OpenAI's 2023 compute (~0.2 GW, reported; "
                                                      "docs/calibration.md has today's error): 0 months gave +11%, 1 month +42%, 2 months +61% "
                                                      "when it was set (median of seeds 1-5); a lease starts the month it is signed, so a "
                                                      "leasing lab provisions for the demand it has")
    gap_closing_months: int = param(6, unit="months", lo=1, hi=60,
                                    description="Months M over which a lab spreads orders that close its compute gap.",
                                    source=ASSUMED + "damps ordering swings: a gap is closed over two quarters, about the "
                                           "time to sign and schedule chip and lease contracts")
    valuation_elasticity_of_investment: float = param(
        1.0, unit="1", lo=0.0, hi=10.0,
        description="Elasticity of desired compute to the lab's market value over its fundamental value (Tobin's q).",
        source=ASSUMED + "q theory of investment (Tobin 1969): firms the market overvalues invest more; unit elasticity")
    cash_buffer_months: float = param(3.0, unit="months", lo=0.0, hi=60.0,
                                      description="Months of running costs a lab keeps in cash before ordering more.",
                                      source=ASSUMED + "a quarter of running costs in cash, a common treasury rule")
    opex_share_of_revenue: float = param(0.25, unit="1", lo=0.0, hi=5.0,
                                         description="Staff, sales and other non-compute costs as a share of revenue, paid to outside.",
                                         source="Microsoft FY2024 10-K: R&D 29.5 + sales and marketing 24.5 + G&A 7.6 = 61.6 of revenue "
                                                "245.1 $bn (25%); Alphabet 2024 10-K: 91.3 of 350.0 $bn (26%). OpenAI 2024 was higher "
                                                "(~0.8: revenue 3.7, compute 5.8, loss ~5 $bn, reported)")
    maintenance_usd_bn_per_gw_month: float = param(0.1, unit="usd_bn/GW-month", lo=0.0, hi=10.0,
                                                   description="Non-power operating cost of online data-centre capacity.",
                                                   source=ASSUMED + "rule of thumb ~$1.2m per MW-year of data-centre O&M")
    building_capex_usd_bn_per_gw: float = param(15.0, unit="usd_bn/GW", lo=0.0, hi=1e3,
                                                description="Capex of a data centre's building, power and cooling, excluding the chipmaker's content.",
                                                source="~$50bn per GW all-in of which ~$35bn NVIDIA content (NVIDIA Q2 FY2026 earnings call, reported)")
    initial_pipeline_share: float = param(
        1.2, unit="1", lo=0.0, hi=5.0,
        description="Projects under construction at the start, as a share of each building lab's installed compute.",
        source=ASSUMED + "world AI compute roughly doubled a year in 2023-2024 (NVIDIA data-centre revenue, 10-K); at that pace "
        "the buildings under way hold the additions of the coming build time, 2^(T/12) - 1 of the installed base: 1.0 for "
        "12-month builds, 1.8 for 18; 1.2 taken, where the baseline's 2025 AI capex and chipmaker revenue agree with "
        "replay-2022's (1.5 gave +20% capex, 1.0 -31% revenue in seed 1); it starts the makers sold out months ahead", setup_only=True)
    max_project_gw: float = param(1.0, unit="GW", lo=0.01, hi=20.0,
                                  description="Largest single data-centre project; larger orders are split.",
                                  source=ASSUMED + "gigawatt campuses are the 2025 frontier (Stargate Abilene ~1.2 GW, reported)")
    min_order_gw: float = param(0.005, unit="GW", lo=0.0, hi=1.0,
                                description="Smallest order a lab bothers to place (a follower's: this over run.scale).", source=ASSUMED + "5 MW, a small data hall")
    lease_markup: float = param(0.25, unit="1", lo=0.0, hi=10.0,
                                description="Cloud's markup of lease prices over its full cost per GW-month.",
                                source=ASSUMED + "neocloud gross margins over full cost (depreciation, power, upkeep) are ~20-30%")
    lease_term_months: int = param(60, unit="months", lo=1, hi=240,
                                   description="Term of a take-or-pay compute lease.",
                                   source="OpenAI-Oracle contract ~$300bn over ~5 years (WSJ, reported)")
    starting_own_use_share: float = param(
        1.0, unit="1", lo=0.0, hi=1.0, setup_only=True, description="Share of a service-selling cloud's leasable GW not leased "
        "at the start that it keeps for its own services until its starting chips retire (in proportion to their GW still live).",
        source=ASSUMED + "1: clouds started 2025 short of capacity and served their own AI products first (Microsoft CFO, "
        "29 Jan 2025: capacity-constrained; 29 Oct 2025 and 28 Jan 2026: new GPUs go to its own AI products before "
        "Azure's customers, reported); 0 before the boom")
    site_weight_price: float = param(3.0, unit="1", lo=0.0, hi=50.0,
                                     description="Logit weight of log power price when choosing a site region.", source=ASSUMED + "power price matters but is a small share of all-in cost")
    site_weight_wait: float = param(0.1, unit="1/month", lo=0.0, hi=10.0,
                                    description="Logit weight of the expected wait for power (months) when choosing a site region.",
                                    source=ASSUMED + "a year's wait for power costs about as much in the choice as a 3x power price")
    supplier_weight_price: float = param(4.0, unit="1", lo=0.0, hi=50.0,
                                         description="Logit weight of log price per EFLOP/s when choosing a chipmaker.", source=ASSUMED + "buyers move to cheaper FLOP/s fairly readily")
    supplier_weight_partner: float = param(2.0, unit="1", lo=0.0, hi=50.0,
                                           description="Logit bonus for a chipmaker the lab partners with.", source=ASSUMED + "partners get most orders at equal price (supply agreements, software lock-in)")
    supplier_weight_size: float = param(0.5, unit="1", lo=0.0, hi=50.0,
                                        description="Logit weight of log capacity (preferential attachment to large suppliers).",
                                        source=ASSUMED + "buyers favour suppliers able to deliver at scale")
    supplier_weight_wait: float = param(0.15, unit="1/month", lo=0.0, hi=10.0,
                                        description="Logit weight of a chipmaker's backlog in months of its capacity (buyers avoid long waits).",
                                        source=ASSUMED + "a year's wait cuts a supplier's odds to about a sixth; Chinese labs bought H20s "
                                               "while Ascend supply was sold out (reported)")
    partnership_threshold_gw: float = param(0.5, unit="GW", lo=0.0, hi=100.0,
                                            description="Cumulative GW ordered from a chipmaker after which a 'partners' relation forms.",
                                            source=ASSUMED + "half a GW of orders makes a strategic relationship")


@dataclass
class FollowerSpec:
    """The population of small follower labs."""

    count: int = param(40, unit="labs at scale 1", lo=0, hi=10_000,
                       description="Number of follower labs at scale 1.",
                       source=ASSUMED + "some tens of small labs besides the named firms: enough for their shares to "
                       "look like a fringe, few enough to run fast", setup_only=True)
    mean_initial_compute_gw: float = param(0.015, unit="GW", lo=0.0, hi=10.0,
                                           description="Mean initial compute of a follower at run.scale 1 (log-normal across "
                                                       "followers; divided by run.scale).",
                                           source=ASSUMED + "tens of MW each; ~0.6 GW together", setup_only=True)
    initial_compute_sigma: float = param(0.8, unit="1", lo=0.0, hi=3.0,
                                         description="Log-normal sigma of followers' initial compute.", source=ASSUMED + "small labs range over an order of magnitude in size", setup_only=True)
    initial_cash_usd_bn: float = param(0.3, unit="usd_bn", lo=0.0, hi=100.0,
                                       description="Cash of each follower at the start, at run.scale 1 (divided by run.scale).", source=ASSUMED + "order of the cash on hand of the firms it stands for (reported)", setup_only=True)
    leased_share: float = param(0.7, unit="1", lo=0.0, hi=1.0,
                                description="Share of a follower's initial compute that is leased from a cloud of its region.",
                                source=ASSUMED + "small labs rent rather than build", setup_only=True)
    region_shares: list = param(["US:0.5", "CN:0.2", "EU:0.15", "GULF:0.05", "ROW:0.1"], unit="region:share",
                                description="Regions of follower labs, as 'REGION:share' entries summing to 1.",
                                source=ASSUMED + "US-heavy, as AI start-up funding and assets under management are", setup_only=True)


@dataclass
class InvestorSpec:
    """The investor population: capital, inflows and how much of it a funding round can take."""

    count: int = param(300, unit="investors at scale 1", lo=1, hi=100_000,
                       description="Number of investors at scale 1.",
                       source=ASSUMED + "a few hundred: enough that no one investor holds much of a firm, few enough to "
                       "run fast", setup_only=True)
    total_capital_usd_bn: float = param(2000.0, unit="usd_bn", lo=0.0, hi=1e6,
                                        description="Capital the investor population holds at the start.",
                                        source=ASSUMED + "funds active in AI deals; world VC ~$300bn/yr and large sovereign and public allocations", setup_only=True)
    inflow_rate_per_month: float = param(0.004, unit="1/month", lo=0.0, hi=0.5,
                                         description="New money entering investors from outside, per month, as a share of their capital (scaled by recent returns).",
                                         source="global venture funding to AI ~$100bn in 2024 (Crunchbase, reported): 0.4% a month of the "
                                         "$2,000bn population is ~$96bn a year")
    max_commit_share_per_round: float = param(0.05, unit="1", lo=0.0, hi=1.0,
                                              description="Largest share of its cash one investor puts into one round.",
                                              source=ASSUMED + "no fund stakes more than a twentieth of its cash on one deal")
    foreign_weight: float = param(0.3, unit="1", lo=0.0, hi=1.0,
                                  description="Weight of a round abroad relative to one at home (home bias).", source=ASSUMED + "home bias: a fund puts about a third as much abroad as at home")
    kind_shares: list = param(["venture:0.3", "public:0.5", "sovereign:0.1", "energy:0.1"], unit="kind:share",
                              description="Kinds of investor as 'kind:share' entries summing to 1.", source=ASSUMED + "public-market money dominates, venture money is a large minority", setup_only=True)
    region_shares: list = param(["US:0.5", "CN:0.15", "EU:0.15", "GULF:0.1", "ROW:0.1"], unit="region:share",
                                description="Home regions of investors as 'REGION:share' entries summing to 1.", source=ASSUMED + "US-heavy, as AI start-up funding and assets under management are", setup_only=True)
    capital_sigma: float = param(1.0, unit="1", lo=0.0, hi=3.0,
                                 description="Log-normal sigma of capital across investors.", source=ASSUMED + "fund sizes spread over an order of magnitude", setup_only=True)


@dataclass
class Params:
    """Every parameter of a run. Paths are dotted: ``demand.price_elasticity``, ``labs.frontier_lab_a.region``."""

    run: RunSpec = field(default_factory=RunSpec)
    demand: DemandSpec = field(default_factory=DemandSpec)
    capability: CapabilitySpec = field(default_factory=CapabilitySpec)
    lab_behaviour: LabBehaviourSpec = field(default_factory=LabBehaviourSpec)
    compute_split: dict[str, ComputeSplitSpec] = field(default_factory=default_compute_split)
    followers: FollowerSpec = field(default_factory=FollowerSpec)
    generations: dict[str, GenerationSpec] = field(default_factory=default_generations)
    technology: TechnologySpec = field(default_factory=TechnologySpec)
    construction: dict[str, ConstructionSpec] = field(default_factory=default_construction)
    investors: InvestorSpec = field(default_factory=InvestorSpec)
    finance: FinanceSpec = field(default_factory=FinanceSpec)
    valuation: ValuationSpec = field(default_factory=ValuationSpec)
    expectations: ExpectationsSpec = field(default_factory=ExpectationsSpec)
    investor_kinds: dict[str, InvestorKindSpec] = field(default_factory=default_investor_kinds)
    insolvency: InsolvencySpec = field(default_factory=InsolvencySpec)
    vendor_deals: dict[str, VendorDealSpec] = field(default_factory=dict, metadata={"open": VendorDealSpec})
    strategic_stakes: dict[str, StrategicStakeSpec] = field(default_factory=default_strategic_stakes,
                                                            metadata={"open": StrategicStakeSpec})
    capacity_contracts: dict[str, CapacityContractSpec] = field(default_factory=dict, metadata={"open": CapacityContractSpec})
    labs: dict[str, LabSpec] = field(default_factory=default_labs)
    chipmakers: dict[str, ChipmakerSpec] = field(default_factory=default_chipmakers)
    utilities: dict[str, UtilitySpec] = field(default_factory=default_utilities)
    energy: EnergySpec = field(default_factory=EnergySpec)
    governments: dict[str, GovernmentSpec] = field(default_factory=default_governments)
    export_rules: dict[str, ExportRuleSpec] = field(default_factory=default_export_rules, metadata={"open": ExportRuleSpec})
    export_response: ExportResponseSpec = field(default_factory=ExportResponseSpec)
