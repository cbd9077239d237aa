"""The search UI seen at a phone's 375 px and a laptop's 1280 px in a real browser:
no sideways page scroll, chart labels of at least 11 px, the zoomed region map
inside its frame, an icon, an honest empty answer. Screenshots go to
``tests/e2e/artifacts/layout-*.png``."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.conftest import LiveServer
from tests.e2e.conftest import ARTIFACTS

playwright_api = pytest.importorskip("playwright.sync_api")
Browser = playwright_api.Browser

pytestmark = pytest.mark.browser

LAPLAND = quote("http://localhost:8000/id/place/region-19", safe="")
PAGES = {
    "search": "/?q=kuntoutus",
    "region": f"/?q=kuntoutus&place={LAPLAND}",
    "organisation": "/organisation/kela",
    "empty": "/?q=jalkapallon+maalivahti+Rovaniemell%C3%A4&lang=en",
}
WIDTHS = (375, 1280)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(PAGES))
def test_no_sideways_scroll_and_readable_chart_labels(
    live_server: LiveServer, browser: Browser, name: str, width: int
) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(live_server.url + PAGES[name])
        page.screenshot(path=str(ARTIFACTS / f"layout-{name}-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        heights = page.evaluate(
            "Array.from(document.querySelectorAll('svg text'))"
            ".map(t => parseFloat(getComputedStyle(t).fontSize)"
            " * t.getScreenCTM().a)"  # the drawn size: font size times the SVG's scale
        )
        assert all(h >= 11 - 0.01 for h in heights), heights
        wraps = page.evaluate(
            "Array.from(document.querySelectorAll('p.snippet'))"
            ".map(p => getComputedStyle(p).overflowWrap)"
        )
        assert all(w == "anywhere" for w in wraps)
    finally:
        page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_zoomed_region_map_shows_its_whole_outline(
    live_server: LiveServer, browser: Browser, width: int
) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(live_server.url + PAGES["region"])
        svg = page.locator(".map-svg").first
        frame = svg.bounding_box()
        assert frame is not None
        # Every bubble and the Lapland outline's eastern and northern reach lie inside the frame.
        boxes = page.evaluate(
            "Array.from(document.querySelectorAll('.map-svg circle, .map-svg .land path'))"
            ".map(e => { const r = e.getBoundingClientRect();"
            " return [r.left, r.top, r.right, r.bottom, e.tagName]; })"
        )
        circles = [b for b in boxes if b[4] == "circle"]
        assert circles
        for left, top, right, bottom, _ in circles:
            assert frame["x"] - 0.5 <= left and right <= frame["x"] + frame["width"] + 0.5
            assert frame["y"] - 0.5 <= top and bottom <= frame["y"] + frame["height"] + 0.5
        visible = page.evaluate(
            """(() => { const svg = document.querySelector('.map-svg');
                 const vb = svg.viewBox.baseVal; const path = svg.querySelector('.land path');
                 const n = path.getTotalLength(); let inside = 0, near = 0;
                 const ys = []; for (const c of svg.querySelectorAll('circle'))
                   ys.push(c.cy.baseVal.value);
                 const lo = Math.min(...ys), hi = Math.max(...ys);
                 for (let i = 0; i < n; i += n / 400) { const p = path.getPointAtLength(i);
                   if (p.y < lo || p.y > hi) continue; near++;
                   if (p.x >= vb.x && p.x <= vb.x + vb.width) inside++; }
                 return [inside, near]; })()"""
        )
        inside, near = visible
        assert near and inside == near, visible  # the border at the region's latitudes
    finally:
        page.close()


def test_the_icon_loads(live_server: LiveServer, browser: Browser) -> None:
    page = browser.new_page()
    try:
        response = page.goto(live_server.url + "/favicon.ico")
        assert response is not None and response.status == 200
        assert response.headers["content-type"] == "image/x-icon"
    finally:
        page.close()


def test_an_off_topic_query_says_no_project_matches(
    live_server: LiveServer, browser: Browser
) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 900})
    try:
        page.goto(live_server.url + PAGES["empty"])
        assert page.locator("#result-count").get_attribute("data-total") == "0"
        assert page.locator("p.none").inner_text() == "No project matches."
        assert "Rovaniemi" in page.locator("p.read-as").inner_text()
        page.locator("a.broaden").click()
        page.wait_for_url("**match=broad**")
        assert int(page.locator("#result-count").get_attribute("data-total") or 0) > 0
    finally:
        page.close()
