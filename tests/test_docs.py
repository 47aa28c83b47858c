"""Generated docs are fresh: regenerating them changes nothing."""

from __future__ import annotations

import pytest

from experiments.docs import DOCS, render_parameters


def test_parameters_doc_is_generated_from_the_schema() -> None:
    assert (DOCS / "parameters.md").read_text() == render_parameters(), "docs/parameters.md is stale: run 'make docs'"


def test_every_default_has_a_unit_and_a_source() -> None:
    from market.parameters.params import Params
    from market.parameters.scenario import describe_params

    for row in describe_params(Params()):
        assert row["unit"], row["path"]
        assert len(row["source"]) > 20, f"{row['path']} has no source or no reasoning"
        assert row["description"], row["path"]


def test_no_default_cites_an_internal_issue_as_its_source() -> None:
    """A source names public evidence or states the assumption's reasoning; an issue number is neither."""
    import re

    from market.parameters.params import Params
    from market.parameters.scenario import describe_params

    for row in describe_params(Params()):
        assert not re.search(r"\bissue\b|#\d+", row["source"], flags=re.IGNORECASE), (row["path"], row["source"])


def test_the_sensitivity_doc_covers_its_parameters_and_each_is_an_assumption() -> None:
    """docs/sensitivity.md (``make sensitivity``) names every parameter (or family of parameters) the command varies in
    its table, and a family varies exactly its members whose defaults are assumptions (sourced members stay)."""
    from experiments.sensitivity import DOC, FAMILIES, PARAMETERS
    from experiments.sensitivity_screening import family_of
    from market.parameters.params import Params
    from market.parameters.scenario import describe_params

    sources = {row["path"]: row["source"] for row in describe_params(Params())}
    text = DOC.read_text()
    table = text.split("## How the ten were chosen")[0]
    assert len(PARAMETERS) == 10
    for path in PARAMETERS:
        assumed = [p for p in sources if family_of(p) == path and sources[p].startswith("assumption")]
        assert assumed and FAMILIES[path] == assumed, (path, FAMILIES[path], assumed)
        assert f"| `{path}` |" in table, f"docs/sensitivity.md is stale: run 'make sensitivity' ({path} missing)"
    from experiments.sensitivity import RAMP_PARAMETERS, ROSTER
    for path in RAMP_PARAMETERS:
        assert f"`{path.split('.')[-1]}` x 0.5" in text, f"docs/sensitivity.md is stale: run 'make sensitivity' ({path})"
    assert f"| {ROSTER} |" in text


def test_the_sensitivity_table_states_means_and_changes_from_the_baseline() -> None:
    """Known answer: baseline seeds give 1 and 3 defaults (mean 2.0, range 1.0-3.0); a variant giving 4 and 4 shows
    4.0 (+2.0). Fails if cells show a seed's value or the change is taken from the wrong row."""
    from experiments.sensitivity import Outcome, render

    outcomes = {("", 1.0, 1): Outcome(1, 1.0, 100, 3), ("", 1.0, 2): Outcome(3, 1.2, 110, 4)}
    for factor in (0.5, 1.5):
        outcomes[("demand.price_elasticity", factor, 1)] = Outcome(4, 1.0, 90, 2)
        outcomes[("demand.price_elasticity", factor, 2)] = Outcome(4, 1.0, 90, 2)
    text = render(outcomes)
    assert "| baseline | | | 2.0 (1.0-3.0) | 1.10 (1.00-1.20) | 105 (100-110) | 3.5 (3.0-4.0) |" in text
    assert "| `demand.price_elasticity` | 1.2 | 0.6 | 4.0 (+2.0) | 1.00 (-0.10) | 90 (-15) | 2.0 (-1.5) |" in text


def test_the_scenarios_template_names_only_measured_scenarios_and_measures() -> None:
    """Every placeholder of the scenarios page names a scenario the headline runs cover and a headline measure, and
    renders from a made-up measurement; an unknown measure is refused. Fails if the template quotes a number no
    command measures."""
    from experiments import headlines, scenarios_doc

    values = {m.name: 1.0 for m in headlines.MEASURES} | {headlines.FIRST_GW_PER_WEEK: "2031-11"}
    measured = {(name, seed): values for name in headlines.SCENARIOS for seed in headlines.SEEDS}
    text = scenarios_doc.render(scenarios_doc.TEMPLATE.read_text(), measured)
    assert "{{" not in text and "in November 2031" in text
    with pytest.raises(KeyError, match="not a headline measure"):
        scenarios_doc.render("{{baseline|no such measure}}", measured)
