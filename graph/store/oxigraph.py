"""The embedded, persistent store: Oxigraph (RocksDB) through pyoxigraph.

Queries and writes go straight to pyoxigraph, which is where the speed is, and
every write is one transaction. Rows are converted to rdflib terms at the edge
(:func:`to_rdflib`), so no pyoxigraph object leaves this package.

Each document is a named graph, and the default graph is kept as the set union
of all named graphs, written in the same transaction. Oxigraph's own
"default graph as union" mode returns a triple once per graph that holds it,
so counts and plain SELECTs would double facts that two documents share.
"""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from graph.errors import RECOVERY_HINT, DamagedHome, NotFound, QueryError
from graph.store import updates
from graph.store.base import (
    DEFAULT_GRAPH,
    Job,
    Outcome,
    QuerySyntaxError,
    Row,
    SparqlFunction,
    check_export_format,
)
from graph.store.terms import exact_graph, ox_term
from graph.vocab import HK, PREFIXES, PROV, RDF

logger = logging.getLogger(__name__)

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: Quads per ``extend`` call in a bulk load.
BULK_BATCH = 100_000

DUMP_FORMATS: dict[str, ox.RdfFormat] = {
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
    "turtle": ox.RdfFormat.TURTLE,
    "jsonld": ox.RdfFormat.JSON_LD,
}
LOAD_FORMATS: dict[str, ox.RdfFormat] = {
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
}
_DATATYPES: dict[str, URIRef] = {}


def to_rdflib(term: Any) -> Node | None:
    """An rdflib term for a pyoxigraph term (``None`` stays ``None``)."""
    if term is None:
        return None
    kind = type(term)
    if kind is ox.NamedNode:
        return URIRef(term.value)
    if kind is ox.Literal:
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return Literal(term.value)
        dt = _DATATYPES.get(datatype)
        if dt is None:
            dt = _DATATYPES.setdefault(datatype, URIRef(datatype))
        return Literal(term.value, datatype=dt)
    if kind is ox.BlankNode:
        return BNode(term.value)
    # RDF-star quoted triples have no rdflib term: their N-Triples form as a literal.
    return Literal(str(term))


def to_oxigraph(term: Node | None) -> Any:
    """A pyoxigraph term for an rdflib term (``None`` stays ``None``)."""
    return None if term is None else ox_term(term)


def wrap_function(function: SparqlFunction) -> Any:
    """A pyoxigraph custom function around one over rdflib terms."""

    def call(*args: Any) -> Any:
        return to_oxigraph(function(*(to_rdflib(a) for a in args)))

    return call


def _open(path: Path) -> Any:
    """Open the store at ``path``; a refusal other than the lock is one line.

    Raises:
        OSError: another process holds the store's lock (callers name it).
        DamagedHome: RocksDB refused the files (corrupt, missing parts).
    """
    try:
        return ox.Store(str(path))
    except (OSError, RuntimeError) as exc:
        if "lock" in str(exc).lower():
            raise
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        failure = DamagedHome(
            f"graph: the graph store {path} cannot be opened ({reason}); {RECOVERY_HINT}"
        )
    # Raised outside the handler: the chained RocksDB error adds nothing to the one line.
    raise failure


def _prefixed(graph: Graph) -> Graph:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


class OxigraphStore:
    """Oxigraph on disk (or in memory when ``path`` is ``None``)."""

    backend = "oxigraph"

    def __init__(self, path: Path | None) -> None:
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)
        self._store = _open(path) if path is not None else ox.Store()
        self.path = path
        self._prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
        self._ensure_union()

    # -- reads -------------------------------------------------------------------------

    def _query(
        self,
        sparql: str,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        custom_functions: dict[str, SparqlFunction] | None = None,
    ) -> Any:
        kwargs: dict[str, Any] = {"prefixes": self._prefixes}
        if default_graphs:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        if named_graphs:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        if custom_functions:
            kwargs["custom_functions"] = {
                ox.NamedNode(k): wrap_function(v) for k, v in custom_functions.items()
            }
        try:
            return self._store.query(sparql, **kwargs)
        except SyntaxError as exc:
            raise QueryError(f"malformed SPARQL query: {exc}") from exc

    def select(
        self,
        sparql: str,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        custom_functions: dict[str, SparqlFunction] | None = None,
    ) -> list[Row]:
        """Run a SELECT query; rows of rdflib terms (``None`` when unbound)."""
        result = self._query(sparql, default_graphs, named_graphs, custom_functions)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("select() needs a SELECT query")
        variables = [v.value for v in result.variables]
        return [{v: to_rdflib(s[v]) for v in variables} for s in result]

    def select_text(self, sparql: str) -> list[tuple[str | None, ...]]:
        """Run a SELECT query; rows of plain values in variable order (``None`` when unbound)."""
        result = self._query(sparql, None, None, None)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("select_text() needs a SELECT query")
        # read by position: by name costs more than the value itself
        return [tuple(None if t is None else t.value for t in s) for s in result]

    def ask(self, sparql: str) -> bool:
        """Run an ASK query."""
        result = self._query(sparql)
        if not isinstance(result, ox.QueryBoolean):
            raise QueryError("ask() needs an ASK query")
        return bool(result)

    def construct(self, sparql: str) -> Graph:
        """Run a CONSTRUCT or DESCRIBE query into an rdflib ``Graph``."""
        result = self._query(sparql)
        if not isinstance(result, ox.QueryTriples):
            raise QueryError("construct() needs a CONSTRUCT or DESCRIBE query")
        # Literals keep the store's lexical forms: rdflib's parser would normalise
        # them ("1"^^xsd:double becomes "1.0"), so a resource's Turtle would differ
        # from what SPARQL returns for it.
        return exact_graph(result, _prefixed(Graph()))

    def evaluate(self, job: Job) -> Outcome:
        """Run a trusted query in this process (no time limit; the row limit holds)."""
        from graph.store.sandbox import evaluate

        try:
            return evaluate(self._store, job)
        except QuerySyntaxError as exc:
            message = str(exc)
        # Raised outside the handler: a chained traceback would keep the evaluating
        # frame, and with it the RocksDB store and its lock, alive after close().
        raise QueryError(f"malformed SPARQL query: {message}")

    def query_runner(self, directory: Path, size: int) -> Any:
        """Killable worker processes over checkpoints of this store."""
        from graph.store.sandbox import QuerySandbox

        return QuerySandbox(self._store, directory, size)

    def has_graph(self, name: URIRef) -> bool:
        """Whether the named graph exists."""
        return bool(self._store.contains_named_graph(ox.NamedNode(str(name))))

    def graph(self, name: URIRef) -> Graph:
        """A copy of one named graph as an rdflib ``Graph``."""
        quads = self._store.quads_for_pattern(None, None, None, ox.NamedNode(str(name)))
        return exact_graph(quads, _prefixed(Graph()))

    def describe(self, iri: URIRef) -> Graph:
        """Triples about ``iri`` (from every graph) and the evidence for them."""
        return self.construct(
            f"""CONSTRUCT {{ <{iri}> ?p ?o . ?ev ?ep ?eo }} WHERE {{
              {{ <{iri}> ?p ?o }} UNION
              {{ ?ev a <{HK.Evidence}> ; <{RDF.subject}> <{iri}> ; ?ep ?eo }} }}"""
        )

    def documents(self) -> dict[str, str]:
        """Ingested documents: document IRI -> sha256."""
        rows = self.select(
            f"SELECT ?d ?sha WHERE {{ GRAPH ?d {{ ?d a <{PROV.Entity}> ; <{HK.sha256}> ?sha }} }}"
        )
        return {str(row["d"]): str(row["sha"]) for row in rows}

    def dump(self, out: BinaryIO | IO[bytes], fmt: str, graphs: list[str] | None = None) -> int:
        """Stream quads from one consistent read with pyoxigraph's serialisers."""
        spec = check_export_format(fmt)
        selected: list[Any] = []
        for name in dict.fromkeys(graphs or ()):
            if name == DEFAULT_GRAPH:
                selected.append(ox.DefaultGraph())
                continue
            try:
                node = ox.NamedNode(name)
            except ValueError as exc:
                raise NotFound(f"no graph {name!r} (not an IRI)") from exc
            if not self._store.contains_named_graph(node):
                raise NotFound(f"no graph {name}")
            selected.append(node)
        count = 0

        def quads() -> Iterator[Any]:
            nonlocal count
            # Without a choice every named graph; the default graph is their union,
            # so it is left out (a store that loads the dump rebuilds it).
            for graph in selected or list(self._store.named_graphs()):
                for quad in self._store.quads_for_pattern(None, None, None, graph):
                    count += 1
                    yield quad if spec.keeps_graphs else quad.triple

        ox.serialize(quads(), out, format=DUMP_FORMATS[fmt])
        return count

    def scan(self) -> int:
        """Read every quad (``hankekg verify``: a damaged table fails here); their number."""
        return sum(1 for _ in self._store.quads_for_pattern(None, None, None, None))

    def backup(self, directory: Path) -> None:
        """A consistent copy of the store in ``directory`` (must not exist; RocksDB
        hard-links immutable files on the same file system)."""
        self._store.flush()
        self._store.backup(str(directory))

    def __len__(self) -> int:
        return len(self._store)

    def named_graphs(self) -> Iterator[URIRef]:
        """Names of all graphs."""
        return (URIRef(g.value) for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    # -- writes ------------------------------------------------------------------------

    def replace_graphs(self, drop: Iterable[URIRef], add: dict[URIRef, Graph]) -> None:
        """Drop and write named graphs in one transaction, keeping the default
        graph the set union of the named graphs."""
        drop = list(drop)
        if not drop and not any(self.has_graph(name) for name in add):
            # Only new graphs: one transactional ``extend``, no SPARQL to parse.
            quads = []
            for name, graph in add.items():
                data = graph.serialize(format="nt", encoding="utf-8")
                for t in ox.parse(data, ox.RdfFormat.N_TRIPLES):
                    quads.append(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(str(name))))
                    quads.append(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()))
            self._store.extend(quads)
            return
        self._store.update(updates.replace_graphs(drop, add, union=None))

    def update(self, sparql: str) -> None:
        """Apply a SPARQL Update and restore the union, in one transaction."""
        self.apply_plan(updates.plan(sparql, union=None))

    def apply_plan(self, plan: str) -> None:
        """Apply a planned update (:func:`graph.store.updates.plan`) in one transaction."""
        if not plan:
            return
        try:
            self._store.update(plan, prefixes=self._prefixes)
        except SyntaxError as exc:
            raise QueryError(f"malformed SPARQL update: {exc}") from exc
        except (OSError, RuntimeError) as exc:
            # A failed operation (CREATE of an existing graph, ...): Oxigraph rolled
            # back the whole request.
            raise QueryError(f"SPARQL update failed, nothing changed: {exc}") from exc

    def bulk_load(self, source: BinaryIO, fmt: str = "nquads") -> int:
        """Stream quads into their named graphs and the union, in batches."""
        if fmt not in LOAD_FORMATS:
            raise QueryError(f"bulk load reads {', '.join(LOAD_FORMATS)}, not {fmt!r}")
        batch: list[Any] = []
        count = 0
        for quad in ox.parse(source, LOAD_FORMATS[fmt]):
            if isinstance(quad.graph_name, ox.DefaultGraph):
                continue  # the default graph is derived from the named graphs
            count += 1
            batch.append(quad)
            batch.append(ox.Quad(quad.subject, quad.predicate, quad.object, ox.DefaultGraph()))
            if len(batch) >= BULK_BATCH:
                self._store.bulk_extend(batch)
                batch = []
        if batch:
            self._store.bulk_extend(batch)
        return count

    def _ensure_union(self) -> None:
        """Build the default graph from the named graphs if it is missing (a home
        written before the default graph was kept as their union)."""
        if any(True for _ in self._store.quads_for_pattern(None, None, None, ox.DefaultGraph())):
            return
        if next(self._store.named_graphs(), None) is None:
            return
        logger.warning("building the default graph as the union of the named graphs")
        self._store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")

    def load_graph(self, name: URIRef, graph: Graph) -> None:
        """Replace one (large) named graph, e.g. the reference data, in one transaction."""
        self.replace_graphs([name], {name: graph})

    def reopen(self) -> None:
        """Close and open the store again, after a failed write.

        RocksDB refuses every write with the first failure's error (disk full,
        I/O error) until the database is reopened, even once the cause is gone.
        If it cannot be opened for writing yet (the disk is still full), it is
        opened read-only, so reads go on, and the error is raised.

        Raises:
            OSError: the store cannot be opened for writing (yet).
        """
        if self.path is None:
            return
        try:
            self._store.flush()
        except (OSError, RuntimeError) as exc:  # the failure again, or a read-only handle
            logger.warning("flush before reopening the store failed: %s", exc)
        self._drop_store()
        try:
            self._store = ox.Store(str(self.path))
        except OSError:
            self._store = ox.Store.read_only(str(self.path))
            raise

    def _drop_store(self) -> None:
        """Drop the handle so RocksDB releases its lock before the next open.

        The lock goes with the last reference. Usually ours is the last one, and
        dropping it frees the store at once; only when something else still holds
        it (a cycle through a traceback, say) does a full collection run, which
        costs up to a second in a large process.
        """
        store = self.__dict__.pop("_store")
        # getrefcount counts its own argument: 2 means this name holds the only reference
        shared = sys.getrefcount(store) > 2
        del store
        if shared:
            gc.collect()

    def close(self) -> None:
        """Flush writes to disk and release the store's lock.

        RocksDB holds its lock until the last reference to the store is gone.
        """
        self._store.flush()
        self._drop_store()
