"""The app's shareable state: the URL query holds scenario, seed, months, mode, page, seed band and every changed
parameter.

A link such as ``/?scenario=baseline&seed=3&months=24&mode=step&view=finance&p.demand.price_elasticity=1.5`` reproduces the
run, and the browser's Back restores the previous state (the page reads its state from the URL on every render).
Parameters are ``p.<path>=<value>``; a value that is not a number is kept as text and refused, with the
schema's one-line error, when the model is made.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, urlencode

WHOLE_RUN, STEP_BY_STEP = "whole", "step"
MODE_LABELS = {WHOLE_RUN: "whole run", STEP_BY_STEP: "step by step"}
VIEWS = ("overview", "network", "finance", "events", "agents", "compare")
BAND_CHOICES = (0, 3, 5)
PARAM_PREFIX = "p."


def _number(text: str) -> float | int | str:
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() and "." not in text and "e" not in text.lower() else value


@dataclass(frozen=True)
class RunState:
    """What a run in the app is: scenario, seed, months, mode, the page shown and the parameters changed from the scenario."""

    scenario: str
    seed: int
    months: int
    mode: str = WHOLE_RUN
    overrides: tuple[tuple[str, float | int | str], ...] = field(default_factory=tuple)
    view: str = VIEWS[0]
    bands: int = 0

    @classmethod
    def from_query(cls, search: str | None, default: RunState) -> tuple[RunState, list[str]]:
        """The state a query string describes, over ``default``; and one line per value it could not read."""
        problems: list[str] = []
        state = default
        overrides = dict(default.overrides)
        for key, text in parse_qsl(search or "", keep_blank_values=True):
            if key == "scenario":
                state = replace(state, scenario=text)
            elif key in ("seed", "months"):
                if text.isdigit() and (int(text) >= 1 or key == "seed"):
                    state = replace(state, **{key: int(text)})
                else:
                    problems.append(f"{key} = {text!r} is not allowed: expected a whole number"
                                    f"{' >= 1' if key == 'months' else ' >= 0'}")
            elif key == "mode":
                if text in MODE_LABELS:
                    state = replace(state, mode=text)
                else:
                    problems.append(f"mode = {text!r} is not allowed: expected one of {', '.join(MODE_LABELS)}")
            elif key == "bands":
                if text.isdigit() and int(text) in BAND_CHOICES:
                    state = replace(state, bands=int(text))
                else:
                    problems.append(f"bands = {text!r} is not allowed: expected one of "
                                    f"{', '.join(str(b) for b in BAND_CHOICES)} (seeds in the band; 0: none)")
            elif key == "view":
                if text in VIEWS:
                    state = replace(state, view=text)
                else:
                    problems.append(f"view = {text!r} is not allowed: expected one of {', '.join(VIEWS)}")
            elif key.startswith(PARAM_PREFIX):
                overrides[key[len(PARAM_PREFIX):]] = _number(text)
            else:
                problems.append(f"{key} is not a setting of the app: "
                                "expected scenario, seed, months, mode, view, bands or p.<parameter>")
        return replace(state, overrides=tuple(sorted(overrides.items()))), problems

    def to_query(self) -> str:
        """The query string of this state (parameters sorted, so one state has one URL)."""
        pairs = [("scenario", self.scenario), ("seed", str(self.seed)), ("months", str(self.months)), ("mode", self.mode),
                 ("view", self.view), ("bands", str(self.bands))]
        pairs += [(f"{PARAM_PREFIX}{path}", f"{value:g}" if isinstance(value, float) else str(value))
                  for path, value in self.overrides]
        return urlencode(pairs)

    def with_override(self, path: str, value: float | int | None) -> RunState:
        """This state with one parameter set (``None``: back to the scenario's value)."""
        changed = dict(self.overrides)
        if value is None:
            changed.pop(path, None)
        else:
            changed[path] = value
        return replace(self, overrides=tuple(sorted(changed.items())))
