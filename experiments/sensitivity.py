"""One-at-a-time sensitivity of the baseline's headline numbers to its assumed parameters: ``docs/sensitivity.md``.

Each of :data:`PARAMETERS` (assumed defaults, no public figure pins them: the ten with the largest effects in a
screening of every assumed parameter, :mod:`experiments.sensitivity_screening`) is set to 50% and 150% of its
default, the others held, and the baseline runs with seeds 1-5 (common random numbers). Measured: defaults by December 2034, the
peak bubble index, world compute in December 2034 and the number of frontier labs with positive operating profit
summed over 2030-2034. A second table varies the neuromorphic scenario's entrant ramp (:data:`RAMP_PARAMETERS`), on
which that scenario's headline hinges, and a third the share of each region's new generation offered to data centres,
on which the baseline's regional shares hinge (:mod:`experiments.sensitivity_regions`). ``make sensitivity``
regenerates the document (the screening's ~300 one-seed runs, then about 160; ~20 minutes on 2 cores;
``--reuse-screening`` skips the screening).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from experiments import sensitivity_regions
from experiments import sensitivity_screening as screening
from experiments.runner import RunResult, simulate
from experiments.sensitivity_screening import Outcome, measure_outcome
from market.parameters.params import Params
from market.parameters.scenario import load_scenario

DOC = Path(__file__).resolve().parent.parent / "docs" / "sensitivity.md"
SEEDS = (1, 2, 3, 4, 5)
FACTORS = (0.5, 1.5)
COMMAND = "make sensitivity   # = .venv/bin/python -m experiments.sensitivity"

FAMILIES = screening.assumed_families()
PARAMETERS = screening.chosen_families() if screening.DATA.exists() else ()  # none until the first screening
SCREENING_ROWS = 25


def get_path(root: object, path: str) -> float | int:
    """The value at dotted ``path`` of the parameter tree (dict groups by key, dataclasses by attribute)."""
    node = root
    for part in path.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node  # type: ignore[return-value]


def varied_value(path: str, factor: float) -> float | int | str:
    """What a variant sets: the default of a single parameter times ``factor`` (kept in its allowed range, integers
    rounded; :func:`experiments.sensitivity_screening.scaled`), or for a family of several members ``x<factor>`` and how
    many members it changes (the others are zero or at a bound of their range)."""
    members = FAMILIES[path]
    if len(members) > 1:
        changed = len(screening.overrides_for(path, members, factor))
        return f"x{factor:g} ({changed} of {len(members)} changed)"
    return dict(screening.overrides_for(path, members, factor)).get(members[0], get_path(Params(), members[0]))


def default_value(path: str) -> float | int | str:
    """The default of a single parameter, or ``each member's`` for a family."""
    members = FAMILIES[path]
    return get_path(Params(), members[0]) if len(members) == 1 else "each member's"


def _run(job: tuple[str, float, int]) -> tuple[tuple[str, float, int], Outcome]:
    path, factor, seed = job
    overrides = [] if path == "" else screening.overrides_for(path, FAMILIES[path], factor)
    return job, measure_outcome(simulate(load_scenario("baseline", overrides), seed))


def measure_all(parameters: Sequence[str] = PARAMETERS, seeds: Sequence[int] = SEEDS,
                workers: int = 2) -> dict[tuple[str, float, int], Outcome]:
    """Run the baseline and each one-at-a-time variant with every seed."""
    jobs = [("", 1.0, seed) for seed in seeds]
    jobs += [(path, factor, seed) for path in parameters for factor in FACTORS for seed in seeds]
    with ProcessPoolExecutor(workers) as pool:
        return dict(pool.map(_run, jobs))


def _mean(outcomes: dict[tuple[str, float, int], Outcome], path: str, factor: float, field: str) -> float:
    return float(np.mean([getattr(o, field) for (p, f, _), o in outcomes.items() if p == path and f == factor]))


def _range(outcomes: dict[tuple[str, float, int], Outcome], path: str, factor: float, field: str) -> tuple[float, float]:
    values = [getattr(o, field) for (p, f, _), o in outcomes.items() if p == path and f == factor]
    return min(values), max(values)


FIELDS = (("defaults", "defaults by Dec 2034", "{:.1f}"), ("peak_bubble_index", "peak bubble index", "{:.2f}"),
          ("world_compute_gw_2034", "world compute Dec 2034, GW", "{:.0f}"),
          ("profitable_frontier_labs", "frontier labs profitable 2030-2034 (of 5)", "{:.1f}"))


def render(outcomes: dict[tuple[str, float, int], Outcome]) -> str:
    """The document's text: per parameter and factor, the mean over seeds of each measure and its change."""
    parameters = list(dict.fromkeys(p for p, _, _ in outcomes if p))
    seeds = sorted({s for _, _, s in outcomes})
    base_cells = []
    for field, _, fmt in FIELDS:
        low, high = _range(outcomes, "", 1.0, field)
        base_cells.append(f"{fmt.format(_mean(outcomes, '', 1.0, field))} ({fmt.format(low)}-{fmt.format(high)})")
    header = "| parameter | default | value | " + " | ".join(label for _, label, _ in FIELDS) + " |\n"
    header += "|---|---|---|" + "---|" * len(FIELDS) + "\n"
    rows = "| baseline | | | " + " | ".join(base_cells) + " |\n"
    for path in parameters:
        default = default_value(path)
        for factor in FACTORS:
            cells = []
            for field, _, fmt in FIELDS:
                value = _mean(outcomes, path, factor, field)
                change = fmt.format(value - _mean(outcomes, "", 1.0, field))
                change = change.removeprefix("-") if float(change) == 0.0 else change
                cells.append(f"{fmt.format(value)} ({'' if change.startswith('-') else '+'}{change})")
            rows += f"| `{path}` | {_cell(default)} | {_cell(varied_value(path, factor))} | " + " | ".join(cells) + " |\n"
    return f"""# One-at-a-time sensitivity of the baseline

Generated by `make sensitivity` from runs of the baseline with seeds {", ".join(map(str, seeds))}; do not edit by hand.
Each of the ten assumed parameters (no public figure pins them) with the largest effects in the screening of every
assumed parameter (below) is set to 50% and 150% of its default, one at a time, the others held; a family (a field
of every member of a roster, `labs.*.`) is scaled member by member. Each cell is the mean over the seeds, with its
change from the baseline's mean in brackets; the baseline row gives the mean and, in brackets, the range over the
seeds. Values stay in each field's allowed range and integers are rounded. Regenerate with

```sh
{COMMAND}
```

{header}{rows}"""


def _cell(value: float | int | str) -> str:
    return value if isinstance(value, str) else f"{value:g}"


def render_screening(results: Sequence[screening.Screened]) -> str:
    """The screening section: the families with the largest effects, and those not varied."""
    varied = [r for r in screening.rank(results) if r.largest_on]
    not_varied = [r for r in results if not r.largest_on]
    chosen = screening.chosen_families(results)
    rows = "".join(f"| {rank} | `{r.family}` | {r.members} | {r.effect:.3f} | {r.largest_on} | x{r.factor:g} | "
                   f"{'yes' if r.family in chosen else ''} |\n" for rank, r in enumerate(varied[:SCREENING_ROWS], start=1))
    skipped = "; ".join(f"`{r.family}`" for r in not_varied) or "none"
    return f"""
## How the ten were chosen: a screening of every assumed parameter

Every numeric parameter whose source is an assumption is set to 50% and 150% of its default, one family at a time
(a family is one field of a roster of named firms, sites or governments, such as `labs.*.cash_buffer_months`: its
members are scaled together; role- and kind-keyed groups such as `compute_split.frontier` are screened member by
member), and the baseline runs with seed {screening.SCREEN_SEED}. A family's effect is the largest, over the two
factors, of

    max(|dD| / 5, |dB| / B_0, |dW| / W_0, |dP| / |P_0|)

with D the defaults by December 2034 (a change of one firm counts 0.2), B the peak bubble index, W world compute in
December 2034 and P the frontier labs' operating profit summed over 2030-2034, B_0, W_0 and P_0 the baseline's (the
summed profit, not the count of profitable labs the table above shows: with one seed a lab near break-even flips the
count on the path's chaos alone). One seed screens:
with common random numbers a difference is the parameter's effect plus the path's own chaos, so effects below a few
hundredths rank noise; the chosen ten are then measured over five seeds above. The effects are kept in
`experiments/data/{screening.DATA.name}`.

{len(varied)} families of {len(results)} were varied ({sum(r.members for r in results)} assumed parameters in all). The
{SCREENING_ROWS} largest effects (chosen: the ten largest whose variants the model accepts at both factors, the table
above):

| rank | family | members | effect | largest on | at | chosen |
|---|---|---|---|---|---|---|
{rows}
Not varied (zero or pinned by their range at both factors): {skipped}. A variant the model refuses (a starting state
its checks reject) is noted in the kept file, and its family is not chosen.
"""


RAMP_SCENARIO = "neuromorphic"
RAMP_PARAMETERS = ("chipmakers.entrant_neuromorphic.initial_capacity_gw_per_month",
                   "chipmakers.entrant_neuromorphic.max_capacity_growth_per_month")
ROSTER = "the baseline roster's ramp"
RAMP_FIELDS = (("entrant_share_2034", "entrant's share of new orders, Dec 2034", "{:.2f}"),
               ("value_to_book_2030", "fleet value to book, Dec 2030", "{:.2f}"),
               ("mw_per_eflops_2034", "MW per EFLOP/s, Dec 2034", "{:.3f}"),
               ("impairment_usd_bn", "chips written down, run total, $bn", "{:.0f}"))


@dataclass(frozen=True)
class RampOutcome:
    """What the neuromorphic scenario's headline reads from one run."""

    entrant_share_2034: float
    value_to_book_2030: float
    mw_per_eflops_2034: float
    impairment_usd_bn: float


def measure_ramp(result: RunResult) -> RampOutcome:
    """Read the neuromorphic headline numbers from a finished run."""
    table = result.model_table.set_index("date")
    return RampOutcome(float(result.model.chipmakers["entrant_neuromorphic"].order_share),
                       float(table.loc["2030-12", "fleet_value_to_book"]),
                       1000.0 * float(table["compute_gw"].iloc[-1] / table["effective_compute_eflops"].iloc[-1]),
                       float(table["impairment_usd_bn"].sum()))


def ramp_overrides(variant: str, factor: float) -> list[tuple[str, float]]:
    """Overrides of the neuromorphic scenario for one variant: a ramp parameter times ``factor`` (the scenario's value
    as 1), both at the baseline roster's defaults (``ROSTER``), or none ("")."""
    if variant == "":
        return []
    if variant == ROSTER:
        return [(path, get_path(Params(), path)) for path in RAMP_PARAMETERS]
    return [(variant, get_path(load_scenario(RAMP_SCENARIO).params, variant) * factor)]


def _run_ramp(job: tuple[str, float, int]) -> tuple[tuple[str, float, int], RampOutcome]:
    variant, factor, seed = job
    return job, measure_ramp(simulate(load_scenario(RAMP_SCENARIO, ramp_overrides(variant, factor)), seed))


def measure_ramps(seeds: Sequence[int] = SEEDS, workers: int = 2) -> dict[tuple[str, float, int], RampOutcome]:
    """Run the neuromorphic scenario, each ramp parameter at 50% and 150% of its value there, and the roster's ramp."""
    jobs = [("", 1.0, seed) for seed in seeds] + [(ROSTER, 1.0, seed) for seed in seeds]
    jobs += [(path, factor, seed) for path in RAMP_PARAMETERS for factor in FACTORS for seed in seeds]
    with ProcessPoolExecutor(workers) as pool:
        return dict(pool.map(_run_ramp, jobs))


def render_ramps(outcomes: dict[tuple[str, float, int], RampOutcome]) -> str:
    """The neuromorphic section: per ramp variant, the entrant's ramp and the mean (range) over seeds of each measure."""
    scenario = load_scenario(RAMP_SCENARIO).params
    header = ("| variant | launch capacity, GW/month | growth cap, 1/month | "
              + " | ".join(label for _, label, _ in RAMP_FIELDS) + " |\n|---|---|---|" + "---|" * len(RAMP_FIELDS) + "\n")
    rows = ""
    variants = [("", 1.0)] + [(path, factor) for path in RAMP_PARAMETERS for factor in FACTORS] + [(ROSTER, 1.0)]
    for variant, factor in variants:
        ramp = dict(ramp_overrides(variant, factor))
        launch, growth = (ramp.get(path, get_path(scenario, path)) for path in RAMP_PARAMETERS)
        cells = []
        for field, _, fmt in RAMP_FIELDS:
            values = [getattr(o, field) for (v, f, _), o in outcomes.items() if v == variant and f == factor]
            cells.append(f"{fmt.format(np.mean(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})")
        name = "the scenario" if variant == "" else variant if variant == ROSTER else f"`{variant.split('.')[-1]}` x {factor:g}"
        rows += f"| {name} | {launch:g} | {growth:g} | " + " | ".join(cells) + " |\n"
    return f"""
## The neuromorphic scenario's entrant ramp

The `{RAMP_SCENARIO}` headline (`docs/scenarios.md`) hinges on how fast the entrant can add capacity, which no public
figure pins for a maker that does not exist yet. Each ramp parameter is set to 50% and 150% of its value in the
scenario, one at a time, and both to the baseline roster's defaults; seeds {", ".join(map(str, SEEDS))}. Each cell
is the mean over the seeds, with the range in brackets.

{header}{rows}"""


def main(argv: Sequence[str] | None = None) -> None:
    """Screen every assumed parameter (or reuse the kept screening), run the chosen ten over five seeds and write
    docs/sensitivity.md."""
    parser = argparse.ArgumentParser(prog="python -m experiments.sensitivity", description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="processes to run in parallel (default 2)")
    parser.add_argument("--out", type=Path, default=DOC, help=f"file to write (default {DOC})")
    parser.add_argument("--reuse-screening", action="store_true",
                        help=f"read the screening kept in {screening.DATA.name} instead of re-running it (~300 runs)")
    args = parser.parse_args(argv)
    if args.reuse_screening:
        results = screening.read()
    else:
        results = screening.screen(workers=args.workers)
        screening.write(results)
        print(f"wrote {screening.DATA}")
    chosen = screening.chosen_families(results)
    args.out.write_text(render(measure_all(chosen, workers=args.workers)) + render_screening(results)
                        + render_ramps(measure_ramps(workers=args.workers))
                        + sensitivity_regions.render(sensitivity_regions.measure_all(workers=args.workers)))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
