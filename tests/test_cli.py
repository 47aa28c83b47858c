"""The aicm command line: outputs, exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from experiments.cli import main

AICM = [sys.executable, "-m", "experiments.cli"]


def test_run_writes_every_output(tmp_path) -> None:
    out = tmp_path / "out"
    code = main(["run", "--scenario", "baseline", "--steps", "6", "--seed", "3", "--out", str(out), "--format", "csv"])
    assert code == 0
    names = {p.name for p in out.iterdir()}
    assert names == {"model.csv", "agents.csv", "events.csv", "edges.csv", "network.graphml", "manifest.json", "summary.png"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["steps"] == 6 and manifest["scenario"] == "baseline"
    assert set(manifest["agent_counts"]) == {"Lab", "Chipmaker", "Utility", "Investor", "Government"}
    assert len(manifest["params_sha256"]) == 64 and manifest["wall_time_s"] > 0 and manifest["mesa_version"] == "3.5.1"
    model = pd.read_csv(out / "model.csv")
    assert len(model) == 6 and list(model.columns[:3]) == ["step", "date", "compute_gw"]
    agents = pd.read_csv(out / "agents.csv")
    assert list(agents.columns) == ["step", "agent_id", "name", "agent_type", "role", "region", "alive", "cash_usd_bn",
                                    "debt_usd_bn", "compute_gw", "revenue_usd_bn", "valuation_usd_bn",
                                    "fundamental_value_usd_bn", "minsky_class", "operating_profit_usd_bn",
                                    "equity_raised_usd_bn", "debt_raised_usd_bn", "payout_usd_bn",
                                    "impairment_usd_bn", "book_equity_usd_bn", "capex_usd_bn"]
    assert set(agents["minsky_class"]) <= {"none", "hedge", "speculative", "ponzi"}


def test_no_figure_skips_the_summary_figure_and_the_edge_table_holds_the_graphml_s_edges(tmp_path) -> None:
    """``--no-figure`` writes every output but summary.png (the manifest lists what was written); the edge table has
    one row per GraphML edge, with the same (source, target, type) triples and names. Fails if the flag is ignored or
    the two exports of the network disagree."""
    import networkx as nx

    out = tmp_path / "out"
    assert main(["run", "--steps", "12", "--out", str(out), "--no-figure"]) == 0
    names = {p.name for p in out.iterdir()}
    assert names == {"model.parquet", "agents.parquet", "events.parquet", "edges.parquet", "network.graphml", "manifest.json"}
    assert set(json.loads((out / "manifest.json").read_text())["files"]) == names - {"manifest.json"}
    edges = pd.read_parquet(out / "edges.parquet")
    graph = nx.read_graphml(out / "network.graphml", force_multigraph=True)
    assert len(edges) == graph.number_of_edges() > 0
    assert (sorted(zip(edges["source"].astype(str), edges["target"].astype(str), edges["type"], strict=True))
            == sorted((u, v, k) for u, v, k in graph.edges(keys=True)))
    names_by_node = {node: data["name"] for node, data in graph.nodes(data=True)}
    assert (edges["source"].astype(str).map(names_by_node) == edges["source_name"]).all()
    assert {"start_date", "last_date", "amount_usd_bn"} <= set(edges.columns)


def test_scale_multiplies_the_populations_and_the_manifest_counts_them(tmp_path) -> None:
    """``--scale 2`` runs with twice the investors (300 -> 600) and followers (40 -> 80), as ``--set run.scale=2``
    does, and the manifest's agent counts say so; a scale out of range is refused in one line naming run.scale."""
    counts = {}
    for scale in ("1", "2"):
        out = tmp_path / scale
        assert main(["run", "--steps", "2", "--scale", scale, "--out", str(out), "--no-figure"]) == 0
        counts[scale] = json.loads((out / "manifest.json").read_text())["agent_counts"]
    assert counts["2"]["Investor"] == 2 * counts["1"]["Investor"] == 600
    assert counts["2"]["Lab"] - counts["1"]["Lab"] == 40
    refused = subprocess.run([*AICM, "run", "--scale", "0", "--out", str(tmp_path / "x")], capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode == 2 and "run.scale" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1


def test_model_table_has_the_issue_columns(baseline_seed1) -> None:
    regions = ["US", "CN", "EU", "GULF", "ROW"]
    expected = (["step", "date", "compute_gw"] + [f"compute_gw_{r}" for r in regions]
                + ["effective_compute_eflops", "chip_price_index", "chip_backlog_gw", "chip_backlog_due_gw", "chip_backlog_booked_gw",
                   "chip_utilisation"]
                + [f"power_price_usd_mwh_{r}" for r in regions] + [f"power_queue_gw_{r}" for r in regions]
                + ["idle_chips_gw", "retired_gw", "ai_price_index", "ai_revenue_usd_bn", "capex_usd_bn", "debt_usd_bn",
                   "claims_usd_bn", "hhi_compute", "money_total_usd_bn"]
                + ["market_value_usd_bn", "fundamental_value_usd_bn", "bubble_index", "circularity", "share_trend_followers",
                   "implied_ai_revenue_to_demand_5y", "hedge_share", "speculative_share", "ponzi_share", "defaults", "contagion_defaults", "risk_free_rate",
                   "bubble_index_labs", "bubble_index_chipmakers", "bubble_index_utilities", "priced_in_index"]
                + ["gw_added_per_week"] + [f"share_compute_{r}" for r in regions] + ["blocked_demand_gw", "fleet_value_to_book", "impairment_usd_bn"]
                + [f"constraint_{r}" for r in regions]
                + [f"cut_gw_{cause}_{r}" for cause in ("demand", "chips", "power", "construction", "capital") for r in regions]
                + [f"self_powered_gw_{r}" for r in regions]
                + [f"chip_capacity_added_gw_per_month_{r}" for r in regions] + ["blocked_investment_usd_bn", "bonds_usd_bn", "bond_price_index"])
    assert list(baseline_seed1.model_table.columns) == expected
    assert set(baseline_seed1.model_table[[f"constraint_{r}" for r in regions]].stack()) <= {"chips", "power", "construction", "capital", "demand"}
    shares = baseline_seed1.model_table[[f"share_compute_{r}" for r in regions]].sum(axis=1)
    assert ((shares - 1.0).abs() < 1e-9).all()
    assert baseline_seed1.model_table["date"].iloc[0] == "2025-01"
    assert baseline_seed1.model_table["date"].iloc[-1] == "2034-12"


@pytest.mark.parametrize("args", [
    ["run", "--set", "demand.price_elastcity=2", "--steps", "1"],
    ["run", "--set", "demand.price_elasticity=-2", "--steps", "1"],
    ["run", "--set", "nonsense", "--steps", "1"],
    ["run", "--scenario", "no-such-scenario"],
    ["run", "--seed", "x"],
    ["run", "--steps", "0"],
    ["validate", "no/such/file.toml"],
])
def test_bad_input_exits_2_with_one_line_and_no_traceback(args, tmp_path) -> None:
    result = subprocess.run([*AICM, *args, "--out", str(tmp_path / "o")] if args[0] == "run" else [*AICM, *args],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "error" in result.stderr
    assert not (tmp_path / "o").exists()


def test_failed_run_keeps_earlier_outputs(tmp_path) -> None:
    out = tmp_path / "out"
    assert main(["run", "--steps", "2", "--out", str(out), "--format", "csv"]) == 0
    before = (out / "model.csv").read_text()
    assert main(["run", "--steps", "2", "--out", str(out), "--set", "demand.price_elasticity=-1"]) == 2
    assert (out / "model.csv").read_text() == before


def test_scenarios_validate_and_params_commands(capsys, tmp_path) -> None:
    assert main(["scenarios"]) == 0
    assert "baseline" in capsys.readouterr().out
    assert main(["validate", "experiments/scenarios/baseline.toml"]) == 0
    assert "ok" in capsys.readouterr().out
    assert main(["params", "--format", "csv"]) == 0
    listing = capsys.readouterr().out
    assert listing.startswith("path,value,unit,allowed,mid_run,description,source")
    assert "demand.price_elasticity" in listing


def test_help_is_available_everywhere() -> None:
    for args in (["--help"], ["run", "--help"], ["scenarios", "--help"], ["validate", "--help"], ["params", "--help"]):
        result = subprocess.run([*AICM, *args], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and "usage: aicm" in result.stdout
