"""Bounded responses: every GET parameter that sets how much comes back has a cap, and is enforced.

The caps come from the OpenAPI document itself (``maximum``, ``maxLength``), so a
new route or parameter is covered as soon as it declares its limit. A request past
a cap is a 422; a request at every cap answers with a body of bounded size.
Assertions are on status codes and byte counts, never on a stopwatch.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from api.engine import Engine
from tests.conftest import LiveServer

#: What one answer may weigh at the caps over the seed corpus (the bulk export excepted).
MAX_BODY_BYTES = 2_000_000
#: Filters repeated past the API's per-facet cap.
FILTERS = ("place", "funder", "organisation", "theme", "status", "language")


def _path_values(live_server: LiveServer) -> dict[str, str]:
    documents = httpx.get(f"{live_server.url}/api/documents", timeout=60).json()["items"]
    hits = httpx.get(f"{live_server.url}/api/search", params={"q": "kuntoutus"}, timeout=60).json()[
        "results"
    ]
    return {
        "project_id": hits[0]["id"],
        "document_id": documents[0]["id"],
        "kind": "place",
        "entity_id": "698",
    }


#: Longest cap a GET URL can carry past (httpx refuses longer query strings).
URL_CAP = 10_000


def _schema(parameter: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema; an optional one (``anyOf`` with null) as its non-null branch
    when its cap fits in a URL (the search's optional ``q``; a SPARQL text is POSTed)."""
    schema = parameter.get("schema", {})
    branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
    if len(branches) == 1 and branches[0].get("maxLength", 0) <= URL_CAP:
        return branches[0]
    return schema


def _capped_params(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        p["name"]: _schema(p)
        for p in operation.get("parameters", [])
        if p.get("in") == "query" and ("maximum" in _schema(p) or "maxLength" in _schema(p))
    }


def test_every_capped_parameter_refuses_past_its_cap_and_bounds_the_body_at_it(
    live_server: LiveServer, seeded_engine: Engine
) -> None:
    spec = httpx.get(f"{live_server.url}/openapi.json", timeout=60).json()
    values = _path_values(live_server)
    checked = 0
    for path, operations in spec["paths"].items():
        if "get" not in operations or path == "/api/export":
            continue
        url = live_server.url + re.sub(r"\{([^}]+)\}", lambda m: values[m.group(1)], path)
        base = {"q": "kuntoutus"} if path == "/api/search" else {}
        caps = _capped_params(operations["get"])
        for name, schema in caps.items():
            if "maximum" in schema:
                over, at = schema["maximum"] + 1, schema["maximum"]
            else:
                over, at = "a" * (schema["maxLength"] + 1), "a" * schema["maxLength"]
            refused = httpx.get(url, params={**base, name: over}, timeout=60)
            assert refused.status_code == 422, (path, name, refused.status_code)
            answered = httpx.get(url, params={**base, name: at}, timeout=120)
            assert answered.status_code == 200, (path, name, answered.status_code)
            assert len(answered.content) <= MAX_BODY_BYTES, (path, name, len(answered.content))
            checked += 1
    # search (q, k, offset), related (k), documents (offset, limit) at least
    assert checked >= 6


def test_search_refuses_more_filter_values_than_the_cap_in_every_format(
    live_server: LiveServer,
) -> None:
    for facet in FILTERS:
        for fmt in ("json", "csv", "records"):
            params = [("q", "kuntoutus"), ("format", fmt)] + [
                (facet, f"http://x/{i}") for i in range(1_000)
            ]
            response = httpx.get(f"{live_server.url}/api/search", params=params, timeout=60)
            # 1,000 values make a 20 kB URL: past the 8 kB URL cap, a 414 (issue 23)
            assert response.status_code in (414, 422), (facet, fmt, response.status_code)
            assert len(response.content) < 20_000, (facet, fmt, len(response.content))
