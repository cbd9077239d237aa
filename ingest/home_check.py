"""What a home holds, checked before anything opens it, so no open creates a store where data was.

RocksDB (under Oxigraph) treats a directory without its ``CURRENT`` file as a
new database: the first open fails ("wal_dir contains existing log file") but
leaves a fresh ``CURRENT`` behind, and the second open succeeds on an empty
store and deletes the old database files as obsolete. The engine would then
"settle" the empty graph against the index by emptying the index too. So
before the store is opened, :func:`check_home` reads the home's layout
without changing it and refuses, with a one-line :class:`~graph.errors.DamagedHome`
that names what is wrong and how to recover, when:

* the graph store's directory holds files but no usable ``CURRENT`` (or one
  that names a ``MANIFEST`` that is gone);
* the graph store is missing or empty while the index holds snapshots (the
  graph cannot simply be started afresh under an index that describes data).

:func:`diagnose` lists every such finding (``hankekg doctor`` prints them);
:func:`check_home` raises on the first. The remote SPARQL backend keeps its
graph elsewhere, so only the index side is looked at there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from graph.config import Settings
from graph.errors import RECOVERY_HINT, DamagedHome

#: RocksDB's pointer file names the live ``MANIFEST``; it ends in one newline.
_CURRENT = re.compile(r"MANIFEST-\d+\n?")
HINT = RECOVERY_HINT


@dataclass(frozen=True)
class Finding:
    """One thing wrong with a home, and what to do about it."""

    part: str
    """``graph`` or ``index``."""
    problem: str
    hint: str = HINT

    def line(self) -> str:
        """The one-line message a command prints."""
        return f"{self.part}: {self.problem}; {self.hint}"


def _entries(directory: Path) -> list[str]:
    try:
        return sorted(p.name for p in directory.iterdir())
    except FileNotFoundError:
        return []
    except NotADirectoryError:
        return [directory.name]


def index_holds_data(index: Path) -> bool:
    """Whether the embedded index directory holds a snapshot or a ``CURRENT`` pointer."""
    snapshots = index / "snapshots"
    return (index / "CURRENT").exists() or any(name.isdigit() for name in _entries(snapshots))


def graph_findings(store: Path, index: Path | None) -> list[Finding]:
    """What is wrong with the Oxigraph directory ``store`` (``index``: the local index, if any)."""
    if store.exists() and not store.is_dir():
        return [Finding("graph", f"{store} is not a directory")]
    entries = _entries(store)
    # LOCK and LOG* are written by any open, even a failed one; they hold no data.
    data = [n for n in entries if n != "LOCK" and not n.startswith("LOG")]
    if not data:
        if index is not None and index_holds_data(index):
            return [
                Finding(
                    "graph",
                    f"the graph store {store} is missing or empty, but the index "
                    f"{index} holds data",
                )
            ]
        return []
    if "CURRENT" not in entries:
        return [
            Finding(
                "graph",
                f"the graph store {store} has lost its CURRENT file (opening it would "
                "start an empty database over the old one)",
            )
        ]
    try:
        current = (store / "CURRENT").read_text("ascii")
    except (OSError, UnicodeDecodeError) as exc:
        return [Finding("graph", f"{store / 'CURRENT'} cannot be read ({exc.__class__.__name__})")]
    if not _CURRENT.fullmatch(current):
        return [Finding("graph", f"{store / 'CURRENT'} is corrupt (it names no MANIFEST)")]
    manifest = current.strip()
    if manifest not in entries:
        return [Finding("graph", f"the graph store {store} has lost {manifest}")]
    return []


def diagnose(settings: Settings) -> list[Finding]:
    """Every finding about ``settings.home``, without opening or changing anything."""
    index = settings.index_path if settings.index_backend == "local" else None
    if settings.graph_backend != "oxigraph":
        return []
    return graph_findings(settings.store_path, index)


def check_home(settings: Settings) -> None:
    """Refuse to open a damaged home.

    Raises:
        DamagedHome: the first finding of :func:`diagnose`.
    """
    findings = diagnose(settings)
    if findings:
        raise DamagedHome(findings[0].line())


#: Words in a RocksDB error that say its files are damaged (not a full disk, not a lock).
_DAMAGE = ("corrupt", "no such file", "checksum", "truncated", "bad magic", "missing")


def store_failure(settings: Settings, exc: BaseException) -> DamagedHome | None:
    """The one-line error for a store that opened but whose files fail to read, or
    ``None`` when ``exc`` is not about damaged files."""
    if not isinstance(exc, OSError | RuntimeError):
        return None
    message = str(exc).strip()
    if not any(word in message.lower() for word in _DAMAGE):
        return None
    reason = (message.splitlines() or [type(exc).__name__])[0]
    return DamagedHome(
        f"graph: the graph store {settings.store_path} cannot be read ({reason}); {HINT}"
    )
