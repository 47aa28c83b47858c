"""The relations network written out: the edge table (Parquet or CSV) and GraphML, each streamed to its file.

A run's graph holds the relations formed deal by deal (supplies, leases, power, partners, ...); its stakes and loans
stay in the capital market's matrices (:mod:`market.finance.relations`), millions of them at scale, and are merged in
as they are written, a block at a time, as :meth:`market.network.RelationsNetwork.add_or_update` would put them in the
graph: a relation the graph holds (a vendor's 'invests' edge) takes its dates and amounts, the others follow the
graph's edges as new ones. The files list the graph's edges in its order, then the matrices' relations, firm by firm.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, TextIO
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from market.network import EdgeType, RelationsNetwork

FIRST_COLUMNS = ["source", "source_name", "target", "target_name", "type"]
EDGE_FORMATS = ("parquet", "csv")


class RelationSource(Protocol):
    """Relations kept outside the graph (:class:`market.finance.relations.CapitalRelations`)."""

    @property
    def types(self) -> tuple[EdgeType, ...]:
        """The relation types it holds."""

    def value_columns(self, edge_type: EdgeType) -> tuple[tuple[str, str], ...]:
        """(name, GraphML type) of a relation's values after source and target."""

    def find(self, edge_type: EdgeType, source: int, target: int) -> dict[str, Any] | None:
        """What ``add_or_update`` would set on an edge the graph holds, or None."""

    def read_blocks(self, edge_type: EdgeType) -> Iterator[pd.DataFrame]:
        """Every relation of the type, as tables of source, target and the values, a block at a time."""


def merge_graph_edges(network: RelationsNetwork, relations: RelationSource | None) -> list[tuple[int, int, str, dict[str, Any]]]:
    """The graph's edges in its order, (source, target, type, values), with ``relations`` merged into those it holds."""
    types = {str(edge_type): edge_type for edge_type in (relations.types if relations else ())}
    edges = []
    for u, v, k, data in network.graph.edges(keys=True, data=True):
        update = relations.find(types[k], u, v) if k in types else None
        edges.append((u, v, k, {**data, **update} if update else data))
    return edges


def read_new_blocks(network: RelationsNetwork, relations: RelationSource, edge_type: EdgeType) -> Iterator[pd.DataFrame]:
    """``relations``' non-empty blocks of one type without the relations the graph already holds (one vectorised
    lookup a block)."""
    key = str(edge_type)
    held = np.array([(u, v) for u, v, k in network.graph.edges(keys=True) if k == key], dtype=np.int64).reshape(-1, 2)
    for block in relations.read_blocks(edge_type):
        if len(held):
            sources, targets = block["source"].to_numpy(np.int64), block["target"].to_numpy(np.int64)
            width = int(max(sources.max(initial=0), targets.max(initial=0), held.max(initial=0))) + 1
            known = np.isin(sources * width + targets, held[:, 0] * width + held[:, 1])
            if known.any():
                block = block[~known].reset_index(drop=True)
        if len(block):
            yield block


def read_new_relations(network: RelationsNetwork, relations: RelationSource | None
                       ) -> list[tuple[EdgeType, pd.DataFrame, Iterator[pd.DataFrame]]]:
    """Each type's relations the graph does not hold, as (type, its first block, the blocks after it), for the types
    that have any: the first blocks show the files' columns before anything is written."""
    found = []
    for edge_type in (relations.types if relations else ()):
        blocks = read_new_blocks(network, relations, edge_type)
        first = next(blocks, None)
        if first is not None:
            found.append((edge_type, first, blocks))
    return found


def _names(network: RelationsNetwork) -> dict[int, Any]:
    """Each node's name, by id."""
    return {node: data.get("name") for node, data in network.graph.nodes(data=True)}


class _NameArray:
    """Nodes' names by id, read for a block's ids at once: what ``Series.map(names)`` gives (NaN for an id without a
    node), from an array indexed by id instead of a lookup per row."""

    def __init__(self, names: dict[int, Any]) -> None:
        ids = [node for node in names if isinstance(node, (int, np.integer)) and node >= 0]
        self.names = names
        self.by_id = np.full(max(ids, default=-1) + 1, np.nan, dtype=object)
        for node in ids:
            self.by_id[node] = names[node]

    def of(self, ids: pd.Series) -> pd.Series:
        """The names of ``ids``, a Series aligned with it."""
        values = ids.to_numpy()
        if not len(values) or values.min() < 0 or values.max() >= len(self.by_id):
            return ids.map(self.names)
        return pd.Series(self.by_id[values], index=ids.index)


def _graph_frame(network: RelationsNetwork, relations: RelationSource | None, names: dict[int, Any]) -> pd.DataFrame:
    """The graph's edges as rows, with one column per attribute any of them has."""
    rows = [{"source": u, "source_name": names.get(u), "target": v, "target_name": names.get(v), "type": k,
             **{name: graphml_value(x) for name, x in data.items() if x is not None and name not in (*FIRST_COLUMNS, "type")}}
            for u, v, k, data in merge_graph_edges(network, relations)]
    return pd.DataFrame(rows, columns=None if rows else FIRST_COLUMNS)


def _named(block: pd.DataFrame, edge_type: EdgeType, names: _NameArray) -> pd.DataFrame:
    """A relations block with its names and type."""
    return block.assign(source_name=names.of(block["source"]), target_name=names.of(block["target"]), type=str(edge_type))


def _order_columns(table: pd.DataFrame) -> pd.DataFrame:
    """The table with source, target and type first, then its other columns by name."""
    return table[FIRST_COLUMNS + sorted(c for c in table.columns if c not in FIRST_COLUMNS)]


def _pieces(network: RelationsNetwork, relations: RelationSource | None) -> tuple[pd.DataFrame, Iterator[pd.DataFrame]]:
    """(a sample of the whole table, the table's non-empty pieces in order): the graph's edges, then each type's new
    relations. The sample is the graph's edges and each type's first relation, with the whole table's columns and the
    dtypes concatenating the pieces gives (an integer column only the graph's edges have turns float where relations
    follow, as in :func:`edge_table`)."""
    names = _names(network)
    graph = _graph_frame(network, relations, names)
    found = read_new_relations(network, relations)
    by_id = _NameArray(names)
    prototype = [frame for frame in (graph, *(_named(first.iloc[:1], edge_type, by_id) for edge_type, first, _ in found))
                 if len(frame)]
    if not prototype:
        return _order_columns(_empty_table()), iter(())
    sample = _order_columns(pd.concat(prototype, ignore_index=True) if len(prototype) > 1 else prototype[0])
    later = (_named(block, edge_type, by_id) for edge_type, first, rest in found for block in itertools.chain([first], rest))
    return sample, (piece for piece in itertools.chain([graph], later) if len(piece))


def _empty_table() -> pd.DataFrame:
    """The edge table of a graph without edges."""
    return pd.DataFrame({"source": pd.Series(dtype="int64"), "source_name": pd.Series(dtype="str"),
                         "target": pd.Series(dtype="int64"), "target_name": pd.Series(dtype="str"),
                         "type": pd.Series(dtype="str")})


def edge_table(network: RelationsNetwork, relations: RelationSource | None = None) -> pd.DataFrame:
    """Every edge as a row, in memory: source and target ids and names, type, then its dates and amounts (one column
    per attribute any edge has, empty where an edge has none); the graph's edges, then ``relations``' new ones, each
    type's firm by firm."""
    sample, pieces = _pieces(network, relations)
    frames = list(pieces)
    if not frames:
        return sample
    return _order_columns(pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0])


def write_edge_table(network: RelationsNetwork, path: Path, fmt: str, relations: RelationSource | None = None) -> None:
    """Write :func:`edge_table`'s rows to ``path`` as Parquet or CSV, a piece at a time: the file holds what writing
    the whole table gives (its columns, types and values), without the whole table in memory.

    Raises:
        ValueError: for a format other than parquet or csv.
    """
    if fmt not in EDGE_FORMATS:
        raise ValueError(f"format {fmt!r}: expected one of {', '.join(EDGE_FORMATS)}")
    sample, pieces = _pieces(network, relations)
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as out:
            sample.iloc[:0].to_csv(out, index=False)
            for piece in pieces:
                _conform(piece, sample).to_csv(out, index=False, header=False)
        return
    schema = pa.Schema.from_pandas(sample, preserve_index=False)
    with pq.ParquetWriter(path, schema) as writer:
        wrote = False
        for piece in pieces:
            writer.write_table(pa.Table.from_pandas(_conform(piece, sample), schema=schema, preserve_index=False))
            wrote = True
        if not wrote:
            writer.write_table(schema.empty_table())


def _conform(piece: pd.DataFrame, sample: pd.DataFrame) -> pd.DataFrame:
    """A piece with the whole table's columns (empty where it has none), its integer and boolean columns widened where
    the whole table's are float or object, as concatenation widens them."""
    piece = piece.reindex(columns=sample.columns)
    widened = {name: sample[name].dtype for name in sample.columns
               if piece[name].dtype != sample[name].dtype and piece[name].dtype.kind in "iub"
               and sample[name].dtype.kind in "fO"}
    return piece.astype(widened) if widened else piece


def write_graphml(network: RelationsNetwork, path: Path, relations: RelationSource | None = None) -> None:
    """Export as GraphML, with ``relations`` merged as :func:`edge_table` merges them; dates are ISO strings and empty
    values are dropped.

    Streamed to the file line by line: networkx's writer builds an element tree of every node, edge and value first,
    about ten times slower at a run's tens of thousands of values, and a run at scale holds millions of stakes. The
    file reads back with ``networkx.read_graphml`` (``force_multigraph=True``) to the same nodes, edges (each relation
    type is its edge's id) and values: each attribute gets one key per element kind and value type (boolean, long,
    double or string).
    """
    nodes = [(str(node), graphml_data(data)) for node, data in network.graph.nodes(data=True)]
    quoted = {node: quoteattr(text) for node, (text, _) in zip(network.graph.nodes, nodes, strict=True)}
    edges = [(quoted.get(u) or quoteattr(str(u)), quoted.get(v) or quoteattr(str(v)), _quoted_key(k), graphml_data(data))
             for u, v, k, data in merge_graph_edges(network, relations)]
    found = read_new_relations(network, relations)
    keys: dict[tuple[str, str, str], str] = {}
    for domain, items in (("node", [data for _, data in nodes]), ("edge", [data for *_, data in edges])):
        for data in items:
            for name, value in data.items():
                keys.setdefault((domain, name, graphml_type(value)), f"d{len(keys)}")
    columns = {edge_type: [(name, kind, keys.setdefault(("edge", name, kind), f"d{len(keys)}"))
                           for name, kind in (("type", "string"), *relations.value_columns(edge_type))]
               for edge_type, _, _ in found}
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n'
                  '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
                  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                  'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
                  'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
        out.writelines(f'  <key id="{key}" for="{domain}" attr.name={quoteattr(name)} attr.type="{kind}" />\n'
                       for (domain, name, kind), key in keys.items())
        out.write('  <graph edgedefault="directed">\n')
        out.writelines(f"    <node id={quoteattr(node)}>{graphml_values(data, 'node', keys)}</node>\n"
                       for node, data in nodes)
        out.writelines(f"    <edge source={u} target={v} id={k}>{graphml_values(data, 'edge', keys)}</edge>\n"
                       for u, v, k, data in edges)
        for edge_type, first, rest in found:
            for block in itertools.chain([first], rest):
                _write_relations(out, str(edge_type), block, columns[edge_type])
        out.write("  </graph>\n</graphml>\n")


def _write_relations(out: TextIO, key: str, table: pd.DataFrame, columns: list[tuple[str, str, str]]) -> None:
    """Write a block of relations as GraphML edges of type ``key``, in the order an edge added by ``add_or_update``
    holds its values (its type first)."""
    if not len(table):
        return
    lines = '    <edge source="' + _texts(table["source"]) + '" target="' + _texts(table["target"]) + f'" id={quoteattr(key)}>'
    for name, kind, key_id in columns:
        lines = lines + (f'<data key="{key_id}">{graphml_text(key, kind)}</data>' if name == "type"
                         else _data_elements(table[name], kind, key_id))
    out.write("".join((lines + "</edge>\n").tolist()))


def _texts(ids: pd.Series) -> np.ndarray:
    """Integer ids as their decimal texts, an object array."""
    return np.array(list(map(str, ids.tolist())), dtype=object)


def _data_elements(values: pd.Series, kind: str, key_id: str) -> np.ndarray:
    """A column's <data> elements, an object array: a text's element made once per distinct text (dates, types);
    finite doubles by their repr, as :func:`graphml_text` writes them."""
    head, tail = f'<data key="{key_id}">', "</data>"
    if kind == "double" and np.isfinite(np.asarray(values, dtype=float)).all():
        return head + np.array(list(map(repr, pd.Series(values, dtype=float).tolist())), dtype=object) + tail
    if kind == "string":
        codes, texts = pd.factorize(pd.Series(values))
        elements = np.array([f"{head}{graphml_text(text, kind)}{tail}" for text in texts], dtype=object)
        return elements[codes]
    return np.array([f"{head}{graphml_text(value, kind)}{tail}" for value in list(values)], dtype=object)


def graphml_data(data: dict[str, Any]) -> dict[str, Any]:
    """An element's attributes as GraphML values, empty ones dropped."""
    return {name: graphml_value(value) for name, value in data.items() if value is not None}


GRAPHML_TYPE_OF = {bool: "boolean", int: "long", float: "double", str: "string"}
XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def graphml_type(value: Any) -> str:
    """The GraphML type of a cleaned value (:func:`graphml_value`)."""
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


def graphml_text(value: Any, kind: str) -> str:
    """A value's text in GraphML: xs:double spellings of infinities and NaN, XML-escaped strings without the control
    characters XML 1.0 cannot hold."""
    if kind == "double":
        number = float(value)
        if math.isfinite(number):
            return repr(number)
        return "NaN" if math.isnan(number) else ("INF" if number > 0 else "-INF")
    if kind == "string":
        return _string_text(str(value))
    if kind == "long":
        return str(int(value))
    return "true" if value else "false"


@functools.lru_cache(maxsize=1 << 16)
def _string_text(value: str) -> str:
    """A string's GraphML text (made once per distinct string: dates and types repeat on every edge)."""
    return escape(XML_INVALID.sub("", value))


@functools.lru_cache(maxsize=64)
def _quoted_key(key: str) -> str:
    """An edge type as a quoted attribute."""
    return quoteattr(str(key))


def graphml_values(data: dict[str, Any], domain: str, keys: dict[tuple[str, str, str], str]) -> str:
    """A node's or edge's <data> elements."""
    parts = []
    for name, value in data.items():
        kind = graphml_type(value)
        parts.append(f'<data key="{keys[domain, name, kind]}">{graphml_text(value, kind)}</data>')
    return "".join(parts)


def graphml_value(value: Any) -> Any:
    """A value GraphML can type: a Python bool, int, float or str (numpy scalars as Python ones, sequences joined by
    commas, anything else as its text)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)
