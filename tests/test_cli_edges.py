"""Command-line edges a first-time user met: output folders that cannot take a command's files are refused before any
work, in one line naming ``--out`` (exit 2); a sweep never mistakes a run's folder for its own; output piped into a
command that stops reading ends quietly; a run records the overrides it was made with, so ``aicm reproduce`` can redo it;
a shortened run says which of its scenario's events it does not reach."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from experiments.cli import main
from tests.test_bad_input import ROOT, aicm, assert_refused, snapshot


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    """A folder holding a two-month run, made with an override."""
    out = tmp_path_factory.mktemp("edges") / "run"
    assert main(["run", "--steps", "2", "--no-figure", "--set", "demand.price_elasticity=1.3", "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("resume", [False, True])
def test_a_sweep_into_a_run_s_folder_is_refused_as_not_a_sweep_and_leaves_it_untouched(run_folder, resume) -> None:
    """Fails if the sweep reads a run's manifest as its own (a KeyError traceback) or advises --resume for a run."""
    before = snapshot(run_folder)
    done = aicm("sweep", "--param", "demand.price_elasticity=0.8:1.6:2", "--steps", "2", "--workers", "1",
                "--out", str(run_folder), *(["--resume"] if resume else []))
    assert_refused(done, "--out", "other than a sweep")
    assert snapshot(run_folder) == before


@pytest.mark.parametrize(("command", "work"), [
    (["sweep", "--param", "demand.price_elasticity=0.8:1.6:2", "--steps", "2", "--workers", "1"],
     "experiments.sweep.outcomes_of"),
    (["replay", "--seeds", "1"], "experiments.replay.replay_table"),
    (["figures"], "experiments.scenario_report.simulate"),
])
def test_an_out_below_a_file_is_refused_before_any_simulation(command, work, tmp_path, monkeypatch, capsys) -> None:
    """Each command checks --out before it simulates (a replay seed takes ~5 s, the figures ~60 s): the function that
    would run the simulations is replaced by one that fails the test. Fails if the folder is made only after the runs,
    or the error is not one line naming --out."""
    def simulate(*args, **kwargs):
        raise AssertionError(f"{work} ran before --out was checked")

    monkeypatch.setattr(work, simulate)
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    assert main([*command, "--out", str(blocker / "sub")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--out" in err[0] and "is a file" in err[0], err
    assert blocker.read_text() == "not a folder"


def test_a_sweep_into_a_symbolic_link_is_refused(run_folder, tmp_path) -> None:
    link = tmp_path / "link"
    link.symlink_to(run_folder)
    assert_refused(aicm("sweep", "--param", "demand.price_elasticity=0.8:1.6:2", "--steps", "2", "--out", str(link)),
                   "--out", "symbolic link")


@pytest.mark.parametrize("command", [["params"], ["scenarios"]])
def test_output_piped_into_a_reader_that_stops_ends_quietly_with_exit_0(command) -> None:
    """``aicm params | head -1`` and ``aicm scenarios | true``: the reader is gone before the command writes (the pipe
    is closed at once, while the command still imports), so its first write, or the flush of its buffered output
    (scenarios), breaks the pipe. Fails if that prints an error or "Exception ignored", or exits other than 0."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    process = subprocess.Popen([sys.executable, "-m", "experiments.cli", *command], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env)
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0 and stderr == "", stderr


@pytest.mark.parametrize(("flag", "path"), [("--scale", "run.scale"), ("--steps", "run.steps")])
def test_a_value_given_both_as_a_flag_and_by_set_is_refused(flag, path, tmp_path) -> None:
    assert_refused(aicm("run", flag, "3", "--set", f"{path}=2", "--out", str(tmp_path / "out")), flag, path)


def test_the_manifest_records_the_overrides_and_reproduce_redoes_the_run(run_folder, tmp_path, capsys) -> None:
    """A run made with --set is reproduced from its manifest (it used to be refused: the manifest held only the hash of
    the parameters). Fails if the overrides are not recorded or not applied again."""
    manifest = json.loads((run_folder / "manifest.json").read_text())
    assert manifest["overrides"] == ["demand.price_elasticity=1.3", "run.steps=2"]
    report = tmp_path / "report"
    assert main(["report", str(run_folder), "--out", str(report), "--column", "compute_gw"]) == 0
    assert main(["reproduce", str(report), "--out", str(tmp_path / "again"), "--workers", "1"]) == 0
    assert "identical" in capsys.readouterr().out
    assert f"aicm reproduce {report} --out" in (report / "captions.md").read_text()


def test_a_shortened_run_names_the_events_it_does_not_reach(tmp_path, capsys) -> None:
    """neuromorphic's entrant wakes in 2027-01; a three-month run says so rather than dropping the event silently."""
    assert main(["run", "--scenario", "neuromorphic", "--steps", "3", "--no-figure", "--out", str(tmp_path / "n")]) == 0
    assert "note: 1 of the scenario's events falls after its last month, 2025-03 (2027-01)" in capsys.readouterr().out


def test_a_run_folder_holding_a_report_is_refused_naming_what_it_holds(run_folder, tmp_path) -> None:
    """``aicm report`` writes report/ inside a run's folder by default; a later run into that folder is refused (never
    deleting the report) and the refusal names what is in the way."""
    folder = tmp_path / "run"
    shutil.copytree(run_folder, folder)
    (folder / "report").mkdir()
    assert_refused(aicm("run", "--steps", "2", "--no-figure", "--out", str(folder)), "--out", "other files: report")


def test_a_refused_value_is_echoed_as_the_user_wrote_it(tmp_path) -> None:
    """true, not Python's True; a TOML date in ISO form, not datetime.date(2026, 1, 1)."""
    assert_refused(aicm("run", "--steps", "2", "--set", "demand.price_elasticity=true", "--out", str(tmp_path / "o")),
                   "demand.price_elasticity = true is not allowed")
    path = tmp_path / "dated.toml"
    path.write_text('name = "dated"\n[params.run]\nstart_date = 2026-01-01\n')
    assert_refused(aicm("validate", str(path)), "run.start_date = 2026-01-01 is not allowed")


@pytest.mark.parametrize(("event", "words"), [
    ('target = "demand.price_elasticity"\nvalue = 99.0\n', ["events[0].value", "demand.price_elasticity = 99.0"]),
    ('target = "demand.nope"\nvalue = 1.0\n', ["events[0].target", "unknown parameter 'demand.nope'"]),
    ('target = "demand"\nvalue = 1.0\n', ["events[0].target"]),
    ('target = "valuation.equity_risk_premium"\nvalue = 0.01\n', ["events[0] (set_param of 2025-03", "equity_risk_premium"]),
])
def test_a_bad_set_param_event_is_named_by_its_index(event, words, tmp_path) -> None:
    """A set_param event refused for its value, its target or a rule across fields names events[i]."""
    path = tmp_path / "event.toml"
    path.write_text(f'name = "e"\n[[events]]\ndate = "2025-03"\nkind = "set_param"\n{event}')
    assert_refused(aicm("validate", str(path)), *words)
