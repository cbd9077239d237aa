"""One snapshot of the embedded index: its manifest, chunks, vectors and lexical index.

A :class:`Snapshot` is the in-memory copy of one directory under
``HANKEKG_HOME/index/snapshots`` (``manifest.json``, ``chunks.jsonl``,
``vectors.faiss``, ``centroids.npz``, ``lexical/``, ``CHECKSUMS``): read-only
as an :class:`~search.index.base.IndexView` for searches, and changed in place
by the writer that owns a private copy. It reads and writes its own files,
verified through ``search/index/integrity.py``; which snapshot is current, and
committing a new one, is the engine's business (``search/index/local.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from graph.errors import CorruptIndex
from search.index.base import Chunk, DocumentEntry, EncoderIdentity
from search.index.integrity import fsync_tree, verify_checksums, write_checksums
from search.index.tables import Inherited, KeyTables
from search.lexical.bm25 import LexicalIndex
from search.vectors.faiss import FaissVectors


@dataclass
class Manifest:
    """The snapshot's table of contents and encoder identity."""

    encoder: str
    dim: int
    fingerprint: str
    next_id: int = 0
    documents: dict[str, DocumentEntry] = field(default_factory=dict)

    def to_json(self) -> str:
        """Serialise to JSON."""
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Parse what :meth:`to_json` wrote."""
        raw = json.loads(text)
        docs = {k: DocumentEntry(**v) for k, v in raw.pop("documents").items()}
        return cls(documents=docs, **raw)


class Snapshot:
    """An in-memory copy of one index snapshot: an :class:`~search.index.base.IndexView`,
    and mutable through the writer that owns it."""

    def __init__(
        self,
        manifest: Manifest,
        chunks: dict[int, Chunk],
        vectors: FaissVectors,
        lexical: LexicalIndex | None,
        name: str = "",
    ) -> None:
        self.manifest = manifest
        self.chunks = chunks
        self.vectors = vectors
        self.lexical = lexical
        self.name = name
        self._lexical_stale = False
        self.tables = Inherited()
        """Chunk groups, key languages and centroids (``search/index/tables.py``)."""
        self.base: str | None = name or None
        """The snapshot this one was read as, before a writer changed it."""
        self.touched: set[str] = set()
        """Documents added, replaced or removed since it was read."""

    @classmethod
    def empty(cls, encoder: str, dim: int, fingerprint: str) -> Snapshot:
        """A snapshot with nothing in it."""
        return cls(Manifest(encoder, dim, fingerprint), {}, FaissVectors(dim), None)

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
        """How many vectors are indexed."""
        return len(self.vectors)

    def get_chunks(self, ids: Iterable[int]) -> dict[int, Chunk]:
        """The chunks with these ids."""
        return {i: self.chunks[i] for i in ids if i in self.chunks}

    def dense_search(
        self, query: np.ndarray, k: int, allowed: set[int] | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` chunks by inner product (FAISS, filter as an ID selector)."""
        return self.vectors.search(query, k, allowed)

    def lexical_search(
        self, terms: list[str], k: int, allowed: set[int] | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` chunks by BM25 (bm25s, filter as a score mask)."""
        lexical = self.lexical_index()
        return lexical.search_terms(terms, k, allowed) if lexical is not None else []

    def chunks_with(self, terms: list[str], allowed: set[int] | None = None) -> set[int]:
        """Every chunk holding one of ``terms`` (the union of their postings)."""
        lexical = self.lexical_index()
        return lexical.chunks_with(terms, allowed) if lexical is not None else set()

    def has_term(self, term: str) -> bool:
        """Whether an analysed term occurs in some chunk."""
        lexical = self.lexical_index()
        return lexical is not None and term in lexical

    def key_tables(self) -> KeyTables:
        """Chunk groups, key languages and centroids: patched from the snapshot this
        one was written over, when its writer published it, else built."""
        return self.tables.get(
            lambda: self.manifest.documents,
            self.vectors.centroids,
            self.centroids_of,
            self.manifest.dim,
        )

    def centroids_of(self, keys: set[str]) -> dict[str, np.ndarray]:
        """The centroids of ``keys`` only."""
        return self.vectors.centroids_of(keys)

    def rebuilt_tables(self) -> KeyTables:
        """The tables built whole (chunk groups from the chunks themselves), to compare."""
        built = KeyTables.build(
            self.manifest.documents, self.vectors.centroids(), self.manifest.dim
        )
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
        mean of its body chunks' vectors, kept by the vector store."""
        return self.key_tables().centroids

    def centroid_matrix(self) -> tuple[Sequence[str], np.ndarray]:
        """The centroids as one matrix (rows in the order of the returned keys; rows a
        later version replaced are named ``""``)."""
        return self.key_tables().matrix_view()

    def lexical_index(self) -> LexicalIndex | None:
        """The lexical index, rebuilt if documents changed since it was built."""
        if self._lexical_stale or (self.lexical is None and self.chunks):
            ids = sorted(self.chunks)
            self.lexical = (
                LexicalIndex.build(
                    ids,
                    [self.chunks[i].text for i in ids],
                    [self.chunks[i].lang for i in ids],
                )
                if ids
                else None
            )
            self._lexical_stale = False
        return self.lexical

    # -- changes (through LocalWriter) -------------------------------------------------

    def remove_document(self, document: str) -> None:
        """Drop a document's chunks and vectors."""
        entry = self.manifest.documents.pop(document, None)
        if entry is None:
            return
        self.touched.add(document)
        self.vectors.remove_document(document)
        for cid in entry.chunk_ids:
            self.chunks.pop(cid, None)
        self._changed()

    def add_document(
        self, document: str, entry: DocumentEntry, chunks: list[Chunk], vectors: np.ndarray
    ) -> None:
        """Add a document's chunks (ids already assigned with :meth:`allocate_ids`)."""
        self.remove_document(document)
        for chunk in chunks:
            self.chunks[chunk.id] = chunk
        key = chunks[0].key if chunks else (entry.projects[0] if entry.projects else document)
        self.vectors.add(
            document, key, [c.id for c in chunks], vectors, [c.field == "body" for c in chunks]
        )
        entry.chunk_ids = [c.id for c in chunks]
        self.manifest.documents[document] = entry
        self.touched.add(document)
        self._changed()

    def _changed(self) -> None:
        """Forget everything derived from the chunks."""
        self._lexical_stale = True
        if self.tables.peek() is not None:
            self.tables = Inherited()

    def allocate_ids(self, n: int) -> list[int]:
        """Reserve ``n`` fresh chunk ids; ids are never reused."""
        first = self.manifest.next_id
        self.manifest.next_id += n
        return list(range(first, first + n))

    # -- files ----------------------------------------------------------------------------

    def write(self, directory: Path) -> None:
        """Write every part of the snapshot into ``directory`` (which must not exist),
        with ``CHECKSUMS`` last."""
        directory.mkdir(parents=True)
        with open(directory / "chunks.jsonl", "w", encoding="utf-8") as out:
            for cid in sorted(self.chunks):
                out.write(json.dumps(asdict(self.chunks[cid]), ensure_ascii=False) + "\n")
        self.vectors.save(directory)
        lexical = self.lexical_index()
        if lexical is not None:
            lexical.save(directory / "lexical")
        (directory / "manifest.json").write_text(self.manifest.to_json(), encoding="utf-8")
        write_checksums(directory)
        fsync_tree(directory)

    @classmethod
    def read(cls, directory: Path) -> Snapshot:
        """Read and verify a snapshot written by :meth:`write`.

        Raises:
            CorruptIndex: a file is missing, truncated or altered.
        """
        verify_checksums(directory)
        try:
            return cls._read(directory)
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise CorruptIndex(f"index snapshot {directory.name} cannot be read: {exc}") from exc

    @classmethod
    def _read(cls, directory: Path) -> Snapshot:
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
        lexical = (
            LexicalIndex.load(directory / "lexical") if (directory / "lexical").exists() else None
        )
        return cls(manifest, chunks, vectors, lexical, directory.name)


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
