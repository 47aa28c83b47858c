"""Large column-major matrices that are mostly zero, and an index of the rows each column may hold.

The capital market's share register and loan book are accounts x issuers: at ``run.scale`` 240 that is 81,000 x 9,800
entries, of which a follower's column holds about 120 holders and no lender. Reading a column whole to find them costs
time in proportion to all accounts, once per firm per month: the market's cost then grows with the square of its agents.
:class:`ColumnRows` keeps, for each column, a sorted superset of the rows that may be non-zero, written as the matrix is
written, so a column's holders are found in time proportional to them, in the order a whole-column scan finds them.
"""

from __future__ import annotations

import contextlib
import mmap

import numpy as np

NO_ROWS = np.zeros(0, dtype=np.int64)


class ColumnRows:
    """For each column of a matrix, the sorted rows that may be non-zero (every row ever written non-zero; a superset).

    Whoever writes a non-zero entry adds its row (:meth:`add`); zeroing an entry need not remove it. A row the index
    lacks is read as zero by every method here, so a write that bypasses the index is a bug (``tests/invariants.py``
    checks the index covers every non-zero entry).

    Args:
        n_columns: Number of columns.
    """

    def __init__(self, n_columns: int) -> None:
        self._rows: list[np.ndarray] = [NO_ROWS] * n_columns
        self._written = np.zeros(n_columns, dtype=bool)

    def add(self, column: int, rows: np.ndarray) -> None:
        """Record that ``rows`` of ``column`` may now be non-zero (rows already known cost a binary search each; the
        column is re-sorted only when some are new)."""
        rows = np.asarray(rows, dtype=np.int64)
        if not rows.size:
            return
        known = self._rows[column]
        if known.size:
            at = np.minimum(np.searchsorted(known, rows), known.size - 1)
            rows = rows[known[at] != rows]
            if not rows.size:
                return
            self._rows[column] = np.union1d(known, rows)
        else:
            self._rows[column] = np.unique(rows)
        self._written[column] = True

    def rows_of(self, column: int) -> np.ndarray:
        """The rows of ``column`` that may be non-zero, in increasing order."""
        return self._rows[column]

    def has_rows(self, column: int) -> bool:
        """Whether any row of ``column`` may be non-zero (if not, the column is all zeros)."""
        return bool(self._written[column])

    def where_positive(self, matrix: np.ndarray, column: int) -> np.ndarray:
        """``np.flatnonzero(matrix[:, column] > 0)``, read from the indexed rows only."""
        rows = self._rows[column]
        return rows[matrix[rows, column] > 0]

    def where_nonzero(self, matrix: np.ndarray, column: int) -> np.ndarray:
        """``np.flatnonzero(matrix[:, column])``, read from the indexed rows only."""
        rows = self._rows[column]
        return rows[matrix[rows, column] != 0]

    def entries(self) -> tuple[np.ndarray, np.ndarray]:
        """(rows, columns) of every indexed entry, column by column and by row within a column."""
        sizes = np.fromiter((rows.size for rows in self._rows), dtype=np.int64, count=len(self._rows))
        if not sizes.sum():
            return NO_ROWS, NO_ROWS
        return np.concatenate(self._rows), np.repeat(np.arange(len(self._rows), dtype=np.int64), sizes)

    def columns_with_rows(self) -> np.ndarray:
        """The columns any row of which may be non-zero, in increasing order."""
        return np.flatnonzero(self._written)


def zeros_backed_as_written(shape: tuple[int, int], dtype: type = float) -> np.ndarray:
    """A column-major matrix of zeros in anonymous memory the operating system backs a 4 KiB page at a time, as it is
    written (reading an unwritten page costs no memory).

    numpy asks for transparent huge pages on large arrays, and with them one write backs 2 MiB: at ``run.scale`` 60,
    where a follower's column of 20,000 accounts is 160 KiB and its holders a few hundred consecutive investors, each
    follower's few written entries backed a dozen columns and the stake register took all of its 380 MiB.
    """
    size = int(np.prod(shape)) * np.dtype(dtype).itemsize
    if size == 0 or not hasattr(mmap, "MAP_PRIVATE") or not hasattr(mmap, "MAP_ANONYMOUS"):
        return np.zeros(shape, dtype=dtype, order="F")
    flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | getattr(mmap, "MAP_NORESERVE", 0)
    buffer = mmap.mmap(-1, size, flags=flags)
    if hasattr(mmap, "MADV_NOHUGEPAGE"):
        with contextlib.suppress(OSError):
            buffer.madvise(mmap.MADV_NOHUGEPAGE)
    return np.ndarray(shape, dtype=dtype, buffer=buffer, order="F")
