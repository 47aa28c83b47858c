"""The typed, dated relations graph over all agents (DESIGN section 4)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd


class EdgeType(StrEnum):
    """Types of relation between agents."""

    SUPPLIES = "supplies"
    POWERS = "powers"
    LEASES = "leases"
    INVESTS = "invests"
    LENDS = "lends"
    PARTNERS = "partners"
    REGULATES = "regulates"
    BLOCKS = "blocks"
    CO_INVESTS = "co_invests"


class RelationsNetwork:
    """A networkx MultiDiGraph whose nodes are agent ids and whose edges carry a type and dates.

    Each (source, target, type) is one edge; repeated deals between the same pair update it
    (amounts accumulate, ``last_date`` moves on), so the graph stays one edge per relation.
    """

    def __init__(self) -> None:
        self.graph = nx.MultiDiGraph()

    def add_node(self, node_id: int, **attrs: Any) -> None:
        """Add an agent as a node with its descriptive attributes."""
        self.graph.add_node(node_id, **attrs)

    def add_or_update(self, source: int, target: int, edge_type: EdgeType, date: str,
                      accumulate: dict[str, float] | None = None, **attrs: Any) -> None:
        """Create the edge if new, else update it; numbers in ``accumulate`` are added to the edge's."""
        key = str(edge_type)
        if self.graph.has_edge(source, target, key=key):
            data = self.graph.edges[source, target, key]
        else:
            self.graph.add_edge(source, target, key=key, type=key, start_date=date)
            data = self.graph.edges[source, target, key]
        data["last_date"] = date
        for name, amount in (accumulate or {}).items():
            data[name] = data.get(name, 0.0) + float(amount)
        data.update(attrs)

    def has(self, source: int, target: int, edge_type: EdgeType) -> bool:
        """Whether the relation exists."""
        return self.graph.has_edge(source, target, key=str(edge_type))

    def edges(self, edge_type: EdgeType) -> list[tuple[int, int, dict[str, Any]]]:
        """Return (source, target, data) of every edge of the given type."""
        key = str(edge_type)
        return [(u, v, d) for u, v, k, d in self.graph.edges(keys=True, data=True) if k == key]

    def neighbours(self, node: int, edge_type: EdgeType) -> list[int]:
        """Targets of ``node``'s outgoing edges of the given type."""
        key = str(edge_type)
        return [v for _, v, k in self.graph.out_edges(node, keys=True) if k == key]

    def edge_table(self) -> pd.DataFrame:
        """Every edge as a row: source and target ids and names, type, then its dates and amounts (one column per
        attribute any edge has, empty where an edge has none), in the graph's edge order."""
        names = {node: data.get("name") for node, data in self.graph.nodes(data=True)}
        columns = ["source", "source_name", "target", "target_name", "type"]
        rows = [{"source": u, "source_name": names.get(u), "target": v, "target_name": names.get(v), "type": k,
                 **{name: _table_value(x) for name, x in data.items() if x is not None and name not in (*columns, "type")}}
                for u, v, k, data in self.graph.edges(keys=True, data=True)]
        table = pd.DataFrame(rows)
        if table.empty:
            return pd.DataFrame({"source": pd.Series(dtype="int64"), "source_name": pd.Series(dtype="str"),
                                 "target": pd.Series(dtype="int64"), "target_name": pd.Series(dtype="str"),
                                 "type": pd.Series(dtype="str")})
        return table[columns + sorted(c for c in table.columns if c not in columns)]

    def write_graphml(self, path: Path) -> None:
        """Export as GraphML; dates are ISO strings and empty values are dropped."""
        clean = nx.MultiDiGraph()
        for node, data in self.graph.nodes(data=True):
            clean.add_node(node, **{k: _graphml_value(v) for k, v in data.items() if v is not None})
        for u, v, k, data in self.graph.edges(keys=True, data=True):
            clean.add_edge(u, v, key=k, **{name: _graphml_value(x) for name, x in data.items() if x is not None})
        nx.write_graphml(clean, path)


def _table_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return _graphml_value(value)


def _graphml_value(value: Any) -> Any:
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)
