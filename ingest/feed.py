"""The change feed: what every commit changed, readable by every replica.

Each write (ingest, the documents API, delete, reindex, SPARQL Update) appends
one :class:`FeedEntry` after it commits: the documents and named graphs it
changed, the subjects whose triples it added or removed (``None`` when that is
not known, e.g. a reindex or an update to a graph that is not a document's),
and the index version it produced. Replicas patch their derived tables
(:mod:`search.derived`) from the entries they have not applied yet, at a cost
proportional to what changed; a gap in the feed (entries pruned while a
replica was down, a crash between the commit and the append) or an entry with
unknown subjects makes them rebuild instead.

The feed lives beside the data every replica shares: on the embedded engines
a JSON-lines file in ``HANKEKG_HOME`` (one process writes it, under the
writer's lock); on PostgreSQL a table in the index database
(``hk_changes``), so replicas on other machines read it. Both keep the last
:data:`KEEP` entries.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from graph.vocab import SCHEMA, SKOS

#: Entries kept; a replica further behind than this rebuilds.
KEEP = 10_000
#: What a write was, for the record (``hankekg`` logs and the tests read it).
KINDS = ("ingest", "delete", "reindex", "update", "recover")


@dataclass(frozen=True)
class FeedEntry:
    """One commit's changes."""

    seq: int
    """Position in the feed: 1, 2, 3, ... with no gaps."""
    kind: str
    version: str | None
    """The index version after the write (a replica's staleness check)."""
    documents: list[str] = field(default_factory=list)
    graphs: list[str] = field(default_factory=list)
    subjects: list[str] | None = None
    """Subjects whose triples changed; ``None``: unknown, derived state is rebuilt."""


class ChangeFeed(Protocol):
    """An append-only, pruned sequence of :class:`FeedEntry`."""

    def append(
        self,
        kind: str,
        version: str | None,
        documents: list[str],
        graphs: list[str],
        subjects: list[str] | None,
    ) -> FeedEntry:
        """Record one write; returns the entry with its sequence number."""
        ...

    def head(self) -> int:
        """The last entry's sequence number (0 for an empty feed)."""
        ...

    def since(self, seq: int) -> list[FeedEntry] | None:
        """Every entry after ``seq``, in order; ``None`` when some were pruned (a gap)."""
        ...

    def tail(self, n: int) -> list[FeedEntry]:
        """The last ``n`` entries kept, in order."""
        ...


class FileFeed:
    """The feed as JSON lines in one file (the embedded engines: one writing process)."""

    def __init__(self, path: Path, keep: int = KEEP) -> None:
        self.path = path
        self.keep = keep
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._head: int | None = None
        # What was read so far, and where: a read parses only the lines added since.
        self._entries: list[FeedEntry] = []
        self._offset = 0
        self._inode: int | None = None

    def _read(self) -> list[FeedEntry]:
        with self._lock:
            try:
                with open(self.path, "rb") as src:
                    stat = os.fstat(src.fileno())
                    if stat.st_ino != self._inode or stat.st_size < self._offset:
                        self._entries, self._offset, self._inode = [], 0, stat.st_ino
                    src.seek(self._offset)
                    data = src.read()
            except FileNotFoundError:
                self._entries, self._offset, self._inode = [], 0, None
                return []
            end = data.rfind(b"\n") + 1  # a line still being written is read next time
            for line in data[:end].splitlines():
                try:
                    self._entries.append(FeedEntry(**json.loads(line)))
                except (ValueError, TypeError):  # a torn line after a crash: a gap
                    break
            self._offset += end
            return list(self._entries)

    def append(
        self,
        kind: str,
        version: str | None,
        documents: list[str],
        graphs: list[str],
        subjects: list[str] | None,
    ) -> FeedEntry:
        """Append one line (rewriting the file, pruned, every :attr:`keep` entries)."""
        with self._write_lock:
            entries = self._read() if self._head is None else None
            head = self._head if self._head is not None else (entries[-1].seq if entries else 0)
            entry = FeedEntry(head + 1, kind, version, documents, graphs, subjects)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            line = json.dumps(asdict(entry), ensure_ascii=False) + "\n"
            if entry.seq % self.keep == 0:
                kept = [*(entries if entries is not None else self._read()), entry][-self.keep :]
                tmp = self.path.with_suffix(".tmp")
                tmp.write_text(
                    "".join(json.dumps(asdict(e), ensure_ascii=False) + "\n" for e in kept),
                    encoding="utf-8",
                )
                os.replace(tmp, self.path)
            else:
                with open(self.path, "a", encoding="utf-8") as out:
                    out.write(line)
            self._head = entry.seq
            return entry

    def head(self) -> int:
        """The last sequence number written."""
        with self._write_lock:
            if self._head is None:
                entries = self._read()
                self._head = entries[-1].seq if entries else 0
            return self._head

    def tail(self, n: int) -> list[FeedEntry]:
        """The last ``n`` entries kept."""
        return self._read()[-n:] if n > 0 else []

    def since(self, seq: int) -> list[FeedEntry] | None:
        """Entries after ``seq``; ``None`` when the oldest kept is later than ``seq + 1``."""
        entries = self._read()
        newer = [e for e in entries if e.seq > seq]
        if any(e.seq != seq + 1 + i for i, e in enumerate(newer)):
            return None  # pruned, or a line lost to a crash
        if not newer and entries and entries[-1].seq < seq:
            return None  # the feed was reset (a new home): what was applied is unknown
        return newer


_TABLE = """CREATE TABLE IF NOT EXISTS hk_changes (
    seq bigserial PRIMARY KEY,
    kind text NOT NULL,
    version text,
    documents jsonb NOT NULL,
    graphs jsonb NOT NULL,
    subjects jsonb,
    at timestamptz NOT NULL DEFAULT now()
)"""


class PostgresFeed:
    """The feed as the ``hk_changes`` table of the index database (server engines)."""

    def __init__(self, pool: Any, keep: int = KEEP) -> None:
        self.pool = pool
        self.keep = keep
        from search.index.postgres import WRITE_LOCK

        # Under the schema's lock: replicas starting together race to create it.
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            conn.execute(_TABLE)

    def append(
        self,
        kind: str,
        version: str | None,
        documents: list[str],
        graphs: list[str],
        subjects: list[str] | None,
    ) -> FeedEntry:
        """Insert one row (and prune rows older than :attr:`keep`)."""
        with self.pool.connection() as conn:
            row = conn.execute(
                "INSERT INTO hk_changes (kind, version, documents, graphs, subjects) "
                "VALUES (%s, %s, %s, %s, %s) RETURNING seq",
                (
                    kind,
                    version,
                    json.dumps(documents),
                    json.dumps(graphs),
                    None if subjects is None else json.dumps(subjects),
                ),
            ).fetchone()
            seq = int(row[0])
            if seq % 1000 == 0:
                conn.execute("DELETE FROM hk_changes WHERE seq <= %s", (seq - self.keep,))
        return FeedEntry(seq, kind, version, documents, graphs, subjects)

    def head(self) -> int:
        """The last sequence number committed."""
        with self.pool.connection() as conn:
            row = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM hk_changes").fetchone()
        return int(row[0])

    def tail(self, n: int) -> list[FeedEntry]:
        """The last ``n`` rows."""
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT seq, kind, version, documents, graphs, subjects FROM hk_changes "
                "ORDER BY seq DESC LIMIT %s",
                (n,),
            ).fetchall()
        return [FeedEntry(int(s), k, v, list(d), list(g), s2) for s, k, v, d, g, s2 in rows][::-1]

    def since(self, seq: int) -> list[FeedEntry] | None:
        """Rows after ``seq``. A sequence number a rolled-back insert used is a hole,
        which reads as a gap: the replica rebuilds, which is always correct."""
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT seq, kind, version, documents, graphs, subjects FROM hk_changes "
                "WHERE seq > %s ORDER BY seq",
                (seq,),
            ).fetchall()
            if not rows:
                head = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM hk_changes").fetchone()
                return None if int(head[0]) < seq else []
        entries = [FeedEntry(int(s), k, v, list(d), list(g), s2) for s, k, v, d, g, s2 in rows]
        expected = seq + 1
        for entry in entries:
            if entry.seq != expected:
                return None
            expected += 1
        return entries


def feed_for(index: object, home: Path) -> ChangeFeed:
    """The feed beside ``index``: its database's table on PostgreSQL, else a file in ``home``."""
    pool = getattr(index, "pool", None)
    if pool is not None:
        return PostgresFeed(pool)
    return FileFeed(home / "feed" / "changes.jsonl")


#: Predicates whose triples shape every project's derived values (the place and theme
#: hierarchies), not only their subject's: a change to one rebuilds the derived tables.
HIERARCHY = tuple(
    str(p) for p in (SCHEMA.containedInPlace, SCHEMA.containsPlace, SKOS.narrower, SKOS.broader)
)


def stored_subjects(store: Any, graphs: list[str]) -> set[str] | None:
    """Subjects of the named ``graphs`` as the store holds them now (one query);
    ``None`` when one of their triples is a hierarchy triple."""
    from graph.views.projects import values_clause

    if not graphs:
        return set()
    hierarchy = ", ".join(f"<{p}>" for p in HIERARCHY)
    rows = store.select_text(
        f"SELECT DISTINCT ?s ?h WHERE {{ VALUES ?g {{ {values_clause(graphs)} }} "
        f"GRAPH ?g {{ ?s ?p ?o }} BIND(?p IN ({hierarchy}) AS ?h) }}"
    )
    out: set[str] = set()
    for subject, flag in rows:
        if flag == "true":
            return None
        if subject is not None:
            out.add(subject)
    return out


def graph_subjects(graphs: Any) -> set[str] | None:
    """Subjects of in-memory rdflib graphs (``{name: Graph}``); ``None`` as above."""
    hierarchy = set(HIERARCHY)
    out: set[str] = set()
    for graph in graphs.values():
        for s, p, _o in graph:
            if str(p) in hierarchy:
                return None
            out.add(str(s))
    return out
