"""HTTP semantics on every route (``api/http.py``): HEAD, ``Allow`` on 405,
OPTIONS, ``Vary: Accept`` on negotiated answers and 406s, and CORS for reading.

Each test is named for what was broken before (issue 11, item 3 and 4).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from api.app import create_app
from api.engine import Engine
from tests.conftest import LiveServer

#: A concrete URL for every path template of the spec.
SAMPLES = {
    "{kind}": "project",
    "{entity_id}": "demo-hanke",
    "{project_id}": "demo-hanke",
    "{document_id}": "0000000000000000",
}
OTHER_ORIGIN = "http://localhost:9"


def concrete(path: str) -> str:
    for template, value in SAMPLES.items():
        path = path.replace(template, value)
    return re.sub(r"\{[^}]+\}", "x", path)


def spec_paths(server: LiveServer) -> dict[str, set[str]]:
    spec = httpx.get(f"{server.url}/openapi.json").json()
    return {path: {m.upper() for m in ops} for path, ops in spec["paths"].items()}


GET_ROUTES = [
    "/healthz",
    "/id/project/demo-hanke",
    "/ontology",
    "/ontology/context.jsonld",
    "/.well-known/void",
    "/api/export",
    "/sparql",
    "/",
    "/about",
    "/openapi.json",
    "/static/style.css",
]


@pytest.mark.parametrize("url", GET_ROUTES)
def test_head_was_405_on_get_routes(ld_server: LiveServer, url: str) -> None:
    get = httpx.get(f"{ld_server.url}{url}")
    head = httpx.head(f"{ld_server.url}{url}")
    assert get.status_code == 200, get.text
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    if "content-length" in get.headers:
        assert head.headers["content-length"] == get.headers["content-length"]


def test_head_on_every_get_route_of_the_spec(ld_server: LiveServer) -> None:
    for path, methods in spec_paths(ld_server).items():
        if "GET" in methods:
            response = httpx.head(f"{ld_server.url}{concrete(path)}")
            assert response.status_code != 405, path
            assert response.content == b""


def test_405_had_no_allow_header(ld_server: LiveServer) -> None:
    for path, methods in spec_paths(ld_server).items():
        url = f"{ld_server.url}{concrete(path)}"
        response = httpx.request("PATCH", url)
        assert response.status_code == 405, path
        allowed = {m.strip() for m in response.headers["allow"].split(",")}
        expected = methods | {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
        assert allowed == expected, path


def test_405_allow_lists_methods_of_every_route_on_the_path(ld_server: LiveServer) -> None:
    # GET and POST /sparql are two routes; Starlette named only the first it met.
    response = httpx.put(f"{ld_server.url}/sparql")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST, OPTIONS"
    assert response.headers["content-type"].startswith("application/problem+json")


def test_plain_options_answers_allow(ld_server: LiveServer) -> None:
    response = httpx.options(f"{ld_server.url}/api/documents")
    assert response.status_code == 204
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}


def test_406_dropped_vary(ld_server: LiveServer) -> None:
    for url in ("/id/project/demo-hanke", "/ontology", "/.well-known/void"):
        response = httpx.get(f"{ld_server.url}{url}", headers={"Accept": "image/png"})
        assert response.status_code == 406, url
        assert "Accept" in response.headers["vary"], url
    query = httpx.get(
        f"{ld_server.url}/sparql", params={"query": "ASK {}"}, headers={"Accept": "image/png"}
    )
    assert query.status_code == 406
    assert "Accept" in query.headers["vary"]


@pytest.mark.parametrize("url", ["/id/project/no-such", "/sparql?query=SELEC"])
def test_negotiated_errors_carry_vary(ld_server: LiveServer, url: str) -> None:
    response = httpx.get(f"{ld_server.url}{url}")
    assert response.status_code in (400, 404)
    assert "Accept" in response.headers["vary"]


# -- CORS -------------------------------------------------------------------------


def preflight(server: LiveServer, path: str, method: str, headers: str = "") -> httpx.Response:
    request_headers = {"Origin": OTHER_ORIGIN, "Access-Control-Request-Method": method}
    if headers:
        request_headers["Access-Control-Request-Headers"] = headers
    return httpx.options(f"{server.url}{path}", headers=request_headers)


def test_sparql_preflight_was_405(ld_server: LiveServer) -> None:
    for method, headers in (("GET", "accept"), ("POST", "content-type")):
        response = preflight(ld_server, "/sparql", method, headers)
        assert response.status_code == 204
        assert response.headers["access-control-allow-origin"] == "*"
        assert method in response.headers["access-control-allow-methods"]
        assert "authorization" not in response.headers["access-control-allow-headers"].lower()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_cross_origin_sparql_query_is_readable(ld_server: LiveServer, method: str) -> None:
    headers = {"Origin": OTHER_ORIGIN, "Accept": "application/sparql-results+json"}
    if method == "GET":
        response = httpx.get(
            f"{ld_server.url}/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=headers
        )
    else:
        response = httpx.post(
            f"{ld_server.url}/sparql", data={"query": "ASK { ?s ?p ?o }"}, headers=headers
        )
    assert response.status_code == 200
    assert response.json()["boolean"] is True
    assert response.headers["access-control-allow-origin"] == "*"
    assert "X-Result-Truncated" in response.headers["access-control-expose-headers"]


def test_cross_origin_read_only_gets_are_allowed(ld_server: LiveServer) -> None:
    for url in ("/id/project/demo-hanke", "/.well-known/void", "/healthz", "/api/export"):
        response = httpx.get(f"{ld_server.url}{url}", headers={"Origin": OTHER_ORIGIN})
        assert response.headers["access-control-allow-origin"] == "*", url


@pytest.mark.parametrize(
    ("path", "method"),
    [("/sparql/update", "POST"), ("/api/documents", "POST"), ("/api/documents/x", "DELETE")],
)
def test_writes_are_never_cross_origin_by_default(
    ld_server: LiveServer, path: str, method: str
) -> None:
    response = preflight(ld_server, path, method, "authorization, content-type")
    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers
    # A write sent anyway (no preflight: a form post) gets no CORS headers either,
    # so a page on another origin cannot read the answer; the token is still needed.
    sent = httpx.post(
        f"{ld_server.url}/sparql/update",
        data={"update": "CLEAR ALL"},
        headers={"Origin": OTHER_ORIGIN},
    )
    assert sent.status_code == 401
    assert "access-control-allow-origin" not in sent.headers


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """A real uvicorn server for ``app`` on a free loopback port; yields its URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_configured_origin_keeps_every_method(ld_engine: Engine) -> None:
    trusted = "http://127.0.0.1:9"
    settings = ld_engine.settings.model_copy(update={"cors_origins": [trusted]})
    with serve(create_app(settings, engine=ld_engine)) as url:
        response = httpx.options(
            f"{url}/sparql/update",
            headers={
                "Origin": trusted,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == trusted
        other = httpx.options(
            f"{url}/sparql/update",
            headers={"Origin": OTHER_ORIGIN, "Access-Control-Request-Method": "POST"},
        )
        assert other.status_code == 403
        # Reads stay public for every other origin.
        public = httpx.options(
            f"{url}/sparql",
            headers={"Origin": OTHER_ORIGIN, "Access-Control-Request-Method": "POST"},
        )
        assert public.status_code == 204
        # The trusted origin still needs the token to write.
        sent = httpx.post(
            f"{url}/sparql/update", data={"update": "CLEAR ALL"}, headers={"Origin": trusted}
        )
        assert sent.status_code == 401
        assert sent.headers["access-control-allow-origin"] == trusted
