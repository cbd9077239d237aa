"""Graph stores: a small protocol (:mod:`graph.store.base`) and its implementations.

``get_store(settings)`` picks one by ``HANKEKG_GRAPH_BACKEND``:

* ``oxigraph`` (the default): embedded Oxigraph under ``HANKEKG_HOME``.

Implementations are imported on first use, so the embedded engine is never
loaded for a remote store and the other way round.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graph.store.base import GraphStore, Row

if TYPE_CHECKING:
    from graph.config import Settings

BACKENDS = ("oxigraph",)


def get_store(settings: Settings) -> GraphStore:
    """Open the graph store that ``settings`` name.

    Raises:
        ValueError: an unknown backend, or the ``sparql`` backend without its URLs.
    """
    backend = settings.graph_backend
    if backend == "oxigraph":
        from graph.store.oxigraph import OxigraphStore

        return OxigraphStore(settings.store_path)
    raise ValueError(f"unknown graph backend {backend!r}: use one of {', '.join(BACKENDS)}")


__all__ = ["BACKENDS", "GraphStore", "Row", "get_store"]
