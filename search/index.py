"""Versioned index snapshots: chunks, vectors and the lexical index, committed together.

Layout under ``HANKEKG_HOME/index``::

    CURRENT                 name of the committed snapshot ("000007")
    snapshots/000007/       manifest.json, chunks.jsonl, vectors.faiss, lexical/

A new snapshot is written in full to a temporary directory, renamed into
place, and only then named in ``CURRENT`` (written to a temp file and renamed).
Readers therefore always see a complete snapshot. The graph store commits its
side of an ingest between the rename and the ``CURRENT`` switch; on open,
:func:`IndexState.recover` settles a crash in between (see ``api/ingest.py``).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from graph.errors import EncoderMismatch
from search.lexical import LexicalIndex
from search.vectors import VectorIndex

logger = logging.getLogger(__name__)

KEEP_SNAPSHOTS = 2


@dataclass(frozen=True)
class Chunk:
    """One indexed piece of a document."""

    id: int
    document: str
    """Document IRI."""
    project: str | None
    """IRI of the project the document describes, if any."""
    start: int
    end: int
    lang: str
    field: str
    """``body``, ``title`` (document title) or ``name`` (a project name)."""
    text: str


@dataclass
class DocumentEntry:
    """What the manifest knows about one indexed document."""

    sha256: str
    path: str
    chunk_ids: list[int]
    projects: list[str] = field(default_factory=list)
    title: str | None = None
    language: str = "fi"


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
    """An in-memory, mutable copy of one committed index snapshot."""

    def __init__(
        self,
        manifest: Manifest,
        chunks: dict[int, Chunk],
        vectors: VectorIndex,
        lexical: LexicalIndex | None,
    ) -> None:
        self.manifest = manifest
        self.chunks = chunks
        self.vectors = vectors
        self.lexical = lexical
        self._lexical_stale = False
        self._centroids: dict[str, np.ndarray] | None = None
        self._by_key: dict[str, list[int]] | None = None
        self._languages: dict[str, set[str]] | None = None
        self._matrix: tuple[list[str], np.ndarray] | None = None

    @classmethod
    def empty(cls, encoder: str, dim: int, fingerprint: str) -> Snapshot:
        """A snapshot with nothing in it."""
        return cls(Manifest(encoder, dim, fingerprint), {}, VectorIndex(dim), None)

    def check_encoder(self, name: str, fingerprint: str) -> None:
        """Refuse to mix vectors of different encoders.

        Raises:
            EncoderMismatch: the snapshot was built by another encoder.
        """
        m = self.manifest
        if (m.encoder, m.fingerprint) != (name, fingerprint):
            raise EncoderMismatch(
                f"the index was built with encoder {m.encoder!r} (dim {m.dim}, fingerprint "
                f"{m.fingerprint}) but {name!r} (fingerprint {fingerprint}) was asked to use it; "
                "run `hankekg reindex` to rebuild the index with the configured encoder"
            )

    def remove_document(self, document: str) -> None:
        """Drop a document's chunks and vectors."""
        entry = self.manifest.documents.pop(document, None)
        if entry is None:
            return
        self.vectors.remove(entry.chunk_ids)
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
        self.vectors.add(np.array([c.id for c in chunks], dtype=np.int64), vectors)
        entry.chunk_ids = [c.id for c in chunks]
        self.manifest.documents[document] = entry
        self._changed()

    def _changed(self) -> None:
        """Forget everything derived from the chunks."""
        self._lexical_stale = True
        self._centroids = None
        self._by_key = None
        self._languages = None
        self._matrix = None

    def chunks_by_key(self) -> dict[str, list[int]]:
        """Chunk ids per project (or per document without a project)."""
        if self._by_key is None:
            out: dict[str, list[int]] = {}
            for chunk in self.chunks.values():
                out.setdefault(chunk.project or chunk.document, []).append(chunk.id)
            self._by_key = out
        return self._by_key

    def key_languages(self) -> dict[str, set[str]]:
        """Document languages per project (and per document)."""
        if self._languages is None:
            out: dict[str, set[str]] = {}
            for iri, entry in self.manifest.documents.items():
                for key in (iri, *entry.projects):
                    out.setdefault(key, set()).add(entry.language)
            self._languages = out
        return self._languages

    def centroid_matrix(self) -> tuple[list[str], np.ndarray]:
        """The centroids as one matrix (rows in the order of the returned keys)."""
        if self._matrix is None:
            centroids = self.centroids()
            keys = list(centroids)
            matrix = (
                np.vstack([centroids[k] for k in keys])
                if keys
                else np.zeros((0, self.manifest.dim), dtype=np.float32)
            )
            self._matrix = (keys, matrix)
        return self._matrix

    def centroids(self) -> dict[str, np.ndarray]:
        """One unit vector per project (and per document without a project): the
        mean of its body chunks' vectors. Computed once per snapshot version."""
        if self._centroids is None:
            groups: dict[str, list[int]] = {}
            for chunk in self.chunks.values():
                if chunk.field == "body":
                    groups.setdefault(chunk.project or chunk.document, []).append(chunk.id)
            out: dict[str, np.ndarray] = {}
            for key, ids in groups.items():
                mean = np.mean([self.vectors.reconstruct(i) for i in ids], axis=0)
                norm = float(np.linalg.norm(mean))
                out[key] = (mean / norm if norm else mean).astype(np.float32)
            self._centroids = out
        return self._centroids

    def allocate_ids(self, n: int) -> list[int]:
        """Reserve ``n`` fresh chunk ids; ids are never reused."""
        first = self.manifest.next_id
        self.manifest.next_id += n
        return list(range(first, first + n))

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

    def write(self, directory: Path) -> None:
        """Write every part of the snapshot into ``directory`` (which must not exist)."""
        directory.mkdir(parents=True)
        with open(directory / "chunks.jsonl", "w", encoding="utf-8") as out:
            for cid in sorted(self.chunks):
                out.write(json.dumps(asdict(self.chunks[cid]), ensure_ascii=False) + "\n")
        self.vectors.save(directory / "vectors.faiss")
        lexical = self.lexical_index()
        if lexical is not None:
            lexical.save(directory / "lexical")
        (directory / "manifest.json").write_text(self.manifest.to_json(), encoding="utf-8")
        _fsync_tree(directory)

    @classmethod
    def read(cls, directory: Path) -> Snapshot:
        """Read a snapshot written by :meth:`write`."""
        manifest = Manifest.from_json((directory / "manifest.json").read_text(encoding="utf-8"))
        chunks: dict[int, Chunk] = {}
        with open(directory / "chunks.jsonl", encoding="utf-8") as lines:
            for line in lines:
                chunk = Chunk(**json.loads(line))
                chunks[chunk.id] = chunk
        vectors = VectorIndex.load(directory / "vectors.faiss", manifest.dim)
        lexical = (
            LexicalIndex.load(directory / "lexical") if (directory / "lexical").exists() else None
        )
        return cls(manifest, chunks, vectors, lexical)


class IndexState:
    """The snapshot directory and its ``CURRENT`` pointer."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.snapshots = root / "snapshots"

    def current_name(self) -> str | None:
        """Name of the committed snapshot, or ``None`` for an empty home."""
        pointer = self.root / "CURRENT"
        return pointer.read_text().strip() if pointer.exists() else None

    def load_current(self) -> Snapshot | None:
        """The committed snapshot, or ``None`` when nothing was ever committed."""
        name = self.current_name()
        return Snapshot.read(self.snapshots / name) if name else None

    def stage(self, snapshot: Snapshot) -> str:
        """Write ``snapshot`` as a new, not yet committed snapshot; returns its name."""
        self.snapshots.mkdir(parents=True, exist_ok=True)
        names = [p.name for p in self.snapshots.iterdir() if p.name.isdigit()]
        name = f"{max((int(n) for n in names), default=0) + 1:06d}"
        tmp = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.snapshots))
        tmp.rmdir()
        snapshot.write(tmp)
        os.replace(tmp, self.snapshots / name)
        _fsync_dir(self.snapshots)
        return name

    def commit(self, name: str) -> None:
        """Make snapshot ``name`` the current one, atomically."""
        pointer = self.root / "CURRENT"
        tmp = self.root / "CURRENT.tmp"
        tmp.write_text(name + "\n")
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, pointer)
        _fsync_dir(self.root)
        self._collect(keep=name)

    def staged_after_current(self) -> list[str]:
        """Snapshots written after the current one (at most one after a crash)."""
        if not self.snapshots.exists():
            return []
        current = self.current_name() or "000000"
        return sorted(
            p.name for p in self.snapshots.iterdir() if p.name.isdigit() and p.name > current
        )

    def read_manifest(self, name: str) -> Manifest:
        """The manifest of snapshot ``name``."""
        return Manifest.from_json((self.snapshots / name / "manifest.json").read_text("utf-8"))

    def discard(self, name: str) -> None:
        """Delete an uncommitted snapshot."""
        shutil.rmtree(self.snapshots / name, ignore_errors=True)

    def _collect(self, keep: str) -> None:
        """Delete staging leftovers and all but the newest committed snapshots."""
        for path in self.snapshots.iterdir():
            if path.name.startswith(".staging-"):
                shutil.rmtree(path, ignore_errors=True)
        old = sorted(p.name for p in self.snapshots.iterdir() if p.name.isdigit() and p.name < keep)
        for name in old[: max(0, len(old) - (KEEP_SNAPSHOTS - 1))]:
            shutil.rmtree(self.snapshots / name, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    for root, _dirs, files in os.walk(path):
        for name in files:
            with open(os.path.join(root, name), "rb") as handle:
                os.fsync(handle.fileno())
        _fsync_dir(Path(root))
