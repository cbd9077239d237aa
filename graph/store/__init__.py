"""Graph stores: a small protocol and its implementations."""

from graph.store.base import GraphStore
from graph.store.oxigraph import OxigraphStore

__all__ = ["GraphStore", "OxigraphStore"]
