"""The typed, dated relations graph over all agents (docs/ODD.md section 2, Network)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

import networkx as nx


class EdgeType(StrEnum):
    """Types of relation between agents."""

    SUPPLIES = "supplies"
    POWERS = "powers"
    LEASES = "leases"
    INVESTS = "invests"
    LENDS = "lends"
    HOLDS_BONDS = "holds_bonds"
    PARTNERS = "partners"
    REGULATES = "regulates"
    BLOCKS = "blocks"
    CO_INVESTS = "co_invests"


class RelationsNetwork:
    """A networkx MultiDiGraph whose nodes are agent ids and whose edges carry a type and dates.

    Each (source, target, type) is one edge; repeated deals between the same pair update it
    (amounts accumulate, ``last_date`` moves on), so the graph stays one edge per relation. Stakes and loans stay in
    the capital market's matrices (:mod:`market.finance.relations`); the outputs merge them in as they are written
    (:mod:`market.outputs.network_files`).
    """

    def __init__(self) -> None:
        self.graph = nx.MultiDiGraph()
        self._sources: dict[str, dict[int, set[int]]] = {}
        self._targets: dict[str, dict[int, set[int]]] = {}

    def _add_edge(self, source: int, target: int, key: str, date: str) -> None:
        """Create the edge and index it by type, both ways."""
        self.graph.add_edge(source, target, key=key, type=key, start_date=date)
        self._sources.setdefault(key, {}).setdefault(target, set()).add(source)
        self._targets.setdefault(key, {}).setdefault(source, set()).add(target)

    def add_node(self, node_id: int, **attrs: Any) -> None:
        """Add an agent as a node with its descriptive attributes."""
        self.graph.add_node(node_id, **attrs)

    def add_or_update(self, source: int, target: int, edge_type: EdgeType, date: str,
                      accumulate: dict[str, float] | None = None, **attrs: Any) -> None:
        """Create the edge if new, else update it; numbers in ``accumulate`` are added to the edge's."""
        key = str(edge_type)
        if not self.graph.has_edge(source, target, key=key):
            self._add_edge(source, target, key, date)
        data = self.graph.edges[source, target, key]
        data["last_date"] = date
        for name, amount in (accumulate or {}).items():
            data[name] = data.get(name, 0.0) + float(amount)
        data.update(attrs)

    def accumulate_from_many(self, sources: Sequence[int], target: int, edge_type: EdgeType, date: str, name: str,
                             amounts: Sequence[float]) -> None:
        """``add_or_update(source, target, edge_type, date, accumulate={name: amount})`` for each source and amount in
        turn, in one pass (a fab's thousands of partners)."""
        key = str(edge_type)
        # networkx's own dict of target -> source -> key -> data (networkx is pinned; a view per lookup costs ~5x), read
        # only: new edges go through add_edge
        predecessors = self.graph._pred
        of_target = predecessors.get(target, {})
        for source, amount in zip(sources, amounts, strict=True):
            keys = of_target.get(source)
            data = keys.get(key) if keys is not None else None
            if data is None:
                self._add_edge(source, target, key, date)
                of_target = predecessors[target]
                data = of_target[source][key]
            data["last_date"] = date
            data[name] = data.get(name, 0.0) + float(amount)

    def has(self, source: int, target: int, edge_type: EdgeType) -> bool:
        """Whether the relation exists."""
        return self.graph.has_edge(source, target, key=str(edge_type))

    def edges(self, edge_type: EdgeType) -> list[tuple[int, int, dict[str, Any]]]:
        """Return (source, target, data) of every edge of the given type."""
        key = str(edge_type)
        return [(u, v, d) for u, v, k, d in self.graph.edges(keys=True, data=True) if k == key]

    def sources_of(self, target: int, edge_type: EdgeType) -> frozenset[int]:
        """Sources of ``target``'s incoming edges of the given type, from an index kept as edges are added (the graph's
        edges are never removed), so a node's thousands of other edges are not scanned; empty for an unknown node."""
        return frozenset(self._sources.get(str(edge_type), {}).get(target, ()))

    def targets_of(self, source: int, edge_type: EdgeType) -> frozenset[int]:
        """Targets of ``source``'s outgoing edges of the given type (see :meth:`sources_of`)."""
        return frozenset(self._targets.get(str(edge_type), {}).get(source, ()))

    def neighbours(self, node: int, edge_type: EdgeType) -> list[int]:
        """Targets of ``node``'s outgoing edges of the given type."""
        key = str(edge_type)
        return [v for _, v, k in self.graph.out_edges(node, keys=True) if k == key]
