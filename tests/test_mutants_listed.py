"""The mutant list (tests/mutation.py, run by ``make mutation``) stays in step with the code it mutates."""

from __future__ import annotations

from tests.mutation import MUTANTS, ROOT, check_mutants, fast_test_command


def test_every_mutant_s_text_occurs_once_in_its_file() -> None:
    """Each mutant's original text is found exactly once where it says, so ``make mutation`` runs every mutant rather
    than stopping at the first stale one. Fails when code a mutant names is rewritten or moved without the list."""
    check_mutants(ROOT)
    assert len({mutant.id for mutant in MUTANTS}) == len(MUTANTS)


def test_mutants_are_not_run_against_this_check() -> None:
    """``make mutation`` leaves this file out of the tests it runs on a mutant: there the mutant's text is gone by
    design, so this check would count every mutant as killed. Fails if the file is run on mutants."""
    assert "tests/test_mutants_listed.py" not in fast_test_command(ROOT)
    assert "tests/test_ledger.py" in fast_test_command(ROOT)
