"""``hankekg backup DIR`` and ``hankekg restore DIR``: a home copied whole, with checksums.

A backup is a directory::

    oxigraph/      Oxigraph's own backup of the graph store (a RocksDB checkpoint)
    index/         the committed index snapshot and its CURRENT pointer
    backup.json    when, the index snapshot's name and the documents (IRI -> sha256)
    CHECKSUMS      SHA-256 of every file above (``search/index/integrity.py``)

It is written under the home's write lock (the graph and the index are taken
at the same commit), to a temporary sibling directory that is renamed into
place only when complete. RocksDB hard-links the store's immutable files into
a checkpoint on the same file system; they are copied instead, so damage to a
file of the home (a truncation in place) cannot reach its backup.

A restore verifies the checksums first, then moves what the home holds aside
into ``HANKEKG_HOME/replaced-<time>/`` (nothing is deleted) and copies the
backup in. It refuses while another process (a running server) holds the store.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from graph.config import Settings
from graph.errors import CorruptIndex, HankeKGError
from ingest.home import WriteHome
from search.index.integrity import fsync_tree, verify_checksums, write_checksums
from search.index.local import LocalIndex

MANIFEST = "backup.json"


class BackupError(HankeKGError):
    """A backup cannot be written, or a directory is not a whole backup."""

    title = "Backup failed"
    status = 500
    exit_code = 12


@dataclass(frozen=True)
class BackupInfo:
    """What a backup holds."""

    directory: Path
    documents: int
    snapshot: str | None


def backup(home: WriteHome, target: Path) -> BackupInfo:
    """Copy ``home``'s graph store and committed index snapshot into ``target``.

    Raises:
        BackupError: ``target`` exists, the home is not an embedded one, or a write fails.
    """
    if home.settings.graph_backend != "oxigraph" or home.settings.index_backend != "local":
        raise BackupError("backup copies an embedded home (Oxigraph and the local index)")
    if target.exists():
        raise BackupError(f"{target} already exists: name a new directory")
    partial = target.with_name(f".{target.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)  # our own leftover from a failed backup
    try:
        with home.writer.lock:
            partial.mkdir(parents=True)
            home.store.backup(partial / "oxigraph")  # type: ignore[attr-defined]
            _unshare(partial / "oxigraph")
            documents = home.store.documents()
            index = home.index
            assert isinstance(index, LocalIndex)
            snapshot = index.state.current_name()
            if snapshot is not None:
                shutil.copytree(
                    index.state.snapshots / snapshot, partial / "index" / "snapshots" / snapshot
                )
                (partial / "index" / "CURRENT").write_text(snapshot + "\n")
        record = {
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "snapshot": snapshot,
            "documents": documents,
        }
        (partial / MANIFEST).write_text(json.dumps(record, indent=1, sort_keys=True), "utf-8")
        write_checksums(partial)
        fsync_tree(partial)
        os.replace(partial, target)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise BackupError(f"cannot write the backup to {target}: {exc}") from exc
    return BackupInfo(target, len(documents), snapshot)


def _unshare(directory: Path) -> None:
    """Replace hard links (shared with the live store) by copies."""
    for path in directory.iterdir():
        if path.is_file() and path.stat().st_nlink > 1:
            copy = path.with_name(path.name + ".copy")
            shutil.copy2(path, copy)
            os.replace(copy, path)


def read_backup(source: Path) -> dict[str, object]:
    """The verified manifest of the backup in ``source``.

    Raises:
        BackupError: not a backup, or a file differs from its checksum.
    """
    if not (source / MANIFEST).is_file() or not (source / "oxigraph").is_dir():
        raise BackupError(f"{source} is not a hankekg backup (no {MANIFEST} and oxigraph/)")
    try:
        verify_checksums(source)
    except CorruptIndex as exc:
        raise BackupError(f"the backup in {source} is damaged: {exc}") from None
    record: dict[str, object] = json.loads((source / MANIFEST).read_text("utf-8"))
    return record


def restore(settings: Settings, source: Path) -> tuple[int, Path | None]:
    """Replace ``settings.home``'s store and index by the backup in ``source``.

    Returns the number of documents restored and where the replaced parts went
    (``None`` when the home held nothing).

    Raises:
        BackupError: the backup is damaged or not one.
        OSError: another process holds the store (a running server).
    """
    record = read_backup(source)
    home = settings.home
    _refuse_if_locked(settings.store_path / "LOCK")
    # the graph-derived tables saved at the last close describe the replaced data
    derived = home / "derived"
    parts = [p for p in (settings.store_path, settings.index_path, derived) if p.exists()]
    aside: Path | None = None
    if parts:
        aside = home / f"replaced-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}"
        aside.mkdir(parents=True)
        for part in parts:
            os.replace(part, aside / part.name)
    home.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source / "oxigraph", settings.store_path)
    if (source / "index").is_dir():
        shutil.copytree(source / "index", settings.index_path)
    fsync_tree(home)
    documents = record.get("documents")
    return (len(documents) if isinstance(documents, dict) else 0), aside


def _refuse_if_locked(lock: Path) -> None:
    """Raise ``OSError`` ("lock") when another process holds RocksDB's lock file."""
    if not lock.exists():
        return
    with open(lock, "rb+") as handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise OSError(f"the store's lock is held by another process: {lock}") from exc
        fcntl.lockf(handle, fcntl.LOCK_UN)
