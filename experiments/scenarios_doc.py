"""docs/scenarios.md from its template and the headline runs: every number the prose quotes is measured, not typed.

The template (``experiments/templates/scenarios.md``) is the prose with placeholders ``{{SCENARIO|MEASURE}}`` naming a
scenario and a measure of :data:`experiments.headlines.MEASURES` (or ``first month at 1 GW a week``). A placeholder
becomes the smallest to the largest value over the seeds, ``low-high`` (one number when they agree); an optional third
part picks another form: ``pct`` (percent), ``seeds`` (every seed's value in seed order), ``abs`` (magnitudes, for a loss
quoted as a positive amount). The first month at 1 GW a week renders as ``between Month YYYY and Month YYYY``
(``in Month YYYY`` when the seeds agree, ``in none of the seeds`` when none gets there). ``make headlines`` writes this document
and docs/headlines.md from the same runs; ``tests/test_policy_scenarios.py`` fails when either is stale.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from experiments.headlines import FIRST_GW_PER_WEEK, MEASURES

TEMPLATE = Path(__file__).resolve().parent / "templates" / "scenarios.md"
DOC = Path(__file__).resolve().parent.parent / "docs" / "scenarios.md"
PLACEHOLDER = re.compile(r"\{\{([^|{}]+)\|([^|{}]+)(?:\|([^|{}]+))?\}\}")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
FORMS = ("range", "pct", "seeds", "abs")


def format_number(value: float) -> str:
    """Three significant figures below 100, whole numbers with thousands separators above."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def format_month(month: str) -> str:
    """'2031-11' -> 'November 2031'."""
    year, number = month.split("-")
    return f"{MONTHS[int(number) - 1]} {year}"


def _range(low: str, high: str) -> str:
    return low if low == high else f"{low}-{high}"


def render_placeholder(scenario: str, measure: str, form: str,
                       measured: Mapping[tuple[str, int], Mapping[str, float | str]]) -> str:
    """The text for one placeholder (see the module docstring).

    Raises:
        KeyError: for a scenario or measure that was not measured, or an unknown form.
    """
    values = [v[measure] for (name, _), v in sorted(measured.items()) if name == scenario]
    if not values:
        raise KeyError(f"scenario {scenario!r} was not measured")
    if form not in FORMS:
        raise KeyError(f"form {form!r}: expected one of {', '.join(FORMS)}")
    if measure == FIRST_GW_PER_WEEK:
        months = sorted(str(v) for v in values if v != "never")
        if not months:
            return "in none of the seeds"
        first, last = format_month(months[0]), format_month(months[-1])
        text = f"in {first}" if first == last else f"between {first} and {last}"
        return text if len(months) == len(values) else f"{text} ({len(values) - len(months)} of the seeds never)"
    numbers = [float(v) for v in values]
    if form == "seeds":
        return ", ".join(format_number(n) for n in numbers)
    if form == "pct":
        return _range(f"{100 * min(numbers):.0f}", f"{100 * max(numbers):.0f}") + "%"
    if form == "abs":
        numbers = sorted(abs(n) for n in numbers)
    return _range(format_number(min(numbers)), format_number(max(numbers)))


def render(template: str, measured: Mapping[tuple[str, int], Mapping[str, float | str]]) -> str:
    """The template with every placeholder filled from ``measured`` ((scenario, seed) -> measure -> value)."""
    known = {m.name for m in MEASURES} | {FIRST_GW_PER_WEEK}

    def fill(match: re.Match[str]) -> str:
        scenario, measure, form = match.group(1).strip(), match.group(2).strip(), (match.group(3) or "range").strip()
        if measure not in known:
            raise KeyError(f"measure {measure!r} is not a headline measure")
        return render_placeholder(scenario, measure, form, measured)

    return PLACEHOLDER.sub(fill, template)


def write(measured: Mapping[tuple[str, int], Mapping[str, float | str]]) -> Path:
    """Write docs/scenarios.md from the template and ``measured``."""
    DOC.write_text(render(TEMPLATE.read_text(), measured))
    return DOC
