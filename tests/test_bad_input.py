"""Bad input through the real command line (issue 12): one line naming the field, the value and what is allowed, exit
code 2, no traceback, and the output folder byte-identical before and after; outputs that hold one whole run.

Each case runs ``aicm run`` (and, for scenario files, ``aicm validate``) in a subprocess against an output folder
holding an earlier complete run.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EVENT = "[[events]]\ndate = '2025-03'\n"


def aicm(*args: str, timeout: float = 120, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run the command line in a fresh interpreter, from the repository root unless told."""
    return subprocess.run([sys.executable, "-m", "experiments.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONHASHSEED": "0"})


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (and the folders beside it) with its sha256."""
    return {str(p.relative_to(folder.parent)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.parent.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def earlier_run(tmp_path_factory) -> Path:
    """An output folder holding a complete two-month run."""
    out = tmp_path_factory.mktemp("earlier") / "out"
    done = aicm("run", "--steps", "2", "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture
def out(earlier_run, tmp_path) -> Path:
    """A fresh copy of the earlier run for one case."""
    copy = tmp_path / "results" / "out"
    shutil.copytree(earlier_run, copy)
    return copy


def assert_refused(done: subprocess.CompletedProcess, *words: str) -> None:
    """Exit 2, exactly one line on stderr naming ``words``, no traceback."""
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    for word in words:
        assert word in lines[0], (word, lines[0])


FILES = {
    "not UTF-8": (b"name = '\xff\xfe'\n", ["UTF-8"]),
    "nested too deeply": (("x = " + "[" * 3000 + "]" * 3000 + "\n").encode(), ["nested too deeply"]),
    "larger than 1 MiB": (("# " + "x" * (1 << 20) + "\n").encode(), ["1 MiB"]),
    "dotted keys nested too deeply": (b"[params]\n" + b"a." * 3000 + b"a = 1\n", ["nested too deeply"]),
    "an integer of 5,000 digits": (b"[params]\nrun.steps = 1" + b"0" * 5000 + b"\n", ["not valid TOML"]),
    "sources a number": (b"sources = 5\n", ["sources = 5", "list of strings"]),
    "sources a string": (b"sources = 'abc'\n", ["sources = 'abc'"]),
    "events a number": (b"events = 5\n", ["events = 5"]),
    "name a number": (b"name = 5\n", ["name = 5"]),
    "name a path": (b"name = '../../x'\n", ["name = '../../x'", "output folder"]),
    "invest value nan": ((EVENT + "kind = 'invest'\ntarget = 'frontier_lab_a'\nvalue = nan\n").encode(), ["value = nan"]),
    "invest value inf": ((EVENT + "kind = 'invest'\ntarget = 'frontier_lab_a'\nvalue = inf\n").encode(), ["value = inf"]),
    "integer beyond float range": (b"[params]\nrun.steps = 1" + b"0" * 400 + b"\n", ["run.steps"]),
    "float beyond range": (b"[params]\ndemand.price_elasticity = 1e400\n", ["demand.price_elasticity"]),
    "shares with nan": (b"[params]\nfollowers.region_shares = ['US:nan', 'CN:1']\n", ["US:nan"]),
    "misspelt event key": ((EVENT + "kind = 'invest'\ntarget = 'frontier_lab_a'\nvalue = 5.0\ninvestr = 'cloud_us_a'\n").encode(),
                           ["investr", "did you mean 'investor'"]),
    "event before the start": (b"[[events]]\ndate = '2020-01'\nkind = 'wake_chipmaker'\ntarget = 'entrant_neuromorphic'\n",
                               ["2020-01", "month of the run"]),
    "event after the end": (b"[[events]]\ndate = '2099-01'\nkind = 'wake_chipmaker'\ntarget = 'entrant_neuromorphic'\n",
                            ["2099-01", "month of the run"]),
    "set_param breaking a rule across fields": ((EVENT + "kind = 'set_param'\ntarget = 'valuation.terminal_growth'\n"
                                                 "value = 0.2\n").encode(), ["valuation.terminal_growth", "discount"]),
    "set_param of a set-up value": ((EVENT + "kind = 'set_param'\ntarget = 'run.steps'\nvalue = 5\n").encode(),
                                    ["run.steps", "set-up"]),
    "exporter its own destination": (b"[params.export_rules.us_2023]\ndestinations = ['US']\n", ["destinations", "issuer"]),
    "investor investing in itself": ((EVENT + "kind = 'invest'\ntarget = 'cloud_us_a'\ninvestor = 'cloud_us_a'\n"
                                      "value = 5.0\n").encode(), ["investor = 'cloud_us_a'"]),
    "installed compute beyond power": (b"[params.utilities.US]\ninitial_available_gw = 1.0\n",
                                       ["utilities.US.initial_available_gw"]),
}


@pytest.mark.parametrize("case", sorted(FILES))
def test_a_bad_scenario_file_is_refused_by_run_and_validate_in_one_line(case, out, tmp_path) -> None:
    """Every class of bad file the issue lists: ``run`` and ``validate`` both exit 2 with one line naming it; the output
    folder is byte-identical afterwards."""
    text, words = FILES[case]
    path = tmp_path / "bad.toml"
    path.write_bytes(text)
    before = snapshot(out)
    assert_refused(aicm("run", "--scenario", str(path), "--steps", "3", "--out", str(out)), *words)
    assert_refused(aicm("validate", str(path)), *words)
    assert snapshot(out) == before


OPTIONS = {
    "--set nan": (["--set", "demand.price_elasticity=nan"], ["demand.price_elasticity"]),
    "--set unknown": (["--set", "demand.price_elastcity=1.5"], ["demand.price_elastcity", "did you mean"]),
    "--set beyond float range": (["--set", "demand.price_elasticity=1e999"], ["demand.price_elasticity"]),
    "--steps zero": (["--steps", "0"], ["--steps"]),
    "--set 5,000 digits": (["--set", "run.steps=1" + "0" * 5000], ["run.steps"]),
    "--set nested too deeply": (["--set", "demand.price_elasticity={" + "a." * 3000 + "a = 1}"], ["nested too deeply"]),
    "--scenario unknown": (["--scenario", "basline"], ["basline", "did you mean 'baseline'"]),
    "--set a number for a name": (["--set", "labs.frontier_lab_a.lessor=5"], ["labs.frontier_lab_a.lessor", "a text value"]),
    "--set an anchor that is no lab": (["--set", "chipmakers.custom_asic.anchor_partner=frontier_lab_z"],
                                       ["chipmakers.custom_asic.anchor_partner", "frontier_lab_z", "expected '' or a lab"]),
    "--set an anchor share above the partners'": (["--set", "chipmakers.custom_asic.anchor_share=0.6",
                                                   "--set", "chipmakers.custom_asic.anchor_partner=frontier_lab_a"],
                                                  ["chipmakers.custom_asic.anchor_share", "0.6", "fab_partner_share"]),
    "--set a stake held by the lab itself": (["--set", "strategic_stakes.microsoft_openai.holder=frontier_lab_a"],
                                             ["strategic_stakes.microsoft_openai.holder", "frontier_lab_a",
                                              "expected a named lab or chipmaker other than"]),
    "--set stakes in a lab adding up to all of it": (["--set", "strategic_stakes.google_anthropic.share=0.9"],
                                                     ["strategic_stakes.google_anthropic.share", "0.9", "less than 1"]),
    "--set a population too large to hold": (["--set", "run.scale=280"],
                                             ["investors.count x run.scale", "95,200", "at most 90,000",
                                              "run.scale <= 264.7"]),
}


@pytest.mark.parametrize("case", sorted(OPTIONS))
def test_a_bad_option_is_refused_in_one_line(case, out) -> None:
    """Bad command-line values: exit 2, one line naming the option or field, the output folder untouched."""
    args, words = OPTIONS[case]
    before = snapshot(out)
    assert_refused(aicm("run", *args, "--out", str(out)), *words)
    assert snapshot(out) == before


def test_an_out_that_is_a_file_or_a_folder_of_other_files_is_refused_before_the_run(tmp_path) -> None:
    """``--out`` naming a file, or a folder holding files that are not an earlier run, is refused before anything
    runs, and left as it was (a mistyped ``--out`` never deletes a user's files)."""
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    assert_refused(aicm("run", "--steps", "2", "--out", str(a_file)), "--out", "file")
    assert a_file.read_text() == "mine"
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "draft.tex").write_text("mine")
    assert_refused(aicm("run", "--steps", "2", "--out", str(folder)), "--out", "other files")
    assert (folder / "draft.tex").read_text() == "mine"


def test_an_out_that_is_a_link_or_the_current_folder_is_refused(out, tmp_path) -> None:
    """A symbolic link as ``--out`` (the swap would replace the link, not the folder it points to) and the current
    folder (the swap would delete it from under the shell) are refused in one line, and left as they were."""
    link = tmp_path / "link"
    link.symlink_to(out, target_is_directory=True)
    before = snapshot(out)
    assert_refused(aicm("run", "--steps", "2", "--out", str(link)), "--out", "symbolic link")
    assert link.is_symlink() and snapshot(out) == before
    empty = tmp_path / "here"
    empty.mkdir()
    assert_refused(aicm("run", "--steps", "2", "--out", ".", cwd=empty), "--out", "current")
    assert empty.is_dir() and not any(empty.iterdir())


def test_an_older_run_folder_holding_a_users_file_is_refused(out) -> None:
    """A folder with a manifest of this tool but no file list (written by earlier versions) is replaced only when it
    holds nothing but the tool's own files: a user's notebook beside them makes it refused, and kept."""
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["files"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    (out / "analysis.ipynb").write_text("{}")
    assert_refused(aicm("run", "--steps", "2", "--out", str(out)), "--out", "other files")
    assert (out / "analysis.ipynb").read_text() == "{}"


def test_a_format_switch_leaves_no_stale_files_and_the_manifest_lists_every_file(out) -> None:
    """A csv run into a folder holding a parquet run replaces it whole: no parquet file is left, and the manifest
    lists each file with its sha256."""
    done = aicm("run", "--steps", "2", "--format", "csv", "--out", str(out))
    assert done.returncode == 0, done.stderr
    names = {p.name for p in out.iterdir()}
    assert not any(name.endswith(".parquet") for name in names), names
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["files"]) == names - {"manifest.json"}
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    assert not list(out.parent.glob(".out.*")), list(out.parent.iterdir())


def test_a_run_killed_while_writing_leaves_the_earlier_run_and_the_next_run_cleans_up(out) -> None:
    """SIGKILL once the new run's first table is in its staging folder: the folder still holds the earlier run, byte
    for byte; the next run removes the staging folder the killed one left."""
    killed = False
    for _ in range(3):
        before = snapshot(out)
        process = subprocess.Popen([sys.executable, "-m", "experiments.cli", "run", "--steps", "6", "--out", str(out)],
                                   cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            if any((staging / "model.parquet").exists() for staging in out.parent.glob(".out.partial-*")):
                process.send_signal(signal.SIGKILL)
                killed = True
                break
            time.sleep(0.005)
        process.wait(timeout=60)
        if killed:
            break
    assert killed, "the run finished before its staging folder could be caught"
    assert {k: v for k, v in snapshot(out).items() if not k.startswith(".out.")} == before
    done = aicm("run", "--steps", "2", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert not list(out.parent.glob(".out.*"))


def test_ctrl_c_during_the_run_is_one_line_exit_130_and_leaves_the_earlier_run(out) -> None:
    """SIGINT while simulating: one line, exit code 130, the folder byte-identical, no staging folder left.

    The child gets SIGINT's default disposition, as a command typed at a terminal has: a test run started in the
    background (``nohup ... &``, the mutation check) passes SIGINT on ignored, and the run would ignore Ctrl-C too."""
    before = snapshot(out)
    process = subprocess.Popen([sys.executable, "-m", "experiments.cli", "run", "--steps", "120", "--out", str(out)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not list(out.parent.glob(".out.partial-*")) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr[-2000:]
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr, stderr[-2000:]
    assert snapshot(out) == before


@pytest.mark.parametrize("failing", ["graphml", "figure"])
def test_a_run_failing_while_writing_leaves_the_earlier_run_and_no_staging_folder(out, failing, monkeypatch) -> None:
    """A write that fails half-way (the disk fills while the network or the figure is written, after the tables):
    the error reaches the caller, the folder still holds the earlier run byte for byte, and the staging folder is
    gone. Fails if files are written in place, or if a failed run leaves its partial files beside the folder."""
    from experiments import runner
    from market.parameters.scenario import load_scenario

    def disk_full(*args, **kwargs) -> None:
        raise OSError(28, "No space left on device")

    if failing == "graphml":
        monkeypatch.setattr(runner, "write_graphml", disk_full)
    else:
        from visualization import figures

        monkeypatch.setattr(figures, "plot_summary", disk_full)
    scenario = load_scenario("baseline", [("run.steps", 2)])
    result = runner.simulate(scenario, 1)
    before = snapshot(out)
    with pytest.raises(OSError, match="No space left"):
        runner.write_outputs(result, scenario, 1, out, "csv")
    assert snapshot(out) == before
    assert not list(out.parent.glob(".out.*")), list(out.parent.iterdir())
