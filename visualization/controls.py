"""Controls generated from the parameter schema: which parameters the app shows first, grouped by agent type, and
each one's label, unit, slider range, default and source, all read from the schema (never restated here)."""

from __future__ import annotations

from dataclasses import dataclass

from market.parameters.params import Params
from market.parameters.schema import iter_fields, meta_at
from market.parameters.sources import source_of

MAIN_PARAMETERS: dict[str, tuple[str, ...]] = {
    "AI users (demand)": ("demand.price_elasticity", "demand.saturation_spend_usd_bn_per_month",
                          "demand.adoption_rate_per_month"),
    "Labs": ("lab_behaviour.planning_horizon_months", "lab_behaviour.max_expected_growth_per_year"),
    "Investors": ("investors.total_capital_usd_bn", "investors.max_commit_share_per_round"),
    "Valuation": ("valuation.equity_risk_premium",),
}
SLIDER_STEPS = 100


@dataclass(frozen=True)
class Control:
    """One parameter's control: path, label, unit, kind, slider bounds and step, default and source."""

    path: str
    label: str
    unit: str
    integer: bool
    low: float
    high: float
    step: float
    default: float
    source: str

    def help_text(self) -> str:
        """What the parameter means, its default with unit, and that default's source."""
        return f"default {self.default:g} {self.unit}; source: {self.source}"


def control_for(path: str) -> Control:
    """The control of one numeric parameter: a slider from a quarter to four times its default, within the schema's
    range (the schema's own range where it is narrower)."""
    meta = meta_at(Params(), path)
    default = float(value_at(Params(), path))
    low = default / 4 if default > 0 else (meta.lo if meta.lo is not None else default - 1.0)
    high = default * 4 if default > 0 else (meta.hi if meta.hi is not None else default + 1.0)
    if meta.lo is not None:
        low = max(low, meta.lo)
    if meta.hi is not None:
        high = min(high, meta.hi)
    integer = meta.kind == "int"
    if integer:
        low, high = float(int(low)), float(int(high))
    step = 1.0 if integer else (high - low) / SLIDER_STEPS
    return Control(path, meta.description, meta.unit, integer, low, high, step, default, source_of(path, meta))


def main_controls() -> dict[str, list[Control]]:
    """The main parameters' controls by group."""
    return {group: [control_for(path) for path in paths] for group, paths in MAIN_PARAMETERS.items()}


def advanced_paths() -> list[str]:
    """Every other numeric parameter of the schema (rosters included; not run.steps, the months control), in schema
    order: the advanced controls."""
    main = {path for paths in MAIN_PARAMETERS.values() for path in paths}
    main.add("run.steps")
    return [row.path for row in iter_fields(Params()) if row.meta.kind in ("int", "float") and row.path not in main]


def value_at(params: Params, path: str) -> float | int | str:
    """The value at dotted ``path`` of a parameter tree (a scenario's, to show where its sliders stand)."""
    node = params
    for part in path.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node
