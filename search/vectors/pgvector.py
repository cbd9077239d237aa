"""pgvector store: chunk vectors in PostgreSQL, HNSW, iterative scans for filters.

Vectors live in ``hk_vectors`` (``vector(dim)``, HNSW over inner product),
keyed by chunk id and document. A filtered search turns on
``hnsw.iterative_scan`` so the index keeps scanning until ``k`` allowed rows
are found (without it a selective filter returns too few rows, often none).
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

#: HNSW candidate list while searching; at least the number of rows asked for.
EF_SEARCH = 100
#: Rows an iterative scan may visit before giving up (pgvector's default is 20,000).
MAX_SCAN_TUPLES = 50_000


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
        """Top ``k`` chunk ids by inner product; ``allowed`` filters inside the scan."""
        if k <= 0 or (allowed is not None and not allowed):
            return []
        q = to_pg(query)
        with self.conn.transaction():
            self.conn.execute(
                "SELECT set_config('hnsw.ef_search', %s, true)", (str(max(EF_SEARCH, k)),)
            )
            if allowed is None:
                rows = self.conn.execute(
                    """SELECT id, -(embedding <#> %s::vector) FROM hk_vectors
                       ORDER BY embedding <#> %s::vector LIMIT %s""",
                    (q, q, k),
                ).fetchall()
            else:
                self.conn.execute("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)")
                self.conn.execute(
                    "SELECT set_config('hnsw.max_scan_tuples', %s, true)", (str(MAX_SCAN_TUPLES),)
                )
                rows = self.conn.execute(
                    """SELECT id, -(embedding <#> %s::vector) FROM hk_vectors
                       WHERE id = ANY(%s) ORDER BY embedding <#> %s::vector LIMIT %s""",
                    (q, list(allowed), q, k),
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
