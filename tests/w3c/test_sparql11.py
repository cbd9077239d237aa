"""The W3C SPARQL 1.1 test suite through hankekg's HTTP endpoints (issue 24, item 1).

Query evaluation, query syntax, update evaluation and update syntax, from the
vendored manifests (``tests/w3c/sparql11``, see ``SOURCES.md``), run as Oxigraph
and rdflib run the suite in theirs, but over the SPARQL 1.1 Protocol:

* every data file is loaded into a named graph named by its IRI, and a query
  test's dataset is given by ``default-graph-uri`` / ``named-graph-uri`` (a test
  with no default data gets an empty default graph); the query is sent with a
  leading ``BASE`` of its file's IRI, as a client holding the file would;
* an update test starts from an emptied store with its named graphs loaded, and
  its default-graph data in a named graph of its own (hankekg's default graph
  is the union of the named graphs); afterwards the named graphs must be the
  expected ones, and the default graph their union with the expected default;
* ``SERVICE``, ``LOAD`` and writes to the derived default graph are *refused*:
  such a test passes only on a 400 that names the rule.

A summary per manifest (passed, failed, refused) is printed at the end of the
run (:mod:`tests.w3c.outcomes`); README "SPARQL" quotes it. The expected
failures (:data:`ENGINE_FAULTS`) are faults of Oxigraph itself, each reproduced
on bare pyoxigraph in :mod:`tests.w3c.test_engine_faults`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef
from rdflib.query import Result

from api.app import create_app
from api.engine import Engine
from tests.conftest import make_settings
from tests.w3c import results
from tests.w3c.manifest import Case, path, suite
from tests.w3c.outcomes import OUTCOMES
from tests.w3c.test_engine_faults import FAULTS

TOKEN = "w3c-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EMPTY = "urn:x-hankekg:w3c:empty"
#: Where an update test's default-graph data lives (the default graph is derived).
DEFAULT_DATA = "urn:x-hankekg:w3c:default"
ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
#: What a 400 says when it refuses by rule rather than for a fault.
RULES = ("union of the named graphs", "LOAD is not allowed", "SERVICE is not allowed")

#: The federation manifest's tests are queries too: every one is refused (SERVICE).
QUERIES = suite("manifest-sparql11-query.ttl") + suite("manifest-sparql11-fed.ttl")
UPDATES = suite("manifest-sparql11-update.ttl")

#: Tests Oxigraph itself answers wrongly: test -> the reproduction's key in
#: tests/w3c/test_engine_faults.py (each a strict xfail on bare pyoxigraph).
ENGINE_FAULTS: dict[str, str] = {
    "aggregates/agg-groupconcat-04": "group_concat_of_tagged_literals",
    "aggregates/agg-groupconcat-06": "group_concat_of_tagged_literals",
    "aggregates/agg-empty-group-count-graph": "count_in_a_subquery_inside_graph",
    "bindings/graph": "values_inside_graph_binding_the_graph_variable",
    "functions/bnode01": "bnode_of_a_string_across_solutions",
    "negation/graph-minus": "minus_inside_graph",
    "property-path/zero_or_more_set_start": "zero_length_path_on_an_empty_dataset",
    "property-path/zero_or_more_set_end": "zero_length_path_on_an_empty_dataset",
    "property-path/zero_or_one_set_start": "zero_length_path_on_an_empty_dataset",
    "property-path/zero_or_one_set_end": "zero_length_path_on_an_empty_dataset",
}

#: Not an engine fault: where hankekg's data model (the default graph is the union of
#: the named graphs) gives another answer than the suite's independent default graph.
BY_DESIGN: dict[str, str] = {
    "copy/copy01": "COPY DEFAULT TO <g1> copies the union, which holds g1's own triples too",
}

_FROM = re.compile(r"\bFROM\b", re.IGNORECASE)
_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".nt": ox.RdfFormat.N_TRIPLES,
}


def _nquads(files: dict[str, str]) -> bytes:
    """N-Quads of each file (IRI) into the graph named by the key, parsed by Oxigraph
    (so lexical forms arrive as written; rdflib would normalise them)."""
    quads = []
    for graph, file in files.items():
        local = path(file)
        for triple in ox.parse(path=local, format=_FORMATS[local.suffix], base_iri=file):
            quads.append(
                ox.Quad(triple.subject, triple.predicate, triple.object, ox.NamedNode(graph))
            )
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""


def _client(home: Path, data: dict[str, str]) -> Iterator[tuple[Engine, TestClient]]:
    settings = make_settings(home, api_token=TOKEN, sparql_timeout_s=10.0, sparql_max_rows=10_000)
    engine = Engine(settings)
    engine.store.update("DROP ALL")  # the reference data: not part of any test's dataset
    if data:
        engine.store.bulk_load(io.BytesIO(_nquads(data)), "nquads")
    with TestClient(create_app(settings, engine=engine)) as client:
        yield engine, client
    engine.close()


@pytest.fixture(scope="module")
def query_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A server whose named graphs are every data file of the query tests."""
    files = {f: f for case in QUERIES for f in (*case.data, *(g for _, g in case.graph_data))}
    for _, client in _client(tmp_path_factory.mktemp("w3c-query"), files):
        yield client


@pytest.fixture(scope="module")
def update_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, TestClient]]:
    """A server for the update tests (each test empties it first)."""
    yield from _client(tmp_path_factory.mktemp("w3c-update"), {})


def _text(iri: str) -> str:
    return f"BASE <{iri}>\n" + path(iri).read_text(encoding="utf-8")


def _refused(status: int, detail: str) -> bool:
    return status == 400 and any(rule in detail for rule in RULES)


def _detail(response: object) -> str:
    try:
        return str(response.json().get("detail", ""))  # type: ignore[attr-defined]
    except ValueError:
        return response.text  # type: ignore[attr-defined,no-any-return]


def _marks(case: Case) -> list[pytest.MarkDecorator]:
    fault = ENGINE_FAULTS.get(case.id)
    reason = FAULTS[fault] if fault else BY_DESIGN.get(case.id)
    return [pytest.mark.xfail(reason=reason, strict=True)] if reason else []


def _params(cases: list[Case]) -> list[object]:
    return [pytest.param(case, id=case.id, marks=_marks(case)) for case in cases]


def _record(case: Case, outcome: str, detail: str = "") -> None:
    OUTCOMES.append((case.part, case.id.split("/")[0], outcome))
    assert outcome != "failed", detail


@pytest.mark.parametrize("case", _params([c for c in QUERIES if c.part == "query evaluation"]))
def test_query_evaluation(query_client: TestClient, case: Case) -> None:
    text = _text(case.action)
    params: list[tuple[str, str]] = [("query", text)]
    if not _FROM.search(text):
        params += [("default-graph-uri", d) for d in case.data or (EMPTY,)]
        params += [("named-graph-uri", g) for g, _ in case.graph_data]
    response = query_client.get("/sparql", params=params, headers={"Accept": ACCEPT})
    detail = _detail(response) if response.status_code != 200 else ""
    if _refused(response.status_code, detail):
        return _record(case, "refused")
    if response.status_code != 200:
        return _record(case, "failed", f"{response.status_code}: {detail}")
    assert case.result is not None
    want = results.expected(path(case.result), case.result)
    if response.headers["content-type"].startswith("application/n-triples"):
        got_graph = Graph().parse(data=response.text, format="nt")
        ok = isinstance(want, Graph) and results.same_graph(got_graph, want)
        return _record(case, "passed" if ok else "failed", response.text)
    got = Result.parse(io.BytesIO(response.content), format="json")
    if got.type == "ASK":
        ok = want is bool(got.askAnswer)
    else:
        ok = isinstance(want, list) and results.same_rows(results.rows_of(got), want)
    _record(case, "passed" if ok else "failed", f"got {response.text[:2000]}\nwant {want}")


@pytest.mark.parametrize("case", _params([c for c in QUERIES if c.part == "query syntax"]))
def test_query_syntax(query_client: TestClient, case: Case) -> None:
    params = [("query", _text(case.action)), ("default-graph-uri", EMPTY)]
    response = query_client.get("/sparql", params=params, headers={"Accept": ACCEPT})
    detail = _detail(response) if response.status_code != 200 else ""
    if case.positive and _refused(response.status_code, detail):
        return _record(case, "refused")
    ok = response.status_code == 200 if case.positive else response.status_code == 400
    _record(case, "passed" if ok else "failed", f"{response.status_code}: {detail}")


def _update(client: TestClient, text: str) -> tuple[int, str]:
    headers = {"Content-Type": "application/sparql-update", **AUTH}
    response = client.post("/sparql/update", content=text.encode("utf-8"), headers=headers)
    return response.status_code, _detail(response) if response.status_code != 204 else ""


@pytest.mark.parametrize("case", _params([c for c in UPDATES if c.part == "update syntax"]))
def test_update_syntax(update_client: tuple[Engine, TestClient], case: Case) -> None:
    _, client = update_client
    status, detail = _update(client, _text(case.action))
    if case.positive and _refused(status, detail):
        return _record(case, "refused")
    # A positive test's text parses; running it may still fail (DROP of a graph that
    # does not exist), which is the update's error, not a syntax error.
    ran = status == 204 or (status == 400 and detail.startswith("SPARQL update failed"))
    ok = ran if case.positive else status == 400
    _record(case, "passed" if ok else "failed", f"{status}: {detail}")


def _files_graph(files: tuple[str, ...]) -> Graph:
    """The triples of ``files``, read by Oxigraph as the store reads them."""
    graph = Graph()
    for file in files:
        local = path(file)
        triples = ox.parse(path=local, format=_FORMATS[local.suffix], base_iri=file)
        graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"", format="nt")
    return graph


@pytest.mark.parametrize("case", _params([c for c in UPDATES if c.part == "update evaluation"]))
def test_update_evaluation(update_client: tuple[Engine, TestClient], case: Case) -> None:
    engine, client = update_client
    engine.apply_update("DROP ALL")
    quads = _nquads(dict(case.graph_data)) + b"".join(_nquads({DEFAULT_DATA: f}) for f in case.data)
    if quads:
        engine.store.bulk_load(io.BytesIO(quads), "nquads")
    status, detail = _update(client, _text(case.action))
    if _refused(status, detail):
        return _record(case, "refused")
    if status != 204:
        return _record(case, "failed", f"{status}: {detail}")
    want_named = {name: _files_graph((file,)) for name, file in case.result_graph_data}
    got_named = {
        str(name): engine.store.graph(name)
        for name in engine.store.named_graphs()
        if str(name) != DEFAULT_DATA and len(engine.store.graph(name))
    }
    problems = []
    if set(got_named) != {n for n, g in want_named.items() if len(g)}:
        problems.append(f"named graphs {sorted(got_named)} != {sorted(want_named)}")
    for name, graph in want_named.items():
        if name in got_named and not results.same_graph(got_named[name], graph):
            problems.append(f"graph {name} differs")
    union = Graph()
    for row in engine.store.select("SELECT ?s ?p ?o WHERE { ?s ?p ?o }"):
        union.add((row["s"], row["p"], row["o"]))  # type: ignore[arg-type]
    want_union = _files_graph(case.result_data)
    for graph in want_named.values():
        want_union += graph
    if not results.same_graph(union, want_union):
        problems.append("the default graph is not the expected default graph with the named graphs")
    _record(case, "failed" if problems else "passed", "; ".join(problems))


def test_every_part_of_the_suite_ran() -> None:
    """The manifests were read: no part silently empty."""
    parts = {case.part for case in QUERIES + UPDATES}
    assert parts == {"query evaluation", "query syntax", "update evaluation", "update syntax"}
    assert all(isinstance(URIRef(case.action), URIRef) for case in QUERIES + UPDATES)
