"""One snapshot of the embedded index: a manifest naming its segments, and tombstones.

A :class:`Snapshot` is the in-memory copy of one directory under
``HANKEKG_HOME/index/snapshots``::

    manifest.json       encoder, next chunk id, the segments in order, and the
                        documents deleted from each since it was written
    segments/<name>/    one folder per segment (``search/index/segment.py``)
    CHECKSUMS           SHA-256 of manifest.json and of each segment's CHECKSUMS

It is read-only as an :class:`~search.index.base.IndexView` for searches, and a
writer changes a copy of it (:meth:`Snapshot.fork`), which shares every segment:
added documents go to one new segment, removed ones become tombstones, and the
commit writes that segment and the small manifest while the segments already on
disk are hard-linked, so a one-document commit costs what it changes, not the
corpus. Merges (:class:`MergePolicy`) fold segments together now and then, as
Lucene does. Searches run over every segment with corpus-wide statistics (dense:
FAISS per segment, tombstones excluded by an ID selector; lexical:
``search/lexical/terms.py``), so they return what one index of the same chunks
would. Which snapshot is current, and committing a new one, is the engine's
business (``search/index/local.py``); fsync and checksums are in
``search/index/integrity.py``.

A snapshot written before segments existed (``chunks.jsonl``, ``vectors.faiss``,
``lexical/`` at its top) is still read, as one segment; the next commit writes it
in the new layout.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import faiss
import numpy as np

from graph.errors import CorruptIndex
from search.analysis import default_analyzer
from search.index.base import Chunk, DocumentEntry, EncoderIdentity, unit
from search.index.integrity import (
    CHECKSUMS,
    fsync_dir,
    fsync_tree,
    verify_checksums,
    write_checksums,
)
from search.index.manifest import Manifest, MergePolicy
from search.index.segment import SEGMENTS, Segment, new_name
from search.index.tables import Inherited, KeyTables
from search.lexical.terms import LexicalView, TermTable
from search.memo import IdentityMemo
from search.vectors.faiss import FaissVectors, allowed_selector

logger = logging.getLogger(__name__)

FORMAT = 2
"""``manifest.json``'s layout: 2 is segments (the layout before had no ``format``)."""


class LiveChunks(Mapping[int, Chunk]):
    """Every live chunk of a snapshot by id, looked up in its segments (newest first) less
    its tombstones: a writer's fork shares it instead of copying a map of every chunk
    (90-290 ms at N = 100,000). Chunk ids are never reused, so one segment holds an id."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot

    def __getitem__(self, cid: int) -> Chunk:
        snapshot = self._snapshot
        for segment in reversed(snapshot._all()):
            chunk = segment.chunks.get(cid)
            if chunk is not None:
                if cid in snapshot._dead_of(segment)[1]:
                    break
                return chunk
        raise KeyError(cid)

    def __iter__(self) -> Iterator[int]:
        snapshot = self._snapshot
        for segment in snapshot._all():
            dead = snapshot._dead_of(segment)[1]
            yield from (cid for cid in segment.chunks if cid not in dead)

    def __len__(self) -> int:
        snapshot = self._snapshot
        return sum(len(s.chunks) - len(snapshot._dead_of(s)[1]) for s in snapshot._all())


class Snapshot:
    """An in-memory copy of one index snapshot: an :class:`~search.index.base.IndexView`
    over its segments, and changed through the writer that owns it (copy on write:
    the segments it shares with the published view are never changed, a new one
    takes the writer's documents and deletions are recorded as tombstones)."""

    def __init__(
        self,
        manifest: Manifest,
        segments: list[Segment],
        deleted: dict[str, set[str]] | None = None,
        name: str = "",
    ) -> None:
        self.manifest = manifest
        self.segments = segments
        """Sealed segments, oldest first (shared with other snapshots, read-only)."""
        self.deleted: dict[str, set[str]] = deleted or {}
        """Tombstones: documents deleted from each segment since it was written."""
        self.fresh: Segment | None = None
        """The writer's new segment, until the commit seals it."""
        self.name = name
        self.policy = MergePolicy()
        self.analyzer = default_analyzer()
        self.chunks: Mapping[int, Chunk] = LiveChunks(self)
        """Every live chunk by id (read through the segments: nothing copied per version)."""
        self._where: dict[str, Segment] = {}
        self._sums: dict[str, tuple[np.ndarray, int]] = {}
        if segments:
            self._assemble()
        self._reset()
        self.tables = Inherited()
        """Chunk groups, key languages and centroids (``search/index/tables.py``)."""
        self.base: str | None = name or None
        """The snapshot this one was read as, before a writer changed it."""
        self.touched: set[str] = set()
        """Documents added, replaced or removed since it was read."""

    def _assemble(self) -> None:
        """The live documents, chunks and centroid sums, from the segments (on read)."""
        documents: dict[str, DocumentEntry] = {}
        for segment in self.segments:
            dead = self.deleted.get(segment.name, set())
            for iri, entry in segment.documents.items():
                if iri not in dead:
                    documents[iri] = entry
                    self._where[iri] = segment
        self.manifest.documents = documents
        for iri in documents:
            self._add_share(iri)

    def _reset(self) -> None:
        """Forget what queries derive per version (after a change)."""
        self._lexical: LexicalView | None = None
        self._dead: dict[str, tuple[np.ndarray | None, frozenset[int]]] = {}
        self._selectors: dict[int, IdentityMemo[tuple[faiss.IDSelector, tuple[object, ...]]]]
        self._selectors = {}
        self._centroids: dict[str, np.ndarray] | None = None

    @classmethod
    def empty(cls, encoder: str, dim: int, fingerprint: str) -> Snapshot:
        """A snapshot with nothing in it."""
        return cls(Manifest(encoder, dim, fingerprint), [])

    def fork(self) -> Snapshot:
        """A writable copy that shares every segment with this one. Its cost is shallow
        copies of the per-document and per-chunk maps, not of the data."""
        m = self.manifest
        manifest = Manifest(m.encoder, m.dim, m.fingerprint, m.next_id, dict(m.documents))
        copy = Snapshot(manifest, [], name=self.name)
        copy.segments = list(self.segments)
        copy.deleted = {seg: set(iris) for seg, iris in self.deleted.items()}
        copy._where = dict(self._where)
        copy._sums = dict(self._sums)
        copy.policy = self.policy
        copy.analyzer = self.analyzer
        return copy

    def _all(self) -> list[Segment]:
        return [*self.segments, self.fresh] if self.fresh is not None else self.segments

    def _dead_of(self, segment: Segment) -> tuple[np.ndarray | None, frozenset[int]]:
        """The live mask of a segment's term table and its dead chunk ids, per version."""
        hit = self._dead.get(segment.name)
        if hit is None:
            hit = self._dead[segment.name] = segment.dead_mask(
                self.deleted.get(segment.name, set())
            )
        return hit

    # -- IndexView ------------------------------------------------------------------

    @property
    def version(self) -> str:
        """The snapshot's name."""
        return self.name

    @property
    def encoder(self) -> EncoderIdentity:
        """The encoder that built the vectors."""
        m = self.manifest
        return EncoderIdentity(m.encoder, m.dim, m.fingerprint)

    def check_encoder(self, name: str, fingerprint: str) -> None:
        """Refuse to mix vectors of different encoders.

        Raises:
            EncoderMismatch: the snapshot was built by another encoder.
        """
        self.encoder.check(name, fingerprint)

    def document(self, iri: str) -> DocumentEntry | None:
        """One document's entry."""
        return self.manifest.documents.get(iri)

    def documents(self) -> dict[str, DocumentEntry]:
        """Every indexed document by IRI."""
        return self.manifest.documents

    def document_count(self) -> int:
        """How many documents are indexed."""
        return len(self.manifest.documents)

    def vector_count(self) -> int:
        """How many vectors are indexed (one per live chunk)."""
        return sum(len(s.vectors) - len(self._dead_of(s)[1]) for s in self._all())

    def get_chunks(self, ids: Iterable[int]) -> dict[int, Chunk]:
        """The chunks with these ids."""
        found: dict[int, Chunk] = {}
        for i in ids:
            chunk = self.chunks.get(i)
            if chunk is not None:
                found[i] = chunk
        return found

    def dense_search(
        self, query: np.ndarray, k: int, allowed: set[int] | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` live chunks by inner product, the best of each segment's: a segment
        this snapshot deleted nothing from is searched as a whole index is (FAISS, the
        filter as an ID selector); one with tombstones through a selector that also
        leaves them out."""
        if k <= 0 or (allowed is not None and not allowed):
            return []
        segments = self._all()
        hits: list[tuple[int, float]] = []
        for i, segment in enumerate(segments):
            if not self._dead_of(segment)[1]:
                hits += segment.vectors.search(query, k, allowed)
                continue
            selector, held = self._selector(i, segment, allowed)
            stored = max(1, segment.vectors.count())
            live = stored - len(self._dead_of(segment)[1])
            share = (live if allowed is None else min(live, len(allowed))) / stored
            hits += segment.vectors.search_selected(query, k, selector, share)
            del held
        if len(segments) > 1:
            hits.sort(key=lambda hit: (-hit[1], hit[0]))
        return hits[:k]

    def _selector(
        self, i: int, segment: Segment, allowed: set[int] | None
    ) -> tuple[faiss.IDSelector, tuple[object, ...]]:
        """An ID selector for segment ``i``: ``allowed`` (all when ``None``) less the
        segment's tombstones, with the objects it points into (kept alive by the caller)."""

        def build() -> tuple[faiss.IDSelector, tuple[object, ...]]:
            dead = self._dead_of(segment)[1]
            gone = faiss.IDSelectorBatch(np.fromiter(dead, dtype=np.int64, count=len(dead)))
            alive = faiss.IDSelectorNot(gone)
            if allowed is None:
                return alive, (gone, alive)
            batch = allowed_selector(allowed)
            both = faiss.IDSelectorAnd(batch, alive)
            return both, (batch, gone, alive, both)

        # The same filter's set comes back for every query of one data version.
        memo = self._selectors.setdefault(i, IdentityMemo())
        return memo.get(allowed if allowed is not None else self, build)

    def lexical_search(
        self, terms: list[str], k: int, allowed: set[int] | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` live chunks by BM25 with corpus-wide statistics (filter first)."""
        return self.lexical_index().search_terms(terms, k, allowed)

    def chunks_with(
        self,
        terms: list[str],
        allowed: set[int] | None = None,
        among: Collection[int] | None = None,
    ) -> set[int]:
        """Every live chunk holding one of ``terms`` (the union of their postings)."""
        return self.lexical_index().chunks_with(terms, allowed, among)

    def count_with(self, terms: list[str], allowed: set[int] | None = None) -> int:
        """How many live chunks hold one of ``terms``."""
        return self.lexical_index().count_with(terms, allowed)

    def has_term(self, term: str) -> bool:
        """Whether an analysed term occurs in some live chunk."""
        return term in self.lexical_index()

    def lexical_index(self) -> LexicalView:
        """BM25 over every segment's live chunks (made once per version)."""
        lexical = self._lexical
        if lexical is None:
            parts = [(s.terms(), self._dead_of(s)[0]) for s in self._all()]
            lexical = self._lexical = LexicalView(parts)
        return lexical

    def stored_ids(self) -> dict[str, set[int]]:
        """The live chunk ids each kind of file holds (``hankekg verify`` compares them
        with the ids the documents name)."""
        chunks: set[int] = set()
        vectors: set[int] = set()
        for segment in self._all():
            dead = self._dead_of(segment)[1]
            chunks |= set(segment.chunks) - dead
            vectors |= set(segment.vectors.stored_ids().tolist()) - dead
        return {
            "chunks.jsonl": chunks,
            "vectors": vectors,
            "lexical index": set(self.lexical_index().ids),
        }

    def vectors_of(self, ids: Sequence[int]) -> np.ndarray:
        """The stored vectors of live chunks ``ids``, in that order (for benchmarks and
        for copying an index to another engine)."""
        rows: dict[int, np.ndarray] = {}
        wanted = set(ids)
        for segment in self._all():
            stored, matrix = segment.vectors.matrix()
            for r, cid in enumerate(stored.tolist()):
                if cid in wanted and cid in self.chunks:
                    rows[cid] = matrix[r]
        return (
            np.vstack([rows[i] for i in ids])
            if ids
            else np.zeros((0, self.manifest.dim), dtype=np.float32)
        )

    def key_tables(self) -> KeyTables:
        """Chunk groups, key languages and centroids: patched from the snapshot this
        one was written over, when its writer published it, else built."""
        return self.tables.get(
            lambda: self.manifest.documents,
            self._all_centroids,
            self.centroids_of,
            self.manifest.dim,
        )

    def _all_centroids(self) -> dict[str, np.ndarray]:
        if self._centroids is None:
            self._centroids = {k: unit(total / n) for k, (total, n) in self._sums.items()}
        return self._centroids

    def centroids_of(self, keys: set[str]) -> dict[str, np.ndarray]:
        """The centroids of ``keys`` only."""
        return {k: unit(self._sums[k][0] / self._sums[k][1]) for k in keys if k in self._sums}

    def rebuilt_tables(self) -> KeyTables:
        """The tables built whole (chunk groups from the chunks themselves), to compare."""
        built = KeyTables.build(self.manifest.documents, self._all_centroids(), self.manifest.dim)
        by_key: dict[str, list[int]] = {}
        for cid in sorted(self.chunks):
            by_key.setdefault(self.chunks[cid].key, []).append(cid)
        built.by_key = by_key
        return built

    def inherit(self, previous: Snapshot) -> None:
        """Patch the tables from ``previous`` (the snapshot this one was written over)
        with the documents this one's writer changed."""
        touched = set(self.touched)
        self.tables = Inherited()
        self.tables.inherit(previous.tables, lambda: touched)

    def chunks_by_key(self) -> Mapping[str, list[int]]:
        """Chunk ids per project (or per document without a project)."""
        return self.key_tables().by_key

    def key_languages(self) -> Mapping[str, set[str]]:
        """Document languages per project (and per document)."""
        return self.key_tables().languages

    def centroids(self) -> Mapping[str, np.ndarray]:
        """One unit vector per project (and per document without a project): the
        mean of its body chunks' vectors, kept from each document's share."""
        return self.key_tables().centroids

    def centroid_matrix(self) -> tuple[Sequence[str], np.ndarray]:
        """The centroids as one matrix (rows in the order of the returned keys; rows a
        later version replaced are named ``""``)."""
        return self.key_tables().matrix_view()

    # -- changes (through LocalWriter) -------------------------------------------------

    def _add_share(self, document: str) -> None:
        share = self._where[document].vectors.contribution(document)
        if share is not None and share[2]:
            key, total, n = share
            old, m = self._sums.get(key, (np.zeros(self.manifest.dim, dtype=np.float64), 0))
            self._sums[key] = (old + total, m + n)

    def _drop_share(self, document: str) -> None:
        share = self._where[document].vectors.contribution(document)
        if share is not None and share[2]:
            key, total, n = share
            old, m = self._sums[key]
            if m - n <= 0:
                del self._sums[key]
            else:
                self._sums[key] = (old - total, m - n)

    def remove_document(self, document: str) -> None:
        """Drop a document: from the writer's new segment, or as a tombstone over the
        sealed segment that holds it."""
        entry = self.manifest.documents.pop(document, None)
        if entry is None:
            return
        self.touched.add(document)
        self._drop_share(document)
        segment = self._where.pop(document)
        if segment is self.fresh:
            segment.remove(document)
        else:
            self.deleted.setdefault(segment.name, set()).add(document)
        self._changed()

    def add_document(
        self, document: str, entry: DocumentEntry, chunks: list[Chunk], vectors: np.ndarray
    ) -> None:
        """Add a document's chunks (ids already assigned with :meth:`allocate_ids`) to
        the writer's new segment, analysing only their text."""
        self.remove_document(document)
        if self.fresh is None:
            self.fresh = Segment.new(self.manifest.dim)
        entry.chunk_ids = [c.id for c in chunks]
        tokens = [self.analyzer.analyze(c.text, c.lang) for c in chunks]
        self.fresh.add(document, entry, chunks, vectors, tokens)
        self.manifest.documents[document] = entry
        self._where[document] = self.fresh
        self._add_share(document)
        self.touched.add(document)
        self._changed()

    def _changed(self) -> None:
        """Forget everything derived from the chunks."""
        self._reset()
        if self.tables.peek() is not None:
            self.tables = Inherited()

    def allocate_ids(self, n: int) -> list[int]:
        """Reserve ``n`` fresh chunk ids; ids are never reused."""
        first = self.manifest.next_id
        self.manifest.next_id += n
        return list(range(first, first + n))

    def seal(self) -> None:
        """Seal the writer's new segment and merge segments as the policy says."""
        if self.fresh is not None:
            if self.fresh.documents:
                self.fresh.seal()
                self.segments.append(self.fresh)
            self.fresh = None
        segments, p = self.segments, self.policy
        stored = [len(s) for s in segments]
        dead = [len(self._dead_of(s)[1]) for s in segments]
        live = [a - b for a, b in zip(stored, dead, strict=True)]
        if sum(dead) > p.dead_ratio * sum(stored) or sum(live[1:]) > p.tail_ratio * sum(live[:1]):
            self._merge(0, len(segments))
            return
        while len(segments) > 2 and (
            len(segments) > p.max_segments or len(segments[-2]) <= p.factor * len(segments[-1])
        ):
            self._merge(len(segments) - 2, len(segments))

    def _merge(self, start: int, stop: int) -> None:
        """Replace ``segments[start:stop]`` by one segment of their live documents."""
        parts = [(s, self.deleted.pop(s.name, set())) for s in self.segments[start:stop]]
        merged = Segment.merge(parts, self.manifest.dim)
        logger.info("index: merged %d segments into %d chunks", len(parts), len(merged))
        self.segments[start:stop] = [merged] if merged.documents else []
        for iri in merged.documents:
            self._where[iri] = merged
        self._reset()

    def settle(self, directory: Path) -> None:
        """After a commit: every segment's files are (also) in ``directory``, the
        committed snapshot, from which the next commit links them."""
        for segment in self.segments:
            segment.home = directory

    # -- files ----------------------------------------------------------------------------

    def write(self, directory: Path) -> None:
        """Write the snapshot into ``directory`` (which must not exist): segments that
        are already on disk are hard-linked, new ones written; the manifest (segments,
        tombstones, next id) and ``CHECKSUMS`` last."""
        self.seal()
        folder = directory / SEGMENTS
        folder.mkdir(parents=True)
        written: list[Path] = []
        for segment in self.segments:
            target = folder / segment.name
            if not segment.link(target):
                segment.write(target, self.analyzer.version)
                written.append(target)
        m = self.manifest
        record = {
            "format": FORMAT,
            "encoder": m.encoder,
            "dim": m.dim,
            "fingerprint": m.fingerprint,
            "next_id": m.next_id,
            "segments": [s.name for s in self.segments],
            "deleted": {k: sorted(v) for k, v in sorted(self.deleted.items()) if v},
        }
        (directory / "manifest.json").write_text(json.dumps(record, ensure_ascii=False), "utf-8")
        write_checksums(directory)
        for target in written:
            fsync_tree(target)
        for name in ("manifest.json", CHECKSUMS):
            with open(directory / name, "rb") as handle:
                os.fsync(handle.fileno())
        for segment in self.segments:
            fsync_dir(folder / segment.name)
        fsync_dir(folder)
        fsync_dir(directory)

    @classmethod
    def read(cls, directory: Path) -> Snapshot:
        """Read and verify a snapshot written by :meth:`write` (or a whole snapshot of
        the layout before segments, read as one segment the next commit writes anew).

        Raises:
            CorruptIndex: a file is missing, truncated or altered.
        """
        verify_checksums(directory)
        try:
            if (directory / SEGMENTS).is_dir():
                return cls._read(directory)
            return cls._read_whole(directory)
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise CorruptIndex(f"index snapshot {directory.name} cannot be read: {exc}") from exc

    @classmethod
    def _read(cls, directory: Path) -> Snapshot:
        raw = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        if raw.get("format") != FORMAT:
            raise ValueError(f"unknown snapshot format {raw.get('format')!r}")
        manifest = Manifest(raw["encoder"], raw["dim"], raw["fingerprint"], raw["next_id"])
        analysis = default_analyzer().version
        segments = [
            Segment.read(directory / SEGMENTS / name, manifest.dim, analysis, directory)
            for name in raw["segments"]
        ]
        deleted = {k: set(v) for k, v in raw["deleted"].items()}
        if set(deleted) - set(raw["segments"]):
            raise ValueError("tombstones name a segment the snapshot does not hold")
        return cls(manifest, segments, deleted, directory.name)

    @classmethod
    def _read_whole(cls, directory: Path) -> Snapshot:
        """A snapshot of the layout before segments: one segment, its terms analysed
        from the chunks' text (the lexical files held precomputed scores, not terms)."""
        manifest = Manifest.from_json((directory / "manifest.json").read_text(encoding="utf-8"))
        chunks: dict[int, Chunk] = {}
        with open(directory / "chunks.jsonl", encoding="utf-8") as lines:
            for line in lines:
                chunk = Chunk(**json.loads(line))
                chunks[chunk.id] = chunk
        if (directory / "centroids.npz").exists():
            vectors = FaissVectors.load(directory, manifest.dim)
        else:
            vectors = _legacy_vectors(directory, manifest, chunks)
        analyzer = default_analyzer()
        ids = sorted(chunks)
        tokens = [analyzer.analyze(chunks[i].text, chunks[i].lang) for i in ids]
        terms = TermTable.build(ids, tokens)
        segment = Segment(new_name(), dict(manifest.documents), chunks, vectors, terms)
        return cls(manifest, [segment], {}, directory.name)


def _legacy_vectors(directory: Path, manifest: Manifest, chunks: dict[int, Chunk]) -> FaissVectors:
    """A snapshot written before centroids were stored: rebuild the per-document
    sums once from the FAISS vectors (the next commit stores them)."""
    import faiss

    index = faiss.read_index(str(directory / "vectors.faiss"))
    store = FaissVectors(manifest.dim)
    for iri, entry in manifest.documents.items():
        mine = [chunks[i] for i in entry.chunk_ids if i in chunks]
        vectors = (
            np.vstack([index.reconstruct(c.id) for c in mine])
            if mine
            else np.zeros((0, manifest.dim), dtype=np.float32)
        )
        key = mine[0].key if mine else iri
        store.add(iri, key, [c.id for c in mine], vectors, [c.field == "body" for c in mine])
    return store
