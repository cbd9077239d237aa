"""The embedded index engine: versioned snapshots of chunks, FAISS and bm25s on local files.

Layout under ``HANKEKG_HOME/index``::

    CURRENT                 name of the committed snapshot ("000007")
    snapshots/000007/       manifest.json, segments/<name>/..., CHECKSUMS

A new snapshot is written to a temporary directory, renamed into place, and only
then named in ``CURRENT`` (written to a temp file and renamed). Writing it costs
what the commit changed: the segments it shares with the previous snapshot are
hard-links to the same files, and only the writer's new segment (and a merge, now
and then) is written (``search/index/snapshot.py``).
Readers therefore always see a complete snapshot. The graph store commits its
side of a write between the rename and the ``CURRENT`` switch; on open,
:meth:`LocalIndex.recover` settles a crash in between.

``CHECKSUMS`` holds the SHA-256 of every other file of the snapshot (of each
segment's own ``CHECKSUMS``, written once with the segment) and a digest of
itself. A snapshot is verified before it is used: a corrupt or truncated file
(``chunks.jsonl`` cut at a line boundary included) is refused with
:class:`~graph.errors.CorruptIndex`, moved to ``quarantine/`` (never deleted),
and the previous good snapshot is used instead; the engine then rebuilds what
the graph has beyond it. A damaged file of a segment that several snapshots
share damages all of them (they are one file): recovery then finds no good
snapshot and rebuilds from the graph, as for a home with one snapshot. Recovery
never rebuilds the index from a graph that lacks documents the index holds (a
graph that lost files): that is a
:class:`~graph.errors.DamagedHome` until ``hankekg reindex`` or a restore.

This module holds the engine: the snapshot directory and its ``CURRENT``
pointer (:class:`IndexState`), :class:`LocalIndex` and :class:`LocalWriter`.
One snapshot's contents and files are :class:`~search.index.snapshot.Snapshot`
(``search/index/snapshot.py``); fsync and checksums are in
``search/index/integrity.py``.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from graph.errors import RECOVERY_HINT, CorruptIndex, DamagedHome
from search.index.base import Chunk, DocumentEntry, EncoderIdentity
from search.index.integrity import fsync_dir
from search.index.manifest import Manifest, MergePolicy
from search.index.snapshot import Snapshot

logger = logging.getLogger(__name__)

KEEP_SNAPSHOTS = 2


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
            fsync_dir(self.snapshots)
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
        fsync_dir(self.root)
        self._collect(keep=name)

    def staged_after_current(self) -> list[str]:
        """Snapshots written after the current one (at most one after a crash)."""
        current = self.current_name() or "000000"
        return [n for n in self.names() if n > current]

    def read_manifest(self, name: str) -> Manifest:
        """The manifest of snapshot ``name`` (read and verified with it)."""
        return self.load(name).manifest

    def quarantine(self, name: str) -> None:
        """Move a corrupt snapshot to ``quarantine/`` (kept for a manual recovery)."""
        folder = self.root / "quarantine"
        folder.mkdir(exist_ok=True)
        target = folder / name
        n = 1
        while target.exists():
            n += 1
            target = folder / f"{name}.{n}"
        os.replace(self.snapshots / name, target)

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


def _refuse_loss(
    in_graph: dict[str, str],
    loaded: dict[str, Snapshot],
    committed: list[str],
    corrupt: dict[str, CorruptIndex],
    current: str | None,
) -> None:
    """Raise :class:`DamagedHome` where rebuilding from ``in_graph`` would lose documents."""
    if committed:
        held = loaded[committed[0]].manifest.documents
        lost = sorted(set(held) - set(in_graph))
        if lost:
            raise DamagedHome(
                f"graph: the graph lacks {len(lost)} of the {len(held)} documents the index "
                f"holds (e.g. {lost[0]}); {RECOVERY_HINT}, or `hankekg reindex` to keep "
                "only what the graph holds"
            )
    elif not in_graph and any(current is None or n <= current for n in corrupt):
        raise DamagedHome(
            f"index: the graph is empty and the committed index snapshot is corrupt "
            f"({next(iter(corrupt.values()))}); {RECOVERY_HINT}"
        )


class LocalIndex:
    """The embedded engine: an :class:`~search.index.base.Index` over snapshot files."""

    def __init__(self, root: Path, policy: MergePolicy | None = None) -> None:
        self.state = IndexState(root)
        self.policy = policy or MergePolicy()
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
        """A writer over a private copy of the committed snapshot: a copy-on-write fork
        of the published view when that is the committed snapshot, else read from disk."""
        snapshot = None
        if not fresh:
            with self._lock:
                view = self._view
            name = self.state.current_name()
            if view is not None and name is not None and view.name == name:
                snapshot = view.fork()
            else:
                snapshot = self.state.load_current()
        if snapshot is None:
            snapshot = Snapshot.empty(encoder.name, encoder.dim, encoder.fingerprint)
        else:
            snapshot.check_encoder(encoder.name, encoder.fingerprint)
        snapshot.policy = self.policy
        with self._lock:
            self._writing += 1
        return LocalWriter(self, snapshot)

    def _publish(self, snapshot: Snapshot | None) -> None:
        with self._lock:
            self._writing -= 1
            if snapshot is not None and snapshot.name == self.state.current_name():
                previous = self._view
                if previous is not None and snapshot.base == previous.name:
                    # the derived tables follow from the previous ones and the documents
                    # the writer changed (search/index/tables.py)
                    snapshot.inherit(previous)
                self._view = snapshot

    def touch(self) -> None:
        """Nothing to share: one process owns a local index (the engine keeps its
        own counter of graph updates)."""

    def recover(self, in_graph: dict[str, str]) -> set[str] | None:
        """Commit the newest good snapshot that matches the graph. ``None`` when none
        matches (the caller rebuilds from the graph).

        Corrupt snapshots are moved to ``quarantine/``, never deleted, so a manual
        recovery still has them; staged snapshots past the match (a crash's
        leftovers, never committed) are discarded.

        Raises:
            DamagedHome: no snapshot matches and the graph lacks documents the
                newest good committed snapshot holds, or the graph is empty while
                committed snapshots are corrupt. Rebuilding the index from that
                graph would drop them; it takes an explicit ``hankekg reindex``
                (or a restore). Nothing is changed before this is raised.
        """
        state = self.state
        current = state.current_name()
        loaded: dict[str, Snapshot] = {}
        corrupt: dict[str, CorruptIndex] = {}
        match: str | None = None
        for name in reversed(state.names()):  # newest first; older ones only if needed
            try:
                snapshot = loaded[name] = state.load(name)
            except CorruptIndex as exc:
                corrupt[name] = exc
                continue
            if {k: v.sha256 for k, v in snapshot.manifest.documents.items()} == in_graph:
                match = name
                break
        committed = [n for n in loaded if current is None or n <= current]
        if match is None:
            _refuse_loss(in_graph, loaded, committed, corrupt, current)
        for name, why in corrupt.items():
            logger.error("%s; moving it to quarantine", why)
            state.quarantine(name)
        if match is not None:
            if match != current:
                logger.warning("recovering: committing index snapshot %s", match)
                state.commit(match)
            for later in state.names():
                if later > match:
                    state.discard(later)
            self._view = loaded[match]
            return set()
        if not in_graph and not loaded:
            if current is not None:
                (state.root / "CURRENT").unlink(missing_ok=True)
            self._view = None
            return set()
        # Nothing matches: keep the newest good committed snapshot current (never
        # a staged one past the old pointer) and let the caller rebuild.
        if committed and committed[0] != current:
            logger.warning("index snapshot %s is gone; using %s", current, committed[0])
            state.commit(committed[0])
        for name in loaded:
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
        self.snapshot.settle(state.snapshots / name)
        self._dirty = False

    def close(self) -> None:
        """Publish the committed snapshot to readers (unless changes were left
        uncommitted: readers then read the committed one from disk)."""
        if not self._closed:
            self._closed = True
            self._index._publish(None if self._dirty else self.snapshot)
