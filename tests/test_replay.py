"""The calibration data, the replay scenario's real dates and deals, `aicm replay` and docs/calibration.md (issue 4).

The 2024 figures, held out of the calibration, must come within 35% of the record for the median of 10
seeds. One calibration figure is still missed: OpenAI's 2023 revenue (docs/calibration.md states why).
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from experiments.calibration_doc import DOC, REPLAY_SEEDS, render
from experiments.cli import main
from experiments.handover import (HANDOVER_SEEDS, Handover, measure_handover, measure_state, power_by_region,
                                 training_stocks)
from experiments.replay import compute_share, load_calibration, measurable_rows, measure, parse_measure, replay_table
from experiments.runner import RunResult, simulate
from market.enums import REGIONS
from market.model import ComputeMarket
from market.outputs.metrics import model_table
from market.parameters.params import Params
from market.parameters.scenario import load_scenario
from market.parameters.schema import ParamError
from tests.conftest import run

OPENAI_COMPUTE_2025_GW = float(load_calibration().set_index("id").loc["openai_compute_2025", "value"])  # OpenAI CFO, Jan 2026

pytestmark = [pytest.mark.xdist_group("replay"), pytest.mark.timeout(900)]


def test_calibration_data_has_a_source_per_row_and_the_2024_hold_out() -> None:
    table = load_calibration()
    assert table["id"].is_unique and (table["source"].str.len() > 10).all()
    measured = measurable_rows(table)
    assert {"nvidia_dc_revenue_fy2025", "openai_revenue_2024", "openai_compute_2024"} <= set(measured["id"])
    assert set(measured.loc[measured["use"] == "holdout", "period_start"].str[:4]) <= {"2024"}
    assert (measured.loc[measured["use"] == "calibrate", "period_end"] <= "2024-01").all()  # NVIDIA's FY2024 ends in January
    nvidia = table.set_index("id").loc["nvidia_dc_revenue_fy2025"]
    assert (nvidia["period_start"], nvidia["period_end"]) == ("2024-02", "2025-01")


@pytest.fixture(scope="module")
def replay_seed1():
    return run(seed=1, scenario="replay-2022")


def test_the_replay_has_the_real_rule_dates_and_deals(replay_seed1) -> None:
    events = replay_seed1.event_table
    rules = events[events["kind"] == "export_rule"]
    assert list(rules["date"]) == ["2022-10", "2023-11"]
    deals = events[events["kind"] == "investment"]
    assert list(deals["date"]) == ["2023-01", "2023-09", "2023-10", "2024-03", "2024-10", "2024-11", "2025-04", "2025-12"]


def test_the_replay_sells_out_and_expands(replay_seed1) -> None:
    """Orders wanted within the 12-month booking window stay within 12 months of capacity, and whole books within 18
    (orders for buildings due later book against capacity the maker will add; measured at the end: 9.2-12.2 months);
    the incumbent prices above its base markup (orders turned away raise its price) and grows its capacity."""
    model = replay_seed1.model
    for maker in model.chipmakers.values():
        within = model.chip_market.wanted_backlog_gw(maker.account, maker.booking_window_end() - 1)
        assert maker.spec.order_book_limit_months == 12.0
        assert within <= 12.0 * maker.capacity_gw_per_month + 1e-9, maker.name
        assert model.chip_market.backlog_gw(maker.account) <= 18.0 * maker.capacity_gw_per_month, maker.name
    incumbent = model.chipmakers["incumbent_gpu"]
    assert incumbent.capacity_gw_per_month > 5 * incumbent.spec.initial_capacity_gw_per_month
    assert incumbent.price_usd_bn_per_gw > incumbent.unit_cost_usd_bn_per_gw * incumbent.spec.base_markup


def test_measures_read_the_tables(replay_seed1) -> None:
    agents = replay_seed1.agent_table
    dates = agents["step"].map(lambda s: replay_seed1.model_table["date"].iloc[s - 1])
    nvidia = agents[(agents["name"] == "incumbent_gpu") & dates.between("2023-02", "2024-01")]
    assert measure(replay_seed1, parse_measure("revenue:incumbent_gpu"), "2023-02", "2024-01") == pytest.approx(
        nvidia["revenue_usd_bn"].sum())
    lab = agents[(agents["name"] == "frontier_lab_a") & (dates == "2024-12")]
    assert measure(replay_seed1, parse_measure("compute_gw:frontier_lab_a"), "2024-12", "2024-12") == pytest.approx(
        lab["compute_gw"].iloc[0])


def test_the_us_share_of_new_generation_is_what_us_data_centres_took_in_2014_2023() -> None:
    """Known answer: d for the US is US data centres' growth over 2014-2023, (176 - 58) TWh / 9 years (LBNL rows of the
    calibration data), over the trend growth of US generation at the model's rates, 4,635 TWh x 0.6% a year: 0.47.
    Fails if the default drifts from its source or the rows change without it."""
    calibration = load_calibration().set_index("id")
    record = calibration["value"]
    years = int(calibration.loc["us_dc_electricity_2023", "period_start"][:4]) - int(
        calibration.loc["us_dc_electricity_2014", "period_start"][:4])
    data_centre_growth_twh = (record["us_dc_electricity_2023"] - record["us_dc_electricity_2014"]) / years
    us = Params().utilities["US"]
    generation_growth_twh = us.average_generation_gw * 8.76 * us.generation_growth_per_year
    assert years == 9
    assert us.dc_share_of_new_generation == pytest.approx(data_centre_growth_twh / generation_growth_twh, abs=0.005)


def test_power_by_region_reads_the_period_s_prices_and_where_power_binds_the_us() -> None:
    """Known answer: over 2023-01..2023-02 (the month before and after left out) prices 60 and 80 in the US average 70,
    and power binds the US in one of the two months."""
    table = pd.DataFrame({"date": ["2022-12", "2023-01", "2023-02", "2023-03"],
                          "constraint_US": ["power", "power", "chips", "power"]})
    for i, region in enumerate(REGIONS):
        table[f"power_price_usd_mwh_{region}"] = [0.0, 60.0 + i, 80.0 + i, 0.0]
    power = power_by_region(SimpleNamespace(model_table=table), "2023-01", "2023-02")
    assert power["power price US $/MWh"] == 70.0 and power[f"power price {REGIONS[-1]} $/MWh"] == 70.0 + len(REGIONS) - 1
    assert power["share of months power binds the US"] == 0.5


def test_compute_share_is_the_regions_share_of_the_month_s_gw() -> None:
    """Known answer: in May 2025 the US has 3 of 5 GW (0.6), the US and China 4 of 5 (0.8); April's row is not read.
    Fails if another month, the total column or one region's GW alone is read."""
    table = pd.DataFrame({"date": ["2025-04", "2025-05"], "compute_gw": [99.0, 99.0],
                          **{f"compute_gw_{region}": [1.0, gw] for region, gw in zip(REGIONS, (3.0, 1.0, 0.5, 0.5, 0.0),
                                                                                        strict=True)}})
    assert REGIONS[:2] == ("US", "CN")
    assert compute_share(table, ("US",), "2025-05") == pytest.approx(0.6, rel=1e-12)
    assert compute_share(table, ("US", "CN"), "2025-05") == pytest.approx(0.8, rel=1e-12)
    assert parse_measure("compute_share:US+CN").agents == ("US", "CN")
    with pytest.raises(ParamError, match="compute_share takes regions"):
        parse_measure("compute_share:frontier_lab_a")


def test_aicm_replay_prints_and_writes_the_table(tmp_path, capsys) -> None:
    assert main(["replay", "--seeds", "1", "--out", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "replay.csv")
    assert set(table["id"]) == set(measurable_rows(load_calibration())["id"])
    assert "nvidia_dc_revenue_fy2025" in capsys.readouterr().out


@pytest.fixture(scope="module")
def replay_10_seeds() -> pd.DataFrame:
    return replay_table(REPLAY_SEEDS, workers=1)


@pytest.mark.slow
def test_the_2024_hold_out_is_within_35_percent(replay_10_seeds) -> None:
    """Measured (median of seeds 1-10): NVIDIA FY2025 -15%, OpenAI revenue 2024 +4%, OpenAI compute 2024 +9%."""
    holdout = replay_10_seeds[replay_10_seeds["use"] == "holdout"]
    assert len(holdout) == 3
    assert (holdout["error"].abs() <= 0.35).all(), holdout[["id", "observed", "model_median", "error"]]


@pytest.mark.slow
def test_calibration_doc_is_generated_from_the_replay(replay_10_seeds, handover) -> None:
    """docs/calibration.md is what `make calibration` writes now (it runs the replay with 10 seeds)."""
    assert DOC.read_text() == render(replay_10_seeds, handover)


def test_an_exclusive_lessee_leases_only_from_its_lessor(replay_seed1) -> None:
    """OpenAI leased from Microsoft alone until January 2025; then any cloud may lease to it."""
    model = replay_seed1.model
    edges = replay_seed1.model.network.graph.in_edges(model.labs["frontier_lab_a"].account, keys=True, data=True)
    lessors_before = {model.name_of(u) for u, _, key, data in edges if key == "leases" and data["start_date"] < "2025-01"}
    assert lessors_before == {"cloud_us_a"}
    assert not model.params.labs["frontier_lab_a"].exclusive_lessor


def _replay_to_end_2025(seed: int, contracts: bool) -> RunResult:
    scenario = load_scenario("replay-2022", [("run.steps", 48)])
    if not contracts:
        scenario.params.capacity_contracts.clear()
    return simulate(scenario, seed)


def _delivered_gw(result: RunResult, contract: str) -> float:
    return sum(c.delivered_gw for c in result.model.leases.contracts.contracts if c.name == contract)


def test_the_replay_s_capacity_contracts_make_their_lessors_build_and_lease() -> None:
    """The replay's capacity contracts (docs/ODD.md, Capacity contracts) against the same replay without them, seed 1,
    to December 2025: the Oracle-like cloud spends over $5bn on chips and buildings in 2025 and has leased OpenAI's
    stand-in over 0.1 GW at Abilene (without: under $1bn, nothing), and Anthropic's stand-in runs at least 0.3 GW more
    in December 2025 (Project Rainier, 0.5 GW). Measured, seeds 1-3: $13-15bn against $0-0.4bn; 0.17-0.22 of the
    0.7 GW of Abilene due by then (the Oracle-like cloud, with $9bn of cash and chips shared pro rata, builds slowly);
    Anthropic's stand-in 1.05-1.50 GW against 0.62-1.00. Fails if contracts are not planned for or not delivered."""
    with_contracts, without = _replay_to_end_2025(1, True), _replay_to_end_2025(1, False)
    capex, compute = {}, {}
    for label, result in (("with", with_contracts), ("without", without)):
        table = result.agent_table.merge(result.model_table[["step", "date"]], on="step")
        in_2025 = table[table["date"].str.startswith("2025")]
        capex[label] = float(in_2025.loc[in_2025["name"] == "cloud_us_e", "capex_usd_bn"].sum())
        compute[label] = float(table.loc[(table["name"] == "frontier_lab_b") & (table["date"] == "2025-12"), "compute_gw"].iloc[0])
    assert capex["with"] > 5.0 and capex["without"] < 1.0, capex
    assert _delivered_gw(with_contracts, "openai_oracle_abilene") > 0.1 and _delivered_gw(without, "openai_oracle_abilene") == 0.0
    assert compute["with"] >= compute["without"] + 0.3, compute


@pytest.fixture(scope="module")
def handover() -> Handover:
    """2025 in the baseline (its first year) and in replay-2022 (its fourth), and each run's state at the hand-over,
    seeds 1-5."""
    return measure_handover(HANDOVER_SEEDS)


def test_the_hand_over_state_is_read_after_its_month() -> None:
    """The state the hand-over tables compare is the model's at the end of the month the tables record: compute by
    region equals the model table's row for that month. Fails if the state were read before the month's step."""
    model = ComputeMarket(load_scenario("replay-2022", [("run.steps", 3)]), rng=1)
    model.step()
    stocks = training_stocks(model)
    model.step()
    state = measure_state(model, stocks)
    row = model_table(model).iloc[-1]
    assert row["date"] == "2022-02"
    for region in REGIONS:
        assert state[f"compute GW {region}"] == pytest.approx(row[f"compute_gw_{region}"], rel=1e-12), region
    lab = model.labs["frontier_lab_a"]
    assert state["frontier_lab_a training EFLOP/s-months"] == lab.cumulative_training_eflops_months > stocks["frontier_lab_a"]
    months = stocks["frontier_lab_a"] / (lab.cumulative_training_eflops_months - stocks["frontier_lab_a"])
    assert state["frontier_lab_a training before the month, in months of the month's"] == pytest.approx(months, rel=1e-12)
    assert state["compute GW world"] == pytest.approx(sum(row[f"compute_gw_{region}"] for region in REGIONS), rel=1e-12)
    assert state["US power available to AI data centres GW"] == model.utilities["US"].available_gw


@pytest.mark.slow
def test_the_baseline_starts_where_the_replay_leaves_2024(handover) -> None:
    """One calibrated start: over 2025 the baseline and replay-2022 agree within 20% on AI capex, incumbent_gpu revenue,
    world compute and frontier_lab_a's compute over the year (medians of seeds 1-5).

    Measured: AI capex +18% ($417bn against $352bn), incumbent_gpu revenue -7%, world compute -5%, frontier_lab_a's
    compute +5% over the year (1.02 GW against 0.97). Its December is compared with the record, not the replay (next
    test): the replay's December spreads over 0.85-1.73 GW across seeds 1-5 (median 1.32; the baseline's 1.69 is 28%
    above it; it was 1.55, the baseline's 11% above, before labs counted their operating cash flow and paid regular payouts, which moved
    the replay's seeds, not its mechanism). The baseline starts from the replay's Dec 2024 AI spending on its calibrated
    adoption curve, its makers sold out months ahead (its initial pipeline, 1.2x the installed base: 1.5x gave more
    capex) and its utilities building for the pipeline's power requests. AI capex was +20.5% ($350bn in the replay)
    before the replay scheduled the capacity contracts of 2024-2025 (the Oracle-like cloud built nothing in 2025 without
    them; $13-15bn with them); the replay's 2025 capex by firm is still far from the filings (the Meta-like lab
    $88-212bn in seeds 1-5 against Meta's $72bn; docs/calibration.md). Fails if the hand-over drifts further.
    """
    baseline, replay = handover.baseline_2025.median(), handover.replay_2025.median()
    for name in ("AI capex", "incumbent_gpu revenue", "world compute", "frontier_lab_a compute"):
        assert abs(baseline[name] / replay[name] - 1.0) <= 0.20, (name, baseline[name], replay[name])


@pytest.mark.slow
def test_openai_compute_in_2025_against_the_record(handover) -> None:
    """frontier_lab_a's compute in Dec 2025: the baseline's within 20% of OpenAI's ~1.9 GW (35% before the clouds kept
    their starting room), the replay's at least half of it (medians of seeds 1-5).

    Measured: baseline 1.69 GW (-11%), replay 1.32 GW (-31%; 0.85-1.73 across seeds). OpenAI grew ~3x over 2025 through contracts
    signed ahead of revenue; the replay schedules them (Oracle's Abilene, CoreWeave), but their lessors build slower
    than they fall due: by December 2025 the Oracle-like cloud has leased 0.17-0.22 of the 0.7 GW of Abilene due and
    the CoreWeave-like 0.02-0.07 of 0.22 GW (seeds 1-3). Chips bind the replay's US in 2025 and go pro rata to orders,
    so each is allotted 10-15% of the GW it wants a month (seed 1; cash does not bind them).

    The baseline's clouds that sell AI services keep the room to lease they start with for their own services until
    their starting chips retire (``lab_behaviour.starting_own_use_share`` 1: clouds started 2025 short of capacity and
    served their own AI products first, as Microsoft's CFO reported in January and October 2025). Without it (share 0)
    the clouds ended January 2025 with 2.1 GW of leasable GW not leased (the replay's December 2024: 0.08), OpenAI's
    stand-in leased 0.18-0.21 GW a month of it in its first three months (seed 1), and its December was 2.28 GW (+20% on
    the record, +47% on the replay; its 2025 mean +43%). Leasing that room to the followers at the start instead gave
    1.61 GW but the followers half of the labs' AI revenue and losses of ~$1.2bn a month (not landed); kept by every
    cloud, the CoreWeave-like too, it gave 1.50 GW and 2 of 5 frontier labs profitable in seed 4 (not landed). At
    share 0 the baseline's 2.28 GW is +20% on the record, at this test's bound: the hand-over test above (its 2025 mean
    within 20% of the replay's, +43% at share 0) is the one that fails when the clouds keep nothing.
    """
    baseline, replay = (frame["frontier_lab_a compute Dec"].median() for frame in (handover.baseline_2025, handover.replay_2025))
    assert abs(baseline / OPENAI_COMPUTE_2025_GW - 1.0) <= 0.20, baseline
    assert replay >= 0.5 * OPENAI_COMPUTE_2025_GW, replay


@pytest.mark.slow
def test_the_baseline_places_compute_by_region_as_the_record_does(handover) -> None:
    """Epoch AI's record (calibration data, context rows): about 75% of tracked AI supercomputer performance in the US
    and 15% in China in May 2025. The baseline's shares of GW then are within 0.1 of each (medians of seeds 1-5;
    measured 0.75 and 0.16: docs/calibration.md). The replay's are not asserted: measured 0.53 and 0.22, as its US
    clouds build part of their compute abroad from 2023, where power is cheaper (docs/calibration.md, the hand-over).
    Fails if the baseline starts with, or builds in 2025, a regional split far from the record."""
    record = load_calibration().set_index("id")["value"]
    baseline = handover.baseline_2025.median()
    assert abs(baseline["US share of compute"] - record["epoch_us_share_2025"]) <= 0.1, baseline["US share of compute"]
    assert abs(baseline["China share of compute"] - record["epoch_cn_share_2025"]) <= 0.1, baseline["China share of compute"]
