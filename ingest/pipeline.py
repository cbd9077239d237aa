"""Ingest as named stages: read, prepare (on any executor), commit (one writer).

:func:`ingest` streams sources to the executor, keeps a bounded window of
documents in flight, takes the results back *in submission order* and commits
them in batches. Order in, order out: chunk ids and the commit sequence are
the same whichever worker finished first, and whether the run was inline, on
a process pool or on a Dask cluster.

A document whose preparation raises, or whose worker dies, costs that
document one line in :attr:`IngestReport.failed`; the run goes on. A process
pool that a dead worker broke is restarted, and the documents that were in
flight on it are retried one at a time, so the one that kills its worker is
found and the others are not blamed.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path

from graph.errors import DocumentError
from ingest.commit import Writer
from ingest.executors import InlineWorkers, Workers
from ingest.prepare import STAGES, Prepared, Preparer, Source, prepare_task
from search.index import DocumentEntry

logger = logging.getLogger(__name__)

SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".json"}

Progress = Callable[[str, int], None]
"""Called as ``progress(stage, n)``: ``prepared`` or ``committed`` advanced by ``n``."""


@dataclass
class IngestReport:
    """What an ingest did, document by document."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    documents: dict[str, str] = field(default_factory=dict)
    """Source path -> document IRI, for every document that is now in."""
    projects: dict[str, list[str]] = field(default_factory=dict)
    """Document IRI -> project IRIs."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Time per stage: the prepare stages summed over workers, ``commit`` and ``wait``
    (the writer waiting for results) on the writer's side."""
    commits: int = 0


def discover(paths: Iterable[Path]) -> list[Path]:
    """Files to ingest under ``paths`` (directories are walked), sorted.

    Raises:
        DocumentError: a path does not exist.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in SUFFIXES
            )
        elif path.exists():
            found.append(path)
        else:
            raise DocumentError(f"{path}: no such file or directory")
    return found


def public_name(path: Path, roots: Iterable[Path]) -> str:
    """How a file given to ingest is named in the graph and every answer.

    Relative to the folder it was found under, with that folder's own name
    (``seeds/hanke.txt`` for ``/srv/data/seeds`` given), or the bare file name
    for a file given by itself: stable across re-ingests of the same folder, and
    no absolute server path ever reaches a response.
    """
    resolved = path.resolve()
    for root in roots:
        top = root.resolve()
        if top.is_dir() and resolved.is_relative_to(top):
            return f"{top.name}/{resolved.relative_to(top).as_posix()}"
    return path.name


def read_sources(
    files: Iterable[Path], max_bytes: int, report: IngestReport, roots: Iterable[Path] = ()
) -> Iterator[Source]:
    """The files' bytes, one at a time; unreadable files go to ``report.failed``.

    With ``roots`` (the paths given to ingest), each source is named by
    :func:`public_name`, never by its absolute path.
    """
    roots = list(roots)
    for path in files:
        try:
            source = Source.read(path, max_bytes)
        except DocumentError as exc:
            report.failed[str(path)] = str(exc)
            continue
        yield replace(source, name=public_name(path, roots)) if roots else source


@dataclass
class _InFlight:
    source: Source
    future: Future[Prepared]
    generation: int
    """Which pool (counting restarts) the task was submitted to."""


class WorkerDied(DocumentError):
    """The process preparing a document died (and did so again when retried alone)."""

    title = "Worker died"


def ingest(
    sources: Iterable[Source],
    preparer: Preparer,
    writer: Writer,
    *,
    lookup: Callable[[str], DocumentEntry | None],
    indexed: Callable[[], int],
    workers: Workers | None = None,
    batch: int = 32,
    progress: Progress | None = None,
    report: IngestReport | None = None,
) -> IngestReport:
    """Prepare ``sources`` on ``workers`` and commit them in order, in batches.

    Args:
        lookup: the committed index entry of a document IRI, to skip unchanged bytes
            before any work is spent on them.
        indexed: how many documents the index holds; a batch is ``batch`` documents
            or a tenth of the index, whichever is more, so that the total written by
            the per-batch snapshot rewrites stays linear in the corpus.
        workers: where prepare runs (inline when ``None``).
    """
    report = report or IngestReport()
    pool = workers or InlineWorkers()
    window: deque[_InFlight] = deque()
    pending: list[Prepared] = []
    # Enough in flight to keep every worker busy while the writer commits. Decided by
    # where prepare runs, not by how many workers there are now: a cluster whose
    # workers are still joining reports one thread, and a window of one would
    # serialise the whole run on it.
    depth = 1 if isinstance(pool, InlineWorkers) else max(2 * batch, 4 * pool.size)
    tick = progress or (lambda _stage, _n: None)

    def flush() -> None:
        if not pending:
            return
        start = time.perf_counter()
        done = writer.commit(pending)
        _add(report.seconds, "commit", time.perf_counter() - start)
        report.commits += 1
        report.added += done.added
        report.replaced += done.replaced
        report.unchanged += done.unchanged
        for prepared in pending:
            report.documents[prepared.path] = prepared.document
            report.projects[prepared.document] = list(prepared.projects)
            if prepared.warnings:
                report.warnings[prepared.path] = list(prepared.warnings)
        tick("committed", len(pending))
        pending.clear()

    generation = 0

    def solo(source: Source) -> Future[Prepared]:
        """Prepare one document alone on a fresh pool; a crash now is its own."""
        nonlocal generation
        done: Future[Prepared] = Future()
        try:
            done.set_result(pool.submit(prepare_task, preparer, source).result())
        except BrokenProcessPool:
            pool.restart()
            generation += 1
            done.set_exception(
                WorkerDied(
                    f"{source.name}: the worker process preparing it died "
                    "(again when it was retried alone)"
                )
            )
        except Exception as exc:  # noqa: BLE001 - delivered like any task's error
            done.set_exception(exc)
        return done

    def settle(item: _InFlight) -> None:
        nonlocal generation
        start = time.perf_counter()
        try:
            try:
                prepared = item.future.result()
            except BrokenProcessPool:
                # Every task on the broken pool failed with it: retry each alone, in
                # order, before new work can share a pool with them.
                logger.warning("a worker process died; retrying its documents one by one")
                pool.restart()
                generation += 1
                again = solo(item.source)
                for other in window:
                    if other.generation < generation:
                        other.future, other.generation = solo(other.source), generation
                prepared = again.result()
        except Exception as exc:  # noqa: BLE001 - one document's failure never ends the run
            report.failed[item.source.name] = _message(item.source.name, exc)
            tick("prepared", 1)
            tick("committed", 1)
            return
        finally:
            _add(report.seconds, "wait", time.perf_counter() - start)
        for stage, seconds in prepared.seconds.items():
            _add(report.seconds, stage, seconds)
        tick("prepared", 1)
        pending.append(prepared)
        if len(pending) >= max(batch, indexed() // 10):
            flush()

    for source in sources:
        iri = preparer.document_iri(source.sha256)
        entry = lookup(iri)
        if entry is not None and entry.sha256 == source.sha256:
            report.unchanged.append(source.name)
            report.documents[source.name] = iri
            report.projects[iri] = list(entry.projects)
            tick("prepared", 1)
            tick("committed", 1)
            continue
        future = pool.submit(_task(pool, preparer), preparer, source)
        window.append(_InFlight(source, future, generation))
        while len(window) >= depth:
            settle(window.popleft())
    while window:
        settle(window.popleft())
    flush()
    return report


def _task(pool: Workers, preparer: Preparer) -> Callable[[Preparer, Source], Prepared]:
    """Inline, the caller's preparer (models already loaded) runs the task itself."""
    if isinstance(pool, InlineWorkers):
        return lambda p, s: p.prepare(s)
    return prepare_task


def _message(name: str, exc: BaseException) -> str:
    """One clear line for a failed document."""
    if isinstance(exc, DocumentError):
        text = str(exc)
        return text if text.startswith(name) else f"{name}: {text}"
    kind = type(exc).__name__
    if kind == "KilledWorker":
        return f"{name}: the Dask workers preparing it died ({exc})"
    return f"{name}: preparing it failed ({kind}: {exc})"


def _add(totals: dict[str, float], key: str, seconds: float) -> None:
    totals[key] = totals.get(key, 0.0) + seconds


__all__ = ["STAGES", "IngestReport", "Progress", "discover", "ingest", "read_sources"]
