"""RunningSum equals Python's ``sum`` bit for bit (CPython 3.12: Neumaier's sum over Python floats, plain addition from
the first term that is not one)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from market.running_sum import RunningSum

TERMS = st.lists(st.tuples(st.floats(-1e12, 1e12, allow_nan=False), st.booleans()), max_size=40)


@settings(max_examples=300, deadline=None)
@given(TERMS)
def test_a_running_sum_equals_sum_after_every_term(terms: list[tuple[float, bool]]) -> None:
    """After each term the running value equals ``sum`` of the list so far, in value and type, with Python floats and
    numpy float64 mixed. Fails if the compensation were dropped (0.1 x 10 would differ) or kept after a numpy term."""
    values = [np.float64(x) if as_numpy else x for x, as_numpy in terms]
    running = RunningSum()
    assert running.value == sum([])
    for i, term in enumerate(values):
        running.add(term)
        expected = sum(values[: i + 1])
        assert running.value == expected and type(running.value) is type(expected), i
    assert RunningSum(values).value == sum(values)


def test_the_compensation_is_what_sum_keeps() -> None:
    """sum([0.1] * 10) is 1.0 in CPython 3.12 (compensated); plain addition gives 0.9999999999999999."""
    running = RunningSum([0.1] * 10)
    assert running.value == sum([0.1] * 10) == 1.0
    plain = RunningSum([np.float64(0.1)] + [0.1] * 9)
    assert plain.value == sum([np.float64(0.1)] + [0.1] * 9) != 1.0
