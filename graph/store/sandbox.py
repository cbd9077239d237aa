"""Running untrusted SPARQL queries with a hard time and memory limit.

pyoxigraph has no query timeout, and many queries compute everything before
the first row appears (``COUNT``, ``ORDER BY``, ``GROUP BY``): a thread cannot
be stopped while it is inside Oxigraph. So queries run in worker *processes*,
which can be killed:

* The store is checkpointed with ``Store.backup`` into ``$HOME/sparql-snapshots``
  (RocksDB hard links, so it is cheap) and each worker opens the checkpoint with
  ``Store.read_only``. Opening the live store read-only while this process writes
  it is undefined behaviour in RocksDB; a checkpoint is immutable and safe.
* A new checkpoint is taken when the data changed: the caller passes a token
  (the committed index snapshot name plus an update counter) and a changed
  token means a new checkpoint before the next query.
* The parent waits on the worker's pipe with a deadline and watches its
  resident memory; past either limit it kills the worker, answers
  ``QueryTimeout`` and starts a fresh worker on the next query.

The cost: one process per concurrent query (lazily started, reused), a pickle
round trip per query, and a checkpoint after every write. The gain: a runaway
query really stops, and the server's own threads never run it.

The workers are also where the SERVICE/LOAD guard (:mod:`graph.store.guard`)
parses the text, under the same limits and with a deep stack, and they run
without network: :func:`graph.store.netguard.deny_network` takes IP sockets
away from the process before it reads its first job, so a SERVICE clause the
guard missed still cannot connect anywhere.

This is the embedded store's :class:`~graph.store.base.QueryRunner`; the
remote store's runner is an HTTP request with a timeout.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing as mp
import os
import queue
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from graph.store import guard
from graph.store import results as sr
from graph.store.base import (
    Job,
    Outcome,
    QueryBusy,
    QueryKilled,
    QueryNotAcceptable,
    QueryRefused,
    QuerySyntaxError,
    SandboxError,
)
from graph.store.byte_cap import ByteBudget, fit
from graph.store.netguard import deny_network

logger = logging.getLogger(__name__)

#: Resident memory a query worker may use before it is killed.
MAX_WORKER_RSS_BYTES = 2 * 1024**3
#: How often the parent looks at a running worker.
POLL_S = 0.05
#: How long a fresh worker may take to start (not counted against the query's limit).
STARTUP_S = 60.0
#: The guard's parser recurses per triple pattern; the worker's job thread gets
#: a deep Python stack for it (the OS stack grows lazily, so it costs only what is used).
WORKER_STACK_BYTES = 512 * 1024**2
WORKER_RECURSION_LIMIT = 200_000

GRAPH_FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/trig": ox.RdfFormat.TRIG,
}


@dataclass(frozen=True)
class Prepare:
    """Guard and plan an update; with ``trial``, also apply the plan to that copy of
    the store (a checkpoint of its own, deleted afterwards) under the time limit."""

    text: str
    base: str | None = None
    trial: str | None = None


def json_term(term: Any) -> sr.Term:
    """The SPARQL JSON results form of a pyoxigraph term."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != sr.XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": json_term(term.subject),
                "predicate": json_term(term.predicate),
                "object": json_term(term.object),
            },
        }
    raise TypeError(f"unexpected term {term!r}")


def evaluate(store: ox.Store, job: Job) -> Outcome:
    """Run ``job`` on ``store`` and serialise at most ``job.max_rows`` rows.

    Raises:
        QueryRefused: the guard refused the query (SERVICE, or it cannot parse it).
        QuerySyntaxError: the query does not parse.
        QueryNotAcceptable: the client accepts no format for this query form.
    """
    try:
        # The engine evaluates exactly the text the guard checked; a text the
        # guard cannot parse never reaches the engine.
        text = guard.check(job.query)
    except guard.Refused as exc:
        raise QueryRefused(str(exc)) from exc
    kwargs: dict[str, Any] = {"prefixes": job.prefixes, "base_iri": job.base}
    if job.default_graphs or job.named_graphs:
        # SPARQL 1.1 Protocol 2.1.4: a dataset given in the request is exactly that
        # dataset, so only named-graph-uri means an empty default graph (as FROM
        # NAMED alone does), and only default-graph-uri means no named graphs.
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    if job.similarity is not None and "similarity" in text:
        # Loaded only in a worker that meets the function (models and vectors are big).
        from graph.store.oxigraph import wrap_function
        from search.similarity import FUNCTION, from_snapshot

        similarity = wrap_function(from_snapshot(*job.similarity))
        kwargs["custom_functions"] = {ox.NamedNode(FUNCTION): similarity}
    functions: dict[Any, Any] = kwargs.setdefault("custom_functions", {})
    while True:
        try:
            return _answer(job, store.query(text, **kwargs))
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        except RuntimeError as exc:
            # SPARQL 1.1 §17.6: a call of an extension function the engine does not
            # implement is an error of that expression (so, e.g., its BIND leaves the
            # variable unbound), not of the query; Oxigraph fails the whole query, so
            # the function is declared as one that always errs, and the query rerun.
            iri = _unknown_function_iri(exc)
            if iri is None or ox.NamedNode(iri) in functions:
                raise
            functions[ox.NamedNode(iri)] = _always_errs


def _always_errs(*_: Any) -> None:
    """An extension function this endpoint does not have: an expression error (unbound)."""
    return None


_UNKNOWN_FUNCTION = re.compile(r"custom function <([^>]*)> is not supported")


def _unknown_function_iri(exc: Exception) -> str | None:
    match = _UNKNOWN_FUNCTION.search(str(exc))
    return match.group(1) if match else None


def unknown_function(exc: Exception) -> str | None:
    """The client's error when ``exc`` is Oxigraph meeting, in an update, a function it
    does not know: an update is all or nothing, so it is the client's 400."""
    iri = _unknown_function_iri(exc)
    if iri is None:
        return None
    return f"<{iri}> is no function of this endpoint (SPARQL 1.1 §17.6): the update was not applied"


def _answer(job: Job, result: Any) -> Outcome:
    """Serialise at most ``job.max_rows`` rows of ``result`` (solutions are lazy)."""
    if isinstance(result, ox.QueryBoolean):
        if job.select_media is None:
            raise QueryNotAcceptable("ASK results")
        body = sr.ask_bytes(job.select_media, bool(result))
        return Outcome(body, job.select_media, "ask", 1, False)
    if isinstance(result, ox.QuerySolutions):
        if job.select_media is None:
            raise QueryNotAcceptable("SELECT results")
        variables = [v.value for v in result.variables]
        rows: list[list[Any]] = []
        truncated = False
        budget = ByteBudget(job.max_bytes)
        for solution in result:
            if len(rows) >= job.max_rows:
                truncated = True
                break
            row = [None if solution[v] is None else json_term(solution[v]) for v in variables]
            if not budget.take(row):  # the byte cap (graph/store/byte_cap.py)
                truncated = True
                break
            rows.append(row)
        media = job.select_media
        body, n = fit(lambda r: sr.select_bytes(media, variables, r), rows, job.max_bytes)
        return Outcome(body, media, "select", n, truncated or n < len(rows))
    if job.graph_media is None:
        raise QueryNotAcceptable("CONSTRUCT/DESCRIBE results")
    triples: list[Any] = []
    truncated = False
    budget = ByteBudget(job.max_bytes)
    for triple in result:
        if len(triples) >= job.max_rows or not budget.take(str(triple)):
            truncated = True
            break
        triples.append(triple)
    fmt = GRAPH_FORMATS[job.graph_media]

    def serialise(part: Sequence[Any]) -> bytes:
        items: list[Any] = list(part)
        if fmt == ox.RdfFormat.TRIG:
            items = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in part]
        return ox.serialize(items, format=fmt) or b""

    body, n = fit(serialise, triples, job.max_bytes)
    return Outcome(body, job.graph_media, "graph", n, truncated or n < len(triples))


def _prepare(job: Prepare) -> str:
    """Guard and plan an update, and try the plan on the trial copy (see :class:`Prepare`).

    Raises:
        guard.Refused: SERVICE, LOAD, or a text the guard cannot parse.
        QueryRefused: the planner refused it, or the engine failed on the trial.
        QuerySyntaxError: the engine did not accept the plan.
    """
    from graph.errors import QueryError
    from graph.store import updates

    text = guard.check(job.text, update=True)
    try:
        plan = updates.plan(text, union=None, base=job.base)
    except QueryError as exc:
        raise QueryRefused(str(exc)) from None
    if not plan or job.trial is None:
        return plan
    trial = ox.Store(job.trial)
    try:
        trial.update(plan)
    except SyntaxError as exc:
        raise QuerySyntaxError(str(exc)) from None
    except (OSError, RuntimeError) as exc:
        reason = unknown_function(exc) or f"SPARQL update failed, nothing changed: {exc}"
        raise QueryRefused(reason) from None
    finally:
        del trial
    return plan


def worker_main(conn: Connection) -> None:
    """Take the network away, then serve jobs from ``conn`` on a deep-stack thread."""
    if not deny_network():
        logger.warning("SPARQL worker runs with network access: only the guard stops SERVICE")
    sys.setrecursionlimit(WORKER_RECURSION_LIMIT)
    threading.stack_size(WORKER_STACK_BYTES)
    thread = threading.Thread(target=_serve, args=(conn,), name="sparql-worker")
    thread.start()
    thread.join()


def _serve(conn: Connection) -> None:
    """Serve jobs until ``conn`` closes: ``(checkpoint path, Job | Prepare)`` in, a result out."""
    opened: tuple[str, ox.Store] | None = None
    # Build the guard's grammar before saying ready: the first query's clock starts after.
    guard.warm()
    conn.send(("ready", None))
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        path, job = message
        try:
            if isinstance(job, Prepare):
                conn.send(("ok", _prepare(job)))
                continue
            if opened is None or opened[0] != path:
                opened = None  # release the old checkpoint before opening the next
                opened = (path, ox.Store.read_only(path))
            conn.send(("ok", evaluate(opened[1], job)))
        except guard.Refused as exc:
            conn.send(("QueryRefused", str(exc)))
        except SandboxError as exc:
            conn.send((type(exc).__name__, str(exc)))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which logs it
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _rss_bytes(pid: int) -> int:
    """Resident set size of ``pid`` (0 when unknown)."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class _Worker:
    """One spawned worker process and our end of its pipe."""

    def __init__(self, context: Any) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=worker_main, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.holds: str | None = None
        self.ready = False

    def wait_ready(self) -> None:
        """Wait for the worker's first message, once.

        Raises:
            QueryKilled: the worker did not start.
        """
        if self.ready:
            return
        if not self.conn.poll(STARTUP_S):
            raise QueryKilled("the query worker did not start")
        try:
            status, _ = self.conn.recv()
        except (EOFError, OSError):
            # The pipe closed: the process died before it was ready (poll() is also
            # true at end of file). Say how, for the log; the caller replaces it.
            self.process.join(timeout=5)
            code = self.process.exitcode
            logger.warning("a SPARQL query worker exited before it was ready (exit code %s)", code)
            raise QueryKilled("the query worker exited before it was ready") from None
        if status != "ready":
            raise QueryKilled("the query worker did not start")
        self.ready = True

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.join(timeout=5)
        with contextlib.suppress(Exception):
            self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.send(None)
            self.process.join(timeout=2)
        if self.process.is_alive():
            self.kill()
        with contextlib.suppress(Exception):
            self.conn.close()


class QuerySandbox:
    """A pool of killable query workers over checkpoints of one on-disk store."""

    def __init__(self, store: ox.Store, directory: Path, size: int) -> None:
        self.store = store
        self.size = max(1, size)
        self._context = mp.get_context("spawn")
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._workers: set[_Worker] = set()
        self._lock = threading.Lock()
        self._token: object = None
        self._checkpoint: str | None = None
        self._serial = itertools.count()
        self._updates = 0
        # Several apps may share a home (tests, a UI one-off): each sandbox gets its
        # own folder, named by pid so leftovers of dead processes can be removed.
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*-*"):
            pid = stale.name.split("-", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(stale, ignore_errors=True)
        self.directory = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=directory))

    def invalidate(self) -> None:
        """Note that the store changed outside an index commit (a SPARQL update)."""
        with self._lock:
            self._updates += 1

    @property
    def updates(self) -> int:
        """How many times :meth:`invalidate` was called."""
        return self._updates

    def _current_checkpoint(self, token: object, worker: _Worker) -> str:
        with self._lock:
            token = (token, self._updates)
            if self._checkpoint is None or token != self._token:
                target = self.directory / f"checkpoint-{next(self._serial)}"
                started = time.perf_counter()
                self.store.flush()
                self.store.backup(str(target))
                logger.info(
                    "SPARQL checkpoint %s in %.3f s", target.name, time.perf_counter() - started
                )
                self._checkpoint, self._token = str(target), token
            # Marked under the lock, so no collection can delete it before the worker opens it.
            worker.holds = self._checkpoint
            self._collect()
            return self._checkpoint

    def _collect(self) -> None:
        """Delete checkpoints that are neither current nor open in a worker."""
        held = {w.holds for w in self._workers} | {self._checkpoint}
        for path in self.directory.glob("checkpoint-*"):
            if str(path) not in held:
                shutil.rmtree(path, ignore_errors=True)

    def _acquire(self, deadline: float) -> _Worker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if len(self._workers) < self.size:
                worker = _Worker(self._context)
                self._workers.add(worker)
                return worker
        try:
            return self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise QueryBusy("every query worker is busy") from None

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._workers.discard(worker)
            self._collect()

    def run(self, job: Job, token: object, timeout_s: float) -> Outcome:
        """Guard and run ``job`` against the data as of ``token``, within ``timeout_s``.

        Raises:
            QueryRefused: the guard refused it.
            QueryKilled: past the time or memory limit.
            QueryBusy: no worker became free in time.
            QuerySyntaxError, QueryNotAcceptable: reported by the worker.
        """
        outcome: Outcome = self._call(job, token, timeout_s)
        return outcome

    def prepare_update(self, text: str, timeout_s: float, base: str | None = None) -> str:
        """Guard and plan ``text`` in a worker and try the plan there on a fresh copy
        of the store, all within ``timeout_s``; return the plan for the writer.

        The copy is a checkpoint of its own (hard links: cheap), opened writable
        by the worker and deleted afterwards. An update past the limit is killed
        there, so it never reaches the live store or holds the writer's lock;
        one within it runs on the live store about as long as it did here.

        Raises:
            QueryRefused: SERVICE, LOAD, a refused or failing update, or a text
                the guard cannot parse (the message says why).
            QuerySyntaxError: the engine did not accept the plan.
            QueryKilled, QueryBusy: as for :meth:`run`.
        """
        with self._lock:
            trial = self.directory / f"trial-{next(self._serial)}"
            self.store.flush()
            self.store.backup(str(trial))
        try:
            plan: str = self._call(Prepare(text, base, str(trial)), None, timeout_s)
        finally:
            shutil.rmtree(trial, ignore_errors=True)
        return plan

    def _call(self, job: Job | Prepare, token: object, timeout_s: float) -> Any:
        worker = self._acquire(time.monotonic() + timeout_s)
        try:
            path = None if isinstance(job, Prepare) else self._current_checkpoint(token, worker)
        except BaseException:
            self._idle.put(worker)
            raise
        try:
            worker.wait_ready()
            # The limit counts query time only: not the worker start or the checkpoint.
            deadline = time.monotonic() + timeout_s
            worker.conn.send((path, job))
            while not worker.conn.poll(POLL_S):
                if time.monotonic() > deadline:
                    raise QueryKilled(f"the query ran past the {timeout_s:g} s limit")
                if _rss_bytes(worker.process.pid) > MAX_WORKER_RSS_BYTES:
                    raise QueryKilled("the query used more memory than allowed")
                if not worker.process.is_alive():
                    raise QueryKilled("the query worker died")
            status, payload = worker.conn.recv()
        except (QueryKilled, EOFError, OSError) as exc:
            self._discard(worker)
            if isinstance(exc, QueryKilled):
                raise
            raise QueryKilled("the query worker died") from exc
        except BaseException:
            self._discard(worker)
            raise
        self._idle.put(worker)
        if status == "ok":
            return payload
        errors: dict[str, type[SandboxError]] = {
            "QueryRefused": QueryRefused,
            "QuerySyntaxError": QuerySyntaxError,
            "QueryNotAcceptable": QueryNotAcceptable,
        }
        if status in errors:
            raise errors[status](payload)
        raise RuntimeError(payload)

    def prestart(self) -> None:
        """Start every worker now, so no query waits for one to start.

        A worker's start (Python, pyoxigraph, the guard's grammar) takes seconds
        on a busy machine; started lazily, the second concurrent query would pay
        it. They start in parallel and this waits until all are ready (the app's
        startup, not a query, pays for it).
        """
        started = []
        with self._lock:
            while len(self._workers) < self.size:
                worker = _Worker(self._context)
                self._workers.add(worker)
                started.append(worker)
        for worker in started:
            try:
                worker.wait_ready()
            except QueryKilled:
                self._discard(worker)
                continue
            self._idle.put(worker)

    def close(self) -> None:
        """Stop every worker and delete the checkpoints."""
        with self._lock:
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            worker.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
