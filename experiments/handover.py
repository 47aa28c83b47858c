"""The hand-over from replay-2022 to the baseline: the replay's state in December 2024 against the baseline's first
month (January 2025), and the two runs' 2025, seed by seed.

The baseline starts from a state meant to continue the replay's end of 2024 (docs/calibration.md). These tables show
where the two agree and where they part: compute by region and by firm, the firms' revenue and training stocks (which
set their shares of demand), the chipmakers' capacity and order books, and the 2025 figures ``tests/test_replay.py``
compares.
"""

from __future__ import annotations

import math
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from experiments.replay import REPLAY_SCENARIO, compute_share, measure, parse_measure
from experiments.runner import RunResult
from market.enums import REGIONS, Constraint, LabRole
from market.model import ComputeMarket
from market.outputs.metrics import agent_table, compute_gw_by_region, event_table, model_table
from market.parameters.scenario import load_scenario

if TYPE_CHECKING:
    from agents.lab import Lab

HANDOVER_SEEDS = (1, 2, 3, 4, 5)
REPLAY_MONTHS_TO_END_2024 = 36
REPLAY_POWER_PERIOD = ("2023-01", "2024-12")
REPLAY_MONTHS_TO_END_2025 = 48
BASELINE_MONTHS_IN_2025 = 12
SHARE_RECORD_MONTH = "2025-05"


@dataclass
class SeedHandover:
    """One seed's hand-over: its 2025 figures in each run, each run's state at the hand-over, and the replay's power
    prices by region and where power binds the US over :data:`REPLAY_POWER_PERIOD`."""

    baseline_2025: dict[str, float]
    replay_2025: dict[str, float]
    baseline_start: dict[str, float]
    replay_end_2024: dict[str, float]
    replay_power: dict[str, float]


@dataclass
class Handover:
    """Seeds' hand-overs, one row per seed in each frame."""

    baseline_2025: pd.DataFrame
    replay_2025: pd.DataFrame
    baseline_start: pd.DataFrame
    replay_end_2024: pd.DataFrame
    replay_power: pd.DataFrame

    def year_2025_table(self) -> pd.DataFrame:
        """Medians over the seeds of each 2025 figure in both runs, and the baseline's over the replay's, less 1."""
        return _compare(self.baseline_2025.median(), self.replay_2025.median())

    def state_table(self) -> pd.DataFrame:
        """Medians over the seeds of each state figure at the hand-over (totals and shares are each seed's, then the
        median), and the baseline's over the replay's, less 1."""
        return _compare(self.baseline_start.median(), self.replay_end_2024.median())


def year_2025(result: RunResult) -> dict[str, float]:
    """AI capex and incumbent_gpu revenue summed over 2025; world and frontier_lab_a compute, mean and December;
    frontier_lab_e's capex over 2025 (chips and construction paid, the calibration data's measure); the chipmakers'
    utilisation (output over capacity) averaged over 2025; the US
    and China shares of the world's compute in May 2025 (the month of Epoch AI's record in the calibration data)."""
    table = result.model_table
    year = table["date"].str.startswith("2025")
    agents = result.agent_table
    lab = agents[(agents["name"] == "frontier_lab_a") & agents["step"].isin(table.loc[year, "step"])]
    return {"AI capex": float(table.loc[year, "capex_usd_bn"].sum()),
            "incumbent_gpu revenue": measure(result, parse_measure("revenue:incumbent_gpu"), "2025-01", "2025-12"),
            "world compute": float(table.loc[year, "compute_gw"].mean()),
            "frontier_lab_a compute": float(lab["compute_gw"].mean()),
            "frontier_lab_a compute Dec": float(lab["compute_gw"].iloc[-1]),
            "frontier_lab_e capex": measure(result, parse_measure("capex:frontier_lab_e"), "2025-01", "2025-12"),
            "chipmakers' utilisation": float(table.loc[year, "chip_utilisation"].mean()),
            "US share of compute": compute_share(table, ("US",), SHARE_RECORD_MONTH),
            "China share of compute": compute_share(table, ("CN",), SHARE_RECORD_MONTH)}


def power_by_region(result: RunResult, first: str, last: str) -> dict[str, float]:
    """Over the months ``first``..``last`` (inclusive): each region's mean power price ($/MWh) and the share of months
    in which power binds the US build-out (the ``constraint_US`` label)."""
    table = result.model_table
    months = table[(table["date"] >= first) & (table["date"] <= last)]
    power = {f"power price {region} $/MWh": float(months[f"power_price_usd_mwh_{region}"].mean()) for region in REGIONS}
    power["share of months power binds the US"] = float((months["constraint_US"] == Constraint.POWER.value).mean())
    return power


def named_labs(model: ComputeMarket) -> dict[str, Lab]:
    """The named labs that sell AI services (not the generated followers)."""
    return {name: lab for name, lab in model.labs.items() if lab.profile.sells_services and not name.startswith("follower")}


def training_stocks(model: ComputeMarket) -> dict[str, float]:
    """Each named lab's cumulative training compute T (EFLOP/s-months)."""
    return {name: lab.cumulative_training_eflops_months for name, lab in named_labs(model).items()}


def measure_state(model: ComputeMarket, training_before_eflops_months: dict[str, float]) -> dict[str, float]:
    """The state the hand-over should carry, read from the model after its month.

    Args:
        model: The model, after the month's step.
        training_before_eflops_months: Each named lab's training stock before the month (:func:`training_stocks`).

    Returns:
        Compute online by site region and in all (GW), the share of it in the Gulf and the rest of the world, and the
        share of that owned by US-headquartered labs; the world's AI-services revenue ($bn a month); the chipmakers'
        capacity (GW a month) and order book (GW); the power available to AI data centres in the US, committed or not
        (GW); the clouds' room to lease (``LeaseBook.free_gw``: their ``lease_out_share_max`` of their online GW not
        leased, less what they keep of their starting compute for their own services), which any lab may lease the
        next month, and what they keep (``LeaseBook.own_use_kept_gw``); and each named lab's compute (GW), revenue ($bn a month: AI
        services, and lease income for a cloud), training stock T at the month's end (EFLOP/s-months, which with price
        sets its share of demand) and its stock before the month in months of the month's training.
    """
    by_region = compute_gw_by_region(model)
    world_gw = sum(by_region.values())
    abroad_gw = by_region["GULF"] + by_region["ROW"]
    state = {f"compute GW {region}": gw for region, gw in by_region.items()}
    state["compute GW world"] = world_gw
    state["share of compute in the Gulf and the rest of the world"] = abroad_gw / world_gw if world_gw > 0 else math.nan
    owned_by_us_gw = _owned_by_us_labs_gw(model, ("GULF", "ROW"))
    state["share of that owned by US labs"] = owned_by_us_gw / abroad_gw if abroad_gw > 0 else math.nan
    state["AI services revenue $bn/month"] = model.month_stats.get("ai_revenue_usd_bn", 0.0)
    state["chipmakers' capacity GW/month"] = sum(maker.capacity_gw_per_month for maker in model.chipmakers.values())
    state["chip order book GW"] = model.chip_market.backlog_gw()
    state["US power available to AI data centres GW"] = model.utilities["US"].available_gw
    state["clouds' room to lease GW"] = sum(model.leases.free_gw(cloud) for cloud in model.labs_by_role(LabRole.CLOUD)
                                                  if cloud.alive)
    state["clouds' room kept for their own services GW"] = sum(
        model.leases.own_use_kept_gw(cloud.account) for cloud in model.labs_by_role(LabRole.CLOUD)
        if cloud.alive and cloud.account in model.leases.starting_own_use)
    for name, lab in named_labs(model).items():
        stock_eflops_months = lab.cumulative_training_eflops_months
        before_eflops_months = training_before_eflops_months.get(name, stock_eflops_months)
        trained_eflops_months = stock_eflops_months - before_eflops_months
        state[f"{name} compute GW"] = lab.compute_gw()
        state[f"{name} revenue $bn/month"] = lab.revenue_month_usd_bn
        state[f"{name} training EFLOP/s-months"] = stock_eflops_months
        state[f"{name} training before the month, in months of the month's"] = (
            before_eflops_months / trained_eflops_months if trained_eflops_months > 1e-9 else math.nan)
    return state


def _owned_by_us_labs_gw(model: ComputeMarket, sites: tuple[str, ...]) -> float:
    """GW online at projects in ``sites`` whose owner is a lab headquartered in the US."""
    us_accounts = {lab.account for lab in model.labs.values() if lab.region == "US"}
    return sum(project.online_gw for project in model.projects.values()
               if project.site in sites and project.owner in us_accounts)


def measure_seed(seed: int) -> SeedHandover:
    """Run the baseline's 2025 and the replay to December 2025 with one seed, reading each state at the hand-over."""
    baseline = ComputeMarket(load_scenario("baseline", [("run.steps", BASELINE_MONTHS_IN_2025)]), rng=seed)
    training_before = training_stocks(baseline)
    baseline.step()
    baseline_start = measure_state(baseline, training_before)
    replay = ComputeMarket(load_scenario(REPLAY_SCENARIO, [("run.steps", REPLAY_MONTHS_TO_END_2025)]), rng=seed)
    for _ in range(REPLAY_MONTHS_TO_END_2024 - 1):
        replay.step()
    training_before = training_stocks(replay)
    replay.step()
    replay_end_2024 = measure_state(replay, training_before)
    results = []
    for model in (baseline, replay):
        model.run_model()
        results.append(RunResult(model, model_table(model), agent_table(model), event_table(model), 0.0))
    return SeedHandover(year_2025(results[0]), year_2025(results[1]), baseline_start, replay_end_2024,
                        power_by_region(results[1], *REPLAY_POWER_PERIOD))


def measure_handover(seeds: tuple[int, ...] = HANDOVER_SEEDS, workers: int = 1) -> Handover:
    """:func:`measure_seed` for each seed, in ``workers`` processes."""
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            per_seed = list(pool.map(measure_seed, seeds))
    else:
        per_seed = [measure_seed(seed) for seed in seeds]
    frames = {field: pd.DataFrame([getattr(one, field) for one in per_seed], index=list(seeds))
              for field in ("baseline_2025", "replay_2025", "baseline_start", "replay_end_2024", "replay_power")}
    return Handover(**frames)


def _compare(baseline: pd.Series, replay: pd.Series) -> pd.DataFrame:
    """Both runs' medians side by side, and the baseline's over the replay's less 1 (missing where the replay's is 0)."""
    difference = (baseline / replay.where(replay.abs() > 1e-9) - 1.0).where(replay.abs() > 1e-9)
    return pd.DataFrame({"baseline": baseline, "replay": replay, "difference": difference})
