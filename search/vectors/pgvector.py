"""pgvector store: chunk vectors in PostgreSQL, HNSW, iterative scans for filters.

Vectors live in ``hk_vectors`` (``vector(dim)``, HNSW over inner product),
keyed by chunk id and document. Every pooled connection
is set up once (:func:`session_settings`) with ``hnsw.iterative_scan``, so the
index keeps scanning until ``k`` allowed rows are found (without it a selective
filter returns too few rows, often none), and a search is one statement.

A filtered search over few rows (at most :data:`EXACT_MAX`) skips the HNSW
graph: it reads the allowed rows by primary key and ranks them exactly, as the
embedded engine's flat FAISS does. Walking the graph for them would visit up
to ``hnsw.max_scan_tuples`` rows to find ``k`` allowed ones and still be
approximate.
Centroids are stored per key in ``hk_centroids`` as a sum and a count,
updated in the same transaction as the
chunks: add a document's body sum on insert, subtract it on delete.

Every method runs on the connection it is given, inside the caller's
transaction; the schema belongs to :mod:`search.index.postgres`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from search.index.base import unit

#: HNSW candidate list while searching (the hybrid search asks for 200 candidates;
#: asked for more, the iterative scan goes on past it).
EF_SEARCH = 200
#: Rows an iterative scan may visit before giving up (pgvector's default is 20,000).
MAX_SCAN_TUPLES = 50_000
#: Allowed sets up to this size are ranked exactly (by primary key), not through HNSW.
EXACT_MAX = 20_000


def session_settings() -> dict[str, str]:
    """Settings every connection that searches vectors gets once, when it is opened."""
    return {
        "hnsw.ef_search": str(EF_SEARCH),
        "hnsw.iterative_scan": "relaxed_order",
        "hnsw.max_scan_tuples": str(MAX_SCAN_TUPLES),
    }


def to_pg(vector: np.ndarray) -> str:
    """A vector in pgvector's text form."""
    return "[" + ",".join(repr(float(x)) for x in np.asarray(vector, dtype=np.float32)) + "]"


def from_pg(text: str) -> np.ndarray:
    """A vector from pgvector's text form."""
    return np.array(text.strip("[]").split(","), dtype=np.float32)


class PgVectors:
    """The vector part of the PostgreSQL index, on one connection."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def add(
        self, document: str, key: str, ids: list[int], vectors: np.ndarray, body: list[bool]
    ) -> None:
        """Add a document's vectors under chunk ``ids``; ``body`` rows count towards
        ``key``'s centroid (a stored sum, updated here)."""
        self.remove_document(document)
        self.add_many([(document, key, ids, vectors, body)])

    def add_many(self, items: list[tuple[str, str, list[int], np.ndarray, list[bool]]]) -> None:
        """:meth:`add` for documents not yet in the store, with one COPY per table."""
        if not items:
            return
        with self.conn.cursor().copy(
            "COPY hk_vectors (id, document, embedding) FROM STDIN"
        ) as copy:
            for document, _key, ids, vectors, _body in items:
                for cid, vector in zip(ids, vectors, strict=True):
                    copy.write_row((cid, document, to_pg(vector)))
        with self.conn.cursor().copy(
            "COPY hk_vector_documents (document, key, total, n) FROM STDIN"
        ) as copy:
            for document, key, _ids, vectors, body in items:
                rows = [i for i, b in enumerate(body) if b]
                total = (
                    to_pg(np.asarray(vectors[rows], dtype=np.float64).sum(axis=0)) if rows else None
                )
                copy.write_row((document, key, total, len(rows)))
        self.conn.execute(
            """INSERT INTO hk_centroids (key, total, n)
               SELECT key, sum(total), sum(n)::int FROM hk_vector_documents
               WHERE document = ANY(%s) AND n > 0 GROUP BY key
               ON CONFLICT (key) DO UPDATE
               SET total = hk_centroids.total + EXCLUDED.total, n = hk_centroids.n + EXCLUDED.n""",
            ([item[0] for item in items],),
        )

    def remove_document(self, document: str) -> None:
        """Drop a document's vectors and subtract its share of its key's centroid."""
        self.remove_documents([document])

    def remove_documents(self, documents: list[str]) -> None:
        """:meth:`remove_document` for several documents in one go."""
        self.conn.execute(
            """UPDATE hk_centroids c SET total = c.total - d.total, n = c.n - d.n
               FROM (SELECT key, sum(total) AS total, sum(n)::int AS n
                     FROM hk_vector_documents WHERE document = ANY(%s) AND n > 0
                     GROUP BY key) d
               WHERE c.key = d.key""",
            (documents,),
        )
        self.conn.execute("DELETE FROM hk_centroids WHERE n <= 0")
        self.conn.execute("DELETE FROM hk_vectors WHERE document = ANY(%s)", (documents,))
        self.conn.execute("DELETE FROM hk_vector_documents WHERE document = ANY(%s)", (documents,))

    def search(
        self, query: np.ndarray, k: int, allowed: set[int] | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` chunk ids by inner product; ``allowed`` filters inside the scan.

        The connection must carry :func:`session_settings` (the index's pool sets them).
        """
        if k <= 0 or (allowed is not None and not allowed):
            return []
        q = to_pg(query)
        if allowed is None:
            rows = self.conn.execute(
                """SELECT id, -(embedding <#> %(q)s::vector) FROM hk_vectors
                   ORDER BY embedding <#> %(q)s::vector LIMIT %(k)s""",
                {"q": q, "k": k},
            ).fetchall()
        elif len(allowed) <= EXACT_MAX:
            # MATERIALIZED keeps the planner from walking HNSW: exact over the allowed rows.
            # It holds each row's distance, not its vector: 7,000 vectors (10 MB) spilled
            # to a temporary file and doubled the statement's time.
            rows = self.conn.execute(
                """WITH allowed AS MATERIALIZED (
                       SELECT id, embedding <#> %(q)s::vector AS distance
                       FROM hk_vectors WHERE id = ANY(%(ids)s))
                   SELECT id, -distance FROM allowed ORDER BY distance, id LIMIT %(k)s""",
                {"q": q, "ids": list(allowed), "k": k},
            ).fetchall()
        else:
            rows = self.conn.execute(
                """SELECT id, -(embedding <#> %(q)s::vector) FROM hk_vectors
                   WHERE id = ANY(%(ids)s) ORDER BY embedding <#> %(q)s::vector LIMIT %(k)s""",
                {"q": q, "ids": list(allowed), "k": k},
            ).fetchall()
        # relaxed_order may return neighbours slightly out of order
        return sorted(((int(i), float(s)) for i, s in rows), key=lambda r: (-r[1], r[0]))

    def count(self) -> int:
        """Number of vectors."""
        return int(self.conn.execute("SELECT count(*) FROM hk_vectors").fetchone()[0])

    def centroids(self) -> dict[str, np.ndarray]:
        """Unit mean body vector per key, from the stored sums."""
        rows = self.conn.execute("SELECT key, total::text, n FROM hk_centroids").fetchall()
        return {key: unit(from_pg(total) / n) for key, total, n in rows if n > 0}
