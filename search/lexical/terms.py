"""BM25 over segments: per-segment term statistics, scored with corpus-wide statistics.

The embedded index keeps its chunks in immutable segments (``search/index/segment.py``).
A segment's lexical part is a :class:`TermTable`: for each analysed term the positions
of the chunks holding it and its frequency there (a CSC matrix), and each chunk's length
in terms. Nothing corpus-wide is baked in, so a segment never changes when others are
added or deleted; that is why bm25s' own index (scores precomputed with the corpus' idf
and average length) is not what a segment stores.

:class:`LexicalView` scores a query over the live chunks of every segment with the
statistics a single index built from those chunks would have: ``N`` live chunks, their
mean length, and each term's document frequency summed over the live postings. The
formula is bm25s' "lucene" one, as :mod:`search.lexical.postgres` uses it (Lucene idf
``ln(1 + (N - df + 0.5) / (df + 0.5))``, k1 = 1.5, b = 0.75, scores in float32), so
results equal a whole rebuild up to float rounding. Filters are applied before the top
k is cut, and equal scores come back in chunk id order.
"""

from __future__ import annotations

import math
import threading
from array import array
from collections import OrderedDict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from search.memo import IdentityMemo

K1 = 1.5
B = 0.75
#: Postings whose per-view BM25 weights are kept (a term's weights depend on the
#: corpus-wide mean length, so they are computed once per view, on first use).
WEIGHT_CACHE_POSTINGS = 4_000_000


@dataclass(frozen=True)
class TermTable:
    """One segment's term statistics (immutable): chunk ``ids`` in ascending order,
    each chunk's length in terms, and per term the positions (into ``ids``) of the
    chunks holding it with the term's frequency there."""

    ids: np.ndarray  # int64, ascending
    lengths: np.ndarray  # float32, terms per chunk
    terms: tuple[str, ...]  # by term number
    indptr: np.ndarray  # int64, len(terms) + 1
    positions: np.ndarray  # int32, ascending within a term
    tf: np.ndarray  # float32

    @property
    def vocab(self) -> dict[str, int]:
        """Term number by term (built on first use)."""
        cached = self.__dict__.get("_vocab")
        if cached is None:
            cached = {t: i for i, t in enumerate(self.terms)}
            object.__setattr__(self, "_vocab", cached)
        return cached

    def __len__(self) -> int:
        return int(self.ids.size)

    @classmethod
    def empty(cls) -> TermTable:
        """A table with no chunks."""
        return cls._from_coo(np.zeros(0, np.int64), np.zeros(0, np.float32), (), [], [], [])

    @classmethod
    def build(cls, ids: Sequence[int], tokens: Sequence[Sequence[str]]) -> TermTable:
        """The table of chunks ``ids`` (ascending) whose analysed terms are ``tokens``.

        Raises:
            ValueError: lengths differ or ids are not strictly ascending.
        """
        if len(ids) != len(tokens):
            raise ValueError("ids and tokens must have the same length")
        id_array = np.asarray(ids, dtype=np.int64)
        if id_array.size > 1 and not np.all(np.diff(id_array) > 0):
            raise ValueError("chunk ids must be unique and ascending")
        vocab: dict[str, int] = {}
        # 4 bytes a token (a bulk load passes every chunk of the corpus at once)
        cols = array("i")
        for terms in tokens:
            cols.extend(vocab.setdefault(t, len(vocab)) for t in terms)
        counts = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
        rows = np.repeat(np.arange(len(tokens), dtype=np.int32), counts)
        cols_array = np.frombuffer(cols, dtype=np.int32) if cols else np.zeros(0, np.int32)
        return cls._from_coo(
            id_array, counts.astype(np.float32), tuple(vocab), rows, cols_array, None
        )

    @classmethod
    def _from_coo(
        cls,
        ids: np.ndarray,
        lengths: np.ndarray,
        terms: tuple[str, ...],
        rows: Sequence[int] | np.ndarray,
        cols: Sequence[int] | np.ndarray,
        tf: Sequence[float] | np.ndarray | None,
    ) -> TermTable:
        """Sum duplicate (chunk, term) pairs into a CSC matrix (scipy does it in C)."""
        data = np.ones(len(rows), dtype=np.float32) if tf is None else np.asarray(tf, np.float32)
        matrix = sp.csc_matrix(
            (data, (np.asarray(rows), np.asarray(cols))),
            shape=(ids.size, len(terms)),
            dtype=np.float32,
        )
        matrix.sum_duplicates()
        matrix.sort_indices()
        return cls(
            ids,
            np.asarray(lengths, dtype=np.float32),
            terms,
            np.asarray(matrix.indptr, dtype=np.int64),
            np.asarray(matrix.indices, dtype=np.int32),
            np.asarray(matrix.data, dtype=np.float32),
        )

    @classmethod
    def merge(cls, parts: Sequence[tuple[TermTable, np.ndarray | None]]) -> TermTable:
        """One table of the live chunks of ``parts`` (each a table and its live mask,
        ``None`` when all live), without analysing any text again; terms left with no
        live posting are dropped."""
        vocab: dict[str, int] = {}
        ids, lengths, rows, cols, tfs = [], [], [], [], []
        offset = 0
        for table, live in parts:
            keep = np.ones(len(table), bool) if live is None else live
            remap = np.fromiter(
                (vocab.setdefault(t, len(vocab)) for t in table.terms),
                dtype=np.int64,
                count=len(table.terms),
            )
            new_row = np.cumsum(keep) - 1 + offset
            col = np.repeat(np.arange(len(table.terms)), np.diff(table.indptr))
            alive = keep[table.positions]
            rows.append(new_row[table.positions[alive]])
            cols.append(remap[col[alive]])
            tfs.append(table.tf[alive])
            ids.append(table.ids[keep])
            lengths.append(table.lengths[keep])
            offset += int(keep.sum())
        if not parts:
            return cls.empty()
        all_ids = np.concatenate(ids)
        order = np.argsort(all_ids, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        col_all = np.concatenate(cols)
        used = np.zeros(len(vocab), dtype=bool)
        used[col_all] = True
        # Drop terms no live chunk holds, so the vocabulary is what a rebuild would have.
        renumber = np.cumsum(used) - 1
        terms = tuple(t for t, u in zip(vocab, used, strict=True) if u)
        return cls._from_coo(
            all_ids[order],
            np.concatenate(lengths)[order],
            terms,
            rank[np.concatenate(rows)],
            renumber[col_all],
            np.concatenate(tfs),
        )

    # -- files ------------------------------------------------------------------------

    def save(self, path: Path, analysis: str) -> None:
        """Write the table to ``path`` (an ``.npz``), tagged with the text analysis version."""
        with open(path, "wb") as out:
            np.savez(
                out,
                ids=self.ids,
                lengths=self.lengths,
                terms=np.array(self.terms, dtype=np.str_),
                indptr=self.indptr,
                positions=self.positions,
                tf=self.tf,
                analysis=np.array(analysis),
            )

    @classmethod
    def load(cls, path: Path) -> tuple[TermTable, str]:
        """Read what :meth:`save` wrote; returns the table and its analysis version."""
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        table = cls(
            arrays["ids"].astype(np.int64),
            arrays["lengths"].astype(np.float32),
            tuple(str(t) for t in arrays["terms"].tolist()),
            arrays["indptr"].astype(np.int64),
            arrays["positions"].astype(np.int32),
            arrays["tf"].astype(np.float32),
        )
        if table.indptr.size != len(table.terms) + 1 or table.positions.size != table.tf.size:
            raise ValueError(f"{path.name}: inconsistent postings")
        return table, str(arrays["analysis"])


class LexicalView:
    """BM25 over the live chunks of several term tables, with corpus-wide statistics
    (a :class:`~search.lexical.base.LexicalStore`). Immutable: one per index version."""

    def __init__(self, parts: Sequence[tuple[TermTable, np.ndarray | None]]) -> None:
        self._parts = [(t, live) for t, live in parts if len(t)]
        self._n = sum(len(t) if live is None else int(live.sum()) for t, live in self._parts)
        total = sum(
            float(t.lengths.sum(dtype=np.float64))
            if live is None
            else float(t.lengths[live].sum(dtype=np.float64))
            for t, live in self._parts
        )
        self.avgdl = total / self._n if self._n else 1.0
        self._norms: list[np.ndarray | None] = [None] * len(self._parts)
        self._df: dict[str, int] = {}
        self._weights: OrderedDict[str, list[tuple[int, np.ndarray, np.ndarray]]] = OrderedDict()
        self._cached = 0
        self._lock = threading.Lock()
        self._masks: IdentityMemo[list[np.ndarray | None]] = IdentityMemo()

    def __len__(self) -> int:
        return self._n

    def __contains__(self, term: object) -> bool:
        """Whether ``term`` (an analysed term) occurs in some live chunk."""
        return isinstance(term, str) and self.df(term) > 0

    @property
    def ids(self) -> list[int]:
        """Every live chunk id, ascending."""
        found = [t.ids if live is None else t.ids[live] for t, live in self._parts]
        return sorted(np.concatenate(found).tolist()) if found else []

    def df(self, term: str) -> int:
        """How many live chunks hold ``term``."""
        hit = self._df.get(term)
        if hit is None:
            hit = 0
            for table, live in self._parts:
                t = table.vocab.get(term)
                if t is None:
                    continue
                lo, hi = int(table.indptr[t]), int(table.indptr[t + 1])
                hit += hi - lo if live is None else int(live[table.positions[lo:hi]].sum())
            self._df[term] = hit
        return hit

    def _norm(self, i: int) -> np.ndarray:
        norm = self._norms[i]
        if norm is None:
            lengths = self._parts[i][0].lengths
            norm = (K1 * ((1 - B) + B * lengths / np.float32(self.avgdl))).astype(np.float32)
            self._norms[i] = norm
        return norm

    def _term_weights(self, term: str) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """Per table holding ``term``: its positions and BM25 weights (idf included)."""
        with self._lock:
            hit = self._weights.get(term)
            if hit is not None:
                self._weights.move_to_end(term)
                return hit
        df = self.df(term)
        idf = math.log(1 + (self._n - df + 0.5) / (df + 0.5))
        out: list[tuple[int, np.ndarray, np.ndarray]] = []
        for i, (table, _live) in enumerate(self._parts):
            t = table.vocab.get(term)
            if t is None:
                continue
            sl = slice(int(table.indptr[t]), int(table.indptr[t + 1]))
            pos, tf = table.positions[sl], table.tf[sl]
            out.append((i, pos, (np.float32(idf) * tf / (tf + self._norm(i)[pos]))))
        with self._lock:
            self._weights[term] = out
            self._cached += sum(p.size for _, p, _ in out)
            while self._cached > WEIGHT_CACHE_POSTINGS and len(self._weights) > 1:
                _, evicted = self._weights.popitem(last=False)
                self._cached -= sum(p.size for _, p, _ in evicted)
        return out

    def _masks_for(self, allowed: set[int] | None) -> list[np.ndarray | None]:
        """Per table, which positions may be returned: live, and in ``allowed``."""
        if allowed is None:
            return [live for _, live in self._parts]

        def build() -> list[np.ndarray | None]:
            wanted = np.fromiter(allowed, dtype=np.int64, count=len(allowed))
            wanted = wanted[wanted >= 0]
            # one flag per chunk id (ids are dense, from one counter), read at each table's
            # ids: a gather, not a binary search of every allowed id in every segment
            top = max(
                [int(wanted.max()) if wanted.size else -1]
                + [int(t.ids[-1]) for t, _ in self._parts if len(t)]
            )
            flags = np.zeros(top + 1, dtype=bool)
            flags[wanted] = True
            masks: list[np.ndarray | None] = []
            for table, live in self._parts:
                mask = flags[table.ids]
                masks.append(mask if live is None else mask & live)
            return masks

        # The same filter's set comes back for every query of one data version.
        return self._masks.get(allowed, build)

    def search_terms(
        self, terms: Iterable[str], k: int, allowed: set[int] | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` live chunks by BM25 as ``(chunk id, score)``, best first; ``allowed``
        is applied before the top ``k`` is cut."""
        if not self._parts or k <= 0:
            return []
        known = [t for t in dict.fromkeys(terms) if self.df(t) > 0]
        if not known:
            return []
        masks = self._masks_for(allowed)
        scores = [np.zeros(len(t), dtype=np.float32) for t, _ in self._parts]
        for term in known:
            for i, pos, weight in self._term_weights(term):
                # np.add.at: one unbuffered pass (``scores[pos] += w`` gathers, adds and
                # scatters: 2-4x slower on the common terms' postings)
                np.add.at(scores[i], pos, weight)
        ids_parts, score_parts = [], []
        for (table, _), s, mask in zip(self._parts, scores, masks, strict=True):
            hits = np.flatnonzero(s > 0)
            if mask is not None:  # filter the hits, not the whole score vector
                hits = hits[mask[hits]]
            ids_parts.append(table.ids[hits])
            score_parts.append(s[hits])
        ids, found = np.concatenate(ids_parts), np.concatenate(score_parts)
        if ids.size > k:
            top = np.argpartition(-found, k - 1)[:k]
            ids, found = ids[top], found[top]
        # Score, then chunk id, so equal scores come back in a stable order (in numpy:
        # the match rule's coverage asks for every chunk holding a term).
        order = np.lexsort((ids, -found))
        return list(zip(ids[order].tolist(), found[order].tolist(), strict=True))

    def chunks_with(
        self,
        terms: Iterable[str],
        allowed: set[int] | None = None,
        among: Collection[int] | None = None,
    ) -> set[int]:
        """The live chunks holding any of ``terms`` (in ``allowed``; of ``among`` when
        given): the union of their postings, the ids :meth:`search_terms` returns with
        no limit on ``k`` (every posting scores above zero under the Lucene idf),
        without scoring them."""
        wanted = np.array(sorted(among), dtype=np.int64) if among is not None else None
        out: list[np.ndarray] = []
        for table, present in self._present(terms, allowed):
            if wanted is None:
                out.append(table.ids[np.flatnonzero(present)])
                continue
            # the few wanted chunks' positions in this table, looked up in its sorted ids
            at = np.searchsorted(table.ids, wanted)
            inside = at < table.ids.size
            at, there = at[inside], wanted[inside]
            at = at[table.ids[at] == there]
            out.append(table.ids[at[present[at]]])
        return set(np.concatenate(out).tolist()) if out else set()

    def count_with(self, terms: Iterable[str], allowed: set[int] | None = None) -> int:
        """How many live chunks (in ``allowed``) hold any of ``terms``: the size of
        :meth:`chunks_with`, counted in numpy rather than listed in Python."""
        return sum(int(np.count_nonzero(present)) for _, present in self._present(terms, allowed))

    def _present(
        self, terms: Iterable[str], allowed: set[int] | None
    ) -> Iterator[tuple[TermTable, np.ndarray]]:
        """Per table holding one of ``terms``: a flag per position, set where a live chunk
        (in ``allowed``) holds one (a flag per chunk, not a sort or hash of the postings)."""
        wanted = list(dict.fromkeys(terms))
        if not wanted or not self._parts:
            return
        masks = self._masks_for(allowed)
        for (table, _), mask in zip(self._parts, masks, strict=True):
            numbers = [table.vocab[t] for t in wanted if t in table.vocab]
            if not numbers:
                continue
            present = np.zeros(len(table), dtype=bool)
            for t in numbers:
                present[table.positions[table.indptr[t] : table.indptr[t + 1]]] = True
            if mask is not None:
                present &= mask
            yield table, present
