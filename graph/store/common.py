"""Reads every graph store answers the same way, over its own ``select`` and ``construct``.

Both the embedded and the remote store describe a resource and list the ingested
documents with the same SPARQL; keeping the text here gives it one place.
"""

from __future__ import annotations

from rdflib import RDF, Graph, URIRef

from graph.store.base import GraphStore
from graph.vocab import HK, PROV


def describe(store: GraphStore, iri: URIRef) -> Graph:
    """Triples about ``iri`` (the union) and the evidence for them."""
    return store.construct(
        f"""CONSTRUCT {{ <{iri}> ?p ?o . ?ev ?ep ?eo }} WHERE {{
          {{ <{iri}> ?p ?o }} UNION
          {{ ?ev a <{HK.Evidence}> ; <{RDF.subject}> <{iri}> ; ?ep ?eo }} }}"""
    )


def documents(store: GraphStore) -> dict[str, str]:
    """Ingested documents: document IRI -> sha256."""
    rows = store.select(
        f"SELECT ?d ?sha WHERE {{ GRAPH ?d {{ ?d a <{PROV.Entity}> ; <{HK.sha256}> ?sha }} }}"
    )
    return {str(row["d"]): str(row["sha"]) for row in rows}
