"""Hostile input: bad files and bad requests get a clear error and change nothing.

Every case goes through the real app (``TestClient`` over ``create_app``) on its own
home holding the seed documents, with an API token configured so that the write
routes are live. For each case the answer must be a 4xx ``application/problem+json``
with a non-empty ``detail`` (no traceback, no 5xx), and the state must be exactly as
before: the committed index snapshot, the document set, the triple count.

Files are uploaded to ``POST /api/documents`` (multipart); requests hit
``/api/documents``, ``/api/search``, ``/api/projects``, ``/sparql`` and ``/id``.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.engine import Engine
from graph.load.loader import load_bytes
from tests.conftest import SEEDS, make_settings

TOKEN = "hostile-test-token-7f3a"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    home = tmp_path_factory.mktemp("hostile-home")
    engine = Engine(make_settings(home, api_token=TOKEN))
    assert not engine.ingest_paths([SEEDS]).failed
    with TestClient(create_app(engine.settings, engine=engine)) as test_client:
        yield test_client
    engine.close()


def _state(client: TestClient) -> tuple[object, ...]:
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    docs = tuple(sorted(engine.snapshot.manifest.documents)) if engine.snapshot else ()
    return (engine.index_version(), docs, len(engine.store))


def _nested_html(depth: int) -> bytes:
    return ("<html><body>" + "<div>" * depth + "</div>" * depth + "</body></html>").encode()


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", "0" * 5_000_000)
    return buffer.getvalue()


def _upload(
    name: str, data: bytes, content_type: str = "text/plain"
) -> Callable[[TestClient], httpx.Response]:
    return lambda c: c.post(
        "/api/documents", files={"file": (name, data, content_type)}, headers=AUTH
    )


def _json_body(body: str | bytes) -> Callable[[TestClient], httpx.Response]:
    return lambda c: c.post(
        "/api/documents", content=body, headers={**AUTH, "Content-Type": "application/json"}
    )


def _get(path: str, **params: object) -> Callable[[TestClient], httpx.Response]:
    return lambda c: c.get(path, params=params or None)  # type: ignore[arg-type]


def _sparql_get(query: str, **headers: str) -> Callable[[TestClient], httpx.Response]:
    return lambda c: c.get("/sparql", params={"query": query}, headers=headers)


def _sparql_post(
    body: bytes, content_type: str, **headers: str
) -> Callable[[TestClient], httpx.Response]:
    return lambda c: c.post(
        "/sparql", content=body, headers={"Content-Type": content_type, **headers}
    )


CYRILLIC_TOKEN = TOKEN.replace("o", "\u043e")  # Cyrillic "о" looks like Latin "o"
VALID_TEXT = b"Hankkeen nimi\n\nTesti\n\nRahoittaja\n\nKela\n"

CASES: dict[str, Callable[[TestClient], httpx.Response]] = {
    # -- files ---------------------------------------------------------------------
    "empty file": _upload("empty.txt", b""),
    "whitespace-only file": _upload("blank.txt", b" \n\t\n  \r\n"),
    "binary with NUL bytes": _upload(
        "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40
    ),
    "gzip named .txt": _upload("bomb.txt", gzip.compress(b"A" * 10_000_000)),
    "zip named .html": _upload("bomb.html", _zip(), "text/html"),
    "gzip named .json": _upload("bomb.json", gzip.compress(b"{}" * 1_000_000), "application/json"),
    "50 MB file": _upload("huge.txt", b"kuntoutus " * 5_000_000),
    "moderately nested empty HTML": _upload("nested.html", _nested_html(500), "text/html"),
    "HTML with only script and style": _upload(
        "chrome.html",
        b"<html><head><script>"
        + b"x=1;" * 5000
        + b"</script><style>p{}</style></head><body><nav>Etusivu</nav></body></html>",
        "text/html",
    ),
    "control characters": _upload("ctrl.txt", bytes(range(1, 9)) * 5000 + b"abc"),
    "invalid UTF-16 after a BOM": _upload("utf16.txt", b"\xff\xfe" + b"\x00\xd8" * 10 + b"A"),
    "mixed encodings with C1 controls": _upload(
        "mixed.txt", "Hanke ä".encode() + b"\x81\x8d\x8f\x90\x9d" * 2000 + "ö".encode("latin-1")
    ),
    "invalid JSON record": _upload(
        "record.json", b'{"name": "Hanke", "summary": ', "application/json"
    ),
    "JSON array of records": _upload(
        "records.json", b'[{"name": "a"}, {"name": "b"}]', "application/json"
    ),
    "JSON scalar": _upload("scalar.json", b'"just a string"', "application/json"),
    "deeply nested JSON": _upload("deep.json", b"[" * 100_000 + b"]" * 100_000, "application/json"),
    # -- the documents API ------------------------------------------------------------
    "malformed JSON body": _json_body(b'{"text": "Hanke", '),
    "JSON body of the wrong type": _json_body(json.dumps({"text": 5})),
    "JSON body with empty text": _json_body(json.dumps({"text": ""})),
    "JSON body with a javascript: URL": _json_body(
        json.dumps({"text": "Hanke ja kuntoutus", "source_url": "javascript:alert(1)"})
    ),
    "JSON body that is not UTF-8": _json_body('{"text": "Hämeenlinna"}'.encode("latin-1")),
    "unsupported content type": lambda c: c.post(
        "/api/documents", content=b"<x/>", headers={**AUTH, "Content-Type": "application/xml"}
    ),
    "multipart without a file field": lambda c: c.post(
        "/api/documents", data={"title": "x"}, files={"other": ("a.txt", b"abc")}, headers=AUTH
    ),
    "upload without a token": lambda c: c.post(
        "/api/documents", files={"file": ("a.txt", VALID_TEXT)}
    ),
    "upload with a wrong token": lambda c: c.post(
        "/api/documents",
        files={"file": ("a.txt", VALID_TEXT)},
        headers={"Authorization": "Bearer wrong"},
    ),
    "upload with a confusable token": lambda c: c.post(
        "/api/documents",
        files={"file": ("a.txt", VALID_TEXT)},
        headers={"Authorization": f"Bearer {CYRILLIC_TOKEN}".encode()},
    ),  # type: ignore[dict-item]
    "upload with Basic auth": lambda c: c.post(
        "/api/documents",
        files={"file": ("a.txt", VALID_TEXT)},
        headers={"Authorization": f"Basic {TOKEN}"},
    ),
    "upload with the token as a query parameter": lambda c: c.post(
        f"/api/documents?token={TOKEN}", files={"file": ("a.txt", VALID_TEXT)}
    ),
    "delete with a wrong token": lambda c: c.delete(
        "/api/documents/0123456789abcdef", headers={"Authorization": "Bearer nope"}
    ),
    "delete with path traversal": lambda c: c.delete(
        "/api/documents/..%2F..%2Fetc%2Fpasswd", headers=AUTH
    ),
    "delete an unknown document": lambda c: c.delete(
        "/api/documents/0123456789abcdef", headers=AUTH
    ),
    "delete with an upper-case id": lambda c: c.delete(
        "/api/documents/0123456789ABCDEF", headers=AUTH
    ),
    # -- search and projects ----------------------------------------------------------------
    "huge query string": _get("/api/search", q="kuntoutus " * 4_000),
    "empty query": _get("/api/search", q=""),
    "negative k": _get("/api/search", q="kuntoutus", k=-1),
    "enormous k": _get("/api/search", q="kuntoutus", k=10**12),
    "unknown mode": _get("/api/search", q="kuntoutus", mode="__import__('os')"),
    "year as text": _get("/api/search", q="kuntoutus", year_from="2015; DROP ALL"),
    "too many filter values": lambda c: c.get(
        "/api/search", params=[("q", "x")] + [("place", f"http://x/{i}") for i in range(50)]
    ),
    "project path traversal": _get("/api/projects/..%2F..%2Fetc%2Fpasswd"),
    "project id with a confusable letter": _get(
        "/api/projects/ty\u043eikaisten-kuntoutus-rovaniemi"
    ),
    "project id too long": _get("/api/projects/" + "a" * 5000),
    "unknown project": _get("/api/projects/no-such-project-anywhere"),
    "related of an unknown project": _get("/api/projects/no-such-project-anywhere/related"),
    "linked data path traversal": _get("/id/project/..%2F..%2F..%2Fetc%2Fpasswd"),
    # -- SPARQL ------------------------------------------------------------------------------
    "malformed SPARQL": _sparql_get("SELECT ?s WHERE { ?s ?p "),
    "deeply nested SPARQL": _sparql_get("SELECT * WHERE " + "{ " * 3000 + "?s ?p ?o" + " }" * 3000),
    "deeply nested SPARQL expression": _sparql_get(
        "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"
    ),
    "SPARQL with a huge literal (POST)": _sparql_post(
        ('ASK { ?s ?p "' + "x" * 150_000 + '" }').encode(), "application/sparql-query"
    ),
    "SPARQL SERVICE to the outside": _sparql_get(
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    ),
    "SPARQL update sent as a query": _sparql_get("DROP ALL"),
    "SPARQL query that is not UTF-8": _sparql_post(
        'ASK { ?s ?p "ä" }'.encode("latin-1"), "application/sparql-query"
    ),
    "SPARQL with an unsupported media type": _sparql_post(b"ASK {}", "text/plain"),
    "SPARQL form with two queries": _sparql_post(
        b"query=ASK%7B%7D&query=ASK%7B%7D", "application/x-www-form-urlencoded"
    ),
    "SPARQL asking for an image": _sparql_get("ASK { ?s ?p ?o }", Accept="image/png"),
    "SPARQL update without a token": lambda c: c.post(
        "/sparql/update", content=b"DROP ALL", headers={"Content-Type": "application/sparql-update"}
    ),
    "SPARQL update with a wrong token": lambda c: c.post(
        "/sparql/update",
        content=b"DROP ALL",
        headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer x"},
    ),
    "SPARQL LOAD from the outside": lambda c: c.post(
        "/sparql/update",
        content=b"LOAD <http://example.org/data.ttl>",
        headers={**AUTH, "Content-Type": "application/sparql-update"},
    ),
}


def test_there_are_at_least_forty_cases() -> None:
    assert len(CASES) >= 40


#: Cases that find bugs in code this suite does not own; strict, so a fix turns them green.
KNOWN_BUGS: dict[str, str] = {}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[n]))
        if n in KNOWN_BUGS
        else n
        for n in CASES
    ],
)
def test_hostile_input_gets_a_clear_error_and_changes_nothing(
    client: TestClient, name: str
) -> None:
    before = _state(client)
    response = CASES[name](client)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body.get("detail"), body
    assert "Traceback" not in response.text and 'File "' not in response.text
    assert _state(client) == before


def test_the_service_still_answers_after_the_hostile_inputs(client: TestClient) -> None:
    response = client.get("/api/search", params={"q": "kuntoutus"})
    assert response.status_code == 200
    assert response.json()["results"]


def test_html_entities_are_never_expanded_beyond_the_input() -> None:
    """A page with 10,000 character and undeclared custom entities ("billion laughs" shape)
    loads without expanding anything: the text is never longer than the input."""
    doctype = (
        "<!DOCTYPE html ["
        + "".join(f'<!ENTITY e{i} "&e{i - 1};&e{i - 1};">' for i in range(1, 30))
        + "]>"
    )
    body = "&auml;&ouml;&amp;" * 3_334 + "&e29;" * 10
    data = f"{doctype}<html><body><p>{body}</p></body></html>".encode()
    document = load_bytes(data, name="entities.html", max_bytes=5_000_000)
    assert len(document.text) <= len(data)


def test_files_that_fail_to_load_are_reported_per_file(tmp_path: Path, client: TestClient) -> None:
    """The same bad files through ``ingest_paths``: each reported, none ingested."""
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "bomb.txt").write_bytes(gzip.compress(b"A" * 100_000))
    (folder / "ctrl.md").write_bytes(bytes(range(1, 9)) * 100)
    (folder / "broken.json").write_bytes(b"{")
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    before = _state(client)
    report = engine.ingest_paths([folder])
    assert sorted(Path(p).name for p in report.failed) == [
        "bomb.txt",
        "broken.json",
        "ctrl.md",
        "empty.txt",
    ]
    assert all(message for message in report.failed.values())
    assert not report.added
    assert _state(client) == before
