"""The Solara app: interactive runs of a scenario, the whole horizon at once or month by month.

Run with ``aicm ui`` (or ``make ui``): it serves on 127.0.0.1 with the front-end assets from a local cache. Every
browser session makes its own model inside the page (never at module level, so sessions never share one). Whole-run
mode re-runs the full horizon in a background task (``solara.lab.use_task``) whenever a control changes and draws it
beside the baseline with the same seed; a run superseded by a newer change is discarded. Step mode advances one
month per Step. The app only reads model state and tables.
"""

from __future__ import annotations

import json
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
from market.metrics import agent_table, event_table, model_table
from market.model import ComputeMarket
from market.scenario import list_scenarios, load_scenario
from market.schema import ParamError
from visualization import charts, views
from visualization.controls import Control, main_controls
from visualization.url_state import MODE_LABELS, VIEWS, WHOLE_RUN, RunState
from visualization.views import RunTables

SCENARIO_VARIABLE = "AICM_UI_SCENARIO"
PLAY_PAUSE_S = 0.2


def build_model(scenario: str, seed: int, months: int, overrides: tuple[tuple[str, float], ...]) -> ComputeMarket:
    """A new model of ``scenario`` with the controls' values (a ParamError names a bad one)."""
    return ComputeMarket(load_scenario(scenario, [*overrides, ("run.steps", months)]), rng=seed)


def tables_of(model: ComputeMarket) -> RunTables:
    """The model's tables as they stand (read after a month has finished, never while it steps)."""
    return RunTables(model_table(model), agent_table(model), event_table(model))


def run_whole(scenario: str, seed: int, months: int, overrides: tuple[tuple[str, float], ...],
              keep_going: Callable[[], bool] = lambda: True) -> RunTables | None:
    """The tables of a full run, or None when ``keep_going`` turns false (a newer change superseded the run)."""
    model = build_model(scenario, seed, months, overrides)
    while model.running:
        if not keep_going():
            return None
        model.step()
    return tables_of(model)


_BASELINES: dict[tuple[int, int], pd.DataFrame] = {}
_BASELINES_LOCK = threading.Lock()


def baseline_table(seed: int, months: int, keep_going: Callable[[], bool] = lambda: True) -> pd.DataFrame | None:
    """The baseline's model table for a seed and length, kept once finished (read-only, shared between sessions)."""
    with _BASELINES_LOCK:
        if (seed, months) in _BASELINES:
            return _BASELINES[(seed, months)]
    tables = run_whole("baseline", seed, months, (), keep_going)
    if tables is None:
        return None
    with _BASELINES_LOCK:
        _BASELINES[(seed, months)] = tables.model
    return tables.model


@solara.component
def ParameterControl(control: Control, state: RunState, go: Callable[[RunState], None]) -> None:
    """A slider bounded by the schema's range, labelled with its unit, with its meaning, default and source beneath."""
    current = dict(state.overrides).get(control.path, control.default)

    def update(value: float) -> None:
        value = int(value) if control.integer else float(value)
        go(state.with_override(control.path, None if value == control.default else value))

    label = f"{control.path.split('.')[-1]} ({control.unit})"
    if not isinstance(current, int | float):
        solara.Text(f"{label}: {current!r} (from the link)")
    elif control.integer:
        solara.SliderInt(label, value=int(current), min=int(control.low), max=int(control.high), on_value=update)
    else:
        solara.SliderFloat(label, value=float(current), min=control.low, max=control.high, step=control.step,
                           on_value=update)
    solara.Text(f"{control.label} {control.help_text()}", style={"font-size": "0.75em", "color": "#555"})


@solara.component
def Charts(current: pd.DataFrame, baseline: pd.DataFrame | None) -> None:
    """The Overview: compute, GW a week against 1 GW, prices, revenue against capex, bubble index, what binds."""
    with solara.ColumnsResponsive(12, large=6, xlarge=4):
        for draw in charts.OVERVIEW:
            solara.FigureAltair(draw(current, baseline))
        solara.FigureAltair(charts.binding(current))


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
    with solara.Row():
        for name, table in (("model", tables.model), ("agents", tables.agents), ("events", tables.events)):
            solara.FileDownload(lambda table=table: table.to_csv(index=False), filename=f"{stem}-{name}.csv",
                                label=f"{name} table (CSV)", mime_type="text/csv")
        solara.FileDownload(lambda: manifest_of(state, tables.model), filename=f"{stem}-manifest.json",
                            label="manifest (JSON)", mime_type="application/json")


@solara.component
def RunViews(state: RunState, tables: RunTables, baseline: pd.DataFrame | None, go: Callable[[RunState], None]) -> None:
    """The run's pages as tabs (the page shown is in the URL): Overview, Finance, Events, Agents."""
    solara.lab.Tabs(value=VIEWS.index(state.view), on_value=lambda i: go(replace(state, view=VIEWS[i])),
                    children=[solara.lab.Tab(view.capitalize()) for view in VIEWS])
    if state.view == "finance":
        views.Finance(tables, baseline)
    elif state.view == "events":
        views.Events(tables)
    elif state.view == "agents":
        views.Agents(tables)
    else:
        Charts(tables.model, baseline)


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
    if task.pending:
        solara.ProgressLinear(True)
        solara.Text("running the whole horizon ...")
    if task.error:
        solara.Error(str(task.error))
    elif task.value is not None:
        tables, baseline = task.value
        dates = tables.model["date"]
        solara.Text(f"{state.scenario}, seed {state.seed}: {dates.iloc[0]} to {dates.iloc[-1]}, "
                    "dashed: baseline with the same seed", classes=["run-status"])
        Downloads(state, tables)
        RunViews(state, tables, baseline, go)


@solara.component
def StepByStep(state: RunState, go: Callable[[RunState], None]) -> None:
    """Step mode: one model per session, advanced a month per Step, or month after month while Play is on.

    Renders read a snapshot of the run's tables taken after each month, never the model while it steps.
    """
    key = (state.scenario, state.seed, state.months, state.overrides)
    model = solara.use_memo(lambda: build_model(*key), dependencies=[key])
    snapshot = solara.use_reactive(None)
    playing = solara.use_reactive(False)
    lock = solara.use_memo(threading.Lock, dependencies=[])
    solara.use_effect(lambda: snapshot.set(None), dependencies=[key])

    def advance() -> None:
        with lock:
            if model.running:
                model.step()
                snapshot.set(tables_of(model))

    looping = solara.use_reactive(False)
    generation = solara.use_ref(0)

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

    scenarios = [name for name, _ in list_scenarios()]
    with solara.Sidebar():
        solara.Select("scenario", values=scenarios, value=state.scenario if state.scenario in scenarios else None,
                      on_value=lambda name: go(RunState(name, state.seed, load_scenario(name).params.run.steps, state.mode,
                                                        view=state.view)))
        solara.InputInt("seed", value=state.seed, on_value=lambda v: with_(seed=int(v)))
        solara.InputInt("months", value=state.months, on_value=lambda v: with_(months=int(v)))
        solara.ToggleButtonsSingle(value=MODE_LABELS[state.mode], values=list(MODE_LABELS.values()),
                                   on_value=lambda label: with_(mode=_mode_of(label)))
        for group, controls in main_controls().items():
            solara.Markdown(f"**{group}**")
            for control in controls:
                ParameterControl(control, state, go)
        solara.Button("Reset parameters", on_click=lambda: with_(overrides=()))
    solara.Title("AI Compute Market")
    for problem in problems:
        solara.Warning(problem)
    try:
        load_scenario(state.scenario, [*state.overrides, ("run.steps", state.months)])
    except ParamError as exc:
        solara.Error(str(exc))
        return
    if state.mode == WHOLE_RUN:
        WholeRun(state, go)
    else:
        StepByStep(state, go)
