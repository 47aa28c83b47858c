"""The named firms of the baseline and their parameters: labs and chipmakers (utilities: :mod:`market.parameters.utilities`;
governments: :mod:`market.parameters.policy`).

Each named agent stands for one real firm or an aggregate of firms; ``docs/agents.md`` maps them.
Figures are early-2025 balance-sheet and capacity figures; ``ENTRY_SOURCES`` gives the source of
each default that differs from its field's generic source.
"""

from __future__ import annotations

from dataclasses import dataclass

from market.enums import REGIONS, ChipmakerRole, LabRole
from market.parameters.schema import param

ASSUMED = "assumption: "
LAB_ROLES = tuple(r.value for r in LabRole)
CHIPMAKER_ROLES = tuple(r.value for r in ChipmakerRole)


@dataclass
class LabSpec:
    """A named lab or cloud and its starting balance sheet."""

    role: str = param("frontier", unit="-", choices=LAB_ROLES, description="frontier, cloud or follower.", source="model design: the roles the model gives labs and chipmakers (docs/ODD.md, entities)", setup_only=True)
    region: str = param("US", unit="-", choices=REGIONS, description="Home region (headquarters and investors' home bias).",
                        source="headquarters of the firms it stands for", setup_only=True)
    initial_compute_gw: float = param(0.0, unit="GW", lo=0.0, hi=1000.0,
                                      description="Compute the lab owns and runs at the start (facility GW).", source=ASSUMED + "split of ~9 GW world AI compute at the start among named labs and followers", setup_only=True)
    initial_leased_gw: float = param(0.0, unit="GW", lo=0.0, hi=1000.0,
                                     description="Compute the lab leases from its lessor at the start.", source=ASSUMED + "compute rented from a cloud at the start (reported contracts where known)", setup_only=True)
    lessor: str = param("", unit="-", description="Name of the cloud it leases from at the start ('' for none).", source=ASSUMED + "the cloud the firm mainly rented from in 2024 (reported)")
    exclusive_lessor: bool = param(False, unit="-", description="Whether it may lease only from its lessor (an exclusive cloud contract).",
                                   source=ASSUMED + "no exclusivity from 2025; Microsoft was OpenAI's exclusive cloud until Jan 2025 (Microsoft blog, 21 Jan 2025)")
    initial_cash_usd_bn: float = param(1.0, unit="usd_bn", lo=0.0, hi=1e4, description="Cash at the start.", source=ASSUMED + "order of the cash on hand of the firms it stands for (reported)", setup_only=True)
    initial_debt_usd_bn: float = param(0.0, unit="usd_bn", lo=0.0, hi=1e4, description="Debt at the start.", source=ASSUMED + "order of the debt of the firms it stands for (reported)", setup_only=True)
    core_income_usd_bn_per_month: float = param(
        0.0, unit="usd_bn/month", lo=0.0, hi=1e3,
        description="Operating cash flow from businesses outside AI compute (search, retail, software), from outside.",
        source=ASSUMED + "none for pure AI labs")
    own_build_share: float = param(0.0, unit="1", lo=0.0, hi=1.0,
                                   description="Share of new compute the lab builds itself; the rest it leases from clouds.",
                                   source=ASSUMED + "clouds build all they run; AI labs mostly rent")
    lease_out_share_max: float = param(0.0, unit="1", lo=0.0, hi=1.0,
                                       description="Largest share of its online compute a cloud leases to other labs.",
                                       source=ASSUMED + "hyperscalers rent about half their AI capacity to others; neoclouds nearly all")
    sells_services: bool = param(True, unit="-", description="Whether the lab sells AI services from the compute it runs; a pure lessor (a neocloud) only leases.",
                                 source=ASSUMED + "frontier labs, hyperscalers and followers sell AI services; neoclouds rent out GPUs only (CoreWeave S-1, 2025)")
    payout_ratio_of_cash_flow: float = param(
        0.0, unit="1", lo=0.0, hi=1.0,
        description="Target share of its trailing operating cash flow (core income included) a profitable lab pays out as "
                    "a regular dividend or buyback programme, approached at finance.payout_adjustment_per_month (Lintner).",
        source=ASSUMED + "firms with no payout record (AI labs, followers, neoclouds) set none; a growth firm that earns "
               "pays out only cash beyond its needs (Fama and French 2001, J. Financial Economics 60)")
    returns_excess_cash: bool = param(True, unit="-",
                                      description="Whether the lab returns cash beyond its gross needs to shareholders "
                                                  "(finance.payout_share_of_excess_cash_per_month).",
                                      source=ASSUMED + "profitable firms return cash they cannot use (Jensen 1986, American "
                                             "Economic Review 76(2)); firms known to retain everything set False")
    uses_debt: bool = param(False, unit="-", description="Whether the lab borrows before raising equity.",
                            source=ASSUMED + "hyperscalers and neoclouds fund data centres with debt; AI labs with equity")
    site_regions: list = param(["US"], unit="-", choices=REGIONS, description="Regions where the lab may build or lease.",
                               source=ASSUMED + "where the firm builds or rents today (reported)")
    partners: list = param([], unit="-", description="Chipmakers the lab partners with at the start.", source=ASSUMED + "the chipmakers the firm mainly bought from (reported)", setup_only=True)
    initial_training_eflops_months: float = param(
        100.0, unit="EFLOP/s-month", lo=0.0, hi=1e9,
        description="Cumulative training compute before the start (sets initial capability).", source=ASSUMED + "relative scale of the firms' past frontier training runs", setup_only=True)


def _lab(role: str, region: str, compute: float, cash: float, *, leased: float = 0.0, lessor: str = "",
         debt: float = 0.0, core: float = 0.0, build: float = 0.0, lease_out: float = 0.0, debt_first: bool = False,
         sites: tuple[str, ...] = (), partners: tuple[str, ...] = ("incumbent_gpu",), training: float = 100.0,
         services: bool = True, payout: float = 0.0, returns_excess: bool = True) -> LabSpec:
    spec = LabSpec()
    spec.role, spec.region, spec.initial_compute_gw, spec.initial_cash_usd_bn = role, region, compute, cash
    spec.initial_leased_gw, spec.lessor, spec.initial_debt_usd_bn = leased, lessor, debt
    spec.core_income_usd_bn_per_month, spec.own_build_share, spec.lease_out_share_max = core, build, lease_out
    spec.uses_debt, spec.site_regions, spec.partners = debt_first, list(sites or (region,)), list(partners)
    spec.initial_training_eflops_months, spec.sells_services = training, services
    spec.payout_ratio_of_cash_flow, spec.returns_excess_cash = payout, returns_excess
    return spec


def default_labs() -> dict[str, LabSpec]:
    """The baseline's named labs and clouds (see docs/agents.md for the firms behind each)."""
    return {
        "frontier_lab_a": _lab("frontier", "US", 0.0, 10.0, leased=0.6, lessor="cloud_us_a", build=0.3,
                               sites=("US", "GULF"), partners=("incumbent_gpu", "challenger_gpu"), training=400.0),
        "frontier_lab_b": _lab("frontier", "US", 0.0, 8.0, leased=0.3, lessor="cloud_us_b", build=0.0,
                               partners=("custom_asic", "incumbent_gpu"), training=250.0),
        "frontier_lab_c": _lab("frontier", "CN", 0.1, 2.0, build=1.0, partners=("incumbent_gpu", "domestic_cn"),
                               training=120.0),
        "frontier_lab_d": _lab("frontier", "EU", 0.0, 1.5, leased=0.05, lessor="cloud_eu_a", build=0.0, training=40.0),
        "frontier_lab_e": _lab("frontier", "US", 1.2, 60.0, core=7.0, build=1.0, debt=29.0, debt_first=True,
                               training=300.0, payout=0.39),
        "cloud_us_a": _lab("cloud", "US", 2.0, 70.0, debt=45.0, core=9.0, build=1.0, lease_out=0.5, debt_first=True,
                           sites=("US", "EU", "GULF", "ROW"), training=150.0, payout=0.33),
        "cloud_us_b": _lab("cloud", "US", 1.5, 80.0, debt=55.0, core=8.0, build=1.0, lease_out=0.5, debt_first=True,
                           sites=("US", "EU", "ROW"), partners=("custom_asic", "incumbent_gpu"), training=100.0,
                           returns_excess=False),
        "cloud_us_c": _lab("cloud", "US", 1.8, 95.0, debt=11.0, core=10.0, build=1.0, lease_out=0.4, debt_first=True,
                           sites=("US", "EU", "ROW"), partners=("custom_asic", "incumbent_gpu"), training=350.0, payout=0.56),
        "cloud_us_d": _lab("cloud", "US", 0.4, 1.4, debt=8.0, build=1.0, lease_out=0.9, debt_first=True, training=0.0,
                           services=False),
        "cloud_us_e": _lab("cloud", "US", 0.5, 10.0, debt=90.0, core=1.5, build=1.0, lease_out=0.9, debt_first=True,
                           sites=("US", "ROW"), training=0.0, payout=0.30),
        "cloud_cn_a": _lab("cloud", "CN", 1.2, 50.0, debt=20.0, core=3.0, build=1.0, lease_out=0.5, debt_first=True,
                           partners=("incumbent_gpu", "domestic_cn"), training=100.0),
        "cloud_gulf_a": _lab("cloud", "GULF", 0.2, 20.0, core=1.0, build=1.0, lease_out=0.7, debt_first=True,
                             training=20.0),
        "cloud_eu_a": _lab("cloud", "EU", 0.4, 5.0, debt=2.0, build=1.0, lease_out=0.8, debt_first=True, training=10.0),
    }


_LAB_SOURCES = {
    "frontier_lab_a.initial_leased_gw": "OpenAI compute capacity 0.6 GW in 2024 (OpenAI CFO statement, reported)",
    "frontier_lab_a.initial_cash_usd_bn": "OpenAI raised $6.6bn in Oct 2024 plus a $4bn credit line (reported)",
    "frontier_lab_a.own_build_share": ASSUMED + "Stargate sites built with partners; most compute leased (Oracle, Microsoft, CoreWeave)",
    "frontier_lab_b.initial_cash_usd_bn": ASSUMED + "Anthropic's 2023-2024 raises from Amazon and Google (~$8bn reported)",
    "frontier_lab_e.initial_cash_usd_bn": "Meta cash and marketable securities $77.8bn at end-2024 (10-K), less reserves",
    "frontier_lab_e.core_income_usd_bn_per_month": "Meta operating cash flow $91.3bn in 2024 (10-K), ~7.6 a month",
    "frontier_lab_e.initial_debt_usd_bn": "Meta long-term debt $28.8bn at end-2024 (10-K)",
    "cloud_us_a.initial_cash_usd_bn": "Microsoft cash and short-term investments $71.6bn, Dec 2024 (10-Q)",
    "cloud_us_a.core_income_usd_bn_per_month": "Microsoft operating cash flow $118.5bn in FY2024 (10-K), part of ~9.9 a month",
    "cloud_us_a.initial_debt_usd_bn": "Microsoft long-term debt ~$45bn (10-K FY2024)",
    "cloud_us_b.initial_cash_usd_bn": "Amazon cash and marketable securities $101bn at end-2024 (10-K), less reserves",
    "cloud_us_b.core_income_usd_bn_per_month": "Amazon operating cash flow $115.9bn in 2024 (10-K), part of it",
    "cloud_us_b.initial_debt_usd_bn": "Amazon long-term debt $52.6bn at end-2024 (10-K)",
    "cloud_us_c.initial_cash_usd_bn": "Alphabet cash and marketable securities $95.7bn at end-2024 (10-K)",
    "cloud_us_c.core_income_usd_bn_per_month": "Alphabet operating cash flow $125.3bn in 2024 (10-K), ~10.4 a month",
    "cloud_us_c.initial_debt_usd_bn": "Alphabet long-term debt $10.9bn at end-2024 (10-K)",
    "cloud_us_d.initial_compute_gw": "CoreWeave ~360 MW active power at end-2024 (S-1, reported)",
    "cloud_us_d.initial_debt_usd_bn": "CoreWeave ~$8bn debt at end-2024 (S-1, reported)",
    "cloud_us_e.initial_debt_usd_bn": "Oracle total debt ~$90bn (10-K FY2024, reported)",
    "cloud_us_e.core_income_usd_bn_per_month": "Oracle operating cash flow $18.7bn in FY2024 (10-K)",
    "frontier_lab_e.payout_ratio_of_cash_flow": "Meta 2024: buybacks $30.1bn and dividends $5.07bn of $91.3bn operating cash "
    "flow (10-K cash flow statement), 0.385",
    "cloud_us_a.payout_ratio_of_cash_flow": "Microsoft FY2024: buybacks $17.3bn and dividends $21.8bn of $118.5bn operating "
    "cash flow (10-K cash flow statement)",
    "cloud_us_b.returns_excess_cash": "Amazon paid no dividend and bought back no shares in 2023 or 2024 (10-K cash flow "
    "statements): it reinvests its operating cash flow",
    "cloud_us_c.payout_ratio_of_cash_flow": "Alphabet 2024: buybacks $62.2bn and dividends $7.4bn of $125.3bn operating cash "
    "flow (10-K cash flow statement)",
    "cloud_us_e.payout_ratio_of_cash_flow": "Oracle FY2024: dividends $4.4bn and buybacks $1.2bn of $18.7bn operating cash "
    "flow (10-K cash flow statement)",
    "cloud_us_a.initial_compute_gw": ASSUMED + "split of ~9 GW world AI compute at the start: cumulative NVIDIA data-centre revenue "
    "FY2023-FY2025 $177.7bn (10-K) at ~$30bn per GW, plus ~35% other accelerators",
}
ENTRY_SOURCES: dict[str, str] = {f"labs.{k}": v for k, v in _LAB_SOURCES.items()}


@dataclass
class ChipmakerSpec:
    """A chipmaker: capacity, cost on a learning curve, pricing on backlog, expansion with lags.

    Target price p* = max(c min(m_0, m_B(s)) (b / b_ref)^phi, c) reached partially each month, m_B(s) the
    Bertrand markup at its share s of new orders; unit cost c = c_0 (Q / Q_0)^(-log2(1/pr)) with Q
    cumulative output (Wright's law). b is the backlog in months of capacity.
    """

    role: str = param("incumbent", unit="-", choices=CHIPMAKER_ROLES, description="incumbent, challenger, custom, domestic or entrant.",
                      source="model design: the roles the model gives labs and chipmakers (docs/ODD.md, entities)", setup_only=True)
    region: str = param("US", unit="-", choices=REGIONS, description="Home region.", source="headquarters of the firm", setup_only=True)
    dormant: bool = param(False, unit="-", description="A dormant chipmaker sells nothing until a scenario event wakes it.",
                          source="model design: the new-architecture entrant has no product on sale in 2025; scenarios wake it", setup_only=True)
    initial_capacity_gw_per_month: float = param(0.1, unit="GW/month", lo=0.0, hi=100.0,
                                                 description="Accelerators (facility GW) it can deliver per month at the start.",
                                                 source=ASSUMED + "its 2024 accelerator revenue at ~$25-35bn per GW (reported)", setup_only=True)
    efficiency: float = param(1.0, unit="1", lo=0.01, hi=1000.0,
                              description="EFLOP/s per GW of its chips relative to the newest generation on sale.",
                              source=ASSUMED + "relative FLOP/s per watt of the firm's parts against NVIDIA's newest (reported benchmarks)")
    initial_unit_cost_usd_bn_per_gw: float = param(9.0, unit="usd_bn/GW", lo=0.01, hi=1e3,
                                                   description="Production cost of a GW of its accelerators and systems (c_0).",
                                                   source=ASSUMED + "price per GW at its reported gross margin")
    base_markup: float = param(3.9, unit="1", lo=1.0, hi=20.0,
                               description="Highest markup of price over unit cost at the reference backlog (m_0): what it charges "
                                           "when competition does not hold it lower (the cap on its Bertrand markup).",
                               source=ASSUMED + "gross margins of the firm it stands for (reported), price ~ cost / (1 - margin)")
    reference_backlog_months: float = param(9.0, unit="months", lo=0.1, hi=60.0,
                                            description="Backlog (orders due within the capacity lead time) at which it charges its base markup (b_ref).",
                                            source=ASSUMED + "NVIDIA data-centre parts were reported sold out most of a year ahead in 2024-25")
    backlog_price_elasticity: float = param(0.2, unit="1", lo=0.0, hi=5.0, description="Elasticity of price to backlog (phi).",
                                            source=ASSUMED + "prices rise gently with backlog; list prices moved little through the 2023-24 shortage while lead times lengthened")
    price_adjust_per_month: float = param(0.2, unit="1/month", lo=0.0, hi=1.0,
                                          description="Share of the gap to its target price closed each month.", source=ASSUMED + "prices move over a few quarters, as list prices and contract terms reset")
    progress_ratio: float = param(0.9, unit="1", lo=0.3, hi=1.0,
                                  description="Unit cost multiplier per doubling of cumulative output (pr), cost per facility GW.",
                                  source="calibrated in replay-2022 on NVIDIA's FY2023-FY2024 data-centre revenue (docs/calibration.md): "
                                         "per GW, not per FLOP, costs fall slower than the ~20% per doubling typical of semiconductors "
                                         "(Nagy et al. 2013, PLoS ONE 8(2):e52669), since each generation packs more HBM and packaging "
                                         "into a GW (NVIDIA content per GW rose from A100 to H100, reported)")
    initial_cumulative_output_gw: float = param(5.0, unit="GW", lo=0.001, hi=1e5,
                                                description="Cumulative output before the start (Q_0).", source=ASSUMED + "a few years of its output at 2024 rates")
    order_book_limit_months: float = param(12.0, unit="months", lo=0.1, hi=240.0,
                                           description="Its booking window L: it sells out its next L months, taking orders wanted within "
                                                       "them up to L months of current capacity; orders wanted later are taken in full.",
                                           source="NVIDIA's data-centre parts were reported sold out about a year ahead in 2023-25 (reported); "
                                                  "assumption: the same window for every maker and every year")
    early_delivery_months: int = param(0, unit="months", lo=0, hi=60,
                                       description="How far ahead of its wanted month an order may ship when capacity is left over.",
                                       source=ASSUMED + "none: buyers take chips when their building is ready; shipping ahead of the building was the "
                                              "2023-24 scramble for GPUs, which the replay switches on (6 months)")
    turned_away_weight: float = param(0.25, unit="1/month", lo=0.0, hi=1.0,
                                      description="Weight w of this month's turned-away orders in the smoothed rate x that adds to "
                                                  "the capacity it aims for when sold out.",
                                      source=ASSUMED + "a memory of about a quarter, the cadence of allocation and capacity plans")
    target_backlog_months: float = param(9.0, unit="months", lo=0.1, hi=60.0,
                                         description="Backlog (orders due within the capacity lead time) above which it expands capacity.",
                                         source=ASSUMED + "expands when sold out beyond its reference backlog")
    capacity_capex_usd_bn_per_gw_month: float = param(10.0, unit="usd_bn per GW/month", lo=0.0, hi=1e3,
                                                      description="Capex for one more GW per month of capacity (foundry, packaging, memory).",
                                                      source=ASSUMED + "foundry, packaging and memory capex to add 1 GW a month of accelerators (~8 GW a year), scaled from TSMC's ~$30bn yearly capex")
    capacity_lead_time_months: int = param(12, unit="months", lo=1, hi=120, description="Months until new capacity produces.",
                                           source="CoWoS capacity ~15k -> ~35-40k wafers/month within 2024 (TrendForce, reported)")
    greenfield_lead_time_months: int = param(36, unit="months", lo=1, hi=120,
                                             description="Months until its first fab in a region other than its home "
                                                         "produces (the site is built; never sooner than "
                                                         "capacity_lead_time_months); fabs it commissions there later "
                                                         "produce after capacity_lead_time_months, not before the site "
                                                         "is ready.",
                                             source="TSMC Arizona's first fab: construction from 2021, volume production "
                                                    "from Q4 2024 (~3.5 years); JASM Kumamoto: construction from Apr "
                                                    "2022, production from Dec 2024 (~2.7 years) (company releases); "
                                                    "36 months, between them")
    fab_partner_share: float = param(0.49, unit="1", lo=0.0, hi=0.99,
                                     description="Share of each new fab's capex offered to outside partners (public and sovereign "
                                                 "investors) for that share of the fab's margin; screened partners put in nothing "
                                                 "and the fab is built to the money committed.",
                                     source="Intel sold 49% of its Arizona fabs to Brookfield for up to $15bn (Aug 2022) and 49% of "
                                            "its Ireland Fab 34 to Apollo for $11bn (Jun 2024) (company releases); ESMC Dresden "
                                            "30% (Bosch, Infineon, NXP), JASM Kumamoto 13.5% (Sony, Denso, Toyota) are lower; how much "
                                            "screening slows US fabs hinges on it (docs/scenarios.md, investment-block)")
    fab_regions: list = param([], unit="-", choices=REGIONS,
                              description="Regions its new fabs stand in, in turn (empty: its home region); a fab's host "
                                          "government subsidises it and screens its partners.",
                              source="model design: a fab network across regions (scenario fab-network); the baseline's "
                                     "makers build at home")
    anchor_partner: str = param("", unit="-",
                                description="A lab that takes anchor_share of each new fab's capex as a partner ('' for none).",
                                source="model design: a frontier lab anchoring a fab network (scenario fab-network); none "
                                       "in the baseline")
    fab_margin_over_cost: float = param(1.28, unit="1", lo=0.0, hi=10.0,
                                        description="A fab's margin as a multiple of the cost of making the chips (production and "
                                                    "fixed costs): its partners share min(the maker's chip margin, this x that cost), "
                                                    "the fab's output priced as a foundry prices wafers, not the maker's design rent.",
                                        source="TSMC's 2024 gross margin, 56.1% of revenue (TSMC 2024 annual report), as a markup "
                                               "over cost of revenue: 0.561 / 0.439 = 1.28")
    anchor_share: float = param(0.0, unit="1", lo=0.0, hi=0.99,
                                description="Share of each new fab's capex its anchor partner takes, out of fab_partner_share.",
                                source="model design: none in the baseline; fab-network states its own")
    max_capacity_growth_per_month: float = param(0.06, unit="1/month", lo=0.0, hi=1.0,
                                                 description="Largest capacity expansion ordered in a month, as a share of capacity.",
                                                 source=ASSUMED + "CoWoS grew ~2.5x in 2024 (TrendForce, reported), ~8%/month at that peak; "
                                                        "~6%/month (~2x a year) taken as the sustained pace")
    initial_cash_usd_bn: float = param(5.0, unit="usd_bn", lo=0.0, hi=1e4, description="Cash at the start.", source=ASSUMED + "order of the cash on hand of the firms it stands for (reported)", setup_only=True)
    payout_share_of_profit: float = param(0.4, unit="1", lo=0.0, hi=1.0,
                                          description="Share of monthly profit paid to shareholders.",
                                          source="NVIDIA FY2025 buybacks and dividends ~$34bn of $72.9bn net income (10-K)")
    sells_to: list = param(list(REGIONS), unit="-", choices=REGIONS, description="Regions it sells to (before export rules).",
                           source=ASSUMED + "sells worldwide unless a scenario or export rule says otherwise")
    max_capacity_gw_per_month: float = param(100.0, unit="GW/month", lo=0.0, hi=1e4,
                                             description="Ceiling on its capacity (foundry, packaging or memory it can get).",
                                             source=ASSUMED + "no binding ceiling for makers with access to leading-edge foundries", setup_only=True)
    share_weight_per_month: float = param(0.25, unit="1/month", lo=0.0, hi=1.0,
                                          description="Weight of this month in its smoothed share of new orders and its smoothed "
                                                      "utilisation (delivered over capacity).",
                                          source=ASSUMED + "a memory of about a quarter, the cadence of pricing and capacity reviews")
    fixed_cost_usd_bn_per_gw_month: float = param(0.1, unit="usd_bn per GW/month of capacity, per month", lo=0.0, hi=100.0,
                                                  description="Cash cost of holding a GW/month of production capacity for a month, "
                                                              "used or idle (wafer and memory commitments, staff, upkeep).",
                                                  source=ASSUMED + "~12% a year of the capacity's capex (capacity_capex_usd_bn_per_gw_month)")
    closure_utilisation: float = param(0.5, unit="1", lo=0.0, hi=1.0,
                                       description="Utilisation below which, with its whole order book under that share of a capacity "
                                                   "lead time's output, it closes lines.",
                                       source=ASSUMED + "memory makers cut wafer starts when fabs ran well below capacity in the 2022-23 "
                                              "downturn (reported); half-idle lines with no orders coming are not kept")
    closure_rate_per_month: float = param(0.05, unit="1/month", lo=0.0, hi=1.0,
                                          description="Share of its capacity it closes in a month while utilisation and its order book "
                                                      "stay below closure_utilisation.",
                                          source=ASSUMED + "lines are idled over quarters, not at once")
    maturity_months: int = param(0, unit="months", lo=0, hi=240,
                                 description="Months after it starts selling until its chips reach full efficiency (0: mature).",
                                 source=ASSUMED + "established makers ship mature products")
    initial_maturity: float = param(1.0, unit="1", lo=0.01, hi=1.0,
                                    description="Share of its full efficiency its chips have when it starts selling.",
                                    source=ASSUMED + "established makers ship mature products")


def _maker(role: str, region: str, capacity: float, efficiency: float, cost: float, markup: float, cash: float,
           cumulative: float, *, dormant: bool = False, sells_to: tuple[str, ...] = REGIONS, ceiling: float = 100.0,
           maturity: tuple[int, float] = (0, 1.0), early_delivery_months: int = 0) -> ChipmakerSpec:
    spec = ChipmakerSpec()
    spec.role, spec.region, spec.initial_capacity_gw_per_month, spec.efficiency = role, region, capacity, efficiency
    spec.initial_unit_cost_usd_bn_per_gw, spec.base_markup, spec.initial_cash_usd_bn = cost, markup, cash
    spec.initial_cumulative_output_gw, spec.dormant, spec.sells_to = cumulative, dormant, list(sells_to)
    spec.max_capacity_gw_per_month, (spec.maturity_months, spec.initial_maturity) = ceiling, maturity
    spec.early_delivery_months = early_delivery_months
    return spec


def default_chipmakers() -> dict[str, ChipmakerSpec]:
    """The baseline's chipmakers; the entrant is dormant until a scenario wakes it."""
    return {
        "incumbent_gpu": _maker("incumbent", "US", 0.45, 1.0, 9.0, 3.9, 43.0, 6.0),
        "challenger_gpu": _maker("challenger", "US", 0.03, 0.95, 9.0, 2.2, 5.0, 0.4),
        "custom_asic": _maker("custom", "US", 0.08, 0.9, 7.0, 2.0, 10.0, 1.5),
        "domestic_cn": _maker("domestic", "CN", 0.04, 0.5, 12.0, 1.5, 10.0, 0.5, sells_to=("CN",), ceiling=0.15,
                              early_delivery_months=6),
        "entrant_neuromorphic": _maker("entrant", "US", 0.005, 10.0, 20.0, 2.0, 1.0, 0.01, dormant=True, ceiling=2.0,
                                       maturity=(36, 0.2)),
    }


ENTRY_SOURCES.update({
    "chipmakers.incumbent_gpu.initial_cash_usd_bn": "NVIDIA cash and marketable securities $43.2bn, Jan 2025 (10-K FY2025)",
    "chipmakers.incumbent_gpu.base_markup": "NVIDIA GAAP gross margin 75% in FY2025 (10-K): price ~4x cost",
    "chipmakers.incumbent_gpu.initial_unit_cost_usd_bn_per_gw": "$35bn NVIDIA content per GW (NVIDIA Q2 FY2026 call, reported) at 75% gross margin",
    "chipmakers.incumbent_gpu.initial_capacity_gw_per_month": ASSUMED + "NVIDIA FY2025 data-centre revenue $115.2bn (10-K) at ~$30bn/GW is ~3.8 GW/yr; "
    "end-2024 run-rate higher as CoWoS grew ~2.5x (TrendForce, reported)",
    "chipmakers.incumbent_gpu.initial_cumulative_output_gw": ASSUMED + "cumulative NVIDIA data-centre revenue FY2023-FY2025 $177.7bn (10-K) at ~$30bn per GW",
    "chipmakers.challenger_gpu.initial_cash_usd_bn": "AMD cash and short-term investments $5.1bn at end-2024 (10-K)",
    "chipmakers.challenger_gpu.initial_capacity_gw_per_month": ASSUMED + "AMD data-centre GPU revenue >$5bn in 2024 (reported) at ~$25bn/GW",
    "chipmakers.domestic_cn.efficiency": ASSUMED + "Ascend 910B-class parts at about half the FLOP/s per watt of the newest NVIDIA parts",
    "chipmakers.domestic_cn.early_delivery_months": ASSUMED + "China's buyers take domestic chips ahead of their buildings, "
    "as Chinese firms stockpiled chip inputs against tighter export controls (Huawei and Baidu stockpiled Samsung HBM ahead "
    "of expected US curbs, Reuters, Aug 2024; Huawei obtained over two million TSMC-made Ascend dies through a proxy despite "
    "its Entity List rules, CSIS, 2025); 6 months as in replay-2022. At 0 the maker idles lines its full book has sold (orders are wanted a "
    "year out, when buildings finish) while the book cuts China's plans",
    "chipmakers.domestic_cn.max_capacity_gw_per_month": ASSUMED + "Huawei's reported 2025 target of ~650-800k Ascend dies at ~1 kW "
    "all-in is ~0.06 GW a month; SMIC's 7 nm-class capacity at low yields and HBM limits cap it at ~0.15 GW a month",
    "chipmakers.entrant_neuromorphic.efficiency": ASSUMED + "analog/neuromorphic inference parts claim 10-100x the operations per watt of GPUs "
    "(vendor claims, reported); 10x taken, and only once mature",
    "chipmakers.entrant_neuromorphic.maturity_months": ASSUMED + "a new architecture needs about three years of software and yield work to "
    "reach its rated efficiency on real workloads",
    "chipmakers.entrant_neuromorphic.initial_maturity": ASSUMED + "first products reach about a fifth of the rated efficiency on real workloads",
    "chipmakers.entrant_neuromorphic.max_capacity_gw_per_month": ASSUMED + "a start-up's foundry allocation: up to ~2 GW a month once scaled",
})
