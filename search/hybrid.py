"""Hybrid ranking: dense (FAISS) and lexical (BM25) candidates, fused and
aggregated from chunks to projects.

Fusion is weighted reciprocal rank fusion. RRF needs no score calibration
between BM25 and cosine (the e5 cosines are compressed into roughly 0.7-0.9,
see DESIGN.md), and the weights let the fusion lean on the lexical side when
the query was translated into Finnish, which compensates the dense model's
same-language bias. The weights come from ``hankekg eval`` on the development
set (README, "Search quality").
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from search.analysis import default_analyzer
from search.crosslingual import Translation
from search.encoders import Encoder
from search.highlight import phrases, strip_chrome
from search.highlight import spans as highlight_spans
from search.index import Chunk, IndexView
from search.matching import (
    GATE_DEPTH,
    MatchRule,
    Ranked,
    Unit,
    coverage,
    query_units,
    select,
    topic_query,
)

logger = logging.getLogger(__name__)

Mode = Literal["lexical", "dense", "hybrid"]
MODES: tuple[Mode, ...] = ("lexical", "dense", "hybrid")

#: RRF damping constant (Cormack et al. 2009).
RRF_K = 60
#: Candidates taken from each side before fusion.
CANDIDATES = 200
SNIPPET_CHARS = 320
#: Further chunks of a group tried for a snippet that shows a query word.
SNIPPET_TRIES = 4
#: Weight of a group's second and third best chunks relative to its best.
SECOND_CHUNKS = 0.3
#: Threads that run the dense side of hybrid searches next to the lexical side.
DENSE_THREADS = 16

_dense_pool: ThreadPoolExecutor | None = None
_dense_pool_lock = threading.Lock()


def _dense_executor() -> ThreadPoolExecutor:
    """The process's pool for dense searches (created on first use)."""
    global _dense_pool
    with _dense_pool_lock:
        if _dense_pool is None:
            _dense_pool = ThreadPoolExecutor(DENSE_THREADS, thread_name_prefix="dense-search")
        return _dense_pool


@dataclass(frozen=True)
class FusionWeights:
    """Weights of the dense and lexical rank lists in RRF."""

    dense: float = 1.0
    lexical: float = 1.0


@dataclass
class ProjectHit:
    """One ranked result: a project (or a document without a project)."""

    key: str
    project: str | None
    document: str
    score: float
    snippet: str
    highlights: list[tuple[int, int]] = field(default_factory=list)
    """Matched spans within ``snippet``."""
    chunk_ids: list[int] = field(default_factory=list)
    dense: float | None = None
    lexical: float | None = None


@dataclass
class SearchResult:
    """Ranked hits plus what the searcher understood."""

    hits: list[ProjectHit]
    mode: Mode
    query: str
    expanded_query: str | None = None
    total_candidates: int = 0
    candidate_keys: list[str] = field(default_factory=list)
    """Every answered group key, best first (facets, map, timeline and exports count these)."""
    broad_total: int = 0
    """Groups ranked before the match rule drew its line (``total_candidates`` without a rule)."""


class HybridSearcher:
    """Searches one committed index state (any engine)."""

    def __init__(self, snapshot: IndexView, encoder: Encoder) -> None:
        self.snapshot = snapshot
        self.encoder = encoder

    def search(
        self,
        query: str,
        k: int = 10,
        mode: Mode = "hybrid",
        allowed_chunks: set[int] | None = None,
        weights: FusionWeights | None = None,
        query_vector: np.ndarray | None = None,
        group_by: Literal["project", "document"] = "project",
        expansion: str | None = None,
        boosts: dict[str, float] | None = None,
        match: MatchRule | None = None,
        translation: Translation | None = None,
        places: Iterable[str] = (),
    ) -> SearchResult:
        """Rank projects for ``query``.

        Args:
            allowed_chunks: restrict the search to these chunk ids (filters);
                applied inside both searches, before ranking.
            query_vector: a precomputed query embedding (computed here if absent).
            group_by: rank projects (the product) or documents (evaluation,
                where relevance is judged per document).
            expansion: Finnish words from the cross-lingual bridge, added to
                both the dense and the lexical query.
            boosts: score multipliers per project (query understanding).
            match: keep only the groups this rule matches (:mod:`search.matching`);
                ``None`` answers with every ranked group (``match=broad``).
            translation: the bridge's reading of the query (its concepts join
                the query's words for the rule's coverage).
            places: query words read as places (they do not count as coverage).
        """
        places = tuple(places)  # read more than once below
        dense_query = f"{query} {expansion}" if expansion else query
        weights = weights or FusionWeights()
        dense_hits: list[tuple[int, float]] = []
        lexical_hits: list[tuple[int, float]] = []
        # The match rule's gate needs the query without its place names encoded too; a
        # dense side encoding anyway takes it in the same call (one batch: the same
        # vectors, one engine call fewer).
        topic = topic_query(query, translation, places) if match is not None else None
        along = topic if mode != "lexical" and query_vector is None else None
        topic_vector: np.ndarray | None = None
        dense: Future[tuple[list[tuple[int, float]], np.ndarray | None]] | None = None
        if mode == "hybrid":
            # The dense side (query encoding, FAISS or a round trip to PostgreSQL) mostly
            # runs outside the GIL, so it overlaps the lexical side.
            dense = _dense_executor().submit(
                self._dense, dense_query, query_vector, allowed_chunks, along
            )
        elif mode == "dense":
            dense_hits, topic_vector = self._dense(dense_query, query_vector, allowed_chunks, along)
        if mode in ("lexical", "hybrid"):
            lexical_hits = self.snapshot.lexical_search(
                query_terms(query, expansion or ""), CANDIDATES, allowed_chunks
            )
        if dense is not None:
            dense_hits, topic_vector = dense.result()
        fused = _fuse(dense_hits, lexical_hits, mode, weights)
        ranked = self._rank_groups(fused, group_by, boosts or {})
        broad_total = len(ranked)
        units = query_units(query, translation, places)
        if translation is None and expansion:
            units += query_units(expansion, lang="fi")
        if match is not None:
            ranked = self._matched(
                ranked,
                match,
                dict(dense_hits),
                dict(lexical_hits),
                query,
                translation,
                places,
                units,
                group_by,
                allowed_chunks,
                topic_vector,
            )
        marked = phrases(units)
        hits = [
            self._hit(key, score, items, dict(dense_hits), dict(lexical_hits), marked)
            for score, key, items in ranked[:k]
        ]
        return SearchResult(
            hits=hits,
            mode=mode,
            query=query,
            expanded_query=expansion,
            total_candidates=len(ranked),
            candidate_keys=[key for _, key, _ in ranked],
            broad_total=broad_total,
        )

    def _matched(
        self,
        ranked: list[tuple[float, str, list[tuple[float, Chunk]]]],
        rule: MatchRule,
        dense: dict[int, float],
        lexical: dict[int, float],
        query: str,
        translation: Translation | None,
        places: Iterable[str],
        units: list[Unit],
        group_by: str,
        allowed: set[int] | None,
        topic_vector: np.ndarray | None = None,
    ) -> list[tuple[float, str, list[tuple[float, Chunk]]]]:
        """The ranked groups ``rule`` matches, in rank order (``topic_vector``: the
        encoded :func:`~search.matching.topic_query`, if the dense side encoded it)."""
        groups = [
            Ranked(
                key,
                score,
                max((dense[c.id] for _, c in items if c.id in dense), default=None),
                max((lexical[c.id] for _, c in items if c.id in lexical), default=None),
            )
            for score, key, items in ranked
        ]
        key_of = {c.id: key for _, key, items in ranked for _, c in items}

        def coverage_of(keys: list[str]) -> dict[str, float]:
            return coverage(
                self.snapshot,
                units,
                keys,
                key_of,
                by_document=group_by == "document",
                allowed=allowed,
            )

        topic = self.topic_cosine(query, translation, places, allowed, topic_vector)
        keep = set(select(groups, coverage_of, rule, topic))
        return [entry for entry in ranked if entry[1] in keep]

    def topic_cosine(
        self,
        query: str,
        translation: Translation | None,
        places: Iterable[str],
        allowed: set[int] | None = None,
        vector: np.ndarray | None = None,
    ) -> float | None:
        """The best cosine of the query without its place names (``None`` when it
        names none): what the match rule's gate judges (:func:`search.matching.select`).

        ``vector`` is that topic query's encoding when the caller already has it.
        """
        topic = topic_query(query, translation, places)
        if topic is None:
            return None
        if vector is None:
            vector = self.encoder.encode_queries([topic])[0]
        near = self.snapshot.dense_search(vector, GATE_DEPTH, allowed)
        return max((score for _, score in near), default=0.0)

    def browse(self, allowed: set[int] | None, k: int = 10) -> SearchResult:
        """Every project (or document without one) with a chunk in ``allowed``, for
        browsing by filters alone: no query, so no ranking; ordered by IRI (project
        IRIs are made from names, so this is close to alphabetical)."""
        by_key = self.snapshot.chunks_by_key()
        keys = sorted(
            key for key, ids in by_key.items() if allowed is None or any(i in allowed for i in ids)
        )
        hits = []
        for key in keys[:k]:
            chunks = sorted(self.snapshot.get_chunks(by_key[key]).values(), key=lambda c: c.id)
            if not chunks:
                continue
            best = next((c for c in chunks if c.field == "body"), chunks[0])
            snippet, _ = _snippet(best)
            hits.append(
                ProjectHit(
                    key, best.project, best.document, 0.0, snippet, [], [c.id for c in chunks]
                )
            )
        return SearchResult(
            hits=hits,
            mode="hybrid",
            query="",
            total_candidates=len(keys),
            candidate_keys=keys,
            broad_total=len(keys),
        )

    def _dense(
        self,
        query: str,
        vector: np.ndarray | None,
        allowed: set[int] | None,
        along: str | None = None,
    ) -> tuple[list[tuple[int, float]], np.ndarray | None]:
        """The dense candidates, encoding ``query`` unless its vector is given, and the
        vector of ``along`` (encoded in the same batch; ``None`` when not asked)."""
        along_vector: np.ndarray | None = None
        if vector is None:
            texts = [query] if along is None else [query, along]
            vectors = self.encoder.encode_queries(texts)
            vector = vectors[0]
            along_vector = vectors[1] if along is not None else None
        return self.snapshot.dense_search(vector, CANDIDATES, allowed), along_vector

    def _rank_groups(
        self, fused: dict[int, float], group_by: str, boosts: dict[str, float]
    ) -> list[tuple[float, str, list[tuple[float, Chunk]]]]:
        """Group chunk scores by project (or document): the best chunk plus a
        small bonus for the next two, times the project's boost."""
        groups: dict[str, list[tuple[float, Chunk]]] = defaultdict(list)
        chunks = self.snapshot.get_chunks(fused)
        for cid, score in fused.items():
            chunk = chunks.get(cid)
            if chunk is not None:
                key = chunk.document if group_by == "document" else chunk.project or chunk.document
                groups[key].append((score, chunk))
        ranked: list[tuple[float, str, list[tuple[float, Chunk]]]] = []
        for key, items in groups.items():
            items.sort(key=lambda item: -item[0])
            score = items[0][0] + SECOND_CHUNKS * sum(s for s, _ in items[1:3])
            project = items[0][1].project
            if project is not None:
                score *= boosts.get(project, 1.0)
            ranked.append((score, key, items))
        ranked.sort(key=lambda r: (-r[0], r[1]))
        return ranked

    @staticmethod
    def _hit(
        key: str,
        score: float,
        items: list[tuple[float, Chunk]],
        dense: dict[int, float],
        lexical: dict[int, float],
        marked: list[tuple[str, ...]],
    ) -> ProjectHit:
        best = next((c for _, c in items if c.field == "body"), items[0][1])
        snippet, marks = _snippet(best, marked)
        if not marks:
            # A snippet shows why: the next best body chunks that say a query word.
            for chunk in [c for _, c in items if c.field == "body" and c is not best][
                :SNIPPET_TRIES
            ]:
                text, found = _snippet(chunk, marked)
                if found:
                    best, snippet, marks = chunk, text, found
                    break
        return ProjectHit(
            key=key,
            project=best.project,
            document=best.document,
            score=round(score, 6),
            snippet=snippet,
            highlights=marks,
            chunk_ids=[c.id for _, c in items],
            dense=max((dense[c.id] for _, c in items if c.id in dense), default=None),
            lexical=max((lexical[c.id] for _, c in items if c.id in lexical), default=None),
        )


def _snippet(
    chunk: Chunk, marked: list[tuple[str, ...]] | None = None
) -> tuple[str, list[tuple[int, int]]]:
    """A window of the chunk's text (site chrome cut out) around its first
    highlighted phrase, with the highlight spans (:mod:`search.highlight`)."""
    text = strip_chrome(chunk.text)
    found = highlight_spans(text, marked or [], chunk.lang)
    start = 0
    if found and len(text) > SNIPPET_CHARS:
        start = max(0, found[0][0] - SNIPPET_CHARS // 4)
        space = text.rfind(" ", 0, start)
        start = space + 1 if space > 0 else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    marks = [
        (s - start + len(prefix), e - start + len(prefix))
        for s, e in found
        if s >= start and e <= end
    ]
    return prefix + text[start:end] + suffix, marks


def query_terms(query: str, expansion: str = "", lang: str | None = None) -> list[str]:
    """Distinct analysed terms of ``query`` plus those of a Finnish ``expansion``
    (what :meth:`search.lexical.LexicalIndex.query_terms` gives)."""
    analyzer = default_analyzer()
    terms = analyzer.analyze(query, lang)
    if expansion:
        terms += analyzer.analyze(expansion, "fi")
    return list(dict.fromkeys(terms))


def _fuse(
    dense: list[tuple[int, float]],
    lexical: list[tuple[int, float]],
    mode: Mode,
    weights: FusionWeights,
) -> dict[int, float]:
    """Weighted reciprocal rank fusion (a single list passes through as RRF)."""
    scores: dict[int, float] = defaultdict(float)
    if mode in ("dense", "hybrid"):
        for rank, (cid, _) in enumerate(dense):
            scores[cid] += weights.dense / (RRF_K + rank + 1)
    if mode in ("lexical", "hybrid"):
        for rank, (cid, _) in enumerate(lexical):
            scores[cid] += weights.lexical / (RRF_K + rank + 1)
    return dict(scores)
