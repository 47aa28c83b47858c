"""Scenarios: TOML files that override parameter defaults and schedule events.

A scenario file has a ``name``, a one-line ``description``, the ``question`` it answers, its
``sources``, a ``[params]`` table of overrides (nested tables or dotted keys) and ``[[events]]``.
Every error is a one-line :class:`ParamError` naming the field, the bad value and what is allowed.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import tomllib
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from market.parameters.params import Params
from market.parameters.schema import DATE_PATTERN, ParamError, iter_fields, meta_at, set_path, format_value, suggest
from market.parameters.validation import finite, validate_params

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "experiments" / "scenarios"
TOP_LEVEL_KEYS = ("name", "description", "question", "sources", "params", "events")
MAX_SCENARIO_BYTES = 1 << 20
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
MAX_DEPTH = 8


class EventKind(StrEnum):
    """Kinds of scheduled scenario event.

    ``wake_chipmaker`` (target: a chipmaker) starts a dormant chipmaker selling; ``set_param``
    (target: a parameter path, value) changes a parameter; ``invest`` (target: a lab or chipmaker,
    value: $bn, optional ``investor``: a named lab or chipmaker) is a funding deal: the investor buys
    new shares at market value with its own cash, or, with no investor, the target raises an equity
    round of that size from the investor population.
    """

    WAKE_CHIPMAKER = "wake_chipmaker"
    SET_PARAM = "set_param"
    INVEST = "invest"


EVENT_KEYS = {
    EventKind.WAKE_CHIPMAKER: ("date", "kind", "target"),
    EventKind.SET_PARAM: ("date", "kind", "target", "value"),
    EventKind.INVEST: ("date", "kind", "target", "value", "investor"),
}


@dataclass(frozen=True)
class ScheduledEvent:
    """An event that fires at the start of the month ``date`` (docs/ODD.md section 3, step 1)."""

    date: str
    kind: EventKind
    target: str = ""
    value: Any = None
    investor: str = ""


@dataclass
class Scenario:
    """A resolved scenario: its texts, its full parameter tree and its events."""

    name: str
    description: str
    question: str = ""
    sources: list[str] = field(default_factory=list)
    params: Params = field(default_factory=Params)
    events: list[ScheduledEvent] = field(default_factory=list)

    def params_sha256(self) -> str:
        """Return the sha256 of the resolved parameters and events, as sorted JSON."""
        payload = {"params": asdict(self.params), "events": [asdict(e) for e in self.events]}
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def list_scenarios() -> list[tuple[str, str]]:
    """Return (name, description) of every scenario shipped in ``experiments/scenarios``."""
    out = []
    for path in sorted(SCENARIO_DIR.glob("*.toml")):
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        out.append((path.stem, str(data.get("description", ""))))
    return out


def resolve_scenario_path(name_or_path: str) -> Path:
    """Return the file of a scenario given by shipped name or by path."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.exists():
        if not candidate.is_file():
            raise ParamError(f"scenario file '{name_or_path}' does not exist")
        return candidate
    path = SCENARIO_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        names = [n for n, _ in list_scenarios()]
        raise ParamError(f"scenario = '{name_or_path}' is not known: expected one of {', '.join(names)} "
                         f"or a path to a .toml file{suggest(name_or_path, names)}")
    return path


def parse_cli_value(text: str) -> Any:
    """Parse the value of ``--set path=value`` as a TOML value, or as a bare string."""
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except (ValueError, RecursionError):
        return text
    check_depth(f"--set value {text[:40]!r}", value)
    return value


def parse_set_option(option: str) -> tuple[str, Any]:
    """Split ``path=value`` into the path and its parsed value."""
    if "=" not in option:
        raise ParamError(f"--set {option!r} is not allowed: expected path=value, e.g. demand.price_elasticity=1.5")
    path, text = option.split("=", 1)
    return path.strip(), parse_cli_value(text.strip())


def _flatten(table: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows = []
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            rows.extend(_flatten(value, f"{path}."))
        else:
            rows.append((path, value))
    return rows


def read_scenario_file(path: Path) -> dict[str, Any]:
    """Read a scenario file as UTF-8 TOML of at most 1 MiB.

    Raises:
        ParamError: one line when the file cannot be read or is not such a file.
    """
    try:
        size = path.stat().st_size
        if size > MAX_SCENARIO_BYTES:
            raise ParamError(f"{path}: {size} bytes is not allowed: expected a scenario file of at most 1 MiB")
        raw = path.read_bytes()
    except OSError as exc:
        raise ParamError(f"scenario file '{path}' cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParamError(f"{path}: byte {exc.start} is not allowed: expected UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except ValueError as exc:
        raise ParamError(f"{path}: not valid TOML ({exc})") from None
    except RecursionError:
        raise ParamError(f"{path}: nested too deeply: expected tables and arrays at most {MAX_DEPTH} levels deep") from None
    check_depth(str(path), data)
    return data


def check_depth(where: str, value: Any) -> None:
    """Refuse tables and arrays nested more than ``MAX_DEPTH`` deep (no parameter or event needs more), without recursing.

    Raises:
        ParamError: one line naming where.
    """
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ParamError(f"{where}: nested too deeply: expected tables and arrays at most {MAX_DEPTH} levels deep")
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


def _check_top_level(path: Path, data: dict[str, Any]) -> None:
    """Refuse unknown top-level keys and values of the wrong type; a name must be a name, never a path."""
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            raise ParamError(f"{path}: unknown top-level key '{key}'; allowed: {', '.join(TOP_LEVEL_KEYS)}"
                             f"{suggest(key, list(TOP_LEVEL_KEYS))}")
    name = data.get("name", "")
    if "name" in data and (not isinstance(name, str) or not NAME_PATTERN.match(name)):
        raise ParamError(f"name = {name!r} is not allowed: expected letters, digits, '_', '-' or '.', starting with a "
                         "letter or digit, at most 80 (it names the output folder)")
    for key in ("description", "question"):
        if not isinstance(data.get(key, ""), str):
            raise ParamError(f"{key} = {data[key]!r} is not allowed: expected a string")
    sources = data.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise ParamError(f"sources = {sources!r} is not allowed: expected a list of strings")
    if not isinstance(data.get("params", {}), dict):
        raise ParamError(f"params = {data['params']!r} is not allowed: expected a table")
    events = data.get("events", [])
    if not isinstance(events, list):
        raise ParamError(f"events = {events!r} is not allowed: expected an array of tables ([[events]])")


def load_scenario(name_or_path: str, overrides: list[tuple[str, Any]] | None = None) -> Scenario:
    """Load, override and validate a scenario.

    Every check runs here, before anything is simulated: the file, each parameter, the rules spanning fields, and
    each event, ``set_param`` events applied in date order to a copy of the parameters and checked again.

    Args:
        name_or_path: A shipped scenario name (``baseline``) or a path to a TOML file.
        overrides: ``(path, value)`` pairs applied after the file, as from ``--set``.

    Raises:
        ParamError: one line naming the field, the value and what is allowed.
    """
    path = resolve_scenario_path(name_or_path)
    data = read_scenario_file(path)
    _check_top_level(path, data)
    params = Params()
    for param_path, value in _flatten(data.get("params", {})):
        set_path(params, param_path, value)
    file_steps = params.run.steps
    for param_path, value in overrides or []:
        set_path(params, param_path, value)
    validate_params(params)
    window = run_window(params.run.start_date, max(file_steps, params.run.steps))
    parsed = [_parse_event(raw, i, params, window) for i, raw in enumerate(data.get("events", []))]
    order = sorted(range(len(parsed)), key=lambda i: parsed[i].date)
    _check_set_param_events([(i, parsed[i]) for i in order], params)
    events = [parsed[i] for i in order]
    return Scenario(
        name=str(data.get("name", path.stem)),
        description=str(data.get("description", "")),
        question=str(data.get("question", "")),
        sources=[str(s) for s in data.get("sources", [])],
        params=params,
        events=events,
    )


def run_window(start_date: str, steps: int) -> tuple[str, str]:
    """The first and last month of a run of ``steps`` months from ``start_date``, as 'YYYY-MM'."""
    year, month = (int(part) for part in start_date.split("-"))
    last = year * 12 + month - 1 + steps - 1
    return start_date, f"{last // 12:04d}-{last % 12 + 1:02d}"


def _check_set_param_events(events: list[tuple[int, ScheduledEvent]], params: Params) -> None:
    """Apply the ``set_param`` events in date order to a copy of the parameters, checking the rules spanning fields after
    each, so a scenario the run would reject mid-way is rejected now."""
    probe = copy.deepcopy(params)
    for index, event in events:
        if event.kind is EventKind.SET_PARAM:
            try:
                set_path(probe, event.target, event.value)
                validate_params(probe)
            except ParamError as exc:
                raise ParamError(f"events[{index}] (set_param of {event.date}, {event.target} = {format_value(event.value)}): "
                                 f"{exc}") from None


def _parse_event(raw: Any, index: int, params: Params, window: tuple[str, str]) -> ScheduledEvent:
    where = f"events[{index}]"
    if not isinstance(raw, dict):
        raise ParamError(f"{where} = {raw!r} is not allowed: expected a table with date, kind and target")
    kinds = [k.value for k in EventKind]
    kind = raw.get("kind")
    if kind not in kinds:
        raise ParamError(f"{where}.kind = {kind!r} is not allowed: expected one of {', '.join(kinds)}")
    allowed = EVENT_KEYS[EventKind(kind)]
    for key in raw:
        if key not in allowed:
            raise ParamError(f"{where}: unknown key '{key}' for a {kind} event; allowed: {', '.join(allowed)}"
                             f"{suggest(str(key), list(allowed))}")
    date = raw.get("date")
    if not isinstance(date, str) or not DATE_PATTERN.match(date):
        raise ParamError(f"{where}.date = {date!r} is not allowed: expected a month as 'YYYY-MM'")
    if not window[0] <= date <= window[1]:
        raise ParamError(f"{where}.date = {date!r} is not allowed: expected a month of the run, {window[0]} to {window[1]}")
    target = raw.get("target", "")
    if not isinstance(target, str):
        raise ParamError(f"{where}.target = {target!r} is not allowed: expected a name")
    if kind == EventKind.WAKE_CHIPMAKER and target not in params.chipmakers:
        raise ParamError(f"{where}.target = {target!r} is not allowed: expected a chipmaker, one of "
                         f"{', '.join(params.chipmakers)}")
    if kind == EventKind.SET_PARAM:
        probe = copy.deepcopy(params)
        try:
            set_path(probe, target, raw.get("value"))
        except ParamError as exc:
            part = "value" if str(exc).startswith(f"{target} = ") else "target"
            raise ParamError(f"{where}.{part}: {exc}") from None
        if meta_at(probe, target).setup_only:
            raise ParamError(f"{where}.target = {target!r} is not allowed: it is read once, at set-up, so changing it "
                             "mid-run would change nothing; set it in [params]")
    investor = raw.get("investor", "")
    if kind == EventKind.INVEST:
        firms = [*params.labs, *params.chipmakers]
        for field_name, name in (("target", target), ("investor", investor)):
            if name not in firms and not (field_name == "investor" and name == ""):
                raise ParamError(f"{where}.{field_name} = {name!r} is not allowed: expected a named lab or chipmaker, one of "
                                 f"{', '.join(firms)}")
        if investor == target:
            raise ParamError(f"{where}.investor = {investor!r} is not allowed: expected a firm other than the target")
        value = raw.get("value")
        if (isinstance(value, bool) or not isinstance(value, (int, float)) or not finite(value) or value <= 0
                or value > 1e6):
            raise ParamError(f"{where}.value = {value!r} is not allowed: expected an amount in usd_bn, 0 < value <= 1e6")
    return ScheduledEvent(date=date, kind=EventKind(kind), target=target, value=raw.get("value"), investor=investor)


def describe_params(params: Params) -> list[dict[str, Any]]:
    """Return one row per parameter: path, value, unit, allowed values, whether a ``set_param`` event may change it
    mid-run, description and source."""
    from market.parameters.sources import source_of

    return [
        {"path": row.path, "value": row.value, "unit": row.meta.unit, "allowed": row.meta.allowed(),
         "mid_run": "no: set-up only" if row.meta.setup_only else "yes", "description": row.meta.description,
         "source": source_of(row.path, row.meta)}
        for row in iter_fields(params)
    ]

