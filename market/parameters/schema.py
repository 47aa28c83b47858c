"""Parameter schema machinery: every parameter is data with a unit, range, description and source.

A parameter group is a dataclass whose fields are declared with :func:`param`. A roster is a
``dict[str, Spec]`` of such dataclasses keyed by an agent name or region. One schema drives
validation (:func:`check_value`), the generated docs table and the CLI's ``aicm params`` listing.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import math
import re
from dataclasses import dataclass, field
from typing import Any

DATE_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class ParamError(ValueError):
    """A parameter or scenario value that is not allowed; the message is one line."""


@dataclass(frozen=True)
class ParamMeta:
    """What the schema knows about one field besides its default.

    Attributes:
        unit: Unit of the value (``"usd_bn"``, ``"GW"``, ``"1"`` for dimensionless, ...).
        description: One line saying what the parameter does.
        source: Public source of the default, or ``"assumption: <reasoning>"``.
        lo: Lowest allowed value (numbers), or None.
        hi: Highest allowed value (numbers), or None.
        lo_open: True when ``lo`` itself is not allowed.
        choices: Allowed values for strings and string lists, or None.
        kind: ``"float"``, ``"int"``, ``"bool"``, ``"str"``, ``"date"`` or ``"list"``.
        setup_only: True when the model reads the value once, at set-up (a ``set_param`` event may not change it).
    """

    unit: str
    description: str
    source: str
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    choices: tuple[str, ...] | None = None
    kind: str = "float"
    setup_only: bool = False

    def allowed(self) -> str:
        """Return a short human description of the allowed values."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "date":
            return "a month as 'YYYY-MM'"
        if self.choices is not None:
            what = "a list of" if self.kind == "list" else "one of"
            return f"{what} {', '.join(self.choices)}"
        if self.kind == "list":
            return "a list of names"
        if self.kind == "str":
            return "a text value"
        kind = "an integer" if self.kind == "int" else "a number"
        lo_sign = "<" if self.lo_open else "<="
        if self.lo is not None and self.hi is not None:
            return f"{kind} with {self.lo:g} {lo_sign} value <= {self.hi:g}"
        if self.lo is not None:
            return f"{kind} with value {'>' if self.lo_open else '>='} {self.lo:g}"
        if self.hi is not None:
            return f"{kind} with value <= {self.hi:g}"
        return kind


def param(
    default: Any,
    *,
    unit: str,
    description: str,
    source: str,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    choices: tuple[str, ...] | None = None,
    setup_only: bool = False,
) -> Any:
    """Declare a schema field: its default, unit, allowed range, description and source; ``setup_only`` marks a value
    the model reads once, at set-up."""
    if isinstance(default, bool):
        kind = "bool"
    elif isinstance(default, int):
        kind = "int"
    elif isinstance(default, float):
        kind = "float"
    elif isinstance(default, (list, tuple)):
        kind = "list"
    elif isinstance(default, str) and DATE_PATTERN.match(default):
        kind = "date"
    else:
        kind = "str"
    meta = ParamMeta(unit, description, source, lo, hi, lo_open, choices, kind, setup_only)
    if kind == "list":
        frozen = list(default)
        return field(default_factory=lambda: list(frozen), metadata={"param": meta})
    return field(default=default, metadata={"param": meta})


def format_value(value: Any) -> str:
    """A value as the user wrote it in TOML or ``--set``: true and false, dates and times in ISO form, strings quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(format_value(item) for item in value) + "]"
    return repr(value)


def check_value(path: str, value: Any, meta: ParamMeta) -> Any:
    """Validate ``value`` for the field at ``path`` and return it coerced to the field's type.

    Raises:
        ParamError: one line naming the path, the bad value and what is allowed.
    """

    def fail() -> ParamError:
        return ParamError(f"{path} = {format_value(value)} is not allowed: expected {meta.allowed()}")

    if meta.kind == "bool":
        if not isinstance(value, bool):
            raise fail()
        return value
    if meta.kind in ("float", "int"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise fail()
        try:
            number = float(value)
        except OverflowError:
            raise fail() from None
        if not math.isfinite(number) or (meta.kind == "int" and not number.is_integer()):
            raise fail()
        if meta.kind == "int":
            number = int(value)
        if meta.lo is not None and (number < meta.lo or (meta.lo_open and number == meta.lo)):
            raise fail()
        if meta.hi is not None and number > meta.hi:
            raise fail()
        return number
    if meta.kind == "date":
        if not isinstance(value, str) or not DATE_PATTERN.match(value):
            raise fail()
        return value
    if meta.kind == "list":
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise fail()
        if meta.choices is not None and any(v not in meta.choices for v in value):
            raise fail()
        return list(value)
    if not isinstance(value, str) or (meta.choices is not None and value not in meta.choices):
        raise fail()
    return value


def suggest(name: str, candidates: list[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest candidate, or an empty string."""
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


@dataclass(frozen=True)
class FieldRow:
    """One flattened parameter: its dotted path, value and schema metadata."""

    path: str
    value: Any
    meta: ParamMeta


def iter_fields(obj: Any, prefix: str = "") -> list[FieldRow]:
    """Flatten a parameter tree (dataclasses and dicts of dataclasses) into rows, in schema order."""
    rows: list[FieldRow] = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        path = f"{prefix}{f.name}"
        if "param" in f.metadata:
            rows.append(FieldRow(path, value, f.metadata["param"]))
        elif isinstance(value, dict):
            for key, spec in value.items():
                rows.extend(iter_fields(spec, f"{path}.{key}."))
        elif dataclasses.is_dataclass(value):
            rows.extend(iter_fields(value, f"{path}."))
    return rows


def meta_at(root: Any, path: str) -> ParamMeta:
    """The schema metadata of the parameter at dotted ``path`` (which must exist: see :func:`set_path`)."""
    node = root
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return next(f for f in dataclasses.fields(node) if f.name == parts[-1]).metadata["param"]


def set_path(root: Any, path: str, value: Any) -> None:
    """Validate and set the field at dotted ``path`` of the parameter tree ``root``.

    Groups declared open (``metadata={"open": SpecClass}``, e.g. ``vendor_deals``) take new entries,
    created with the spec's defaults.

    Raises:
        ParamError: for an unknown path (with a suggestion) or a value that is not allowed.
    """
    parts = path.split(".")
    node = root
    walked: list[str] = []
    open_factory = None
    for i, part in enumerate(parts):
        walked.append(part)
        is_last = i == len(parts) - 1
        if isinstance(node, dict):
            if part not in node and open_factory is not None and not is_last:
                node[part] = open_factory()
            if part not in node:
                known = [".".join(walked[:-1] + [k]) for k in node]
                here = f"known here: {', '.join(sorted(node))}" if node else "none is defined here"
                raise ParamError(f"unknown name '{'.'.join(walked)}'; {here}{suggest('.'.join(walked), known)}")
            if is_last:
                raise ParamError(f"'{path}' names a group, not a parameter")
            node = node[part]
            continue
        names = [f.name for f in dataclasses.fields(node)]
        if part not in names:
            known = [".".join(walked[:-1] + [n]) for n in names]
            raise ParamError(f"unknown parameter '{'.'.join(walked)}'{suggest('.'.join(walked), known)}")
        f = next(f for f in dataclasses.fields(node) if f.name == part)
        if is_last:
            if "param" not in f.metadata:
                raise ParamError(f"'{path}' names a group, not a parameter")
            setattr(node, part, check_value(path, value, f.metadata["param"]))
            return
        if "param" in f.metadata:
            raise ParamError(f"'{'.'.join(walked)}' is a parameter, not a group: '{path}' goes too deep")
        open_factory = f.metadata.get("open")
        node = getattr(node, part)

