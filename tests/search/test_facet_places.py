"""Place facets count a project under every area containing its places."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from graph.iris import Iris
from graph.link.reference import load_reference
from graph.link.reference_graph import reference_graph
from graph.store.oxigraph import OxigraphStore
from graph.vocab import HK, RDF, SCHEMA
from search.filters import facet_table

IRIS = Iris("https://hankekg.example/")
REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"


def test_a_project_tagged_only_with_a_group_counts_under_its_region() -> None:
    store = OxigraphStore(None)
    project = IRIS.project("kuuma-only")
    doc = Graph()
    doc.add((project, RDF.type, HK.Project))
    doc.add((project, SCHEMA.areaServed, IRIS.place("kuuma")))
    store.replace_graphs(
        [],
        {
            IRIS.graph("reference"): reference_graph(load_reference(REFERENCE_DIR), IRIS),
            IRIS.graph("doc"): doc,
        },
    )
    places = {v for facet, v in facet_table(store).values[str(project)] if facet == "place"}
    assert places == {str(IRIS.place("kuuma")), str(IRIS.place("region-01"))}
