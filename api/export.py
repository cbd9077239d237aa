"""Dataset export, shared by ``GET /api/export`` and ``hankekg export``.

Quads are read from one consistent Oxigraph read and written by pyoxigraph's
streaming serialisers, so memory stays flat whatever the store size.
``trig``, ``nquads`` and ``jsonld`` keep the named graphs (one per source
document, plus reference data and the ontology); ``turtle`` has no graphs, so
it writes the union of the selected graphs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any, BinaryIO

import pyoxigraph as ox

from graph.errors import NotFound, QueryError


@dataclass(frozen=True)
class ExportFormat:
    """One export format."""

    rdf_format: ox.RdfFormat
    media_type: str
    extension: str
    keeps_graphs: bool


EXPORT_FORMATS: dict[str, ExportFormat] = {
    "trig": ExportFormat(ox.RdfFormat.TRIG, "application/trig", "trig", True),
    "nquads": ExportFormat(ox.RdfFormat.N_QUADS, "application/n-quads", "nq", True),
    "turtle": ExportFormat(ox.RdfFormat.TURTLE, "text/turtle", "ttl", False),
    "jsonld": ExportFormat(ox.RdfFormat.JSON_LD, "application/ld+json", "jsonld", True),
}

#: The ``graphs`` value that names the store's default graph.
DEFAULT_GRAPH = "default"


def _inner(store: Any) -> ox.Store:
    """The pyoxigraph store behind ``store`` (an ``OxigraphStore`` or a ``pyoxigraph.Store``)."""
    return store if isinstance(store, ox.Store) else store.inner


def _quads(store: ox.Store, graphs: Sequence[str] | None) -> Iterator[ox.Quad]:
    if not graphs:
        # Every named graph; the default graph is their union, so it is left out
        # (a store that loads the dump rebuilds it, see OxigraphStore.ensure_union).
        for named in store.named_graphs():
            yield from store.quads_for_pattern(None, None, None, named)
        return
    for name in dict.fromkeys(graphs):
        graph: Any = ox.DefaultGraph() if name == DEFAULT_GRAPH else ox.NamedNode(name)
        yield from store.quads_for_pattern(None, None, None, graph)


def check_graphs(store: Any, graphs: Sequence[str] | None) -> None:
    """Check that every name in ``graphs`` is ``"default"`` or a graph in ``store``.

    Raises:
        NotFound: a name is not an IRI, or names no graph.
    """
    inner = _inner(store)
    for name in graphs or ():
        if name == DEFAULT_GRAPH:
            continue
        try:
            node = ox.NamedNode(name)
        except ValueError as exc:
            raise NotFound(f"no graph {name!r} (not an IRI)") from exc
        if not inner.contains_named_graph(node):
            raise NotFound(f"no graph {name}")


def export(store: Any, fmt: str, graphs: Sequence[str] | None, out: BinaryIO | IO[bytes]) -> int:
    """Write the dataset (or only ``graphs``) to ``out`` as ``fmt``; return the quads written.

    ``fmt`` is one of :data:`EXPORT_FORMATS` (trig, nquads, turtle, jsonld);
    ``graphs`` are graph IRIs, ``"default"`` meaning the default graph, and
    ``None`` or empty meaning every graph.

    Raises:
        QueryError: unknown format.
        NotFound: unknown graph.
    """
    spec = EXPORT_FORMATS.get(fmt)
    if spec is None:
        raise QueryError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    inner = _inner(store)
    check_graphs(inner, graphs)
    count = 0

    def counted() -> Iterator[Any]:
        nonlocal count
        for quad in _quads(inner, graphs):
            count += 1
            yield quad if spec.keeps_graphs else quad.triple

    ox.serialize(counted(), out, format=spec.rdf_format)
    return count
