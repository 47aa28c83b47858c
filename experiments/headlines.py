"""The headline numbers of the baseline and the policy scenarios, over seeds 1-5: ``docs/headlines.md``.

``docs/scenarios.md`` quotes these numbers; this module measures them from runs, so the quotes can be
checked against a table a command regenerates (``make headlines``). ``tests/test_policy_scenarios.py``
recomputes the table from its own runs and fails when the document is stale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.runner import RunResult, first_gw_per_week_date, simulate
from market.parameters.scenario import load_scenario
from market.physical.compute import month_index

DOC = Path(__file__).resolve().parent.parent / "docs" / "headlines.md"
SCENARIOS = ("baseline", "power-bottleneck", "energy-investment", "export-block", "investment-block", "fab-network",
             "neuromorphic", "gigawatt-factory", "bubble-burst", "contracts-2025")
SEEDS = (1, 2, 3, 4, 5)
COMMAND = "make headlines   # = .venv/bin/python -m experiments.headlines"


def foreign_equity_into_screened_us_firms_usd_bn(result: RunResult) -> float:
    """Foreign equity over the run into the US firms investment screening covers (chipmakers, frontier labs, clouds)."""
    model = result.model
    firms = [f for f in [*model.labs.values(), *model.chipmakers.values()]
             if f.region == "US" and (f.agent_type.value == "Chipmaker" or f.role in ("frontier", "cloud"))]
    return float(sum(model.capital.foreign_equity_usd_bn[f.account] for f in firms))


def us_fab_partner_share(result: RunResult) -> float:
    """Outside partners' share of the capex of the fabs US chipmakers commissioned over the run."""
    fabs = [fab for fab in result.model.fabs.fabs if fab.region == "US"]
    capex = sum(fab.capex_usd_bn for fab in fabs)
    return float(sum(fab.capex_usd_bn - fab.maker_paid_usd_bn for fab in fabs) / capex) if capex > 0 else 0.0


def investors_share_of_fab_money(result: RunResult, investor_region: str, fab_region: str) -> float:
    """Share of the partners' money in ``fab_region``'s fabs put in by investors of ``investor_region`` (0 without fabs
    there)."""
    model = result.model
    home = dict(zip(model.investors.accounts.tolist(), model.investors.regions.tolist(), strict=True))
    fabs = [fab for fab in model.fabs.fabs if fab.region == fab_region]
    money = sum(float(fab.stakes.sum()) * fab.capex_usd_bn for fab in fabs)
    theirs = sum(float(stake) * fab.capex_usd_bn for fab in fabs for account, stake in zip(fab.partners, fab.stakes, strict=True)
                 if home.get(int(account)) == investor_region)
    return theirs / money if money > 0 else 0.0


def frontier_profit_usd_bn(result: RunResult, first_year: str, last_year: str) -> dict[str, float]:
    """Each frontier lab's operating profit summed over the calendar years ``first_year`` to ``last_year``."""
    table = result.agent_table.merge(result.model_table[["step", "date"]], on="step")
    period = table[(table["role"] == "frontier") & table["date"].str[:4].between(first_year, last_year)]
    return period.groupby("name")["operating_profit_usd_bn"].sum().to_dict()


def fundamental_value_step_p95(result: RunResult, per_share: bool = False) -> pd.Series:
    """95th percentile, per named firm (not the generated followers), of |change in log fundamental value| from one
    month to the next over the months of 2026-2034 in which its revenue is above $1bn.

    With ``per_share`` the change is that of a share: ln((V_t - E_{t-1} + P_{t-1}) / V_{t-1}), the month's value less
    the equity the firm raised and plus what it paid out in the month before (a round or payout is valued the month
    after it), so money put in or taken out does not count as a change of value.
    """
    table = result.agent_table.merge(result.model_table[["step", "date"]], on="step").sort_values(["name", "step"])
    by_firm = table.groupby("name")
    value = table["fundamental_value_usd_bn"]
    if per_share:
        value = (value - by_firm["equity_raised_usd_bn"].shift().fillna(0.0)
                 + by_firm["payout_usd_bn"].shift().fillna(0.0))
    previous = by_firm["fundamental_value_usd_bn"].shift()
    table["step_size"] = (np.log(value.clip(lower=1e-9)) - np.log(previous.clip(lower=1e-9))).abs()
    return _months_of_large_firms(table).groupby("name")["step_size"].quantile(0.95)


def trailing_revenue_step_p95(result: RunResult) -> pd.Series:
    """95th percentile, per named firm, of |change in log trailing-twelve-month revenue| from one month to the next,
    over the months :func:`fundamental_value_step_p95` reads: how fast the revenue a valuation is built on moves
    (a firm whose monthly revenue falls to a quarter within a year steps ~0.1 a month in its trailing revenue alone)."""
    table = result.agent_table.merge(result.model_table[["step", "date"]], on="step").sort_values(["name", "step"])
    trailing = table.groupby("name")["revenue_usd_bn"].transform(lambda revenue: revenue.rolling(12, min_periods=12).sum())
    table["step_size"] = np.log(trailing.clip(lower=1e-9)).groupby(table["name"]).diff().abs()
    return _months_of_large_firms(table).groupby("name")["step_size"].quantile(0.95)


def _months_of_large_firms(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of named firms (not the generated followers) in months of 2026-2034 with revenue above $1bn."""
    return table[(table["revenue_usd_bn"] > 1.0) & (table["date"] >= "2026-01") & ~table["name"].str.startswith("follower")]


def _share_of_months(region: str, constraint: str, since: str = "2028-01") -> Callable[[RunResult], float]:
    table_column = f"constraint_{region}"
    return lambda r: float((r.model_table.loc[r.model_table["date"] >= since, table_column] == constraint).mean())


def _year_sum(column: str, year: str) -> Callable[[RunResult], float]:
    return lambda r: float(r.model_table.loc[r.model_table["date"].str.startswith(year), column].sum())


def us_power_price_over_base_from_2028(result: RunResult) -> float:
    """Mean US power price from 2028 over the US utility's base price, less 1."""
    table = result.model_table
    base = result.model.params.utilities["US"].base_price_usd_mwh
    return float(table.loc[table["date"] >= "2028-01", "power_price_usd_mwh_US"].mean() / base - 1.0)


def first_bubble_peak(result: RunResult) -> tuple[int, float, float]:
    """The first bubble: (month index of the highest bubble index in 2025-2028, that peak, the largest fall from it over
    the rest of the run as a share of the peak)."""
    index = result.model_table["bubble_index"].to_numpy()
    peak = int(index[(result.model_table["date"] <= "2028-12").to_numpy()].argmax())
    return peak, float(index[peak]), float(1.0 - index[peak:].min() / index[peak])


def _at(result: RunResult, date: str, column: str) -> float:
    return float(result.model_table.set_index("date").loc[date, column])


def _mean_between(result: RunResult, first: str, last: str, column: str) -> float:
    table = result.model_table
    return float(table.loc[table["date"].between(first, last), column].mean())


def months_to_first_declined_variant(result: RunResult) -> float:
    """Months from the start to the first month labs declined an export variant as uneconomic (NaN if never)."""
    events = result.event_table
    declined = events[events["kind"] == "variant_declined"]
    return float(declined["step"].iloc[0] - 1) if len(declined) else float("nan")


def firm_at(result: RunResult, name: str, date: str, column: str) -> float:
    """One column of a named firm's row in the agent table in the month ``date``."""
    table = result.agent_table.merge(result.model_table[["step", "date"]], on="step")
    return float(table.loc[(table["name"] == name) & (table["date"] == date), column].iloc[0])


def contracted_delivered_gw(result: RunResult, date: str) -> float:
    """GW of capacity contracts delivered in the months up to ``date``."""
    month = month_index(date)
    return float(sum(c.delivered_gw_by(month) for c in result.model.leases.contracts.contracts))


def firm_sum(result: RunResult, name: str, first_year: str, last_year: str, column: str) -> float:
    """A named firm's column summed over the months of ``first_year`` to ``last_year``."""
    table = result.agent_table.merge(result.model_table[["step", "date"]], on="step")
    years = table["date"].str[:4]
    return float(table.loc[(table["name"] == name) & (years >= first_year) & (years <= last_year), column].sum())


def _last(column: str) -> Callable[[RunResult], float]:
    return lambda result: float(result.model_table[column].iloc[-1])


@dataclass(frozen=True)
class Measure:
    """One headline number: what it is, its unit, and how to read it from a run."""

    name: str
    unit: str
    read: Callable[[RunResult], float]


MEASURES = (
    Measure("world compute, Dec 2034", "GW", _last("compute_gw")),
    Measure("US compute, Dec 2034", "GW", _last("compute_gw_US")),
    Measure("China compute, Dec 2034", "GW", _last("compute_gw_CN")),
    Measure("China compute, Dec 2028", "GW", lambda r: _at(r, "2028-12", "compute_gw_CN")),
    Measure("US share of world compute, first month", "1", lambda r: float(r.model_table["share_compute_US"].iloc[0])),
    Measure("US share of world compute, Dec 2034", "1", _last("share_compute_US")),
    Measure("Gulf and rest-of-world share of world compute, Dec 2034", "1",
            lambda r: _last("share_compute_GULF")(r) + _last("share_compute_ROW")(r)),
    Measure("months from the start to the first declined export variant", "months", months_to_first_declined_variant),
    Measure("peak GW added per week (trailing 12 months)", "GW/week", lambda r: float(r.model_table["gw_added_per_week"].max())),
    Measure("share of months from 2028 where capital binds the US", "1",
            lambda r: float((r.model_table.loc[r.model_table["date"] >= "2028-01", "constraint_US"] == "capital").mean())),
    Measure("share of US compute on self-financed power, Dec 2034", "1",
            lambda r: float(r.model_table["self_powered_gw_US"].iloc[-1] / max(r.model_table["compute_gw_US"].iloc[-1], 1e-12))),
    Measure("self-financed generation commissioned, run total", "firm GW",
            lambda r: float(sum(p.firm_gw for p in r.model.energy.plants.values()))),
    Measure("capex lost to failed self-financed plants", "$bn", lambda r: float(r.model.energy.lost_usd_bn)),
    Measure("capex energy funds paid for labs' plants, run total", "$bn", lambda r: float(r.model.energy.funds_capex_usd_bn())),
    Measure("mean idle chips", "GW", lambda r: float(r.model_table["idle_chips_gw"].mean())),
    Measure("blocked demand, summed over months", "GW", lambda r: float(r.model_table["blocked_demand_gw"].sum())),
    Measure("chipmakers' utilisation, 2025-2029 mean", "1", lambda r: _mean_between(r, "2025-01", "2029-12", "chip_utilisation")),
    Measure("chipmakers' utilisation, 2030-2034 mean", "1", lambda r: _mean_between(r, "2030-01", "2034-12", "chip_utilisation")),
    Measure("domestic_cn cumulative output", "GW", lambda r: float(r.model.chipmakers["domestic_cn"].cumulative_output_gw)),
    Measure("facility power per EFLOP/s, Dec 2034", "MW per EFLOP/s",
            lambda r: 1000.0 * _last("compute_gw")(r) / _last("effective_compute_eflops")(r)),
    Measure("fleet value to book, Dec 2030", "1", lambda r: _at(r, "2030-12", "fleet_value_to_book")),
    Measure("fleet value to book, Dec 2032", "1", lambda r: _at(r, "2032-12", "fleet_value_to_book")),
    Measure("labs' chips written down (impairment), run total", "$bn", lambda r: float(r.model_table["impairment_usd_bn"].sum())),
    Measure("starting chips' opening write-down", "$bn", lambda r: float(r.model.impairment.opening_usd_bn)),
    Measure("entrant_neuromorphic's share of new orders, Dec 2034", "1",
            lambda r: float(r.model.chipmakers["entrant_neuromorphic"].order_share)),
    Measure("early-retired chips, run total", "GW", lambda r: float(r.model.cohorts.early_retired_gw_total)),
    Measure("foreign equity into screened US firms", "$bn", foreign_equity_into_screened_us_firms_usd_bn),
    Measure("investment barred by screening, run total", "$bn", _last("blocked_investment_usd_bn")),
    Measure("US chipmakers' fab capacity commissioned, run total", "GW/month", _last("chip_capacity_added_gw_per_month_US")),
    Measure("US chipmakers' fab capacity commissioned by Dec 2028", "GW/month",
            lambda r: _at(r, "2028-12", "chip_capacity_added_gw_per_month_US")),
    Measure("fab capacity commissioned in the US, summed over the months", "GW",
            lambda r: float(r.model_table["chip_capacity_added_gw_per_month_US"].sum())),
    Measure("outside partners' share of US fabs' capex", "1", us_fab_partner_share),
    Measure("fab capacity commissioned in the Gulf, run total", "GW/month", _last("chip_capacity_added_gw_per_month_GULF")),
    Measure("fab capacity commissioned in the rest of the world, run total", "GW/month",
            _last("chip_capacity_added_gw_per_month_ROW")),
    Measure("Gulf investors' share of partners' money in Gulf fabs", "1",
            lambda r: investors_share_of_fab_money(r, "GULF", "GULF")),
    Measure("Gulf investors' share of partners' money in US fabs", "1", lambda r: investors_share_of_fab_money(r, "GULF", "US")),
    Measure("chipmakers' debt raised for fabs, run total", "$bn",
            lambda r: float(r.agent_table.loc[r.agent_table["name"].isin(list(r.model.chipmakers)), "debt_raised_usd_bn"].sum())),
    Measure("frontier_lab_a's stakes in fabs at book, Dec 2034", "$bn",
            lambda r: float(r.model.fabs.partner_book_usd_bn(r.model.ledger.n_accounts)[r.model.labs["frontier_lab_a"].account])),
    Measure("defaults by Dec 2034", "firms", _last("defaults")),
    Measure("capacity contracted, run total", "GW", lambda r: float(sum(c.gw for c in r.model.leases.contracts.contracts))),
    Measure("capacity contracted and delivered by Dec 2029", "GW", lambda r: contracted_delivered_gw(r, "2029-12")),
    Measure("capacity contracted and delivered by Dec 2034", "GW", lambda r: contracted_delivered_gw(r, "2034-12")),
    Measure("cloud_us_e's debt, Dec 2028", "$bn", lambda r: firm_at(r, "cloud_us_e", "2028-12", "debt_usd_bn")),
    Measure("cloud_us_e's capex, 2026-2030", "$bn", lambda r: firm_sum(r, "cloud_us_e", "2026", "2030", "capex_usd_bn")),
    Measure("frontier_lab_a operating loss, 2029-2030", "$bn",
            lambda r: -frontier_profit_usd_bn(r, "2029", "2030")["frontier_lab_a"]),
    Measure("bonds outstanding at face, Dec 2034", "$bn", _last("bonds_usd_bn")),
    Measure("bonds' share of firms' debt, Dec 2034", "1",
            lambda r: float(r.model_table["bonds_usd_bn"].iloc[-1] / max(r.model_table["debt_usd_bn"].iloc[-1], 1e-9))),
    Measure("lowest bond price index (from the second month)", "1",
            lambda r: float(r.model_table["bond_price_index"].iloc[1:].min())),
    Measure("share of months where power binds the US", "1", _share_of_months("US", "power", since="2025-01")),
    Measure("share of months from 2028 where power binds the US", "1", _share_of_months("US", "power")),
    Measure("share of months from 2028 where chips bind China", "1", _share_of_months("CN", "chips")),
    Measure("US power price, mean over the run", "$/MWh", lambda r: float(r.model_table["power_price_usd_mwh_US"].mean())),
    Measure("US power price from 2028 over its base", "1", us_power_price_over_base_from_2028),
    Measure("incumbent_gpu's share of new orders, Dec 2034", "1",
            lambda r: float(r.model.chipmakers["incumbent_gpu"].order_share)),
    Measure("world AI revenue, 2026", "$bn", _year_sum("ai_revenue_usd_bn", "2026")),
    Measure("world AI revenue, 2034", "$bn", _year_sum("ai_revenue_usd_bn", "2034")),
    Measure("frontier_lab_a operating profit, 2025", "$bn",
            lambda r: frontier_profit_usd_bn(r, "2025", "2025")["frontier_lab_a"]),
    Measure("frontier labs with operating profit over 2030-2034", "labs",
            lambda r: float(sum(profit > 0 for profit in frontier_profit_usd_bn(r, "2030", "2034").values()))),
    Measure("peak bubble index", "1", lambda r: float(r.model_table["bubble_index"].max())),
    Measure("months from the start to the first bubble peak", "months", lambda r: float(first_bubble_peak(r)[0])),
    Measure("fall of the bubble index from its first peak", "1", lambda r: first_bubble_peak(r)[2]),
    Measure("bubble index, Dec 2034", "1", _last("bubble_index")),
    Measure("labs' implied AI revenue in 5 years over the demand curve's, median month", "1",
            lambda r: float(r.model_table["implied_ai_revenue_to_demand_5y"].median())),
    Measure("monthly absolute change in log fundamental value, 95th percentile, median firm", "1",
            lambda r: float(fundamental_value_step_p95(r).median())),
    Measure("monthly absolute change in log fundamental value, 95th percentile, largest firm", "1",
            lambda r: float(fundamental_value_step_p95(r).max())),
    Measure("firms whose 95th percentile is below 0.1", "firms", lambda r: float((fundamental_value_step_p95(r) < 0.1).sum())),
    Measure("monthly absolute change in log fundamental value per share, 95th percentile, largest firm", "1",
            lambda r: float(fundamental_value_step_p95(r, per_share=True).max())),
    Measure("firms whose 95th percentile per share is below 0.1", "firms",
            lambda r: float((fundamental_value_step_p95(r, per_share=True) < 0.1).sum())),
    Measure("firms with revenue above $1bn a month in 2026-2034", "firms", lambda r: float(len(fundamental_value_step_p95(r)))),
    Measure("largest excess of a firm's 95th percentile over its trailing revenue's", "1",
            lambda r: float((fundamental_value_step_p95(r) - trailing_revenue_step_p95(r)).max())),
    Measure("firms whose trailing revenue's 95th percentile is 0.1 or above", "firms",
            lambda r: float((trailing_revenue_step_p95(r) >= 0.1).sum())),
)


FIRST_GW_PER_WEEK = "first month at 1 GW a week"


def measure_run(result: RunResult) -> dict[str, float | str]:
    """Every headline measure of one run, and the first month it adds 1 GW a week (or ``never``)."""
    values: dict[str, float | str] = {measure.name: measure.read(result) for measure in MEASURES}
    values[FIRST_GW_PER_WEEK] = first_gw_per_week_date(result.model_table)
    return values


def headline_table(measured: Mapping[tuple[str, int], Mapping[str, float | str]]) -> pd.DataFrame:
    """Per measure and scenario, the smallest and largest value over the seeds (columns ``<scenario> min/max``)."""
    scenarios = sorted({name for name, _ in measured}, key=lambda n: SCENARIOS.index(n) if n in SCENARIOS else len(SCENARIOS))
    rows = []
    for measure in MEASURES:
        row: dict[str, object] = {"measure": measure.name, "unit": measure.unit}
        for name in scenarios:
            values = [float(v[measure.name]) for (scenario, _), v in measured.items() if scenario == name]
            row[f"{name} min"], row[f"{name} max"] = min(values), max(values)
        rows.append(row)
    return pd.DataFrame(rows)


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _cell(low: float, high: float) -> str:
    return _number(low) if _number(low) == _number(high) else f"{_number(low)} to {_number(high)}"


def render(measured: Mapping[tuple[str, int], Mapping[str, float | str]]) -> str:
    """The document's text, from :func:`measure_run` of each (scenario, seed)."""
    table = headline_table(measured)
    scenarios = [c.removesuffix(" min") for c in table.columns if c.endswith(" min")]
    header = "| measure | unit | " + " | ".join(f"`{s}`" for s in scenarios) + " |\n"
    header += "|---|---|" + "---|" * len(scenarios) + "\n"
    body = "".join(
        f"| {row['measure']} | {row['unit']} | " + " | ".join(_cell(row[f'{s} min'], row[f'{s} max']) for s in scenarios) + " |\n"
        for _, row in table.iterrows())
    first = "".join(
        f"- `{name}`: " + ", ".join(str(v[FIRST_GW_PER_WEEK]) for (n, _), v in sorted(measured.items()) if n == name) + "\n"
        for name in scenarios)
    seeds = sorted({seed for _, seed in measured})
    return f"""# Headline numbers of the scenarios

Generated by `make headlines` from runs of each scenario with seeds {", ".join(map(str, seeds))} (common
random numbers: every scenario runs with the same seeds as the baseline); do not edit by hand.
[`scenarios.md`](scenarios.md) quotes these numbers, and `tests/test_policy_scenarios.py` fails when
this table no longer matches the model. Each cell is the smallest to the largest value over the seeds.
Regenerate it with

```sh
{COMMAND}
```

{header}{body}
First month the world adds 1 GW a week (trailing 12 months), seed by seed:

{first}"""


def _measure(job: tuple[str, int]) -> tuple[tuple[str, int], dict[str, float | str]]:
    name, seed = job
    return job, measure_run(simulate(load_scenario(name), seed))


def measure_all(workers: int = 2) -> dict[tuple[str, int], dict[str, float | str]]:
    """Measure every scenario of :data:`SCENARIOS` with every seed of :data:`SEEDS`."""
    jobs = [(name, seed) for name in SCENARIOS for seed in SEEDS]
    with ProcessPoolExecutor(workers) as pool:
        return dict(pool.map(_measure, jobs))


def main() -> None:
    """Run the scenarios and write docs/headlines.md and docs/scenarios.md (its prose quotes the same runs)."""
    from experiments import scenarios_doc

    measured = measure_all()
    DOC.write_text(render(measured))
    print(f"wrote {DOC}")
    print(f"wrote {scenarios_doc.write(measured)}")


if __name__ == "__main__":
    main()
