"""Safe by default: time limit, row limit, no outbound requests, guarded updates,
body size limit and CORS."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.engine import Engine
from tests.api.conftest import TOKEN
from tests.conftest import LiveServer, make_settings

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
RUNAWAY_SORT = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f ?c"


@pytest.mark.parametrize("query", [RUNAWAY, RUNAWAY_SORT], ids=["count", "order-by"])
def test_runaway_query_is_stopped_with_503_while_server_answers(
    ld_server: LiveServer, query: str
) -> None:
    outcome: dict[str, httpx.Response | float] = {}

    def run() -> None:
        started = time.monotonic()
        outcome["response"] = httpx.get(
            f"{ld_server.url}/sparql", params={"query": query}, timeout=60
        )
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.5)
    for _ in range(3):  # the server keeps answering while the query runs
        health = httpx.get(f"{ld_server.url}/healthz", timeout=10)
        assert health.status_code == 200
        small = httpx.get(f"{ld_server.url}/sparql", params={"query": "ASK { ?s ?p ?o }"})
        assert small.status_code == 200 and small.json()["boolean"] is True
    thread.join(timeout=30)
    response = outcome["response"]
    assert isinstance(response, httpx.Response)
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    # Whichever guard trips first (time or memory) stops it; both say so in words.
    detail = response.json()["detail"]
    assert "limit" in detail or "memory" in detail
    # The limit is 2 s of query time; the worker start and checkpoint come on top.
    assert float(outcome["seconds"]) < 10


def test_killed_worker_is_replaced(ld_server: LiveServer) -> None:
    httpx.get(f"{ld_server.url}/sparql", params={"query": RUNAWAY}, timeout=60)
    after = httpx.get(f"{ld_server.url}/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert after.status_code == 200


def test_row_limit_truncates_and_says_so(ld_server: LiveServer) -> None:
    response = httpx.get(
        f"{ld_server.url}/sparql",
        params={"query": "SELECT * WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == 50
    assert response.headers["x-result-truncated"] == "true"
    construct = httpx.get(
        f"{ld_server.url}/sparql",
        params={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "nt"},
    )
    assert len(construct.text.strip().splitlines()) == 50
    small = httpx.get(f"{ld_server.url}/sparql", params={"query": "SELECT * { ?s ?p ?o } LIMIT 3"})
    assert "x-result-truncated" not in small.headers


@pytest.fixture()
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A local TCP listener that records every connection it gets."""
    received: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    received.append(conn.recv(4096) or b"<connected>")
                except OSError:
                    received.append(b"<connected>")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    stop.set()
    thread.join(timeout=2)
    server.close()


def test_service_is_refused_and_nothing_goes_out(
    ld_server: LiveServer, listener: tuple[int, list[bytes]]
) -> None:
    port, received = listener
    target = f"http://127.0.0.1:{port}/sparql"
    queries = [
        f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{target}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?x ?y ?z OPTIONAL {{ SERVICE <{target}> {{ ?s ?p ?o }} }} }}",
        f'SELECT * WHERE {{ ?s ?p "#" . SERVICE <{target}> {{ ?s ?p ?o }} }}',
        f"ASK {{ FILTER EXISTS {{ SERVICE <{target}> {{ ?s ?p ?o }} }} }}",
    ]
    for query in queries:
        get = httpx.get(f"{ld_server.url}/sparql", params={"query": query})
        post = httpx.post(
            f"{ld_server.url}/sparql",
            content=query,
            headers={"Content-Type": "application/sparql-query"},
        )
        for response in (get, post):
            assert response.status_code == 400, query
            # rdflib's parser reads the '"#" . SERVICE' spelling as malformed: refused all the same
            detail = response.json()["detail"]
            assert "SERVICE is not allowed" in detail or "malformed" in detail
    update = httpx.post(
        f"{ld_server.url}/sparql/update",
        content=f"LOAD <{target}>",
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )
    assert update.status_code == 400
    time.sleep(1.0)
    assert received == []
    # The listener works: a direct request does reach it.
    with pytest.raises(httpx.HTTPError):
        httpx.get(target, timeout=2)
    assert received


def test_service_in_a_string_is_just_a_string(ld_server: LiveServer) -> None:
    query = 'SELECT ?x WHERE { BIND("SERVICE <http://127.0.0.1:9/>" AS ?x) }'
    response = httpx.get(f"{ld_server.url}/sparql", params={"query": query})
    assert response.status_code == 200


def _update(server: LiveServer, text: str, token: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/sparql-update"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(f"{server.url}/sparql/update", content=text, headers=headers)


def test_update_needs_the_token_and_is_then_visible(ld_server: LiveServer) -> None:
    graph = "http://localhost:8000/graph/update-test"
    insert = f'INSERT DATA {{ GRAPH <{graph}> {{ <http://ex.org/a> <http://ex.org/p> "x" }} }}'
    ask = f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    assert _update(ld_server, insert, None).status_code == 401
    assert _update(ld_server, insert, "wrong").status_code == 401
    before = httpx.get(f"{ld_server.url}/sparql", params={"query": ask}).json()
    assert before["boolean"] is False
    assert _update(ld_server, insert, TOKEN).status_code == 204
    after = httpx.get(f"{ld_server.url}/sparql", params={"query": ask}).json()
    assert after["boolean"] is True
    form = httpx.post(
        f"{ld_server.url}/sparql/update",
        data={"update": f"DROP GRAPH <{graph}>"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert form.status_code == 204
    assert httpx.get(f"{ld_server.url}/sparql", params={"query": ask}).json()["boolean"] is False
    bad = _update(ld_server, "INSERT DATA { <a> ", TOKEN)
    assert bad.status_code == 400 and "malformed" in bad.json()["detail"]
    assert _update(ld_server, "SELECT * { ?s ?p ?o }", TOKEN).status_code == 400


def test_queries_are_not_updates(ld_server: LiveServer) -> None:
    response = httpx.get(
        f"{ld_server.url}/sparql",
        params={"query": "DROP GRAPH <http://localhost:8000/graph/fixture>"},
    )
    assert response.status_code == 400


@pytest.fixture(scope="module")
def strict_client(
    ld_engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """An app over the same engine with no token, a small body limit and CORS for one origin."""
    home: Path = ld_engine.settings.home
    settings = make_settings(
        home, api_token=None, max_request_bytes=1000, cors_origins=["https://example.org"]
    )
    with TestClient(create_app(settings, engine=ld_engine)) as client:
        yield client


def test_update_disabled_without_a_token(strict_client: TestClient) -> None:
    response = strict_client.post(
        "/sparql/update",
        content="INSERT DATA { <http://ex.org/a> <http://ex.org/p> 1 }",
        headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer x"},
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


def test_body_size_limit(strict_client: TestClient) -> None:
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 2000
    response = strict_client.post(
        "/sparql", content=big, headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit counts streamed bytes
        yield b"SELECT * WHERE { ?s ?p ?o } #"
        for _ in range(20):
            yield b"x" * 100

    streamed = strict_client.post(
        "/sparql", content=chunks(), headers={"Content-Type": "application/sparql-query"}
    )
    assert streamed.status_code == 413


def test_cors_follows_settings(strict_client: TestClient) -> None:
    allowed = strict_client.get(
        "/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://example.org"}
    )
    assert allowed.headers["access-control-allow-origin"] == "https://example.org"
    # Queries are public (issue 11): any other origin may read them, not write.
    other = strict_client.get(
        "/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://evil.example"}
    )
    assert other.headers["access-control-allow-origin"] == "*"
    write = strict_client.options(
        "/sparql/update",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in write.headers
