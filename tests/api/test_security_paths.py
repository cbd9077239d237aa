"""No server internals in responses: every GET route is grepped for the home and repository paths.

The seeded engine ingests the seed folder by its absolute path, which once put
that path in ``/api/documents``, search hits' ``source``, the UI and
``/id/document/...`` (and so in SPARQL answers).
"""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx

from api.engine import Engine
from tests.conftest import ROOT, LiveServer

#: Pages of the UI (not in the OpenAPI document).
UI_PATHS = [
    "/",
    "/?q=kuntoutus",
    "/?q=work+ability",
    "/about",
    "/sparql-ui",
    "/project/{project_id}",
    "/organisation/{entity_id}",
    "/place/{entity_id}",
    "/theme/{entity_id}",
]
PATH_QUERY = "SELECT ?d ?p WHERE { ?d hk:path ?p }"


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: values.get(m.group(1), "x"), path)


def test_no_route_answers_with_a_server_path(
    live_server: LiveServer, seeded_engine: Engine
) -> None:
    secrets = {str(seeded_engine.settings.home.resolve()), str(ROOT)}
    documents = httpx.get(f"{live_server.url}/api/documents", timeout=60).json()["items"]
    assert documents
    search = httpx.get(f"{live_server.url}/api/search", params={"q": "kuntoutus"}, timeout=60)
    hits = search.json()["results"]
    values = {
        "document_id": documents[0]["id"],
        "id": documents[0]["id"],
        "project_id": hits[0]["id"],
        "entity_id": "698",
        "kind": "document",
        "local": documents[0]["id"],
    }
    spec = httpx.get(f"{live_server.url}/openapi.json").json()
    paths = [p for p, ops in spec["paths"].items() if "get" in ops]
    urls = [
        *[_fill(p, values) for p in paths],
        *[_fill(p, values) for p in UI_PATHS],
        f"/id/document/{documents[0]['id']}",
        f"/sparql?query={quote(PATH_QUERY)}",
        f"/sparql-ui?query={quote(PATH_QUERY)}",
        "/api/search?q=kuntoutus",
    ]
    checked = 0
    for url in urls:
        for accept in ("text/html", "application/json", "text/turtle"):
            response = httpx.get(f"{live_server.url}{url}", headers={"Accept": accept}, timeout=60)
            body = response.text
            for secret in secrets:
                assert secret not in body, (url, accept, secret)
            checked += 1
    assert checked >= 3 * 20
    # The document's own name is still there: its file name, relative to the folder ingested.
    listing = {item["path"] for item in documents}
    assert all(not p.startswith("/") for p in listing), listing
