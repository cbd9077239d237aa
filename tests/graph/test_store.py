"""The store keeps its default graph as the set union of the document graphs."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef

from graph.store import OxigraphStore
from graph.vocab import SCHEMA

P = URIRef("http://localhost:8000/id/project/p")
G1 = URIRef("http://localhost:8000/id/document/1")
G2 = URIRef("http://localhost:8000/id/document/2")


def graph(*names: str) -> Graph:
    g = Graph()
    for name in names:
        g.add((P, SCHEMA.name, Literal(name, lang="fi")))
    return g


def names(store: OxigraphStore) -> list[str]:
    return sorted(
        r["n"].value for r in store.query(f"SELECT ?n WHERE {{ <{P}> <{SCHEMA.name}> ?n }}")
    )


def test_a_fact_two_documents_state_comes_back_once() -> None:
    """Regression: Oxigraph's union mode returned a triple once per graph holding it."""
    store = OxigraphStore(None)
    store.replace_graphs([], {G1: graph("Hanke")})
    store.replace_graphs([], {G2: graph("Hanke", "Toinen nimi")})
    assert names(store) == ["Hanke", "Toinen nimi"]
    count = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ <{P}> ?p ?o }}")
    assert next(iter(count))["n"].value == "2"


def test_dropping_a_document_keeps_facts_other_documents_state() -> None:
    store = OxigraphStore(None)
    store.replace_graphs([], {G1: graph("Hanke"), G2: graph("Hanke", "Toinen nimi")})
    store.replace_graphs([G2], {})
    assert names(store) == ["Hanke"]
    store.replace_graphs([G1], {G1: graph("Uusi")})  # a changed document replaces its facts
    assert names(store) == ["Uusi"]
    store.replace_graphs([G1], {})
    assert names(store) == []


def test_union_is_rebuilt_for_a_store_written_without_it() -> None:
    store = OxigraphStore(None)
    store.inner.update(f'INSERT DATA {{ GRAPH <{G1}> {{ <{P}> <{SCHEMA.name}> "Vanha" }} }}')
    assert names(store) == []
    store.ensure_union()
    assert names(store) == ["Vanha"]
