"""The lexical index in PostgreSQL: the embedded engine's terms and postings, scored BM25
in the app from postings cached per term.

PostgreSQL's own Finnish stemmer is weak, so the terms are not PostgreSQL's:
each chunk is analysed in the app by :mod:`search.analysis` (Voikko base forms,
compound parts, derivational roots, Snowball stems for English and Swedish),
exactly as for bm25s, and stored verbatim:

- ``hk_postings (term, chunk, document, tf, len)``: one row per distinct term of a
  chunk, with the chunk's length, keyed ``(term, chunk) INCLUDE (tf, len)`` so
  reading a term's postings is an index-only scan;
- ``hk_lexical_chunks (chunk, document, len)``: each chunk's length in terms;
- ``hk_terms (term, df, stamp)``: document frequencies, and the id of the transaction
  that last changed the term's postings, kept up to date by writes.

A ``tsvector`` built with the ``simple`` configuration would re-split terms
such as ``e-mail`` and ``~korva``, and ``ts_rank`` is not BM25. BM25 summed in SQL
over the postings was exact but slow where it matters: a frequent term has tens
of thousands of postings, and scoring them per query took 0.2 s at 50,000
chunks. So the postings of the query terms are scored in the app with bm25s'
formula (Lucene idf, k1 = 1.5, b = 0.75, in ``float64``), from a
:class:`PostingCache` keyed by each term's stamp: one statement per search reads
every query term's document frequency and stamp, and the postings of only
those terms whose stamp differs from the cached one. A write elsewhere (another
replica) changes the stamps of the terms it touched, so the next search sees it;
nothing else is invalidated. The allowed set masks the scores before the top k
is taken, as for bm25s.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, OrderedDict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

K1 = 1.5
B = 0.75
#: Postings a process keeps cached (least recently used terms go first): about
#: 16 bytes each, so 4 million is about 64 MB.
MAX_CACHED_POSTINGS = 4_000_000
#: The transaction that writes a term's postings: its id is the term's new stamp.
STAMP = "pg_current_xact_id()::text::bigint"


@dataclass(frozen=True)
class Postings:
    """One term's postings as read at ``stamp``."""

    stamp: int
    chunks: np.ndarray
    """Chunk ids (``int64``)."""
    tf: np.ndarray
    """Term frequency in each chunk (``int32``; scored in ``float64``)."""
    length: np.ndarray
    """Each chunk's length in terms (``int32``)."""

    @classmethod
    def from_bytes(cls, stamp: int, chunks: bytes, tf: bytes, length: bytes) -> Postings:
        """Postings from the big-endian arrays ``int8send``/``int4send`` build in SQL."""
        return cls(
            stamp,
            np.frombuffer(chunks, dtype=">i8").astype(np.int64),
            np.frombuffer(tf, dtype=">i4").astype(np.int32),
            np.frombuffer(length, dtype=">i4").astype(np.int32),
        )


class PostingCache:
    """Postings per term, least recently used evicted first; safe across threads."""

    def __init__(self, max_postings: int = MAX_CACHED_POSTINGS) -> None:
        self.max_postings = max_postings
        self._terms: OrderedDict[str, Postings] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, term: str) -> Postings | None:
        """The cached postings of ``term`` (whatever their stamp), or ``None``."""
        with self._lock:
            found = self._terms.get(term)
            if found is not None:
                self._terms.move_to_end(term)
            return found

    def put(self, term: str, postings: Postings) -> None:
        """Keep ``postings`` for ``term``, evicting the least recently used terms."""
        with self._lock:
            old = self._terms.pop(term, None)
            if old is not None:
                self._size -= old.chunks.size
            if postings.chunks.size > self.max_postings:
                return
            self._terms[term] = postings
            self._size += postings.chunks.size
            while self._size > self.max_postings:
                _, evicted = self._terms.popitem(last=False)
                self._size -= evicted.chunks.size


def holding(
    postings: list[tuple[Postings, int]],
    allowed: set[int] | None = None,
    among: Collection[int] | None = None,
) -> np.ndarray:
    """The distinct chunk ids of ``postings`` (in ``allowed``; of ``among`` when given),
    ascending: the chunks holding one of their terms, from the cached postings rather
    than a query listing a common term's hundreds of thousands of rows."""
    parts = [p.chunks for p, _ in postings if p.chunks.size]
    if not parts:
        return np.empty(0, dtype=np.int64)
    every = np.concatenate(parts)
    if among is not None:
        every = every[np.isin(every, np.fromiter(among, dtype=np.int64, count=len(among)))]
        if not every.size:
            return every
    # a flag per chunk id (ids are dense, from one sequence), not a sort
    present = np.zeros(int(every.max()) + 1, dtype=bool)
    present[every] = True
    if allowed is not None:
        keep = np.fromiter(allowed, dtype=np.int64, count=len(allowed))
        mask = np.zeros(present.size, dtype=bool)
        mask[keep[keep < present.size]] = True
        present &= mask
    return np.flatnonzero(present)


def bm25(
    postings: list[tuple[Postings, int]],
    n: int,
    avgdl: float,
    k: int,
    allowed: set[int] | None = None,
) -> list[tuple[int, float]]:
    """Top ``k`` chunks by BM25 summed over terms, as bm25s scores them (Lucene idf).

    Args:
        postings: each query term's postings with its document frequency.
        n: how many chunks are indexed.
        avgdl: their mean length in terms.
        allowed: when given, only these chunk ids can be returned (applied before
            the top ``k`` is cut).
    """
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    for p, df in postings:
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        ids.append(p.chunks)
        weights.append(idf * p.tf / (p.tf + K1 * (1 - B + B * p.length / (avgdl or 1.0))))
    if not ids:
        return []
    every = np.concatenate(ids)
    if every.size == 0:
        return []
    top = int(every.max())
    wanted = (
        np.fromiter(allowed, dtype=np.int64, count=len(allowed)) if allowed is not None else None
    )
    if top <= 4 * max(n, every.size) + 1024:
        # chunk ids come from a sequence, so they are dense: one slot per id
        scores = np.bincount(every, weights=np.concatenate(weights))
        chunks = np.arange(scores.size, dtype=np.int64)
        if wanted is not None:
            keep = np.zeros(scores.size, dtype=bool)
            keep[wanted[(wanted >= 0) & (wanted <= top)]] = True
            scores[~keep] = 0.0
    else:  # ids spread far apart (after many rewrites): one slot per distinct id
        chunks, inverse = np.unique(every, return_inverse=True)
        scores = np.bincount(inverse, weights=np.concatenate(weights))
        if wanted is not None:
            scores[~np.isin(chunks, wanted)] = 0.0
    hits = np.flatnonzero(scores > 0)
    if hits.size > k:
        hits = hits[np.argpartition(-scores[hits], k - 1)[:k]]
    # best first, equal scores by chunk id, as the embedded engine orders them
    hits = hits[np.lexsort((chunks[hits], -scores[hits]))]
    return [(int(c), float(s)) for c, s in zip(chunks[hits], scores[hits], strict=True)]


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
            f"""INSERT INTO hk_terms (term, df, stamp)
               SELECT term, count(*), {STAMP} FROM hk_postings
               WHERE document = ANY(%s) GROUP BY term
               ON CONFLICT (term) DO UPDATE
               SET df = hk_terms.df + EXCLUDED.df, stamp = EXCLUDED.stamp""",  # noqa: S608
            ([item[0] for item in items],),
        )

    def remove_documents(self, documents: list[str]) -> None:
        """Drop the documents' postings and lower the frequencies of their terms."""
        self.conn.execute(
            f"""UPDATE hk_terms t SET df = t.df - g.n, stamp = {STAMP}
               FROM (SELECT term, count(*) AS n FROM hk_postings
                     WHERE document = ANY(%s) GROUP BY term) g
               WHERE t.term = g.term""",  # noqa: S608 - fixed text
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
        cache: PostingCache | None = None,
    ) -> list[tuple[int, float]]:
        """Top ``k`` chunks for analysed ``terms`` as ``(chunk id, BM25 score)``.

        Args:
            stats: ``(chunks, mean length)`` when the caller has them cached.
            cache: postings kept from earlier searches (checked against each
                term's stamp); without one every term's postings are read.
        """
        wanted = list(dict.fromkeys(terms))
        if k <= 0 or not wanted or (allowed is not None and not allowed):
            return []
        n, avgdl = stats if stats is not None else self.stats()
        if not n:
            return []
        return bm25(self.postings(wanted, cache), n, avgdl, k, allowed)

    def postings(
        self, terms: Iterable[str], cache: PostingCache | None = None
    ) -> list[tuple[Postings, int]]:
        """Each known term's postings with its document frequency, from ``cache`` where
        its stamp is current (one statement reads the stamps and the missing postings)."""
        wanted = list(dict.fromkeys(terms))
        if not wanted:
            return []
        held = {t: cache.get(t) if cache is not None else None for t in wanted}
        have = [p.stamp if p is not None else -1 for p in held.values()]
        # One statement: every term's df and stamp, and the postings of the terms whose
        # cached copy is missing or stale (an index-only scan each, packed as bytes).
        rows = self.conn.execute(
            """SELECT t.term, t.df, t.stamp, x.chunks, x.tf, x.len
               FROM unnest(%s::text[], %s::bigint[]) AS q(term, have)
               JOIN hk_terms t ON t.term = q.term
               CROSS JOIN LATERAL (
                   SELECT string_agg(int8send(p.chunk), ''), string_agg(int4send(p.tf), ''),
                          string_agg(int4send(p.len), '')
                   FROM hk_postings p WHERE p.term = t.term AND t.stamp <> q.have
               ) AS x(chunks, tf, len)""",
            (wanted, have),
            binary=True,
        ).fetchall()
        postings: list[tuple[Postings, int]] = []
        for term, df, stamp, chunks, tf, length in rows:
            if chunks is not None:
                fresh = Postings.from_bytes(int(stamp), chunks, tf, length)
                if cache is not None:
                    cache.put(term, fresh)
                postings.append((fresh, int(df)))
            else:
                cached = held[term]
                if cached is not None and cached.stamp == stamp:
                    postings.append((cached, int(df)))
        return postings

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
