"""The web UI in a real browser: Debian's Chromium driven by Playwright.

No browser is downloaded: Playwright launches ``/usr/bin/chromium`` (the
Makefile's ``setup-browser`` installs it). Every test saves screenshots under
``tests/e2e/artifacts/`` (git-ignored) so a person can look at what ran.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest

from tests.conftest import KUNTOUTUS, ROVANIEMI, LiveServer
from tests.e2e.conftest import ARTIFACTS

playwright_api = pytest.importorskip("playwright.sync_api")
Browser = playwright_api.Browser
Page = playwright_api.Page
expect = playwright_api.expect

pytestmark = pytest.mark.browser

K_ID = "kolmannen-ja-julkisen-sektorin-palveluyhteistyo-monitahoisessa-kuntoutuksessa"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh context (no cookies) with a Finnish browser locale."""
    context = browser.new_context(locale="fi-FI", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_search_result_to_project_page_with_funder_and_evidence(
    live_server: LiveServer, page: Page
) -> None:
    page.goto(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    page.get_by_label("Hakusanat suomeksi tai englanniksi").fill(
        "vertaistuki korvaushoitoasiakkaille"
    )
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=vertaistuki"))
    first = page.locator("ol.hits li.hit").first
    expect(first.locator("h3 a")).to_have_text(KUNTOUTUS)
    expect(first.locator("dd.funder")).to_contain_text("Raha-automaattiyhdistys")
    expect(first.locator("p.snippet mark").first).to_be_visible()
    shot(page, "search_results")

    first.locator("h3 a").click()
    page.wait_for_url(f"**/project/{K_ID}")
    expect(page.locator("h1")).to_have_text(KUNTOUTUS)
    expect(page.locator(".role-funder")).to_contain_text("Raha-automaattiyhdistys")
    expect(page.locator("dd.period")).to_have_text("2010–2013")

    # The funder's evidence: a highlighted span in the source text whose tooltip
    # appears on hover and on keyboard focus.
    mark = page.locator("mark.ev", has_text="Raha-automaattiyhdistys").first
    tip = mark.locator(".tip")
    expect(tip).to_be_hidden()
    mark.scroll_into_view_if_needed()
    mark.hover()
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("Rahoittaja")
    shot(page, "project_evidence_hover")
    page.mouse.move(0, 0)
    mark.focus()
    expect(tip).to_be_visible()
    row = page.locator("table.facts tr", has_text="Raha-automaattiyhdistys (RAY)")
    expect(row.first).to_be_visible()
    shot(page, "project_page")


def test_facet_click_narrows_results_and_url(live_server: LiveServer, page: Page) -> None:
    page.goto(f"{live_server.url}/?q=kuntoutus")
    expect(page.locator("ol.hits li.hit")).to_have_count(2)
    shot(page, "facets_before")
    facet = page.locator('a.facet-value[data-facet="place"]', has_text="Lappi").first
    facet.click()
    page.wait_for_url(re.compile(r"place="))
    params = parse_qs(urlparse(page.url).query)
    assert params["q"] == ["kuntoutus"]
    assert params["place"] == ["http://localhost:8000/id/place/region-19"]
    expect(page.locator("ol.hits li.hit")).to_have_count(1)
    expect(page.locator("ol.hits li.hit h3 a")).to_have_text(ROVANIEMI)
    chip = page.locator('.chips a.chip[data-facet="place"]')
    expect(chip).to_contain_text("Lappi")
    shot(page, "facets_after")

    # The state is in the URL: reloading it gives the same page.
    page.reload()
    expect(page.locator("ol.hits li.hit")).to_have_count(1)
    chip.click()
    page.wait_for_url(re.compile(r"^(?!.*place=).*$"))
    expect(page.locator("ol.hits li.hit")).to_have_count(2)


def test_core_search_works_without_javascript(live_server: LiveServer, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/")
        page.get_by_label("Search words in Finnish or English").fill(
            "work ability assessment for long-term social assistance recipients"
        )
        page.get_by_role("button", name="Search").click()
        page.wait_for_url(re.compile(r"q=work"))
        expect(page.locator("ol.hits li.hit h3 a").first).to_have_text(ROVANIEMI)
        page.locator('a.facet-value[data-facet="years"]', has_text="2012").first.click()
        page.wait_for_url(re.compile(r"year_from=2012"))
        expect(page.locator("ol.hits li.hit h3 a").first).to_have_text(ROVANIEMI)
        shot(page, "search_no_js")
    finally:
        context.close()


def test_sparql_example_runs_and_fills_the_table(live_server: LiveServer, page: Page) -> None:
    page.goto(f"{live_server.url}/sparql-ui")
    page.get_by_role("link", name="Hankkeet rahoittajittain ja vuosittain").click()
    table = page.locator("table.results-table")
    expect(table).to_be_visible()
    expect(table.locator("th").first).to_have_text("funder")
    expect(table.locator("tbody tr").first).to_be_visible()
    expect(table).to_contain_text("Raha-automaattiyhdistys")
    expect(page.locator("textarea#query")).to_have_value(re.compile("GROUP BY"))
    shot(page, "sparql_example")

    # Another example from the keyboard: IRIs in the table link to their pages.
    page.get_by_role("link", name="Kelan kanssa samoissa hankkeissa olevat organisaatiot").focus()
    page.keyboard.press("Enter")
    expect(table.locator("tbody tr").first).to_be_visible()
    expect(table.locator("a[href^='/organisation/']").first).to_be_visible()
    csv = page.locator("#dl-csv").get_attribute("href") or ""
    assert csv.startswith("/sparql-ui/download?format=csv&query=")

    # Errors are shown inline, in words.
    page.locator("textarea#query").fill("SELEC ?x WHERE {")
    page.locator("textarea#query").press("Control+Enter")
    error = page.locator("#results .error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Kysely epäonnistui")
    expect(error.locator(".detail")).not_to_be_empty()
    shot(page, "sparql_error")


def test_language_switch(live_server: LiveServer, page: Page) -> None:
    page.goto(f"{live_server.url}/project/{K_ID}")
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    expect(page.locator("h1")).to_have_text(KUNTOUTUS)
    expect(page.locator("#h-orgs")).to_have_text("Organisaatiot")
    page.locator(".langs a[data-lang=en]").click()
    page.wait_for_url(re.compile(r"lang=en"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("Co-operation between non-governmental")
    expect(page.locator("#h-orgs")).to_have_text("Organisations")
    expect(page.locator(".role-funder dt")).to_have_text("Funder")
    shot(page, "project_english")
    # The choice is remembered by a cookie on pages without ?lang.
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="About").click()
    expect(page.locator("h1")).to_have_text("About this service")
    page.locator(".langs a[data-lang=fi]").click()
    expect(page.locator("h1")).to_have_text("Tietoa palvelusta")
    shot(page, "about_finnish")


def test_narrow_375px_viewport_has_no_horizontal_scroll(
    live_server: LiveServer, browser: Browser
) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, locale="fi-FI", is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        for name, path in [
            ("mobile_search", "/?q=kuntoutus"),
            ("mobile_project", f"/project/{K_ID}"),
            ("mobile_place", "/place/kuuma"),
            ("mobile_sparql", "/sparql-ui?example=kela"),
            ("mobile_about", "/about"),
        ]:
            page.goto(f"{live_server.url}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"{path} is {width}px wide at a 375px viewport"
            shot(page, name)
        page.goto(f"{live_server.url}/?q=kuntoutus")
        box = page.locator("input#q").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
        expect(page.locator("ol.hits li.hit").first).to_be_in_viewport()
    finally:
        context.close()


def test_keyboard_reaches_search_and_results(live_server: LiveServer, page: Page) -> None:
    page.goto(f"{live_server.url}/?q=kuntoutus")
    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
    page.keyboard.press("Enter")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('ol.hits') !== null"):
            break
    else:
        pytest.fail("Tab never reached a result link")
    shot(page, "keyboard_focus")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/project/"))
