"""The graph store protocol: what ingest, search, the API and the CLI need from a quad store.

Two implementations: the embedded Oxigraph store (:mod:`graph.store.oxigraph`,
the default) and any SPARQL 1.1 server (:mod:`graph.store.sparql`). Callers see
only plain values and rdflib terms; engine objects never cross this protocol.

The data model is the same on every backend:

* each source document (and the reference data, and the ontology) is one named
  graph, replaced or deleted as a whole;
* the default graph is the *set union* of the named graphs, maintained by the
  store in the same write as each change, so a fact two documents state is one
  triple there and counts and plain SELECTs do not double it.

Rows from :meth:`GraphStore.select` are ``dict[str, Node | None]``: one key per
projected variable, the value an rdflib ``URIRef``, ``Literal`` or ``BNode``,
or ``None`` when the variable is unbound. ``str(term)`` is the IRI or the
lexical form; ``int(term)``/``float(term)`` convert numeric literals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, BinaryIO, Protocol

from rdflib import Graph, URIRef
from rdflib.term import Node

from graph.store.byte_cap import DEFAULT_MAX_BYTES

Row = dict[str, Node | None]
"""One SELECT solution: variable name -> rdflib term, ``None`` when unbound."""

SparqlFunction = Callable[..., Node | None]
"""A custom SPARQL function over rdflib terms (``None`` leaves the result unbound)."""

#: The ``graphs`` value that names the default graph in :meth:`GraphStore.dump`.
DEFAULT_GRAPH = "default"


@dataclass(frozen=True)
class ExportFormat:
    """One RDF dump format."""

    media_type: str
    extension: str
    keeps_graphs: bool
    """Whether the format carries named graphs (a triple format gets their union)."""


EXPORT_FORMATS: dict[str, ExportFormat] = {
    "trig": ExportFormat("application/trig", "trig", True),
    "nquads": ExportFormat("application/n-quads", "nq", True),
    "turtle": ExportFormat("text/turtle", "ttl", False),
    "jsonld": ExportFormat("application/ld+json", "jsonld", True),
}


# -- untrusted queries ------------------------------------------------------------


class SandboxError(Exception):
    """Base of the errors an untrusted query reports."""


class QuerySyntaxError(SandboxError):
    """The query did not parse; the message is the engine's."""


class QueryNotAcceptable(SandboxError):
    """No acceptable media type for this query form."""


class QueryKilled(SandboxError):
    """The query ran past its time or memory limit and was stopped."""


class QueryBusy(SandboxError):
    """Every worker stayed busy until the deadline."""


class QueryRefused(SandboxError):
    """The backend cannot run this query (the message says why)."""


@dataclass(frozen=True)
class Job:
    """One query and how to answer it."""

    query: str
    select_media: str | None
    graph_media: str | None
    max_rows: int
    prefixes: dict[str, str] = field(default_factory=dict)
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    similarity: tuple[str, str] | None = None
    """(committed index snapshot directory, encoder name) for ``hkf:similarity``."""
    base: str | None = None
    """The IRI the query's relative IRIs resolve against (``None``: none)."""
    max_bytes: int = DEFAULT_MAX_BYTES
    """The most bytes of the serialised answer (``graph/store/byte_cap.py``)."""


@dataclass(frozen=True)
class Outcome:
    """A serialised answer."""

    body: bytes
    media_type: str
    form: str
    """``select``, ``ask`` or ``graph`` (CONSTRUCT and DESCRIBE)."""
    rows: int
    truncated: bool


class QueryRunner(Protocol):
    """Runs untrusted queries with a time and a row limit."""

    def run(self, job: Job, token: object, timeout_s: float) -> Outcome:
        """Run ``job`` against the data as of ``token`` within ``timeout_s``.

        Every runner applies :func:`graph.store.guard.check` first (SERVICE is
        refused with :class:`QueryRefused`) and evaluates the text it returns.

        Raises:
            QueryKilled: past the time or memory limit.
            QueryBusy: no worker became free in time.
            QuerySyntaxError, QueryNotAcceptable, QueryRefused: as named.
        """
        ...

    def prepare_update(self, text: str, timeout_s: float, base: str | None = None) -> str:
        """Guard and plan an untrusted update (:func:`graph.store.updates.plan`) within
        ``timeout_s``; return the planned text for :meth:`GraphStore.apply_plan`
        (``""``: the update has no operation).

        The guard's parser and the planner recurse per triple pattern, so a runner
        does this where the stack is deep (the embedded store's workers). A runner
        that can, also tries the plan on a copy of the data under the same limit,
        so an update that would run past it never reaches the store's writer.

        Raises:
            QueryRefused: SERVICE, LOAD, a write to the derived default graph, or
                a text the guard cannot parse (the message says why).
            QueryKilled, QueryBusy: as for :meth:`run`.
        """
        ...

    def invalidate(self) -> None:
        """Note that the data changed outside an index commit (a SPARQL update)."""
        ...

    def prestart(self) -> None:
        """Get ready now, so the first query does not wait."""
        ...

    def close(self) -> None:
        """Release workers and temporary files."""
        ...


# -- the store --------------------------------------------------------------------


class GraphStore(Protocol):
    """What ingest, search and the API need from a quad store."""

    backend: str
    """The registry name: ``oxigraph`` or ``sparql``."""

    def select(
        self,
        sparql: str,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        custom_functions: dict[str, SparqlFunction] | None = None,
    ) -> list[Row]:
        """Run a SELECT query over the union default graph (or ``default_graphs``).

        Raises:
            graph.errors.QueryError: the query does not parse or the backend refused it.
        """
        ...

    def select_text(self, sparql: str) -> list[tuple[str | None, ...]]:
        """Run a SELECT over the union default graph; each row's values in the order of
        the query's variables, as text: an IRI, a literal's lexical form, a blank node's
        label, ``None`` when unbound.

        For bulk reads of derived tables (facets, filters): no rdflib terms are built,
        which cost more than the query for 100,000 rows (literals parse their values).

        Raises:
            graph.errors.QueryError: the query does not parse or the backend refused it.
        """
        ...

    def ask(self, sparql: str) -> bool:
        """Run an ASK query over the union default graph."""
        ...

    def construct(self, sparql: str) -> Graph:
        """Run a CONSTRUCT or DESCRIBE query; the triples as an rdflib ``Graph``."""
        ...

    def replace_graphs(self, drop: Iterable[URIRef], add: dict[URIRef, Graph]) -> None:
        """In one write, drop graphs ``drop`` and (re)write the graphs in ``add``,
        keeping the default graph the set union of the named graphs."""
        ...

    def update(self, sparql: str) -> None:
        """Apply a SPARQL 1.1 Update to the named graphs and restore the union
        default graph in the same write. Writes aimed at the default graph
        itself are refused (it is derived), so are ``LOAD`` and ``SERVICE``.

        Raises:
            graph.errors.QueryError: malformed, or refused (the message says why).
        """
        ...

    def apply_plan(self, plan: str) -> None:
        """Apply a text :func:`graph.store.updates.plan` made for this store, as one write.

        Raises:
            graph.errors.QueryError: the store refused it; nothing changed.
        """
        ...

    def bulk_load(self, source: BinaryIO, fmt: str = "nquads") -> int:
        """Stream quads from ``source`` into their named graphs (batched), then
        bring the union default graph up to date; returns the quads read."""
        ...

    def documents(self) -> dict[str, str]:
        """Ingested documents: document IRI -> sha256."""
        ...

    def dump(self, out: BinaryIO | IO[bytes], fmt: str, graphs: list[str] | None = None) -> int:
        """Stream the dataset (or only ``graphs``; ``"default"`` is the union) to
        ``out`` as one of :data:`EXPORT_FORMATS`; return the quads written.

        Raises:
            graph.errors.QueryError: unknown format.
            graph.errors.NotFound: a graph that does not exist.
        """
        ...

    def evaluate(self, job: Job) -> Outcome:
        """Run a *trusted* query in process (no time limit; the row limit holds)."""
        ...

    def query_runner(self, directory: Path, size: int) -> QueryRunner:
        """The runner for untrusted queries (``directory`` for its scratch files)."""
        ...

    def has_graph(self, name: URIRef) -> bool:
        """Whether the named graph exists."""
        ...

    def graph(self, name: URIRef) -> Graph:
        """A copy of one named graph."""
        ...

    def describe(self, iri: URIRef) -> Graph:
        """Triples with ``iri`` as subject (from every graph) plus its evidence."""
        ...

    def __len__(self) -> int:
        """Number of quads, the union default graph included."""
        ...

    def named_graphs(self) -> Iterator[URIRef]:
        """Names of all named graphs."""
        ...

    def close(self) -> None:
        """Flush and release the store."""
        ...


def check_export_format(fmt: str) -> ExportFormat:
    """The export format named ``fmt``.

    Raises:
        graph.errors.QueryError: unknown format.
    """
    from graph.errors import QueryError

    spec = EXPORT_FORMATS.get(fmt)
    if spec is None:
        raise QueryError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    return spec
