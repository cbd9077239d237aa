"""SPARQL 1.1 Protocol helpers: content negotiation, the SERVICE guard and the
service description.

Nothing here touches the store; the store's query runner runs the queries.
"""

from __future__ import annotations

import re

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from graph.store import results as sr
from graph.vocab import SD, VOID

FORMATS_NS = "http://www.w3.org/ns/formats/"

#: SELECT/ASK result formats: canonical media type -> accepted aliases.
RESULT_MEDIA: dict[str, tuple[str, ...]] = {
    sr.JSON: (sr.JSON, "application/json", "text/javascript", "application/javascript"),
    sr.XML: (sr.XML, "application/xml", "text/xml"),
    sr.CSV: (sr.CSV,),
    sr.TSV: (sr.TSV,),
}
#: CONSTRUCT/DESCRIBE formats: canonical media type -> accepted aliases.
GRAPH_MEDIA: dict[str, tuple[str, ...]] = {
    # Turtle is a subset of N3, so N3 clients get Turtle.
    "text/turtle": (
        "text/turtle",
        "application/turtle",
        "application/x-turtle",
        "text/n3",
        "text/rdf+n3",
        "application/rdf+n3",
    ),
    "application/n-triples": ("application/n-triples", "text/plain"),
    "application/ld+json": ("application/ld+json", "application/x-json+ld", "application/json"),
    "application/rdf+xml": ("application/rdf+xml", "application/xml", "text/xml"),
    "application/trig": ("application/trig",),
}
#: ``?format=`` short names: name -> (result media, graph media).
FORMAT_NAMES: dict[str, tuple[str | None, str | None]] = {
    "json": (sr.JSON, "application/ld+json"),
    "xml": (sr.XML, "application/rdf+xml"),
    "csv": (sr.CSV, None),
    "tsv": (sr.TSV, None),
    "turtle": (None, "text/turtle"),
    "ttl": (None, "text/turtle"),
    "n3": (None, "text/turtle"),
    "ntriples": (None, "application/n-triples"),
    "nt": (None, "application/n-triples"),
    "jsonld": (None, "application/ld+json"),
    "json-ld": (None, "application/ld+json"),
    "rdfxml": (None, "application/rdf+xml"),
    "rdf": (None, "application/rdf+xml"),
    "trig": (None, "application/trig"),
}
#: W3C format IRIs for the service description.
FORMAT_IRIS = {
    sr.JSON: "SPARQL_Results_JSON",
    sr.XML: "SPARQL_Results_XML",
    sr.CSV: "SPARQL_Results_CSV",
    sr.TSV: "SPARQL_Results_TSV",
    "text/turtle": "Turtle",
    "application/n-triples": "N-Triples",
    "application/ld+json": "JSON-LD",
    "application/rdf+xml": "RDF_XML",
    "application/trig": "TriG",
}


def negotiate(accept: str | None, offers: dict[str, tuple[str, ...]]) -> str | None:
    """The offered canonical media type the client prefers, or ``None`` if none is acceptable.

    ``offers`` maps canonical types to aliases, in the server's order of
    preference. The header is read by werkzeug's ``MIMEAccept`` (RFC 9110
    §12.5.1: a type gets the q of the most specific range that matches it, and
    q=0 excludes it). A canonical type is judged by its own q: an alias counts
    only where the client names it exactly, so ``text/turtle;q=0, */*`` never
    gets Turtle under an alias. Ties go to the client's exactly named type, then
    to our order. An empty or missing header accepts the first offer.
    """
    if not accept or not accept.strip():
        return next(iter(offers))
    accepted = parse_accept_header(accept, MIMEAccept)
    named = {value.split(";")[0].strip().lower(): q for value, q in accepted}
    best: tuple[float, bool, int] | None = None
    choice = None
    for rank, (canonical, aliases) in enumerate(offers.items()):
        q = accepted.quality(canonical)
        if named.get(canonical) == 0:
            continue  # refused by name
        exact = canonical in named
        for alias in aliases:
            if alias != canonical and named.get(alias, 0) > q:
                q, exact = named[alias], True
        if q <= 0:
            continue
        key = (q, exact, -rank)
        if best is None or key > best:
            best, choice = key, canonical
    return choice


def choose_formats(accept: str | None, fmt: str | None) -> tuple[str | None, str | None]:
    """Media types for (SELECT/ASK, CONSTRUCT/DESCRIBE) from ``?format=`` or ``Accept``.

    ``fmt`` wins when given and known: a short name (``json``, ``turtle``...) or a
    media type (SPARQLWrapper sends ``format=`` too).
    """
    if fmt:
        name = fmt.strip().lower()
        if name in FORMAT_NAMES:
            select, graph = FORMAT_NAMES[name]
        else:
            select, graph = negotiate(name, RESULT_MEDIA), negotiate(name, GRAPH_MEDIA)
        if select is None and graph is None:  # a name we do not know: Accept decides
            select, graph = negotiate(accept, RESULT_MEDIA), negotiate(accept, GRAPH_MEDIA)
    else:
        select, graph = negotiate(accept, RESULT_MEDIA), negotiate(accept, GRAPH_MEDIA)
    # A client that accepts only one family is a SPARQL client that guessed the
    # query form (rdflib's SPARQLStore asks for result formats for CONSTRUCT too):
    # it gets our default for the other family rather than a 406.
    if select is None and graph is not None:
        select = next(iter(RESULT_MEDIA))
    elif graph is None and select is not None:
        graph = next(iter(GRAPH_MEDIA))
    return select, graph


# The lexical tokens of SPARQL that can hide a bracket: comments, strings, IRIs,
# variables, blank nodes and prefixed names. Used only to bound nesting (a cost
# limit, before any parsing); what a text *does* is decided on a parse tree
# (:mod:`graph.store.guard`).
_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
             | '''(?:[^'\\]|\\.|'(?!''))*'''
             | "(?:[^"\\\n\r]|\\.)*"
             | '(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
  | (?P<bnode>_:[\w.\-\u00b7]+)
  | (?P<pname>[\w.\-]*:(?:[\w.\-:%\\\u00b7]|%[0-9a-fA-F]{2})*)
  | (?P<word>[A-Za-z_][\w\-]*)
  | (?P<other>\S)
    """,
    re.VERBOSE | re.DOTALL,
)

#: Deepest nesting of groups, brackets and parentheses a query may have. Oxigraph's
#: recursive-descent parser overflows its stack far deeper (thousands); no real
#: query comes near this.
MAX_NESTING = 200


def nesting_depth(text: str) -> int:
    """Deepest nesting of ``{ ( [`` outside strings, comments and IRIs."""
    depth = deepest = 0
    for match in _TOKEN.finditer(text):
        if match.lastgroup != "other":
            continue
        char = match.group()
        if char in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "})]":
            depth = max(0, depth - 1)
    return deepest


def too_deep(text: str) -> str | None:
    """Why ``text`` nests deeper than the parsers can take, or ``None``.

    A cheap bound checked in the server before a worker parses anything; a
    miscount here costs at most a worker killed at its time limit.
    """
    if nesting_depth(text) > MAX_NESTING:
        return f"the query nests groups or expressions deeper than {MAX_NESTING} levels"
    return None


def service_description(endpoint: str, triples: int, named_graphs: dict[str, int]) -> Graph:
    """A SPARQL 1.1 Service Description of the endpoint at ``endpoint``.

    The default dataset's default graph carries ``void:triples`` (what
    ``COUNT(*)`` over the default graph gives) and each named graph its own
    count; their sum is the number of quads in named graphs.
    """
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    service = URIRef(endpoint)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    for media in FORMAT_IRIS.values():
        graph.add((service, SD.resultFormat, URIRef(FORMATS_NS + media)))
    # Named nodes, not blank ones, so the same data gives the same bytes.
    dataset = URIRef(f"{endpoint}#dataset")
    default = URIRef(f"{endpoint}#default-graph")
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((default, VOID.triples, Literal(triples)))
    for number, (name, count) in enumerate(sorted(named_graphs.items())):
        node = URIRef(f"{endpoint}#named-graph-{number}")
        described = URIRef(f"{endpoint}#graph-{number}")
        graph.add((dataset, SD.namedGraph, node))
        graph.add((node, RDF.type, SD.NamedGraph))
        graph.add((node, SD.name, URIRef(name)))
        graph.add((node, SD.graph, described))
        graph.add((described, RDF.type, SD.Graph))
        graph.add((described, VOID.triples, Literal(count)))
    return graph
