"""RunningSum equals Python's ``sum`` bit for bit (CPython 3.12: ints exactly, then Neumaier's sum over Python floats
with ints added plainly, then plain addition from the first term of another type)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from market.running_sum import RunningSum

NUMBERS = st.one_of(st.floats(-1e12, 1e12, allow_nan=False), st.integers(-(2**70), 2**70), st.integers(-5, 5), st.booleans(), st.just(-0.0), st.just(math.inf))
TERMS = st.lists(st.tuples(NUMBERS, st.booleans()), max_size=40)


@settings(max_examples=300, deadline=None)
@given(TERMS)
def test_a_running_sum_equals_sum_after_every_term(terms: list[tuple[float, bool]]) -> None:
    """After each term the running value equals ``sum`` of the list so far, in value and type, with Python floats, ints
    (beyond a C long too), bools, -0.0, infinity and numpy float64 mixed. Fails if the compensation were dropped (0.1 x
    10 would differ), kept after a numpy term, or an int ended the compensated stage."""
    values = [np.float64(x) if as_numpy and type(x) is float else x for x, as_numpy in terms]
    running = RunningSum()
    assert running.value == sum([])
    for i, term in enumerate(values):
        running.add(term)
        expected = sum(values[: i + 1])
        same = running.value == expected or (math.isnan(running.value) and math.isnan(expected))
        assert same and type(running.value) is type(expected), i
    assert RunningSum(values).value == sum(values)


def test_the_compensation_is_what_sum_keeps() -> None:
    """sum([0.1] * 10) is 1.0 in CPython 3.12 (compensated); plain addition gives 0.9999999999999999."""
    running = RunningSum([0.1] * 10)
    assert running.value == sum([0.1] * 10) == 1.0
    plain = RunningSum([np.float64(0.1)] + [0.1] * 9)
    assert plain.value == sum([np.float64(0.1)] + [0.1] * 9) != 1.0
    assert RunningSum([0, *[0.1] * 10]).value == sum([0, *[0.1] * 10]) == 1.0
