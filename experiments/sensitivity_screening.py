"""Screening of every assumed parameter, to choose the ten the one-at-a-time sensitivity varies over five seeds.

Every numeric parameter whose source is an assumption (``assumption: ...`` in the schema) is set to 50% and 150% of its
default, one family at a time (a family is one field of a roster of named firms, sites or governments, such as
``labs.*.cash_buffer_months``: all its members are scaled together; the role- and kind-keyed groups, such as
``compute_split.frontier`` and ``investor_kinds.venture``, are screened member by member, as their members differ in
kind), and the baseline runs with seed 1. A family's effect is the largest, over the two
factors and the four headline numbers, of its change from the baseline, each measured on its own scale:

    effect = max over factors of max(|dD| / 5, |dB| / B_0, |dW| / W_0, |dP| / |P_0|)

with D defaults by December 2034 (a change of one firm is 0.2), B the peak bubble index, W world compute in December
2034 and P the frontier labs' operating profit summed over 2030-2034 (the subscript 0 marks the baseline's). The sensitivity table
counts the frontier labs with positive profit; the screening reads their summed profit instead, since with one seed a
lab near break-even flips the count on a path's chaos alone. Values are
kept inside each field's allowed range (a share of at most 1 stays at most 1); integers are rounded half to even; a
family whose values do not change at either factor (all zero, or pinned by their range) is listed as not varied, and a
variant the model refuses (a starting state its checks reject) is noted and its family never chosen. The ten largest
effects among the rest are the parameters of :mod:`experiments.sensitivity`; the measured effects are kept in
``experiments/data/sensitivity_screening.csv`` so the documents and tests read the same choice without re-running.
One seed screens (common random numbers make a one-seed difference the effect of the parameter alone, plus the
path's chaos); the chosen ten are then measured over five seeds.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from experiments.runner import RunResult, simulate
from market.parameters.params import Params
from market.parameters.scenario import load_scenario
from market.parameters.schema import ParamError, ParamMeta, iter_fields

DATA = Path(__file__).resolve().parent / "data" / "sensitivity_screening.csv"
SCREEN_SEED = 1
FACTORS = (0.5, 1.5)
CHOSEN = 10
ASSUMED_PREFIX = "assumption"
ROSTERS = ("labs", "chipmakers", "utilities", "construction", "governments")
EXCLUDED_PREFIXES = ("run.",)
COLUMNS = ("family", "members", "effect", "largest_on", "factor", "note")


@dataclass(frozen=True)
class Outcome:
    """The measured headline numbers of one baseline run."""

    defaults: float
    peak_bubble_index: float
    world_compute_gw_2034: float
    profitable_frontier_labs: float
    frontier_profit_usd_bn: float = 0.0


def measure_outcome(result: RunResult) -> Outcome:
    """Read the headline numbers from a finished baseline run."""
    model_table = result.model_table
    agents = result.agent_table.merge(model_table[["step", "date"]], on="step")
    late = agents[(agents["role"] == "frontier") & agents["date"].str[:4].between("2030", "2034")]
    profit = late.groupby("name")["operating_profit_usd_bn"].sum()
    return Outcome(float(model_table["defaults"].iloc[-1]), float(model_table["bubble_index"].max()),
                   float(model_table["compute_gw"].iloc[-1]), float((profit > 0).sum()), float(profit.sum()))


@dataclass(frozen=True)
class Screened:
    """One family's screening result: ``effect`` (see the module docstring), the headline number and factor that set
    it, and a note when it was not varied."""

    family: str
    members: int
    effect: float
    largest_on: str
    factor: float
    note: str = ""


def family_of(path: str) -> str:
    """The family of a dotted path: a roster member's name replaced by ``*`` (``labs.*.cash_buffer_months``)."""
    return re.sub(rf"^({'|'.join(ROSTERS)})\.[^.]+\.", r"\1.*.", path)


def assumed_families() -> dict[str, list[str]]:
    """Every numeric assumed parameter, grouped by family, in schema order (``run.*`` left out: the run's own
    length, start and scale)."""
    families: dict[str, list[str]] = {}
    for row in iter_fields(Params()):
        numeric = row.meta.kind in ("float", "int") and not isinstance(row.value, bool)
        if numeric and row.meta.source.startswith(ASSUMED_PREFIX) and not row.path.startswith(EXCLUDED_PREFIXES):
            families.setdefault(family_of(row.path), []).append(row.path)
    return families


def scaled(value: float | int, meta: ParamMeta, factor: float) -> float | int:
    """``value`` times ``factor``, kept inside the field's allowed range (a value that would reach an open lower bound
    stays as it is); integers rounded half to even (Python's ``round``: 2.5 -> 2) and kept at or above their lowest
    allowed integer."""
    target = value * factor
    if meta.hi is not None:
        target = min(target, meta.hi)
    if meta.lo is not None:
        if meta.lo_open and target <= meta.lo:
            return value
        target = max(target, meta.lo)
    if meta.kind == "int":
        target = round(target)
        if meta.lo is not None:
            target = max(target, math.floor(meta.lo) + 1 if meta.lo_open else math.ceil(meta.lo))
    return target


def rank(results: Sequence[Screened]) -> list[Screened]:
    """Largest effect first, ties by name; families not varied last."""
    return sorted(results, key=lambda r: (not r.largest_on, -r.effect, r.family))


def overrides_for(family: str, members: Sequence[str], factor: float) -> list[tuple[str, float | int]]:
    """The overrides that scale every member of ``family`` by ``factor`` (members whose value would not change are
    left out)."""
    rows = {row.path: row for row in iter_fields(Params())}
    changes = []
    for path in members:
        row = rows[path]
        value = scaled(row.value, row.meta, factor)
        if value != row.value:
            changes.append((path, value))
    return changes


def _run(job: tuple[str, tuple[str, ...], float]) -> tuple[tuple[str, float], Outcome | str]:
    family, members, factor = job
    overrides = overrides_for(family, members, factor) if family else []
    if family and not overrides:
        return (family, factor), "unchanged (zero, or pinned by its range)"
    try:
        return (family, factor), measure_outcome(simulate(load_scenario("baseline", overrides), SCREEN_SEED))
    except ParamError as error:
        return (family, factor), f"refused: {error}"


def effect_of(base: Outcome, varied: Outcome) -> tuple[float, str]:
    """The normalised effect of one variant and the headline number that sets it."""
    effects = {
        "defaults": abs(varied.defaults - base.defaults) / 5.0,
        "peak bubble index": abs(varied.peak_bubble_index - base.peak_bubble_index) / max(base.peak_bubble_index, 1e-9),
        "world compute": abs(varied.world_compute_gw_2034 - base.world_compute_gw_2034)
        / max(base.world_compute_gw_2034, 1e-9),
        "frontier labs' profit": abs(varied.frontier_profit_usd_bn - base.frontier_profit_usd_bn)
        / max(abs(base.frontier_profit_usd_bn), 1e-9),
    }
    name = max(effects, key=lambda key: effects[key])
    return effects[name], name


def screen(workers: int = 2) -> list[Screened]:
    """Run the screening: the baseline and every family at each factor, seed 1; results sorted by effect, largest
    first (not varied last)."""
    families = assumed_families()
    jobs = [("", (), 1.0)] + [(family, tuple(members), factor) for family, members in families.items() for factor in FACTORS]
    with ProcessPoolExecutor(workers) as pool:
        measured = dict(pool.map(_run, jobs))
    base = measured[("", 1.0)]
    assert isinstance(base, Outcome)
    results = []
    for family, members in families.items():
        best = Screened(family, len(members), 0.0, "", 1.0)
        notes = []
        for factor in FACTORS:
            outcome = measured[(family, factor)]
            if isinstance(outcome, str):
                notes.append(f"x{factor:g}: {outcome}")
                continue
            effect, name = effect_of(base, outcome)
            if effect > best.effect or not best.largest_on:
                best = Screened(family, len(members), effect, name, factor)
        results.append(Screened(best.family, best.members, best.effect, best.largest_on, best.factor, "; ".join(notes)))
    return rank(results)


def write(results: Sequence[Screened], path: Path = DATA) -> None:
    """Keep the screening's results (``make sensitivity`` writes them; the documents and tests read them)."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for r in results:
            writer.writerow([r.family, r.members, f"{r.effect:.6g}", r.largest_on, f"{r.factor:g}", r.note])


def read(path: Path = DATA) -> list[Screened]:
    """The kept screening results, largest effect first."""
    with path.open(newline="") as handle:
        return [Screened(row["family"], int(row["members"]), float(row["effect"]), row["largest_on"], float(row["factor"]),
                         row["note"]) for row in csv.DictReader(handle)]


def chosen_families(results: Sequence[Screened] | None = None, count: int = CHOSEN) -> tuple[str, ...]:
    """The ``count`` families with the largest effects (ties broken by name), leaving out families not varied and those
    a factor of which the model refused (the five-seed table runs both factors)."""
    results = read() if results is None else results
    return tuple(r.family for r in rank(results) if r.largest_on and "refused" not in r.note)[:count]
