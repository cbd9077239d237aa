"""Graph stores: a small protocol (:mod:`graph.store.base`) and its implementations.

``get_store(settings)`` picks one by ``HANKEKG_GRAPH_BACKEND``:

* ``oxigraph`` (the default): embedded Oxigraph under ``HANKEKG_HOME``;
* ``sparql``: any SPARQL 1.1 server at ``HANKEKG_SPARQL_QUERY_URL`` /
  ``HANKEKG_SPARQL_UPDATE_URL`` (``HANKEKG_SPARQL_GRAPH_STORE_URL`` optional).

Implementations are imported on first use, so the embedded engine is never
loaded for a remote store and the other way round.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graph.store.base import GraphStore, Row

if TYPE_CHECKING:
    from graph.config import Settings

BACKENDS = ("oxigraph", "sparql")


def get_store(settings: Settings) -> GraphStore:
    """Open the graph store that ``settings`` name.

    Raises:
        ValueError: an unknown backend, or the ``sparql`` backend without its URLs.
    """
    backend = settings.graph_backend
    if backend == "oxigraph":
        from graph.store.oxigraph import OxigraphStore

        return OxigraphStore(settings.store_path)
    if backend == "sparql":
        from graph.store.sparql import SparqlStore

        return SparqlStore.from_settings(settings)
    raise ValueError(f"unknown graph backend {backend!r}: use one of {', '.join(BACKENDS)}")


__all__ = ["BACKENDS", "GraphStore", "Row", "get_store"]
