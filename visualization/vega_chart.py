"""The app's chart component: an Altair chart drawn by Vega-Lite in the browser, redrawn in place when only its data
change (a Step's new month), so a step-by-step run redraws in tens of milliseconds rather than embedding every chart
anew after Solara's 100 ms debounce.

The spec is made without Altair's schema validation (the charts are fixed code, validated by the tests through
:func:`spec_of` with ``validate=True``), and its datasets get stable names (``table_0``, ``table_1`` ... in order of
appearance), so the browser can tell a change of data from a change of chart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import altair as alt
import solara
import solara.widgets

TEMPLATE = Path(__file__).with_name("vega_chart.vue")


class VegaChart(solara.widgets.VegaLite):
    """Solara's Vega-Lite widget with the in-place redraw of ``vega_chart.vue``."""

    template_file = str(TEMPLATE)


def _rename_data(node: Any, names: dict[str, str]) -> Any:
    if isinstance(node, dict):
        renamed = {key: _rename_data(value, names) for key, value in node.items() if key != "datasets"}
        if isinstance(node.get("data"), dict) and node["data"].get("name") in names:
            renamed["data"] = {**node["data"], "name": names[node["data"]["name"]]}
        return renamed
    if isinstance(node, list):
        return [_rename_data(item, names) for item in node]
    return node


def spec_of(chart: alt.TopLevelMixin, validate: bool = False) -> dict[str, Any]:
    """The chart's Vega-Lite spec, its datasets renamed ``table_0``, ``table_1`` ... in order of appearance."""
    spec = chart.to_dict(validate=validate)
    names = {name: f"table_{i}" for i, name in enumerate(spec.get("datasets", {}))}
    renamed = _rename_data(spec, names)
    if names:
        renamed["datasets"] = {names[name]: values for name, values in spec["datasets"].items()}
    return renamed


@solara.component
def Chart(chart: alt.TopLevelMixin) -> None:
    """An Altair chart, drawn by :class:`VegaChart`."""
    VegaChart.element(spec=spec_of(chart))
