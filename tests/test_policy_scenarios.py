"""Headline effects of the policy scenarios against the baseline (issue 4), seeds 1-5 with common random numbers.

Each scenario runs with the same seeds as the baseline, so their difference is the policy, not the noise.
Margins sit inside the effects measured when the scenarios were written (stated per test).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments import headlines, scenarios_doc
from experiments.headlines import foreign_equity_into_screened_us_firms_usd_bn
from experiments.runner import RunResult, manifest
from market.outputs.indicators import WEEKS_PER_YEAR
from market.parameters.params import Params
from market.parameters.scenario import load_scenario
from market.physical.compute import month_index
from tests.conftest import DIRECTION_SEEDS, run

pytestmark = [pytest.mark.xdist_group("policy_scenarios"), pytest.mark.timeout(1200), pytest.mark.slow]
SCENARIOS = ("baseline", "power-bottleneck", "energy-investment", "investment-block", "fab-network", "neuromorphic",
             "gigawatt-factory", "export-block", "bubble-burst", "contracts-2025")


@pytest.fixture(scope="module")
def runs() -> dict[tuple[str, int], RunResult]:
    return {(name, seed): run(seed=seed, scenario=name) for name in SCENARIOS for seed in DIRECTION_SEEDS}


def _last(runs, name: str, column: str) -> np.ndarray:
    return np.array([runs[name, s].model_table[column].iloc[-1] for s in DIRECTION_SEEDS])


def _mean(runs, name: str, column: str) -> np.ndarray:
    return np.array([runs[name, s].model_table[column].mean() for s in DIRECTION_SEEDS])


def test_power_bottleneck_idles_chips_and_cuts_us_compute(runs) -> None:
    """Idle chips average over 1.5x the baseline's, US compute in Dec 2034 is under 60% of it, the US reports power as
    what binds in most months from 2028 and its power price from 2028 is above the baseline's, in every seed (the
    measured values, regenerated with the model: docs/headlines.md)."""
    assert (_mean(runs, "power-bottleneck", "idle_chips_gw") > 1.5 * _mean(runs, "baseline", "idle_chips_gw")).all()
    assert (_last(runs, "power-bottleneck", "compute_gw_US") < 0.6 * _last(runs, "baseline", "compute_gw_US")).all()
    for seed in DIRECTION_SEEDS:
        bottleneck = runs["power-bottleneck", seed].model_table.set_index("date").loc["2028-01":]
        baseline = runs["baseline", seed].model_table.set_index("date").loc["2028-01":]
        assert (bottleneck["constraint_US"] == "power").mean() > 0.5, seed
        assert bottleneck["power_price_usd_mwh_US"].mean() > baseline["power_price_usd_mwh_US"].mean(), seed


def test_power_prices_move_and_do_not_rest_on_their_bounds(runs) -> None:
    """In the baseline every region's power price changes in at least a third of months and sits within 0.5% of its
    floor (operating cost) or cap in under half of them (measured: changes in 88-100% of months, at a bound in none,
    except ROW at its bound in 31-36%)."""
    for seed in DIRECTION_SEEDS:
        table = runs["baseline", seed].model_table
        for region, spec in Params().utilities.items():
            price = table[f"power_price_usd_mwh_{region}"].to_numpy()
            changed = (np.abs(np.diff(price)) > 1e-6 * price[1:]).mean()
            floor, cap = spec.operating_cost_usd_mwh, spec.price_cap_multiple * spec.base_price_usd_mwh
            at_bound = ((np.abs(price - floor) <= 0.005 * floor) | (np.abs(price - cap) <= 0.005 * cap)).mean()
            assert changed >= 1 / 3 and at_bound < 0.5, (seed, region, changed, at_bound)


def test_no_lab_orders_more_in_a_month_than_a_fifth_of_world_compute(runs) -> None:
    """Plans are cut to what can be delivered, powered and built: no lab starts projects in a month worth more than 20%
    of the world's online compute the month before (measured: at most 14.7-18.4% in seeds 1-5, in each
    frontier_lab_e's projects in March 2025, 1.5-1.8 GW, as the US offers data centres its record share of new
    generation; 11.6-11.7% when the US offered a tenth of it)."""
    for seed in DIRECTION_SEEDS:
        result = runs["baseline", seed]
        events = result.event_table[(result.event_table["kind"] == "project") & (result.event_table["step"] > 0)]
        gw = events["detail"].str.extract(r"^([0-9.]+) GW")[0].astype(float)
        per_lab = gw.groupby([events["step"], events["actors"].str.split(",").str[0]]).sum()
        world = result.model_table.set_index("step")["compute_gw"]
        before = world.shift(1).fillna(world.iloc[0])
        shares = per_lab / before.reindex(per_lab.index.get_level_values(0)).to_numpy()
        assert shares.max() <= 0.20, (seed, shares.idxmax(), shares.max())


def test_investment_block_logs_blocked_deals_and_cuts_foreign_money(runs) -> None:
    """Every seed logs blocked deals, and foreign equity into screened US firms over 2025-2034 is under 80% of the
    baseline's (measured: docs/headlines.md)."""
    for seed in DIRECTION_SEEDS:
        blocked, base = runs["investment-block", seed], runs["baseline", seed]
        assert (blocked.event_table["kind"] == "investment_blocked").sum() > 0
        assert foreign_equity_into_screened_us_firms_usd_bn(blocked) < 0.8 * foreign_equity_into_screened_us_firms_usd_bn(base)


def test_investment_block_bars_partners_from_us_fabs_and_names_chipmakers_in_the_blocked_log(runs) -> None:
    """Screening bars Chinese and Gulf partners from US fabs: outside partners put at least 2 points less of the US
    fabs' capex than in the baseline (0.49, ``fab_partner_share``; measured 0.421-0.464 over seeds 1-10) and the blocked
    log names a chipmaker, in every seed. The US makers' fab capacity commissioned since the start is lower than the
    baseline's at every year's end from 2025 to 2028, and at most 0.95 of it in December 2028, in every seed (measured
    over seeds 1-10: 0.78-0.91 of it in Dec 2028, lower in every seed at each of the four year-ends): each screened fab
    is built smaller, and a maker adds at most a share of its capacity a month, so smaller fabs mean slower growth.

    From 2029 the screened makers catch up, as orders rather than the growth limit set their capacity, and at the run's
    end it is about the baseline's (0.99-1.07 of it in seeds 1-5, lower in 2; not asserted): screening delays US chip
    capacity by some years rather than cutting it (docs/scenarios.md). What the delay costs, the capacity summed over the
    months (GW a month times the months since commissioning, lead times to production included), is lower than the
    baseline's in at least 4 of seeds 1-5 and on their mean (measured 0.965-0.991 of it in seeds 1-4, 1.005 in seed 5;
    over seeds 1-10 lower in 8, mean 0.987). This part is loosened: it asserted lower in every seed until the clouds kept
    their starting room for their own services (then 0.966-0.986 in seeds 1-5), after which seed 5's catch-up outran
    its delay. Fails if screening leaves the fabs' money untouched or the growth limit ignores the capacity the smaller
    fabs add."""
    summed = []
    for seed in DIRECTION_SEEDS:
        blocked, base = runs["investment-block", seed], runs["baseline", seed]
        assert headlines.us_fab_partner_share(blocked) < headlines.us_fab_partner_share(base) - 0.02, seed
        added = [table.set_index("date")["chip_capacity_added_gw_per_month_US"] for table in (blocked.model_table,
                                                                                               base.model_table)]
        for year_end in ("2025-12", "2026-12", "2027-12", "2028-12"):
            assert added[0][year_end] < added[1][year_end], (seed, year_end)
        assert added[0]["2028-12"] <= 0.95 * added[1]["2028-12"], seed
        summed.append(added[0].sum() / added[1].sum())
        events = blocked.event_table[blocked.event_table["kind"] == "investment_blocked"]
        makers = set(blocked.model.chipmakers)
        assert any(makers & set(actors.split(",")) for actors in events["actors"]), seed
    assert sum(ratio < 1.0 for ratio in summed) >= 4 and np.mean(summed) < 1.0, summed


def test_a_fab_network_stands_in_three_regions_and_gulf_money_goes_to_gulf_fabs(runs) -> None:
    """In fab-network the custom-chip maker commissions fab capacity in the Gulf and the rest of the world (none in the
    baseline), Gulf investors' share of the partners' money is larger in its Gulf fabs than in its US ones (home bias
    by the fab's region), and the anchoring lab holds fab stakes, in every seed (measured: docs/headlines.md). No fab
    abroad produces before the maker's first fab in that region has built its site (``greenfield_lead_time_months``
    from its commissioning): each produces at the later of its own capacity lead time and that month, while fabs at
    home produce after the capacity lead time."""
    for seed in DIRECTION_SEEDS:
        network, base = runs["fab-network", seed], runs["baseline", seed]
        for region in ("GULF", "ROW"):
            column = f"chip_capacity_added_gw_per_month_{region}"
            assert network.model_table[column].iloc[-1] > 0.1 and base.model_table[column].iloc[-1] == 0.0, (seed, region)
        model = network.model
        maker = model.chipmakers["custom_asic"]
        spec = maker.spec
        for region in ("GULF", "ROW"):
            there = [fab for fab in model.fabs.of_maker(maker.account) if fab.region == region]
            ready = min(fab.start_month for fab in there) + spec.greenfield_lead_time_months
            assert [fab.producing_month for fab in there] == [
                max(fab.start_month + spec.capacity_lead_time_months, ready) for fab in there], (seed, region)
            assert any(fab.producing_month > fab.start_month + spec.capacity_lead_time_months for fab in there[1:])
        assert all(fab.producing_month == fab.start_month + spec.capacity_lead_time_months
                   for fab in model.fabs.of_maker(maker.account) if fab.region == "US"), seed
        gulf_in_gulf = headlines.investors_share_of_fab_money(network, "GULF", "GULF")
        assert gulf_in_gulf > 2 * headlines.investors_share_of_fab_money(network, "GULF", "US"), seed
        assert model.fabs.partner_book_usd_bn(model.ledger.n_accounts)[model.labs["frontier_lab_a"].account] > 0, seed


def test_neuromorphic_scales_devalues_old_chips_and_cuts_power_per_eflops(runs) -> None:
    """The entrant scales (over half of new orders in Dec 2034), MW per EFLOP/s in Dec 2034 is at least 5% below the
    baseline's, the installed chips' value over book (``fleet_value_to_book``, at the going cost of new compute) is under
    0.65 of the baseline's in Dec 2030, and labs write down at least $50bn more of their chips (impairment) than in the
    baseline, in every seed (measured: docs/headlines.md; value to book 0.21-0.23 against 0.60-0.64, impairment
    $330-617bn against $44-137bn; nearly all of the baseline's is Chinese labs' fleets: US variants in 2027, when the
    variants stop being worth buying, and, more of it in 4 of 5 seeds, fleets mostly of domestic parts in 2029). Early
    retirement (only where new chips wait for power) is too noisy to test.
    Fails if the entrant cannot scale (at the roster's 6% a month from 5 MW a month it reached 0.1 GW a month by 2034),
    if value to book is read at the cheapest offer (a maker that sells little put it at 0.1-0.3 from the month the
    entrant woke) or if impairment is never tested."""
    def power_per_eflops(name: str) -> np.ndarray:
        return _last(runs, name, "compute_gw") / _last(runs, name, "effective_compute_eflops")

    assert (power_per_eflops("neuromorphic") < 0.95 * power_per_eflops("baseline")).all()
    for seed in DIRECTION_SEEDS:
        assert runs["neuromorphic", seed].model.chipmakers["entrant_neuromorphic"].order_share > 0.5, seed

    def value_to_book(name: str, date: str) -> np.ndarray:
        return np.array([runs[name, s].model_table.set_index("date").loc[date, "fleet_value_to_book"] for s in DIRECTION_SEEDS])

    assert (value_to_book("neuromorphic", "2030-12") < 0.65 * value_to_book("baseline", "2030-12")).all()
    assert (value_to_book("baseline", "2030-12") > 0.5).all()

    def written_down(name: str) -> np.ndarray:
        return np.array([runs[name, s].model_table["impairment_usd_bn"].sum() for s in DIRECTION_SEEDS])

    assert (written_down("neuromorphic") > written_down("baseline") + 50.0).all(), (written_down("neuromorphic"),
                                                                                   written_down("baseline"))


def _quarter_the_entrant_ships_at_scale(result: RunResult, share: float = 0.25) -> str:
    """The first quarter's end (an impairment test month) at or after the first month in which the entrant's revenue is
    at least ``share`` of all chipmakers' revenue."""
    agents = result.agent_table.merge(result.model_table[["step", "date"]], on="step")
    makers = agents[agents["agent_type"] == "Chipmaker"].pivot_table(index="date", columns="name", values="revenue_usd_bn",
                                                                      aggfunc="sum")
    ratio = makers["entrant_neuromorphic"] / makers.sum(axis=1)
    first = ratio[ratio >= share].index[0]
    return next(date for date in makers.index if date >= first and int(date[5:7]) % 3 == 0)


def _incumbent_owners(result: RunResult, date: str) -> set[str]:
    """Labs owning incumbent_gpu chips delivered by ``date`` and not past their life then."""
    model, month = result.model, month_index(date)
    cohorts, n = result.model.cohorts, result.model.cohorts.n
    rows = ((cohorts.maker[:n] == model.chipmakers["incumbent_gpu"].account) & (cohorts.delivered_month[:n] <= month)
            & (cohorts.retire_month[:n] > month))
    return {model.name_of(int(owner)) for owner in np.unique(cohorts.owner[:n][rows])}


def _owners_by_date(result: RunResult, column: str, date: str, owners: set[str]) -> pd.Series:
    """The sum of ``column`` over ``owners``, month by month up to ``date``."""
    agents = result.agent_table.merge(result.model_table[["step", "date"]], on="step")
    return agents[agents["name"].isin(owners)].groupby("date")[column].sum().loc[:date]


def test_incumbents_owners_write_down_more_by_the_time_the_entrant_ships_at_scale(runs) -> None:
    """By the first quarter's end after the entrant's revenue reaches a quarter of all chipmakers' (2032-03 to 2032-06),
    the labs owning incumbent_gpu chips (in either run) have written down more than in the baseline in every seed, and
    at least $20bn more on average (measured: $93-200bn more, $138bn on average); a write-down lowers its owner's book
    equity by the loss (tests/test_impairment.py). Their book equity then is below the baseline's in at least 4 of 5
    seeds and by at least $50bn on the mean (measured: -$297bn to +$31bn, below in 4 of 5, -$122bn on the mean, of
    ~3,500-3,900bn), not in every seed: the entrant's cheaper compute also raises what they earn, by more than the
    write-downs in seed 2, so the issue's test of book-equity levels measures four years of diverging paths as well as
    the loss (the next test isolates the write-downs). Fails if the write-downs never reach the owners' books or the
    opening and quarterly tests are switched off in one run only."""
    gaps, extra = [], []
    for seed in DIRECTION_SEEDS:
        neuro, base = runs["neuromorphic", seed], runs["baseline", seed]
        date = _quarter_the_entrant_ships_at_scale(neuro)
        owners = _incumbent_owners(neuro, date) | _incumbent_owners(base, date)
        extra.append(_owners_by_date(neuro, "impairment_usd_bn", date, owners).sum()
                     - _owners_by_date(base, "impairment_usd_bn", date, owners).sum())
        gaps.append(_owners_by_date(neuro, "book_equity_usd_bn", date, owners).iloc[-1]
                    - _owners_by_date(base, "book_equity_usd_bn", date, owners).iloc[-1])
    assert min(extra) > 0.0 and np.mean(extra) >= 20.0, (extra, gaps)
    assert sum(gap < 0.0 for gap in gaps) >= 4 and np.mean(gaps) <= -50.0, gaps


def test_in_neuromorphic_the_write_downs_lower_the_incumbents_owners_book_equity(runs) -> None:
    """The same scenario and seed with and without the impairment test (``finance.impairment_test``), so that only the
    write-downs differ: in the quarter the entrant ships at scale, the labs owning incumbent_gpu chips have written down
    their fleets in every seed, and their book equity is lower with the test than without it in at least 4 of 5 seeds
    and by at least $20bn on the mean. Measured: $142-327bn written down by then; book equity $41-380bn lower, in every
    seed. The assertion allows one seed of five the other way because the two runs' paths part after the first
    write-down: written-down chips carry less depreciation, so costs, prices and payouts differ from then on (with the
    valuation counting idle chips as capital in service, seed 5's gap swung between -$75bn and +$82bn over the five
    years before the entrant shipped and ended $6bn higher). Fails if the write-downs do not reach the owners' books."""
    gaps = []
    for seed in DIRECTION_SEEDS:
        neuro = runs["neuromorphic", seed]
        off = run([("finance.impairment_test", False)], seed=seed, scenario="neuromorphic")
        date = _quarter_the_entrant_ships_at_scale(neuro)
        owners = _incumbent_owners(neuro, date) | _incumbent_owners(off, date)
        assert _owners_by_date(neuro, "impairment_usd_bn", date, owners).sum() > 0.0, seed
        gaps.append(_owners_by_date(neuro, "book_equity_usd_bn", date, owners).iloc[-1]
                    - _owners_by_date(off, "book_equity_usd_bn", date, owners).iloc[-1])
    assert sum(gap < 0.0 for gap in gaps) >= 4 and np.mean(gaps) <= -20.0, gaps


def test_the_2025_contracts_are_delivered_and_the_oracle_like_cloud_borrows_to_build_them(runs) -> None:
    """contracts-2025 against the baseline, same seeds: at least 85% of the contracted GW (6.53) are delivered by
    December 2029, a year after the last falls due, and all by December 2034; the Oracle-like cloud (cloud_us_e, the
    lessor of OpenAI's 4.5 GW from 2027) builds more over 2026-2030 and owes more in December 2028, when the last
    contract falls due; in every seed. Measured, seeds 1-5: 6.10-6.53 GW by Dec 2029; $155-185bn of debt in December
    2028 against $101-128bn; capex over 2026-2030 $415-517bn against $331-423bn. By December 2030 its contracts are built
    and it owes more than the baseline's Oracle-like cloud in only 2 of 5 seeds ($140-208bn against $139-198bn):
    counting its operating cash flow, a lessor whose contracts pay borrows less once they run, while the baseline's is
    still building and borrowing in 2030. With lessors that do not plan for their contracts (building only to replace
    what they delivered), 4.0-4.3 GW by Dec 2029 (seeds 1-2). Fails if contracts are not delivered or their lessors do
    not build ahead for them."""
    month = month_index("2029-12")
    for seed in DIRECTION_SEEDS:
        contracts, base = runs["contracts-2025", seed], runs["baseline", seed]
        book = contracts.model.leases.contracts.contracts
        contracted = sum(c.gw for c in book)
        assert sum(c.delivered_gw_by(month) for c in book) >= 0.85 * contracted, seed
        assert sum(c.delivered_gw for c in book) == pytest.approx(contracted, rel=1e-9), seed
        for measure in ("cloud_us_e's capex, 2026-2030", "cloud_us_e's debt, Dec 2028"):
            read = next(m.read for m in headlines.MEASURES if m.name == measure)
            assert read(contracts) > read(base), (seed, measure, read(contracts), read(base))


def test_gigawatt_factory_reports_what_binds(runs) -> None:
    """The push raises US compute in Dec 2034 above 1.1x the baseline's; the constraint it meets (not demand) is
    reported in most months, and the manifest's first month at 1 GW a week is the first month in which the trailing
    year's gross additions, recomputed here from compute and retirements, reach 52 GW (measured: docs/headlines.md)."""
    assert (_last(runs, "gigawatt-factory", "compute_gw_US") > 1.1 * _last(runs, "baseline", "compute_gw_US")).all()
    scenario = load_scenario("gigawatt-factory")
    for seed in DIRECTION_SEEDS:
        result = runs["gigawatt-factory", seed]
        binding = result.model_table["constraint_US"]
        assert (binding != "demand").mean() > 0.5
        table = result.model_table
        gross_added = (table["compute_gw"].diff() + table["retired_gw"].diff()).clip(lower=0.0)
        per_week = gross_added.rolling(12, min_periods=1).sum() / WEEKS_PER_YEAR
        reached = table.loc[per_week >= 1.0 - 1e-9, "date"]
        assert manifest(result, scenario, seed)["first_month_1_gw_per_week"] == (reached.iloc[0] if len(reached) else "never")


def _at(runs, name: str, column: str, date: str) -> np.ndarray:
    return np.array([runs[name, s].model_table.set_index("date").loc[date, column] for s in DIRECTION_SEEDS])


def test_export_block_cuts_china_compute_early_and_its_domestic_maker_ships_as_much(runs) -> None:
    """The block takes US parts from China in July 2025; in the baseline Chinese labs buy compliant variants until
    they cost over (1 + max markup) times the domestic part per EFLOP/s (January 2027 in seeds 1-5) and decline them,
    and their government then backs the domestic maker. So China's compute in Dec 2028 is below the baseline's in
    every seed and by at least 0.4 GW on average (measured 4.3-5.0 against 5.5-7.2 GW); the domestic maker, backed
    about a year sooner, ships within 5% of the baseline's in every seed (measured 1.00x): it ends at its raised
    ceiling (0.225 GW a month) in both runs (in one world market, before the spend was rescaled for the segment, it
    shipped 0.99-1.05x, more on average). China's compute in Dec 2034 is about the baseline's (measured 13.1-13.5
    against 12.9-13.6 GW). Blocked demand in every seed (first choices refused; plans no longer count barred makers'
    room); in the baseline it starts after the first declined variant."""
    block, base = _at(runs, "export-block", "compute_gw_CN", "2028-12"), _at(runs, "baseline", "compute_gw_CN", "2028-12")
    assert (block < base).all() and base.mean() - block.mean() >= 0.4, (block, base)
    shipped = {name: np.array([runs[name, s].model.chipmakers["domestic_cn"].cumulative_output_gw for s in DIRECTION_SEEDS])
               for name in ("baseline", "export-block")}
    assert (np.abs(shipped["export-block"] / shipped["baseline"] - 1.0) <= 0.05).all(), shipped
    assert _last(runs, "export-block", "compute_gw_CN").mean() >= _last(runs, "baseline", "compute_gw_CN").mean() - 1.0
    assert (np.array([runs["export-block", s].model_table["blocked_demand_gw"].sum() for s in DIRECTION_SEEDS]) > 0).all()
    for seed in DIRECTION_SEEDS:
        table, events = runs["baseline", seed].model_table, runs["baseline", seed].event_table
        declined = events[events["kind"] == "variant_declined"]
        assert len(declined) and table.loc[table["date"] < declined["date"].iloc[0], "blocked_demand_gw"].sum() == 0, seed


def test_energy_investment_raises_us_compute_against_power_bottleneck(runs) -> None:
    """Same seeds: with labs financing their own generation (half of it through energy funds) US compute in Dec 2034 is
    at least 20% higher than in power-bottleneck in every seed, part of it runs on self-financed power, and energy
    funds paid for some of the plants. Measured: 96.5-98.3 GW against 50-55, 67-75% of it self-powered. Fails if
    dedicated plants do not power the labs' sites, the rule never commissions them, or funds never finance them."""
    own, slow = _last(runs, "energy-investment", "compute_gw_US"), _last(runs, "power-bottleneck", "compute_gw_US")
    assert (own > 1.2 * slow).all(), (own, slow)
    powered = _last(runs, "energy-investment", "self_powered_gw_US")
    assert ((powered > 0) & (powered <= own)).all(), powered
    assert all(runs["energy-investment", s].model.energy.funds_capex_usd_bn() > 0 for s in DIRECTION_SEEDS)


def test_the_headline_table_and_the_scenarios_page_are_generated_from_these_runs(runs) -> None:
    """docs/headlines.md and docs/scenarios.md, whose prose quotes the same runs, are what `make headlines` writes now
    (same scenarios and seeds). Fails when a model change leaves either page quoting old numbers."""
    assert set(headlines.SCENARIOS) == set(SCENARIOS) and headlines.SEEDS == DIRECTION_SEEDS
    measured = {key: headlines.measure_run(result) for key, result in runs.items()}
    assert headlines.DOC.read_text() == headlines.render(measured)
    assert scenarios_doc.DOC.read_text() == scenarios_doc.render(scenarios_doc.TEMPLATE.read_text(), measured)
