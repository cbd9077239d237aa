"""No script from data: safe links, security headers, and the UI held to the API's limits.

Runs against a real uvicorn server over the linked-data fixture engine (row
limit 50), so the headers are the ones a browser gets.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from api import services
from api.security import is_http_url, safe_url
from tests.conftest import LiveServer

HOSTILE_SCHEMES = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "java\tscript:alert(1)",
    "\x01javascript:alert(1)",
    "//evil.example/x",
    "/\\evil.example/x",
    "https:evil",
    "file:///etc/passwd",
    "ftp://example.org/x",
]


@pytest.mark.parametrize("value", HOSTILE_SCHEMES)
def test_safe_url_refuses_everything_but_http(value: str) -> None:
    assert safe_url(value) is None
    assert not is_http_url(value)


@pytest.mark.parametrize(
    "value", ["http://example.org/", "HTTPS://www.yso.fi/onto/yso/p1", "/project/x?lang=en"]
)
def test_safe_url_keeps_http_and_site_paths(value: str) -> None:
    assert safe_url(value) == value


def _links(html: str) -> list[str]:
    return [a.attributes.get("href") or "" for a in HTMLParser(html).css("a")]


@pytest.mark.parametrize("iri", ["javascript:alert(1)", "data:text/html,x", "vbscript:msgbox(1)"])
def test_sparql_page_shows_non_http_iris_as_text(ld_server: LiveServer, iri: str) -> None:
    query = f'SELECT ?x WHERE {{ BIND(IRI("{iri}") AS ?x) }}'
    response = httpx.get(f"{ld_server.url}/sparql-ui", params={"query": query}, timeout=30)
    assert response.status_code == 200
    cells = [td.text() for td in HTMLParser(response.text).css("table.results-table td")]
    assert cells == [iri]
    scheme = iri.split(":", 1)[0]
    assert not [h for h in _links(response.text) if h.lower().startswith(scheme)]


def test_every_html_page_carries_the_security_headers(ld_server: LiveServer) -> None:
    for path in ("/", "/sparql-ui", "/about", "/id/project/demo-hanke", "/no-such-page"):
        response = httpx.get(f"{ld_server.url}{path}", headers={"Accept": "text/html"})
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy, path
        assert "script-src 'self';" in policy, path
        assert "unsafe-inline" not in policy, path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"], path
        assert response.headers["x-frame-options"] == "DENY", path


def test_pages_have_no_inline_script_or_style(ld_server: LiveServer) -> None:
    for path in ("/", "/sparql-ui", "/about", "/id/project/demo-hanke", "/ontology"):
        response = httpx.get(f"{ld_server.url}{path}", headers={"Accept": "text/html"})
        tree = HTMLParser(response.text)
        assert not [s for s in tree.css("script") if not s.attributes.get("src")], path
        assert not tree.css("style"), path
        assert not tree.css("[style]"), path
        handlers = [
            name for node in tree.css("*") for name in node.attributes if name.startswith("on")
        ]
        assert not handlers, path


def test_api_docs_policy_allows_only_its_own_inline_block(ld_server: LiveServer) -> None:
    response = httpx.get(f"{ld_server.url}/docs")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "'sha256-" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert "http" not in policy, "no other origin: the bundles are served by this site"
    tree = HTMLParser(response.text)
    sources = [s.attributes.get("src") or "" for s in tree.css("script[src]")]
    sources += [s.attributes.get("href") or "" for s in tree.css("link[href]")]
    assert sources and all(src.startswith("/static/vendor/") for src in sources), sources
    for src in sources:
        assert httpx.get(f"{ld_server.url}{src}").status_code == 200, src


def test_ui_refuses_more_filter_values_than_the_api(ld_server: LiveServer) -> None:
    limit = services.MAX_FILTER_VALUES
    ok = "&".join(f"place=p{i}" for i in range(limit))
    too_many = "&".join(f"place=p{i}" for i in range(limit + 1))
    assert httpx.get(f"{ld_server.url}/?q=kuntoutus&{ok}", timeout=60).status_code == 200
    refused = httpx.get(f"{ld_server.url}/?q=kuntoutus&{too_many}", timeout=60)
    assert refused.status_code == 422
    api = httpx.get(f"{ld_server.url}/api/search?q=kuntoutus&{too_many}", timeout=60)
    assert api.status_code == 422


def test_ui_filter_with_relative_iri_is_not_a_server_error(ld_server: LiveServer) -> None:
    """A hand-made ``place=p0`` once reached Oxigraph as ``<p0>`` and answered 500."""
    response = httpx.get(f"{ld_server.url}/?q=kuntoutus&place=p0&theme=x", timeout=60)
    assert response.status_code == 200


def test_amplifying_filter_url_is_refused_with_a_small_answer(ld_server: LiveServer) -> None:
    """The probe's case: 2,500 place filters (a 66 KB URL) once answered 200 MB."""
    url = f"{ld_server.url}/?q=kuntoutus&" + "&".join(f"place=p{i}" for i in range(2500))
    response = httpx.get(url, timeout=60)
    # 414: the URL cap (api/serve_guard.py) answers before the filter cap's 422 can.
    assert response.status_code in (414, 422)
    assert len(response.content) < 20_000


def test_ui_refuses_query_and_page_past_the_api_limits(ld_server: LiveServer) -> None:
    long_q = "a" * (services.MAX_QUERY_CHARS + 1)
    assert httpx.get(f"{ld_server.url}/", params={"q": long_q}).status_code == 422
    last = services.MAX_OFFSET // 10 + 1
    assert httpx.get(f"{ld_server.url}/?q=x&page={last + 1}").status_code == 422


ROWS_QUERY = "SELECT ?n WHERE { VALUES ?a { 1 2 3 4 5 6 7 8 } VALUES ?b { 1 2 3 4 5 6 7 8 } BIND(?a * 10 + ?b AS ?n) }"


def test_sparql_page_says_when_the_row_limit_cut_the_result(ld_server: LiveServer) -> None:
    # The fixture engine's row limit is 50; this query has 64 rows.
    response = httpx.get(
        f"{ld_server.url}/sparql-ui", params={"query": ROWS_QUERY, "lang": "en"}, timeout=30
    )
    note = HTMLParser(response.text).css_first("p.truncated")
    assert note is not None
    assert "first 50 rows" in note.text()
    download = httpx.get(
        f"{ld_server.url}/sparql-ui/download?format=csv&query={quote(ROWS_QUERY)}", timeout=30
    )
    assert download.headers["x-result-truncated"] == "true"
    assert "first-50-rows" in download.headers["content-disposition"]
    assert len(download.text.strip().splitlines()) == 51  # header + 50 rows


def test_sparql_page_has_no_cut_note_under_the_limit(ld_server: LiveServer) -> None:
    query = "SELECT ?n WHERE { VALUES ?n { 1 2 3 } }"
    response = httpx.get(f"{ld_server.url}/sparql-ui", params={"query": query}, timeout=30)
    assert HTMLParser(response.text).css_first("p.truncated") is None
