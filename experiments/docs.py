"""Generate ``docs/parameters.md`` from the parameter schema (run: ``make docs``).

The table cannot drift from the code: a test regenerates it and fails when the file differs.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import fields
from pathlib import Path

from market.parameters.params import Params
from market.parameters.scenario import describe_params, load_scenario

DOCS = Path(__file__).resolve().parent.parent / "docs"
HEADER = """# Parameters

Generated from the schema by `make docs` (`python -m experiments.docs`); do not edit by hand.
Every parameter has a dotted path usable in a scenario's `[params]` table or with
`aicm run --set PATH=VALUE`. Sources marked "assumption" have no public figure; the reasoning follows.
The column "set_param mid-run" says whether a scenario's `set_param` event may change the value during a run;
"no: set-up only" values are read once, when the model is built, and an event naming them is refused.
"""


def _cell(value: object) -> str:
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value) or "(none)"
    if isinstance(value, float):
        value = f"{value:g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def agent_counts() -> dict[str, int]:
    """Agents by type in the baseline (built, not run)."""
    from market.model import ComputeMarket

    model = ComputeMarket(load_scenario("baseline"), rng=1)
    return dict(Counter(str(agent.agent_type) for agent in model.agents))


def with_entry_templates(params: Params) -> tuple[Params, dict[str, str]]:
    """The parameters with an entry named ``<name>`` at its defaults in each open group that has none (vendor deals,
    capacity contracts), so their fields are documented; and, for each such group, the first paragraph of its entries'
    docstring."""
    added: dict[str, str] = {}
    for spec_field in fields(Params):
        entry_class = spec_field.metadata.get("open")
        group = getattr(params, spec_field.name)
        if entry_class is not None and not group:
            group["<name>"] = entry_class()
            text = " ".join((entry_class.__doc__ or "").split("\n\n")[0].split())
            added[spec_field.name] = re.sub(r":\w+:`([^`]+)`", r"`\1`", text).replace("``", "`")
    return params, added


def render_parameters() -> str:
    """The whole of docs/parameters.md."""
    lines = [HEADER]
    counts = agent_counts()
    lines.append("## Baseline agent counts\n")
    lines.append("| agent type | count |\n|---|---|")
    lines += [f"| {kind} | {n} |" for kind, n in counts.items()]
    lines.append(f"| total | {sum(counts.values())} |\n")
    lines.append("Investors and follower labs scale with `run.scale`.\n")
    group = None
    params, added = with_entry_templates(Params())
    for row in describe_params(params):
        top = row["path"].split(".")[0]
        if top != group:
            group = top
            lines.append(f"\n## `{group}`\n")
            if group in added:
                lines.append(f"None in the baseline. {added[group]} A scenario adds one as a `[params.{group}.<name>]` table; "
                             "the defaults below are what an entry's omitted fields take.\n")
            lines.append("| path | default | unit | allowed | set_param mid-run | description | source |")
            lines.append("|---|---|---|---|---|---|---|")
        cells = (_cell(row[k]) for k in ("path", "value", "unit", "allowed", "mid_run", "description", "source"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Write docs/parameters.md."""
    DOCS.mkdir(exist_ok=True)
    (DOCS / "parameters.md").write_text(render_parameters())
    print(f"wrote {DOCS / 'parameters.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
