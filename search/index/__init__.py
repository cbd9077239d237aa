"""The search index: chunks, vectors and lexical terms, kept together per engine.

``get_index(settings)`` picks the engine from ``HANKEKG_INDEX_BACKEND``:

- ``local`` (the default): snapshot files under ``HANKEKG_HOME/index``
  (FAISS + bm25s), :mod:`search.index.local`;
- ``postgres``: PostgreSQL + pgvector at ``HANKEKG_DATABASE_URL``,
  :mod:`search.index.postgres` (needs ``psycopg``: ``pip install 'hankekg[postgres]'``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from search.index.base import (
    Chunk,
    DocumentEntry,
    EncoderIdentity,
    Index,
    IndexView,
    IndexWriter,
)
from search.index.local import IndexState, LocalIndex
from search.index.manifest import Manifest
from search.index.snapshot import Snapshot

if TYPE_CHECKING:
    from graph.config import Settings

BACKENDS = ("local", "postgres")


def get_index(settings: Settings) -> Index:
    """The index engine ``settings`` ask for.

    Raises:
        ValueError: unknown backend, or ``postgres`` without a database URL.
        ImportError: the backend's optional package is missing.
    """
    backend = settings.index_backend
    if backend == "local":
        return LocalIndex(settings.index_path)
    if backend == "postgres":
        if not settings.database_url:
            raise ValueError("HANKEKG_INDEX_BACKEND=postgres needs HANKEKG_DATABASE_URL")
        try:
            from search.index.postgres import PostgresIndex
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError("psycopg is not installed: pip install 'hankekg[postgres]'") from exc
        return PostgresIndex(settings.database_url)
    raise ValueError(f"unknown index backend {backend!r}: use one of {', '.join(BACKENDS)}")


__all__ = [
    "BACKENDS",
    "Chunk",
    "DocumentEntry",
    "EncoderIdentity",
    "Index",
    "IndexState",
    "IndexView",
    "IndexWriter",
    "LocalIndex",
    "Manifest",
    "Snapshot",
    "get_index",
]
