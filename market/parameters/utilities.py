"""The baseline's electricity suppliers to data centres, one utility per region, and their parameters.

``ENTRY_SOURCES`` gives the source of each default that differs from its field's generic source.
"""

from __future__ import annotations

from dataclasses import dataclass

from market.enums import REGIONS
from market.parameters.schema import param

ASSUMED = "assumption: "
US_DC_SHARE_OF_NEW_GENERATION = 0.47
"""d for the US: US data centres' growth over 2014-2023, (176 - 58) TWh / 9 yr (LBNL), over the trend growth of US
generation, 4,635 TWh x 0.6%/yr (Energy Institute): 13.1 / 27.8 = 0.47 (tests/test_replay.py recomputes it)."""


@dataclass
class UtilitySpec:
    """The electricity supplier to data centres in one region.

    Available GW grows by G * g / 12 * d * clip((p - c) / (p_0 - c), 0, 2) each month (G average generation, g its
    growth, d the share of new generation data centres get at the base price) plus the utility's own dedicated builds.

    Price (a merit-order supply curve: dearer plants run as load nears capacity): the utility aims at
    p* = min(c + (p_0 - c) (u / u_ref)^beta, k p_0) with scarcity u = (committed + queued) / (available +
    under construction), u_ref = 1 / (1 + r) the utilisation at its target reserve margin r, c the
    operating cost of power, p_0 the price at u_ref, beta the curve's steepness and k its cap; the price
    closes a share lambda of the gap to p* each month (tariffs and contracts reset over months).
    """

    average_generation_gw: float = param(500.0, unit="GW", lo=0.0, hi=1e5,
                                         description="Average electricity generation of the region (annual TWh / 8760 h).", source="")
    generation_growth_per_year: float = param(0.02, unit="1/yr", lo=-0.5, hi=1.0,
                                              description="Growth of the region's total generation (g).", source="")
    dc_share_of_new_generation: float = param(0.1, unit="1", lo=0.0, hi=1.0,
                                              description="Share of the region's new generation offered to data centres at the base price (d); "
                                                          "less as their price falls toward the operating cost, up to twice as much when it is scarce.",
                                              source=ASSUMED + "data centres compete with other new load; the IEA's base "
                                              "case (Energy and AI, 2025) implies less in China, the Gulf and the rest of the "
                                              "world: the baseline's regional shares hinge on it (docs/sensitivity.md)")
    initial_available_gw: float = param(1.0, unit="GW", lo=0.0, hi=1e4,
                                        description="Power available to AI data centres at the start, committed or not.",
                                        source=ASSUMED + "initial AI load plus ~30% headroom", setup_only=True)
    base_price_usd_mwh: float = param(80.0, unit="usd/MWh", lo=0.0, hi=1e4,
                                      description="Price when load sits at the target reserve margin (p_0, at u = u_ref).",
                                      source=ASSUMED + "order of 2024 industrial tariffs (EIA, Eurostat)")
    supply_curve_exponent: float = param(
        4.0, unit="1", lo=0.0, hi=20.0,
        description="Steepness beta of the price in scarcity u: p* = c + (p_0 - c) (u / u_ref)^beta.",
        source="derived from PJM's capacity auctions: as data-centre load took the reserve margin from above its target to it "
               "(2024/25 -> 2026/27) the capacity price rose $28.92 -> $329.17/MW-day, ~+12 $/MWh, and 5 points below target "
               "(2027/28) it would have cleared at $529/MW-day uncapped, ~+8 $/MWh more (PJM, reported); with c = 40 and "
               "p_0 = 80, beta = 4 gives +9 and +7 $/MWh for those moves")
    price_cap_multiple: float = param(
        2.0, unit="1", lo=1.0, hi=100.0,
        description="Highest price as a multiple k of the base price (p* <= k p_0).",
        source=ASSUMED + "a data centre can generate its own power behind the meter: gas peakers cost ~$110-230/MWh "
               "(Lazard LCOE+ 2024), about twice the US base price")
    price_adjust_per_month: float = param(0.25, unit="1/month", lo=0.0, hi=1.0,
                                          description="Share lambda of the gap to the target price closed each month.",
                                          source=ASSUMED + "tariffs, capacity charges and power contracts reset over a few quarters")
    lead_time_months: int = param(36, unit="months", lo=1, hi=240,
                                  description="Months to bring new dedicated generation online (before permitting speed).",
                                  source="LBNL 'Queued Up' 2024: median ~5 years from request to operation; dedicated supply assumed faster")
    build_rate_limit_gw_per_month: float = param(0.3, unit="GW/month", lo=0.0, hi=1e3,
                                                 description="Most new generation the utility can start in a month (before permitting speed).",
                                                 source=ASSUMED + "a region's yearly new dedicated supply for data centres at the pace of recent reported additions")
    generation_capex_usd_bn_per_gw: float = param(1.5, unit="usd_bn/GW", lo=0.0, hi=100.0,
                                                  description="Capex of new generation capacity.",
                                                  source=ASSUMED + "gas combined cycle ~$1,000-2,000/kW (EIA capital cost estimates)")
    capital_recovery_per_year: float = param(
        0.094, unit="1/yr", lo=0.0, hi=1.0,
        description="Share of new generation's capex it must earn back each year (capital recovery factor).",
        source=ASSUMED + "8% cost of capital over a 25-year plant life: 0.08 / (1 - 1.08^-25) = 0.094")
    operating_cost_usd_mwh: float = param(40.0, unit="usd/MWh", lo=0.0, hi=1e4,
                                          description="Fuel and operating cost of power delivered.", source=ASSUMED + "fuel and O&M of gas generation at ~$3-4/MMBtu (EIA)")
    reserve_margin: float = param(0.1, unit="1", lo=0.0, hi=1.0,
                                  description="Headroom the utility keeps above committed and queued load when planning builds.",
                                  source=ASSUMED + "utilities plan ~10% above expected load")
    initial_cash_usd_bn: float = param(20.0, unit="usd_bn", lo=0.0, hi=1e4, description="Cash at the start.", source=ASSUMED + "order of the cash on hand of the firms it stands for (reported)", setup_only=True)
    payout_share_of_profit: float = param(0.6, unit="1", lo=0.0, hi=1.0, description="Share of monthly profit paid to shareholders.",
                                          source=ASSUMED + "regulated utilities pay out most of their earnings")


def _utility(generation_twh: float, growth: float, available: float, price: float, lead: int, rate: float,
             dc_share: float | None = None) -> UtilitySpec:
    spec = UtilitySpec()
    if dc_share is not None:
        spec.dc_share_of_new_generation = dc_share
    spec.average_generation_gw, spec.generation_growth_per_year = generation_twh / 8.76, growth
    spec.initial_available_gw, spec.base_price_usd_mwh = available, price
    spec.lead_time_months, spec.build_rate_limit_gw_per_month = lead, rate
    return spec


def default_utilities() -> dict[str, UtilitySpec]:
    """One utility per region; generation from the Energy Institute's Statistical Review (2024 figures)."""
    return {
        "US": _utility(4635.0, 0.0060, 9.5, 80.0, 24, 1.0, US_DC_SHARE_OF_NEW_GENERATION),
        "CN": _utility(10087.0, 0.0571, 1.8, 85.0, 18, 1.0),
        "EU": _utility(2700.0, -0.005, 0.6, 150.0, 48, 0.15),
        "GULF": _utility(700.0, 0.03, 0.35, 50.0, 24, 0.3),
        "ROW": _utility(9000.0, 0.03, 0.4, 100.0, 36, 0.3),
    }


ENTRY_SOURCES: dict[str, str] = {
    "utilities.US.dc_share_of_new_generation": "derived: US data centres' growth over 2014-2023, (176 - 58) TWh / 9 yr "
    "(LBNL 2024 United States Data Center Energy Usage Report, all data centres), over the trend growth of US generation, "
    f"4,635 TWh x 0.6%/yr (Energy Institute): {US_DC_SHARE_OF_NEW_GENERATION:g}; AI data centres are assumed able to "
    "take what data centres as a whole took (an upper bound for AI alone). "
    "The IEA's base case (Energy and AI, 2025) implies more: US data-centre growth to 2030 above the trend growth of "
    "US generation (docs/sensitivity.md)",
    "utilities.US.average_generation_gw": "US generation 4,635 TWh in 2024 (Energy Institute Statistical Review 2025)",
    "utilities.US.generation_growth_per_year": "US generation 4,363 -> 4,635 TWh 2014-2024, +0.6%/yr (Energy Institute)",
    "utilities.CN.average_generation_gw": "China generation 10,087 TWh in 2024 (Energy Institute Statistical Review 2025)",
    "utilities.CN.generation_growth_per_year": "China generation 5,795 -> 10,087 TWh 2014-2024, +5.7%/yr (Energy Institute)",
    "utilities.US.build_rate_limit_gw_per_month": "LBNL 2024 US Data Center Energy Usage Report: 74-132 GW of data-centre capacity by 2028 "
    "from ~40 GW in 2023 implies +7 to +18 GW a year; ~12 GW a year taken (derived)",
    "utilities.US.lead_time_months": ASSUMED + "dedicated supply (gas turbines, behind-the-meter, PPAs) in ~2 years; the LBNL grid queue median is ~5 years",
    "utilities.EU.average_generation_gw": ASSUMED + "EU ~2,700 TWh, flat to falling (Energy Institute, approximate)",
    "utilities.GULF.average_generation_gw": ASSUMED + "GCC ~700 TWh, ~3%/yr growth (approximate)",
    "utilities.ROW.average_generation_gw": ASSUMED + "rest of world remainder, ~3%/yr growth (approximate)",
}
for _region in REGIONS:
    ENTRY_SOURCES.setdefault(f"utilities.{_region}.generation_growth_per_year",
                             ASSUMED + "approximate 2014-2024 trend (Energy Institute)")
