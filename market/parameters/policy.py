"""Policy parameters: governments' instruments and export-control rules (docs/ODD.md section 2, Governments)."""

from __future__ import annotations

from dataclasses import dataclass

from market.enums import REGIONS, PolicySector
from market.parameters.schema import param

ASSUMED = "assumption: "
SECTORS = tuple(s.value for s in PolicySector)


@dataclass
class ExportRuleSpec:
    """An export-control rule on accelerators, applied by the chipmakers of the issuing region.

    A part with total processing performance TPP, interconnect bandwidth B and performance density
    PD = TPP / die area is controlled when

        (TPP >= T and (I = 0 or B >= I))  or  (D > 0 and TPP >= T_d and PD >= D),

    T = ``tpp_threshold``, I = ``interconnect_threshold_gb_s`` (0: not tested), T_d =
    ``density_tpp_threshold``, D = ``performance_density_threshold`` (0: not tested). The 2022 rule
    is T = 4,800 with I = 600 GB/s; the 2023 rule drops the interconnect test and adds T_d = 1,600
    with D = 5.92. Controlled parts may not go to projects sited in a destination region (nor, with
    ``covers_headquarters``, to labs headquartered in one) from ``from_date`` until ``until_date``.
    """

    issuer: str = param("US", unit="-", choices=REGIONS, description="Region whose chipmakers must apply the rule.",
                        source="US Export Administration Regulations bind US-designed accelerators")
    destinations: list = param(["CN"], unit="-", choices=REGIONS, description="Regions the controlled parts may not go to.",
                               source="87 FR 62186 (Oct 2022) and 88 FR 73458 (Oct 2023): China (country group D:5)")
    from_date: str = param("2023-11", unit="YYYY-MM", description="Month the rule takes effect.",
                           source="88 FR 73458: announced 17 Oct 2023, published 25 Oct 2023, effective from November", setup_only=True)
    until_date: str = param("2100-01", unit="YYYY-MM", description="Month from which the rule no longer applies.",
                            source="scenario input: rules stay in force unless replaced", setup_only=True)
    tpp_threshold: float = param(4800.0, unit="TPP", lo=0.0, hi=1e9, description="TPP at or above which a part is controlled (T).",
                                 source="ECCN 3A090.a: TPP >= 4,800 (87 FR 62186; 88 FR 73458)")
    interconnect_threshold_gb_s: float = param(0.0, unit="GB/s", lo=0.0, hi=1e6,
                                               description="Interconnect bandwidth at or above which a part over T is controlled (I; 0 = not tested).",
                                               source="87 FR 62186: 600 GB/s in the 2022 rule; dropped by 88 FR 73458")
    density_tpp_threshold: float = param(1600.0, unit="TPP", lo=0.0, hi=1e9,
                                         description="TPP from which the performance-density test applies (T_d).",
                                         source="88 FR 73458: TPP >= 1,600 with performance density >= 5.92")
    performance_density_threshold: float = param(5.92, unit="TPP/mm^2", lo=0.0, hi=1e6,
                                                 description="Performance density at or above which a part over T_d is controlled (D; 0 = not tested).",
                                                 source="88 FR 73458: performance density >= 5.92")
    covers_headquarters: bool = param(True, unit="-",
                                      description="Whether the rule also covers labs headquartered in a destination, wherever they build.",
                                      source="88 FR 73458 extended the licence requirement to entities headquartered in D:5 countries")


def default_export_rules() -> dict[str, ExportRuleSpec]:
    """The rule in force at the baseline's start: the October 2023 update against China."""
    return {"us_2023": ExportRuleSpec()}


@dataclass
class ExportResponseSpec:
    """How chipmakers answer export rules: compliant variants and their price."""

    interconnect_cut_compute_factor: float = param(
        0.85, unit="1", lo=0.0, hi=1.0,
        description="Effective compute of a variant with interconnect cut below the threshold, relative to the full part.",
        source=ASSUMED + "A800/H800 kept their FLOP/s with NVLink cut from 600/900 to 400 GB/s; large-cluster training "
               "loses ~15% to the slower links (reported)")
    variant_price_floor: float = param(
        0.45, unit="1", lo=0.0, hi=1.0,
        description="Lowest price of a compliant variant per GW, as a share of the full part's (price falls with its compute down to this).",
        source="H20 reported at ~$12-15k against ~$25-30k for the H100: ~45% of the price for ~15% of the dense FLOP/s")
    tpp_margin: float = param(
        0.01, unit="1", lo=0.0, hi=0.5,
        description="Margin below a threshold at which a variant is designed (it ships at threshold x (1 - margin)).",
        source=ASSUMED + "variants are specified just under the line, as the H20 (TPP 2,368 against 2,400)")


@dataclass
class GovernmentSpec:
    """A region's government: its instruments as data the markets apply.

    Export rules are in ``export_rules``; this holds the rest. A block response, once any of the
    region's labs is refused foreign accelerators, pays a share of its domestic chipmakers' capacity
    capex and raises their capacity ceiling (switch: ``block_response_enabled``). Investment screening bars investors
    from ``screened_investor_regions`` from new stakes in the region's firms of ``screened_sectors``
    (their money goes to other rounds). Endogenous rules, each with a switch: export escalation
    adds a full block (T = 0) on a rival once its share of world compute passes a threshold; a
    rescue pays the unpaid claims of a home lab running at least a share of world compute, taking
    new shares at market value, instead of letting it default.
    """

    permitting_speed: float = param(1.0, unit="1", lo=0.05, hi=10.0,
                                    description="Scales utility build rates up and lead times down (1 = today's pace).",
                                    source=ASSUMED + "normalised to 2025 practice: 1 is the pace the utilities' lead times and build rates are taken from")
    generation_subsidy_share: float = param(0.0, unit="1", lo=0.0, hi=1.0,
                                            description="Share of new generation capex the government pays.",
                                            source=ASSUMED + "no grant in the baseline: the utilities' capex is the gross cost of a "
                                                   "plant (EIA) and their build rates follow the additions of the Inflation "
                                                   "Reduction Act's years, so a grant is a scenario's lever, not a 2025 fact")
    fab_subsidy_share: float = param(0.0, unit="1", lo=0.0, hi=1.0,
                                     description="Share of chipmakers' capacity capex the government pays.",
                                     source=ASSUMED + "no grant in the baseline: the model builds a maker's capacity in its "
                                            "home region (a simplification), while most of the foundry, packaging and memory "
                                            "capacity behind US accelerators stands in Taiwan and Korea, outside the CHIPS Act's "
                                            "$39bn of manufacturing grants and its investment credit (26 U.S.C. 48D: 25%, 35% "
                                            "from 2026), which reach US fabs only; a scenario, and China's block response, set a "
                                            "share", setup_only=True)
    screened_investor_regions: list = param([], unit="-", choices=REGIONS,
                                            description="Home regions of investors barred from new stakes in covered domestic firms.",
                                            source="CFIUS practice (Prosperity7 made to sell its Rain AI stake, 2023; Canyon Bridge-Lattice "
                                                   "blocked 2017); none modelled in the baseline")
    screened_sectors: list = param(["chipmaker", "frontier", "cloud"], unit="-", choices=SECTORS,
                                   description="Kinds of domestic firm covered by investment screening.",
                                   source="CFIUS covers critical technologies: chip makers, fabs and AI developers (31 CFR part 800)")
    escalation_enabled: bool = param(False, unit="-", description="Endogenous rule: block a rival outright once its compute share passes the threshold.",
                                     source="model design: an optional endogenous rule, off by default so the baseline applies only enacted rules")
    escalation_rival_regions: list = param(["CN"], unit="-", choices=REGIONS,
                                           description="Regions whose compute share the escalation rule watches.",
                                           source=ASSUMED + "the US rules of 2022-2025 targeted China")
    escalation_share_threshold: float = param(0.25, unit="1", lo=0.0, hi=1.0,
                                              description="Share of world compute (GW) at which a rival triggers a full block.",
                                              source=ASSUMED + "no public trigger; a quarter of world compute is a stated policy choice")
    block_response_enabled: bool = param(True, unit="-",
                                         description="When its labs are refused foreign accelerators, the government backs its domestic chipmakers (fab subsidy, more foundry capacity).",
                                         source="China's state fund for chips (Big Fund III, $47.5bn, May 2024, reported) after the 2022-2023 US rules")
    block_response_fab_subsidy_share: float = param(0.3, unit="1", lo=0.0, hi=1.0,
                                                    description="Share of domestic chipmakers' capacity capex the government pays once the response starts.",
                                                    source=ASSUMED + "state funds co-finance about a third of new fab capacity")
    block_response_ceiling_multiplier: float = param(1.5, unit="1", lo=1.0, hi=20.0,
                                                     description="Multiplier on domestic chipmakers' capacity ceiling once the response starts (foundry capacity directed to them).",
                                                     source=ASSUMED + "SMIC was reported to plan doubling its 7 nm-class output in 2025; about half of the increase assumed to go to AI accelerators")
    rescue_enabled: bool = param(False, unit="-", description="Endogenous rule: rescue a systemic home lab instead of letting it default.",
                                 source="model design: an optional endogenous rule, off by default so the baseline applies only enacted rules")
    rescue_min_compute_share: float = param(0.1, unit="1", lo=0.0, hi=1.0,
                                            description="Share of world compute from which a home lab counts as systemic.",
                                            source=ASSUMED + "a lab running a tenth of world compute is too big to fail")


def default_governments() -> dict[str, GovernmentSpec]:
    """One government per region with neutral instruments."""
    return {region: GovernmentSpec() for region in REGIONS}
