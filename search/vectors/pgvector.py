"""pgvector store: chunk vectors in PostgreSQL, HNSW, iterative scans for filters.

Vectors live in ``hk_vectors`` (``vector(dim)``, HNSW over inner product),
keyed by chunk id and document. Every pooled connection
is set up once (:func:`session_settings`) with ``hnsw.iterative_scan``, so the
index keeps scanning until ``k`` allowed rows are found (without it a selective
filter returns too few rows, often none), and a search is one statement.

A filtered search picks the cheaper of two plans. Ranking the allowed rows
exactly (read by primary key, as the embedded engine's flat FAISS does) costs
about one heap row per allowed id; walking the HNSW graph with the filter
visits about ``k / selectivity`` rows, each dearer than a primary-key read. So a
small or selective allowed set is ranked exactly and a large, unselective one
walks the graph (:func:`exact_is_cheaper`). The allowed set goes to the server
in a form built once per set (:class:`AllowedSql`): a text array literal for the
exact plan (psycopg's own list adaptation took 18 ms for 13,000 ids) and a
bitmap for the graph walk, tested per visited row with ``get_bit``.
Centroids are stored per key in ``hk_centroids`` as a sum and a count,
updated in the same transaction as the
chunks: add a document's body sum on insert, subtract it on delete.

Every method runs on the connection it is given, inside the caller's
transaction; the schema belongs to :mod:`search.index.postgres`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from search.memo import IdentityMemo

#: HNSW candidate list while searching (the hybrid search asks for 200 candidates;
#: asked for more, the iterative scan goes on past it).
EF_SEARCH = 200
#: Rows an iterative scan may visit before giving up (pgvector's default is 20,000).
MAX_SCAN_TUPLES = 50_000
#: Exact ranking wins while ``allowed² <= EXACT_FACTOR * k * total`` (see :func:`exact_is_cheaper`).
#: Measured at 52,727 vectors, k = 200, p50: a real 13,096-id filter (whole documents, so
#: neighbouring rows) exact 23 ms, HNSW 43 ms; random ids exact / HNSW 36 / 46 ms at 10,545,
#: 48 / 38 at 15,818, 59 / 22 at 26,363. Real filters cross later than random ids (about
#: 13,000, factor 16); 30 puts the line near 17,800 here.
EXACT_FACTOR = 30


def session_settings() -> dict[str, str]:
    """Settings every connection that searches vectors gets once, when it is opened."""
    return {
        "hnsw.ef_search": str(EF_SEARCH),
        "hnsw.iterative_scan": "relaxed_order",
        "hnsw.max_scan_tuples": str(MAX_SCAN_TUPLES),
    }


def exact_is_cheaper(allowed: int, k: int, total: int) -> bool:
    """Whether ranking ``allowed`` rows exactly beats walking HNSW for ``k`` of them.

    Exact reads ``allowed`` rows; the filtered graph walk visits about
    ``k * total / allowed`` (``k`` over the share of rows allowed). Comparing the
    two gives ``allowed² <= factor * k * total``, with the factor measured.
    """
    return allowed * allowed <= EXACT_FACTOR * max(k, 1) * max(total, 1)


class AllowedSql:
    """An allowed chunk-id set in the two forms the server takes, each built on first use."""

    def __init__(self, ids: set[int]) -> None:
        self.ids = ids
        self._array: str | None = None
        self._bits: tuple[bytes, int] | None = None

    @property
    def array(self) -> str:
        """``{1,2,…}``: a ``bigint[]`` literal (passed as text, cast on the server)."""
        if self._array is None:
            self._array = "{" + ",".join(map(str, sorted(self.ids))) + "}"
        return self._array

    @property
    def bits(self) -> tuple[bytes, int]:
        """A bitmap for ``get_bit(bits, least(id, last))`` and ``last``, the index of a
        final bit that is always 0, so ids past the set's largest are never allowed."""
        if self._bits is None:
            last = max(self.ids) + 1
            flags = np.zeros(last + 1, dtype=np.uint8)
            flags[np.fromiter(self.ids, dtype=np.int64, count=len(self.ids))] = 1
            self._bits = (np.packbits(flags, bitorder="little").tobytes(), last)
        return self._bits


def to_pg(vector: np.ndarray) -> str:
    """A vector in pgvector's text form."""
    return "[" + ",".join(repr(float(x)) for x in np.asarray(vector, dtype=np.float32)) + "]"


def from_pg(text: str) -> np.ndarray:
    """A vector from pgvector's text form."""
    return np.array(text.strip("[]").split(","), dtype=np.float32)


class PgVectors:
    """The vector part of the PostgreSQL index, on one connection."""

    def __init__(
        self, conn: Any, forms: IdentityMemo[AllowedSql] | None = None, total: int | None = None
    ) -> None:
        """``forms`` keeps each allowed set's SQL forms while the set lives; ``total``
        (the number of vectors, counted when not given) weighs exact against HNSW."""
        self.conn = conn
        self.forms = forms
        self.total = total

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
            return _ranked(rows)
        forms = (
            self.forms.get(allowed, lambda: AllowedSql(allowed))
            if self.forms is not None
            else AllowedSql(allowed)
        )
        total = self.total if self.total is not None else self.count()
        if exact_is_cheaper(len(allowed), k, total):
            # MATERIALIZED keeps the planner from walking HNSW: exact over the allowed rows.
            # It holds each row's distance, not its vector (7,000 vectors spilled to a
            # temporary file). The array comes through a sub-select so that the planner
            # does not estimate each of its elements (5 to 8 ms for 13,000 ids).
            rows = self.conn.execute(
                """WITH allowed AS MATERIALIZED (
                       SELECT id, embedding <#> %(q)s::vector AS distance FROM hk_vectors
                       WHERE id = ANY((SELECT %(ids)s::bigint[])::bigint[]))
                   SELECT id, -distance FROM allowed ORDER BY distance, id LIMIT %(k)s""",
                {"q": q, "ids": forms.array, "k": k},
            ).fetchall()
            return _ranked(rows)
        bits, last = forms.bits
        with self.conn.transaction():
            # The planner cannot estimate get_bit and would rather scan the table and sort.
            self.conn.execute("SET LOCAL enable_seqscan = off")
            rows = self.conn.execute(
                """SELECT id, -(embedding <#> %(q)s::vector) FROM hk_vectors
                   WHERE get_bit(%(bits)s::bytea, least(id, %(last)s)::int) = 1
                   ORDER BY embedding <#> %(q)s::vector LIMIT %(k)s""",
                {"q": q, "bits": bits, "last": last, "k": k},
            ).fetchall()
        return _ranked(rows)

    def count(self) -> int:
        """Number of vectors."""
        return int(self.conn.execute("SELECT count(*) FROM hk_vectors").fetchone()[0])

    def centroids(self, keys: list[str] | None = None) -> dict[str, np.ndarray]:
        """Unit mean body vector per key (only ``keys``' when given), from the stored sums.

        Read in pgvector's binary form (``vector_send``: a 4-byte header, then big-endian
        float4s): parsing 10,000 sums from text took 3.2 s, on every replica after every
        write.
        """
        if keys is None:
            rows = self.conn.execute(
                "SELECT key, vector_send(total), n FROM hk_centroids WHERE n > 0", binary=True
            ).fetchall()
        else:
            rows = self.conn.execute(
                "SELECT key, vector_send(total), n FROM hk_centroids WHERE n > 0 AND key = ANY(%s)",
                (keys,),
                binary=True,
            ).fetchall()
        if not rows:
            return {}
        # the 4-byte header is one float4 wide: drop it as the first column
        sums = np.frombuffer(b"".join(r[1] for r in rows), dtype=">f4").reshape(len(rows), -1)
        means = sums[:, 1:].astype(np.float32) / np.array([r[2] for r in rows], np.float32)[:, None]
        norms = np.linalg.norm(means, axis=1, keepdims=True)
        units = np.divide(means, norms, out=means.copy(), where=norms > 0)
        return {r[0]: units[i] for i, r in enumerate(rows)}


def _ranked(rows: list[tuple[Any, Any]]) -> list[tuple[int, float]]:
    """Rows best first (``relaxed_order`` may return neighbours slightly out of order)."""
    return sorted(((int(i), float(s)) for i, s in rows), key=lambda r: (-r[1], r[0]))
