"""Comparing SPARQL results and graphs the way the W3C suite means them.

Solutions are compared as multisets (the suite's ``ORDER BY`` tests are also
right as multisets; order is not checked). Blank nodes are compared up to a
consistent renaming: :func:`same_rows` looks for a bijection between the two
sides' labels. Literals compare by lexical form, datatype and language tag
(lower case), with a plain literal read as ``xsd:string`` (RDF 1.1).
"""

from __future__ import annotations

from collections import Counter
from itertools import permutations
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.query import Result
from rdflib.term import Node

RS = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")
XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = URIRef(f"{XSD}string")
#: Numeric datatypes: their literals compare by value (Oxigraph writes canonical forms).
NUMERIC = {f"{XSD}{t}" for t in ("integer", "decimal", "double", "float")}

Row = frozenset[tuple[str, object]]


def key(term: Node) -> object:
    """A hashable form of ``term`` that ignores what RDF 1.1 says is no difference."""
    if isinstance(term, Literal):
        datatype = term.datatype or (None if term.language else XSD_STRING)
        lexical: object = str(term)
        if str(datatype) in NUMERIC:
            try:
                lexical = float(str(term))
            except ValueError:
                pass
        return ("literal", lexical, str(datatype), (term.language or "").lower())
    if isinstance(term, BNode):
        return ("bnode", str(term))
    return ("iri", str(term))


def rows_of(result: Result) -> list[dict[str, Node]]:
    """The bound variables of each solution."""
    names = [str(v) for v in result.vars or []]
    return [
        {name: value for name, value in zip(names, row, strict=False) if value is not None}
        for row in result  # type: ignore[union-attr]
    ]


def _rebase(rows: list[dict[str, Node]], local: str, base: str) -> list[dict[str, Node]]:
    """Relative IRIs of a result file, which rdflib resolved against the local path,
    resolved against the suite's IRI instead."""
    return [
        {
            k: URIRef(base + v[len(local) :])
            if isinstance(v, URIRef) and v.startswith(local)
            else v
            for k, v in row.items()
        }
        for row in rows
    ]


def expected(file: Path, iri: str) -> bool | list[dict[str, Node]] | Graph:
    """A result file (at suite IRI ``iri``): ASK's boolean, SELECT's solutions, or
    CONSTRUCT's graph."""
    found = _expected(file, iri)
    if isinstance(found, list):
        return _rebase(found, file.parent.as_uri() + "/", iri.rsplit("/", 1)[0] + "/")
    return found


def _expected(file: Path, iri: str) -> bool | list[dict[str, Node]] | Graph:
    suffix = file.suffix
    if suffix in (".srx", ".srj", ".tsv", ".csv"):
        formats = {".srx": "xml", ".srj": "json", ".tsv": "tsv", ".csv": "csv"}
        result = Result.parse(file.open("rb"), format=formats[suffix])
        if result.type == "ASK":
            return bool(result.askAnswer)
        return rows_of(result)
    graph = Graph().parse(file, format="turtle" if suffix == ".ttl" else "xml", publicID=iri)
    result_set = next(graph.subjects(predicate=None, object=RS.ResultSet), None)
    if result_set is None:
        return graph
    boolean = graph.value(result_set, RS.boolean)
    if boolean is not None:
        return bool(boolean.toPython())
    solutions = []
    for solution in graph.objects(result_set, RS.solution):
        row = {}
        for binding in graph.objects(solution, RS.binding):
            row[str(graph.value(binding, RS.variable))] = graph.value(binding, RS.value)
        solutions.append(row)
    return solutions  # type: ignore[return-value]


def _shape(rows: list[dict[str, Node]], rename: dict[str, str]) -> Counter[Row]:
    out: Counter[Row] = Counter()
    for row in rows:
        items = []
        for name, value in row.items():
            k = key(value)
            if isinstance(value, BNode):
                k = ("bnode", rename.get(str(value), str(value)))
            items.append((name, k))
        out[frozenset(items)] += 1
    return out


def same_rows(got: list[dict[str, Node]], want: list[dict[str, Node]]) -> bool:
    """Whether two solution multisets are equal up to renaming blank nodes."""
    if len(got) != len(want):
        return False

    def labels(rows: list[dict[str, Node]]) -> list[str]:
        return sorted({str(v) for row in rows for v in row.values() if isinstance(v, BNode)})

    ours, theirs = labels(got), labels(want)
    if len(ours) != len(theirs):
        return False
    target = _shape(want, {})
    if not ours:
        return _shape(got, {}) == target
    if len(ours) > 7:
        # Too many for every bijection: compare with every blank node the same.
        flat = {label: "_" for label in ours}
        return _shape(got, flat) == _shape(want, dict.fromkeys(theirs, "_"))
    return any(
        _shape(got, dict(zip(ours, order, strict=True))) == target for order in permutations(theirs)
    )


def same_graph(got: Graph, want: Graph) -> bool:
    """Graph isomorphism (plain and ``xsd:string`` literals the same, tags in lower case)."""
    return isomorphic(_plain(got), _plain(want))


def _plain(graph: Graph) -> Graph:
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD_STRING:
            o = Literal(str(o))
        elif isinstance(o, Literal) and o.language:
            o = Literal(str(o), lang=o.language.lower())
        out.add((s, p, o))
    return out
