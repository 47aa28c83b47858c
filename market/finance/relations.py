"""The capital market's stakes, loans and bonds as relations of the network (docs/ODD.md section 2, Network), read from its
matrices a block of firms at a time.

The matrices are the record: a run at scale holds millions of stakes (every investor holds every follower), too many
to put in the relations graph. The run's outputs stream them instead (:mod:`market.outputs.network_files`), so writing
them costs memory for one block, not for the whole network. Each relation is what
:meth:`market.network.RelationsNetwork.add_or_update` would make of it, dated by the month it began (``start_date``
and ``last_date``: the matrices keep no later deal dates; the run's last month for a relation without a recorded
start).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from market.network import EdgeType, RelationsNetwork
from market.physical.compute import format_month

if TYPE_CHECKING:
    from market.finance.capital import CapitalMarket

ATTRIBUTES = {EdgeType.INVESTS: ("stake", "amount_usd_bn"), EdgeType.LENDS: ("principal_usd_bn", "rate"),
              EdgeType.HOLDS_BONDS: ("face_usd_bn", "coupon")}
"""Each relation type's amounts: a holder's stake and what it invested; a lender's principal and its rate; a
bondholder's face value and its coupon."""
DATES = ("start_date", "last_date")


class CapitalRelations:
    """'invests' (holder -> firm), 'lends' (lender -> borrower) and 'holds_bonds' (bondholder -> issuer) relations read
    from a capital market's matrices.

    Args:
        capital: The capital market.
        rows_at_once: Most relations read in one block (a block is whole firms' columns, at least one firm).
    """

    def __init__(self, capital: CapitalMarket, rows_at_once: int = 200_000) -> None:
        self.capital = capital
        self.rows_at_once = rows_at_once
        self.today = capital.model.date

    @property
    def types(self) -> tuple[EdgeType, ...]:
        """The relation types read from the matrices."""
        return tuple(ATTRIBUTES)

    def value_columns(self, edge_type: EdgeType) -> tuple[tuple[str, str], ...]:
        """(name, GraphML type) of a relation's values after source and target: its dates, then its amounts."""
        return tuple((name, "string") for name in DATES) + tuple((name, "double") for name in ATTRIBUTES[edge_type])

    def _matrices(self, edge_type: EdgeType) -> tuple[np.ndarray, float, tuple[np.ndarray, ...]]:
        """The matrix whose entries above its floor are the relations, the floor, and the amounts' matrices."""
        capital = self.capital
        if edge_type is EdgeType.INVESTS:
            return capital.stakes, 0.0, (capital.stakes, capital.invested)
        if edge_type is EdgeType.HOLDS_BONDS:
            return capital.bonds.face, 1e-12, (capital.bonds.face, capital.bonds.coupon)
        return capital.loans, 1e-12, (capital.loans, capital.rates)

    def find(self, edge_type: EdgeType, source: int, target: int) -> dict[str, Any] | None:
        """What ``add_or_update`` would set on an edge the graph already holds: its last date and amounts (its start date
        is kept); None when the matrices hold no such relation."""
        matrix, floor, amounts = self._matrices(edge_type)
        if target >= matrix.shape[1] or not matrix[source, target] > floor:
            return None
        start = _date(int(self.capital.first_month_plus_one[source, target]) - 1, self.today)
        return {"last_date": start, **{name: float(values[source, target])
                                       for name, values in zip(ATTRIBUTES[edge_type], amounts, strict=True)}}

    def read_blocks(self, edge_type: EdgeType) -> Iterator[pd.DataFrame]:
        """Every relation of the type, a block of firms at a time (each firm's holders or lenders in account order):
        tables of source, target, start_date, last_date and the amounts. Each block of columns is compared with the
        floor in slices (an entry that is not a number is no relation), so no accounts x accounts mask is made."""
        matrix, floor, amounts = self._matrices(edge_type)
        width = max(1, self.rows_at_once // max(matrix.shape[0], 1))
        held = np.concatenate([start + np.flatnonzero((matrix[:, start:start + width] > floor).any(axis=0))
                               for start in range(0, matrix.shape[1], width)] or [np.empty(0, dtype=np.int64)])
        for first in range(0, len(held), width):
            block = held[first:first + width]
            column, sources = np.nonzero((matrix[:, block] > floor).T)
            if len(sources):
                yield self._table(edge_type, sources.astype(np.int64), block[column], amounts)

    def write_to(self, network: RelationsNetwork) -> None:
        """Write every relation as an edge of ``network`` (the matrices are the record; the run's outputs stream
        :meth:`read_blocks` instead, without putting millions of stakes in the graph)."""
        for edge_type, table in self.read_tables().items():
            attributes = [column for column in table.columns if column not in ("source", "target", *DATES)]
            for row in table.itertuples(index=False):
                network.add_or_update(int(row.source), int(row.target), edge_type, row.start_date,
                                      **{name: float(getattr(row, name)) for name in attributes})

    def read_tables(self) -> dict[EdgeType, pd.DataFrame]:
        """Every relation of each type in one table (for analysis and tests; the outputs stream :meth:`read_blocks`)."""
        tables = {}
        for edge_type in self.types:
            frames = list(self.read_blocks(edge_type))
            tables[edge_type] = (pd.concat(frames, ignore_index=True) if frames
                                 else self._table(edge_type, *_no_rows(), ()))
        return tables

    def _table(self, edge_type: EdgeType, sources: np.ndarray, targets: np.ndarray,
               amounts: tuple[np.ndarray, ...]) -> pd.DataFrame:
        """A block's relations as a table."""
        starts = self.capital.first_month_plus_one[sources, targets] - 1
        months, codes = np.unique(starts, return_inverse=True)
        dates = np.array([_date(int(month), self.today) for month in months] or [self.today], dtype=object)[codes]
        values = ({name: matrix[sources, targets] for name, matrix in zip(ATTRIBUTES[edge_type], amounts, strict=True)}
                  if amounts else {name: np.empty(0) for name in ATTRIBUTES[edge_type]})
        return pd.DataFrame({"source": sources, "target": targets, "start_date": dates, "last_date": dates, **values})


def _no_rows() -> tuple[np.ndarray, np.ndarray]:
    """Empty sources and targets."""
    return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)


def _date(month: int, fallback: str) -> str:
    """A month index as YYYY-MM, ``fallback`` for none recorded."""
    return format_month(month) if month >= 0 else fallback
