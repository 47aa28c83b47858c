"""What a sweep runs: swept parameters, an experimental design, replicate seeds; checked before any run starts.

A design gives P points in the box of the swept parameters' ranges; each point runs with K replicate seeds. The
seed of replicate r at point p is drawn from ``numpy.random.SeedSequence([BASE, p, r])``, so it depends on the base
seed, the point and the replicate only (never on the executor, the order runs finish in or a resumed sweep), and is
recorded with the run. Designs:

- ``grid``: every combination of N evenly spaced levels per parameter (``PATH=LOW:HIGH:N``; N defaults to 3); with
  no swept parameter, one point: K replicates of the scenario as it is (for comparing scenarios on the same seeds);
- ``lhs``: ``--samples`` points of a Latin hypercube (scipy.stats.qmc, scrambled with the base seed);
- ``sobol``: Saltelli's extension of Sobol' sequences for Sobol' indices (SALib), ``--samples`` x (2D + 2) points;
- ``morris``: ``--samples`` Morris trajectories of D + 1 points on 4 levels (SALib), for elementary effects.

Integer parameters are rounded to the nearest whole number at every point.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from market.parameters.params import Params
from market.parameters.scenario import load_scenario
from market.parameters.schema import ParamError, meta_at, set_path

MAX_RUNS = 1_000_000


class Design(StrEnum):
    """Experimental designs a sweep can use."""

    GRID = "grid"
    LHS = "lhs"
    SOBOL = "sobol"
    MORRIS = "morris"


@dataclass(frozen=True)
class SweptParam:
    """One swept parameter: its schema path, the range it is swept over and (grid) its number of levels."""

    path: str
    low: float
    high: float
    levels: int = 3
    integer: bool = False

    def value(self, unit_value: float) -> float | int:
        """The parameter's value at ``unit_value`` in [0, 1] of its range (rounded for integer parameters)."""
        value = self.low + (self.high - self.low) * float(unit_value)
        return int(round(value)) if self.integer else float(value)


@dataclass(frozen=True)
class SweepSpec:
    """A sweep: scenario, swept parameters, design, samples, replicate seeds, base seed and months."""

    scenario: str
    params: tuple[SweptParam, ...]
    design: Design = Design.GRID
    samples: int = 8
    seeds: int = 1
    base_seed: int = 1
    steps: int | None = None
    fixed: tuple[tuple[str, Any], ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain data (for the manifest); :meth:`from_dict` reads it back."""
        data = asdict(self)
        data["design"] = self.design.value
        data["fixed"] = [list(pair) for pair in self.fixed]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SweepSpec:
        """The spec written by :meth:`to_dict`."""
        return cls(scenario=data["scenario"], params=tuple(SweptParam(**p) for p in data["params"]),
                   design=Design(data["design"]), samples=int(data["samples"]), seeds=int(data["seeds"]),
                   base_seed=int(data["base_seed"]), steps=data["steps"],
                   fixed=tuple((str(path), value) for path, value in data.get("fixed", [])))


def _number(option: str, text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ParamError(f"--param {option!r} is not allowed: {what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ParamError(f"--param {option!r} is not allowed: {what} {text!r} is not a finite number")
    return value


def parse_param_option(option: str) -> SweptParam:
    """Parse ``PATH=LOW:HIGH[:N]`` and check it against the parameter schema (one-line :class:`ParamError`)."""
    if "=" not in option:
        raise ParamError(f"--param {option!r} is not allowed: expected PATH=LOW:HIGH[:N], e.g. demand.price_elasticity=0.8:1.6")
    path, text = (part.strip() for part in option.split("=", 1))
    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise ParamError(f"--param {option!r} is not allowed: expected PATH=LOW:HIGH[:N], e.g. demand.price_elasticity=0.8:1.6")
    low, high = _number(option, parts[0], "LOW"), _number(option, parts[1], "HIGH")
    levels = 3
    if len(parts) == 3:
        if not (parts[2].strip().isascii() and parts[2].strip().isdigit()) or int(parts[2]) < 1:
            raise ParamError(f"--param {option!r} is not allowed: N = {parts[2]!r}, expected a whole number >= 1")
        levels = int(parts[2])
    if low > high:
        raise ParamError(f"--param {option!r} is not allowed: LOW = {parts[0]} is above HIGH = {parts[1]}")
    try:
        meta = meta_at(Params(), path)
    except (AttributeError, KeyError, TypeError, StopIteration):
        set_path(Params(), path, low)
        raise ParamError(f"--param {path} is not allowed: unknown parameter") from None
    if meta.kind not in ("float", "int"):
        raise ParamError(f"--param {path} is not allowed: it is {meta.allowed()}; only numbers can be swept")
    return SweptParam(path, low, high, levels, integer=meta.kind == "int")


def check_spec(spec: SweepSpec) -> None:
    """Refuse a spec that cannot run, with one line naming the field: the scenario and every swept value at both ends
    of its range are loaded as ``aicm run --set`` would load them."""
    if not spec.params and spec.design is not Design.GRID:
        raise ParamError(f"--design {spec.design.value} needs at least one --param PATH=LOW:HIGH[:N]")
    paths = [p.path for p in spec.params]
    repeated = sorted({p for p in paths if paths.count(p) > 1})
    if repeated:
        raise ParamError(f"--param {repeated[0]} is given more than once: sweep each parameter once")
    fixed = sorted(set(paths) & {path for path, _ in spec.fixed})
    if fixed:
        raise ParamError(f"--set {fixed[0]} is not allowed: the parameter is swept by --param; give it once")
    if spec.steps and "run.steps" in paths:
        raise ParamError("--steps is not allowed with --param run.steps: give the months once")
    for name, value in (("--samples", spec.samples), ("--seeds", spec.seeds)):
        if value < 1:
            raise ParamError(f"{name} = {value} is not allowed: expected a whole number >= 1")
    if spec.design is Design.MORRIS and len(spec.params) < 2:
        raise ParamError("--design morris needs at least two --param: a Morris trajectory moves one parameter at a time")
    for corner in ("low", "high"):
        load_scenario(spec.scenario, [*spec.fixed, *((p.path, p.value(0.0 if corner == "low" else 1.0)) for p in spec.params),
                                      *((("run.steps", spec.steps),) if spec.steps else ())])
    if count_points(spec) * spec.seeds > MAX_RUNS:
        raise ParamError(f"the sweep has {count_points(spec) * spec.seeds:,} runs: at most {MAX_RUNS:,} are allowed")


def count_points(spec: SweepSpec) -> int:
    """Number of design points (before replicates)."""
    d = len(spec.params)
    if spec.design is Design.GRID:
        return math.prod(p.levels for p in spec.params)
    if spec.design is Design.SOBOL:
        return spec.samples * (2 * d + 2)
    if spec.design is Design.MORRIS:
        return spec.samples * (d + 1)
    return spec.samples


def _salib_problem(spec: SweepSpec) -> dict[str, Any]:
    return {"num_vars": len(spec.params), "names": [p.path for p in spec.params], "bounds": [[0.0, 1.0]] * len(spec.params)}


def unit_design(spec: SweepSpec) -> np.ndarray:
    """The design's points in the unit cube, one row per point (``count_points`` rows, one column per parameter)."""
    d = len(spec.params)
    if spec.design is Design.GRID and d == 0:
        return np.zeros((1, 0))
    if spec.design is Design.GRID:
        axes = [np.linspace(0.0, 1.0, p.levels) if p.levels > 1 else np.array([0.5]) for p in spec.params]
        return np.array(list(itertools.product(*axes)), dtype=float).reshape(-1, d)
    if spec.design is Design.LHS:
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=d, rng=np.random.default_rng(spec.base_seed)).random(spec.samples)
    if spec.design is Design.SOBOL:
        from SALib.sample import sobol

        return sobol.sample(_salib_problem(spec), spec.samples, calc_second_order=True, seed=spec.base_seed)
    from SALib.sample import morris

    return morris.sample(_salib_problem(spec), spec.samples, num_levels=4, seed=spec.base_seed)


def design_points(spec: SweepSpec) -> list[dict[str, float | int]]:
    """The design's points as parameter values, one dict (path -> value) per point."""
    return [{p.path: p.value(u) for p, u in zip(spec.params, row, strict=True)} for row in unit_design(spec)]


def replicate_seed(base_seed: int, point: int, replicate: int) -> int:
    """The seed of ``replicate`` at ``point``: the first word of SeedSequence([base, point, replicate])."""
    return int(np.random.SeedSequence([base_seed, point, replicate]).generate_state(1, dtype=np.uint32)[0])


def run_id(point: int, replicate: int) -> str:
    """A run's id, sortable in design order: ``p0000012-r000003``."""
    return f"p{point:07d}-r{replicate:06d}"


@dataclass(frozen=True)
class RunTask:
    """One run of a sweep: everything a worker needs, and nothing it must look up."""

    run_id: str
    point: int
    replicate: int
    seed: int
    scenario: str
    values: dict[str, float | int]
    fixed: tuple[tuple[str, Any], ...]
    steps: int | None

    def overrides(self) -> list[tuple[str, Any]]:
        """The ``--set`` overrides of this run: fixed ones, the point's values, then the months."""
        steps = [("run.steps", self.steps)] if self.steps else []
        return [*self.fixed, *self.values.items(), *steps]


def plan_runs(spec: SweepSpec) -> list[RunTask]:
    """Every run of the sweep in design order (point, then replicate)."""
    return [RunTask(run_id(point, replicate), point, replicate, replicate_seed(spec.base_seed, point, replicate),
                    spec.scenario, values, spec.fixed, spec.steps)
            for point, values in enumerate(design_points(spec)) for replicate in range(spec.seeds)]
