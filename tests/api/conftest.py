"""Fixtures for the linked-data surface: a real engine with hand-written triples.

The engine is real (Oxigraph on disk with the reference data loaded, which gives
~7k triples for runaway cross products); a small fixture graph is added
through the store's own ``replace_graphs``. Ingest is not needed here, so these
tests do not load spaCy; ``tests/api/test_documents.py`` does.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rdflib import Graph, URIRef

from api.engine import Engine
from tests.conftest import LiveServer, make_settings

TOKEN = "test-token-0123456789"
#: The header that writes need, and a small Finnish project page to upload.
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TEXT = """Hankkeen nimi

Päihdekuntoutujien vertaistuki Jyväskylässä

Hanke kehitti päihdekuntoutujien vertaistukea Jyväskylän seudulla vuosina 2015-2017.
Hankkeen rahoitti Raha-automaattiyhdistys ja sitä hallinnoi Jyväskylän kaupunki.
"""
BASE = "http://localhost:8000/"
FIXTURE_GRAPH = URIRef(f"{BASE}graph/fixture")
PROJECT = f"{BASE}id/project/demo-hanke"
ORG = f"{BASE}id/organisation/demo-yhdistys"

FIXTURE_TTL = f"""
@prefix hk: <https://w3id.org/hankekg/ontology#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<{PROJECT}> a hk:Project, schema:Project ;
    schema:name "Demohanke vertaistuesta"@fi, "Demo project on peer support"@en ;
    schema:description "Kokeiluhanke, jossa kehitettiin vertaistukea."@fi ;
    schema:startDate "2015-01-01"^^xsd:date ;
    schema:endDate "2017"^^xsd:gYear ;
    schema:funder <{ORG}> ;
    schema:areaServed <{BASE}id/place/698> .

<{ORG}> a schema:Organization ;
    schema:name "Demoyhdistys ry"@fi ;
    schema:alternateName "DY" .
"""


def fixture_graph() -> Graph:
    """The hand-written fixture triples."""
    graph = Graph()
    graph.parse(data=FIXTURE_TTL, format="turtle")
    return graph


@pytest.fixture(scope="session")
def ld_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A real engine (no documents) with the fixture graph, a 2 s limit and 50 rows."""
    home = tmp_path_factory.mktemp("ld-home")
    settings = make_settings(
        home, sparql_timeout_s=2.0, sparql_max_rows=50, api_token=TOKEN, workers=2
    )
    engine = Engine(settings)
    engine.store.replace_graphs([], {FIXTURE_GRAPH: fixture_graph()})
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def ld_server(ld_engine: Engine) -> Iterator[LiveServer]:
    """A real uvicorn server over :func:`ld_engine`."""
    with LiveServer(ld_engine) as server:
        yield server
