"""``aicm report`` and ``aicm reproduce``: figures in three formats with captions and CSVs, paired differences with a
known answer, and a report redone from its manifests with identical numbers."""

from __future__ import annotations

import json
import shutil

import matplotlib.image as mpimg
import pandas as pd
import pytest

from experiments.cli import main
from experiments.sweep import Executor, ExecutorChoice, run_sweep
from experiments.sweep_spec import SweepSpec


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    """Replicates only (no swept parameter): baseline and power-bottleneck, 3 seeds each, 12 months, same seeds."""
    root = tmp_path_factory.mktemp("report")
    for scenario in ("baseline", "power-bottleneck"):
        run_sweep(SweepSpec(scenario, (), seeds=3, steps=12), root / scenario, ExecutorChoice(Executor.PROCESSES, workers=2))
    return root


def test_a_report_writes_each_figure_as_png_svg_and_pdf_with_its_caption_and_csv(sweeps, capsys) -> None:
    out = sweeps / "report"
    assert main(["report", str(sweeps / "baseline"), str(sweeps / "power-bottleneck"), "--out", str(out),
                 "--column", "compute_gw", "--column", "power_price_usd_mwh_US"]) == 0
    for stem in ("fans", "difference_1"):
        for extension in ("png", "svg", "pdf", "csv"):
            assert (out / f"{stem}.{extension}").stat().st_size > 0, (stem, extension)
    height, width = mpimg.imread(out / "fans.png").shape[:2]
    assert width == 2 * 4.2 * 300 and height == round((3.0 + 0.6) * 300)
    captions = (out / "captions.md").read_text()
    assert "baseline: 3 runs (base seed 1, 3 per point, grid design)" in captions and "git commit" in captions
    fans = pd.read_csv(out / "fans.csv")
    assert set(fans["source"]) == {"baseline", "power-bottleneck"} and (fans["q05"] <= fans["q50"]).all()
    assert (fans["q50"] <= fans["q95"]).all()
    difference = pd.read_csv(out / "difference_1.csv")
    assert (difference["pairs"] == 3).all()
    us_price = difference[difference["column"] == "power_price_usd_mwh_US"]
    assert (us_price["q50"].iloc[3:] > 0).all(), "less US power makes US power dearer in every later month"


def test_a_source_against_itself_differs_by_exactly_zero(sweeps, tmp_path) -> None:
    """The same runs paired seed by seed: every difference is 0 (fails if runs are paired by anything but seed)."""
    shutil.copytree(sweeps / "baseline", tmp_path / "copy")
    assert main(["report", str(sweeps / "baseline"), str(tmp_path / "copy"), "--out", str(tmp_path / "r")]) == 0
    difference = pd.read_csv(tmp_path / "r" / "difference_1.csv")
    assert (difference[["q05", "q50", "q95"]] == 0).all().all()


def test_reproduce_redoes_a_report_from_its_manifests_with_identical_numbers(sweeps, tmp_path, capsys) -> None:
    out = tmp_path / "report"
    assert main(["report", str(sweeps / "baseline"), str(sweeps / "power-bottleneck"), "--out", str(out)]) == 0
    assert main(["reproduce", str(out), "--out", str(tmp_path / "again"), "--workers", "2"]) == 0
    printed = capsys.readouterr().out
    assert "fans: identical" in printed and "difference_1: identical" in printed
    fans = pd.read_csv(out / "fans.csv")
    fans.loc[0, "q50"] += 1.0
    fans.to_csv(out / "fans.csv", index=False)
    assert main(["reproduce", str(out), "--out", str(tmp_path / "third"), "--workers", "2"]) == 1
    assert "fans: differs (largest absolute difference 1)" in capsys.readouterr().out
    assert json.loads((out / "report.json").read_text())["sources"][0]["manifest"]["spec"]["seeds"] == 3


@pytest.mark.parametrize(("args", "needle"), [
    (["report", "{tmp}"], "expected a folder written by aicm run or aicm sweep"),
    (["report", "{baseline}", "--column", "nope"], "--column nope is not allowed"),
    (["reproduce", "{baseline}", "--out", "{tmp}/x"], "expected a folder written by aicm report"),
])
def test_bad_report_input_is_one_line_and_exit_2(args, needle, sweeps, tmp_path, capsys) -> None:
    filled = [a.format(tmp=tmp_path, baseline=sweeps / "baseline") for a in args]
    assert main(filled) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1, err
