"""The mutant list (tests/mutation.py, run by ``make mutation``) stays in step with the code it mutates."""

from __future__ import annotations

from tests.mutation import MUTANTS, ROOT, check_mutants


def test_every_mutant_s_text_occurs_once_in_its_file() -> None:
    """Each mutant's original text is found exactly once where it says, so ``make mutation`` runs every mutant rather
    than stopping at the first stale one. Fails when code a mutant names is rewritten or moved without the list."""
    check_mutants(ROOT)
    assert len({mutant.id for mutant in MUTANTS}) == len(MUTANTS)
