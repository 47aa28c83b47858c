"""The Solara app: interactive runs of a scenario, the whole horizon at once or month by month.

Run with ``aicm ui`` (or ``make ui``): it serves on 127.0.0.1 with the front-end assets from a local cache. Every
browser session makes its own model inside the page (never at module level, so sessions never share one). Whole-run
mode re-runs the full horizon in a background task (``solara.lab.use_task``) whenever a control changes and draws it
beside the baseline with the same seed; a run superseded by a newer change is discarded. Step mode advances one
month per Step. The app only reads model state and tables.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

import pandas as pd
import solara
from solara.lab import use_task

from experiments.runner import model_table
from market.model import ComputeMarket
from market.scenario import list_scenarios, load_scenario
from market.schema import ParamError
from visualization import charts
from visualization.controls import Control, main_controls

MODES = ["whole run", "step by step"]
SCENARIO_VARIABLE = "AICM_UI_SCENARIO"


def build_model(scenario: str, seed: int, months: int, overrides: tuple[tuple[str, float], ...]) -> ComputeMarket:
    """A new model of ``scenario`` with the controls' values (a ParamError names a bad one)."""
    return ComputeMarket(load_scenario(scenario, [*overrides, ("run.steps", months)]), rng=seed)


def run_whole(scenario: str, seed: int, months: int, overrides: tuple[tuple[str, float], ...],
              keep_going: Callable[[], bool] = lambda: True) -> pd.DataFrame | None:
    """The model table of a full run, or None when ``keep_going`` turns false (a newer change superseded the run)."""
    model = build_model(scenario, seed, months, overrides)
    while model.running:
        if not keep_going():
            return None
        model.step()
    return model_table(model)


_BASELINES: dict[tuple[int, int], pd.DataFrame] = {}
_BASELINES_LOCK = threading.Lock()


def baseline_table(seed: int, months: int, keep_going: Callable[[], bool] = lambda: True) -> pd.DataFrame | None:
    """The baseline's model table for a seed and length, kept once finished (read-only, shared between sessions)."""
    with _BASELINES_LOCK:
        if (seed, months) in _BASELINES:
            return _BASELINES[(seed, months)]
    table = run_whole("baseline", seed, months, (), keep_going)
    if table is not None:
        with _BASELINES_LOCK:
            _BASELINES[(seed, months)] = table
    return table


@solara.component
def ParameterControl(control: Control, values: solara.Reactive[dict]) -> None:
    """A slider bounded by the schema's range, labelled with its unit, with its default and source beneath."""
    current = values.value.get(control.path, control.default)

    def update(value: float) -> None:
        changed = dict(values.value)
        if value == control.default:
            changed.pop(control.path, None)
        else:
            changed[control.path] = int(value) if control.integer else float(value)
        values.set(changed)

    label = f"{control.path.split('.')[-1]} ({control.unit})"
    if control.integer:
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


@solara.component
def Page() -> None:
    """The app's one page: controls in the sidebar, the Overview in the main area."""
    scenarios = [name for name, _ in list_scenarios()]
    scenario = solara.use_reactive(os.environ.get(SCENARIO_VARIABLE, "baseline"))
    seed = solara.use_reactive(1)
    months = solara.use_reactive(load_scenario("baseline").params.run.steps)
    mode = solara.use_reactive(MODES[0])
    overrides = solara.use_reactive({})
    stepped = solara.use_reactive(0)
    key = (scenario.value, int(seed.value), int(months.value), tuple(sorted(overrides.value.items())))

    task_ref = solara.use_ref(None)

    def whole() -> tuple[pd.DataFrame, pd.DataFrame] | None:
        if mode.value != MODES[0]:
            return None

        def current() -> bool:
            return task_ref.current is None or task_ref.current.is_current()

        table = run_whole(*key, keep_going=current)
        baseline = baseline_table(key[1], key[2], current) if table is not None else None
        return (table, baseline) if baseline is not None else None

    task = use_task(whole, dependencies=[key, mode.value == MODES[0]], raise_error=False)
    task_ref.current = task
    model_ref = solara.use_ref(None)
    model_key = solara.use_ref(None)
    error = None
    if mode.value == MODES[1] and model_key.current != key:
        try:
            model_ref.current, model_key.current = build_model(*key), key
        except ParamError as exc:
            error = str(exc)

    with solara.Sidebar():
        solara.Select("scenario", values=scenarios, value=scenario)
        solara.InputInt("seed", value=seed)
        solara.InputInt("months", value=months)
        solara.ToggleButtonsSingle(value=mode, values=MODES)
        for group, controls in main_controls().items():
            solara.Markdown(f"**{group}**")
            for control in controls:
                ParameterControl(control, overrides)
        solara.Button("Reset parameters", on_click=lambda: overrides.set({}))

    solara.Title("AI Compute Market")
    if error:
        solara.Error(error)
        return
    if mode.value == MODES[0]:
        if task.pending:
            solara.ProgressLinear(True)
            solara.Text("running the whole horizon ...")
        if task.error:
            solara.Error(str(task.error))
        elif task.value is not None:
            current, baseline = task.value
            solara.Text(f"{scenario.value}, seed {seed.value}: {current['date'].iloc[0]} to {current['date'].iloc[-1]}, "
                        "dashed: baseline with the same seed", classes=["run-status"])
            Charts(current, baseline)
        return
    model = model_ref.current
    stepped.value  # noqa: B018 - read in the render so that a Step, which sets it, redraws the page

    def step() -> None:
        if model is not None and model.running:
            model.step()
            stepped.set(stepped.value + 1)

    with solara.Row():
        solara.Button("Step", on_click=step, disabled=model is None or not model.running)
    if model is None or model.steps == 0:
        solara.Text("step by step: press Step to simulate the first month", classes=["run-status"])
        return
    current = model_table(model)
    solara.Text(f"{scenario.value}, seed {seed.value}: month {model.steps} ({current['date'].iloc[-1]})",
                classes=["run-status"])
    Charts(current, None)
