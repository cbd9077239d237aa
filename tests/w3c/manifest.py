"""Reading the vendored W3C SPARQL 1.1 manifests into plain test cases.

Each manifest is read with rdflib at the IRI the suite gives it (under
:data:`ROOT`), so every file it names has its canonical IRI, which is also the
name of the graph the runner loads it into; :func:`path` maps such an IRI back
to the vendored file. Results are compared by :mod:`tests.w3c.results`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.collection import Collection

HERE = Path(__file__).parent / "sparql11"
ROOT = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
DAWGT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#")

#: The four parts of the suite the runner covers: manifest type -> part.
KINDS = {
    MF.QueryEvaluationTest: "query evaluation",
    MF.PositiveSyntaxTest11: "query syntax",
    MF.NegativeSyntaxTest11: "query syntax",
    MF.UpdateEvaluationTest: "update evaluation",
    MF.PositiveUpdateSyntaxTest11: "update syntax",
    MF.NegativeUpdateSyntaxTest11: "update syntax",
}


@dataclass(frozen=True)
class Case:
    """One test of the suite, with the files it names as IRIs."""

    id: str
    """``folder/name``, e.g. ``functions/strdt01``."""
    part: str
    kind: URIRef
    action: str
    """The query or update file."""
    data: tuple[str, ...] = ()
    graph_data: tuple[tuple[str, str], ...] = ()
    """(graph name, file) pairs; for queries the name is the file's IRI."""
    result: str | None = None
    result_data: tuple[str, ...] = ()
    result_graph_data: tuple[tuple[str, str], ...] = field(default=())

    @property
    def positive(self) -> bool:
        """Whether a syntax test's text is valid SPARQL."""
        return "Positive" in str(self.kind)


def path(iri: str) -> Path:
    """The vendored file of a suite IRI."""
    assert iri.startswith(ROOT), iri
    return HERE / iri[len(ROOT) :]


def _graph_data(graph: Graph, node: object, update: bool) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in graph.objects(node, UT.graphData if update else QT.graphData):  # type: ignore[arg-type]
        if update:
            file = graph.value(item, UT.graph)
            pairs.append((str(graph.value(item, RDFS.label)), str(file)))
        else:
            pairs.append((str(item), str(item)))
    return tuple(sorted(pairs))


def cases(manifest: str) -> list[Case]:
    """The approved (or proposed) tests of the parts above, in manifest order."""
    folder = manifest.split("/")[0]
    iri = f"{ROOT}{manifest}"
    graph = Graph().parse(path(iri), format="turtle", publicID=iri)
    entries = graph.value(URIRef(iri), MF.entries)
    found: list[Case] = []
    for test in Collection(graph, entries) if entries is not None else []:
        kind = graph.value(test, RDF.type)
        if kind not in KINDS:
            continue
        if graph.value(test, DAWGT.approval) in (DAWGT.Withdrawn, DAWGT.Rejected):
            continue
        action = graph.value(test, MF.action)
        result = graph.value(test, MF.result)
        name = f"{folder}/{str(test).rsplit('#', 1)[-1]}"
        part = KINDS[kind]
        if kind == MF.QueryEvaluationTest:
            found.append(
                Case(
                    name,
                    part,
                    kind,
                    str(graph.value(action, QT.query)),
                    tuple(sorted(str(d) for d in graph.objects(action, QT.data))),
                    _graph_data(graph, action, update=False),
                    str(result) if result is not None else None,
                )
            )
        elif kind == MF.UpdateEvaluationTest:
            found.append(
                Case(
                    name,
                    part,
                    kind,
                    str(graph.value(action, UT.request)),
                    tuple(sorted(str(d) for d in graph.objects(action, UT.data))),
                    _graph_data(graph, action, update=True),
                    None,
                    tuple(sorted(str(d) for d in graph.objects(result, UT.data))),
                    _graph_data(graph, result, update=True),
                )
            )
        else:
            found.append(Case(name, part, kind, str(action)))
    return found


def suite(top: str) -> list[Case]:
    """Every case of the folders a top manifest (``manifest-sparql11-*.ttl``) includes."""
    iri = f"{ROOT}{top}"
    graph = Graph().parse(path(iri), format="turtle", publicID=iri)
    include = graph.value(URIRef(iri), MF.include)
    manifests = [str(m)[len(ROOT) :] for m in Collection(graph, include)]  # type: ignore[arg-type]
    return [case for manifest in manifests for case in cases(manifest)]
