"""The relations graph: typed, dated edges, queryable by type, exported as GraphML."""

from __future__ import annotations

import networkx as nx

from market.network import EdgeType, RelationsNetwork


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
    network.write_graphml(path)
    back = nx.read_graphml(path, force_multigraph=True)
    assert back.number_of_edges() == 2


def test_baseline_network_has_every_relation_type_it_models(baseline_seed1, tmp_path) -> None:
    model = baseline_seed1.model
    model.capital.sync_network()
    for edge_type in (EdgeType.SUPPLIES, EdgeType.POWERS, EdgeType.LEASES, EdgeType.INVESTS, EdgeType.LENDS,
                      EdgeType.PARTNERS, EdgeType.REGULATES):
        assert model.network.edges(edge_type), f"no '{edge_type}' edges"
    stakes = [d["stake"] for _, _, d in model.network.edges(EdgeType.INVESTS)]
    assert all(0 < s <= 1 for s in stakes)
