"""Physical parameters: accelerator generations, chip technology and data-centre construction."""

from __future__ import annotations

from dataclasses import dataclass

from market.enums import REGIONS
from market.parameters.schema import param

ASSUMED = "assumption: "
ENTRY_SOURCES: dict[str, str] = {}


@dataclass
class GenerationSpec:
    """One accelerator generation. EFLOP/s per GW = dense FLOP/s / all-in watts (docs/ODD.md section 2, Units)."""

    intro_date: str = param("2025-01", unit="YYYY-MM", description="Month the generation goes on sale.", source="", setup_only=True)
    dense_bf16_tflops: float = param(1000.0, unit="TFLOP/s", lo=0.0, hi=1e7, lo_open=True,
                                     description="Dense BF16 throughput per accelerator.", source="", setup_only=True)
    board_w: float = param(700.0, unit="W", lo=1.0, hi=1e5, description="Board power per accelerator.", source="", setup_only=True)
    all_in_w: float = param(1500.0, unit="W", lo=1.0, hi=1e5,
                            description="Facility power per accelerator, including servers, network and cooling.", source="", setup_only=True)
    interconnect_gb_s: float = param(900.0, unit="GB/s", lo=0.0, hi=1e6,
                                     description="Chip-to-chip interconnect bandwidth (bidirectional), tested by the 2022 export rule.",
                                     source="", setup_only=True)
    die_area_mm2: float = param(814.0, unit="mm^2", lo=1.0, hi=1e5, lo_open=False,
                                description="Applicable die area; performance density = TPP / die area (2023 export rule).", source="", setup_only=True)

    def eflops_per_gw(self) -> float:
        """Return dense EFLOP/s delivered per GW of facility power."""
        return self.dense_bf16_tflops * 1e12 / self.all_in_w * 1e9 / 1e18

    def performance_density(self) -> float:
        """TPP per mm^2 of die area, the 2023 rule's second test (88 FR 73458). H100: 15,824 / 814 = 19.4."""
        return self.tpp() / self.die_area_mm2

    def tpp(self) -> float:
        """Total processing performance, the export-control metric: dense TOPS x bit length (16 for BF16).

        A100: 312 x 16 = 4,992 (above the 2022 rule's 4,800); H100: 15,824 (87 FR 62186).
        """
        return self.dense_bf16_tflops * 16.0


def _generation(intro: str, tflops: float, board: float, all_in: float, interconnect: float, die: float) -> GenerationSpec:
    spec = GenerationSpec()
    spec.intro_date, spec.dense_bf16_tflops, spec.board_w, spec.all_in_w = intro, tflops, board, all_in
    spec.interconnect_gb_s, spec.die_area_mm2 = interconnect, die
    return spec


def default_generations() -> dict[str, GenerationSpec]:
    """A100, H100 and B200 from NVIDIA datasheets; all-in watts scaled from 150 MW per 100k H100s."""
    return {
        "A100": _generation("2020-06", 312.0, 400.0, 860.0, 600.0, 826.0),
        "H100": _generation("2022-10", 989.0, 700.0, 1500.0, 900.0, 814.0),
        "B200": _generation("2025-01", 2250.0, 1000.0, 2100.0, 1800.0, 1600.0),
    }


_GENERATION_SOURCES = {
    "dense_bf16_tflops": "NVIDIA datasheets, dense = half the with-sparsity figure (calibration.md)",
    "board_w": "NVIDIA datasheets (calibration.md)",
    "all_in_w": "H100: 150 MW per 100k GPUs (SemiAnalysis, reported); A100 scaled by the H100 ratio 1500/700 (assumption); "
                "B200: GB200 NVL72 ~120 kW per 72 GPUs (reported) times 1.25 facility overhead (assumption)",
    "intro_date": "volume shipments as reported: A100 mid-2020, H100 Q4 2022, B200 early 2025",
    "interconnect_gb_s": "NVIDIA datasheets: NVLink 600 GB/s (A100), 900 GB/s (H100), 1.8 TB/s (B200)",
    "die_area_mm2": "reported die sizes: GA100 826 mm^2, GH100 814 mm^2, B200 two dies of ~800 mm^2",
}
ENTRY_SOURCES.update({
    f"generations.{gen}.{name}": text
    for gen in ("A100", "H100", "B200")
    for name, text in _GENERATION_SOURCES.items()
})
_CONSTRUCTION_NOTE = ASSUMED + "regional build speed and capacity; China and the Gulf build fastest, Europe slowest (reported)"
ENTRY_SOURCES.update({
    f"construction.{region}.{name}": _CONSTRUCTION_NOTE
    for region in REGIONS
    for name in ("build_months", "start_capacity_gw_per_month")
})


@dataclass
class TechnologySpec:
    """Chips beyond the listed generations, and their life.

    Generation n after the last listed one arrives every ``future_generation_interval_months`` with
    EFLOP/s per GW multiplied by 2^(interval / doubling). Prices per GW follow each chipmaker's
    learning curve, so price-performance improves by both (Epoch AI's ~2.1-2.5-year doubling of
    FLOP/s per dollar is a check for calibration, not an input).
    """

    future_generation_interval_months: int = param(
        24, unit="months", lo=6, hi=120, description="Months between future accelerator generations.",
        source=ASSUMED + "two-year architecture cadence of 2020-2025 (A100, H100, B200)", setup_only=True)
    efficiency_doubling_months: float = param(
        39.0, unit="months", lo=6.0, hi=240.0,
        description="Months for EFLOP/s per facility GW of new generations to double.",
        source="H100 (Oct 2022) to B200 (Jan 2025): 659 -> 1,071 EFLOP/s per GW in 27 months, from the datasheet rows above", setup_only=True)
    future_interconnect_growth_per_generation: float = param(
        2.0, unit="1", lo=1.0, hi=10.0,
        description="Interconnect bandwidth multiplier per future generation (die area and per-accelerator power held at the last listed one's).",
        source="NVLink doubled per generation: 600 (A100) -> 900 (H100) -> 1,800 GB/s (B200), NVIDIA datasheets", setup_only=True)
    scrap_efficiency_ratio: float = param(
        3.0, unit="1", lo=1.0, hi=1000.0,
        description="A lab whose new chips wait for power at a site retires older chips there early when the new ones give at "
                    "least this many times their EFLOP/s per GW, and hands their power connection over.",
        source=ASSUMED + "operators replace running accelerators only for a large gain: swapping costs downtime and labour, and "
               "one generation (~1.6x, H100 -> B200 per GW) is not worth it")
    useful_life_months: int = param(
        60, unit="months", lo=12, hi=180, description="Months an installed accelerator runs before it retires.",
        source="largest cloud providers depreciate servers over ~5-6 years (company 10-K filings, reported)")


@dataclass
class ConstructionSpec:
    """Data-centre construction in one region: build time, the region's construction capacity and how fast a ready
    building takes its chips."""

    build_months: int = param(18, unit="months", lo=1, hi=120, description="Months from construction start to a ready building.",
                              source=ASSUMED + "12-24 months reported for large AI data centres")
    start_capacity_gw_per_month: float = param(0.5, unit="GW/month", lo=0.0, hi=100.0,
                                               description="GW of data-centre construction the region can start each month.",
                                               source=ASSUMED, setup_only=True)
    capacity_growth_per_month: float = param(0.03, unit="1/month", lo=0.0, hi=1.0,
                                             description="Growth of start capacity in a month when it binds (construction learns by doing).",
                                             source=ASSUMED + "contractors and supply chains scale up ~40% a year when demand is there")
    fit_out_gw_per_month: float = param(
        0.1, unit="GW/month", lo=0.0, hi=1e6, lo_open=True,
        description="GW of chips a ready building takes in a month: its halls are fitted out and energised one after "
                    "another, so a project of G GW takes its chips over G / this months (one month at least).",
        source=ASSUMED + "about 0.1 GW a month per campus: Stargate Abilene's first two of eight buildings (~0.2 of 1.2 GW) "
               "ran from September 2025, the rest due by mid-2026 (OpenAI, Oracle, reported); xAI's Colossus went from "
               "100,000 to 200,000 GPUs (~0.15 GW more) in 92 days (xAI, reported 2024)")
    delay_sigma: float = param(0.2, unit="1", lo=0.0, hi=2.0,
                               description="Log-normal sigma of a project's build time (stream 'project_delays').",
                               source=ASSUMED + "one project in six late by a fifth or more")


def default_construction() -> dict[str, ConstructionSpec]:
    """Regional build times and construction capacity (assumptions, see docs/parameters.md)."""
    table = {"US": (18, 1.0), "CN": (12, 0.8), "EU": (24, 0.2), "GULF": (15, 0.4), "ROW": (18, 0.3)}
    out = {}
    for region in REGIONS:
        spec = ConstructionSpec()
        spec.build_months, spec.start_capacity_gw_per_month = table[region]
        out[region] = spec
    return out


@dataclass
class CapacityContractSpec:
    """A capacity contract signed ahead of use: the lessee commits to lease ``gw`` of the lessor's compute, falling due in
    equal parts over ``ramp_months`` from ``start_date``, each part leased for ``term_months`` at the lessor's lease price
    when it is delivered (:mod:`market.physical.contracts`). From ``signed_date`` the lessor plans for the GW falling due
    within its planning horizon and the lessee counts them as coming. It must be signed within the run (on or after
    ``run.start_date``): a run's starting state holds no contract.
    """

    lessee: str = param("", unit="-", description="The named lab committing to lease (required).", source="scenario input",
                        setup_only=True)
    lessor: str = param("", unit="-", description="The named cloud building and leasing the compute (required).",
                        source="scenario input", setup_only=True)
    gw: float = param(1.0, unit="GW", lo=0.0, hi=1e3, lo_open=True, description="GW contracted in all.",
                      source=ASSUMED + "a large campus, the order of OpenAI's 1.2 GW at Abilene with Oracle (Crusoe, reported)",
                      setup_only=True)
    signed_date: str = param("2025-01", unit="YYYY-MM", description="Month the contract is signed: the lessor plans for it from then.",
                             source="scenario input; the baseline's first month", setup_only=True)
    start_date: str = param("2025-01", unit="YYYY-MM", description="First month of deliveries (on or after the signing).",
                            source="scenario input; the baseline's first month", setup_only=True)
    ramp_months: int = param(12, unit="months", lo=1, hi=240,
                             description="Months over which the contracted GW fall due, in equal parts.",
                             source=ASSUMED + "about a year from a campus's first buildings to the whole (Abilene: first buildings "
                                    "mid-2025, complete by mid-2026, Crusoe, reported)", setup_only=True)
    term_months: int = param(60, unit="months", lo=1, hi=240, description="Term of each delivered lease.",
                             source="the five-year terms of OpenAI's 2025 contracts with CoreWeave (CoreWeave release, 10 Mar 2025) "
                                    "and Oracle (~5 years, reported)", setup_only=True)
