"""Documents API on a real engine: upload, list, read, delete (atomic), auth."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from api.engine import Engine
from tests.api.conftest import AUTH, TEXT, TOKEN
from tests.conftest import SEEDS, LiveServer, make_settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def doc_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server over its own, writable engine (spaCy loads once, for this module)."""
    settings = make_settings(tmp_path_factory.mktemp("docs-home"), api_token=TOKEN)
    engine = Engine(settings)
    engine.warm_up()
    with LiveServer(engine) as server:
        yield server
    engine.close()


def ask(server: LiveServer, query: str) -> bool:
    response = httpx.get(f"{server.url}/sparql", params={"query": query}, timeout=30)
    assert response.status_code == 200, response.text
    return bool(response.json()["boolean"])


def test_writes_need_the_token(doc_server: LiveServer) -> None:
    url = f"{doc_server.url}/api/documents"
    assert httpx.post(url, json={"text": TEXT}).status_code == 401
    assert (
        httpx.post(url, json={"text": TEXT}, headers={"Authorization": "Bearer no"}).status_code
        == 401
    )
    assert httpx.delete(f"{url}/0123456789abcdef").status_code == 401


def test_upload_list_read_delete(doc_server: LiveServer) -> None:
    url = f"{doc_server.url}/api/documents"
    created = httpx.post(
        url,
        json={
            "text": TEXT,
            "title": "Vertaistuki",
            "source_url": "https://example.org/vertaistuki",
        },
        headers=AUTH,
        timeout=120,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    doc, doc_id = body["document"], body["id"]
    assert doc.endswith(f"/id/document/{doc_id}") and body["status"] == "added"
    assert body["projects"] and all("/id/project/" in p for p in body["projects"])
    again = httpx.post(
        url,
        json={
            "text": TEXT,
            "title": "Vertaistuki",
            "source_url": "https://example.org/vertaistuki",
        },
        headers=AUTH,
        timeout=120,
    )
    assert again.status_code == 200 and again.json()["status"] == "unchanged"

    listing = httpx.get(url, params={"limit": 1}).json()
    assert listing["page"]["total"] >= 1 and len(listing["items"]) == 1
    detail = httpx.get(f"{url}/{doc_id}").json()
    assert detail["iri"] == doc and detail["url"] == "https://example.org/vertaistuki"
    assert detail["triples"] > 0 and detail["characters"] > 0
    assert ask(doc_server, f"ASK {{ GRAPH <{doc}> {{ ?s ?p ?o }} }}")
    search = httpx.get(
        f"{doc_server.url}/api/search", params={"q": "vertaistuki Jyväskylä"}, timeout=60
    )
    assert doc in {hit["document"] for hit in search.json()["results"]}
    project = body["projects"][0]
    resource = httpx.get(
        f"{doc_server.url}{project.replace('http://localhost:8000', '')}",
        headers={"Accept": "text/turtle"},
    )
    assert resource.status_code == 200

    deleted = httpx.delete(f"{url}/{doc_id}", headers=AUTH, timeout=60)
    assert deleted.status_code == 204
    assert httpx.get(f"{url}/{doc_id}").status_code == 404
    assert not ask(doc_server, f"ASK {{ GRAPH <{doc}> {{ ?s ?p ?o }} }}")
    assert not ask(doc_server, f"ASK {{ {{ <{doc}> ?p ?o }} UNION {{ ?s ?p <{doc}> }} }}")
    assert not ask(doc_server, f"ASK {{ <{project}> ?p ?o }}")
    search = httpx.get(
        f"{doc_server.url}/api/search", params={"q": "vertaistuki Jyväskylä"}, timeout=60
    )
    assert doc not in {hit["document"] for hit in search.json()["results"]}
    assert httpx.delete(f"{url}/{doc_id}", headers=AUTH).status_code == 404


def test_multipart_upload_of_a_seed(doc_server: LiveServer) -> None:
    seed = sorted(SEEDS.glob("*.txt"))[0]
    response = httpx.post(
        f"{doc_server.url}/api/documents",
        files={"file": (seed.name, seed.read_bytes(), "text/plain")},
        headers=AUTH,
        timeout=120,
    )
    assert response.status_code == 201, response.text
    assert response.json()["projects"]
    listing = httpx.get(f"{doc_server.url}/api/documents").json()
    assert seed.name in {item["path"] for item in listing["items"]}


def test_bad_uploads_are_problems(doc_server: LiveServer) -> None:
    url = f"{doc_server.url}/api/documents"
    binary = httpx.post(url, files={"file": ("x.txt", bytes(range(256)) * 8)}, headers=AUTH)
    assert binary.status_code == 422
    assert binary.headers["content-type"].startswith("application/problem+json")
    empty = httpx.post(url, json={"text": ""}, headers=AUTH)
    assert empty.status_code == 422
    wrong = httpx.post(url, content=b"hello", headers={**AUTH, "Content-Type": "text/plain"})
    assert wrong.status_code == 415


def test_pagination(doc_server: LiveServer) -> None:
    for text in (TEXT + "\nLisäys yksi.", TEXT + "\nLisäys kaksi."):
        added = httpx.post(
            f"{doc_server.url}/api/documents", json={"text": text}, headers=AUTH, timeout=120
        )
        assert added.status_code in (200, 201)
    first = httpx.get(f"{doc_server.url}/api/documents", params={"limit": 1}).json()
    assert first["page"]["total"] >= 2
    if first["page"]["total"] > 1:
        assert first["page"]["next"]
        assert first["page"]["next"].startswith("/api/documents?")  # relative: no Host echoed
        second = httpx.get(doc_server.url + first["page"]["next"]).json()
        assert second["page"]["offset"] == 1
        assert second["items"][0]["id"] != first["items"][0]["id"]
    assert httpx.get(f"{doc_server.url}/api/documents", params={"limit": 0}).status_code == 422
