"""SPARQL 1.1 Protocol over a real uvicorn server, driven by SPARQLWrapper,
rdflib's SPARQLStore and plain HTTP."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import (
    CSV,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    XML,
    SPARQLWrapper,
)

from api.sparql_protocol import GRAPH_MEDIA, negotiate
from graph.store.guard import Refused, check
from tests.api.conftest import FIXTURE_GRAPH, ORG, PROJECT, fixture_graph
from tests.conftest import LiveServer

SELECT = f"""PREFIX schema: <https://schema.org/>
SELECT ?name WHERE {{ <{PROJECT}> schema:name ?name }} ORDER BY ?name"""
ASK_YES = f"ASK {{ <{PROJECT}> a hk:Project }}"
CONSTRUCT = f"CONSTRUCT {{ <{PROJECT}> ?p ?o }} WHERE {{ <{PROJECT}> ?p ?o }}"
NAMES = {"Demohanke vertaistuesta", "Demo project on peer support"}


def wrapper(server: LiveServer, query: str, fmt: str, post: bool = False) -> SPARQLWrapper:
    sparql = SPARQLWrapper(f"{server.url}/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    if post:
        sparql.setMethod(POST)
    return sparql


def project_triples() -> Graph:
    graph = Graph()
    for triple in fixture_graph().triples((URIRef(PROJECT), None, None)):
        graph.add(triple)
    return graph


@pytest.mark.parametrize("post", [False, True], ids=["get", "post-form"])
def test_select_json_with_sparqlwrapper(ld_server: LiveServer, post: bool) -> None:
    result = wrapper(ld_server, SELECT, JSON, post).query()
    assert result.response.headers["Content-Type"].startswith("application/sparql-results+json")
    data = result.convert()
    assert {b["name"]["value"] for b in data["results"]["bindings"]} == NAMES
    assert {b["name"]["xml:lang"] for b in data["results"]["bindings"]} == {"fi", "en"}


def test_select_post_directly_as_sparql_query(ld_server: LiveServer) -> None:
    sparql = wrapper(ld_server, SELECT, JSON, post=True)
    sparql.setRequestMethod(POSTDIRECTLY)
    data = sparql.query().convert()
    assert {b["name"]["value"] for b in data["results"]["bindings"]} == NAMES


def test_select_xml(ld_server: LiveServer) -> None:
    document = wrapper(ld_server, SELECT, XML).query().convert()
    literals = document.getElementsByTagName("literal")
    assert {node.firstChild.data for node in literals} == NAMES


def test_select_csv_and_tsv(ld_server: LiveServer) -> None:
    body = wrapper(ld_server, SELECT, CSV).query().convert()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0] == ["name"] and {r[0] for r in rows[1:]} == NAMES
    tsv = wrapper(ld_server, SELECT, TSV).query().convert().decode("utf-8").splitlines()
    assert tsv[0] == "?name"
    assert set(tsv[1:]) == {'"Demohanke vertaistuesta"@fi', '"Demo project on peer support"@en'}


def test_ask_json_and_xml(ld_server: LiveServer) -> None:
    assert wrapper(ld_server, ASK_YES, JSON).query().convert()["boolean"] is True
    document = wrapper(ld_server, ASK_YES, XML).query().convert()
    assert document.getElementsByTagName("boolean")[0].firstChild.data == "true"
    no = wrapper(ld_server, "ASK { <http://example.org/none> ?p ?o }", JSON).query().convert()
    assert no["boolean"] is False


@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML, JSONLD])
def test_construct_every_graph_format(ld_server: LiveServer, fmt: str) -> None:
    graph = wrapper(ld_server, CONSTRUCT, fmt).query().convert()
    if isinstance(graph, bytes | str):  # SPARQLWrapper leaves some formats unparsed
        parsed = Graph()
        parsed.parse(data=graph, format={TURTLE: "turtle", N3: "turtle"}.get(fmt, fmt))
        graph = parsed
    assert isomorphic(graph, project_triples())


@pytest.mark.parametrize(
    ("media", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/trig", "trig"),
    ],
)
def test_construct_by_accept(ld_server: LiveServer, media: str, rdflib_format: str) -> None:
    response = httpx.get(
        f"{ld_server.url}/sparql", params={"query": CONSTRUCT}, headers={"Accept": media}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    assert "Accept" in response.headers["vary"]
    if rdflib_format == "trig":
        dataset = Dataset()
        dataset.parse(data=response.text, format="trig")
        graph = Graph()
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            graph.add((s, p, o))
    else:
        graph = Graph()
        graph.parse(data=response.text, format=rdflib_format)
    assert isomorphic(graph, project_triples())


def test_describe(ld_server: LiveServer) -> None:
    graph = wrapper(ld_server, f"DESCRIBE <{ORG}>", TURTLE).query().convert()
    if isinstance(graph, bytes):
        graph = Graph().parse(data=graph, format="turtle")
    assert (URIRef(ORG), URIRef("https://schema.org/alternateName"), Literal("DY")) in graph


def test_rdflib_sparqlstore_select_ask_construct(ld_server: LiveServer) -> None:
    store = SPARQLStore(query_endpoint=f"{ld_server.url}/sparql", returnFormat="json")
    graph = Graph(store=store)
    rows = list(graph.query(SELECT))
    assert {str(r[0]) for r in rows} == NAMES
    assert graph.query(ASK_YES).askAnswer is True
    constructed = graph.query(CONSTRUCT).graph
    assert isomorphic(constructed, project_triples())
    assert (URIRef(ORG), None, None) in graph


def test_format_parameter_and_q_values(ld_server: LiveServer) -> None:
    url = f"{ld_server.url}/sparql"
    prefer_xml = "text/csv;q=0.5, application/sparql-results+xml;q=0.9, */*;q=0.1"
    response = httpx.get(url, params={"query": SELECT}, headers={"Accept": prefer_xml})
    assert response.headers["content-type"].startswith("application/sparql-results+xml")
    response = httpx.get(
        url, params={"query": SELECT, "format": "tsv"}, headers={"Accept": prefer_xml}
    )
    assert response.headers["content-type"].startswith("text/tab-separated-values")
    response = httpx.get(url, params={"query": SELECT}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.headers["content-type"].startswith("application/problem+json")
    default = httpx.get(url, params={"query": SELECT})
    assert default.headers["content-type"].startswith("application/sparql-results+json")


def test_default_and_named_graph_uri(ld_server: LiveServer) -> None:
    url = f"{ld_server.url}/sparql"
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    only_fixture = httpx.get(
        url, params={"query": count, "default-graph-uri": str(FIXTURE_GRAPH)}
    ).json()
    assert only_fixture["results"]["bindings"][0]["n"]["value"] == str(len(fixture_graph()))
    everything = httpx.get(url, params={"query": count}).json()
    assert int(everything["results"]["bindings"][0]["n"]["value"]) > len(fixture_graph())
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    form = httpx.post(
        url,
        data={"query": graphs, "named-graph-uri": str(FIXTURE_GRAPH)},
        headers={"Accept": "application/sparql-results+json"},
    ).json()
    assert [b["g"]["value"] for b in form["results"]["bindings"]] == [str(FIXTURE_GRAPH)]


def test_malformed_query_is_a_400_problem_with_the_parser_message(ld_server: LiveServer) -> None:
    response = httpx.get(f"{ld_server.url}/sparql", params={"query": "SELECT ?x WHERE { ?x"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 400 and "malformed SPARQL query" in problem["detail"]
    assert "error at" in problem["detail"] or "expected" in problem["detail"]


def test_wrong_post_media_type_is_415(ld_server: LiveServer) -> None:
    response = httpx.post(
        f"{ld_server.url}/sparql", content=SELECT, headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415


def test_service_description(ld_server: LiveServer) -> None:
    response = httpx.get(f"{ld_server.url}/sparql")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    services = list(graph.subjects(URIRef(sd + "endpoint"), None))
    assert services and str(services[0]).endswith("/sparql")
    assert (services[0], URIRef(sd + "feature"), URIRef(sd + "UnionDefaultGraph")) in graph
    as_json = httpx.get(f"{ld_server.url}/sparql", headers={"Accept": "application/ld+json"})
    assert json.loads(as_json.text)


JSON_RESULTS = {"Accept": "application/sparql-results+json"}
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
SD_NS = "http://www.w3.org/ns/sparql-service-description#"
VOID_TRIPLES = URIRef("http://rdfs.org/ns/void#triples")


def count(server: LiveServer, query: str, **params: str) -> int:
    response = httpx.get(
        f"{server.url}/sparql", params={"query": query, **params}, headers=JSON_RESULTS
    )
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_two_query_parameters_answered_200(ld_server: LiveServer) -> None:
    response = httpx.get(
        f"{ld_server.url}/sparql?query=ASK%20%7B%7D&query=SELECT%20*%20%7B%7D",
        headers=JSON_RESULTS,
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "exactly one" in response.json()["detail"]


def test_named_graph_uri_alone_kept_the_union_as_default_graph(ld_server: LiveServer) -> None:
    # SPARQL 1.1 Protocol 2.1.4: the request's dataset is exactly the graphs it names,
    # so named-graph-uri alone leaves the default graph empty, as FROM NAMED does.
    from_named = f"SELECT (COUNT(*) AS ?n) FROM NAMED <{FIXTURE_GRAPH}> WHERE {{ ?s ?p ?o }}"
    assert count(ld_server, from_named) == 0
    assert count(ld_server, COUNT_ALL, **{"named-graph-uri": str(FIXTURE_GRAPH)}) == 0
    in_graph = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert count(ld_server, in_graph, **{"named-graph-uri": str(FIXTURE_GRAPH)}) == len(
        fixture_graph()
    )
    # default-graph-uri alone: no named graphs, as FROM alone.
    assert count(ld_server, in_graph, **{"default-graph-uri": str(FIXTURE_GRAPH)}) == 0
    from_only = (
        f"SELECT (COUNT(*) AS ?n) FROM <{FIXTURE_GRAPH}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    )
    assert count(ld_server, from_only) == 0


def test_trig_service_description_was_in_a_blank_node_graph(ld_server: LiveServer) -> None:
    response = httpx.get(f"{ld_server.url}/sparql", headers={"Accept": "application/trig"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/trig")
    quads = list(ox.parse(response.content, ox.RdfFormat.TRIG))
    assert quads
    assert all(q.graph_name == ox.DefaultGraph() for q in quads)


def test_service_description_counts_equal_count(ld_server: LiveServer) -> None:
    response = httpx.get(f"{ld_server.url}/sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.text, format="turtle")
    default = next(graph.objects(None, URIRef(SD_NS + "defaultGraph")))
    assert int(graph.value(default, VOID_TRIPLES)) == count(ld_server, COUNT_ALL)
    named = {
        str(graph.value(node, URIRef(SD_NS + "name"))): int(
            graph.value(graph.value(node, URIRef(SD_NS + "graph")), VOID_TRIPLES)
        )
        for node in graph.objects(None, URIRef(SD_NS + "namedGraph"))
    }
    quads = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert sum(named.values()) == count(ld_server, quads)
    assert named[str(FIXTURE_GRAPH)] == len(fixture_graph())


def test_negotiation_unit() -> None:
    offers = {"a/x": ("a/x",), "b/y": ("b/y", "b/alias")}
    assert negotiate(None, offers) == "a/x"
    assert negotiate("b/*", offers) == "b/y"
    assert negotiate("a/x;q=0.2, b/alias;q=0.8", offers) == "b/y"
    assert negotiate("*/*;q=0.5, a/x;q=0", offers) == "b/y"
    assert negotiate("c/z", offers) is None
    assert negotiate("b/*;q=0.3, a/*;q=0.2", offers) == "b/y"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        # RFC 9110 §12.5.1: q=0 excludes a type, whatever alias a wildcard also matches.
        ("text/turtle;q=0, */*", "application/n-triples"),
        ("application/*", "application/n-triples"),
        ("application/*;q=0.5, text/*", "text/turtle"),
        ("text/turtle;q=0.1, application/ld+json;q=0.9", "application/ld+json"),
        ("text/n3", "text/turtle"),
        ("application/*;q=0.9, application/n-triples;q=0", "application/ld+json"),
        ("image/png", None),
        ("*/*;q=0", None),
    ],
)
def test_content_negotiation_honoured_q_zero_and_wildcards(
    accept: str, expected: str | None
) -> None:
    """Regression: ``text/turtle;q=0, */*`` got Turtle (an alias of it matched ``*/*``)."""
    assert negotiate(accept, GRAPH_MEDIA) == expected


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
        "select * where { service silent <http://x/> { ?s ?p ?o } }",
        "SELECT * WHERE { ?a ?b ?c OPTIONAL { SERVICE?endpoint { ?s ?p ?o } } }",
        'SELECT * WHERE { ?s ?p "#" . SERVICE <http://x/> { ?s ?p ?o } }',
        "SELECT * WHERE { ?s ?p ?o FILTER(?o <?p) SERVICE <http://x/> {} }",
        "SELECT * WHERE { ?s ?p '''it''s \"quoted\"''' SERVICE <http://x/> {} }",
    ],
)
def test_service_is_found(query: str) -> None:
    with pytest.raises(Refused):
        check(query)


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * WHERE { ?s ?p "SERVICE <http://x/>" }',
        "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://x/>",
        "SELECT ?service WHERE { ?service ?p <http://x/SERVICE> }",
        "PREFIX SERVICE: <http://x/> SELECT * WHERE { ?s SERVICE:p ?o }",
    ],
)
def test_service_lookalikes_are_allowed(query: str) -> None:
    assert check(query) == query
