"""One segment of the embedded index: some documents' chunks, vectors and term postings.

A snapshot (``search/index/snapshot.py``) is a list of segments plus the documents
deleted from them since they were written. A segment is written once, by the commit
that created it (its files: ``documents.json``, ``chunks.jsonl``, ``vectors.faiss``,
``centroids.npz``, ``terms.npz`` and its own ``CHECKSUMS``), and never changed: later
snapshots hard-link its files into their own directory instead of rewriting them, so
a commit writes only what it changed, and each snapshot directory stays complete on
its own (a backup, a quarantine or a reader of one directory needs nothing else).

The writer's new segment is the one mutable kind: it holds the analysed terms of its
chunks until it is sealed (written), so a merge never analyses text again either.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from dataclasses import asdict
from pathlib import Path

import numpy as np

from search.index.base import Chunk, DocumentEntry
from search.index.integrity import CHECKSUMS, write_checksums
from search.lexical.terms import TermTable
from search.vectors.faiss import FaissVectors

logger = logging.getLogger(__name__)

SEGMENTS = "segments"
"""The folder of a snapshot directory that holds its segments, one folder each."""

FILES = ("documents.json", "chunks.jsonl", "vectors.faiss", "centroids.npz", "terms.npz")


def new_name() -> str:
    """A name no other segment of any snapshot has."""
    return uuid.uuid4().hex[:16]


class Segment:
    """Documents with their chunks, vectors and term statistics.

    Sealed segments (read from disk, or written by a commit) are shared, read-only,
    by every snapshot that lists them; only a writer's own new segment changes.
    """

    def __init__(
        self,
        name: str,
        documents: dict[str, DocumentEntry],
        chunks: dict[int, Chunk],
        vectors: FaissVectors,
        terms: TermTable | None,
        *,
        home: Path | None = None,
        tokens: dict[int, list[str]] | None = None,
    ) -> None:
        self.name = name
        self.documents = documents
        self.chunks = chunks
        self.vectors = vectors
        self._terms = terms
        self.home = home
        """A folder holding this segment's files (``None`` until it is written there)."""
        self._tokens = tokens

    @classmethod
    def new(cls, dim: int) -> Segment:
        """An empty, writable segment."""
        return cls(new_name(), {}, {}, FaissVectors(dim), None, tokens={})

    @property
    def sealed(self) -> bool:
        """Whether the segment is immutable (its term table is built)."""
        return self._tokens is None

    def __len__(self) -> int:
        return len(self.chunks)

    # -- the writer's new segment ----------------------------------------------------

    def add(
        self,
        document: str,
        entry: DocumentEntry,
        chunks: list[Chunk],
        vectors: np.ndarray,
        tokens: list[list[str]],
    ) -> None:
        """Add a document (not yet in this segment) with its chunks' analysed terms."""
        assert self._tokens is not None, "a sealed segment does not change"
        for chunk, terms in zip(chunks, tokens, strict=True):
            self.chunks[chunk.id] = chunk
            self._tokens[chunk.id] = terms
        key = chunks[0].key if chunks else (entry.projects[0] if entry.projects else document)
        self.vectors.add(
            document, key, [c.id for c in chunks], vectors, [c.field == "body" for c in chunks]
        )
        self.documents[document] = entry
        self._terms = None

    def remove(self, document: str) -> None:
        """Drop a document this (writable) segment holds."""
        assert self._tokens is not None, "a sealed segment does not change"
        entry = self.documents.pop(document)
        self.vectors.remove_document(document)
        for cid in entry.chunk_ids:
            self.chunks.pop(cid, None)
            self._tokens.pop(cid, None)
        self._terms = None

    def seal(self) -> None:
        """Freeze the segment: build its term table and forget the per-chunk terms."""
        self.terms()
        self._tokens = None

    # -- reading -------------------------------------------------------------------------

    def terms(self) -> TermTable:
        """The term table (built from the kept terms while the segment is writable)."""
        if self._terms is None:
            assert self._tokens is not None
            ids = sorted(self._tokens)
            self._terms = TermTable.build(ids, [self._tokens[i] for i in ids])
        return self._terms

    def dead_mask(self, dead: set[str]) -> tuple[np.ndarray | None, frozenset[int]]:
        """The live mask over the term table's positions and the dead chunk ids, given
        the documents ``dead`` deleted from this segment (``None``: all live)."""
        ids = frozenset(cid for d in dead for cid in self.documents[d].chunk_ids)
        if not ids:
            return None, ids
        table = self.terms()
        gone = np.fromiter(ids, dtype=np.int64, count=len(ids))
        at = np.searchsorted(table.ids, gone)  # the table's ids are ascending
        at = at[at < table.ids.size]
        live = np.ones(len(table), dtype=bool)
        live[at[np.isin(table.ids[at], gone)]] = False
        return live, ids

    # -- files -----------------------------------------------------------------------------

    def write(self, folder: Path, analysis: str) -> None:
        """Write the segment's files into ``folder`` (new), ``CHECKSUMS`` last."""
        self.seal()
        folder.mkdir(parents=True)
        documents = {iri: asdict(entry) for iri, entry in self.documents.items()}
        (folder / "documents.json").write_text(json.dumps(documents, ensure_ascii=False), "utf-8")
        with open(folder / "chunks.jsonl", "w", encoding="utf-8") as out:
            for cid in sorted(self.chunks):
                out.write(json.dumps(asdict(self.chunks[cid]), ensure_ascii=False) + "\n")
        self.vectors.save(folder)
        self.terms().save(folder / "terms.npz", analysis)
        write_checksums(folder)

    def link(self, folder: Path) -> bool:
        """Hard-link the segment's files from where they were written into ``folder``
        (new); ``False`` (and nothing left) when they cannot be linked."""
        if self.home is None:
            return False
        source = self.home / SEGMENTS / self.name
        try:
            folder.mkdir(parents=True)
            for name in (*FILES, CHECKSUMS):
                os.link(source / name, folder / name)
        except OSError as exc:
            logger.info("segment %s cannot be linked (%s); writing it again", self.name, exc)
            shutil.rmtree(folder, ignore_errors=True)
            return False
        return True

    @classmethod
    def read(cls, folder: Path, dim: int, analysis: str, home: Path) -> Segment:
        """Read a segment written by :meth:`write` (its checksums already verified).

        Raises:
            ValueError: the files do not agree with each other, or the terms were
                analysed by another version of the text analysis.
        """
        raw = json.loads((folder / "documents.json").read_text("utf-8"))
        documents = {iri: DocumentEntry(**value) for iri, value in raw.items()}
        chunks: dict[int, Chunk] = {}
        with open(folder / "chunks.jsonl", encoding="utf-8") as lines:
            for line in lines:
                chunk = Chunk(**json.loads(line))
                chunks[chunk.id] = chunk
        vectors = FaissVectors.load(folder, dim)
        terms, version = TermTable.load(folder / "terms.npz")
        if version != analysis:
            from search.lexical.bm25 import StaleIndexError

            raise StaleIndexError(
                f"index segment {folder.name} was analysed with text analysis {version!r}, "
                f"this version uses {analysis!r}; run `hankekg reindex`"
            )
        named = {cid for entry in documents.values() for cid in entry.chunk_ids}
        if named != set(chunks) or len(terms) != len(chunks) or len(vectors) != len(chunks):
            raise ValueError(f"segment {folder.name}: documents, chunks, vectors and terms differ")
        return cls(folder.name, documents, chunks, vectors, terms, home=home)

    @classmethod
    def merge(cls, parts: list[tuple[Segment, set[str]]], dim: int) -> Segment:
        """One new segment of the live documents of ``parts`` (each a segment and the
        documents deleted from it), from what they hold: no text is analysed again and
        no vector re-encoded."""
        documents: dict[str, DocumentEntry] = {}
        chunks: dict[int, Chunk] = {}
        tables = []
        kept: list[tuple[FaissVectors, list[str]]] = []
        for segment, dead in parts:
            live_docs = [d for d in segment.documents if d not in dead]
            for d in live_docs:
                documents[d] = segment.documents[d]
            live, dead_ids = segment.dead_mask(dead)
            chunks.update((c, ch) for c, ch in segment.chunks.items() if c not in dead_ids)
            tables.append((segment.terms(), live))
            kept.append((segment.vectors, live_docs))
        merged = cls(
            new_name(), documents, chunks, FaissVectors.merged(dim, kept), TermTable.merge(tables)
        )
        return merged
