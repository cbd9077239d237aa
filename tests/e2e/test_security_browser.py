"""No script from data, in a real browser: no dialog opens from hostile links.

SPARQL results (rendered by the server and by ``ui.js``) and stored data
(``owl:sameAs``, publications) carry ``javascript:``, ``data:`` and
``vbscript:`` IRIs; the pages must show them as text, and clicking whatever
they render must open no dialog. A control proves the dialog watcher works.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from rdflib import Graph, URIRef

from api.engine import Engine
from tests.conftest import LiveServer, make_settings

playwright_api = pytest.importorskip("playwright.sync_api")
Browser = playwright_api.Browser
Page = playwright_api.Page

pytestmark = pytest.mark.browser

BASE = "http://localhost:8000/"
HOSTILE = [
    "javascript:alert(1)",
    "data:text/html,%3Cscript%3Ealert(2)%3C/script%3E",
    "vbscript:msgbox(3)",
]
ORG = f"{BASE}id/organisation/vaarallinen-yhdistys"
PROJECT = f"{BASE}id/project/vaarallinen-hanke"

DATA = f"""
@prefix hk: <https://w3id.org/hankekg/ontology#> .
@prefix schema: <https://schema.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
<{ORG}> a schema:Organization ; schema:name "Vaarallinen yhdistys"@fi ;
    owl:sameAs <javascript:alert(1)>, <vbscript:msgbox(3)> .
<{PROJECT}> a hk:Project, schema:Project ; schema:name "Vaarallinen hanke"@fi ;
    schema:funder <{ORG}> ;
    schema:subjectOf <javascript:alert(4)>, <data:text/html,x> .
"""


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real server whose graph holds hostile links, as stored data would."""
    engine = Engine(make_settings(tmp_path_factory.mktemp("hostile-home")))
    graph = Graph().parse(data=DATA, format="turtle")
    engine.store.replace_graphs([], {URIRef(f"{BASE}graph/hostile"): graph})
    with LiveServer(engine) as server:
        yield server
    engine.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page whose dialogs are recorded (and dismissed)."""
    context = browser.new_context()
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.dialogs = []  # type: ignore[attr-defined]

    def record(dialog: object) -> None:
        page.dialogs.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()  # type: ignore[attr-defined]

    page.on("dialog", record)
    yield page
    context.close()


def _click_everything(page: Page, selector: str) -> int:
    """Check every link under ``selector``, then click what shows hostile text; return clicks.

    Links to http(s) or this site are not clicked (they would leave the page);
    their scheme is what is checked. Hostile values must be plain text: clicking
    them must do nothing.
    """
    hrefs = page.eval_on_selector_all(
        f"{selector} a", "links => links.map(a => a.getAttribute('href') || '')"
    )
    hostile = [
        h for h in hrefs if h.strip().lower().startswith(("javascript:", "data:", "vbscript:"))
    ]
    assert hostile == []
    clicked = 0
    for scheme in ("javascript:", "data:", "vbscript:"):
        for element in page.locator(selector).get_by_text(scheme).all():
            element.click(no_wait_after=True, timeout=5_000)
            clicked += 1
    page.wait_for_timeout(300)
    return clicked


def test_the_dialog_watcher_works(page: Page) -> None:
    page.set_content('<a id="x" href="javascript:alert(7)">x</a>')
    page.click("#x")
    page.wait_for_timeout(300)
    assert page.dialogs == ["7"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("iri", HOSTILE)
def test_sparql_results_rendered_by_the_server_open_no_dialog(
    hostile_server: LiveServer, page: Page, iri: str
) -> None:
    query = f'SELECT ?x WHERE {{ BIND(IRI("{iri}") AS ?x) }}'
    page.goto(f"{hostile_server.url}/sparql-ui?query={quote(query)}")
    page.wait_for_selector("table.results-table td")
    assert page.locator("table.results-table td").first.inner_text() == iri
    assert _click_everything(page, "table.results-table") >= 1
    assert page.dialogs == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("iri", HOSTILE)
def test_sparql_results_rendered_by_the_script_open_no_dialog(
    hostile_server: LiveServer, page: Page, iri: str
) -> None:
    page.goto(f"{hostile_server.url}/sparql-ui")
    page.fill("#query", f'SELECT ?x WHERE {{ BIND(IRI("{iri}") AS ?x) }}')
    page.click("#run")
    page.wait_for_function(
        "expected => [...document.querySelectorAll('table.results-table td')]"
        ".some(td => td.textContent === expected)",
        arg=iri,
    )
    assert _click_everything(page, "table.results-table") >= 1
    assert page.dialogs == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "path", ["/organisation/vaarallinen-yhdistys", "/project/vaarallinen-hanke"]
)
def test_stored_links_open_no_dialog(hostile_server: LiveServer, page: Page, path: str) -> None:
    response = page.goto(f"{hostile_server.url}{path}")
    assert response is not None and response.status == 200
    text = page.locator("main").inner_text()
    assert "javascript:alert" in text  # shown, as text
    assert _click_everything(page, "main") >= 1
    assert page.dialogs == []  # type: ignore[attr-defined]
