"""One committed version of the PostgreSQL index, with its derived tables.

A :class:`PostgresView` caches what searches derive from the whole index (the
document table, lexical statistics, chunk groups, key languages, centroids),
keyed by ``hk_meta.version``. After a write, a replica's new view takes these
from the previous version's view and patches them with the documents the write
changed, read from the change feed (:func:`search.index.tables.changed_documents`
through ``PostgresIndex.changes``): only those documents' rows are read. When
the feed cannot say (a gap, a reindex, a version it does not record yet), the
view reads them whole, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import psycopg

from search.index.base import Chunk, DocumentEntry, EncoderIdentity
from search.index.tables import Inherited, KeyTables
from search.lexical.postgres import PgLexical, holding
from search.vectors.pgvector import PgVectors

if TYPE_CHECKING:
    from search.index.postgres import PostgresIndex

DOCUMENT_COLUMNS = "iri, sha256, path, projects, title, language, chunk_ids"


def entry_of(row: tuple[Any, ...]) -> tuple[str, DocumentEntry]:
    """One ``hk_documents`` row as ``(iri, entry)``."""
    iri, sha, path, projects, title, language, chunk_ids = row
    return iri, DocumentEntry(sha, path, list(chunk_ids), list(projects), title, language)


def read_documents(conn: psycopg.Connection[Any], only: list[str] | None = None) -> dict[str, Any]:
    """Every document's entry (or only those of ``only``)."""
    if only is None:
        rows = conn.execute(f"SELECT {DOCUMENT_COLUMNS} FROM hk_documents")  # noqa: S608
    else:
        rows = conn.execute(
            f"SELECT {DOCUMENT_COLUMNS} FROM hk_documents WHERE iri = ANY(%s)",  # noqa: S608
            (only,),
        )
    return dict(entry_of(r) for r in rows)


def _lengths(conn: psycopg.Connection[Any], only: list[str] | None) -> dict[str, tuple[int, int]]:
    """Lexical chunks and their summed length in terms, per document."""
    where, args = ("WHERE document = ANY(%s)", (only,)) if only is not None else ("", ())
    rows = conn.execute(
        f"SELECT document, count(*), sum(len) FROM hk_lexical_chunks {where} GROUP BY document",  # noqa: S608
        args,
    )
    return {d: (int(n), int(total or 0)) for d, n, total in rows}


class PostgresView:
    """One committed version of the PostgreSQL index; derived tables cached on it."""

    def __init__(
        self,
        index: PostgresIndex,
        version: str,
        encoder: EncoderIdentity,
        parent: PostgresView | None = None,
        changed: Callable[[], set[str] | None] | None = None,
    ) -> None:
        self._index = index
        self._version = version
        self._encoder = encoder
        self._lock = threading.Lock()
        self._cache: dict[str, Any] = {}
        # The previous version's caches and how to learn what changed since (dropped
        # once used, so that old versions are not kept alive).
        self._parent: dict[str, Any] | None = parent._cache if parent is not None else None
        self._changed = changed
        self._changes: set[str] | None = None
        self._changes_read = False
        self.tables = Inherited()
        self.tables.inherit(parent.tables if parent is not None else None, self.changes)

    @property
    def version(self) -> str:
        """``pg-<hk_meta.version>``."""
        return self._version

    @property
    def encoder(self) -> EncoderIdentity:
        """The encoder that built the vectors."""
        return self._encoder

    def check_encoder(self, name: str, fingerprint: str) -> None:
        """Refuse another encoder (``EncoderMismatch``)."""
        self._encoder.check(name, fingerprint)

    def changes(self) -> set[str] | None:
        """Documents changed since the previous view's version (``None``: unknown)."""
        if not self._changes_read:
            self._changes = self._changed() if self._changed is not None else None
            self._changes_read = True
        return self._changes

    def _patched(
        self,
        name: str,
        build: Callable[[psycopg.Connection[Any]], Any],
        patch: Callable[[psycopg.Connection[Any], Any, set[str]], Any],
    ) -> Any:
        """The cached ``name``: the previous version's patched with the changed
        documents where both are known, else built."""
        with self._lock:
            if name not in self._cache:
                base = self._parent.get(name) if self._parent is not None else None
                changed = self.changes() if base is not None else None
                with self._index.pool.connection() as conn:
                    self._cache[name] = (
                        patch(conn, base, changed) if changed is not None else build(conn)
                    )
            return self._cache[name]

    def _cached(self, name: str, build: Callable[[psycopg.Connection[Any]], Any]) -> Any:
        with self._lock:
            if name not in self._cache:
                with self._index.pool.connection() as conn:
                    self._cache[name] = build(conn)
            return self._cache[name]

    def document(self, iri: str) -> DocumentEntry | None:
        """One document's entry."""
        return self.documents().get(iri)

    def documents(self) -> dict[str, DocumentEntry]:
        """Every indexed document by IRI."""

        def patch(conn: Any, base: dict[str, DocumentEntry], changed: set[str]) -> Any:
            out = {k: v for k, v in base.items() if k not in changed} if changed else base
            if changed:
                out.update(read_documents(conn, sorted(changed)))
            return out

        result: dict[str, DocumentEntry] = self._patched(
            "documents", lambda conn: read_documents(conn), patch
        )
        return result

    def document_count(self) -> int:
        """How many documents are indexed."""
        return len(self.documents())

    def vector_count(self) -> int:
        """How many vectors are indexed (one per chunk: counted from the documents)."""
        return self.key_tables().chunks

    def get_chunks(self, ids: Iterable[int]) -> dict[int, Chunk]:
        """The chunks with these ids."""
        wanted = list(ids)
        if not wanted:
            return {}
        with self._index.pool.connection() as conn:
            rows = conn.execute(
                "SELECT id, document, project, start_at, end_at, lang, field, text "
                "FROM hk_chunks WHERE id = ANY(%s)",
                (wanted,),
            ).fetchall()
        return {int(r[0]): Chunk(int(r[0]), *r[1:]) for r in rows}

    def dense_search(
        self, query: np.ndarray, k: int, allowed: set[int] | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` chunks by inner product (HNSW, or exact over a small allowed set)."""
        total = self.vector_count() if allowed is not None else None
        with self._index.pool.connection() as conn:
            return PgVectors(conn, self._index.allowed_forms, total).search(query, k, allowed)

    def lexical_stats(self) -> tuple[int, float]:
        """Lexical chunks and their mean length (per-document sums, patched per write)."""

        def patch(conn: Any, base: dict[str, tuple[int, int]], changed: set[str]) -> Any:
            out = {k: v for k, v in base.items() if k not in changed} if changed else base
            if changed:
                out.update(_lengths(conn, sorted(changed)))
            return out

        lengths: dict[str, tuple[int, int]] = self._patched(
            "lengths", lambda conn: _lengths(conn, None), patch
        )
        with self._lock:
            if "stats" not in self._cache:
                n = sum(c for c, _ in lengths.values())
                total = sum(t for _, t in lengths.values())
                self._cache["stats"] = (n, total / n if n else 0.0)
            stats: tuple[int, float] = self._cache["stats"]
        return stats

    def lexical_search(
        self, terms: list[str], k: int, allowed: set[int] | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` chunks by BM25 over ``terms`` (postings cached per term stamp)."""
        stats = self.lexical_stats()
        with self._index.pool.connection() as conn:
            return PgLexical(conn).search_terms(terms, k, allowed, stats, self._index.postings)

    def chunks_with(
        self,
        terms: list[str],
        allowed: set[int] | None = None,
        among: Collection[int] | None = None,
    ) -> set[int]:
        """Every chunk holding one of ``terms``: the union of their postings, read
        through the lexical search's posting cache (checked against each term's stamp)."""
        return set(self._holding(terms, allowed, among).tolist())

    def count_with(self, terms: list[str], allowed: set[int] | None = None) -> int:
        """How many chunks hold one of ``terms`` (counted, not listed)."""
        return int(self._holding(terms, allowed, None).size)

    def _holding(
        self, terms: list[str], allowed: set[int] | None, among: Collection[int] | None
    ) -> np.ndarray:
        wanted = list(dict.fromkeys(terms))
        if not wanted or (allowed is not None and not allowed) or (among is not None and not among):
            return np.empty(0, dtype=np.int64)
        with self._index.pool.connection() as conn:
            postings = PgLexical(conn).postings(wanted, self._index.postings)
        return holding(postings, allowed, among)

    def has_term(self, term: str) -> bool:
        """Whether an analysed term occurs in some chunk: one key lookup per term and
        version (reading the whole vocabulary again after every write cost time in N)."""
        with self._lock:
            known: dict[str, bool] = self._cache.setdefault("terms", {})
            if term in known:
                return known[term]
        with self._index.pool.connection() as conn:
            row = conn.execute(
                "SELECT EXISTS (SELECT 1 FROM hk_terms WHERE term = %s)", (term,)
            ).fetchone()
        found = bool(row and row[0])
        with self._lock:
            known[term] = found
        return found

    # -- per-key tables (search/index/tables.py) -------------------------------------------

    def key_tables(self) -> KeyTables:
        """Chunk groups, key languages and centroids of this version."""
        return self.tables.get(
            self.documents, self._all_centroids, self.centroids_of, self._encoder.dim
        )

    def _all_centroids(self) -> dict[str, np.ndarray]:
        with self._index.pool.connection() as conn:
            return PgVectors(conn).centroids()

    def centroids_of(self, keys: set[str]) -> Mapping[str, np.ndarray]:
        """The centroids of ``keys`` only."""
        with self._index.pool.connection() as conn:
            return PgVectors(conn).centroids(sorted(keys))

    def rebuilt_tables(self) -> KeyTables:
        """The tables read whole (chunk groups from ``hk_chunks`` itself), to compare."""
        with self._index.pool.connection() as conn:
            documents = read_documents(conn)
            by_key = {
                key: list(ids)
                for key, ids in conn.execute(
                    "SELECT key, array_agg(id ORDER BY id) FROM hk_chunks GROUP BY key"
                )
            }
        built = KeyTables.build(documents, self._all_centroids(), self._encoder.dim)
        built.by_key = by_key
        return built

    def chunks_by_key(self) -> Mapping[str, list[int]]:
        """Chunk ids per project (or per document without a project)."""
        return self.key_tables().by_key

    def key_languages(self) -> Mapping[str, set[str]]:
        """Document languages per project (and per document)."""
        return self.key_tables().languages

    def centroids(self) -> Mapping[str, np.ndarray]:
        """Unit centroid per key, from the stored sums."""
        return self.key_tables().centroids

    def centroid_matrix(self) -> tuple[Sequence[str], np.ndarray]:
        """The centroids as one matrix (rows of replaced keys are named ``""``)."""
        return self.key_tables().matrix_view()
