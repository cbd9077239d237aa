"""CORS in a real browser: a page on another loopback origin queries ``/sparql``.

Debian's Chromium (launched as in ``test_ui.py``) loads a page from a second
server on another port, which is another origin, and runs ``fetch`` from it:
GET and POST queries succeed (the POST with ``application/sparql-query`` needs a
preflight, which is answered), while a write with the bearer token is refused by
the browser because its preflight gets no CORS headers.
"""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from api.engine import Engine
from tests.conftest import LiveServer, make_settings

playwright_api = pytest.importorskip("playwright.sync_api")
Browser = playwright_api.Browser

pytestmark = pytest.mark.browser

TOKEN = "browser-token-0123456789"
PAGE = (
    b"<!doctype html><html><head><title>other origin</title></head><body>yasgui-like</body></html>"
)


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture(scope="module")
def other_origin() -> Iterator[str]:
    """A plain page served from another loopback port (another origin)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The API with default CORS settings over a home holding the reference data."""
    engine = Engine(make_settings(tmp_path_factory.mktemp("cors-home"), api_token=TOKEN))
    with LiveServer(engine) as server:
        yield server
    engine.close()


QUERY_GET = """async (api) => {
  const query = encodeURIComponent("ASK { ?s ?p ?o }");
  const r = await fetch(`${api}/sparql?query=${query}`,
                        {headers: {Accept: "application/sparql-results+json"}});
  return {status: r.status, body: await r.json()};
}"""
QUERY_POST = """async (api) => {
  const r = await fetch(`${api}/sparql`, {
    method: "POST",
    headers: {"Content-Type": "application/sparql-query",
              Accept: "application/sparql-results+json"},
    body: "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"});
  return {status: r.status, body: await r.json()};
}"""
WRITE = """async ([api, token]) => {
  try {
    const r = await fetch(`${api}/sparql/update`, {
      method: "POST",
      headers: {"Content-Type": "application/sparql-update", Authorization: `Bearer ${token}`},
      body: "CLEAR ALL"});
    return `answered ${r.status}`;
  } catch (error) {
    return `refused: ${error}`;
  }
}"""


def test_yasgui_on_another_origin_could_not_query(
    browser: Browser, api_server: LiveServer, other_origin: str
) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{other_origin}/")
        assert page.title() == "other origin"
        got = page.evaluate(QUERY_GET, api_server.url)
        assert got["status"] == 200 and got["body"]["boolean"] is True
        posted = page.evaluate(QUERY_POST, api_server.url)
        assert posted["status"] == 200
        assert int(posted["body"]["results"]["bindings"][0]["n"]["value"]) > 0
        written = page.evaluate(WRITE, [api_server.url, TOKEN])
        assert written.startswith("refused"), written
    finally:
        context.close()
    # The write never reached the store: the data is still there.
    count = httpx.get(
        f"{api_server.url}/sparql",
        params={"query": "ASK { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert count.json()["boolean"] is True
