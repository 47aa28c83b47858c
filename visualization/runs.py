"""Runs for the app: a model made from the controls, a whole run's tables, the baseline's shared per seed and length.

No Solara here, so the pages and the tests call the same functions.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from market.gc_policy import fewer_cycle_collections
from market.model import ComputeMarket
from market.outputs.metrics import EVENT_TABLE_COLUMNS, agent_table, event_table, model_table
from market.outputs.recording import AGENT_TABLE_COLUMNS
from market.parameters.scenario import load_scenario
from market.parameters.schema import ParamError

NODE_COLUMNS = ["account", "name", "agent_type", "role", "region"]
EDGE_COLUMNS = ["source", "target", "type", "start_date"]


@dataclass(frozen=True)
class RunTables:
    """A run's model, agent and event tables, and its relations network's nodes and edges (``detailed`` false: only
    the model table was taken)."""

    model: pd.DataFrame
    agents: pd.DataFrame
    events: pd.DataFrame
    nodes: pd.DataFrame
    edges: pd.DataFrame
    detailed: bool = True


def network_frames(model: ComputeMarket) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The relations network as it stands: nodes (account, name, agent_type, role, region) and edges (source,
    target, type, start_date), both as plain tables."""
    graph = model.network.graph
    nodes = pd.DataFrame([{"account": node, "name": data.get("name", str(node)), "agent_type": data.get("agent_type", ""),
                           "role": data.get("role", ""), "region": data.get("region", "")}
                          for node, data in graph.nodes(data=True)], columns=NODE_COLUMNS)
    edges = pd.DataFrame([{"source": u, "target": v, "type": key, "start_date": data.get("start_date", "")}
                          for u, v, key, data in graph.edges(keys=True, data=True)], columns=EDGE_COLUMNS)
    return nodes, edges


def build_model(scenario: str, seed: int, months: int, overrides: tuple[tuple[str, float], ...]) -> ComputeMarket:
    """A new model of ``scenario`` with the controls' values (a ParamError names a bad one)."""
    return ComputeMarket(load_scenario(scenario_source(scenario), [*overrides, ("run.steps", months)]), rng=seed)


def tables_of(model: ComputeMarket, detail: bool = True) -> RunTables:
    """The model's tables as they stand (read after a month has finished, never while it steps); without ``detail``
    the agent, event and network tables are left empty (the Overview reads the model table only)."""
    if not detail:
        empty = [pd.DataFrame(columns=list(columns))
                 for columns in (AGENT_TABLE_COLUMNS, EVENT_TABLE_COLUMNS, NODE_COLUMNS, EDGE_COLUMNS)]
        return RunTables(model_table(model), *empty, detailed=False)
    return RunTables(model_table(model), agent_table(model), event_table(model), *network_frames(model))


def run_whole(scenario: str, seed: int, months: int, overrides: tuple[tuple[str, float], ...],
              keep_going: Callable[[], bool] = lambda: True) -> RunTables | None:
    """The tables of a full run, or None when ``keep_going`` turns false (a newer change superseded the run)."""
    model = build_model(scenario, seed, months, overrides)
    with fewer_cycle_collections():
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


UPLOAD_PREFIX = "upload-"
UPLOADS_VARIABLE = "AICM_UI_UPLOADS"


def upload_dir() -> Path:
    """Where uploaded scenario files are kept, by content (``$AICM_UI_UPLOADS``, else a folder in the system's
    temporary directory): a link naming an upload reproduces the run on this server while the file is there."""
    folder = Path(os.environ.get(UPLOADS_VARIABLE) or Path(tempfile.gettempdir()) / "aicm-ui-uploads")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def scenario_source(name: str) -> str:
    """What ``load_scenario`` reads for a scenario named in the app: a shipped name, or an upload's file."""
    return str(upload_dir() / f"{name}.toml") if name.startswith(UPLOAD_PREFIX) else name


def save_upload(data: bytes, filename: str) -> str:
    """Keep an uploaded scenario file under a name made from its content and return that name, once it loads as the
    command line would load it; a file that does not is removed and its one-line ParamError raised, naming
    ``filename`` (the file the user chose).

    The name is ``upload-<the file's scenario name>-<12 hex digits of its sha256>`` (``upload-<digits>`` when the file
    names no scenario), the scenario name reduced to letters, digits, ``-`` and ``_``: the same bytes keep the same
    name, and the user recognises their file in the scenario list.
    """
    digest = hashlib.sha256(data).hexdigest()[:12]
    try:
        with tempfile.NamedTemporaryFile(dir=upload_dir(), prefix=f"{UPLOAD_PREFIX}{digest}.", suffix=".part.toml",
                                         delete=False) as out:
            out.write(data)
    except OSError as exc:
        raise ParamError(f"{filename}: cannot be kept on the server ({exc.strerror or exc})") from None
    staging = Path(out.name)
    try:
        scenario = load_scenario(str(staging))
    except ParamError as exc:
        staging.unlink(missing_ok=True)
        raise ParamError(str(exc).replace(str(staging), filename)) from None
    named = "" if scenario.name == staging.stem else re.sub(r"[^A-Za-z0-9_-]+", "-", scenario.name).strip("-")[:40]
    name = f"{UPLOAD_PREFIX}{named}-{digest}" if named else f"{UPLOAD_PREFIX}{digest}"
    staging.replace(upload_dir() / f"{name}.toml")
    return name
