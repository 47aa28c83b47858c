"""Energy parameters: generation that AI firms finance for their own sites, by technology, and the rule they follow."""

from __future__ import annotations

from dataclasses import dataclass, field

from market.parameters.schema import param

ASSUMED = "assumption: "
ENTRY_SOURCES: dict[str, str] = {}


@dataclass
class GenerationTechSpec:
    """One generation technology a firm may finance for its own sites (behind the meter or under a dedicated PPA).

    A plant of nameplate N GW gives its owner's sites N x cf GW of firm supply (cf ``capacity_factor``: the grid and
    storage firm up the rest), costs N x ``capex_usd_bn_per_gw`` paid evenly over ``lead_time_months``, and burns
    ``operating_cost_usd_mwh`` on what it supplies. At commissioning it draws, from the stream ``generation_risk``,
    whether it fails (probability ``failure_probability``: it stops at a uniformly drawn month of its build and what
    was paid is lost) and whether it is late (probability ``delay_probability``: online ``delay_months`` later).
    """

    capex_usd_bn_per_gw: float = param(2.0, unit="usd_bn/GW", lo=0.0, hi=100.0, lo_open=True,
                                       description="Overnight capital cost per GW of nameplate capacity.", source="")
    lead_time_months: int = param(36, unit="months", lo=1, hi=240, description="Months from commitment to operation.",
                                  source="")
    capacity_factor: float = param(0.85, unit="1", lo=0.0, hi=1.0, lo_open=True,
                                   description="Average output over nameplate: the firm supply one GW of nameplate gives "
                                               "a data centre.",
                                   source="")
    operating_cost_usd_mwh: float = param(30.0, unit="usd/MWh", lo=0.0, hi=1000.0,
                                          description="Fuel and operation and maintenance per MWh supplied.", source="")
    delay_probability: float = param(0.2, unit="1", lo=0.0, hi=1.0, description="Probability a plant comes online late.",
                                     source="")
    delay_months: int = param(12, unit="months", lo=0, hi=240, description="How late a late plant is.", source="")
    failure_probability: float = param(0.02, unit="1", lo=0.0, hi=1.0,
                                       description="Probability a plant is abandoned before it runs (what was paid is lost).",
                                       source="")
    max_nameplate_gw_per_month: float = param(1.0, unit="GW/month", lo=0.0, hi=1000.0,
                                              description="Nameplate GW of the technology the world's suppliers can deliver "
                                                          "to AI firms' own sites in a month (shared pro rata among the "
                                                          "month's buyers).",
                                              source="")
    share_of_investment: float = param(1.0, unit="1", lo=0.0, hi=1.0,
                                       description="Share of a firm's self-financed firm supply it builds with this "
                                                   "technology (shares of the technologies that pass the value test are "
                                                   "rescaled to 1).",
                                       source="")


def _tech(capex: float, lead: int, cf: float, opex: float, delay_p: float, delay: int, fail: float, share: float,
          max_gw: float) -> GenerationTechSpec:
    spec = GenerationTechSpec()
    spec.max_nameplate_gw_per_month = max_gw
    spec.capex_usd_bn_per_gw, spec.lead_time_months, spec.capacity_factor = capex, lead, cf
    spec.operating_cost_usd_mwh, spec.delay_probability, spec.delay_months = opex, delay_p, delay
    spec.failure_probability, spec.share_of_investment = fail, share
    return spec


def default_generation_technologies() -> dict[str, GenerationTechSpec]:
    """Gas turbines, solar plus storage and small modular reactors (sources in ``ENTRY_SOURCES``)."""
    return {
        "gas_turbine": _tech(2.2, 48, 0.85, 35.0, 0.3, 12, 0.02, 0.6, 1.0),
        "solar_storage": _tech(2.0, 24, 0.30, 10.0, 0.2, 6, 0.05, 0.3, 1.5),
        "smr": _tech(15.0, 96, 0.93, 30.0, 0.5, 36, 0.3, 0.1, 0.1),
    }


_TECH_SOURCES = {
    "gas_turbine": {
        "capex_usd_bn_per_gw": "new combined-cycle plants quoted at ~$2,000-2,500/kW in 2025 with turbines scarce, "
                               "about twice EIA's ~$1,100-1,300/kW (EIA, Capital Cost and Performance Characteristic "
                               "Estimates, 2024; NextEra and utility filings, reported)",
        "lead_time_months": "large gas turbines sold out to 2028-2030 at GE Vernova, Siemens Energy and Mitsubishi "
                            "(reported 2025): about four years from order to operation",
        "capacity_factor": "a combined-cycle plant run as baseload is available ~85-90% of hours (EIA Electric Power "
                           "Annual: availability; assumption that a data centre runs it flat out)",
        "operating_cost_usd_mwh": "fuel ~$22/MWh (heat rate ~6.4 MMBtu/MWh at ~$3.5/MMBtu Henry Hub, EIA 2025) plus "
                                  "~$5-13/MWh fixed and variable O&M (EIA capital cost report, 2024)",
        "delay_probability": ASSUMED + "turbine and transformer shortages push some plants back; one in three a year late",
        "delay_months": ASSUMED + "a turbine slot missed is a year",
        "failure_probability": ASSUMED + "mature technology: few gas plants with turbines on order are abandoned",
        "max_nameplate_gw_per_month": ASSUMED + "the three large turbine makers deliver ~60-80 GW a year worldwide and "
                                      "are sold out to 2028 (GE Vernova, Siemens Energy, MHI, reported 2025); about a "
                                      "fifth, 12 GW a year, to AI sites",
        "share_of_investment": ASSUMED + "most behind-the-meter supply announced for AI sites is gas (xAI Memphis turbines, "
                               "Meta-Entergy Louisiana, Stargate Abilene, reported 2024-2025)",
    },
    "solar_storage": {
        "capex_usd_bn_per_gw": "utility-scale solar ~$1.1-1.4bn/GW and 4-hour storage ~$1.0bn/GW of solar paired "
                               "(Lazard LCOE+ 2024; LBNL Utility-Scale Solar 2024), per GW of solar nameplate",
        "lead_time_months": "solar-plus-storage plants take ~1.5-2.5 years to build once permitted (LBNL Utility-Scale "
                            "Solar 2024)",
        "capacity_factor": "US utility-scale solar ~24-30% (EIA Electric Power Monthly, 2024); storage shifts output but "
                           "adds no energy",
        "operating_cost_usd_mwh": "solar and storage O&M ~$20-30/kW-year, ~$8-12/MWh at a 30% capacity factor "
                                  "(LBNL Utility-Scale Solar 2024)",
        "delay_probability": ASSUMED + "interconnection and supply delays hit some projects (LBNL Queued Up 2024)",
        "delay_months": ASSUMED + "half a year: a missed interconnection or equipment slot, shorter than a turbine's",
        "failure_probability": ASSUMED + "some contracted solar projects are cancelled before construction (LBNL Queued Up 2024: "
                               "most queued projects withdraw; a signed, financed one far less often)",
        "max_nameplate_gw_per_month": ASSUMED + "the US built ~30 GW of utility-scale solar in 2024 (EIA, reported); about "
                                      "three fifths of that pace, 18 GW a year, for AI firms' own sites worldwide",
        "share_of_investment": ASSUMED + "hyperscalers' clean-power purchase agreements, mostly solar and storage (Amazon, "
                               "Microsoft, Google sustainability reports 2024)",
    },
    "smr": {
        "capex_usd_bn_per_gw": "NuScale-UAMPS: $9.3bn for 462 MW (~$20bn/GW, 2023, cancelled); Ontario Darlington "
                               "BWRX-300: C$20.9bn for 4 x 300 MW (~$12.5bn/GW, 2025); midpoint (reported)",
        "lead_time_months": "first SMR units contracted by AI firms in 2024 for about 2030-2033 (Google-Kairos, "
                            "Amazon-X-energy, reported): ~8 years",
        "capacity_factor": "US nuclear fleet capacity factor ~93% (EIA Electric Power Monthly, 2024)",
        "operating_cost_usd_mwh": "US nuclear generating cost ~$30/MWh including fuel (Nuclear Energy Institute, 2023)",
        "delay_probability": ASSUMED + "first-of-a-kind nuclear runs late more often than not (Vogtle 3-4: seven years "
                             "late, reported)",
        "delay_months": ASSUMED + "three years, about half of Vogtle's slip",
        "failure_probability": ASSUMED + "first-of-a-kind reactors are often abandoned (NuScale-UAMPS cancelled in Nov "
                               "2023, reported)",
        "max_nameplate_gw_per_month": ASSUMED + "1.2 GW a year: the first SMR programmes build a few 300-500 MW units a year "
                                      "(Ontario's four BWRX-300s, Kairos, X-energy, reported)",
        "share_of_investment": ASSUMED + "a small share of AI firms' power deals so far are nuclear SMRs (Google-Kairos 500 MW, "
                               "Amazon-X-energy 5 GW by 2039, reported 2024)",
    },
}
ENTRY_SOURCES.update({f"energy.technologies.{tech}.{name}": text
                      for tech, fields in _TECH_SOURCES.items() for name, text in fields.items()})


@dataclass
class EnergySpec:
    """Firms financing generation for their own sites (docs/ODD.md section 7, Self-financed generation).

    Rule: a lab that builds, whose plan was cut for lack of power at a site by c GW this month, commissions
    dedicated supply of max(c M - P - U, 0) firm GW there (M ``lab_behaviour.gap_closing_months``: the plan spreads its
    gap over M months, so the cut stands for c M GW of unmet compute; P its own plants there still building, U its
    online dedicated GW there it does not draw), if at least ``min_plant_gw``, split (technologies whose part would be
    below ``min_plant_gw`` dropped, their share going to the others)
    among the technologies whose cost of firm supply per GW-month,
    capex / cf x ``capital_recovery_per_year`` / 12 + operating cost, is below the value of a GW-month of the compute
    it unlocks, v = p e - k / L - m (p the lab's service price per EFLOP/s-month, e the EFLOP/s per GW of chips on
    sale, k their all-in cost per GW, L ``technology.useful_life_months``, m the maintenance per GW-month). It pays
    what falls due within the funding horizon from cash or money raised, and commissions less if it cannot. Each
    technology's orders in a month are cut pro rata to its ``max_nameplate_gw_per_month``. Energy funds finance
    ``fund_financed_share`` of each part (see :mod:`market.physical.energy`).
    """

    labs_invest: bool = param(False, unit="-",
                              description="Whether labs finance generation for their own sites when power cuts their plans.",
                              source=ASSUMED + "off in the baseline so that its power system is the grid's alone; the scenario "
                                     "energy-investment turns it on (AI firms' own generation deals, reported 2024-2025, are "
                                     "still small beside the grid)")
    capital_recovery_per_year: float = param(0.1, unit="1/yr", lo=0.0, hi=1.0,
                                             description="Share of a plant's capex a firm must earn back each year (its cost of "
                                                         "capital plus depreciation) in the value test.",
                                             source=ASSUMED + "8% cost of capital over a 25-30-year plant life "
                                                    "(EIA and Lazard use 7-9% WACC)")
    fund_financed_share: float = param(0.5, unit="1", lo=0.0, hi=1.0,
                                       description="Share of each dedicated plant order that energy funds finance, own and "
                                                   "sell to the lab under a power purchase agreement, when their cash covers "
                                                   "its capex (the lab finances the rest itself).",
                                       source=ASSUMED + "hyperscalers buy much of their new supply through PPAs with funds and "
                                              "developers (Brookfield-Microsoft 10.5 GW framework, May 2024, reported) and build "
                                              "behind the meter themselves where speed matters (xAI Memphis, reported); "
                                              "half each")
    plant_life_months: int = param(300, unit="months", lo=12, hi=720,
                                   description="Months over which a plant's cost is depreciated in its owner's books.",
                                   source=ASSUMED + "25 years, a usual book life of generating plant; the grid utilities "
                                          "here depreciate theirs over the same")
    min_plant_gw: float = param(0.05, unit="GW", lo=0.0, hi=100.0,
                                description="Smallest plant (firm GW) commissioned: a smaller order is not placed, and a "
                                            "technology's or financier's part of an order below it is dropped.",
                                source=ASSUMED + "a 50 MW behind-the-meter plant is about the smallest announced for an AI site")
    technologies: dict[str, GenerationTechSpec] = field(default_factory=default_generation_technologies)
