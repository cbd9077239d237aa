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
from collections.abc import (
    Callable,
    Iterable,
    Mapping,
    Sequence,
)
from dataclasses import dataclass
from typing import Any, TypeVar, overload

import numpy as np

from search.index.base import DocumentEntry
from search.layered import Layered, layered

#: The key of a centroid-matrix row a later version replaced (callers skip it).
DEAD = ""
#: Compact the matrix when this share of its rows is dead.
COMPACT_AT = 0.25
#: Feed entries looked at to explain a version change (more: rebuild).
FEED_WINDOW = 200

V = TypeVar("V")


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


class MatrixKeys(Sequence[str]):
    """Row ``i``'s key for one version: a list shared with later versions (which only
    append), cut at this version's length; rows replaced since read :data:`DEAD`."""

    __slots__ = ("_keys", "_n", "_dead")

    def __init__(self, keys: list[str], n: int, dead: frozenset[int]) -> None:
        self._keys, self._n, self._dead = keys, n, dead

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...

    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        return DEAD if i in self._dead else self._keys[i]

    def __len__(self) -> int:
        return self._n

    def __eq__(self, other: object) -> bool:
        # compares as the list of keys it stands for
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def count(self, value: Any) -> int:
        """How many rows are named ``value`` (:data:`DEAD`: the replaced ones)."""
        if value == DEAD:
            return len(self._dead)
        return sum(1 for k in self if k == value)


class _Buffer:
    """Rows and their keys, shared by the matrices of successive versions (see the
    module docstring): each version uses the first ``n``; a later one appends."""

    def __init__(self, rows: np.ndarray, keys: list[str]) -> None:
        self.data = rows
        self.keys = keys
        self.used = len(keys)
        self.lock = threading.Lock()


@dataclass
class CentroidMatrix:
    """One version's centroid matrix: the first ``n`` rows of a shared buffer, the
    rows in ``dead`` replaced since; ``rows`` maps each live key to its row."""

    buffer: _Buffer
    n: int
    rows: Layered[str, int]
    dead: frozenset[int] = frozenset()

    @property
    def keys(self) -> MatrixKeys:
        """Row ``i``'s key (:data:`DEAD` for a replaced row)."""
        return MatrixKeys(self.buffer.keys, self.n, self.dead)

    @property
    def matrix(self) -> np.ndarray:
        """The rows (a view of the buffer)."""
        return self.buffer.data[: self.n]

    @classmethod
    def build(cls, centroids: Mapping[str, np.ndarray], dim: int) -> CentroidMatrix:
        """A compact matrix of ``centroids``."""
        keys = list(centroids)
        # room for the rows of the next writes, so that the first ones copy nothing
        data = np.empty((len(keys) + max(64, len(keys) // 8), dim), dtype=np.float32)
        for i, key in enumerate(keys):
            data[i] = centroids[key]
        buffer = _Buffer(data, keys)
        return cls(buffer, len(keys), Layered({k: i for i, k in enumerate(keys)}))

    def patched(self, changed: Mapping[str, np.ndarray | None], dim: int) -> CentroidMatrix:
        """This matrix with ``changed`` keys' rows replaced (``None``: the key is gone)."""
        dead = set(self.dead)
        moves: dict[str, int | None] = {}
        for key in changed:
            row = self.rows.get(key)
            if row is not None:
                dead.add(row)
                moves[key] = None
        fresh = [(k, v) for k, v in changed.items() if v is not None]
        n = self.n
        if len(dead) > COMPACT_AT * max(n, 1):
            live = {k: self.matrix[r] for k, r in self.rows.items() if k not in moves}
            live.update(fresh)
            return CentroidMatrix.build(live, dim)
        buffer = self.buffer
        with buffer.lock:
            if buffer.used != n or len(buffer.data) < n + len(fresh):
                # another version appended after our rows, or no room: a new buffer
                capacity = max(n + len(fresh), int(n * 1.25) + 64)
                data = np.empty((capacity, dim), dtype=np.float32)
                data[:n] = self.matrix
                buffer = _Buffer(data, buffer.keys[:n])
            for i, (key, vector) in enumerate(fresh):
                buffer.data[n + i] = vector
                buffer.keys.append(key)
                moves[key] = n + i
            buffer.used = n + len(fresh)
        return CentroidMatrix(buffer, n + len(fresh), self.rows.updated(moves), frozenset(dead))


@dataclass
class KeyTables:
    """Chunk ids and document languages per key, and centroids, for one index version
    (read-only mappings shared with the versions before and after it)."""

    contributions: Layered[str, _Contribution]
    members: Layered[str, frozenset[str]]
    """Documents whose chunks are grouped under each key."""
    by_key: Mapping[str, list[int]]
    language_counts: Layered[str, Counter[str]]
    languages: Mapping[str, set[str]]
    centroids: Mapping[str, np.ndarray]
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
            Layered(contributions),
            Layered({k: frozenset(v) for k, v in members.items()}),
            Layered(by_key),
            Layered(counts),
            Layered({k: set(v) for k, v in counts.items()}),
            Layered(dict(centroids)),
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
        ``centroids_of(keys)`` its centroids of those keys (absent: no centroid).
        The cost follows the changed documents and their keys, not N."""
        contributions: dict[str, _Contribution | None] = {}
        members: dict[str, frozenset[str]] = {}
        counts: dict[str, Counter[str]] = {}
        chunks = self.chunks

        def member_set(key: str) -> frozenset[str]:
            if key not in members:
                members[key] = self.members.get(key, frozenset())
            return members[key]

        def count(key: str) -> Counter[str]:
            if key not in counts:
                counts[key] = Counter(self.language_counts.get(key, Counter()))
            return counts[key]

        for iri in changed:
            old = self.contributions.get(iri)
            if iri in contributions:  # listed twice: the first pass applied it
                continue
            if old is not None:
                chunks -= len(old.ids)
                if old.ids:
                    members[old.key] = member_set(old.key) - {iri}
                for key in old.language_keys:
                    count(key)[old.language] -= 1
            entry = documents.get(iri)
            new = _contribution(iri, entry) if entry is not None else None
            contributions[iri] = new
            if new is None:
                continue
            chunks += len(new.ids)
            if new.ids:
                members[new.key] = member_set(new.key) | {iri}
            for key in new.language_keys:
                count(key)[new.language] += 1
        everyone = self.contributions.updated(contributions)
        by_key: dict[str, list[int] | None] = {
            key: sorted(i for d in docs for i in everyone[d].ids) if docs else None
            for key, docs in members.items()
        }
        kept = {k: +c for k, c in counts.items()}  # drops counts that fell to zero
        languages = {k: set(c) if c else None for k, c in kept.items()}
        fresh = centroids_of(set(members)) if members else {}
        moved: dict[str, np.ndarray | None] = {}
        for key in members:
            vector = fresh.get(key)
            if vector is not None or key in self.centroids:
                moved[key] = vector
        return KeyTables(
            everyone,
            self.members.updated({k: v or None for k, v in members.items()}),
            _updated(self.by_key, by_key),
            self.language_counts.updated({k: c or None for k, c in kept.items()}),
            _updated(self.languages, languages),
            _updated(self.centroids, moved),
            self.matrix.patched(moved, self.dim) if moved else self.matrix,
            chunks,
            self.dim,
        )

    def matrix_view(self) -> tuple[Sequence[str], np.ndarray]:
        """``(keys, matrix)`` as ``IndexView.centroid_matrix`` returns it."""
        return self.matrix.keys, self.matrix.matrix


def _updated(table: Mapping[str, V], changes: Mapping[str, V | None]) -> Layered[str, V]:
    return layered(table).updated(changes)


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
    named = {k: keys[r] for k, r in patched.matrix.rows.items()}
    if any(k != v for k, v in named.items()) or len(named) != len(rows):
        out.append("centroid matrix: its row index disagrees with its keys")
    return out


def _short(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"vector[{value[:3].round(4).tolist()}...]"
    return repr(value) if value is not None else "absent"
