"""Output tables: the model table (one row per step, Mesa's DataCollector with one reporter for the whole row) and the
agent table (one row per agent per step, recorded as arrays by :class:`market.outputs.recording.AgentRecorder`).

Column names are fixed by issue 2; Mesa's ``Step`` is renamed ``step``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
import pandas as pd

from market.enums import REGIONS, Constraint
from market.finance.minsky import debt_shares
from market.outputs.indicators import fleet_value_to_book

if TYPE_CHECKING:
    from market.model import ComputeMarket


def hhi(values: list[float]) -> float:
    """Herfindahl-Hirschman index (0-1) of a list of non-negative sizes."""
    total = sum(values)
    if total <= 0:
        return 0.0
    return float(sum((v / total) ** 2 for v in values))


def compute_gw_by_region(model: ComputeMarket) -> dict[str, float]:
    """Online GW by site region."""
    c = model.cohorts
    mask = c.live()
    out = {region: 0.0 for region in REGIONS}
    for index, region in enumerate(REGIONS):
        out[region] = float(c.online_gw[: c.n][mask & (c.site[: c.n] == index)].sum())
    return out


def chip_price_index(model: ComputeMarket) -> float:
    """Capacity-weighted price per GW of chips on sale, relative to the first month's."""
    makers = [m for m in model.chipmakers.values() if m.is_selling()]
    capacity = sum(m.capacity_gw_per_month for m in makers)
    if capacity <= 0:
        return 0.0
    price = sum(m.price_usd_bn_per_gw * m.capacity_gw_per_month for m in makers) / capacity
    if getattr(model, "reference_chip_price", None) is None:
        model.reference_chip_price = price
    return price / model.reference_chip_price


def chip_utilisation(model: ComputeMarket) -> float:
    """Share of the selling chipmakers' capacity used this month: sum of GW delivered over sum of the GW/month of
    capacity they produced with (before capacity arriving at the month's end; 0 when none is selling)."""
    makers = [m for m in model.chipmakers.values() if m.is_selling()]
    capacity = sum(m.producing_capacity_gw for m in makers)
    return sum(m.delivered_month_gw for m in makers) / capacity if capacity > 0 else 0.0


def model_row(model: ComputeMarket) -> dict[str, Any]:
    """Every model-table column for the current step."""
    totals = model.cohorts.totals()
    row: dict[str, Any] = {
        "date": model.date,
        "compute_gw": totals["online_gw"],
    }
    by_region = compute_gw_by_region(model)
    for region, gw in by_region.items():
        row[f"compute_gw_{region}"] = gw
    row.update({
        "effective_compute_eflops": totals["online_eflops"],
        "chip_price_index": chip_price_index(model),
        "chip_backlog_gw": model.chip_market.backlog_gw(),
    })
    row["chip_backlog_due_gw"], row["chip_backlog_booked_gw"] = model.chip_market.backlog_split_gw()
    row["chip_utilisation"] = chip_utilisation(model)
    for region, utility in model.utilities.items():
        row[f"power_price_usd_mwh_{region}"] = utility.price_usd_mwh
    for region, utility in model.utilities.items():
        row[f"power_queue_gw_{region}"] = utility.queued_gw()
    row.update({
        "idle_chips_gw": totals["idle_gw"],
        "retired_gw": totals["retired_gw"],
        "ai_price_index": model.month_stats.get("ai_price_index", 0.0),
        "ai_revenue_usd_bn": model.month_stats.get("ai_revenue_usd_bn", 0.0),
        "capex_usd_bn": model.month_stats.get("capex_usd_bn", 0.0),
        "debt_usd_bn": model.capital.total_debt(),
        "claims_usd_bn": model.ledger.total_claims(),
        "hhi_compute": hhi([max(lab.compute_gw(), 0.0) for lab in model.labs.values()]),
        "money_total_usd_bn": model.ledger.money_total(),
    })
    equity = model.equity.stats
    row.update({
        "market_value_usd_bn": equity["market_value_usd_bn"],
        "fundamental_value_usd_bn": equity["fundamental_value_usd_bn"],
        "bubble_index": equity["bubble_index"],
        "circularity": model.month_stats.get("circularity", 0.0),
        "share_trend_followers": equity["share_trend_followers"],
        "implied_ai_revenue_to_demand_5y": model.equity.implied_ai_revenue_ratio(),
    })
    row.update(debt_shares(model, model.minsky))
    row.update({
        "defaults": model.insolvency.defaults,
        "contagion_defaults": model.insolvency.contagion_defaults,
        "risk_free_rate": equity["risk_free_rate"],
        "bubble_index_labs": equity["bubble_index_labs"],
        "bubble_index_chipmakers": equity["bubble_index_chipmakers"],
        "bubble_index_utilities": equity["bubble_index_utilities"],
        "priced_in_index": equity["priced_in_index"],
    })
    indicators = model.indicators
    row["gw_added_per_week"] = indicators.gw_added_per_week
    world = totals["online_gw"]
    for region, gw in by_region.items():
        row[f"share_compute_{region}"] = gw / world if world > 0 else 0.0
    row["blocked_demand_gw"] = model.procurement.blocked_month_gw
    row["fleet_value_to_book"] = fleet_value_to_book(model)
    row["impairment_usd_bn"] = model.impairment.month_total_usd_bn
    for region, gw in by_region.items():
        row[f"constraint_{region}"] = indicators.binding(region, gw).value
    for cause in Constraint:
        for region in REGIONS:
            row[f"cut_gw_{cause.value}_{region}"] = indicators.cuts[cause][region]
    for region in REGIONS:
        row[f"self_powered_gw_{region}"] = model.energy.self_powered_gw(region) if model.energy.plants else 0.0
    for region in REGIONS:
        row[f"chip_capacity_added_gw_per_month_{region}"] = model.fabs.added_gw_per_month_by_region.get(region, 0.0)
    row["blocked_investment_usd_bn"] = model.capital.blocked_investment_usd_bn
    row["bonds_usd_bn"], row["bond_price_index"] = model.capital.bonds.face_and_price_index()
    return row


def build_datacollector(model: ComputeMarket) -> mesa.DataCollector:
    """A Mesa DataCollector whose one model reporter returns the whole row (split into columns later); agents are recorded
    as arrays by :class:`market.outputs.recording.AgentRecorder`."""
    return mesa.DataCollector(model_reporters={"row": model_row})


def model_table(model: ComputeMarket) -> pd.DataFrame:
    """The model table: one row per step with the columns of issue 2."""
    rows = model.datacollector.get_model_vars_dataframe()["row"].tolist()
    frame = pd.DataFrame(rows)
    frame.insert(0, "step", range(1, len(frame) + 1))
    return frame


EVENT_TABLE_COLUMNS = ("step", "date", "kind", "actors", "detail")


def agent_table(model: ComputeMarket) -> pd.DataFrame:
    """The agent table: one row per agent per step."""
    return model.agent_recorder.table()


def event_table(model: ComputeMarket) -> pd.DataFrame:
    """The event log."""
    return pd.DataFrame(model.event_log, columns=list(EVENT_TABLE_COLUMNS))

