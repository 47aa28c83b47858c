"""Generated docs are fresh: regenerating them changes nothing."""

from __future__ import annotations

from experiments.docs import DOCS, render_parameters


def test_parameters_doc_is_generated_from_the_schema() -> None:
    assert (DOCS / "parameters.md").read_text() == render_parameters(), "docs/parameters.md is stale: run 'make docs'"


def test_every_default_has_a_unit_and_a_source() -> None:
    from market.params import Params
    from market.scenario import describe_params

    for row in describe_params(Params()):
        assert row["unit"], row["path"]
        assert len(row["source"]) > 20, f"{row['path']} has no source or no reasoning"
        assert row["description"], row["path"]
