"""The timeline, the map, the exports and accessibility in a real browser.

Debian's Chromium driven by Playwright, as in ``test_ui.py``. The axe-core
checks inject ``axe.min.js`` from the project-local ``node_modules/`` that
``make setup`` installs from the npm registry (``package.json``); the page's strict CSP
would refuse an injected script, so those contexts bypass CSP (the page's own
scripts are unaffected). Screenshots go to ``tests/e2e/artifacts/``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from api.engine import Engine
from tests.conftest import ROOT, LiveServer
from tests.e2e.conftest import ARTIFACTS

playwright_api = pytest.importorskip("playwright.sync_api")
Browser = playwright_api.Browser
Page = playwright_api.Page
expect = playwright_api.expect

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
K_ID = "kolmannen-ja-julkisen-sektorin-palveluyhteistyo-monitahoisessa-kuntoutuksessa"
QUERY = "kuntoutus"
PAGES = {
    "search": f"/?q={QUERY}",
    "search_region": f"/?q={QUERY}&place=http%3A%2F%2Flocalhost%3A8000%2Fid%2Fplace%2Fregion-19",
    "project": f"/project/{K_ID}",
    "organisation": "/organisation/kela",
    "place_region": "/place/region-19",
    "place_group": "/place/kuuma",
    "theme": "/theme/p3320",
    "sparql": "/sparql-ui?example=kela&query=SELECT+%3Fs+WHERE+%7B+%3Fs+a+%3Chttps%3A%2F%2Fw3id.org%2Fhankekg%2Fontology%23Project%3E+%7D",
    "about": "/about",
}


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh Finnish context that accepts downloads."""
    context = browser.new_context(
        locale="fi-FI", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def api_iris(server: LiveServer, query: dict[str, list[str]]) -> list[str]:
    wanted = {k: v for k, v in query.items() if k not in ("page", "lang")}
    wanted["k"] = ["500"]
    wanted["format"] = ["records"]
    response = httpx.get(f"{server.url}/api/search", params=wanted, timeout=60)
    assert response.status_code == 200, response.text[:300]
    return [row["iri"] for row in response.json()]


def test_map_click_filters_by_region_and_zooms(live_server: LiveServer, page: Page) -> None:
    page.goto(f"{live_server.url}/?q={QUERY}")
    shot(page, "charts_search")
    bubble = page.locator('figure.map[data-level="region"] a.place').first
    region = bubble.get_attribute("data-place")
    bubble.click()
    page.wait_for_url(re.compile(r"place="))
    assert params(page.url)["place"] == [region]
    expect(page.locator('.chips a.chip[data-facet="place"]')).to_have_count(1)
    expect(page.locator('figure.map[data-level="municipality"]')).to_be_visible()
    total = int(page.locator("#result-count").get_attribute("data-total") or -1)
    assert total == len(api_iris(live_server, params(page.url)))
    shot(page, "charts_map_zoomed")


def test_timeline_click_and_second_click_make_a_year_range(
    live_server: LiveServer, page: Page
) -> None:
    page.goto(f"{live_server.url}/?q={QUERY}")
    bars = page.locator("figure.timeline a.year:has(rect.seg)")
    first = bars.first.get_attribute("data-year")
    last = bars.last.get_attribute("data-year")
    bars.first.click()
    page.wait_for_url(re.compile(r"year_from="))
    assert params(page.url)["year_from"] == [first] and params(page.url)["year_to"] == [first]
    expect(page.locator('.chips a.chip[data-facet="years"]')).to_be_visible()
    # The year facet's own link for that year leads to the same filter.
    facet = page.locator(f'.facet[data-facet="years"] a[data-value="{first}"]')
    assert params(facet.get_attribute("href") or "")["year_from"] == [first]
    page.locator(f'figure.timeline a.year[data-year="{last}"]').click()
    page.wait_for_url(re.compile(rf"year_to={last}"))
    assert params(page.url)["year_from"] == [first]
    total = int(page.locator("#result-count").get_attribute("data-total") or -1)
    assert total == len(api_iris(live_server, params(page.url)))
    expect(page.locator("figure.timeline a.year.on").first).to_be_visible()
    shot(page, "charts_timeline_range")


def test_csv_download_matches_the_api_search(live_server: LiveServer, page: Page) -> None:
    region = "http://localhost:8000/id/place/region-19"
    page.goto(f"{live_server.url}/?q={QUERY}&place={region}")
    with page.expect_download() as info:
        page.locator('a[data-export="csv"]').click()
    download = info.value
    text = Path(download.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows, "the export holds the results"
    assert [r["iri"] for r in rows] == api_iris(live_server, {"q": [QUERY], "place": [region]})
    assert all(r["source_url"] and not r["source_url"].startswith("/") for r in rows)


def test_no_page_shows_the_home_or_a_server_path(
    live_server: LiveServer, seeded_engine: Engine, page: Page
) -> None:
    home = str(seeded_engine.settings.home)
    mentioned = next(
        str(r["p"])
        for r in seeded_engine.store.select(
            "SELECT ?p WHERE { ?p a <https://schema.org/Project> . "
            "FILTER NOT EXISTS { ?p a <https://w3id.org/hankekg/ontology#Project> } }"
        )
    )
    paths = [*PAGES.values(), mentioned.replace("http://localhost:8000/id", "")]
    server_path = re.compile(r"(?<![\w.:/])/(tmp|work|root|home|var|usr|opt|srv)/")
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        html = page.content()
        assert home not in html, path
        assert "HANKEKG_HOME" not in html, path
        found = server_path.search(page.inner_text("body"))
        assert found is None, (path, found and found.group(0))


def test_charts_speak_finnish_and_english(live_server: LiveServer, page: Page) -> None:
    page.goto(f"{live_server.url}/?q={QUERY}&lang=fi")
    expect(page.locator("#timeline-h")).to_have_text("Hankkeet vuosittain")
    expect(page.locator("#map-h")).to_have_text("Hankkeet kartalla")
    page.locator('a[data-lang="en"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#timeline-h")).to_have_text("Projects per year")
    expect(page.locator("#map-h")).to_have_text("Projects on the map")
    expect(page.locator('a[data-export="sparql"]')).to_have_text("Open in SPARQL")
    shot(page, "charts_english")


def test_375px_without_horizontal_scroll(live_server: LiveServer, browser: Browser) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, locale="fi-FI", is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        for name, path in PAGES.items():
            page.goto(f"{live_server.url}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"{path} is {width}px wide at 375px"
            shot(page, f"narrow_{name}")
    finally:
        context.close()


def _axe(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize(
    "name",
    ["search", "search_region", "project", "organisation", "place_region", "theme", "sparql"],
)
def test_axe_finds_no_serious_or_critical_violation(
    live_server: LiveServer, browser: Browser, name: str
) -> None:
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run `make setup` (npm ci)")
    context = browser.new_context(bypass_csp=True, locale="fi-FI")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}{PAGES[name]}")
        found = _axe(page)
        report = [(v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]]) for v in found]
        assert not found, report
    finally:
        context.close()


@pytest.mark.parametrize(
    ("path", "rendered"),
    [("/docs", ".swagger-ui .info .title"), ("/redoc", "h1")],
)
def test_api_docs_render_from_this_site_alone(
    live_server: LiveServer, page: Page, path: str, rendered: str
) -> None:
    """Nothing at run time needs the network: the docs pages load their bundles from
    this site, and their policy refuses every other origin (ReDoc's "powered by" logo
    on its CDN is refused and the page renders without it)."""
    off_site: list[str] = []
    here = (live_server.url, f"blob:{live_server.url}")  # ReDoc's worker is a same-site blob
    page.on(
        "requestfinished",
        lambda r: off_site.append(r.url) if not r.url.startswith(here) else None,
    )
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}{path}")
    try:
        expect(page.locator(rendered).first).to_contain_text(
            "hankekg", ignore_case=True, timeout=60_000
        )
    except AssertionError as exc:
        raise AssertionError(f"{path} did not render; page errors: {errors}") from exc
    shot(page, f"api_docs{path.replace('/', '_')}")
    assert not off_site, off_site
