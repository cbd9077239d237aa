"""Reading and writing RDF with every literal kept exactly (pyoxigraph's parsers
and writers behind rdflib graphs).

rdflib normalises literals when it builds them (``"1"^^xsd:double`` becomes
``"1.0"``), and its Turtle writer prints ``"1"^^xsd:decimal`` as ``1.0``, so a
graph read from the store and written out by rdflib is not what was stored.
These build rdflib terms with ``normalize=False`` and write through pyoxigraph
from the lexical forms.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef


def exact_term(term: Any) -> Any:
    """A pyoxigraph term as an rdflib term (literals keep their lexical form)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language, normalize=False)
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
    raise TypeError(f"not an RDF term: {term!r}")


def ox_term(term: Any) -> Any:
    """An rdflib term as a pyoxigraph term, from its lexical form."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def exact_graph(triples: Iterable[Any], graph: Graph | None = None) -> Graph:
    """pyoxigraph triples (or quads, graph ignored) added to an rdflib graph."""
    graph = Graph() if graph is None else graph
    for t in triples:
        graph.add((exact_term(t.subject), exact_term(t.predicate), exact_term(t.object)))
    return graph


#: Media types :func:`write_exact` writes, and pyoxigraph's format for each.
WRITE_FORMATS: dict[str, Any] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/trig": ox.RdfFormat.TRIG,
}


def write_exact(graph: Graph, media: str, prefixes: Mapping[str, str] | None = None) -> bytes:
    """``graph`` as ``media`` (a key of :data:`WRITE_FORMATS`), literals as they are;
    in TriG the triples are in the default graph."""
    fmt = WRITE_FORMATS[media]
    triples = [ox.Triple(ox_term(s), ox_term(p), ox_term(o)) for s, p, o in graph]
    items: list[Any] = triples
    if fmt == ox.RdfFormat.TRIG:
        items = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
    kwargs: dict[str, Any] = {}
    if prefixes and fmt != ox.RdfFormat.N_TRIPLES:
        kwargs["prefixes"] = dict(prefixes)
    return ox.serialize(items, format=fmt, **kwargs) or b""


def read_turtle(path: Path) -> Graph:
    """A Turtle file as an rdflib graph with its literals exactly as written."""
    with path.open("rb") as handle:
        return exact_graph(ox.parse(handle, ox.RdfFormat.TURTLE))
