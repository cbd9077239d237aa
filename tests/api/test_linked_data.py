"""Dereferenceable IRIs, the ontology, the JSON-LD context and VoID."""

from __future__ import annotations

import httpx
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF

from api.engine import Engine
from tests.api.conftest import ORG, PROJECT
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
    assert response.headers["vary"] == "Accept"
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
    assert response.headers["vary"] == "Accept"
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


def test_void_description(ld_server: LiveServer, ld_engine: Engine) -> None:
    response = httpx.get(f"{ld_server.url}/.well-known/void")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    datasets = list(graph.subjects(RDF.type, URIRef(VOID + "Dataset")))
    assert len(datasets) == 1
    dataset = datasets[0]
    assert (dataset, RDF.type, URIRef("http://www.w3.org/ns/dcat#Dataset")) in graph
    triples = graph.value(dataset, URIRef(VOID + "triples"))
    assert triples is not None and int(triples) == len(ld_engine.store)
    endpoint = graph.value(dataset, URIRef(VOID + "sparqlEndpoint"))
    assert str(endpoint) == f"{ld_server.url}/sparql"
    dumps = {str(d) for d in graph.objects(dataset, URIRef(VOID + "dataDump"))}
    assert f"{ld_server.url}/api/export?format=trig" in dumps
    vocabularies = {str(v) for v in graph.objects(dataset, URIRef(VOID + "vocabulary"))}
    assert "https://w3id.org/hankekg/ontology#" in vocabularies
    for dump in dumps:  # every advertised dump link works
        assert httpx.head(dump).status_code in (200, 405) or httpx.get(dump).status_code == 200
    partitions = list(graph.objects(dataset, URIRef(VOID + "classPartition")))
    assert partitions
