"""The embedded index engine: versioned snapshots of chunks, FAISS and bm25s on local files.

Layout under ``HANKEKG_HOME/index``::

    CURRENT                 name of the committed snapshot ("000007")
    snapshots/000007/       manifest.json, chunks.jsonl, vectors.faiss,
                            centroids.npz, lexical/, CHECKSUMS

A new snapshot is written in full to a temporary directory, renamed into
place, and only then named in ``CURRENT`` (written to a temp file and renamed).
Readers therefore always see a complete snapshot. The graph store commits its
side of a write between the rename and the ``CURRENT`` switch; on open,
:meth:`LocalIndex.recover` settles a crash in between.

``CHECKSUMS`` holds the SHA-256 of every other file of the snapshot and a
digest of itself. A snapshot is verified before it is used: a corrupt or
truncated file (``chunks.jsonl`` cut at a line boundary included) is refused
with :class:`~graph.errors.CorruptIndex`, deleted, and the previous good
snapshot is used instead; the engine then rebuilds what the graph has beyond it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from graph.errors import CorruptIndex
from search.index.base import Chunk, DocumentEntry, EncoderIdentity
from search.lexical.bm25 import LexicalIndex
from search.vectors.faiss import FaissVectors

logger = logging.getLogger(__name__)

KEEP_SNAPSHOTS = 2
CHECKSUMS = "CHECKSUMS"


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
        self._by_key: dict[str, list[int]] | None = None
        self._languages: dict[str, set[str]] | None = None
        self._matrix: tuple[list[str], np.ndarray] | None = None

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

    def has_term(self, term: str) -> bool:
        """Whether an analysed term occurs in some chunk."""
        lexical = self.lexical_index()
        return lexical is not None and term in lexical

    def chunks_by_key(self) -> dict[str, list[int]]:
        """Chunk ids per project (or per document without a project)."""
        if self._by_key is None:
            out: dict[str, list[int]] = {}
            for chunk in self.chunks.values():
                out.setdefault(chunk.key, []).append(chunk.id)
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

    def centroids(self) -> dict[str, np.ndarray]:
        """One unit vector per project (and per document without a project): the
        mean of its body chunks' vectors, kept by the vector store."""
        return self.vectors.centroids()

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
        self._changed()

    def _changed(self) -> None:
        """Forget everything derived from the chunks."""
        self._lexical_stale = True
        self._by_key = None
        self._languages = None
        self._matrix = None

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
        _fsync_tree(directory)

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


# -- checksums ------------------------------------------------------------------------------


def _files(directory: Path) -> dict[str, str]:
    """SHA-256 of every file under ``directory`` except ``CHECKSUMS``, by relative path."""
    out: dict[str, str] = {}
    for path in sorted(directory.rglob("*")):
        if path.is_file() and path.name != CHECKSUMS:
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            out[path.relative_to(directory).as_posix()] = digest.hexdigest()
    return out


def _seal(files: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()


def write_checksums(directory: Path) -> None:
    """Record the checksum of every file of a snapshot (and of the record itself)."""
    files = _files(directory)
    text = json.dumps({"files": files, "seal": _seal(files)}, indent=1, sort_keys=True)
    (directory / CHECKSUMS).write_text(text, encoding="utf-8")


def verify_checksums(directory: Path) -> None:
    """Check every file of a snapshot against ``CHECKSUMS``.

    A snapshot written before checksums existed (no ``CHECKSUMS``, no
    ``centroids.npz``) is accepted with a warning.

    Raises:
        CorruptIndex: a file is missing, extra, truncated or altered.
    """
    record = directory / CHECKSUMS
    if not record.exists():
        if (directory / "centroids.npz").exists() or not (directory / "manifest.json").exists():
            raise CorruptIndex(f"index snapshot {directory.name} has no {CHECKSUMS}")
        logger.warning("index snapshot %s predates checksums; not verified", directory.name)
        return
    try:
        raw = json.loads(record.read_text(encoding="utf-8"))
        expected = dict(raw["files"])
        sealed = raw["seal"] == _seal(expected)
    except (ValueError, KeyError, TypeError) as exc:
        raise CorruptIndex(f"index snapshot {directory.name}: unreadable {CHECKSUMS}") from exc
    if not sealed:
        raise CorruptIndex(f"index snapshot {directory.name}: {CHECKSUMS} was altered")
    actual = _files(directory)
    bad = sorted(
        name for name in set(expected) | set(actual) if expected.get(name) != actual.get(name)
    )
    if bad:
        raise CorruptIndex(
            f"index snapshot {directory.name} is corrupt: {', '.join(bad[:5])} "
            f"{'differs' if len(bad) == 1 else 'differ'} from its checksums"
        )


# -- the snapshot directory -------------------------------------------------------------------


class IndexState:
    """The snapshot directory and its ``CURRENT`` pointer."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.snapshots = root / "snapshots"

    def current_name(self) -> str | None:
        """Name of the committed snapshot, or ``None`` for an empty home."""
        pointer = self.root / "CURRENT"
        try:
            name = pointer.read_text().strip()
        except FileNotFoundError:
            return None
        return name if name.isdigit() else None

    def names(self) -> list[str]:
        """Every snapshot on disk, oldest first."""
        if not self.snapshots.exists():
            return []
        return sorted(p.name for p in self.snapshots.iterdir() if p.name.isdigit())

    def load(self, name: str) -> Snapshot:
        """Read and verify snapshot ``name``.

        Raises:
            CorruptIndex: it is corrupt, truncated or missing.
        """
        path = self.snapshots / name
        if not path.is_dir():
            raise CorruptIndex(f"index snapshot {name} is missing")
        return Snapshot.read(path)

    def load_current(self) -> Snapshot | None:
        """The committed snapshot, or ``None`` when nothing was ever committed.

        Raises:
            CorruptIndex: the committed snapshot is corrupt.
        """
        name = self.current_name()
        return self.load(name) if name else None

    def stage(self, snapshot: Snapshot) -> str:
        """Write ``snapshot`` as a new, not yet committed snapshot; returns its name.

        A write that fails (disk full) leaves nothing behind.
        """
        self.snapshots.mkdir(parents=True, exist_ok=True)
        name = f"{max((int(n) for n in self.names()), default=0) + 1:06d}"
        tmp = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.snapshots))
        tmp.rmdir()
        try:
            snapshot.write(tmp)
            os.replace(tmp, self.snapshots / name)
            _fsync_dir(self.snapshots)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
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
        current = self.current_name() or "000000"
        return [n for n in self.names() if n > current]

    def read_manifest(self, name: str) -> Manifest:
        """The manifest of snapshot ``name``."""
        return Manifest.from_json((self.snapshots / name / "manifest.json").read_text("utf-8"))

    def discard(self, name: str) -> None:
        """Delete a snapshot that is not (or no longer) to be used."""
        shutil.rmtree(self.snapshots / name, ignore_errors=True)

    def _collect(self, keep: str) -> None:
        """Delete staging leftovers and all but the newest committed snapshots."""
        for path in self.snapshots.iterdir():
            if path.name.startswith(".staging-"):
                shutil.rmtree(path, ignore_errors=True)
        old = [n for n in self.names() if n < keep]
        for name in old[: max(0, len(old) - (KEEP_SNAPSHOTS - 1))]:
            shutil.rmtree(self.snapshots / name, ignore_errors=True)


# -- the engine --------------------------------------------------------------------------------


class LocalIndex:
    """The embedded engine: an :class:`~search.index.base.Index` over snapshot files."""

    def __init__(self, root: Path) -> None:
        self.state = IndexState(root)
        self._view: Snapshot | None = None
        self._lock = threading.Lock()
        self._writing = 0

    def version(self) -> str | None:
        """The committed snapshot's name."""
        return self.state.current_name()

    def view(self) -> Snapshot | None:
        """The committed snapshot (read once, then kept until a commit replaces it).

        While this process writes, readers keep the snapshot they had until
        the writer is closed, rather than re-reading each batch.

        Raises:
            CorruptIndex: the committed snapshot is corrupt (the engine's
                recovery runs before the first view, so this means it broke
                while the process ran).
        """
        with self._lock:
            cached = self._view
            if self._writing and cached is not None:
                return cached
            name = self.state.current_name()
            if name is None:
                self._view = None
            elif cached is None or cached.name != name:
                self._view = self.state.load(name)
            return self._view

    def writer(self, encoder: EncoderIdentity, *, fresh: bool = False) -> LocalWriter:
        """A writer over a private copy of the committed snapshot."""
        snapshot = None if fresh else self.state.load_current()
        if snapshot is None:
            snapshot = Snapshot.empty(encoder.name, encoder.dim, encoder.fingerprint)
        else:
            snapshot.check_encoder(encoder.name, encoder.fingerprint)
        with self._lock:
            self._writing += 1
        return LocalWriter(self, snapshot)

    def _publish(self, snapshot: Snapshot | None) -> None:
        with self._lock:
            self._writing -= 1
            if snapshot is not None and snapshot.name == self.state.current_name():
                self._view = snapshot

    def touch(self) -> None:
        """Nothing to share: one process owns a local index (the engine keeps its
        own counter of graph updates)."""

    def recover(self, in_graph: dict[str, str]) -> set[str] | None:
        """Commit the newest good snapshot that matches the graph; delete corrupt and
        stale ones. ``None`` when none matches (the caller rebuilds from the graph)."""
        state = self.state
        current = state.current_name()
        good: list[str] = []
        for name in reversed(state.names()):
            try:
                snapshot = state.load(name)
            except CorruptIndex as exc:
                logger.error("%s; deleting it", exc)
                state.discard(name)
                continue
            if {k: v.sha256 for k, v in snapshot.manifest.documents.items()} == in_graph:
                if name != current:
                    logger.warning("recovering: committing index snapshot %s", name)
                    state.commit(name)
                for later in state.names():
                    if later > name:
                        state.discard(later)
                self._view = snapshot
                return set()
            good.append(name)
        if not in_graph and not good:
            if current is not None:
                (state.root / "CURRENT").unlink(missing_ok=True)
            self._view = None
            return set()
        # Nothing matches: keep the newest good committed snapshot current (never
        # a staged one past the old pointer) and let the caller rebuild.
        previous = [n for n in good if current is None or n <= current]
        if previous and previous[0] != current:
            logger.warning("index snapshot %s is gone; using %s", current, previous[0])
            state.commit(previous[0])
        for name in good:
            if current is not None and name > current:
                state.discard(name)
        self._view = None
        return None

    def close(self) -> None:
        """Nothing to release: snapshots are plain files."""


class LocalWriter:
    """Changes to a private copy of the snapshot, staged and committed as a new one."""

    def __init__(self, index: LocalIndex, snapshot: Snapshot) -> None:
        self._index = index
        self.snapshot = snapshot
        self._dirty = False
        self._closed = False

    def documents(self) -> dict[str, DocumentEntry]:
        """Every document as this writer sees them."""
        return self.snapshot.manifest.documents

    def allocate_ids(self, n: int) -> list[int]:
        """Reserve fresh chunk ids."""
        return self.snapshot.allocate_ids(n)

    def add_document(
        self, iri: str, entry: DocumentEntry, chunks: list[Chunk], vectors: np.ndarray
    ) -> None:
        """Add or replace a document."""
        self._dirty = True
        self.snapshot.add_document(iri, entry, chunks, vectors)

    def remove_document(self, iri: str) -> None:
        """Drop a document."""
        self._dirty = True
        self.snapshot.remove_document(iri)

    def commit(self, between: Callable[[], None] | None = None) -> None:
        """Stage a new snapshot, run ``between`` (the graph write), switch ``CURRENT``.

        A failure in ``between`` deletes the staged snapshot; the old one stays.
        """
        state = self._index.state
        name = state.stage(self.snapshot)
        try:
            if between is not None:
                between()
        except BaseException:
            state.discard(name)
            raise
        state.commit(name)
        self.snapshot.name = name
        self._dirty = False

    def close(self) -> None:
        """Publish the committed snapshot to readers (unless changes were left
        uncommitted: readers then read the committed one from disk)."""
        if not self._closed:
            self._closed = True
            self._index._publish(None if self._dirty else self.snapshot)


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
