"""The single writer: the only stage of ingest that writes the graph and the index.

:meth:`Writer.commit` takes a batch of :class:`~ingest.prepare.Prepared`
documents, in order, and under one lock opens an index writer
(:mod:`search.index`, whichever engine is configured), allocates chunk ids in
batch order (so ids never depend on which worker finished first), and commits:
the index engine prepares its change, the documents' named graphs are
replaced in one store write, and the index change becomes visible. A crash in
between is settled by the index engine's recovery on the next open, so every
document is fully in, or fully out, of the graph, the vectors and the lexical
index alike.

Deletes, SPARQL updates and rebuilds take the same lock, so there is one
write path.

A failed write (disk full, an I/O error) is not sticky; a full disk is raised
as :class:`~graph.errors.StorageFull` (507 "storage full" over HTTP, whether
RocksDB or FAISS noticed it). The index engine
drops what it staged; the writer then reopens the store (RocksDB refuses
every write after a background error until it is reopened), settles graph
and index before the next write, and reports itself degraded until a write
succeeds again.
"""

from __future__ import annotations

import errno
import logging
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from graph.errors import StorageFull
from graph.store import GraphStore
from graph.vocab import PROV
from ingest.feed import ChangeFeed, graph_subjects, stored_subjects
from ingest.prepare import Prepared
from ingest.settle import settle_dates
from search.index import Chunk, DocumentEntry, EncoderIdentity, Index, IndexWriter

logger = logging.getLogger(__name__)

Rebuild = Callable[[set[str] | None], object]
"""Re-indexes documents from the graph: ``None`` all of them, else the IRIs given."""


@dataclass
class Committed:
    """What one commit did."""

    added: list[str] = field(default_factory=list)
    """Paths of documents new to the index."""
    replaced: list[str] = field(default_factory=list)
    """Paths whose earlier version (under the same path) was replaced."""
    unchanged: list[str] = field(default_factory=list)
    """Paths whose bytes were already in (another writer got there first)."""


@dataclass
class BulkLoaded:
    """What :meth:`Writer.bulk_load` did, and where its time went."""

    documents: int = 0
    quads: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class Change:
    """What a write changes: its report, the graphs it drops and those it (re)writes."""

    committed: Committed
    drop: list[URIRef] = field(default_factory=list)
    graphs: dict[URIRef, Graph] = field(default_factory=dict)


class Writer:
    """Commits prepared documents to one graph store and one index, a batch at a time."""

    def __init__(
        self,
        store: GraphStore,
        index: Index,
        encoder: Callable[[], EncoderIdentity],
        rebuild: Rebuild | None = None,
    ) -> None:
        self.store = store
        self.index = index
        self._encoder = encoder
        self._rebuild = rebuild
        #: Held by every write (re-entrant: healing a failed write re-indexes under it).
        self.lock = threading.RLock()
        self._reopen_store = False
        self.degraded: str | None = None
        """Why the last write failed, while writes fail; ``None`` when writes work."""
        self.feed: ChangeFeed | None = None
        """Where each commit's changes are recorded (:mod:`ingest.feed`); set by the owner."""

    # -- writing -------------------------------------------------------------------

    def commit(self, batch: Sequence[Prepared], *, now: datetime | None = None) -> Committed:
        """Write ``batch`` (in its order) to the graph and the index, atomically."""

        def apply(writer: IndexWriter) -> Change:
            change = _apply(writer, batch, now)
            # Two pages about one project: one start, one end and one status in the union.
            settle_dates(self.store, change)
            return change

        with self.lock:
            done = self.write(apply, kind="ingest")
        return done or Committed()

    def bulk_load(self, batch: Iterable[Prepared], *, now: datetime | None = None) -> BulkLoaded:
        """Load many prepared documents into an *empty* home in one commit: the index
        through one fresh index writer, the graph through the store's bulk loader
        (N-Quads spooled to a temporary file), not one rdflib graph per document.

        For building large states (``bench/bulk.py``) and first loads of a register
        export: each ``Prepared.ntriples`` must be plain N-Triples lines (one triple a
        line, as ``rdflib`` or :func:`graph.build.ntriples` write them). Recorded in
        the change feed as a ``reindex`` (replicas rebuild their derived tables).

        Raises:
            ValueError: the home already holds documents (use :meth:`commit`).
        """
        when = Literal((now or datetime.now(UTC)).isoformat(), datatype=XSD.dateTime)
        stamp = f"<{PROV.generatedAtTime}> {when.n3()}"
        loaded = BulkLoaded()
        with self.lock, tempfile.TemporaryFile() as quads:
            self.ensure_writable()
            if self.store.documents() or self.index.version() is not None:
                raise ValueError("bulk_load needs an empty home; use commit() to add documents")
            writer = self.index.writer(self._encoder(), fresh=True)
            try:
                started = time.perf_counter()
                for prepared in batch:
                    graph = f"<{prepared.document}>"
                    lines = [
                        line[:-1] + graph + " .\n"
                        for line in prepared.ntriples.splitlines()
                        if line.endswith(".")
                    ]
                    lines.append(f"{graph} {stamp} {graph} .\n")
                    quads.write("".join(lines).encode("utf-8"))
                    loaded.quads += len(lines)
                    add_prepared(writer, prepared)
                    loaded.documents += 1
                loaded.seconds["index_add"] = time.perf_counter() - started

                def store_write() -> None:
                    started = time.perf_counter()
                    quads.seek(0)
                    self.store.bulk_load(quads, "nquads")
                    loaded.seconds["graph_load"] = time.perf_counter() - started

                started = time.perf_counter()
                writer.commit(store_write)
                loaded.seconds["commit"] = time.perf_counter() - started
            finally:
                writer.close()
            self.record("reindex", [], [], None)
        return loaded

    def delete(self, document: str) -> bool:
        """Remove one document's graph, vectors and lexical entries; ``False`` if absent."""

        def remove(writer: IndexWriter) -> Change | None:
            if document not in writer.documents():
                return None
            writer.remove_document(document)
            change = Change(Committed(), drop=[URIRef(document)])
            # The page may have held its project's winning dates: the others come back.
            settle_dates(self.store, change)
            return change

        with self.lock:
            return self.write(remove, kind="delete") is not None

    def write(
        self,
        change: Callable[[IndexWriter], Change | None],
        *,
        fresh: bool = False,
        kind: str | None = "reindex",
    ) -> Committed | None:
        """Open an index writer, apply ``change``, and commit it with its graph write;
        then record it in the change feed as ``kind`` (``None``: the caller records it).

        ``fresh`` starts from an empty index (a rebuild). Returns ``None`` when
        ``change`` had nothing to do.
        """
        with self.lock:
            self.ensure_writable()
            writer = self.index.writer(self._encoder(), fresh=fresh)
            in_store = False
            subjects: set[str] | None = None
            try:
                outcome = change(writer)
                if outcome is None:
                    return None
                names = [str(g) for g in [*outcome.drop, *outcome.graphs]]
                if kind not in (None, "reindex") and self.feed is not None:
                    # What the graph held before the write, and what it will hold.
                    before = stored_subjects(self.store, names)
                    after = graph_subjects(outcome.graphs)
                    subjects = None if before is None or after is None else before | after
                graphs = (outcome.drop, outcome.graphs)

                def store_write() -> None:
                    nonlocal in_store
                    in_store = True  # a failure from here on may be the store's
                    self.store.replace_graphs(*graphs)
                    in_store = False

                writer.commit(store_write if outcome.drop or outcome.graphs else None)
            except (OSError, RuntimeError) as exc:
                # FAISS reports a full disk as a RuntimeError, RocksDB as an OSError
                full = storage_full(exc)
                if full is None and not isinstance(exc, OSError):
                    raise
                self._failed(exc)
                # only a failed store write needs the store reopened (RocksDB refuses
                # writes after one); a failed index write leaves the store as it was
                self._reopen_store = in_store
                if full is not None:
                    raise full from exc
                raise
            finally:
                writer.close()
            self.degraded = None
            if kind is not None:
                self.record(kind, names, names, subjects)
            return outcome.committed

    def record(
        self, kind: str, documents: list[str], graphs: list[str], subjects: set[str] | None
    ) -> None:
        """Append one entry to the change feed (after the commit). A failure is
        logged, not raised: the write is in, and replicas that miss the entry
        see a version the feed does not explain, and rebuild."""
        if self.feed is None:
            return
        try:
            self.feed.append(
                kind,
                self.index.version(),
                sorted(documents),
                sorted(graphs),
                None if subjects is None else sorted(subjects),
            )
        except Exception:
            logger.exception("could not record a %s in the change feed", kind)

    # -- faults and recovery ---------------------------------------------------------

    def _failed(self, exc: OSError | RuntimeError) -> None:
        """Remember that writes fail, and why (``/healthz`` reports it)."""
        logger.error("write failed: %s", exc)
        self.degraded = f"the last write failed: {exc}"

    def ensure_writable(self) -> None:
        """Before a write (the caller holds :attr:`lock`): if the last write failed,
        reopen the store and settle graph and index first.

        Raises:
            OSError: the store still cannot be written (the writer stays degraded).
        """
        if self.degraded is not None:
            self._heal()

    def _heal(self) -> None:
        logger.warning("%s; reopening the store before writing again", self.degraded)
        reopen = getattr(self.store, "reopen", None) if self._reopen_store else None
        try:
            if reopen is not None:
                reopen()
                self._reopen_store = False
            self.recover()
        except OSError as exc:
            self._failed(exc)
            full = storage_full(exc)
            if full is not None and full is not exc:
                raise full from exc
            raise

    def recover(self) -> None:
        """Settle a crash (or a failed write) between the graph and the index commit:
        the index engine keeps what matches the graph, and what it lacks is
        re-indexed from the graph."""
        with self.lock:
            in_graph = self.store.documents()
            # An index that never committed is new (a replica joining a shared graph,
            # a new home, a deleted index): building it is the expected path.
            fresh = self.index.version() is None
            missing = self.index.recover(in_graph)
            if missing is None and fresh:
                logger.info(
                    "the index is empty and the graph holds %d documents (a new replica or a "
                    "new index): building the index from the graph",
                    len(in_graph),
                )
            elif missing is None:
                logger.error("graph and index disagree; rebuilding the index from the graph")
            elif missing:
                logger.warning("recovering: indexing %d documents from the graph", len(missing))
            else:
                return
            if self._rebuild is None:
                raise RuntimeError("graph and index disagree and no rebuild was configured")
            self._rebuild(missing)


#: errno values of a full disk, a full quota and a file past its size limit.
_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_FULL_WORDS = ("no space left", "disk quota", "file too large")


def storage_full(exc: BaseException) -> StorageFull | None:
    """``exc`` as a :class:`StorageFull` (a 507) when it says the disk is full, else ``None``."""
    if isinstance(exc, StorageFull):
        return exc
    message = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if getattr(exc, "errno", None) in _FULL_ERRNOS or any(
        word in message.lower() for word in _FULL_WORDS
    ):
        return StorageFull(f"storage full: the write was not made ({message})")
    return None


def _apply(writer: IndexWriter, batch: Sequence[Prepared], now: datetime | None) -> Change:
    """Add ``batch`` to ``writer`` in order; returns what changes in the graph."""
    when = Literal((now or datetime.now(UTC)).isoformat(), datatype=XSD.dateTime)
    change = Change(Committed())
    report = change.committed
    known = writer.documents()
    by_path = {e.path: iri for iri, e in known.items()}
    for prepared in batch:
        entry = known.get(prepared.document)
        if entry is not None and entry.sha256 == prepared.sha256:
            report.unchanged.append(prepared.path)
            continue
        old = by_path.get(prepared.path)
        if old is not None and old != prepared.document:
            writer.remove_document(old)
            change.drop.append(URIRef(old))
            report.replaced.append(prepared.path)
        else:
            report.added.append(prepared.path)
        iri = URIRef(prepared.document)
        graph = Graph()
        graph.parse(data=prepared.ntriples, format="nt")
        graph.add((iri, PROV.generatedAtTime, when))
        change.graphs[iri] = graph
        add_prepared(writer, prepared)
        by_path[prepared.path] = prepared.document
    return change


def add_prepared(
    writer: IndexWriter, prepared: Prepared, projects: list[str] | None = None
) -> None:
    """Give ``prepared``'s chunks their ids and add them, with its vectors, to ``writer``."""
    projects = list(prepared.projects) if projects is None else projects
    ids = writer.allocate_ids(len(prepared.chunks))
    main = projects[0] if projects else None
    chunks = [
        Chunk(cid, prepared.document, main, c.start, c.end, prepared.language, c.field, c.text)
        for cid, c in zip(ids, prepared.chunks, strict=True)
    ]
    entry = DocumentEntry(
        sha256=prepared.sha256,
        path=prepared.path,
        chunk_ids=[],
        projects=projects,
        title=prepared.title,
        language=prepared.language,
    )
    writer.add_document(prepared.document, entry, chunks, prepared.vectors)
