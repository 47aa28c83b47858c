"""Where the baseline's compute stands, against the share of each region's new generation offered to data centres.

The baseline's regional headline (the US's share of world compute falling through the run while the Gulf and the
rest of the world take much of the growth) rests on a parameter, d =
``utilities.<region>.dc_share_of_new_generation``: the share of a region's trend growth of generation offered to data
centres at the base price (in the US 0.47, its data centres' growth in 2014-2023 over the trend growth of its
generation; elsewhere an assumed 0.1). This
section of ``docs/sensitivity.md`` runs the baseline with d at 50% and 150% of its default in every region and in the
Gulf and the rest of the world only, and with d set from the IEA's base case (:func:`iea_shares`), seeds 1-5.

IEA, *Energy and AI* (April 2025), base case, data-centre electricity consumption in TWh, 2024 -> 2030 (reported in
the IEA's regional chart): United States 183 -> 426, China 102 -> 277, Europe 68 -> 113, Asia Pacific excluding
China 48 -> 101, rest of the world 15 -> 29. Where a region's data-centre growth is below its trend growth of
generation at the model's rates (China; the Gulf with the rest of the world, which the IEA's two last groups cover),
d = (data-centre growth per year) / (generation growth per year). In the US and Europe the IEA's data-centre growth
exceeds the region's trend growth of generation (Europe's generation falls), so data centres there grow on dedicated
supply (``build_rate_limit_gw_per_month``), not on a share of trend growth, and their d keeps its default.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from experiments.runner import RunResult, simulate
from market.enums import REGIONS
from market.parameters.params import Params
from market.parameters.scenario import load_scenario

SEEDS = (1, 2, 3, 4, 5)
SHARE = "dc_share_of_new_generation"
ABROAD = ("GULF", "ROW")
IEA_YEARS = 6
IEA_DATA_CENTRE_TWH = {"US": (183.0, 426.0), "CN": (102.0, 277.0), "EU": (68.0, 113.0),
                       "ASIA_PACIFIC_EXCLUDING_CN": (48.0, 101.0), "REST_OF_WORLD": (15.0, 29.0)}
IEA_SOURCE = "IEA, Energy and AI (April 2025), base case: data-centre electricity consumption by region, 2024 and 2030"
IEA_VARIANT = "IEA base case"
FIELDS = (("world_gw", "world compute Dec 2034, GW", "{:.0f}"), ("us_gw", "US compute Dec 2034, GW", "{:.1f}"),
          ("us_share", "US share of world compute, Dec 2034", "{:.2f}"),
          ("abroad_share", "Gulf and rest-of-world share, Dec 2034", "{:.2f}"))


def _growth_twh_per_year(regions: Sequence[str]) -> float:
    """The regions' trend growth of generation at the model's rates (TWh a year): sum of G_r x 8.76 x g_r."""
    utilities = Params().utilities
    return sum(utilities[r].average_generation_gw * 8.76 * utilities[r].generation_growth_per_year for r in regions)


def _iea_growth_twh_per_year(*groups: str) -> float:
    """The IEA's data-centre growth of the groups, 2024-2030, per year (TWh a year)."""
    return sum(IEA_DATA_CENTRE_TWH[g][1] - IEA_DATA_CENTRE_TWH[g][0] for g in groups) / IEA_YEARS


def iea_shares() -> dict[str, float]:
    """d by region from the IEA's base case where its data-centre growth is below the region's trend growth of
    generation: China, and the Gulf with the rest of the world (one value for both)."""
    abroad = _iea_growth_twh_per_year("ASIA_PACIFIC_EXCLUDING_CN", "REST_OF_WORLD") / _growth_twh_per_year(ABROAD)
    return {"CN": _iea_growth_twh_per_year("CN") / _growth_twh_per_year(("CN",)), "GULF": abroad, "ROW": abroad}


def variants() -> dict[str, dict[str, float]]:
    """Each variant's d by region (regions left out keep their default)."""
    default = {r: getattr(Params().utilities[r], SHARE) for r in REGIONS}
    return {"baseline": {},
            "every region x 0.5": {r: 0.5 * d for r, d in default.items()},
            "every region x 1.5": {r: 1.5 * d for r, d in default.items()},
            "Gulf and rest of world x 0.5": {r: 0.5 * default[r] for r in ABROAD},
            "Gulf and rest of world x 1.5": {r: 1.5 * default[r] for r in ABROAD},
            IEA_VARIANT: iea_shares()}


@dataclass(frozen=True)
class RegionOutcome:
    """Where one run's compute stands in its last month."""

    world_gw: float
    us_gw: float
    us_share: float
    abroad_share: float


def measure_regions(result: RunResult) -> RegionOutcome:
    """Read world and US compute and the regional shares from a finished run's last month."""
    last = result.model_table.iloc[-1]
    by_region = {r: float(last[f"compute_gw_{r}"]) for r in REGIONS}
    world = sum(by_region.values())
    return RegionOutcome(world, by_region["US"], by_region["US"] / world, sum(by_region[r] for r in ABROAD) / world)


def _run(job: tuple[str, int]) -> tuple[tuple[str, int], RegionOutcome]:
    variant, seed = job
    overrides = [(f"utilities.{region}.{SHARE}", d) for region, d in variants()[variant].items()]
    return job, measure_regions(simulate(load_scenario("baseline", overrides), seed))


def measure_all(seeds: Sequence[int] = SEEDS, workers: int = 2) -> dict[tuple[str, int], RegionOutcome]:
    """Run the baseline under every variant with every seed."""
    jobs = [(variant, seed) for variant in variants() for seed in seeds]
    with ProcessPoolExecutor(workers) as pool:
        return dict(pool.map(_run, jobs))


def render(outcomes: dict[tuple[str, int], RegionOutcome]) -> str:
    """The section's Markdown: per variant, d by region and the mean (range) over seeds of each measure."""
    seeds = sorted({s for _, s in outcomes})
    header = ("| variant | " + " | ".join(f"d {r}" for r in REGIONS) + " | "
              + " | ".join(label for _, label, _ in FIELDS) + " |\n|---|" + "---|" * (len(REGIONS) + len(FIELDS)) + "\n")
    rows = ""
    for variant, shares in variants().items():
        d = [f"{shares.get(r, getattr(Params().utilities[r], SHARE)):.3g}" for r in REGIONS]
        cells = []
        for field, _, fmt in FIELDS:
            values = [getattr(o, field) for (v, _), o in outcomes.items() if v == variant]
            cells.append(f"{fmt.format(np.mean(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})")
        rows += f"| {variant} | " + " | ".join(d) + " | " + " | ".join(cells) + " |\n"
    iea = iea_shares()
    us_growth = _iea_growth_twh_per_year("US")
    us_d = getattr(Params().utilities["US"], SHARE)
    other_d = " or ".join(f"{d:g}" for d in sorted({getattr(Params().utilities[r], SHARE) for r in REGIONS if r != "US"}))
    return f"""
## Where compute stands: the share of new generation offered to data centres

The baseline's regional headline (`docs/scenarios.md`: the US's share of world compute falls through the run while
the Gulf and the rest of the world take much of the growth) rests on a parameter, d =
`utilities.<region>.{SHARE}`: the share of a region's trend growth of generation offered
to data centres at the base price. In the US d is {us_d:.2f}: all US data centres' growth in 2014-2023 (LBNL) over
the trend growth of US generation (Energy Institute; `docs/parameters.md`), so, like the IEA's figures below, an upper
bound for AI alone; elsewhere it is an assumed {other_d}. The
rest of the world's generation is large and growing (`average_generation_gw` x `generation_growth_per_year`), so a
share of it is a large supply beside the US's dedicated builds. Each variant below sets d as shown, the rest of the
baseline held; seeds {", ".join(map(str, seeds))}; each cell is the mean over the seeds with the range in brackets.

The last variant sets d from the IEA's figures. Source: {IEA_SOURCE} (reported). Data centres'
growth per year over the regions' trend growth of generation at the model's rates gives d = {iea["CN"]:.3f} for China
and {iea["ROW"]:.3f} for the Gulf with the rest of the world (the IEA's Asia Pacific excluding China and rest of the
world). In the US the IEA's data-centre growth ({us_growth:.1f} TWh a year) exceeds the trend growth of all
generation ({_growth_twh_per_year(("US",)):.1f} TWh a year), and Europe's generation falls, so there data centres grow
on dedicated supply and d keeps its default (the US's, from its record, is below what the IEA's growth implies). The
IEA counts every data centre, not only AI's, so these shares are upper bounds for AI.

{header}{rows}"""
