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
class Check:
    """Only guard a text (an update, run afterwards by the writer): no store needed."""

    text: str
    update: bool = True


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
        # The engine evaluates exactly the text the guard parsed.
        text = guard.check(job.query)
    except guard.Refused as exc:
        if exc.unparsed:
            _oxigraph_syntax(lambda: store.query(job.query, prefixes=job.prefixes))
        raise QueryRefused(str(exc)) from exc
    kwargs: dict[str, Any] = {"prefixes": job.prefixes}
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
    try:
        result = store.query(text, **kwargs)
    except SyntaxError as exc:
        raise QuerySyntaxError(str(exc)) from exc
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


#: Set in a worker once :func:`deny_network` holds; only then may Oxigraph read a
#: text the guard could not (to give the client Oxigraph's own syntax error).
_NETWORKLESS = False


def _oxigraph_syntax(parse: Any) -> None:
    """Raise Oxigraph's syntax error for a text the guard could not parse, if it has one.

    Runs only in a network-less worker: Oxigraph parses by evaluating (lazily for
    SELECT), and this text has not been checked for SERVICE.

    Raises:
        QuerySyntaxError: Oxigraph does not accept the text either.
    """
    if not _NETWORKLESS:
        return
    try:
        parse()
    except SyntaxError as exc:
        raise QuerySyntaxError(str(exc)) from exc
    except Exception:  # noqa: BLE001, S110 - any other failure: the guard's refusal stands
        pass


def _check_update(job: Check) -> str:
    """Guard an update; where the guard cannot parse it, report Oxigraph's syntax error.

    Raises:
        guard.Refused: SERVICE, LOAD, or a text the guard cannot check.
        QuerySyntaxError: the text is not SPARQL for Oxigraph either.
    """
    try:
        return guard.check(job.text, update=job.update)
    except guard.Refused as exc:
        if exc.unparsed:
            # An empty in-memory store: the update changes nothing anyone reads.
            _oxigraph_syntax(lambda: ox.Store().update(job.text))
        raise


def worker_main(conn: Connection) -> None:
    """Take the network away, then serve jobs from ``conn`` on a deep-stack thread."""
    global _NETWORKLESS
    _NETWORKLESS = deny_network()
    if not _NETWORKLESS:
        logger.warning("SPARQL worker runs with network access: only the guard stops SERVICE")
    sys.setrecursionlimit(WORKER_RECURSION_LIMIT)
    threading.stack_size(WORKER_STACK_BYTES)
    thread = threading.Thread(target=_serve, args=(conn,), name="sparql-worker")
    thread.start()
    thread.join()


def _serve(conn: Connection) -> None:
    """Serve jobs until ``conn`` closes: ``(checkpoint path, Job | Check)`` in, a result out."""
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
            if isinstance(job, Check):
                conn.send(("ok", _check_update(job)))
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

    def check(self, text: str, timeout_s: float, update: bool = True) -> str:
        """Guard ``text`` in a worker; return the normalised text to evaluate.

        Raises:
            QueryRefused: SERVICE, LOAD, or a text the guard cannot parse.
            QuerySyntaxError: the guard and Oxigraph both reject the text.
            QueryKilled, QueryBusy: as for :meth:`run`.
        """
        checked: str = self._call(Check(text, update), None, timeout_s)
        return checked

    def _call(self, job: Job | Check, token: object, timeout_s: float) -> Any:
        worker = self._acquire(time.monotonic() + timeout_s)
        try:
            path = None if isinstance(job, Check) else self._current_checkpoint(token, worker)
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
