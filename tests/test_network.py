"""The relations graph: typed, dated edges, queryable by type, exported as GraphML."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from market.network import EdgeType, RelationsNetwork
from market.outputs.network_files import edge_table, graphml_value, write_edge_table, write_graphml
from tests.conftest import run


def test_edges_accumulate_and_are_queryable_by_type(tmp_path) -> None:
    network = RelationsNetwork()
    network.add_node(1, name="maker")
    network.add_node(2, name="lab")
    network.add_or_update(1, 2, EdgeType.SUPPLIES, "2025-01", accumulate={"contracted_gw": 1.0})
    network.add_or_update(1, 2, EdgeType.SUPPLIES, "2025-03", accumulate={"contracted_gw": 0.5})
    network.add_or_update(2, 1, EdgeType.PARTNERS, "2025-02", origin="orders")
    supplies = network.edges(EdgeType.SUPPLIES)
    assert len(supplies) == 1
    _, _, data = supplies[0]
    assert data["contracted_gw"] == 1.5 and data["start_date"] == "2025-01" and data["last_date"] == "2025-03"
    assert network.neighbours(2, EdgeType.PARTNERS) == [1]
    path = tmp_path / "g.graphml"
    write_graphml(network, path)
    back = nx.read_graphml(path, force_multigraph=True)
    assert back.number_of_edges() == 2


def _index_from_graph(graph: nx.MultiDiGraph) -> tuple[dict, dict]:
    sources, targets = {}, {}
    for u, v, key in graph.edges(keys=True):
        sources.setdefault((key, v), set()).add(u)
        targets.setdefault((key, u), set()).add(v)
    return sources, targets


def _assert_index_matches_graph(network: RelationsNetwork) -> None:
    sources, targets = _index_from_graph(network.graph)
    for edge_type in EdgeType:
        for node in network.graph.nodes:
            assert network.sources_of(node, edge_type) == sources.get((str(edge_type), node), set()), (edge_type, node)
            assert network.targets_of(node, edge_type) == targets.get((str(edge_type), node), set()), (edge_type, node)


def test_the_typed_index_holds_the_edges_the_graph_holds() -> None:
    """sources_of and targets_of (read by partner lookups instead of scanning a maker's thousands of co-invest edges)
    hold exactly the graph's edges of each type, whether added one by one or many at once, new or repeated. Fails if
    either way of adding an edge leaves the index behind."""
    network = RelationsNetwork()
    for node in range(6):
        network.add_node(node)
    network.add_or_update(1, 2, EdgeType.PARTNERS, "2025-01")
    network.add_or_update(1, 2, EdgeType.PARTNERS, "2025-02")
    network.add_or_update(3, 2, EdgeType.SUPPLIES, "2025-01", accumulate={"contracted_gw": 1.0})
    network.accumulate_from_many([4, 5, 1], 2, EdgeType.CO_INVESTS, "2025-03", "amount_usd_bn", [1.0, 2.0, 3.0])
    network.accumulate_from_many([4, 0], 2, EdgeType.CO_INVESTS, "2025-04", "amount_usd_bn", [1.0, 1.0])
    assert network.sources_of(2, EdgeType.PARTNERS) == {1}
    assert network.sources_of(2, EdgeType.CO_INVESTS) == {0, 1, 4, 5}
    assert network.targets_of(1, EdgeType.CO_INVESTS) == {2}
    assert network.graph.edges[4, 2, "co_invests"]["amount_usd_bn"] == 2.0
    _assert_index_matches_graph(network)


def test_the_typed_index_matches_the_graph_of_a_fab_network_run() -> None:
    """The same on a whole run of fab-network, whose fabs add thousands of co-invest edges in one pass."""
    _assert_index_matches_graph(run(scenario="fab-network", overrides=[("run.steps", 36)]).model.network)


def test_baseline_network_has_every_relation_type_it_models(baseline_seed1, tmp_path) -> None:
    model = baseline_seed1.model
    model.capital.sync_network()
    for edge_type in (EdgeType.SUPPLIES, EdgeType.POWERS, EdgeType.LEASES, EdgeType.INVESTS, EdgeType.LENDS,
                      EdgeType.PARTNERS, EdgeType.REGULATES):
        assert model.network.edges(edge_type), f"no '{edge_type}' edges"
    stakes = [d["stake"] for _, _, d in model.network.edges(EdgeType.INVESTS)]
    assert all(0 < s <= 1 for s in stakes)


def test_graphml_reads_back_as_networkx_s_own_writer_gives_it(tmp_path) -> None:
    """The streamed GraphML reads back (``networkx.read_graphml``) to the nodes, edges, keys and values networkx's own
    writer gives for the same cleaned graph: booleans, integers and floats (numpy's as Python's, typed), infinity,
    strings with characters XML must escape, lists joined by commas, None dropped. Fails if a value's type or text, an
    edge's relation type or an escape is lost."""
    network = RelationsNetwork()
    network.add_node(1, name='maker "A" & <co>', region="US", alive=True, size=np.int64(3))
    network.add_node(2, name="lab", region="CN", alive=False, weight=np.float64(0.1), empty=None)
    network.add_or_update(1, 2, EdgeType.SUPPLIES, "2025-01", accumulate={"contracted_gw": 1.0 / 3.0}, exclusive=True)
    network.add_or_update(2, 1, EdgeType.PARTNERS, "2025-02", origin="orders", limit=float("inf"), ids=[3, 4])
    network.add_or_update(1, 2, EdgeType.LENDS, "2025-03", amount_usd_bn=np.float64(2.5e-17), months=np.int32(60))
    ours = tmp_path / "ours.graphml"
    write_graphml(network, ours)
    clean = nx.MultiDiGraph()
    for node, data in network.graph.nodes(data=True):
        clean.add_node(node, **{k: graphml_value(v) for k, v in data.items() if v is not None})
    for u, v, k, data in network.graph.edges(keys=True, data=True):
        clean.add_edge(u, v, key=k, **{name: graphml_value(x) for name, x in data.items() if x is not None})
    theirs = tmp_path / "theirs.graphml"
    nx.write_graphml(clean, theirs)
    back, expected = (nx.read_graphml(path, force_multigraph=True) for path in (ours, theirs))
    assert list(back.nodes(data=True)) == list(expected.nodes(data=True))
    assert list(back.edges(keys=True, data=True)) == list(expected.edges(keys=True, data=True))
    assert back.nodes["1"]["name"] == 'maker "A" & <co>' and back.edges["2", "1", "partners"]["ids"] == "3,4"
    assert back.nodes["1"]["size"] == 3 and isinstance(back.nodes["1"]["size"], int)
    assert back.nodes["1"]["alive"] is True and back.edges["1", "2", "lends"]["months"] == 60


def test_graphml_holds_what_xml_cannot_and_not_a_number(tmp_path) -> None:
    """Control characters XML 1.0 cannot hold are dropped from text, and NaN and infinities are written as xs:double
    spells them; the file parses and reads back. Fails if a control character makes the file unreadable."""
    import math

    network = RelationsNetwork()
    network.add_node(1, name="bell\x07 and tab\t", price=float("nan"), cap=float("-inf"))
    path = tmp_path / "g.graphml"
    write_graphml(network, path)
    back = nx.read_graphml(path)
    assert back.nodes["1"]["name"] == "bell and tab\t"
    assert math.isnan(back.nodes["1"]["price"]) and back.nodes["1"]["cap"] == float("-inf")


class _Tables:
    """Relations kept outside the graph, from hand-written tables (a ``RelationSource`` giving each type's rows in blocks
    of one or two)."""

    def __init__(self, tables: dict[EdgeType, pd.DataFrame]) -> None:
        self.tables = tables

    @property
    def types(self) -> tuple[EdgeType, ...]:
        return tuple(self.tables)

    def value_columns(self, edge_type: EdgeType) -> tuple[tuple[str, str], ...]:
        values = [name for name in self.tables[edge_type].columns if name not in ("source", "target", "start_date", "last_date")]
        return (("start_date", "string"), ("last_date", "string")) + tuple((name, "double") for name in values)

    def find(self, edge_type: EdgeType, source: int, target: int) -> dict | None:
        table = self.tables[edge_type]
        rows = table[(table["source"] == source) & (table["target"] == target)]
        if rows.empty:
            return None
        return {"last_date": rows["last_date"].iloc[0], **{name: float(rows[name].iloc[0]) for name, kind in
                                                           self.value_columns(edge_type)[2:]}}

    def read_blocks(self, edge_type: EdgeType):
        table = self.tables[edge_type]
        yield table.iloc[:1].reset_index(drop=True)
        yield table.iloc[1:].reset_index(drop=True)


STAKES = ["source", "target", "start_date", "last_date", "stake", "amount_usd_bn"]


def test_relations_merged_into_outputs_are_the_edges_add_or_update_would_make(tmp_path) -> None:
    """Stakes kept outside the graph (how a run's outputs take them, without millions of graph edges) give the edge
    table and GraphML that putting each into the graph with ``add_or_update`` gives: a stake on an edge the graph holds
    (a vendor's 'invests' edge) updates its dates and amounts and keeps its vendor money, the others become new edges.
    Worked by hand: 3 stakes, one on the vendor edge 1 -> 2. Fails if a matched stake is dropped, doubled or loses the
    vendor's money, or a new one is lost."""
    network = RelationsNetwork()
    for node, name in ((1, "maker"), (2, "lab"), (3, "fund"), (4, "cloud")):
        network.add_node(node, name=name)
    network.add_or_update(1, 2, EdgeType.INVESTS, "2025-09", accumulate={"vendor_usd_bn": 10.0})
    network.add_or_update(4, 2, EdgeType.LEASES, "2025-01", gw=1.0)
    rows = [(1, 2, "2025-09", "2025-09", 0.02, 10.0), (3, 2, "2025-01", "2025-01", 0.5, 4.0),
            (3, 4, "2026-03", "2026-03", 0.25, 1.5)]
    relations = _Tables({EdgeType.INVESTS: pd.DataFrame(rows, columns=STAKES)})
    merged = edge_table(network, relations)
    graphml = tmp_path / "merged.graphml"
    write_graphml(network, graphml, relations)
    for source, target, start, _, stake, amount in rows:
        network.add_or_update(source, target, EdgeType.INVESTS, start, stake=stake, amount_usd_bn=amount)
    synced = edge_table(network)
    assert len(merged) == 4 and list(merged.columns) == list(synced.columns)
    key = ["source", "target", "type"]
    pd.testing.assert_frame_equal(merged.sort_values(key).reset_index(drop=True), synced.sort_values(key).reset_index(drop=True))
    vendor = merged[(merged["source"] == 1) & (merged["type"] == "invests")].iloc[0]
    assert vendor["vendor_usd_bn"] == 10.0 and vendor["stake"] == 0.02 and vendor["start_date"] == "2025-09"
    assert merged["target_name"].tolist()[-2:] == ["lab", "cloud"], "new relations follow the graph's edges in order"
    expected = tmp_path / "synced.graphml"
    write_graphml(network, expected)
    back, reference = (nx.read_graphml(path, force_multigraph=True) for path in (graphml, expected))
    assert list(back.nodes(data=True)) == list(reference.nodes(data=True))
    assert (sorted((u, v, k, sorted(d.items())) for u, v, k, d in back.edges(keys=True, data=True))
            == sorted((u, v, k, sorted(d.items())) for u, v, k, d in reference.edges(keys=True, data=True)))


def _small_graph(edges: bool) -> RelationsNetwork:
    network = RelationsNetwork()
    for node in range(1, 5):
        network.add_node(node, name=f"agent, {node}")
    if edges:
        network.add_or_update(4, 2, EdgeType.LEASES, "2025-01", gw=1.0, term_months=60, take_or_pay=True)
        network.add_or_update(1, 2, EdgeType.PARTNERS, "2025-02", **{"origin": 'deal "x", y'})
    return network


@pytest.mark.parametrize("case", ["graph and stakes", "stakes only", "graph only", "a type without rows", "nothing"])
def test_the_streamed_edge_files_hold_what_pandas_writes_of_the_whole_table(case, tmp_path) -> None:
    """The edge table streamed piece by piece (Parquet and CSV) is what pandas writes of the whole in-memory table, in
    small hand-built cases: an integer and a boolean attribute only the graph's edges have (widened where stakes
    follow), names with commas and quotes, a graph without edges, a relation type without rows (no empty columns for
    it), no edges at all. Fails if the header, a column's type or a piece differs."""
    stakes = pd.DataFrame([(3, 2, "2025-01", "2025-01", 0.5, 4.0), (3, 4, "2026-03", "2026-03", 0.25, np.nan)],
                          columns=STAKES)
    loans = pd.DataFrame(columns=["source", "target", "start_date", "last_date", "principal_usd_bn", "rate"]).astype(
        {"source": "int64", "target": "int64", "principal_usd_bn": float, "rate": float})
    network = _small_graph(case not in ("stakes only", "nothing"))
    relations = {"graph and stakes": _Tables({EdgeType.INVESTS: stakes}), "stakes only": _Tables({EdgeType.INVESTS: stakes}),
                 "graph only": None, "a type without rows": _Tables({EdgeType.INVESTS: stakes, EdgeType.LENDS: loans}),
                 "nothing": _Tables({EdgeType.LENDS: loans})}[case]
    whole = edge_table(network, relations)
    assert "principal_usd_bn" not in whole.columns
    write_edge_table(network, tmp_path / "edges.csv", "csv", relations)
    whole.to_csv(tmp_path / "whole.csv", index=False)
    assert (tmp_path / "edges.csv").read_text() == (tmp_path / "whole.csv").read_text()
    write_edge_table(network, tmp_path / "edges.parquet", "parquet", relations)
    whole.to_parquet(tmp_path / "whole.parquet", index=False)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "edges.parquet"), pd.read_parquet(tmp_path / "whole.parquet"))


def test_a_run_s_stakes_and_loans_read_from_the_matrices_match_the_synced_graph(baseline_seed1, tmp_path) -> None:
    """The baseline's stakes and loans, read from the capital matrices in blocks of a few firms (100 relations at
    most), merge into the same edge table as writing every one into the graph (``sync_network``), row for row once
    sorted, with the same types; and the edge files streamed block by block (Parquet and CSV) hold what pandas writes
    of the whole table. A stake that is not a number is no relation, as in the graph, and the firm's other holders
    stay. Fails if a relation, its start month or an amount differs between the two paths, or a block is lost or
    written twice."""
    from market.finance.relations import CapitalRelations

    model = baseline_seed1.model
    relations = CapitalRelations(model.capital, rows_at_once=100)
    assert sum(1 for _ in relations.read_blocks(EdgeType.INVESTS)) > 10
    merged = edge_table(model.network, relations)
    kept = model.network.graph
    model.network.graph = kept.copy()
    try:
        model.capital.sync_network()
        synced = edge_table(model.network)
    finally:
        model.network.graph = kept
    assert (merged["type"] == "invests").sum() > 100 and (merged["type"] == "lends").sum() > 10
    key = ["source", "target", "type"]
    pd.testing.assert_frame_equal(merged.sort_values(key).reset_index(drop=True), synced.sort_values(key).reset_index(drop=True))
    write_edge_table(model.network, tmp_path / "edges.parquet", "parquet", relations)
    merged.to_parquet(tmp_path / "whole.parquet", index=False)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "edges.parquet"), pd.read_parquet(tmp_path / "whole.parquet"))
    write_edge_table(model.network, tmp_path / "edges.csv", "csv", relations)
    merged.to_csv(tmp_path / "whole.csv", index=False)
    assert (tmp_path / "edges.csv").read_text() == (tmp_path / "whole.csv").read_text()
    holder, firm = (int(x) for x in np.argwhere(model.capital.stakes > 0)[0])
    others = int((model.capital.stakes[:, firm] > 0).sum()) - 1
    kept_stake = model.capital.stakes[holder, firm]
    model.capital.stakes[holder, firm] = np.nan
    try:
        held = relations.read_tables()[EdgeType.INVESTS]
    finally:
        model.capital.stakes[holder, firm] = kept_stake
    assert int((held["target"] == firm).sum()) == others
