"""What a researcher downloads and the browser asks for: CSV status labels, a CSV
that Excel opens with ä and ö intact, the site icon."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from tests.conftest import LiveServer

pytestmark = pytest.mark.slow


def get(server: LiveServer, path: str, **params: object) -> httpx.Response:
    return httpx.get(f"{server.url}{path}", params=params, timeout=60)  # type: ignore[arg-type]


def test_csv_names_the_status_as_the_ui_does(live_server: LiveServer) -> None:
    text = get(live_server, "/api/search", q="kuntoutus", format="csv", match="broad").text
    statuses = {row["status"] for row in csv.DictReader(io.StringIO(text))}
    assert statuses == {"ended"}


def test_csv_for_excel_starts_with_a_byte_order_mark(live_server: LiveServer) -> None:
    plain = get(live_server, "/api/search", q="kuntoutus", format="csv").content
    excel = get(live_server, "/api/search", q="kuntoutus", format="csv-excel")
    assert excel.headers["content-type"].startswith("text/csv")
    assert excel.content == b"\xef\xbb\xbf" + plain
    assert "ä" in excel.content.decode("utf-8-sig")


def test_the_search_page_offers_the_excel_csv(live_server: LiveServer) -> None:
    page = get(live_server, "/", q="kuntoutus").text
    assert 'data-export="csv-excel"' in page and "format=csv-excel" in page


def test_favicon_is_an_icon(live_server: LiveServer) -> None:
    response = get(live_server, "/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # the ICO header


def test_a_blank_query_is_refused_and_no_query_browses(live_server: LiveServer) -> None:
    assert get(live_server, "/api/search", q=" ").status_code == 400
    browsed = get(live_server, "/api/search").json()
    assert browsed["total"] == len(browsed["results"]) == 2
