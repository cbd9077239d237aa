"""HTTP the way caches and clients expect it (issue 24, item 3), against a live server.

Each test names what was wrong: no ``WWW-Authenticate`` on a 401, ``q=0``
ignored, no validators or 304s, no compression, an advertised alternate that did
not exist, a 422 for an unknown IRI kind, and ``related`` answering 404 for a
project the project API answers for.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.api.conftest import AUTH, PROJECT
from tests.conftest import LiveServer

RESOURCE = "/id/project/demo-hanke"
PROJECT_ID = PROJECT.rsplit("/", 1)[-1]


@pytest.mark.parametrize(
    ("method", "path", "token"),
    [
        ("POST", "/sparql/update", None),
        ("POST", "/sparql/update", "wrong"),
        ("POST", "/api/documents", None),
        ("DELETE", "/api/documents/0123456789abcdef", "wrong"),
    ],
)
def test_401_had_no_www_authenticate(
    ld_server: LiveServer, method: str, path: str, token: str | None
) -> None:
    """RFC 9110 §15.5.2 / RFC 6750 §3: every 401 names the Bearer scheme and realm."""
    headers = {"Content-Type": "application/sparql-update"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = httpx.request(method, f"{ld_server.url}{path}", content=b"", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="hankekg"'


@pytest.mark.parametrize("path", [RESOURCE, "/.well-known/void"])
def test_q_zero_was_ignored(ld_server: LiveServer, path: str) -> None:
    """``text/turtle;q=0, */*`` got Turtle; ``application/*`` got whatever matched first."""
    response = httpx.get(f"{ld_server.url}{path}", headers={"Accept": "text/turtle;q=0, */*"})
    assert response.status_code == 200
    assert not response.headers["content-type"].startswith("text/turtle")
    response = httpx.get(f"{ld_server.url}{path}", headers={"Accept": "application/*"})
    assert response.headers["content-type"].startswith("application/")
    response = httpx.get(f"{ld_server.url}{path}", headers={"Accept": "text/turtle;q=0"})
    assert response.status_code == 406


def test_construct_honours_q_zero(ld_server: LiveServer) -> None:
    query = "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1"
    response = httpx.get(
        f"{ld_server.url}/sparql",
        params={"query": query},
        headers={"Accept": "text/turtle;q=0, application/n-triples;q=0.5"},
    )
    assert response.headers["content-type"].startswith("application/n-triples")


def test_unknown_iri_kind_answered_422(ld_server: LiveServer) -> None:
    response = httpx.get(f"{ld_server.url}/id/nokind/x")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def _alternates(response: httpx.Response) -> list[tuple[str, str]]:
    return re.findall(r'<([^>]+)>; rel="alternate"; type="([^"]+)"', response.headers["link"])


@pytest.mark.parametrize("path", [RESOURCE, "/ontology", "/.well-known/void"])
def test_void_advertised_an_html_alternate_it_did_not_have(
    ld_server: LiveServer, path: str
) -> None:
    """Every ``rel="alternate"`` of a ``Link`` header answers, in the type it names."""
    alternates = _alternates(httpx.get(f"{ld_server.url}{path}"))
    assert alternates
    for link, media in alternates:
        response = httpx.get(f"{ld_server.url}{link}")
        assert response.status_code == 200, link
        assert response.headers["content-type"].split(";")[0] == media, link
    if path == "/.well-known/void":
        assert "text/html" not in {media for _, media in alternates}
        assert httpx.get(f"{ld_server.url}{path}?format=html").status_code == 422
        assert (
            httpx.get(f"{ld_server.url}{path}", headers={"Accept": "text/html"}).status_code == 406
        )


def test_related_was_404_for_a_project_the_project_api_answers_for(
    ld_server: LiveServer,
) -> None:
    assert httpx.get(f"{ld_server.url}/api/projects/{PROJECT_ID}").status_code == 200
    related = httpx.get(f"{ld_server.url}/api/projects/{PROJECT_ID}/related")
    assert related.status_code == 200
    assert related.json()["results"] == []
    assert httpx.get(f"{ld_server.url}/api/projects/no-such-project/related").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        RESOURCE,
        "/.well-known/void",
        "/api/export?format=nquads",
        "/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D",
        "/api/search?q=vertaistuki",
    ],
)
def test_no_validators_so_never_a_304(ld_server: LiveServer, path: str) -> None:
    """ETag and Last-Modified come from the data version; a revalidation is a 304."""
    url = f"{ld_server.url}{path}"
    first = httpx.get(url, timeout=120)
    assert first.status_code == 200
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('W/"') and "max-age=" in first.headers["cache-control"]
    again = httpx.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert httpx.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    other = httpx.get(url, headers={"If-None-Match": etag, "Accept": "application/ld+json"})
    assert other.status_code in (200, 406)  # another representation, another tag


def test_a_query_calling_now_got_a_304_for_an_old_time(ld_server: LiveServer) -> None:
    """An answer that changes without the data (NOW(), RAND(), ...) carries no validators."""
    query = "SELECT (now() AS ?t) WHERE {}"
    response = httpx.get(f"{ld_server.url}/sparql", params={"query": query})
    assert response.status_code == 200
    assert "etag" not in response.headers and "last-modified" not in response.headers


def test_a_write_changes_the_etag(ld_server: LiveServer) -> None:
    url = f"{ld_server.url}/.well-known/void"
    etag = httpx.get(url).headers["etag"]
    graph = "http://localhost:8000/graph/etag-test"
    insert = f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:b> 1 }} }}"
    headers = {"Content-Type": "application/sparql-update", **AUTH}
    assert (
        httpx.post(f"{ld_server.url}/sparql/update", content=insert, headers=headers).status_code
        == 204
    )
    after = httpx.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["etag"] != etag
    drop = f"DROP GRAPH <{graph}>"
    assert (
        httpx.post(f"{ld_server.url}/sparql/update", content=drop, headers=headers).status_code
        == 204
    )


def test_export_was_not_compressed(ld_server: LiveServer) -> None:
    """The export is gzipped when the client accepts it (still streamed), and not otherwise."""
    url = f"{ld_server.url}/api/export?format=nquads"
    with httpx.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as response:
        assert response.headers["content-encoding"] == "gzip"
        assert "content-length" not in response.headers  # streamed, chunk by chunk
        body = b"".join(response.iter_bytes())  # httpx decodes
    assert body.count(b"\n") > 1000
    plain = httpx.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == body


@pytest.mark.parametrize(
    ("base", "port", "warns"),
    [
        ("http://localhost:8000/", 8000, False),
        ("http://localhost:8000/", 8080, True),
        ("http://127.0.0.1/", 80, False),
        ("http://[::1]:9000/", 9001, True),
        ("https://hankekg.example.org/", 8080, False),  # public: a proxy serves it
    ],
)
def test_base_iri_named_another_port_and_nothing_warned(base: str, port: int, warns: bool) -> None:
    """IRIs minted under localhost:8000 did not dereference on another port, silently."""
    from api.cli_serve import base_mismatch

    warning = base_mismatch(base, port)
    assert (warning is not None) == warns
    if warning:
        assert "\n" not in warning and "HANKEKG_BASE_IRI=" in warning and str(port) in warning


def test_serve_warns_in_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from api.cli import app

    monkeypatch.setenv("HANKEKG_HOME", str(tmp_path))
    monkeypatch.setenv("HANKEKG_BASE_IRI", "http://localhost:8000/")
    monkeypatch.setattr(uvicorn, "run", lambda *_, **__: None)
    monkeypatch.setattr("api.app.create_app", lambda *_, **__: None)
    result = CliRunner().invoke(app, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "warning" in line]
    assert len(lines) == 1 and "HANKEKG_BASE_IRI=http://localhost:8123/" in lines[0]
