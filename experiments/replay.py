"""The historical replay: run ``replay-2022`` over several seeds and set the model against the calibration data.

Every row of ``experiments/data/calibration.csv`` whose ``model_output`` names a model quantity is
measured over its own period (annual figures on each firm's fiscal year, e.g. NVIDIA's
February-January; stock figures at the period's last month) in every seed; the table reports the
median over seeds, the observed value and the error median / observed - 1. ``model_output`` is
``<quantity>:<agent>[+<agent>...]`` with quantity

- ``revenue``: the agents' revenue summed over the period's months (a chipmaker's chip sales, a
  lab's AI services and lease income), in usd_bn;
- ``compute_gw``: GW of compute the agents run in the period's last month;
- ``capex``: what the agents paid for chips and construction over the period, in usd_bn;
- ``compute_share``: the share of the world's compute (GW online by site region) in the named regions (here the
  "agents" are regions, e.g. ``compute_share:US``) in the period's last month.

Calibration and hold-out rows are measured and set against the record; so are context rows with a ``model_output``
(figures measured differently from the model's quantity, reported but neither calibrated on nor held to a bound).
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.runner import RunResult, simulate
from market.enums import REGIONS
from market.finance.ledger import KIND_CODE, PaymentKind
from market.parameters.scenario import load_scenario
from market.parameters.schema import ParamError
from market.physical.compute import month_index

CALIBRATION_CSV = Path(__file__).resolve().parent / "data" / "calibration.csv"
REPLAY_SCENARIO = "replay-2022"
COLUMNS = ("id", "figure", "value", "unit", "period_start", "period_end", "use", "model_output", "source")
USES = ("calibrate", "holdout", "input", "context")
QUANTITIES = ("revenue", "compute_gw", "capex", "compute_share")
MEASURED_USES = ("calibrate", "holdout", "context")
CAPEX_KINDS = (PaymentKind.CHIPS, PaymentKind.CONSTRUCTION)


@dataclass(frozen=True)
class Measure:
    """A parsed ``model_output``: a quantity over a set of named agents."""

    quantity: str
    agents: tuple[str, ...]


def load_calibration(path: Path = CALIBRATION_CSV) -> pd.DataFrame:
    """Read and check the calibration data; every row needs a value, a period, a use and a source."""
    table = pd.read_csv(path, dtype={"model_output": str}, keep_default_na=False)
    if tuple(table.columns) != COLUMNS:
        raise ParamError(f"{path}: columns must be {', '.join(COLUMNS)}")
    for row in table.itertuples():
        if row.use not in USES:
            raise ParamError(f"{path}: row {row.id}: use = {row.use!r} is not allowed: expected one of {', '.join(USES)}")
        if not row.source.strip():
            raise ParamError(f"{path}: row {row.id}: source is empty")
        if row.model_output:
            parse_measure(row.model_output)
    return table


def parse_measure(text: str) -> Measure:
    """Parse ``quantity:agent+agent``."""
    quantity, _, agents = text.partition(":")
    if quantity not in QUANTITIES or not agents:
        raise ParamError(f"model_output = {text!r} is not allowed: expected '<{'|'.join(QUANTITIES)}>:<agent>[+<agent>]'")
    names = tuple(agents.split("+"))
    if quantity == "compute_share" and not set(names) <= set(REGIONS):
        raise ParamError(f"model_output = {text!r} is not allowed: compute_share takes regions ({', '.join(REGIONS)})")
    return Measure(quantity, names)


def measure(result: RunResult, what: Measure, start: str, end: str) -> float:
    """The model's value of ``what`` over the months ``start``-``end`` (inclusive) of one run."""
    if what.quantity == "compute_share":
        return compute_share(result.model_table, what.agents, end)
    agents = result.agent_table
    dates = agents["step"].map(lambda s: result.model_table["date"].iloc[s - 1])
    rows = agents[agents["name"].isin(what.agents)]
    in_period = dates.loc[rows.index].between(start, end)
    if what.quantity == "revenue":
        return float(rows.loc[in_period, "revenue_usd_bn"].sum())
    if what.quantity == "compute_gw":
        return float(rows.loc[dates.loc[rows.index] == end, "compute_gw"].sum())
    model = result.model
    accounts = np.array([model.labs[name].account for name in what.agents])
    codes = [KIND_CODE[k] for k in CAPEX_KINDS]
    first = month_index(model.params.run.start_date)
    total = 0.0
    for offset, flows in enumerate(model.ledger.history[1:]):
        month = first + offset
        if month_index(start) <= month <= month_index(end):
            mask = np.isin(flows.payer, accounts) & np.isin(flows.kind, codes)
            total += float(flows.amount[mask].sum())
    return total


def compute_share(model_table: pd.DataFrame, regions: tuple[str, ...], date: str) -> float:
    """Share of the world's compute online in ``regions`` in the month ``date`` (GW by site region)."""
    row = model_table.loc[model_table["date"] == date].iloc[0]
    by_region = {region: float(row[f"compute_gw_{region}"]) for region in REGIONS}
    return sum(by_region[region] for region in regions) / sum(by_region.values())


def measurable_rows(calibration: pd.DataFrame) -> pd.DataFrame:
    """The calibration rows the model outputs (calibration, hold-out and context figures with a ``model_output``)."""
    return calibration[(calibration["model_output"] != "") & calibration["use"].isin(MEASURED_USES)]


def measure_seed(seed: int) -> dict[str, float]:
    """Run the replay with one seed and measure every row the model outputs."""
    result = simulate(load_scenario(REPLAY_SCENARIO), seed)
    rows = measurable_rows(load_calibration())
    return {row.id: measure(result, parse_measure(row.model_output), row.period_start, row.period_end)
            for row in rows.itertuples()}


def replay_table(seeds: int, workers: int = 1) -> pd.DataFrame:
    """Model (median and range over seeds 1..``seeds``) against observed for every row the model outputs."""
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            measured = list(pool.map(measure_seed, range(1, seeds + 1)))
    else:
        measured = [measure_seed(seed) for seed in range(1, seeds + 1)]
    out = []
    for row in measurable_rows(load_calibration()).itertuples():
        values = np.array([m[row.id] for m in measured])
        median = float(np.median(values))
        out.append({"id": row.id, "figure": row.figure, "use": row.use, "period": f"{row.period_start}..{row.period_end}",
                    "unit": row.unit, "observed": float(row.value), "model_median": median,
                    "model_min": float(values.min()), "model_max": float(values.max()),
                    "error": median / float(row.value) - 1.0})
    return pd.DataFrame(out)
