"""What an index view derives per version, patched from the documents a write changed.

Searches group chunks by project (``chunks_by_key``), filter by document language
(``key_languages``) and compare projects by their centroids (``centroids``, and
``centroid_matrix`` for one matrix product). Read whole, these cost time in N on
every replica after every write (at N = 10,000 they were most of the first search
after a write). :class:`KeyTables` holds them with what each document contributed,
so that a new version's tables are the previous version's with the changed
documents taken out and put back (:meth:`KeyTables.patched`): the cost follows the
change, not the corpus.

Who knows which documents changed:

- the embedded engine's writer, in process: the snapshot it commits remembers the
  documents it added or removed (``search/index/snapshot.py``);
- other replicas of the PostgreSQL engine: the change feed (:mod:`ingest.feed`),
  read by :func:`changed_documents`.

When neither can say (a reindex, a recovery, a feed gap, a version the feed does
not record yet), the tables are built whole: the fallback. :func:`differences`
compares patched tables with built ones (``hankekg verify --derived`` and the
property test in ``tests/search/test_derived.py``).

The centroid matrix is shared between versions: a version's matrix is the first
rows of one buffer, a patch appends the changed keys' rows after them (in place
when no later version appended already, else on a copy) and marks the rows they
replace dead (key :data:`DEAD`), and the matrix is compacted when a quarter of its
rows are dead. Readers of an older version keep seeing their rows unchanged.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from search.index.base import DocumentEntry

#: The key of a centroid-matrix row a later version replaced (callers skip it).
DEAD = ""
#: Compact the matrix when this share of its rows is dead.
COMPACT_AT = 0.25
#: Feed entries looked at to explain a version change (more: rebuild).
FEED_WINDOW = 200


def group_key(iri: str, entry: DocumentEntry) -> str:
    """The key a document's chunks are grouped under: its main project, else itself
    (as ``ingest.commit.add_prepared`` makes chunks)."""
    return entry.projects[0] if entry.projects else iri


@dataclass(frozen=True)
class _Contribution:
    """What one document adds to the tables."""

    key: str
    ids: tuple[int, ...]
    language_keys: tuple[str, ...]
    language: str


def _contribution(iri: str, entry: DocumentEntry) -> _Contribution:
    return _Contribution(
        group_key(iri, entry),
        tuple(entry.chunk_ids),
        tuple(dict.fromkeys((iri, *entry.projects))),
        entry.language,
    )


class _Buffer:
    """Rows shared by the matrices of successive versions (see the module docstring)."""

    def __init__(self, rows: np.ndarray) -> None:
        self.data = rows
        self.used = len(rows)
        self.lock = threading.Lock()


@dataclass
class CentroidMatrix:
    """One version's centroid matrix: ``keys[i]`` is row ``i``'s key (:data:`DEAD` for
    a replaced row); ``rows`` maps each live key to its row."""

    keys: list[str]
    matrix: np.ndarray
    rows: dict[str, int]
    buffer: _Buffer
    dead: int = 0

    @classmethod
    def build(cls, centroids: Mapping[str, np.ndarray], dim: int) -> CentroidMatrix:
        """A compact matrix of ``centroids``."""
        keys = list(centroids)
        data = (
            np.vstack([centroids[k] for k in keys]).astype(np.float32)
            if keys
            else np.zeros((0, dim), dtype=np.float32)
        )
        buffer = _Buffer(data)
        return cls(keys, data, {k: i for i, k in enumerate(keys)}, buffer)

    def patched(self, changed: Mapping[str, np.ndarray | None], dim: int) -> CentroidMatrix:
        """This matrix with ``changed`` keys' rows replaced (``None``: the key is gone)."""
        keys = list(self.keys)
        rows = dict(self.rows)
        dead = self.dead
        for key in changed:
            row = rows.pop(key, None)
            if row is not None:
                keys[row] = DEAD
                dead += 1
        fresh = [(k, v) for k, v in changed.items() if v is not None]
        if dead > COMPACT_AT * max(len(keys), 1):
            live = {k: self.matrix[r] for k, r in rows.items()}
            live.update(fresh)
            return CentroidMatrix.build(live, dim)
        n = len(keys)
        buffer = self.buffer
        with buffer.lock:
            if buffer.used != n or len(buffer.data) < n + len(fresh):
                # another version appended after our rows, or no room: a new buffer
                capacity = max(n + len(fresh), int(n * 1.25) + 64)
                data = np.empty((capacity, dim), dtype=np.float32)
                data[:n] = self.matrix
                buffer = _Buffer(data)
                buffer.used = n
            for i, (key, vector) in enumerate(fresh):
                buffer.data[n + i] = vector
                rows[key] = n + i
                keys.append(key)
            buffer.used = n + len(fresh)
        return CentroidMatrix(keys, buffer.data[: len(keys)], rows, buffer, dead)


@dataclass
class KeyTables:
    """Chunk ids and document languages per key, and centroids, for one index version."""

    contributions: dict[str, _Contribution]
    members: dict[str, set[str]]
    """Documents whose chunks are grouped under each key."""
    by_key: dict[str, list[int]]
    language_counts: dict[str, Counter[str]]
    languages: dict[str, set[str]]
    centroids: dict[str, np.ndarray]
    matrix: CentroidMatrix
    chunks: int
    dim: int

    @classmethod
    def build(
        cls, documents: Mapping[str, DocumentEntry], centroids: Mapping[str, np.ndarray], dim: int
    ) -> KeyTables:
        """The tables read whole from the view's documents and centroids."""
        contributions = {iri: _contribution(iri, e) for iri, e in documents.items()}
        members: dict[str, set[str]] = {}
        counts: dict[str, Counter[str]] = {}
        for iri, c in contributions.items():
            if c.ids:
                members.setdefault(c.key, set()).add(iri)
            for key in c.language_keys:
                counts.setdefault(key, Counter())[c.language] += 1
        by_key = {
            key: sorted(i for d in docs for i in contributions[d].ids)
            for key, docs in members.items()
        }
        return cls(
            contributions,
            members,
            by_key,
            counts,
            {k: set(v) for k, v in counts.items()},
            dict(centroids),
            CentroidMatrix.build(centroids, dim),
            sum(len(c.ids) for c in contributions.values()),
            dim,
        )

    def patched(
        self,
        documents: Mapping[str, DocumentEntry],
        changed: Iterable[str],
        centroids_of: Callable[[set[str]], Mapping[str, np.ndarray]],
    ) -> KeyTables:
        """The tables after writes that changed (added, replaced or removed) the
        ``changed`` documents; ``documents`` is the new version's,
        ``centroids_of(keys)`` its centroids of those keys (absent: no centroid)."""
        contributions = dict(self.contributions)
        members = dict(self.members)
        by_key = dict(self.by_key)
        counts = dict(self.language_counts)
        languages = dict(self.languages)
        chunks = self.chunks
        grouped: set[str] = set()
        spoken: set[str] = set()
        for iri in changed:
            old = contributions.pop(iri, None)
            if old is not None:
                chunks -= len(old.ids)
                if old.ids:
                    members[old.key] = members.get(old.key, set()) - {iri}
                    grouped.add(old.key)
                for key in old.language_keys:
                    counts[key] = counts[key] - Counter({old.language: 1})
                    spoken.add(key)
            entry = documents.get(iri)
            if entry is None:
                continue
            new = contributions[iri] = _contribution(iri, entry)
            chunks += len(new.ids)
            if new.ids:
                members[new.key] = members.get(new.key, set()) | {iri}
                grouped.add(new.key)
            for key in new.language_keys:
                counts[key] = counts.get(key, Counter()) + Counter({new.language: 1})
                spoken.add(key)
        for key in grouped:
            docs = members.get(key)
            if docs:
                by_key[key] = sorted(i for d in docs for i in contributions[d].ids)
            else:
                members.pop(key, None)
                by_key.pop(key, None)
        for key in spoken:
            if counts.get(key):
                languages[key] = set(counts[key])
            else:
                counts.pop(key, None)
                languages.pop(key, None)
        fresh = centroids_of(grouped) if grouped else {}
        centroids = dict(self.centroids)
        moved: dict[str, np.ndarray | None] = {}
        for key in grouped:
            vector = fresh.get(key)
            if vector is None:
                if centroids.pop(key, None) is not None:
                    moved[key] = None
            else:
                centroids[key] = vector
                moved[key] = vector
        matrix = self.matrix.patched(moved, self.dim) if moved else self.matrix
        return KeyTables(
            contributions,
            members,
            by_key,
            counts,
            languages,
            centroids,
            matrix,
            chunks,
            self.dim,
        )

    def matrix_view(self) -> tuple[list[str], np.ndarray]:
        """``(keys, matrix)`` as ``IndexView.centroid_matrix`` returns it."""
        return self.matrix.keys, self.matrix.matrix


class Inherited:
    """The tables of one index version: patched from an earlier version's when the
    changed documents are known, else built (thread-safe, computed once)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tables: KeyTables | None = None
        self._parent: Inherited | None = None
        self._changed: Callable[[], set[str] | None] | None = None
        self.patched = False
        """Whether the tables came from a patch (the bench and the tests read it)."""

    def inherit(self, parent: Inherited | None, changed: Callable[[], set[str] | None]) -> None:
        """Patch from ``parent``'s tables (when it has them) with the documents
        ``changed()`` names (``None`` from it: build instead)."""
        # A parent without tables could only be built from: no chain of old versions.
        self._parent = parent if parent is not None and parent.peek() is not None else None
        self._changed = changed

    def peek(self) -> KeyTables | None:
        """The tables, if made already."""
        return self._tables

    def get(
        self,
        documents: Callable[[], Mapping[str, DocumentEntry]],
        centroids: Callable[[], Mapping[str, np.ndarray]],
        centroids_of: Callable[[set[str]], Mapping[str, np.ndarray]],
        dim: int,
    ) -> KeyTables:
        """This version's tables."""
        with self._lock:
            if self._tables is None:
                base = self._parent.peek() if self._parent is not None else None
                changed = self._changed() if base is not None and self._changed else None
                if base is not None and changed is not None:
                    self._tables = base.patched(documents(), changed, centroids_of)
                    self.patched = True
                else:
                    self._tables = KeyTables.build(documents(), centroids(), dim)
                self._parent = None  # let the old version go
            return self._tables


def changed_documents(entries: list[Any], old: str | None, new: str) -> set[str] | None:
    """Documents the feed ``entries`` (oldest first) say changed from index version
    ``old`` to ``new``; ``None`` when they cannot say: ``old`` is not among their
    versions, the last is not ``new``, or an entry does not list its documents
    (a reindex or a recovery)."""
    if old is None or not entries or entries[-1].version != new:
        return None
    out: set[str] = set()
    for entry in reversed(entries):
        if entry.version == old:
            return out
        if entry.kind in ("reindex", "recover"):
            return None
        out.update(entry.documents)
    return None


def differences(patched: KeyTables, built: KeyTables, limit: int = 20) -> list[str]:
    """Where ``patched`` tables differ from ``built`` ones (empty when they agree)."""
    out: list[str] = []

    def diff(what: str, a: Mapping[str, Any], b: Mapping[str, Any]) -> None:
        for key in sorted(set(a) | set(b)):
            if len(out) >= limit:
                return
            x, y = a.get(key), b.get(key)
            same = (
                x is not None and y is not None and np.allclose(x, y, atol=1e-5)
                if isinstance(x, np.ndarray) or isinstance(y, np.ndarray)
                else x == y
            )
            if not same:
                out.append(f"{what}: {key}: patched {_short(x)}, rebuilt {_short(y)}")

    diff("chunk groups", patched.by_key, built.by_key)
    diff("key languages", patched.languages, built.languages)
    diff("centroids", patched.centroids, built.centroids)
    keys, matrix = patched.matrix_view()
    rows = {k: matrix[i] for i, k in enumerate(keys) if k != DEAD}
    diff("centroid matrix", rows, built.centroids)
    if len(keys) - keys.count(DEAD) != len(rows):
        out.append("centroid matrix: a key has two live rows")
    return out


def _short(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"vector[{value[:3].round(4).tolist()}...]"
    return repr(value) if value is not None else "absent"
