"""The money table's patch reads again only the projects a write's subjects involve,
and gives what a rebuild gives."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from graph.store.oxigraph import OxigraphStore
from graph.views.money import money_around
from graph.vocab import HK, SCHEMA
from search.money_filter import money_table, patch_money

BASE = "http://localhost:8000/id/"


def _project(g: Graph, name: str, euros: int) -> tuple[URIRef, URIRef, URIRef]:
    project, grant, amount = (
        URIRef(f"{BASE}{kind}/{name}") for kind in ("project", "grant", "amount")
    )
    g.add((project, RDF.type, HK.Project))
    g.add((project, SCHEMA.funding, grant))
    g.add((grant, RDF.type, SCHEMA.MonetaryGrant))
    g.add((grant, SCHEMA.amount, amount))
    g.add((amount, RDF.type, SCHEMA.MonetaryAmount))
    g.add((amount, SCHEMA.value, Literal(str(euros), datatype=XSD.decimal)))
    g.add((amount, SCHEMA.currency, Literal("EUR")))
    return project, grant, amount


def test_a_grants_amount_involves_its_project_only(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    graphs = {URIRef(f"{BASE}document/{i}"): Graph() for i in range(3)}
    nodes = [_project(g, f"p{i}", 1000 * (i + 1)) for i, g in enumerate(graphs.values())]
    store.replace_graphs([], graphs)
    for project, grant, amount in nodes:
        for subject in (project, grant, amount):
            involved, _ = money_around(store, {str(subject)})
            assert involved == {str(subject), str(project)}
    table = money_table(store)
    # a write changes one amount: the patch equals a rebuild
    (name, graph), (_, _, amount) = next(iter(graphs.items())), nodes[0]
    graph.set((amount, SCHEMA.value, Literal("5", datatype=XSD.decimal)))
    store.replace_graphs([], {name: graph})
    assert patch_money(store, table, {str(amount)}) == money_table(store)
    assert str(money_table(store)[str(nodes[0][0])].granted) == "5"
