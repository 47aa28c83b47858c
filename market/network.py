"""The typed, dated relations graph over all agents (docs/ODD.md section 2, Network)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO
from xml.sax.saxutils import escape, quoteattr

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

    def edge_table(self, relations: Mapping[EdgeType, pd.DataFrame] | None = None) -> pd.DataFrame:
        """Every edge as a row: source and target ids and names, type, then its dates and amounts (one column per
        attribute any edge has, empty where an edge has none): the graph's edges in its order, then ``relations``.

        ``relations`` (:meth:`market.finance.capital.CapitalMarket.relation_tables`: per type, a table of source,
        target, start_date, last_date and amounts) are merged as :meth:`add_or_update` would put them in the graph: a
        relation the graph holds gets its dates and amounts, the others follow as new edges in their table's order.
        """
        updates, new = self._split_relations(relations or {})
        names = {node: data.get("name") for node, data in self.graph.nodes(data=True)}
        columns = ["source", "source_name", "target", "target_name", "type"]
        rows = [{"source": u, "source_name": names.get(u), "target": v, "target_name": names.get(v), "type": k,
                 **{name: _graphml_value(x) for name, x in {**data, **updates.get((u, v, k), {})}.items()
                    if x is not None and name not in (*columns, "type")}}
                for u, v, k, data in self.graph.edges(keys=True, data=True)]
        frames = [pd.DataFrame(rows)] + [table.assign(source_name=table["source"].map(names),
                                                      target_name=table["target"].map(names), type=str(edge_type))
                                         for edge_type, table in new.items()]
        frames = [frame for frame in frames if len(frame)]
        if not frames:
            return pd.DataFrame({"source": pd.Series(dtype="int64"), "source_name": pd.Series(dtype="str"),
                                 "target": pd.Series(dtype="int64"), "target_name": pd.Series(dtype="str"),
                                 "type": pd.Series(dtype="str")})
        table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        return table[columns + sorted(c for c in table.columns if c not in columns)]

    def _split_relations(self, relations: Mapping[EdgeType, pd.DataFrame]
                         ) -> tuple[dict[tuple[int, int, str], dict[str, Any]], dict[EdgeType, pd.DataFrame]]:
        """``relations`` split into updates of edges the graph holds ((source, target, type) -> its new dates and
        amounts) and the tables of the rest, found by one vectorised lookup per type."""
        updates: dict[tuple[int, int, str], dict[str, Any]] = {}
        new: dict[EdgeType, pd.DataFrame] = {}
        for edge_type, table in relations.items():
            key = str(edge_type)
            held = np.array([(u, v) for u, v, k in self.graph.edges(keys=True) if k == key], dtype=np.int64).reshape(-1, 2)
            sources, targets = table["source"].to_numpy(np.int64), table["target"].to_numpy(np.int64)
            width = int(max(sources.max(initial=0), targets.max(initial=0), held.max(initial=0))) + 1
            known = np.isin(sources * width + targets, held[:, 0] * width + held[:, 1])
            attributes = [name for name in table.columns if name not in ("source", "target", "start_date")]
            for row in table[known].itertuples(index=False):
                updates[int(row.source), int(row.target), key] = {name: getattr(row, name) for name in attributes}
            new[edge_type] = table[~known].reset_index(drop=True) if known.any() else table
        return updates, new

    def write_graphml(self, path: Path, relations: Mapping[EdgeType, pd.DataFrame] | None = None) -> None:
        """Export as GraphML, with ``relations`` merged as :meth:`edge_table` merges them; dates are ISO strings and
        empty values are dropped.

        Streamed to the file line by line: networkx's writer builds an element tree of every node, edge and value
        first, about ten times slower at a run's tens of thousands of values, and a run at scale holds millions of
        stakes. The file reads back with ``networkx.read_graphml`` (``force_multigraph=True``) to the same nodes, edges
        (each relation type is its edge's id) and values: each attribute gets one key per element kind and value type
        (boolean, long, double or string).
        """
        updates, new = self._split_relations(relations or {})
        nodes = [(str(node), _graphml_data(data)) for node, data in self.graph.nodes(data=True)]
        edges = [(str(u), str(v), str(k), _graphml_data({**data, **updates.get((u, v, k), {})}))
                 for u, v, k, data in self.graph.edges(keys=True, data=True)]
        keys: dict[tuple[str, str, str], str] = {}
        for domain, items in (("node", [data for _, data in nodes]), ("edge", [data for *_, data in edges])):
            for data in items:
                for name, value in data.items():
                    keys.setdefault((domain, name, _graphml_type(value)), f"d{len(keys)}")
        streamed = [(str(edge_type), table, _relation_columns(table, keys)) for edge_type, table in new.items() if len(table)]
        with path.open("w", encoding="utf-8") as out:
            out.write('<?xml version="1.0" encoding="utf-8"?>\n'
                      '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
                      'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                      'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
                      'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
            out.writelines(f'  <key id="{key}" for="{domain}" attr.name={quoteattr(name)} attr.type="{kind}" />\n'
                           for (domain, name, kind), key in keys.items())
            out.write('  <graph edgedefault="directed">\n')
            out.writelines(f"    <node id={quoteattr(node)}>{_graphml_values(data, 'node', keys)}</node>\n"
                           for node, data in nodes)
            out.writelines(f"    <edge source={quoteattr(u)} target={quoteattr(v)} id={quoteattr(k)}>"
                           f"{_graphml_values(data, 'edge', keys)}</edge>\n" for u, v, k, data in edges)
            for key, table, columns in streamed:
                _write_relations(out, key, table, columns)
            out.write("  </graph>\n</graphml>\n")


def _relation_columns(table: pd.DataFrame, keys: dict[tuple[str, str, str], str]) -> list[tuple[str, str, str]]:
    """(column, GraphML type, key id) of a relations table's values, in the order an edge added by
    :meth:`RelationsNetwork.add_or_update` holds them (its type first), registering new keys in ``keys``."""
    columns = [("type", "string")] + [(name, _graphml_type(_graphml_value(table[name].iloc[0])))
                                      for name in table.columns if name not in ("source", "target")]
    return [(name, kind, keys.setdefault(("edge", name, kind), f"d{len(keys)}")) for name, kind in columns]


def _write_relations(out: TextIO, key: str, table: pd.DataFrame, columns: list[tuple[str, str, str]],
                     chunk_rows: int = 100_000) -> None:
    """Write a relations table's rows as GraphML edges of type ``key``, a chunk at a time (text for 100,000 edges at
    once at most)."""
    edge_id = quoteattr(key)
    for first in range(0, len(table), chunk_rows):
        chunk = table.iloc[first:first + chunk_rows]
        values = [[key] * len(chunk) if name == "type" else chunk[name].tolist() for name, _, _ in columns]
        cells = [[f'<data key="{key_id}">{_graphml_text(value, kind)}</data>' for value in column]
                 for column, (_, kind, key_id) in zip(values, columns, strict=True)]
        out.writelines(f'    <edge source="{u}" target="{v}" id={edge_id}>{"".join(data)}</edge>\n'
                       for u, v, *data in zip(chunk["source"].tolist(), chunk["target"].tolist(), *cells, strict=True))


def _graphml_data(data: dict[str, Any]) -> dict[str, Any]:
    """An element's attributes as GraphML values, empty ones dropped."""
    return {name: _graphml_value(value) for name, value in data.items() if value is not None}


GRAPHML_TYPE_OF = {bool: "boolean", int: "long", float: "double", str: "string"}
XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _graphml_type(value: Any) -> str:
    """The GraphML type of a cleaned value (:func:`_graphml_value`)."""
    kind = GRAPHML_TYPE_OF.get(type(value))
    if kind is not None:
        return kind
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    return "string"


def _graphml_text(value: Any, kind: str) -> str:
    """A value's text in GraphML: xs:double spellings of infinities and NaN, XML-escaped strings without the control
    characters XML 1.0 cannot hold."""
    if kind == "double":
        number = float(value)
        if math.isfinite(number):
            return repr(number)
        return "NaN" if math.isnan(number) else ("INF" if number > 0 else "-INF")
    if kind == "string":
        return escape(XML_INVALID.sub("", str(value)))
    if kind == "long":
        return str(int(value))
    return "true" if value else "false"


def _graphml_values(data: dict[str, Any], domain: str, keys: dict[tuple[str, str, str], str]) -> str:
    """A node's or edge's <data> elements."""
    parts = []
    for name, value in data.items():
        kind = _graphml_type(value)
        parts.append(f'<data key="{keys[domain, name, kind]}">{_graphml_text(value, kind)}</data>')
    return "".join(parts)


def _graphml_value(value: Any) -> Any:
    """A value GraphML can type: a Python bool, int, float or str (numpy scalars as Python ones, sequences joined by
    commas, anything else as its text)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)
