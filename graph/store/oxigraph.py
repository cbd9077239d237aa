"""The embedded, persistent store: Oxigraph (RocksDB) behind rdflib.

rdflib's ``Dataset`` over oxrdflib gives the rdflib API; queries and writes go
straight to pyoxigraph, which is where the speed is (bulk writes through
rdflib's per-triple API are slow). Every write is one transaction.

Each document is a named graph, and the default graph is kept as the set union
of all named graphs, written in the same transaction. Oxigraph's own
"default graph as union" mode returns a triple once per graph that holds it,
so counts and plain SELECTs would double facts that two documents share.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from oxrdflib import OxigraphStore as _RdflibAdapter
from rdflib import Dataset, Graph, URIRef

from graph.vocab import HK, PREFIXES, PROV, RDF

logger = logging.getLogger(__name__)


class OxigraphStore:
    """Oxigraph on disk (or in memory when ``path`` is ``None``)."""

    def __init__(self, path: Path | None) -> None:
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)
        self.inner = ox.Store(str(path)) if path is not None else ox.Store()
        self.dataset = Dataset(store=_RdflibAdapter(store=self.inner))
        for prefix, namespace in PREFIXES.items():
            self.dataset.bind(prefix, namespace)

    def query(
        self,
        sparql: str,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        custom_functions: dict[str, Any] | None = None,
    ) -> Any:
        """Run a SPARQL query; the default graph is the union of all named graphs
        (kept as a set, so a triple two documents state comes back once).

        Raises:
            SyntaxError: the query does not parse (the message is the parser's).
        """
        kwargs: dict[str, Any] = {}
        if default_graphs:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        if named_graphs:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        if custom_functions:
            kwargs["custom_functions"] = {ox.NamedNode(k): v for k, v in custom_functions.items()}
        prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
        return self.inner.query(sparql, prefixes=prefixes, **kwargs)

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
            self.inner.extend(quads)
            return
        gone = list(dict.fromkeys([*drop, *add]))
        values = " ".join(f"<{g}>" for g in gone)
        # A triple leaves the union only when no graph that stays still holds it.
        parts = [
            f"""DELETE {{ ?s ?p ?o }} WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }}
            FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} FILTER(?h NOT IN ({
                ", ".join(f"<{g}>" for g in gone)
            })) }} }}"""
        ]
        parts += [f"DROP SILENT GRAPH <{g}>" for g in gone]
        for name, graph in add.items():
            if len(graph):
                body = graph.serialize(format="nt")
                parts.append(f"INSERT DATA {{ GRAPH <{name}> {{\n{body}\n}} }}")
                parts.append(f"INSERT DATA {{\n{body}\n}}")
        self.inner.update(" ;\n".join(parts))

    def ensure_union(self) -> None:
        """Build the default graph from the named graphs if it is missing (a home
        written before the default graph was kept as their union)."""
        if any(True for _ in self.inner.quads_for_pattern(None, None, None, ox.DefaultGraph())):
            return
        if next(self.inner.named_graphs(), None) is None:
            return
        logger.warning("building the default graph as the union of the named graphs")
        self.inner.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")

    def load_graph(self, name: URIRef, graph: Graph) -> None:
        """Replace one (large) named graph, e.g. the reference data, in one transaction."""
        self.replace_graphs([name], {name: graph})

    def has_graph(self, name: URIRef) -> bool:
        """Whether the named graph exists."""
        return bool(self.inner.contains_named_graph(ox.NamedNode(str(name))))

    def graph(self, name: URIRef) -> Graph:
        """A copy of one named graph as an rdflib ``Graph``."""
        out = Graph()
        for prefix, namespace in PREFIXES.items():
            out.bind(prefix, namespace)
        out += self.dataset.graph(name)
        return out

    def describe(self, iri: URIRef) -> Graph:
        """Triples about ``iri`` (from every graph) and the evidence for them."""
        result = self.query(
            f"""CONSTRUCT {{ <{iri}> ?p ?o . ?ev ?ep ?eo }} WHERE {{
              {{ <{iri}> ?p ?o }} UNION
              {{ ?ev a <{HK.Evidence}> ; <{RDF.subject}> <{iri}> ; ?ep ?eo }} }}"""
        )
        out = Graph()
        for prefix, namespace in PREFIXES.items():
            out.bind(prefix, namespace)
        data = ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)
        if data:
            out.parse(data=data.decode("utf-8"), format="nt")
        return out

    def documents(self) -> dict[str, str]:
        """Ingested documents: document IRI -> sha256."""
        rows = self.query(
            f"SELECT ?d ?sha WHERE {{ GRAPH ?d {{ ?d a <{PROV.Entity}> ; <{HK.sha256}> ?sha }} }}"
        )
        return {row["d"].value: row["sha"].value for row in rows}

    def __len__(self) -> int:
        return len(self.inner)

    def named_graphs(self) -> Iterator[URIRef]:
        """Names of all graphs."""
        return (URIRef(g.value) for g in self.inner.named_graphs() if isinstance(g, ox.NamedNode))

    def close(self) -> None:
        """Flush writes to disk and release the store's lock.

        RocksDB holds its lock until the last reference to the store is gone,
        so both the store and the rdflib adapter around it are dropped.
        """
        self.inner.flush()
        del self.dataset
        del self.inner
        gc.collect()
