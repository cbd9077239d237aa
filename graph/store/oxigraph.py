"""The embedded, persistent store: Oxigraph (RocksDB) behind rdflib.

rdflib's ``Dataset`` over oxrdflib gives the rdflib API; queries and writes go
straight to pyoxigraph, which is where the speed is (bulk writes through
rdflib's per-triple API are slow). Every write is one SPARQL update, which
Oxigraph applies as a single transaction.
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
        self.dataset = Dataset(store=_RdflibAdapter(store=self.inner), default_union=True)
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
        """Run a SPARQL query over the union of all graphs (or the given ones).

        Raises:
            SyntaxError: the query does not parse (the message is the parser's).
        """
        kwargs: dict[str, Any] = {}
        if default_graphs:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        else:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        if custom_functions:
            kwargs["custom_functions"] = {ox.NamedNode(k): v for k, v in custom_functions.items()}
        prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
        return self.inner.query(sparql, prefixes=prefixes, **kwargs)

    def replace_graphs(self, drop: Iterable[URIRef], add: dict[URIRef, Graph]) -> None:
        """Drop and write named graphs in one transaction."""
        drop = list(drop)
        if not drop and not any(self.has_graph(name) for name in add):
            # Only new graphs: one transactional ``extend``, no SPARQL to parse.
            quads = [
                ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(str(name)))
                for name, graph in add.items()
                for t in ox.parse(
                    graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES
                )
            ]
            self.inner.extend(quads)
            return
        parts = [f"DROP SILENT GRAPH <{g}>" for g in dict.fromkeys([*drop, *add])]
        for name, graph in add.items():
            if len(graph):
                body = graph.serialize(format="nt")
                parts.append(f"INSERT DATA {{ GRAPH <{name}> {{\n{body}\n}} }}")
        if parts:
            self.inner.update(" ;\n".join(parts))

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
