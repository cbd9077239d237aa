"""Bounded work per request: deeply nested HTML is refused before the parser sees it.

The HTML parser's cost grows faster than linearly with nesting depth, so the
loader counts depth in one linear scan first. Assertions are on counts and
sizes, never on a stopwatch.
"""

from __future__ import annotations

import httpx
import pytest

from graph.errors import DocumentError
from graph.load.html import MAX_HTML_DEPTH, html_depth
from graph.load.loader import load_bytes
from tests.api.conftest import TOKEN
from tests.conftest import LiveServer

MILLION = 1_000_000


def _nested(depth: int, tag: str = "b") -> bytes:
    return f"<html><body>{f'<{tag}>' * depth}Hanke{f'</{tag}>' * depth}</body></html>".encode()


def test_a_million_nested_elements_are_refused_before_parsing() -> None:
    html = "<html><body>" + "<i>" * MILLION + "x"  # 3 MB, under the size limit
    assert html_depth(html) == MILLION + 2
    with pytest.raises(DocumentError, match=f"{MILLION + 2} elements deep"):
        load_bytes(html.encode(), name="deep.html", max_bytes=5_000_000)


def test_depth_within_the_limit_is_read() -> None:
    doc = load_bytes(_nested(MAX_HTML_DEPTH - 10), name="ok.html", max_bytes=5_000_000)
    assert "Hanke" in doc.text


def test_flat_runs_do_not_count_as_depth() -> None:
    """Unclosed <p>, <li>, <br> are siblings to the parser, not nesting."""
    html = "<html><body><ul>" + "<li>kohta<p>teksti<br>" * 50_000 + "</ul></body></html>"
    assert html_depth(html) <= 3
    doc = load_bytes(html.encode(), name="flat.html", max_bytes=5_000_000)
    assert doc.text.count("kohta") == 50_000


def test_upload_of_deep_html_is_a_small_422(ld_server: LiveServer) -> None:
    body = b"<html><body>" + b"<i>" * MILLION + b"x</body></html>"
    response = httpx.post(
        f"{ld_server.url}/api/documents",
        files={"file": ("deep.html", body, "text/html")},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=120,
    )
    assert response.status_code == 422, response.text
    assert "deep" in response.json()["detail"]
    assert len(response.content) < 2_000
