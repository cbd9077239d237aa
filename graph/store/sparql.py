"""The graph on any SPARQL 1.1 server: Query, Update and (optionally) the Graph Store protocol.

Reads are SPARQL 1.1 Query requests, writes SPARQL 1.1 Update requests; with
``HANKEKG_SPARQL_GRAPH_STORE_URL`` a named graph is read, and bulk loads are
written, through the Graph Store HTTP Protocol. Nothing is kept locally, so any
number of API replicas can share one server.

Where the union of the document graphs lives is found out when the store
opens, by a probe write:

* a server whose default graph is a plain graph of its own (``oxigraph
  serve``, Fuseki, ...) keeps the union there, exactly as the embedded store;
* a server whose default graph already shows every named graph (Virtuoso, or
  ``oxigraph serve --union-default-graph``) repeats a fact once per graph that
  states it, so the union is kept in the named graph :data:`UNION` instead, and
  every read passes it as ``default-graph-uri`` (unless the query names its
  own dataset).
Only graphs under the base IRI are hankekg's (``scope``): a server shared with
other data keeps its other graphs out of the union, the export and the counts.

A document replace is one Update request that deletes the document's facts
from the union unless another graph still states them, drops and rewrites the
graph, and adds its facts to the union. Oxigraph server applies such a request
as one transaction; Virtuoso applies it operation by operation.

``hkf:similarity`` needs hankekg's vectors, which a remote engine cannot call:
on this backend a query that uses it is refused with a 400 that says so.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, BinaryIO

import httpx
import orjson
from rdflib import Dataset, Graph, URIRef

from graph.errors import NotFound, QueryError, QueryTimeout, StoreUnavailable
from graph.store import results as sr
from graph.store import updates
from graph.store.base import (
    DEFAULT_GRAPH,
    Job,
    Outcome,
    QueryKilled,
    QueryNotAcceptable,
    QueryRefused,
    QuerySyntaxError,
    Row,
    SparqlFunction,
    check_export_format,
)
from graph.store.byte_cap import fit
from graph.store.sparql_http import (
    BasicOrDigest,
    ask_value,
    is_ask_answer,
    select_rows,
    select_values,
)
from graph.store.sparql_runner import RemoteQueryRunner
from graph.vocab import HK, HKF, PREFIXES, PROV, RDF

logger = logging.getLogger(__name__)

#: The named graph that holds the set union of hankekg's graphs on a server.
UNION = "urn:x-hankekg:union"
#: Time limit of hankekg's own reads and writes (untrusted queries have theirs).
REQUEST_TIMEOUT_S = 300.0
#: Quads per request in a bulk load.
BULK_BATCH = 20_000
#: Largest untrusted-query answer read from the server before it is cut off.
MAX_ANSWER_BYTES = 256 * 1024**2
RESULTS_ACCEPT = "application/sparql-results+json"
GRAPH_ACCEPT = "application/n-triples, text/plain;q=0.9, text/turtle;q=0.5"
_ASK = re.compile(r"(?i)\bASK\b(\s+WHERE\b)?")
_FROM = re.compile(r"(?i)\bFROM\s+(NAMED\s+)?[<\w]")
_SIMILARITY = re.compile(rf"(?i)(hkf:similarity|<{re.escape(str(HKF.similarity))}>)")


def _prologue(prefixes: dict[str, str]) -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items())


class SparqlStore:
    """A graph store on a remote SPARQL 1.1 server."""

    backend = "sparql"

    def __init__(
        self,
        query_url: str,
        update_url: str,
        *,
        graph_store_url: str | None = None,
        user: str | None = None,
        password: str | None = None,
        scope: str | None = None,
        timeout_s: float = REQUEST_TIMEOUT_S,
    ) -> None:
        self.query_url = query_url
        self.update_url = update_url
        self.graph_store_url = graph_store_url
        self.scope = scope
        self.timeout_s = timeout_s
        auth = BasicOrDigest(user, password or "") if user else None
        self._client = httpx.Client(auth=auth, timeout=httpx.Timeout(timeout_s, connect=10.0))
        self._prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
        self.union: str | None = self._find_union()

    def _find_union(self) -> str | None:
        """``None`` when the server's default graph is a graph of its own (the union
        is kept there), else :data:`UNION`."""
        probe = "urn:x-hankekg:probe"
        self._post_update(f'INSERT DATA {{ GRAPH <{probe}> {{ <{probe}> <{probe}> "probe" }} }}')
        try:
            body = self._post_query(f"ASK {{ <{probe}> <{probe}> ?o }}", RESULTS_ACCEPT, raw=True)
            view = ask_value(orjson.loads(body.content))
        finally:
            self._post_update(f"CLEAR SILENT GRAPH <{probe}> ; DROP SILENT GRAPH <{probe}>")
        if view:
            logger.info(
                "the graph server's default graph shows every graph: union kept in %s", UNION
            )
            return UNION
        return None

    @classmethod
    def from_settings(cls, settings: Any) -> SparqlStore:
        """The store that ``HANKEKG_SPARQL_*`` name.

        Raises:
            ValueError: the query or update URL is missing.
        """
        if not settings.sparql_query_url or not settings.sparql_update_url:
            raise ValueError(
                "HANKEKG_GRAPH_BACKEND=sparql needs HANKEKG_SPARQL_QUERY_URL and "
                "HANKEKG_SPARQL_UPDATE_URL"
            )
        return cls(
            settings.sparql_query_url,
            settings.sparql_update_url,
            graph_store_url=settings.sparql_graph_store_url,
            user=settings.sparql_user,
            password=settings.sparql_password,
            scope=settings.base,
        )

    # -- HTTP --------------------------------------------------------------------------

    def _dataset_params(
        self, sparql: str, default_graphs: Iterable[str] = (), named_graphs: Iterable[str] = ()
    ) -> dict[str, list[str]]:
        """Protocol parameters: the union as the default graph unless the query or
        the caller names its own dataset."""
        defaults, named = list(default_graphs), list(named_graphs)
        if self.union is not None and not defaults and not _FROM.search(sparql):
            defaults = [self.union]
        params: dict[str, list[str]] = {}
        if defaults:
            params["default-graph-uri"] = defaults
        if named:
            params["named-graph-uri"] = named
        return params

    def _post_query(
        self,
        sparql: str,
        accept: str,
        default_graphs: Iterable[str] = (),
        named_graphs: Iterable[str] = (),
        *,
        raw: bool = False,
    ) -> httpx.Response:
        text = _prologue(self._prefixes) + sparql
        data: dict[str, Any] = {"query": text}
        if not raw:
            data.update(self._dataset_params(sparql, default_graphs, named_graphs))
        try:
            response = self._client.post(self.query_url, data=data, headers={"Accept": accept})
        except httpx.TimeoutException as exc:
            raise QueryTimeout(f"the graph server did not answer in {self.timeout_s:g} s") from exc
        except httpx.HTTPError as exc:
            raise StoreUnavailable(f"graph server {self.query_url}: {exc}") from exc
        self._raise_for(response, "query")
        return response

    @staticmethod
    def _raise_for(response: httpx.Response, what: str, user: bool = False) -> None:
        """Map a failed answer: a refused query or user update is the client's error."""
        if response.status_code < 400:
            return
        message = response.text.strip().splitlines()[0][:500] if response.text.strip() else ""
        if response.status_code == 400 or (user and response.status_code == 500):
            raise QueryError(f"the graph server refused the {what}: {message}")
        raise StoreUnavailable(
            f"graph server answered {response.status_code} to a {what}: {message}"
        )

    def _post_update(self, sparql: str, user: bool = False) -> None:
        try:
            response = self._client.post(self.update_url, data={"update": sparql})
        except httpx.TimeoutException as exc:
            raise QueryTimeout(f"the graph server did not answer in {self.timeout_s:g} s") from exc
        except httpx.HTTPError as exc:
            raise StoreUnavailable(f"graph server {self.update_url}: {exc}") from exc
        self._raise_for(response, "update", user)

    # -- reads -------------------------------------------------------------------------

    def select(
        self,
        sparql: str,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        custom_functions: dict[str, SparqlFunction] | None = None,
    ) -> list[Row]:
        """Run a SELECT query on the server; rows of rdflib terms."""
        if custom_functions and any(
            f in sparql or "similarity" in sparql for f in custom_functions
        ):
            raise QueryError(self._similarity_refusal())
        response = self._post_query(
            sparql, RESULTS_ACCEPT, default_graphs or (), named_graphs or ()
        )
        return select_rows(response)

    def select_text(self, sparql: str) -> list[tuple[str | None, ...]]:
        """Run a SELECT query on the server; rows of plain values in variable order."""
        return select_values(self._post_query(sparql, RESULTS_ACCEPT))

    def _select_named(self, sparql: str) -> list[Row]:
        """A SELECT that reads named graphs only (``GRAPH``), sent without a dataset.

        With ``default-graph-uri`` given, Virtuoso 7 lets ``GRAPH <g>`` match graphs
        never written and ``GRAPH ?g`` range over its system graphs; without it, both
        range over the stored graphs, as on every other server.
        """
        return select_rows(self._post_query(sparql, RESULTS_ACCEPT, raw=True))

    def ask(self, sparql: str) -> bool:
        """Run an ASK query on the server, as a one-row SELECT: Virtuoso 7 answers
        ASK with ``default-graph-uri`` true whatever the pattern."""
        match = _ASK.search(sparql)
        if match is None:
            raise QueryError("ask() needs an ASK query")
        head, tail = sparql[: match.start()], sparql[match.end() :]
        return bool(self.select(f"{head}SELECT (1 AS ?hankekg_ask) WHERE {tail}\nLIMIT 1"))

    def construct(self, sparql: str) -> Graph:
        """Run a CONSTRUCT or DESCRIBE query on the server into an rdflib ``Graph``."""
        response = self._post_query(sparql, GRAPH_ACCEPT)
        return self._parse_graph(response)

    @staticmethod
    def _parse_graph(response: httpx.Response) -> Graph:
        media = response.headers.get("content-type", "").split(";")[0].strip()
        fmt = "turtle" if media in ("text/turtle", "application/x-turtle") else "nt"
        out = Graph()
        for prefix, namespace in PREFIXES.items():
            out.bind(prefix, namespace)
        if response.content.strip():
            out.parse(data=response.content.decode("utf-8"), format=fmt)
        return out

    def has_graph(self, name: URIRef) -> bool:
        """Whether the named graph holds any triple."""
        return bool(
            self._select_named(
                f"SELECT (1 AS ?x) WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }} LIMIT 1"
            )
        )

    def graph(self, name: URIRef) -> Graph:
        """A copy of one named graph (through the Graph Store protocol when configured)."""
        if self.graph_store_url:
            response = self._client.get(
                self.graph_store_url,
                params={"graph": str(name)},
                headers={"Accept": GRAPH_ACCEPT},
            )
            if response.status_code == 404:
                return Graph()
            self._raise_for(response, "graph read")
            return self._parse_graph(response)
        # SPARQL JSON rather than N-Triples: servers escape non-ASCII differently there.
        out = Graph()
        for prefix, namespace in PREFIXES.items():
            out.bind(prefix, namespace)
        for row in self._select_named(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"):
            out.add((row["s"], row["p"], row["o"]))  # type: ignore[arg-type]
        return out

    def describe(self, iri: URIRef) -> Graph:
        """Triples about ``iri`` (the union) and the evidence for them."""
        return self.construct(
            f"""CONSTRUCT {{ <{iri}> ?p ?o . ?ev ?ep ?eo }} WHERE {{
              {{ <{iri}> ?p ?o }} UNION
              {{ ?ev a <{HK.Evidence}> ; <{RDF.subject}> <{iri}> ; ?ep ?eo }} }}"""
        )

    def documents(self) -> dict[str, str]:
        """Ingested documents: document IRI -> sha256."""
        rows = self._select_named(
            f"SELECT ?d ?sha WHERE {{ GRAPH ?d {{ ?d a <{PROV.Entity}> ; <{HK.sha256}> ?sha }} }}"
        )
        return {str(row["d"]): str(row["sha"]) for row in rows}

    def _scope_filter(self, var: str) -> str:
        tests = [f"{var} != <{UNION}>"]
        if self.scope:
            tests.append(f'STRSTARTS(STR({var}), "{self.scope}")')
        return f"FILTER({' && '.join(tests)})"

    def named_graphs(self) -> Iterator[URIRef]:
        """hankekg's named graphs on the server (the union graph left out)."""
        rows = self._select_named(
            f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._scope_filter('?g')} }}"
        )
        return (URIRef(str(r["g"])) for r in rows if isinstance(r["g"], URIRef))

    def __len__(self) -> int:
        """Quads in hankekg's graphs, the union included."""
        scoped = f'STRSTARTS(STR(?g), "{self.scope}")' if self.scope else "true"
        rows = self._select_named(
            f"""SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
                FILTER(?g = <{UNION}> || {scoped}) }}"""
        )
        quads = int(str(rows[0]["n"])) if rows else 0
        if self.union is None:
            union = self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
            quads += int(str(union[0]["n"])) if union else 0
        return quads

    def dump(self, out: BinaryIO | IO[bytes], fmt: str, graphs: list[str] | None = None) -> int:
        """Stream graph by graph (N-Quads and TriG stay flat in memory; JSON-LD is
        built whole, since it is one document)."""
        spec = check_export_format(fmt)
        chosen: list[str] = []
        for name in dict.fromkeys(graphs or ()):
            if name == DEFAULT_GRAPH:
                chosen.append(DEFAULT_GRAPH)
            elif not self.has_graph(URIRef(name)):
                raise NotFound(f"no graph {name}")
            else:
                chosen.append(name)
        names = chosen or [str(g) for g in self.named_graphs()]
        count = 0
        if fmt == "jsonld" or not spec.keeps_graphs:
            dataset = Dataset()
            for name in names:
                g = self._graph_or_union(name)
                count += len(g)
                target = (
                    dataset.graph(URIRef(name))
                    if spec.keeps_graphs and name != DEFAULT_GRAPH
                    else dataset.default_graph
                )
                for triple in g:
                    target.add(triple)
            if spec.keeps_graphs:
                out.write(dataset.serialize(format="json-ld", encoding="utf-8"))
            else:
                union = Graph()
                for prefix, namespace in PREFIXES.items():
                    union.bind(prefix, namespace)
                for triple in dataset.default_graph:
                    union.add(triple)
                out.write(union.serialize(format="turtle", encoding="utf-8"))
            return count
        for name in names:
            g = self._graph_or_union(name)
            count += len(g)
            label = "" if name == DEFAULT_GRAPH else f"<{name}>"
            if fmt == "nquads":
                body = g.serialize(format="nt", encoding="utf-8")
                suffix = f" {label} .\n".encode() if label else b" .\n"
                out.write(b"".join(line[:-2] + suffix for line in body.splitlines(keepends=True)))
            else:
                body = g.serialize(format="nt", encoding="utf-8")
                out.write(f"{label} {{\n".encode() + body + b"}\n")
        return count

    def _graph_or_union(self, name: str) -> Graph:
        if name == DEFAULT_GRAPH:
            return self.construct("CONSTRUCT WHERE { ?s ?p ?o }")
        return self.graph(URIRef(name))

    def evaluate(self, job: Job) -> Outcome:
        """Run a trusted query on the server (the row limit holds)."""
        try:
            return self._run(job, self.timeout_s)
        except QuerySyntaxError as exc:
            raise QueryError(f"malformed SPARQL query: {exc}") from exc
        except QueryRefused as exc:
            raise QueryError(str(exc)) from exc

    def query_runner(self, directory: Path, size: int) -> RemoteQueryRunner:
        """Untrusted queries: HTTP requests with a deadline and a row limit."""
        return RemoteQueryRunner(self)

    @staticmethod
    def _similarity_refusal() -> str:
        return (
            "hkf:similarity is not available on the SPARQL server backend: it needs "
            "hankekg's vectors, which the remote engine cannot call "
            "(use HANKEKG_GRAPH_BACKEND=oxigraph, or /api/search)"
        )

    def _run(self, job: Job, timeout_s: float) -> Outcome:
        """One untrusted query: stream the answer until the deadline, then cut it to size."""
        if _SIMILARITY.search(job.query):
            raise QueryRefused(self._similarity_refusal())
        text = _prologue(job.prefixes) + job.query
        params = self._dataset_params(job.query, job.default_graphs, job.named_graphs)
        accept = f"{RESULTS_ACCEPT}, {GRAPH_ACCEPT}"
        deadline = time.monotonic() + timeout_s
        buffer = bytearray()
        try:
            with self._client.stream(
                "POST",
                self.query_url,
                data={"query": text, **params},
                headers={"Accept": accept},
                timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
            ) as response:
                for chunk in response.iter_bytes():
                    buffer += chunk
                    if time.monotonic() > deadline:
                        raise QueryKilled(f"the query ran past the {timeout_s:g} s limit")
                    if len(buffer) > MAX_ANSWER_BYTES:
                        raise QueryKilled("the answer is larger than allowed")
                status = response.status_code
                media = response.headers.get("content-type", "").split(";")[0].strip()
        except httpx.TimeoutException as exc:
            raise QueryKilled(f"the query ran past the {timeout_s:g} s limit") from exc
        except httpx.HTTPError as exc:
            # A refused or dropped connection is an outage (503), not a slow query (504).
            raise StoreUnavailable(f"graph server {self.query_url}: {exc}") from exc
        if status == 400:
            message = bytes(buffer).decode("utf-8", "replace").strip().splitlines()
            raise QuerySyntaxError(message[0][:500] if message else "refused by the graph server")
        if status >= 400:
            raise StoreUnavailable(f"graph server answered {status} to a query")
        return self._outcome(job, media, bytes(buffer))

    @staticmethod
    def _outcome(job: Job, media: str, body: bytes) -> Outcome:
        """The client's answer from the server's: SELECT results in the client's
        format are passed through as the server sent them when they fit the row
        limit (parsed once, to count and to check them), else re-written."""
        if media in (RESULTS_ACCEPT, "application/json"):
            try:
                data = orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                raise QueryKilled("the graph server sent unreadable results") from exc
            if is_ask_answer(data):
                if job.select_media is None:
                    raise QueryNotAcceptable("ASK results")
                out = sr.ask_bytes(job.select_media, ask_value(data))
                return Outcome(out, job.select_media, "ask", 1, False)
            if job.select_media is None:
                raise QueryNotAcceptable("SELECT results")
            variables = data.get("head", {}).get("vars", [])
            bindings = data.get("results", {}).get("bindings", [])
            truncated = len(bindings) > job.max_rows
            if job.select_media == sr.JSON and not truncated and len(body) <= job.max_bytes:
                return Outcome(body, sr.JSON, "select", len(bindings), False)
            rows = [[b.get(v) for v in variables] for b in bindings[: job.max_rows]]
            media = job.select_media
            out, n = fit(lambda r: sr.select_bytes(media, variables, r), rows, job.max_bytes)
            return Outcome(out, media, "select", n, truncated or n < len(rows))
        if job.graph_media is None:
            raise QueryNotAcceptable("CONSTRUCT/DESCRIBE results")
        fmt = "turtle" if media in ("text/turtle", "application/x-turtle") else "nt"
        parsed = Graph().parse(data=body.decode("utf-8"), format=fmt) if body.strip() else Graph()
        triples = list(parsed)
        truncated = len(triples) > job.max_rows
        graph = Graph()
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
        for triple in triples[: job.max_rows]:
            graph.add(triple)
        names = {
            "text/turtle": "turtle",
            "application/n-triples": "nt",
            "application/ld+json": "json-ld",
            "application/rdf+xml": "xml",
            "application/trig": "trig",
        }
        media = job.graph_media

        def serialise(part: Sequence[Any]) -> bytes:
            if media == "application/trig":
                dataset = Dataset()
                for triple in part:
                    dataset.default_graph.add(triple)
                return dataset.serialize(format="trig", encoding="utf-8")
            chosen = Graph(namespace_manager=graph.namespace_manager)
            for triple in part:
                chosen.add(triple)
            return chosen.serialize(format=names[media], encoding="utf-8")

        kept = list(graph)
        data, n = fit(serialise, kept, job.max_bytes)
        return Outcome(data, media, "graph", n, truncated or n < len(kept))

    # -- writes ------------------------------------------------------------------------

    def replace_graphs(self, drop: Iterable[URIRef], add: dict[URIRef, Graph]) -> None:
        """One Update request: the union kept, the graphs dropped and rewritten."""
        request = updates.replace_graphs(drop, add, union=self.union, scope=self.scope)
        if request:
            self._post_update(request)

    def update(self, sparql: str) -> None:
        """A user's SPARQL Update plus the union maintenance, as one request."""
        self.apply_plan(updates.plan(sparql, union=self.union, scope=self.scope))

    def apply_plan(self, plan: str) -> None:
        """Send a planned update (:func:`graph.store.updates.plan`) as one request."""
        if plan:
            self._post_update(plan, user=True)

    def bulk_load(self, source: BinaryIO, fmt: str = "nquads") -> int:
        """Stream quads in batches of :data:`BULK_BATCH`, one request per batch
        (Graph Store POSTs per graph when configured, else ``INSERT DATA``)."""
        import pyoxigraph as ox

        formats = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}
        formats["jsonld"] = ox.RdfFormat.JSON_LD
        if fmt not in formats:
            raise QueryError(f"bulk load reads {', '.join(formats)}, not {fmt!r}")
        batch: dict[str, list[str]] = {}
        pending = 0
        count = 0
        for quad in ox.parse(source, formats[fmt]):
            if isinstance(quad.graph_name, ox.DefaultGraph):
                continue  # the default graph is derived from the named graphs
            line = f"{quad.subject} {quad.predicate} {quad.object} .\n"
            batch.setdefault(quad.graph_name.value, []).append(line)
            pending += 1
            count += 1
            if pending >= BULK_BATCH:
                self._load_batch(batch)
                batch, pending = {}, 0
        if batch:
            self._load_batch(batch)
        return count

    def _load_batch(self, batch: dict[str, list[str]]) -> None:
        union = "".join(dict.fromkeys(line for lines in batch.values() for line in lines))
        if self.graph_store_url:
            for name, lines in [*batch.items(), (self.union, [union])]:
                where = {"graph": name} if name is not None else {"default": ""}
                response = self._client.post(
                    self.graph_store_url,
                    params=where,
                    content="".join(lines).encode("utf-8"),
                    headers={"Content-Type": "application/n-triples"},
                )
                self._raise_for(response, "graph store write")
            return
        parts = [f"GRAPH <{name}> {{\n{''.join(lines)}}}" for name, lines in batch.items()]
        parts.append(f"GRAPH <{self.union}> {{\n{union}}}" if self.union else union)
        self._post_update("INSERT DATA {\n" + "\n".join(parts) + "\n}")

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()


__all__ = ["UNION", "SparqlStore"]
