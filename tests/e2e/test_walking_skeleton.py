"""The whole path on the seeds: ingest, search, SPARQL over HTTP, idempotence, bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from api import services
from api.engine import Engine
from graph.errors import DocumentError
from tests.conftest import KUNTOUTUS, ROVANIEMI, SEEDS, LiveServer, make_settings

pytestmark = pytest.mark.slow


def _top_name(server: LiveServer, query: str) -> str:
    response = httpx.get(f"{server.url}/api/search", params={"q": query, "k": 5}, timeout=60)
    response.raise_for_status()
    results = response.json()["results"]
    assert results, f"no results for {query!r}"
    return str(results[0]["names"].get("fi") or results[0]["name"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("vertaistuki korvaushoitoasiakkaille", KUNTOUTUS),
        ("work ability assessment for long-term social assistance recipients", ROVANIEMI),
        ("peer support in opioid substitution treatment", KUNTOUTUS),
    ],
)
def test_query_ranks_expected_project_first(
    live_server: LiveServer, query: str, expected: str
) -> None:
    assert _top_name(live_server, query) == expected


def test_search_response_carries_iri_snippet_and_source(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.url}/api/search", params={"q": "Rovaniemi"}, timeout=60)
    hit = response.json()["results"][0]
    assert hit["iri"].startswith("http://localhost:8000/id/project/")
    assert hit["snippet"]
    assert hit["source"].endswith(".txt")
    project = httpx.get(f"{live_server.url}/api/projects/{hit['id']}", timeout=30)
    assert project.status_code == 200
    assert project.json()["names"]


SPARQL_PROJECTS = (
    "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a hk:Project ; prov:wasDerivedFrom ?d }"
)
SPARQL_K = f"""
PREFIX schema: <https://schema.org/>
SELECT ?start ?end ?fname WHERE {{
  ?k a schema:Project ; schema:name "{KUNTOUTUS}"@fi ;
     schema:startDate ?start ; schema:endDate ?end ; schema:funder ?f .
  ?f a schema:Organization ; schema:name ?fname .
}}"""


def test_sparql_over_http_two_projects_and_k_facts(live_server: LiveServer) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    n = httpx.get(f"{live_server.url}/sparql", params={"query": SPARQL_PROJECTS}, headers=accept)
    assert n.status_code == 200
    assert n.json()["results"]["bindings"][0]["n"]["value"] == "2"
    k = httpx.post(
        f"{live_server.url}/sparql",
        content=SPARQL_K,
        headers={**accept, "Content-Type": "application/sparql-query"},
    )
    rows = k.json()["results"]["bindings"]
    assert rows
    assert {r["start"]["value"][:4] for r in rows} == {"2010"}
    assert {r["end"]["value"][:4] for r in rows} == {"2013"}
    assert "Raha-automaattiyhdistys" in {r["fname"]["value"] for r in rows}


def test_malformed_sparql_is_a_400_problem(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.url}/sparql", params={"query": "SELECT WHERE {"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


def test_healthz_and_search_page(live_server: LiveServer) -> None:
    health = httpx.get(f"{live_server.url}/healthz").json()
    assert health["documents"] == 2 and health["projects"] >= 2 and health["vectors"] > 0
    page = httpx.get(f"{live_server.url}/", params={"q": "kuntoutus"})
    assert page.status_code == 200 and "Rovaniemi" in page.text
    assert httpx.get(f"{live_server.url}/docs").status_code == 200


@pytest.fixture()
def fresh_engine(tmp_path: Path) -> Engine:
    engine = Engine(make_settings(tmp_path / "home"))
    yield engine  # type: ignore[misc]
    engine.close()


def _counts(engine: Engine) -> tuple[int, int, int]:
    health = services.health(engine)
    return health.triples, health.vectors, health.documents


def test_ingesting_twice_changes_nothing(fresh_engine: Engine) -> None:
    fresh_engine.ingest_paths([SEEDS])
    before = _counts(fresh_engine)
    report = fresh_engine.ingest_paths([SEEDS])
    assert len(report.unchanged) == 2 and not report.added
    assert _counts(fresh_engine) == before


def test_changed_file_replaces_its_facts_and_vectors(fresh_engine: Engine, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    fresh_engine.ingest_paths([docs])
    target = docs / "004_d5e7818d900b0d72.txt"
    target.write_text(target.read_text("utf-8") + "\nLisäys: hanke jatkui Ranualla.\n", "utf-8")
    report = fresh_engine.ingest_paths([docs])
    assert report.replaced == ["docs/004_d5e7818d900b0d72.txt"]  # named relative to the folder
    assert services.health(fresh_engine).documents == 2
    shas = fresh_engine.store.documents()
    assert len(shas) == 2


def test_bad_files_give_clear_errors_and_leave_store_unchanged(
    fresh_engine: Engine, tmp_path: Path
) -> None:
    fresh_engine.ingest_paths([SEEDS])
    before = _counts(fresh_engine)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.txt").write_bytes(bytes(range(256)) * 8)
    report = fresh_engine.ingest_paths([bad])
    # named relative to the folder ingested, never by a server path
    assert set(report.failed) == {"bad/empty.txt", "bad/binary.txt"}
    assert "empty" in report.failed["bad/empty.txt"].lower()
    assert "binary" in report.failed["bad/binary.txt"].lower()
    assert _counts(fresh_engine) == before
    with pytest.raises(DocumentError):
        fresh_engine.ingest_bytes(b"\x00\x01\x02" * 100, name="upload.txt")
    assert _counts(fresh_engine) == before


def test_latin1_finnish_file_is_decoded(fresh_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    text = "Hankkeen nimi\n\nPäihdekuntoutujien vertaistuki Jyväskylässä\n\nHanke kehitti päihdekuntoutusta Jyväskylän seudulla vuosina 2015-2017."
    path.write_bytes(text.encode("latin-1"))
    report = fresh_engine.ingest_paths([path])
    assert not report.failed
    hits = services.search(fresh_engine, "päihdekuntoutus Jyväskylä", k=1).results
    assert hits and "Päihdekuntoutujien" in (hits[0].snippet + hits[0].name)
