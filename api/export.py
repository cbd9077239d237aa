"""Dataset export, shared by ``GET /api/export`` and ``hankekg export``.

The store streams the quads (:meth:`graph.store.base.GraphStore.dump`), so
memory stays flat whatever the store size. ``trig``, ``nquads`` and ``jsonld``
keep the named graphs (one per source document, plus reference data and the
ontology); ``turtle`` has no graphs, so it writes the union of the selected
graphs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, BinaryIO

from rdflib import URIRef

from graph.errors import NotFound
from graph.iris import is_iri
from graph.store.base import DEFAULT_GRAPH, EXPORT_FORMATS, ExportFormat, GraphStore

__all__ = ["DEFAULT_GRAPH", "EXPORT_FORMATS", "ExportFormat", "check_graphs", "export"]


def check_graphs(store: GraphStore, graphs: Sequence[str] | None) -> None:
    """Check that every name in ``graphs`` is ``"default"`` or a graph in ``store``.

    Raises:
        NotFound: a name is not an IRI, or names no graph.
    """
    for name in graphs or ():
        if name == DEFAULT_GRAPH:
            continue
        if not is_iri(name):
            raise NotFound(f"no graph {name!r} (not an IRI)")
        if not store.has_graph(URIRef(name)):
            raise NotFound(f"no graph {name}")


def export(
    store: GraphStore, fmt: str, graphs: Sequence[str] | None, out: BinaryIO | IO[bytes]
) -> int:
    """Write the dataset (or only ``graphs``) to ``out`` as ``fmt``; return the quads written.

    ``fmt`` is one of :data:`EXPORT_FORMATS` (trig, nquads, turtle, jsonld);
    ``graphs`` are graph IRIs, ``"default"`` meaning the default graph, and
    ``None`` or empty meaning every graph.

    Raises:
        QueryError: unknown format.
        NotFound: unknown graph.
    """
    check_graphs(store, graphs)
    return store.dump(out, fmt, list(graphs) if graphs else None)
