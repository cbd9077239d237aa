"""Vector stores by engine name, imported lazily (after txtai's ``ann/dense/factory.py``).

``local`` is FAISS on files (:mod:`search.vectors.faiss`); ``postgres`` is
pgvector (:mod:`search.vectors.pgvector`), which needs ``psycopg``.
"""

from __future__ import annotations

from typing import Any

from search.vectors.base import VectorStore

BACKENDS = ("local", "postgres")


def vector_store_class(backend: str) -> Any:
    """The vector store class of ``backend``.

    Raises:
        ValueError: unknown backend.
        ImportError: the backend's optional package is missing.
    """
    if backend == "local":
        from search.vectors.faiss import FaissVectors

        return FaissVectors
    if backend == "postgres":
        try:
            from search.vectors.pgvector import PgVectors
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError("psycopg is not installed: pip install 'hankekg[postgres]'") from exc
        return PgVectors
    raise ValueError(f"unknown index backend {backend!r}: use one of {', '.join(BACKENDS)}")


__all__ = ["BACKENDS", "VectorStore", "vector_store_class"]
