"""The index of each column's non-zero rows that the share registers and loan book are read through."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from market.finance.column_rows import ColumnRows, zeros_backed_as_written

N_ROWS, N_COLUMNS = 40, 6

writes = st.lists(st.tuples(st.integers(0, N_ROWS - 1), st.integers(0, N_COLUMNS - 1),
                            st.sampled_from([0.0, -1.5, 0.25, 3.0, np.nan])), max_size=60)


@settings(max_examples=200, deadline=None)
@given(writes)
def test_reads_through_the_index_equal_whole_column_scans(entries) -> None:
    """Written entry by entry (zeros too, and values written back to zero), every column's positive and non-zero rows
    read through the index equal ``np.flatnonzero`` of the whole column, in the same order, and a column never written
    reads as having no rows. Fails if the index drops a row, keeps rows unsorted or loses NaN entries."""
    matrix = zeros_backed_as_written((N_ROWS, N_COLUMNS))
    index = ColumnRows(N_COLUMNS)
    for row, column, value in entries:
        matrix[row, column] = value
        if value != 0:
            index.add(column, np.array([row]))
    for column in range(N_COLUMNS):
        np.testing.assert_array_equal(index.where_positive(matrix, column), np.flatnonzero(matrix[:, column] > 0))
        np.testing.assert_array_equal(index.where_nonzero(matrix, column), np.flatnonzero(matrix[:, column]))
        written = any(value != 0 for _, c, value in entries if c == column)
        assert index.has_rows(column) == written
    rows, columns = index.entries()
    assert set(zip(*np.nonzero(matrix), strict=True)) <= set(zip(rows.tolist(), columns.tolist(), strict=True))
    assert (np.diff(columns) >= 0).all()
    np.testing.assert_array_equal(index.columns_with_rows(), np.unique(columns))


def test_rows_added_again_or_in_batches_are_kept_once_and_in_order() -> None:
    """Adding rows 5, 3, 3 and then 3, 7, 1 to a column leaves rows 1, 3, 5, 7; adding only known rows changes nothing.
    Fails if a known row is added twice or the rows are left unsorted."""
    index = ColumnRows(2)
    index.add(1, np.array([5, 3, 3]))
    index.add(1, np.array([3, 7, 1]))
    index.add(1, np.array([7, 5]))
    np.testing.assert_array_equal(index.rows_of(1), [1, 3, 5, 7])
    assert not index.has_rows(0) and index.rows_of(0).size == 0


def test_a_firm_s_month_reads_its_own_holders_and_lenders(baseline_seed1) -> None:
    """At the end of the baseline, each firm's dividend payees and lenders read through the index are the whole
    column's, and its debt, interest due and the total debt equal whole-column sums. Fails if a register write skips the
    index (a holder would go unpaid, a loan unserviced)."""
    capital = baseline_seed1.model.capital
    for firm in baseline_seed1.model.equity.firms:
        account = firm.account
        np.testing.assert_array_equal(capital.holders.where_positive(capital.stakes, account),
                                      np.flatnonzero(capital.stakes[:, account] > 0))
        np.testing.assert_array_equal(capital.lenders.where_positive(capital.loans, account),
                                      np.flatnonzero(capital.loans[:, account] > 0))
        column, rates = capital.loans[:, account], capital.rates[:, account]
        face, coupon = capital.bonds.face[:, account], capital.bonds.coupon[:, account]
        finance = baseline_seed1.model.params.finance
        assert capital.debt_of(account) == pytest.approx(float(column.sum() + face.sum()), rel=1e-14)
        assert capital.interest_due(account) == pytest.approx(
            float(column @ rates / 12.0 + column.sum() / finance.debt_term_months
                  + face @ coupon / 12.0 + face.sum() / finance.bond_term_months), rel=1e-13)
    assert np.isclose(capital.total_debt(), float(capital.loans.sum() + capital.bonds.face.sum()), rtol=1e-14)
