"""Generate ``docs/parameters.md`` from the parameter schema (run: ``make docs``).

The table cannot drift from the code: a test regenerates it and fails when the file differs.
"""

from __future__ import annotations

import sys
from collections import Counter
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
    for row in describe_params(Params()):
        top = row["path"].split(".")[0]
        if top != group:
            group = top
            lines.append(f"\n## `{group}`\n")
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
