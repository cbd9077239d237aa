"""Every SPARQL answer is bounded in bytes as well as rows (issue 23, finding 2).

A 154-character anonymous query that concatenates long texts answered 116 MB in
10,000 rows (35 MB as CONSTRUCT, a 119 MB ``/sparql-ui`` page). Here the same
query shape runs against a small graph of long texts with a 20 kB cap; each
endpoint and format is taken to its cap: the body stays within it, parses, and
says it was cut.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef

from api.app import create_app
from api.engine import Engine
from api.ui_pages import MAX_CELL_CHARS
from graph.store.byte_cap import ByteBudget, fit
from tests.conftest import make_settings

CAP = 20_000
SCHEMA_TEXT = URIRef("https://schema.org/text")
#: The probe's query: long texts, concatenated four times, as many rows as allowed.
PROBE = (
    "SELECT ?x WHERE { ?s <https://schema.org/text> ?t FILTER(STRLEN(?t) > 2800) ?a ?b ?c "
    "BIND(CONCAT(?t,?t,?t,?t) AS ?x) } LIMIT 10000"
)
PROBE_CONSTRUCT = (
    "CONSTRUCT { ?s <http://example.org/x> ?x } WHERE { ?s <https://schema.org/text> ?t . "
    "?a ?b ?c BIND(CONCAT(?t,?t,?t,?t) AS ?x) } LIMIT 10000"
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app over 40 long texts, with a 20 kB byte cap (and the default row cap)."""
    home = tmp_path_factory.mktemp("bytes-home")
    engine = Engine(make_settings(home, sparql_max_bytes=CAP, workers=1))
    graph = Graph()
    for i in range(40):
        text = f"Pitkä teksti {i}: " + "kuntoutus " * 300
        graph.add((URIRef(f"http://example.org/doc/{i}"), SCHEMA_TEXT, Literal(text)))
    name = URIRef("http://example.org/graph/long")
    engine.store.replace_graphs([], {name: graph})
    try:
        with TestClient(create_app(engine=engine)) as test_client:
            yield test_client
    finally:
        engine.close()


def _sparql(client: TestClient, query: str, fmt: str) -> tuple[int, bytes, str | None]:
    answer = client.get("/sparql", params={"query": query, "format": fmt})
    return answer.status_code, answer.content, answer.headers.get("x-result-truncated")


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_probe_select_is_cut_at_the_byte_cap_in_every_format(client: TestClient, fmt: str) -> None:
    status, body, truncated = _sparql(client, PROBE, fmt)
    assert status == 200, body[:300]
    assert 0 < len(body) <= CAP
    assert truncated == "true"
    text = body.decode("utf-8")
    if fmt == "json":
        rows = json.loads(text)["results"]["bindings"]
    elif fmt == "xml":
        rows = ElementTree.fromstring(text).findall(".//{*}result")
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(text)))[1:]
    else:
        rows = text.splitlines()[1:]
    assert rows, "the cut keeps whole rows that fit"


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "jsonld", "xml", "trig"])
def test_probe_construct_is_cut_at_the_byte_cap(client: TestClient, fmt: str) -> None:
    accept = {
        "turtle": "text/turtle",
        "ntriples": "application/n-triples",
        "jsonld": "application/ld+json",
        "xml": "application/rdf+xml",
        "trig": "application/trig",
    }[fmt]
    answer = client.get("/sparql", params={"query": PROBE_CONSTRUCT}, headers={"Accept": accept})
    assert answer.status_code == 200, answer.text[:300]
    assert 0 < len(answer.content) <= CAP
    assert answer.headers.get("x-result-truncated") == "true"


def test_describe_is_cut_at_the_byte_cap(client: TestClient) -> None:
    query = "DESCRIBE ?s WHERE { ?s <https://schema.org/text> ?t }"
    answer = client.get("/sparql", params={"query": query}, headers={"Accept": "text/turtle"})
    assert answer.status_code == 200
    assert len(answer.content) <= CAP
    assert answer.headers.get("x-result-truncated") == "true"


def test_a_small_answer_is_whole_and_not_flagged(client: TestClient) -> None:
    status, body, truncated = _sparql(
        client, "SELECT (COUNT(*) AS ?n) WHERE { ?s <https://schema.org/text> ?t }", "json"
    )
    assert status == 200 and truncated is None
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "40"


def test_sparql_page_is_bounded_and_says_how_many_rows_it_shows(client: TestClient) -> None:
    answer = client.get("/sparql-ui", params={"query": PROBE, "lang": "en"})
    assert answer.status_code == 200
    page = answer.text
    assert len(answer.content) < CAP + 200_000  # the answer plus the page around it
    assert "The result was cut: showing the first" in page
    assert "showing the first 10,000 rows" not in page, "the notice counts the rows shown"
    long_value = "kuntoutus " * 300
    assert long_value * 2 not in page, "values are capped in the HTML"
    assert "…" in page


def test_sparql_download_is_cut_at_the_byte_cap(client: TestClient) -> None:
    answer = client.get("/sparql-ui/download", params={"query": PROBE, "format": "csv"})
    assert answer.status_code == 200
    assert len(answer.content) <= CAP
    assert answer.headers.get("x-result-truncated") == "true"


def test_fit_keeps_the_longest_prefix_within_the_cap() -> None:
    rows = ["x" * 100] * 50

    def serialise(part: list[str] | tuple[str, ...]) -> bytes:
        return ("[" + ",".join(part) + "]").encode()

    body, n = fit(serialise, rows, 1_000)
    assert len(body) <= 1_000 and n == 9  # 9 * 101 + 1 = 910; 10 rows would be 1011
    assert fit(serialise, rows, 10_000)[1] == 50
    budget = ByteBudget(500)
    assert budget.take("a" * 200) and not budget.take("b" * 400)
    assert MAX_CELL_CHARS == 1_000
