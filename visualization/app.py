"""The Solara app: interactive runs of a scenario, the whole horizon at once or month by month.

Run with ``aicm ui`` (or ``make ui``): it serves on 127.0.0.1 with the front-end assets from a local cache. Every
browser session makes its own model inside the page (never at module level, so sessions never share one). Whole-run
mode re-runs the full horizon in a background task (``solara.lab.use_task``) whenever a control changes and draws it
beside the baseline with the same seed; a run superseded by a newer change is discarded. Step mode advances one
month per Step. The app only reads model state and tables.

Plain Solara components rather than Mesa's ``SolaraViz``: SolaraViz steps one model in the page and keeps a changed
model parameter only until Reset, while the app re-runs whole horizons in the background beside the baseline, keeps
its whole state (parameters included) in the URL and reads the model's output tables, which SolaraViz does not do.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from importlib import metadata

import pandas as pd
import solara
import solara.lab
from solara.lab import use_task

from experiments.runner import git_commit
from market.parameters.params import Params
from market.parameters.scenario import list_scenarios, load_scenario
from market.parameters.schema import ParamError, meta_at
from visualization import views
from visualization.controls import Control, advanced_paths, control_for, main_controls, value_at
from visualization.runs import (
    UPLOAD_PREFIX,
    RunTables,
    baseline_table,
    build_model,
    run_whole,
    save_upload,
    scenario_source,
    tables_of,
)
from visualization.url_state import BAND_CHOICES, MODE_LABELS, VIEWS, WHOLE_RUN, RunState

SCENARIO_VARIABLE = "AICM_UI_SCENARIO"
PLAY_PAUSE_S = 0.2
MAX_FOUND = 12
BAND_LABELS = {bands: f"{bands} seeds" if bands else "none" for bands in BAND_CHOICES}


@solara.component
def ParameterControl(control: Control, state: RunState, go: Callable[[RunState], None], scenario_value: float,
                     full_path: bool = False) -> None:
    """A slider bounded by the schema's range, standing at the scenario's value unless the link changed it, under a line
    with its name, unit and current value (a label beside the slider squeezed it to nothing for long names), with its
    meaning, default and source beneath."""
    current = dict(state.overrides).get(control.path, scenario_value)

    def update(value: float) -> None:
        value = int(value) if control.integer else float(value)
        go(state.with_override(control.path, None if value == scenario_value else value))

    name = control.path if full_path else control.path.split(".")[-1]
    label = f"{name} ({control.unit})"
    numeric = isinstance(current, int | float)
    solara.Text(f"{label}: {current:g}" if numeric else f"{label}: {current!r} (from the link)",
                style={"font-size": "0.85em", "overflow-wrap": "anywhere"})
    if numeric and control.integer:
        low, high = min(control.low, current), max(control.high, current)
        solara.SliderInt("", value=int(current), min=int(low), max=int(high), on_value=update)
    elif numeric:
        low, high = slider_range(control, float(current))
        solara.SliderFloat("", value=float(current), min=low, max=high, step=control.step, on_value=update)
    solara.Text(f"{control.label} {control.help_text()}", style={"font-size": "0.75em", "color": "#555"})


def slider_range(control: Control, value: float) -> tuple[float, float]:
    """The slider's ends, widened to hold ``value`` and with the low end moved onto ``value``'s grid (low + k x step):
    a value between two notches would be snapped by the browser, and the snap would come back as a change."""
    low, high = min(control.low, value), max(control.high, value)
    low = value - control.step * math.floor((value - low) / control.step + 1e-9)
    return low, high


@solara.component
def AdvancedControls(state: RunState, go: Callable[[RunState], None], params: Params) -> None:
    """Every other numeric parameter: find one by part of its path, then set it; the changed ones stay listed."""
    query = solara.use_reactive("")
    paths = solara.use_memo(advanced_paths, dependencies=[])
    changed = [path for path, _ in state.overrides if path in paths]
    found = [path for path in paths if query.value.strip().lower() in path.lower()] if query.value.strip() else []
    with solara.Details(f"advanced parameters ({len(paths)}; {len(changed)} changed)"):
        solara.InputText("find a parameter (part of its path)", value=query, continuous_update=True)
        if len(found) > MAX_FOUND:
            solara.Text(f"{len(found)} match: type more of the path", style={"font-size": "0.8em"})
        for path in (found[:MAX_FOUND] if len(found) <= MAX_FOUND else []) + [p for p in changed if p not in found]:
            ParameterControl(control_for(path), state, go, float(value_at(params, path)), full_path=True)


def manifest_of(state: RunState, table: pd.DataFrame) -> str:
    """The run's manifest as JSON: what reproduces it (scenario, seed, months, changed parameters, the link's query),
    the package version and git commit, and the months simulated."""
    return json.dumps({"scenario": state.scenario, "seed": state.seed, "months": state.months,
                       "overrides": dict(state.overrides), "link_query": state.to_query(),
                       "package_version": metadata.version("ai-compute-market"), "git_commit": git_commit(),
                       "months_simulated": len(table), "first_month": str(table["date"].iloc[0]),
                       "last_month": str(table["date"].iloc[-1])}, indent=1)


@solara.component
def Downloads(state: RunState, tables: RunTables) -> None:
    """The run's model, agent and event tables (CSV) and manifest; each chart's ... menu saves it as PNG or SVG."""
    stem = f"{state.scenario}-seed{state.seed}"
    offered = [("model", tables.model)] + ([("agents", tables.agents), ("events", tables.events)] if tables.detailed else [])
    with solara.Row():
        for name, table in offered:
            solara.FileDownload(lambda table=table: table.to_csv(index=False), filename=f"{stem}-{name}.csv",
                                label=f"{name} table (CSV)", mime_type="text/csv")
        solara.FileDownload(lambda: manifest_of(state, tables.model), filename=f"{stem}-manifest.json",
                            label="manifest (JSON)", mime_type="application/json")
    if not tables.detailed:
        solara.Text("the agent and event tables download from the other pages (step mode reads them there only)",
                    style={"font-size": "0.8em", "color": "#555"})


@solara.component
def RunViews(state: RunState, tables: RunTables, baseline: pd.DataFrame | None, go: Callable[[RunState], None],
             seeds: list[pd.DataFrame] | None = None) -> None:
    """The run's pages as tabs (the page shown is in the URL): Overview, Network, Finance, Events, Agents, Compare."""
    solara.lab.Tabs(value=VIEWS.index(state.view), on_value=lambda i: go(replace(state, view=VIEWS[i])),
                    children=[solara.lab.Tab(view.capitalize()) for view in VIEWS])
    if state.view != VIEWS[0] and not tables.detailed:
        solara.Text("reading the run's tables ...")
    elif state.view == "finance":
        views.Finance(tables, baseline)
    elif state.view == "events":
        views.Events(tables)
    elif state.view == "agents":
        views.Agents(tables)
    elif state.view == "network":
        views.Network(tables)
    elif state.view == "compare":
        views.Compare(state.scenario, state.seed, state.months, tables)
    else:
        views.Overview(tables.model, baseline, seeds=seeds)


@solara.component
def WholeRun(state: RunState, go: Callable[[RunState], None]) -> None:
    """Whole-run mode: the full horizon re-run in a background task on every change, beside the baseline."""
    task_ref = solara.use_ref(None)
    key = (state.scenario, state.seed, state.months, state.overrides)

    def whole() -> tuple[RunTables, pd.DataFrame] | None:
        def current() -> bool:
            return task_ref.current is None or task_ref.current.is_current()

        tables = run_whole(*key, keep_going=current)
        baseline = baseline_table(state.seed, state.months, current) if tables is not None else None
        return (tables, baseline) if baseline is not None else None

    task = use_task(whole, dependencies=[key], raise_error=False)
    task_ref.current = task
    band_ref = solara.use_ref(None)

    def band() -> list[pd.DataFrame] | None:
        """The same run under the next seeds, once the main run has finished (None when superseded)."""
        if state.bands < 2 or not task.finished or task.value is None:
            return None
        tables = [task.value[0].model]
        for extra in range(1, state.bands):
            more = run_whole(state.scenario, state.seed + extra, state.months, state.overrides,
                             keep_going=lambda: band_ref.current is None or band_ref.current.is_current())
            if more is None:
                return None
            tables.append(more.model)
        return tables

    band_task = use_task(band, dependencies=[key, state.bands, task.finished], raise_error=False)
    band_ref.current = band_task
    if task.pending:
        solara.ProgressLinear(True)
        solara.Text("running the whole horizon ...")
    if task.error:
        solara.Error(str(task.error))
    elif task.value is not None:
        tables, baseline = task.value
        dates = tables.model["date"]
        seeds = band_task.value if state.bands >= 2 and band_task.finished else None
        band_note = ""
        if state.bands >= 2:
            band_note = (f"; band: seeds {state.seed} to {state.seed + state.bands - 1}" if seeds
                         else f"; running {state.bands - 1} more seeds for the band ...")
        solara.Text(f"{state.scenario}, seed {state.seed}: {dates.iloc[0]} to {dates.iloc[-1]}, "
                    f"dashed: baseline with the same seed{band_note}", classes=["run-status"])
        Downloads(state, tables)
        RunViews(state, tables, baseline, go, seeds)


@solara.component
def StepByStep(state: RunState, go: Callable[[RunState], None]) -> None:
    """Step mode: one model per session, advanced a month per Step, or month after month while Play is on; Reset
    starts it again at month 0.

    Renders read a snapshot of the run's tables taken after each month, never the model while it steps. On the
    Overview the snapshot holds the model table only (the agent, event and network tables grow with every month);
    the other pages take the full snapshot, made again when the page changes.
    """
    key = (state.scenario, state.seed, state.months, state.overrides)
    resets = solara.use_reactive(0)
    model = solara.use_memo(lambda: build_model(*key), dependencies=[key, resets.value])
    snapshot = solara.use_reactive(None)
    playing = solara.use_reactive(False)
    lock = solara.use_memo(threading.Lock, dependencies=[])
    detail = solara.use_ref(False)
    detail.current = state.view != VIEWS[0]
    current_model = solara.use_ref(None)
    current_model.current = model
    generation = solara.use_ref(0)

    def start_afresh():
        snapshot.set(None)

        def stop_playing() -> None:
            generation.current += 1
        return stop_playing

    solara.use_effect(start_afresh, dependencies=[key, resets.value])

    def advance() -> None:
        with lock:
            if model.running and current_model.current is model:
                model.step()
                snapshot.set(tables_of(model, detail.current))

    def refresh_detail() -> None:
        with lock:
            if detail.current and snapshot.value is not None and not snapshot.value.detailed:
                snapshot.set(tables_of(model, True))

    solara.use_effect(refresh_detail, dependencies=[state.view])

    looping = solara.use_reactive(False)

    def play() -> None:
        if not playing.value:
            return
        generation.current += 1
        mine = generation.current
        looping.set(True)
        try:
            while playing.value and model.running and generation.current == mine:
                advance()
                time.sleep(PLAY_PAUSE_S)
        finally:
            if generation.current == mine:
                playing.set(False)
                looping.set(False)

    use_task(play, dependencies=[playing.value, key], raise_error=False)
    busy = playing.value or looping.value
    with solara.Row():
        solara.Button("Step", on_click=advance, disabled=busy or not model.running)
        solara.Button("Pause" if busy else "Play", on_click=lambda: playing.set(not playing.value),
                      disabled=(looping.value and not playing.value) or (not model.running and not busy))
        solara.Button("Reset", on_click=lambda: resets.set(resets.value + 1), disabled=busy)
    tables = snapshot.value
    if tables is None:
        solara.Text("step by step: press Step or Play to simulate the first month", classes=["run-status"])
        return
    solara.Text(f"{state.scenario}, seed {state.seed}: month {len(tables.model)} ({tables.model['date'].iloc[-1]})",
                classes=["run-status"])
    Downloads(state, tables)
    RunViews(state, tables, None, go)


def _mode_of(label: str) -> str:
    return {text: mode for mode, text in MODE_LABELS.items()}[label]


@solara.component
def ScenarioUpload(state: RunState, go: Callable[[RunState], None]) -> None:
    """Drop a scenario file (TOML, as ``aicm run --scenario FILE`` takes): checked as the command line checks it, one
    line naming the field, the value and what is allowed when it fails."""
    problem = solara.use_reactive("")
    solara.use_effect(lambda: problem.set(""), dependencies=[state.scenario])

    def received(file: dict) -> None:
        try:
            name = save_upload(file["data"], file["name"])
        except ParamError as exc:
            problem.set(str(exc))
            return
        go(RunState(name, state.seed, load_scenario(scenario_source(name)).params.run.steps, state.mode, view=state.view))

    solara.FileDrop(label="or drop a scenario file (.toml) here", on_file=received, lazy=False)
    if problem.value:
        solara.Error(problem.value, classes=["upload-error"])


@solara.component
def Page() -> None:
    """The app's one page: controls in the sidebar (their state in the URL), the run in the main area."""
    router = solara.use_router()
    opening = os.environ.get(SCENARIO_VARIABLE, "baseline")
    default = RunState(opening, 1, load_scenario(opening).params.run.steps)
    state, problems = RunState.from_query(router.search, default)

    def go(new: RunState) -> None:
        router.push(f"{router.path or '/'}?{new.to_query()}")

    def with_(**changes) -> None:
        go(replace(state, **changes))

    entry_problem = solara.use_reactive("")

    def set_count(key: str, value: int | None) -> None:
        """Set the seed or the months from their fields; a value out of range keeps the run as it is and says so."""
        lowest, highest = (1, int(meta_at(Params(), "run.steps").hi)) if key == "months" else (0, None)
        if value is None or int(value) < lowest or (highest is not None and int(value) > highest):
            allowed = f">= {lowest}" if highest is None else f"from {lowest} to {highest}"
            entry_problem.set(f"{key} = {value} is not allowed: expected a whole number {allowed} "
                              f"(the run keeps {key} = {getattr(state, key)})")
            return
        entry_problem.set("")
        with_(**{key: int(value)})

    try:
        scenario_params, scenario_error = load_scenario(scenario_source(state.scenario)).params, ""
    except ParamError as exc:
        scenario_params, scenario_error = None, str(exc)
    scenarios = [name for name, _ in list_scenarios()]
    if state.scenario.startswith(UPLOAD_PREFIX) and scenario_params is not None:
        scenarios.append(state.scenario)
    with solara.Sidebar():
        solara.Select("scenario", values=scenarios, value=state.scenario if state.scenario in scenarios else None,
                      on_value=lambda name: go(RunState(name, state.seed,
                                                        load_scenario(scenario_source(name)).params.run.steps,
                                                        state.mode, view=state.view)))
        ScenarioUpload(state, go)
        solara.InputInt("seed", value=state.seed, on_value=lambda v: set_count("seed", v))
        solara.InputInt("months", value=state.months, on_value=lambda v: set_count("months", v))
        if entry_problem.value:
            solara.Warning(entry_problem.value, classes=["entry-problem"])
        solara.ToggleButtonsSingle(value=MODE_LABELS[state.mode], values=list(MODE_LABELS.values()),
                                   on_value=lambda label: with_(mode=_mode_of(label)))
        if state.mode == WHOLE_RUN:
            solara.Select("seed band (whole run)", value=BAND_LABELS[state.bands], values=list(BAND_LABELS.values()),
                          on_value=lambda label: with_(bands=next(b for b, text in BAND_LABELS.items() if text == label)))
        if scenario_params is not None:
            for group, controls in main_controls().items():
                solara.Markdown(f"**{group}**")
                for control in controls:
                    ParameterControl(control, state, go, float(value_at(scenario_params, control.path)))
            AdvancedControls(state, go, scenario_params)
        solara.Button("Reset parameters", on_click=lambda: with_(overrides=()))
    solara.Title("AI Compute Market")
    for problem in problems:
        solara.Warning(problem)
    if scenario_error:
        solara.Error(scenario_error)
        return
    try:
        load_scenario(scenario_source(state.scenario), [*state.overrides, ("run.steps", state.months)])
    except ParamError as exc:
        solara.Error(str(exc).replace("run.steps = ", "months (run.steps) = ", 1))
        return
    if state.mode == WHOLE_RUN:
        WholeRun(state, go)
    else:
        StepByStep(state, go)
