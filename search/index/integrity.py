"""Integrity of the embedded index's snapshot files on disk: durable writes and checksums.

A snapshot (``search/index/snapshot.py``) is only trusted when every file in it
is what was written. Its files are flushed to disk with ``fsync`` (and so are
the directories that name them) before ``CURRENT`` points at it, so a power
loss cannot leave a committed snapshot half-written; and ``CHECKSUMS`` records
the SHA-256 of every other file plus a digest of itself, verified before the
snapshot is used, so a corrupt or truncated file is refused with
:class:`~graph.errors.CorruptIndex` rather than read. Kept apart from the
snapshot's contents and from the engine (``search/index/local.py``), which both
use it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

from graph.errors import CorruptIndex

logger = logging.getLogger(__name__)

CHECKSUMS = "CHECKSUMS"
SEGMENTS = "segments"
"""A snapshot's folder of segments: each has its own ``CHECKSUMS``, written once with the
segment, so a commit that links an unchanged segment hashes none of its files again."""


def _files(directory: Path) -> dict[str, str]:
    """SHA-256 of every file under ``directory`` except its own ``CHECKSUMS``, by relative
    path; of a segment folder (``segments/<name>/``) only its ``CHECKSUMS``, which seals
    the segment's files (verified on their own by :func:`verify_checksums`)."""
    out: dict[str, str] = {}
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory).parts
        if relative[0] == SEGMENTS and len(relative) > 2 and relative[2:] != (CHECKSUMS,):
            continue
        if path.is_file() and relative != (CHECKSUMS,):
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


def verify_checksums(directory: Path, label: str | None = None) -> None:
    """Check every file of a snapshot against ``CHECKSUMS`` (and every segment of it
    against the segment's own).

    A snapshot written before checksums existed (no ``CHECKSUMS``, no
    ``centroids.npz``) is accepted with a warning.

    Raises:
        CorruptIndex: a file is missing, extra, truncated or altered.
    """
    name = label or directory.name
    record = directory / CHECKSUMS
    if not record.exists():
        if (directory / "centroids.npz").exists() or not (directory / "manifest.json").exists():
            raise CorruptIndex(f"index snapshot {name} has no {CHECKSUMS}")
        logger.warning("index snapshot %s predates checksums; not verified", directory.name)
        return
    try:
        raw = json.loads(record.read_text(encoding="utf-8"))
        expected = dict(raw["files"])
        sealed = raw["seal"] == _seal(expected)
    except (ValueError, KeyError, TypeError) as exc:
        raise CorruptIndex(f"index snapshot {name}: unreadable {CHECKSUMS}") from exc
    if not sealed:
        raise CorruptIndex(f"index snapshot {name}: {CHECKSUMS} was altered")
    actual = _files(directory)
    bad = sorted(
        path for path in set(expected) | set(actual) if expected.get(path) != actual.get(path)
    )
    if bad:
        raise CorruptIndex(
            f"index snapshot {name} is corrupt: {', '.join(bad[:5])} "
            f"{'differs' if len(bad) == 1 else 'differ'} from its checksums"
        )
    segments = directory / SEGMENTS
    if segments.is_dir():
        for folder in sorted(segments.iterdir()):
            verify_checksums(folder, f"{name}: {SEGMENTS}/{folder.name}")


def fsync_dir(path: Path) -> None:
    """Flush a directory, so that the names of new or renamed files in it survive a crash."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(path: Path) -> None:
    """Flush every file and directory under ``path``."""
    for root, _dirs, files in os.walk(path):
        for name in files:
            with open(os.path.join(root, name), "rb") as handle:
                os.fsync(handle.fileno())
        fsync_dir(Path(root))
