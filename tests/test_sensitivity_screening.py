"""The screening that chooses the sensitivity's ten parameters (experiments/sensitivity_screening.py)."""

from __future__ import annotations

import pytest

from experiments import sensitivity, sensitivity_screening as screening
from experiments.sensitivity_screening import Outcome, Screened
from market.parameters.schema import ParamMeta


def test_a_family_is_one_field_of_every_member_of_a_roster() -> None:
    """Known answers: a roster member's name becomes ``*``; a group's field keeps its path. Fails if members of a roster
    are screened one by one (a hundred near-copies) or groups are merged."""
    assert screening.family_of("labs.frontier_lab_a.cash_buffer_months") == "labs.*.cash_buffer_months"
    assert screening.family_of("chipmakers.incumbent_gpu.base_markup") == "chipmakers.*.base_markup"
    assert screening.family_of("demand.price_elasticity") == "demand.price_elasticity"
    assert screening.family_of("lab_behaviour.planning_horizon_months") == "lab_behaviour.planning_horizon_months"


def test_a_varied_value_stays_in_its_allowed_range_and_integers_are_rounded() -> None:
    """Known answers: a share of 0.8 at 150% stops at its upper bound 1; 7 months at 50% is 4 (3.5 rounded half to
    even is 4); an integer at an open lower bound 0 stays at least 1. Fails if a variant leaves the schema's range."""
    share = ParamMeta(unit="1", description="", source="assumption: x", lo=0.0, hi=1.0, kind="float")
    months = ParamMeta(unit="months", description="", source="assumption: x", lo=0, lo_open=True, kind="int")
    assert screening.scaled(0.8, share, 1.5) == 1.0
    assert screening.scaled(0.8, share, 0.5) == pytest.approx(0.4)
    assert screening.scaled(7, months, 0.5) == 4
    assert screening.scaled(1, months, 0.5) == 1


def test_the_effect_is_the_largest_change_each_on_its_own_scale() -> None:
    """Known answer: against a baseline of 0 defaults, peak 2.0, 100 GW and $400bn of frontier profit, a variant with
    1 default, peak 2.1, 80 GW and $300bn has effects 0.2, 0.05, 0.2 and 0.25: the profit's sets it. Fails if a scale is
    wrong or the smallest change is taken."""
    base = Outcome(0.0, 2.0, 100.0, 4.0, 400.0)
    effect, name = screening.effect_of(base, Outcome(1.0, 2.1, 80.0, 3.0, 300.0))
    assert effect == pytest.approx(0.25)
    assert name == "frontier labs' profit"


def test_the_chosen_ten_are_the_largest_effects_and_skip_families_not_varied_or_refused() -> None:
    """Known answer on made-up, unsorted results: the largest effects first, ties broken by name; a family not varied,
    or one of whose variants the model refused, is never chosen."""
    results = [Screened("c", 1, 0.1, "peak bubble index", 0.5), Screened("z", 2, 0.0, "", 1.0, "unchanged"),
               Screened("b", 1, 0.3, "world compute", 1.5), Screened("r", 3, 0.9, "world compute", 0.5, "x1.5: refused: x"),
               Screened("a", 1, 0.3, "world compute", 0.5), Screened("d", 1, 0.05, "defaults", 1.5)]
    assert screening.chosen_families(results, count=3) == ("a", "b", "c")
    assert [r.family for r in screening.rank(results)] == ["r", "a", "b", "c", "d", "z"]


def test_the_kept_screening_covers_every_assumed_parameter_and_the_sensitivity_varies_its_top_ten() -> None:
    """``experiments/data/sensitivity_screening.csv`` (``make sensitivity``) lists exactly the assumed parameter families
    the schema has now, each with its number of members, and the sensitivity varies ten families none of the others
    has a larger effect than. Fails if a parameter or roster member was added, removed or re-sourced since the screening
    ran (run ``make sensitivity``)."""
    kept = screening.read()
    families = screening.assumed_families()
    assert {(r.family, r.members) for r in kept} == {(name, len(members)) for name, members in families.items()}, (
        "stale screening: run 'make sensitivity'")
    assert len(sensitivity.PARAMETERS) == screening.CHOSEN
    chosen = [r for r in kept if r.family in sensitivity.PARAMETERS]
    others = [r for r in kept if r.largest_on and "refused" not in r.note and r.family not in sensitivity.PARAMETERS]
    assert min(r.effect for r in chosen) >= max(r.effect for r in others)
