"""The server index engine: chunks, vectors and lexical terms in PostgreSQL + pgvector.

Selected with ``HANKEKG_INDEX_BACKEND=postgres`` and ``HANKEKG_DATABASE_URL``.
Several API processes can share one database: nothing lives in the process but
caches, and those are keyed by ``hk_meta.version``, which every commit bumps.

Tables (``hk_`` prefix; created and migrated by :func:`migrate`, idempotent
and versioned in ``hk_schema``):

- ``hk_documents``, ``hk_chunks``: what the embedded engine's manifest and
  ``chunks.jsonl`` hold;
- ``hk_vectors``, ``hk_vector_documents``, ``hk_centroids``: see
  :mod:`search.vectors.pgvector` (HNSW, iterative scans, stored centroids);
- ``hk_postings``, ``hk_lexical_chunks``, ``hk_terms``: see
  :mod:`search.lexical.postgres` (Voikko terms; BM25 from postings cached per term);
- ``hk_meta``: the encoder identity and the version.

A writer buffers its batch and applies it in one transaction, under an
advisory lock so writers from several replicas take turns. The graph write
runs inside that transaction, just before COMMIT: if it fails the transaction
rolls back; if the process dies after it, the next start finds documents the
graph has and the index lacks, and the engine re-indexes exactly those.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg

from graph.errors import RECOVERY_HINT, CorruptIndex, DamagedHome
from search.analysis import default_analyzer
from search.index.base import Chunk, DocumentEntry, EncoderIdentity
from search.index.postgres_view import DOCUMENT_COLUMNS, PostgresView, entry_of
from search.lexical.postgres import PgLexical, PostingCache
from search.memo import IdentityMemo
from search.vectors.pgvector import AllowedSql, PgVectors, session_settings

logger = logging.getLogger(__name__)

#: Advisory lock key serialising writers and migrations ("hankekg" in ASCII).
WRITE_LOCK = 0x68616E6B656B67
#: HNSW build parameters (pgvector's defaults; see docs/DEPLOY.md for sizing).
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64
POOL_SIZE = 8

MIGRATIONS: list[str] = [
    # 1: everything that does not depend on the encoder's dimension
    """
    CREATE EXTENSION IF NOT EXISTS vector;
    CREATE TABLE IF NOT EXISTS hk_meta (key text PRIMARY KEY, value text NOT NULL);
    INSERT INTO hk_meta VALUES ('version', '0') ON CONFLICT DO NOTHING;
    CREATE TABLE IF NOT EXISTS hk_documents (
        iri text PRIMARY KEY, sha256 text NOT NULL, path text NOT NULL,
        projects text[] NOT NULL, title text, language text NOT NULL,
        chunk_ids bigint[] NOT NULL);
    CREATE TABLE IF NOT EXISTS hk_chunks (
        id bigint PRIMARY KEY, document text NOT NULL, project text, key text NOT NULL,
        start_at int NOT NULL, end_at int NOT NULL, lang text NOT NULL, field text NOT NULL,
        text text NOT NULL);
    CREATE INDEX IF NOT EXISTS hk_chunks_document ON hk_chunks (document);
    CREATE TABLE IF NOT EXISTS hk_lexical_chunks (
        chunk bigint PRIMARY KEY, document text NOT NULL, len int NOT NULL);
    CREATE INDEX IF NOT EXISTS hk_lexical_chunks_document ON hk_lexical_chunks (document);
    CREATE TABLE IF NOT EXISTS hk_postings (
        term text NOT NULL, chunk bigint NOT NULL, document text NOT NULL, tf int NOT NULL,
        PRIMARY KEY (term, chunk));
    CREATE INDEX IF NOT EXISTS hk_postings_document ON hk_postings (document);
    CREATE TABLE IF NOT EXISTS hk_terms (term text PRIMARY KEY, df int NOT NULL);
    CREATE SEQUENCE IF NOT EXISTS hk_chunk_ids;
    """,
    # 2: BM25 reads everything it needs from the postings key (an index-only scan):
    # each posting carries its chunk's length, so scoring joins no other table.
    """
    ALTER TABLE hk_postings ADD COLUMN IF NOT EXISTS len int;
    UPDATE hk_postings p SET len = c.len FROM hk_lexical_chunks c
        WHERE c.chunk = p.chunk AND p.len IS NULL;
    ALTER TABLE hk_postings ALTER COLUMN len SET NOT NULL;
    ALTER TABLE hk_postings DROP CONSTRAINT hk_postings_pkey,
        ADD CONSTRAINT hk_postings_pkey PRIMARY KEY (term, chunk) INCLUDE (tf, len);
    """,
    # 3: each term records the transaction that last changed its postings, so every
    # process can keep postings cached and read again only the terms a write touched.
    """
    ALTER TABLE hk_terms ADD COLUMN IF NOT EXISTS stamp bigint NOT NULL DEFAULT 0;
    """,
]

_HNSW_INDEX = """CREATE INDEX hk_vectors_hnsw ON hk_vectors USING hnsw (embedding vector_ip_ops)
    WITH (m = {m}, ef_construction = {ef})"""

_VECTOR_TABLES = """
    CREATE TABLE hk_vectors (
        id bigint PRIMARY KEY, document text NOT NULL, embedding vector({dim}) NOT NULL);
    CREATE INDEX hk_vectors_document ON hk_vectors (document);
    CREATE INDEX hk_vectors_hnsw ON hk_vectors USING hnsw (embedding vector_ip_ops)
        WITH (m = {m}, ef_construction = {ef});
    CREATE TABLE hk_vector_documents (
        document text PRIMARY KEY, key text NOT NULL, total vector({dim}), n int NOT NULL);
    CREATE TABLE hk_centroids (key text PRIMARY KEY, total vector({dim}) NOT NULL, n int NOT NULL);
"""


def migrate(conn: psycopg.Connection[Any]) -> int:
    """Bring the schema to the newest version (idempotent); returns that version."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS hk_schema (version int NOT NULL)")
        row = conn.execute("SELECT max(version) FROM hk_schema").fetchone()
        current = int(row[0]) if row and row[0] is not None else 0
        for number, script in enumerate(MIGRATIONS, start=1):
            if number > current:
                logger.info("index schema: applying migration %d", number)
                conn.execute(script.encode())
                conn.execute("INSERT INTO hk_schema VALUES (%s)", (number,))
    return len(MIGRATIONS)


class _Pool:
    """A few autocommit connections shared by reading threads."""

    def __init__(self, url: str, size: int) -> None:
        self.url = url
        self._idle: queue.LifoQueue[psycopg.Connection[Any]] = queue.LifoQueue()
        self._slots = threading.Semaphore(size)

    def connect(self) -> psycopg.Connection[Any]:
        """A new autocommit connection, set up for searching (one round trip, once)."""
        conn = psycopg.connect(self.url, autocommit=True)
        settings = {
            **session_settings(),
            # Plan every statement with its parameters' values, so that the planner sees
            # the real size of the document and chunk-id arrays (a generic plan of a
            # prepared statement guesses, and may scan where an index lookup is right).
            "plan_cache_mode": "force_custom_plan",
        }
        conn.execute(
            "SELECT " + ", ".join("set_config(%s, %s, false)" for _ in settings),
            [x for pair in settings.items() for x in pair],
        )
        return conn

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """Borrow a connection; a broken one is dropped, not returned."""
        with self._slots:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                conn = self.connect()
            try:
                yield conn
            except psycopg.OperationalError:
                conn.close()
                raise
            if conn.closed or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.close()
            else:
                self._idle.put(conn)

    def close(self) -> None:
        """Close the idle connections."""
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


def _identity(conn: psycopg.Connection[Any]) -> EncoderIdentity | None:
    meta = dict(conn.execute("SELECT key, value FROM hk_meta").fetchall())
    if "encoder" not in meta:
        return None
    return EncoderIdentity(meta["encoder"], int(meta["dim"]), meta["fingerprint"])


_entry = entry_of
_DOCUMENT_COLUMNS = DOCUMENT_COLUMNS


class PostgresIndex:
    """An :class:`~search.index.base.Index` over one PostgreSQL database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pool = _Pool(url, POOL_SIZE)
        with self.pool.connection() as conn:
            migrate(conn)
        self._view: PostgresView | None = None
        self._lock = threading.Lock()
        # Outlives views: each term's postings are checked against its stamp per search.
        self.postings = PostingCache()
        # A filter's allowed set is one object per filter and version: its SQL forms are
        # built once for it.
        self.allowed_forms: IdentityMemo[AllowedSql] = IdentityMemo()
        self.changes: Callable[[str | None, str], set[str] | None] | None = None
        """Documents changed between two versions (the change feed, set by the owner);
        a new view patches the previous one's tables with them."""

    def version(self) -> str | None:
        """``hk_meta.version``: bumped by every commit, from any process."""
        with self.pool.connection() as conn:
            row = conn.execute("SELECT value FROM hk_meta WHERE key = 'version'").fetchone()
        return None if row is None or row[0] == "0" else f"pg-{row[0]}"

    def view(self) -> PostgresView | None:
        """The committed state (one cached view per version)."""
        version = self.version()
        if version is None:
            return None
        with self._lock:
            if self._view is None or self._view.version != version:
                with self.pool.connection() as conn:
                    identity = _identity(conn)
                if identity is None:
                    return None
                parent, changes = self._view, self.changes
                before = parent.version if parent is not None else None
                self._view = PostgresView(
                    self,
                    version,
                    identity,
                    parent,
                    (lambda: changes(before, version)) if changes is not None else None,
                )
            return self._view

    def writer(self, encoder: EncoderIdentity, *, fresh: bool = False) -> PostgresWriter:
        """A writer that buffers a batch and applies it in one transaction."""
        with self.pool.connection() as conn:
            identity = _identity(conn)
            if identity is not None and not fresh:
                identity.check(encoder.name, encoder.fingerprint)
            known = (
                {}
                if fresh
                else dict(
                    _entry(r)
                    for r in conn.execute(f"SELECT {_DOCUMENT_COLUMNS} FROM hk_documents")  # noqa: S608
                )
            )
        return PostgresWriter(self, encoder, known, fresh)

    def touch(self) -> None:
        """Bump ``hk_meta.version``: replicas key their caches on it."""
        with self.pool.connection() as conn:
            _bump(conn)

    def recover(self, in_graph: dict[str, str]) -> set[str] | None:
        """Drop index documents the graph does not hold (as they are); return the
        graph's documents the index lacks, to be re-indexed from the graph."""
        with self.pool.connection() as conn:
            indexed = dict(conn.execute("SELECT iri, sha256 FROM hk_documents").fetchall())
        if indexed and not in_graph:
            # an empty graph beside a full index is a graph that lost its data, not
            # one whose documents were all deleted: never settle it by emptying the index
            raise DamagedHome(
                f"graph: the graph is empty, but the index holds {len(indexed)} documents; "
                f"{RECOVERY_HINT}, or `hankekg reindex` to keep only what the graph holds"
            )
        stale = [iri for iri, sha in indexed.items() if in_graph.get(iri) != sha]
        missing = {iri for iri, sha in in_graph.items() if indexed.get(iri) != sha}
        if stale:
            logger.warning("recovering: %d index documents are not in the graph", len(stale))
            with self.pool.connection() as conn, conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                _remove(conn, stale)
                _bump(conn)
        return missing

    def close(self) -> None:
        """Close the pooled connections."""
        self.pool.close()


def _remove(conn: psycopg.Connection[Any], documents: list[str]) -> None:
    """Drop documents from every table (vectors, lexical, chunks, documents)."""
    if not documents:
        return
    if _has_vectors(conn):
        PgVectors(conn).remove_documents(documents)
    PgLexical(conn).remove_documents(documents)
    conn.execute("DELETE FROM hk_chunks WHERE document = ANY(%s)", (documents,))
    conn.execute("DELETE FROM hk_documents WHERE iri = ANY(%s)", (documents,))


def _has_vectors(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute("SELECT to_regclass('hk_vectors')").fetchone()
    return row is not None and row[0] is not None


def _bump(conn: psycopg.Connection[Any]) -> None:
    conn.execute("UPDATE hk_meta SET value = (value::bigint + 1)::text WHERE key = 'version'")


def _bind(conn: psycopg.Connection[Any], encoder: EncoderIdentity, fresh: bool) -> None:
    """Make the tables hold ``encoder``'s vectors (``fresh``: empty every table first).

    Raises:
        EncoderMismatch: the index holds another encoder's vectors (not ``fresh``).
    """
    identity = _identity(conn)
    if identity is not None and not fresh:
        identity.check(encoder.name, encoder.fingerprint)
    if fresh:
        conn.execute("TRUNCATE hk_documents, hk_chunks, hk_postings, hk_lexical_chunks, hk_terms")
        if identity is not None and identity.dim != encoder.dim:
            conn.execute("DROP TABLE hk_vectors, hk_vector_documents, hk_centroids")
        elif _has_vectors(conn):
            conn.execute("TRUNCATE hk_vectors, hk_vector_documents, hk_centroids")
    if not _has_vectors(conn):
        script = _VECTOR_TABLES.format(dim=int(encoder.dim), m=HNSW_M, ef=HNSW_EF_CONSTRUCTION)
        conn.execute(script.encode())
    for key, value in (
        ("encoder", encoder.name),
        ("dim", str(encoder.dim)),
        ("fingerprint", encoder.fingerprint),
    ):
        conn.execute(
            "INSERT INTO hk_meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = %s",
            (key, value, value),
        )


@dataclass
class _Add:
    iri: str
    entry: DocumentEntry
    chunks: list[Chunk]
    vectors: np.ndarray


class PostgresWriter:
    """Buffers adds and removes; :meth:`commit` applies them in one transaction."""

    def __init__(
        self,
        index: PostgresIndex,
        encoder: EncoderIdentity,
        known: dict[str, DocumentEntry],
        fresh: bool,
    ) -> None:
        self._index = index
        self._encoder = encoder
        self._known = known
        self._fresh = fresh
        self._ops: list[_Add | str] = []

    def documents(self) -> dict[str, DocumentEntry]:
        """Every document as this writer sees them (its own changes included)."""
        return self._known

    def allocate_ids(self, n: int) -> list[int]:
        """Fresh chunk ids from ``hk_chunk_ids`` (never reused, even across replicas)."""
        if n <= 0:
            return []
        with self._index.pool.connection() as conn:
            rows = conn.execute(
                "SELECT nextval('hk_chunk_ids') FROM generate_series(1, %s)", (n,)
            ).fetchall()
        return [int(r[0]) for r in rows]

    def add_document(
        self, iri: str, entry: DocumentEntry, chunks: list[Chunk], vectors: np.ndarray
    ) -> None:
        """Queue a document (replacing any earlier version)."""
        entry.chunk_ids = [c.id for c in chunks]
        self._ops.append(_Add(iri, entry, chunks, np.asarray(vectors, dtype=np.float32)))
        self._known[iri] = entry

    def remove_document(self, iri: str) -> None:
        """Queue a removal."""
        self._ops.append(iri)
        self._known.pop(iri, None)

    def commit(self, between: Callable[[], None] | None = None) -> None:
        """Apply the batch in one transaction, run ``between`` inside it, COMMIT."""
        analyzer = default_analyzer()
        # Analysis is CPU work: do it before the transaction, not while holding the lock.
        terms = {
            id(op): [analyzer.analyze(c.text, c.lang) for c in op.chunks]
            for op in self._ops
            if isinstance(op, _Add)
        }
        # The batch's net effect: every touched document goes, the last version of each
        # added one comes back (one statement or COPY per table, not per document).
        final: dict[str, _Add | None] = {}
        for op in self._ops:
            if isinstance(op, str):
                final[op] = None
            else:
                final[op.iri] = op
        adds = [op for op in final.values() if op is not None]
        with self._index.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            _bind(conn, self._encoder, self._fresh)
            if not self._fresh:
                _remove(conn, list(final))
            bulk = self._fresh and len(adds) > 1000
            if bulk:  # building HNSW once over all rows is much faster than row by row
                conn.execute("DROP INDEX IF EXISTS hk_vectors_hnsw")
            self._insert(conn, adds, terms)
            if bulk:
                conn.execute(_HNSW_INDEX.format(m=HNSW_M, ef=HNSW_EF_CONSTRUCTION).encode())
            _bump(conn)
            if between is not None:
                between()
        self._ops.clear()
        self._fresh = False

    @staticmethod
    def _insert(
        conn: psycopg.Connection[Any], adds: list[_Add], terms: dict[int, list[list[str]]]
    ) -> None:
        with conn.cursor().copy(
            f"COPY hk_documents ({_DOCUMENT_COLUMNS}) FROM STDIN"  # noqa: S608 - fixed text
        ) as copy:
            for op in adds:
                e = op.entry
                copy.write_row(
                    (op.iri, e.sha256, e.path, e.projects, e.title, e.language, e.chunk_ids)
                )
        with conn.cursor().copy(
            "COPY hk_chunks (id, document, project, key, start_at, end_at, lang, field, text) "
            "FROM STDIN"
        ) as copy:
            for op in adds:
                for c in op.chunks:
                    copy.write_row(
                        (
                            c.id,
                            c.document,
                            c.project,
                            c.key,
                            c.start,
                            c.end,
                            c.lang,
                            c.field,
                            c.text,
                        )
                    )
        PgVectors(conn).add_many(
            [
                (
                    op.iri,
                    op.chunks[0].key
                    if op.chunks
                    else (op.entry.projects[0] if op.entry.projects else op.iri),
                    [c.id for c in op.chunks],
                    op.vectors,
                    [c.field == "body" for c in op.chunks],
                )
                for op in adds
            ]
        )
        PgLexical(conn).add_many(
            [(op.iri, [c.id for c in op.chunks], terms[id(op)]) for op in adds]
        )

    def close(self) -> None:
        """Drop anything not committed."""
        self._ops.clear()


__all__ = ["CorruptIndex", "PostgresIndex", "PostgresView", "PostgresWriter", "migrate"]
