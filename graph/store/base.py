"""The graph store protocol.

The embedded Oxigraph store implements it now; a remote SPARQL 1.1 server
(through rdflib's SPARQLStore) can implement it later without touching callers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from rdflib import Graph, URIRef

#: A triple as rdflib terms.
Triple = tuple[Any, Any, Any]


class GraphStore(Protocol):
    """What ingest, search and the API need from a quad store."""

    def query(
        self,
        sparql: str,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        custom_functions: dict[str, Any] | None = None,
    ) -> Any:
        """Run a SPARQL query; the default graph is the union of all graphs
        unless ``default_graphs`` is given."""
        ...

    def replace_graphs(self, drop: Iterable[URIRef], add: dict[URIRef, Graph]) -> None:
        """In one transaction, drop graphs ``drop`` and write the graphs in ``add``."""
        ...

    def has_graph(self, name: URIRef) -> bool:
        """Whether the named graph exists."""
        ...

    def graph(self, name: URIRef) -> Graph:
        """A copy of one named graph."""
        ...

    def describe(self, iri: URIRef) -> Graph:
        """Triples with ``iri`` as subject (from every graph) plus its evidence."""
        ...

    def __len__(self) -> int:
        """Number of quads."""
        ...

    def named_graphs(self) -> Iterator[URIRef]:
        """Names of all graphs."""
        ...

    def close(self) -> None:
        """Flush and release the store."""
        ...
