"""The lexical index in PostgreSQL: the embedded engine's terms, scored BM25 in SQL.

PostgreSQL's own Finnish stemmer is weak, so the terms are not PostgreSQL's:
each chunk is analysed in the app by :mod:`search.analysis` (Voikko base forms,
compound parts, derivational roots, Snowball stems for English and Swedish),
exactly as for bm25s, and stored verbatim:

- ``hk_postings (term, chunk, document, tf, len)``: one row per distinct term of a
  chunk, with the chunk's length, keyed ``(term, chunk) INCLUDE (tf, len)`` so
  scoring a term is an index-only scan;
- ``hk_lexical_chunks (chunk, document, len)``: each chunk's length in terms;
- ``hk_terms (term, df)``: document frequencies, kept up to date by writes.

A ``tsvector`` built with the ``simple`` configuration would re-split terms
such as ``e-mail`` and ``~korva``, and ``ts_rank`` is not BM25; scoring the
stored postings with bm25s' formula (Lucene idf, k1 = 1.5, b = 0.75) in one SQL
statement gives the same ranking as the embedded engine. The arithmetic is in
``float8``: the same formula over ``numeric`` cost more than the rest of the
query together. The allowed set is a
``WHERE`` on the postings, before the top k is taken.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

K1 = 1.5
B = 0.75


class PgLexical:
    """The lexical part of the PostgreSQL index, on one connection."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def add(self, document: str, ids: list[int], terms: list[list[str]]) -> None:
        """Index the analysed ``terms`` of each chunk id of ``document``."""
        self.remove_documents([document])
        self.add_many([(document, ids, terms)])

    def add_many(self, items: list[tuple[str, list[int], list[list[str]]]]) -> None:
        """:meth:`add` for documents not yet indexed, with one COPY per table."""
        if not items:
            return
        with self.conn.cursor().copy(
            "COPY hk_lexical_chunks (chunk, document, len) FROM STDIN"
        ) as copy:
            for document, ids, terms in items:
                for cid, chunk_terms in zip(ids, terms, strict=True):
                    copy.write_row((cid, document, len(chunk_terms)))
        with self.conn.cursor().copy(
            "COPY hk_postings (term, chunk, document, tf, len) FROM STDIN"
        ) as copy:
            for document, ids, terms in items:
                for cid, chunk_terms in zip(ids, terms, strict=True):
                    for term, tf in Counter(chunk_terms).items():
                        copy.write_row((term, cid, document, tf, len(chunk_terms)))
        self.conn.execute(
            """INSERT INTO hk_terms (term, df)
               SELECT term, count(*) FROM hk_postings WHERE document = ANY(%s) GROUP BY term
               ON CONFLICT (term) DO UPDATE SET df = hk_terms.df + EXCLUDED.df""",
            ([item[0] for item in items],),
        )

    def remove_documents(self, documents: list[str]) -> None:
        """Drop the documents' postings and lower the frequencies of their terms."""
        self.conn.execute(
            """UPDATE hk_terms t SET df = t.df - g.n
               FROM (SELECT term, count(*) AS n FROM hk_postings
                     WHERE document = ANY(%s) GROUP BY term) g
               WHERE t.term = g.term""",
            (documents,),
        )
        self.conn.execute("DELETE FROM hk_terms WHERE df <= 0")
        self.conn.execute("DELETE FROM hk_postings WHERE document = ANY(%s)", (documents,))
        self.conn.execute("DELETE FROM hk_lexical_chunks WHERE document = ANY(%s)", (documents,))

    def stats(self) -> tuple[int, float]:
        """Number of chunks and their mean length in terms."""
        n, total = self.conn.execute(
            "SELECT count(*), coalesce(sum(len), 0) FROM hk_lexical_chunks"
        ).fetchone()
        return int(n), (float(total) / n if n else 0.0)

    def search_terms(
        self,
        terms: Iterable[str],
        k: int,
        allowed: set[int] | None = None,
        stats: tuple[int, float] | None = None,
    ) -> list[tuple[int, float]]:
        """Top ``k`` chunks for analysed ``terms`` as ``(chunk id, BM25 score)``.

        Args:
            stats: ``(chunks, mean length)`` when the caller has them cached.
        """
        wanted = list(dict.fromkeys(terms))
        if k <= 0 or not wanted or (allowed is not None and not allowed):
            return []
        n, avgdl = stats if stats is not None else self.stats()
        if not n:
            return []
        where = "AND p.chunk = ANY(%(allowed)s)" if allowed is not None else ""
        rows = self.conn.execute(
            f"""WITH q AS (
                    SELECT term, ln(1 + (%(n)s::float8 - df + 0.5) / (df + 0.5)) AS idf
                    FROM hk_terms WHERE term = ANY(%(terms)s))
                SELECT p.chunk,
                    sum(q.idf * p.tf / (p.tf + %(k1)s * (1 - %(b)s + %(b)s * p.len / %(avgdl)s)))
                    AS score
                FROM q JOIN hk_postings p ON p.term = q.term
                WHERE true {where}
                GROUP BY p.chunk ORDER BY score DESC, p.chunk LIMIT %(k)s""",  # noqa: S608 - fixed text
            {
                "n": n,
                "avgdl": float(avgdl or 1.0),
                "k1": K1,
                "b": B,
                "terms": wanted,
                "allowed": list(allowed) if allowed is not None else None,
                "k": k,
            },
        ).fetchall()
        return [(int(cid), float(score)) for cid, score in rows if score > 0]

    def __contains__(self, term: object) -> bool:
        """Whether an analysed term occurs in some chunk."""
        if not isinstance(term, str):
            return False
        row = self.conn.execute("SELECT 1 FROM hk_terms WHERE term = %s", (term,)).fetchone()
        return row is not None

    def vocabulary(self) -> set[str]:
        """Every indexed term (callers cache it per index version)."""
        return {t for (t,) in self.conn.execute("SELECT term FROM hk_terms")}

    def __len__(self) -> int:
        return self.stats()[0]
