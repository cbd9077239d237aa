"""Dereferenceable IRIs, the ontology, the JSON-LD context and VoID."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, RDF

from api.engine import Engine
from graph.store.terms import exact_graph as to_rdflib
from tests.api.conftest import BASE, ORG, PROJECT
from tests.conftest import LiveServer

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
NAME = URIRef("https://schema.org/name")
VOID = "http://rdfs.org/ns/void#"


def path(iri: str) -> str:
    return iri.replace("http://localhost:8000", "")


@pytest.mark.parametrize(
    ("accept", "rdflib_format", "media"),
    [
        ("text/turtle", "turtle", "text/turtle"),
        ("application/ld+json", "json-ld", "application/ld+json"),
        ("application/n-triples", "nt", "application/n-triples"),
        ("application/rdf+xml", "xml", "application/rdf+xml"),
        ("*/*", "turtle", "text/turtle"),
    ],
)
def test_project_iri_by_accept(
    ld_server: LiveServer, accept: str, rdflib_format: str, media: str
) -> None:
    response = httpx.get(f"{ld_server.url}{path(PROJECT)}", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    # Accept-Encoding too: large answers are gzipped for clients that accept it.
    assert response.headers["vary"] == "Accept, Accept-Encoding"
    graph = Graph().parse(data=response.text, format=rdflib_format)
    assert (URIRef(PROJECT), NAME, Literal("Demohanke vertaistuesta", lang="fi")) in graph
    assert (URIRef(PROJECT), URIRef("https://schema.org/funder"), URIRef(ORG)) in graph


def test_jsonld_uses_the_published_context(ld_server: LiveServer) -> None:
    jsonld = httpx.get(f"{ld_server.url}{path(PROJECT)}", headers={"Accept": "application/ld+json"})
    turtle = httpx.get(f"{ld_server.url}{path(PROJECT)}", headers={"Accept": "text/turtle"})
    context = httpx.get(f"{ld_server.url}/ontology/context.jsonld")
    assert context.status_code == 200 and "@context" in context.json()
    published = context.json()["@context"]
    assert jsonld.json()["@context"] == published
    assert isomorphic(
        Graph().parse(data=jsonld.text, format="json-ld"),
        Graph().parse(data=turtle.text, format="turtle"),
    )


def test_browser_gets_html_with_links(ld_server: LiveServer) -> None:
    response = httpx.get(f"{ld_server.url}{path(PROJECT)}", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["vary"] == "Accept, Accept-Encoding"
    assert "Demohanke vertaistuesta" in response.text
    assert 'href="/id/organisation/demo-yhdistys"' in response.text
    assert "Demoyhdistys ry" in response.text  # the funder is shown by name


def test_format_parameter_overrides_accept(ld_server: LiveServer) -> None:
    response = httpx.get(
        f"{ld_server.url}{path(ORG)}", params={"format": "nt"}, headers={"Accept": BROWSER}
    )
    assert response.headers["content-type"].startswith("application/n-triples")


def test_reference_place_dereferences(ld_server: LiveServer) -> None:
    response = httpx.get(f"{ld_server.url}/id/place/698", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    assert any("Rovaniemi" in str(o) for o in graph.objects(None, NAME))


@pytest.mark.parametrize(
    "url", ["/id/project/no-such-project", "/id/person/nobody", "/id/document/0000000000000000"]
)
def test_unknown_iri_is_404_problem(ld_server: LiveServer, url: str) -> None:
    response = httpx.get(f"{ld_server.url}{url}", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_unknown_kind_is_rejected(ld_server: LiveServer) -> None:
    assert httpx.get(f"{ld_server.url}/id/spaceship/x").status_code in (404, 422)


def test_unacceptable_is_406(ld_server: LiveServer) -> None:
    response = httpx.get(f"{ld_server.url}{path(PROJECT)}", headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_ontology_at_its_namespace(ld_server: LiveServer) -> None:
    response = httpx.get(f"{ld_server.url}/ontology", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    assert (URIRef("https://w3id.org/hankekg/ontology"), RDF.type, OWL.Ontology) in graph
    assert (URIRef("https://w3id.org/hankekg/ontology#Project"), RDF.type, OWL.Class) in graph
    html = httpx.get(f"{ld_server.url}/ontology", headers={"Accept": BROWSER})
    assert html.headers["content-type"].startswith("text/html") and "hk:Project" in html.text


def test_void_description(ld_server: LiveServer) -> None:
    response = httpx.get(f"{ld_server.url}/.well-known/void")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    datasets = list(graph.subjects(RDF.type, URIRef("http://www.w3.org/ns/dcat#Dataset")))
    assert len(datasets) == 1
    dataset = datasets[0]
    assert (dataset, RDF.type, URIRef(VOID + "Dataset")) in graph
    # Links come from HANKEKG_BASE_IRI (here the default), never from the request's Host.
    endpoint = graph.value(dataset, URIRef(VOID + "sparqlEndpoint"))
    assert str(endpoint) == f"{BASE}sparql"
    dumps = {str(d) for d in graph.objects(dataset, URIRef(VOID + "dataDump"))}
    assert f"{BASE}api/export?format=trig" in dumps
    vocabularies = {str(v) for v in graph.objects(dataset, URIRef(VOID + "vocabulary"))}
    assert "https://w3id.org/hankekg/ontology#" in vocabularies
    for dump in dumps:  # every advertised dump link works here, HEAD included
        local = dump.replace(BASE, f"{ld_server.url}/", 1)
        assert httpx.head(local).status_code == 200, dump
    partitions = list(graph.objects(dataset, URIRef(VOID + "classPartition")))
    assert partitions


def sparql_count(server: LiveServer, query: str) -> int:
    response = httpx.get(
        f"{server.url}/sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
    )
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


COUNT_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
COUNT_QUADS = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def test_void_and_healthz_overstated_triples(ld_server: LiveServer) -> None:
    triples = sparql_count(ld_server, COUNT_TRIPLES)
    quads = sparql_count(ld_server, COUNT_QUADS)
    assert 0 < triples <= quads  # the default graph is the set union of the graphs
    health = httpx.get(f"{ld_server.url}/healthz").json()
    assert (health["triples"], health["quads"]) == (triples, quads)
    void = Graph().parse(data=httpx.get(f"{ld_server.url}/.well-known/void").text)
    dataset = URIRef(f"{BASE}.well-known/void#dataset")  # from HANKEKG_BASE_IRI
    assert int(void.value(dataset, URIRef(VOID + "triples"))) == triples
    subsets = list(void.objects(dataset, URIRef(VOID + "subset")))
    assert [int(void.value(s, URIRef(VOID + "triples"))) for s in subsets] == [quads]


def test_void_had_no_licence(ld_server: LiveServer, ld_engine: Engine) -> None:
    void = Graph().parse(data=httpx.get(f"{ld_server.url}/.well-known/void").text)
    dataset = URIRef(f"{BASE}.well-known/void#dataset")  # from HANKEKG_BASE_IRI
    licence = void.value(dataset, DCTERMS.license)
    assert licence == URIRef(ld_engine.settings.dataset_license)
    assert str(licence).startswith("https://creativecommons.org/")


# -- Link headers and exact literals ------------------------------------------------


def links(response: httpx.Response) -> list[tuple[str, str, str]]:
    """(target, rel, type) of each entry of the Link header."""
    out = []
    for entry in response.headers["link"].split(", <"):
        target, _, params = entry.lstrip("<").partition(">")
        rel = re.search(r'rel="([^"]+)"', params)
        kind = re.search(r'type="([^"]+)"', params)
        out.append((target, rel.group(1) if rel else "", kind.group(1) if kind else ""))
    return out


@pytest.mark.parametrize("url", [path(PROJECT), "/ontology", "/.well-known/void"])
def test_linked_data_had_no_link_header(ld_server: LiveServer, url: str) -> None:
    response = httpx.get(f"{ld_server.url}{url}", headers={"Accept": "text/turtle"})
    entries = links(response)
    alternates = {kind: target for target, rel, kind in entries if rel == "alternate"}
    assert {"text/turtle", "application/ld+json", "application/n-triples"} <= set(alternates)
    for kind, target in alternates.items():  # each alternate is what it says it is
        if url == "/.well-known/void" and kind == "text/html":
            continue  # VoID has no HTML page
        followed = httpx.get(f"{ld_server.url}{target}")
        assert followed.status_code == 200, target
        assert followed.headers["content-type"].startswith(kind), target
    if url == path(PROJECT):
        described = [target for target, rel, _ in entries if rel == "describedby"]
        assert described and httpx.get(f"{ld_server.url}{described[0]}").status_code == 200
        assert ("/project/demo-hanke", "alternate", "text/html") in entries


LITERAL_GRAPH = URIRef("http://localhost:8000/graph/literals")
LITERAL_ITEM = "http://localhost:8000/id/work/literal-round-trip"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
EXACT = [
    ("1", "decimal"),
    ("1.50", "decimal"),
    ("01", "integer"),
    ("1e0", "double"),
    ("true", "boolean"),
    ("2017", "gYear"),
    ("2015-01-01", "date"),
]


@pytest.fixture
def literal_item(ld_engine: Engine) -> Iterator[str]:
    """A resource with typed literals, some not in canonical form (Oxigraph stores
    the canonical form of the datatypes it knows: "01" is kept as "1")."""
    graph = Graph()
    for lexical, datatype in EXACT:
        literal = Literal(lexical, datatype=URIRef(XSD_NS + datatype), normalize=False)
        graph.add((URIRef(LITERAL_ITEM), URIRef("https://schema.org/value"), literal))
    ld_engine.store.replace_graphs([], {LITERAL_GRAPH: graph})
    yield path(LITERAL_ITEM)
    ld_engine.store.replace_graphs([LITERAL_GRAPH], {})


def stored_forms(data: bytes, fmt: ox.RdfFormat) -> set[tuple[str, str]]:
    return {
        (t.object.value, t.object.datatype.value.removeprefix(XSD_NS))
        for t in ox.parse(data, fmt)
        if isinstance(t.object, ox.Literal) and t.subject.value == LITERAL_ITEM
    }


@pytest.mark.parametrize(
    ("fmt", "ox_format"),
    [
        ("ttl", ox.RdfFormat.TURTLE),
        ("nt", ox.RdfFormat.N_TRIPLES),
        ("rdfxml", ox.RdfFormat.RDF_XML),
        ("jsonld", ox.RdfFormat.JSON_LD),
    ],
)
def test_turtle_wrote_decimal_1_as_1_0(
    ld_server: LiveServer, ld_engine: Engine, literal_item: str, fmt: str, ox_format: ox.RdfFormat
) -> None:
    dump = io.BytesIO()
    ld_engine.store.dump(dump, "nquads", [str(LITERAL_GRAPH)])
    expected = stored_forms(dump.getvalue(), ox.RdfFormat.N_QUADS)
    assert ("1", "decimal") in expected and ("2017", "gYear") in expected
    response = httpx.get(f"{ld_server.url}{literal_item}", params={"format": fmt})
    assert response.status_code == 200
    assert stored_forms(response.content, ox_format) == expected


def test_jsonld_and_turtle_of_a_resource_are_isomorphic(
    ld_server: LiveServer, literal_item: str
) -> None:
    graphs = []
    for fmt, ox_format in (("ttl", ox.RdfFormat.TURTLE), ("jsonld", ox.RdfFormat.JSON_LD)):
        response = httpx.get(f"{ld_server.url}{literal_item}", params={"format": fmt})
        graphs.append(to_rdflib(ox.parse(response.content, ox_format)))
    assert isomorphic(graphs[0], graphs[1])
    project = [
        httpx.get(f"{ld_server.url}{path(PROJECT)}", params={"format": fmt}).content
        for fmt in ("ttl", "jsonld")
    ]
    assert isomorphic(
        to_rdflib(ox.parse(project[0], ox.RdfFormat.TURTLE)),
        to_rdflib(ox.parse(project[1], ox.RdfFormat.JSON_LD)),
    )
