"""BM25 lexical index over analysed Finnish, English and Swedish text.

Chunks are analysed with :mod:`search.analysis` (Voikko base forms, compound
parts, derivational roots, Snowball stems) and scored by bm25s. The index is
static, built whole from all chunks. The embedded index engine no longer uses it
(its snapshots keep term postings per segment and score them with corpus-wide
statistics at query time: :mod:`search.lexical.terms`); it stays for evaluations
and as the reference those scores are tested against.

Filters come in as a set of allowed chunk ids and are applied to the score
vector *before* the top-k is taken, so a selective filter returns every match
it allows instead of an empty page.

On disk an index is a folder holding version sub-folders and a ``CURRENT``
file naming the live one. :meth:`LexicalIndex.save` writes a new version
completely, then swaps ``CURRENT`` with an atomic rename, so a reader loads
either the old or the new index, never half of one.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

import bm25s
import numpy as np

from graph.errors import HankeKGError
from search.analysis import Analyzer, default_analyzer
from search.memo import IdentityMemo

logger = logging.getLogger(__name__)

_CURRENT = "CURRENT"
_META = "meta.json"
_IDS = "ids.npy"
#: Versions kept besides the live one, so a reader still loading the previous
#: index is not pulled from under its feet.
_KEEP_OLD = 1


class StaleIndexError(HankeKGError):
    """The lexical index on disk was built with another text analysis."""

    title = "Stale lexical index"
    status = 409
    exit_code = 7


class LexicalIndex:
    """A BM25 index over chunks identified by integer ids (the FAISS ids).

    Build it with :meth:`build`, or read it with :meth:`load`.
    """

    def __init__(
        self,
        retriever: bm25s.BM25 | None,
        ids: np.ndarray,
        analyzer: Analyzer | None = None,
    ) -> None:
        self._retriever = retriever
        self._ids = np.asarray(ids, dtype=np.int64)
        self._position = {int(chunk_id): pos for pos, chunk_id in enumerate(self._ids)}
        self.analyzer = analyzer or default_analyzer()
        vocab = retriever.vocab_dict if retriever is not None else {}
        self._vocab: dict[str, int] = dict(vocab)
        self._masks: IdentityMemo[np.ndarray] = IdentityMemo()

    # -- building ---------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        ids: Sequence[int],
        texts: Sequence[str],
        langs: Sequence[str | None],
        analyzer: Analyzer | None = None,
    ) -> LexicalIndex:
        """Index ``texts[i]`` (in language ``langs[i]``) under chunk id ``ids[i]``.

        Raises:
            ValueError: the three sequences differ in length or ids repeat.
        """
        if not len(ids) == len(texts) == len(langs):
            raise ValueError("ids, texts and langs must have the same length")
        if len(set(ids)) != len(ids):
            raise ValueError("chunk ids must be unique")
        analyzer = analyzer or default_analyzer()
        if not ids:
            return cls(None, np.zeros(0, dtype=np.int64), analyzer)
        started = time.perf_counter()
        corpus = [analyzer.analyze(text, lang) for text, lang in zip(texts, langs, strict=True)]
        retriever = bm25s.BM25()
        retriever.index(corpus, show_progress=False)
        logger.info(
            "lexical index: %d chunks, %d terms in %.2fs",
            len(ids),
            len(retriever.vocab_dict),
            time.perf_counter() - started,
        )
        return cls(retriever, np.asarray(ids, dtype=np.int64), analyzer)

    # -- querying ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self._ids.size)

    def __contains__(self, term: object) -> bool:
        """Whether ``term`` (an analysed term) occurs in some chunk."""
        return isinstance(term, str) and term in self._vocab

    @property
    def ids(self) -> list[int]:
        """Chunk ids in index order."""
        return [int(i) for i in self._ids]

    def query_terms(self, query: str, lang: str | None = None, expansion: str = "") -> list[str]:
        """Distinct terms of ``query`` plus those of a Finnish ``expansion``."""
        terms = self.analyzer.analyze(query, lang)
        if expansion:
            terms += self.analyzer.analyze(expansion, "fi")
        return list(dict.fromkeys(terms))

    def search(
        self,
        query: str,
        k: int,
        allowed: set[int] | None = None,
        *,
        lang: str | None = None,
        expansion: str = "",
    ) -> list[tuple[int, float]]:
        """Top ``k`` chunks for ``query`` as ``(chunk id, BM25 score)``, best first.

        Args:
            query: the user's text.
            k: how many results at most.
            allowed: when given, only these chunk ids can be returned; the
                filter is applied before the top-k is cut.
            lang: the query language ("fi", "en", "sv"); detected when None.
            expansion: Finnish text to add to the query (the cross-lingual
                bridge's expansion of an English or Swedish query).
        """
        return self.search_terms(self.query_terms(query, lang, expansion), k, allowed)

    def search_terms(
        self, terms: Iterable[str], k: int, allowed: set[int] | None = None
    ) -> list[tuple[int, float]]:
        """Like :meth:`search`, for terms already analysed."""
        if self._retriever is None or k <= 0:
            return []
        known = [t for t in dict.fromkeys(terms) if t in self._vocab]
        if not known:
            return []
        mask = self._mask(allowed)
        if mask is not None and not mask.any():
            return []
        scores = np.asarray(self._retriever.get_scores(known), dtype=np.float32)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        hits = np.flatnonzero(scores > 0)
        if hits.size > k:
            top = np.argpartition(-scores[hits], k - 1)[:k]
            hits = hits[top]
        # Sort by score, then by chunk id, so equal scores come back in a stable order.
        # In numpy: the match rule's coverage asks for every chunk holding a term
        # (hundreds of thousands at N = 10,000), which a Python key sort spent tens of
        # milliseconds per search on.
        ids, found = self._ids[hits], scores[hits]
        order = np.lexsort((ids, -found))
        return list(zip(ids[order].tolist(), found[order].tolist(), strict=True))

    def chunks_with(self, terms: Iterable[str], allowed: set[int] | None = None) -> set[int]:
        """The chunks holding any of ``terms`` (in ``allowed``): the ids
        :meth:`search_terms` returns with no limit on ``k``, without scoring or
        ordering them.

        The match rule's coverage asks this of every query unit: at N = 10,000 a
        common term's chunks run to tens of thousands, and scoring then sorting them
        only to throw the scores away was most of a search's time. The union of
        the terms' postings is the same set: every posting scores above zero under
        bm25s' Lucene idf (only variants with a non-occurrence score give chunks
        without the term a score, and those are scored as before).
        """
        if self._retriever is None:
            return set()
        if getattr(self._retriever, "nonoccurrence_array", None) is not None:
            return {cid for cid, _ in self.search_terms(terms, len(self), allowed)}
        known = [self._vocab[t] for t in dict.fromkeys(terms) if t in self._vocab]
        if not known:
            return set()
        indptr = self._retriever.scores["indptr"]
        indices = self._retriever.scores["indices"]
        # One flag per chunk (a pass over 52,727 bytes at N = 10,000), not a sort or hash
        # of the concatenated postings.
        present = np.zeros(self._ids.size, dtype=bool)
        for t in known:
            present[indices[indptr[t] : indptr[t + 1]]] = True
        mask = self._mask(allowed)
        if mask is not None:
            present &= mask
        return set(self._ids[np.flatnonzero(present)].tolist())

    def _mask(self, allowed: set[int] | None) -> np.ndarray | None:
        if allowed is None:
            return None

        def build() -> np.ndarray:
            mask = np.zeros(self._ids.size, dtype=bool)
            positions = [self._position[i] for i in allowed if i in self._position]
            mask[positions] = True
            return mask

        # The same filter's set comes back for every query of one data version.
        return self._masks.get(allowed, build)

    # -- persistence ------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write the index under ``directory`` atomically (see the module docstring)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        name = f"v-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=directory))
        try:
            if self._retriever is not None:
                self._retriever.save(str(staging), show_progress=False)
            np.save(staging / _IDS, self._ids)
            meta = {"analysis": self.analyzer.version, "chunks": len(self), "created": time.time()}
            (staging / _META).write_text(json.dumps(meta), encoding="utf-8")
            _fsync_dir(staging)
            os.replace(staging, directory / name)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        pointer = directory / f".{_CURRENT}.{uuid.uuid4().hex[:8]}"
        pointer.write_text(name, encoding="utf-8")
        os.replace(pointer, directory / _CURRENT)
        _fsync_dir(directory)
        self._prune(directory, keep=name)

    @staticmethod
    def _prune(directory: Path, keep: str) -> None:
        versions = sorted(p for p in directory.glob("v-*") if p.is_dir() and p.name != keep)
        for old in versions[: max(0, len(versions) - _KEEP_OLD)]:
            shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def exists(cls, directory: Path) -> bool:
        """Whether a saved index lives under ``directory``."""
        return (Path(directory) / _CURRENT).is_file()

    @classmethod
    def load(
        cls, directory: Path, analyzer: Analyzer | None = None, *, mmap: bool = False
    ) -> LexicalIndex:
        """Read the live index under ``directory``.

        Raises:
            FileNotFoundError: nothing was saved there.
            StaleIndexError: it was built with another analysis; re-index.
        """
        directory = Path(directory)
        current = directory / _CURRENT
        if not current.is_file():
            raise FileNotFoundError(f"no lexical index in {directory}")
        folder = directory / current.read_text(encoding="utf-8").strip()
        analyzer = analyzer or default_analyzer()
        meta = json.loads((folder / _META).read_text(encoding="utf-8"))
        if meta.get("analysis") != analyzer.version:
            raise StaleIndexError(
                f"the lexical index in {directory} was built with text analysis "
                f"{meta.get('analysis')!r}, this version uses {analyzer.version!r}; "
                "run `hankekg reindex`"
            )
        ids = np.load(folder / _IDS)
        retriever = None
        if ids.size:
            retriever = bm25s.BM25.load(str(folder), mmap=mmap, show_progress=False)
        return cls(retriever, ids, analyzer)


def _fsync_dir(path: Path) -> None:
    """Flush a directory entry so a rename survives a crash."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def matched_spans(
    terms: Iterable[str], text: str, lang: str | None = None, analyzer: Analyzer | None = None
) -> list[tuple[int, int]]:
    """Character spans of the words of ``text`` whose analysis shares a term
    with ``terms``; adjacent or overlapping spans are merged."""
    wanted = set(terms)
    if not wanted:
        return []
    analyzer = analyzer or default_analyzer()
    spans = sorted(
        {(s.start, s.end) for s in analyzer.analyze_spans(text, lang) if s.term in wanted}
    )
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def matched_terms(
    query: str,
    text: str,
    lang: str | None = None,
    *,
    text_lang: str | None = None,
    expansion: str = "",
) -> list[tuple[int, int]]:
    """Spans of ``text`` matching the query terms, for snippet highlighting.

    Args:
        query: the user's query.
        text: the snippet or chunk text.
        lang: the query language (detected when None).
        text_lang: the text's language (detected when None).
        expansion: Finnish expansion of a cross-lingual query.
    """
    analyzer = default_analyzer()
    terms = analyzer.analyze(query, lang)
    if expansion:
        terms += analyzer.analyze(expansion, "fi")
    return matched_spans(terms, text, text_lang, analyzer)
