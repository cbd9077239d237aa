"""What a researcher gets back besides the list: timeline, map, exports, honest lines.

HTTP-level checks over the seeded engine (the browser checks are in
``test_ui_browser.py``): the timeline and the map narrow the search exactly as
the year and place facets do, the CSV and JSON exports hold the rows of
``/api/search``, result lines show a file name or URL and a relevance, the
theme facet nests YSO concepts under our groups, and a project the corpus only
mentions has a page.
"""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from api import charts
from api.engine import Engine
from api.results_export import COLUMNS
from search.filters import facet_table
from tests.conftest import LiveServer

pytestmark = pytest.mark.slow

QUERY = "kuntoutus"


def get(server: LiveServer, path: str, **params: object) -> httpx.Response:
    # No params argument at all for a ready-made href: httpx would drop its query.
    if not params:
        return httpx.get(f"{server.url}{path}", timeout=60)
    return httpx.get(f"{server.url}{path}", params=params, timeout=60)  # type: ignore[arg-type]


def page(server: LiveServer, path: str, **params: object) -> HTMLParser:
    response = get(server, path, **params)
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return HTMLParser(response.text)


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(href).query)


def result_iris(server: LiveServer, **params: object) -> list[str]:
    data = get(server, "/api/search", q=QUERY, k=100, **params).json()
    return [h["iri"] for h in data["results"]]


# -- timeline ----------------------------------------------------------------------------


def test_timeline_counts_each_project_in_every_year_of_its_period(
    seeded_engine: Engine,
) -> None:
    table = facet_table(seeded_engine.store)
    keys = list(table.years)
    counts = charts.year_status_counts(table, keys)
    for key in keys:
        low, high = table.years[key]
        for year in range(low, high + 1):
            assert sum(counts[year].values()) >= 1
    assert sum(sum(c.values()) for c in counts.values()) == sum(
        min(h, lo + charts.MAX_YEAR_SPAN) - lo + 1 for lo, h in table.years.values()
    )


def test_timeline_bar_narrows_exactly_as_the_year_facet(live_server: LiveServer) -> None:
    tree = page(live_server, "/", q=QUERY)
    bars = tree.css("figure.timeline a.year")
    assert bars, "the search page draws a timeline"
    bar = next(b for b in bars if b.css_first("rect.seg") is not None)
    year = bar.attributes["data-year"]
    params = query_of(bar.attributes["href"] or "")
    assert params["year_from"] == [year] and params["year_to"] == [year]
    via_timeline = result_iris(live_server, year_from=year, year_to=year)
    facet = tree.css_first(f'.facet[data-facet="years"] a[data-value="{year}"]')
    assert facet is not None, "the same year is in the year facet"
    assert query_of(facet.attributes["href"] or "") == params
    assert via_timeline and len(via_timeline) <= len(result_iris(live_server))


def test_second_timeline_click_makes_a_range(live_server: LiveServer) -> None:
    tree = page(live_server, "/", q=QUERY)
    years = [int(b.attributes["data-year"] or 0) for b in tree.css("figure.timeline a.year")]
    first, last = years[0], years[-1]
    one = page(live_server, "/", q=QUERY, year_from=first, year_to=first)
    link = one.css_first(f'figure.timeline a.year[data-year="{last}"]')
    assert link is not None
    assert query_of(link.attributes["href"] or "")["year_from"] == [str(first)]
    assert query_of(link.attributes["href"] or "")["year_to"] == [str(last)]
    chosen = one.css("figure.timeline a.year.on")
    assert [a.attributes["data-year"] for a in chosen] == [str(first)]


def test_timeline_and_map_have_table_alternatives(live_server: LiveServer) -> None:
    tree = page(live_server, "/", q=QUERY)
    for chart in ("timeline", "map"):
        figure = tree.css_first(f'figure[data-chart="{chart}"]')
        assert figure is not None
        rows = figure.css("details.alt-table tbody tr")
        assert rows, f"the {chart} has a table with its numbers"
        svg = figure.css_first("svg")
        assert svg is not None and svg.attributes.get("aria-labelledby")


# -- map ---------------------------------------------------------------------------------


def test_geometry_covers_every_municipality_and_region() -> None:
    geo = charts.geography()
    assert len(geo.municipalities) == 308
    assert len(geo.regions) == 19
    for m in geo.municipalities.values():
        assert 59.4 < m.lat < 70.2 and 19.0 < m.lon < 31.7, m
    assert geo.rings and all(len(r) >= 3 for r in geo.rings)


def test_map_bubble_narrows_like_the_place_facet_and_zooms_into_the_region(
    live_server: LiveServer,
) -> None:
    tree = page(live_server, "/", q=QUERY)
    bubbles = tree.css('figure.map[data-level="region"] a.place')
    assert bubbles, "regions with projects are drawn"
    bubble = bubbles[0]
    region = bubble.attributes["data-place"] or ""
    assert re.search(r"/id/place/region-\d\d$", region)
    href = bubble.attributes["href"] or ""
    assert query_of(href)["place"] == [region]
    narrowed = HTMLParser(get(live_server, href).text)
    chip = narrowed.css_first('.chips a.chip[data-facet="place"]')
    assert chip is not None, "the region became a place filter"
    api = result_iris(live_server, place=region)
    shown = int(narrowed.css_first("#result-count").attributes["data-total"] or 0)
    assert shown == len(api)
    zoomed = narrowed.css_first('figure.map[data-level="municipality"]')
    assert zoomed is not None, "choosing a region shows its municipalities"
    assert zoomed.css("a.place"), "municipalities with projects are drawn"


def test_a_project_of_a_group_only_gets_the_groups_bubble_when_zoomed(
    live_server: LiveServer,
) -> None:
    """The KUUMA seed names the group, not one of its municipalities: Uusimaa's bubble
    counts it, and zooming into Uusimaa draws KUUMA itself rather than an empty map."""
    region = page(live_server, "/", q="KUUMA").css('figure.map a.place[data-place$="/region-01"]')
    assert region, "the group's project counts under its region"
    zoomed = page(live_server, "/place/region-01")
    places = [a.attributes["data-place"] or "" for a in zoomed.css("figure.map a.place")]
    assert any(p.endswith("/id/place/kuuma") for p in places), places


def test_region_page_maps_its_municipalities(live_server: LiveServer) -> None:
    tree = page(live_server, "/place/region-19")
    figure = tree.css_first('figure.map[data-level="municipality"]')
    assert figure is not None
    assert any("/place/698" == a.attributes["href"] for a in figure.css("a.place"))
    assert tree.css_first("figure.timeline") is not None


# -- exports -----------------------------------------------------------------------------


def test_csv_export_has_the_rows_of_the_api_search(live_server: LiveServer) -> None:
    params = {"q": QUERY, "k": 20}
    data = get(live_server, "/api/search", **params).json()
    response = get(live_server, "/api/search", format="csv", **params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert tuple(rows[0]) == COLUMNS
    assert [r["iri"] for r in rows] == [h["iri"] for h in data["results"]]
    assert all(not r["source_url"].startswith("/") for r in rows)
    described = next(r for r in rows if r["org_funder"])
    assert described["name_fi"] and described["start_date"]


def test_json_export_and_paging(live_server: LiveServer) -> None:
    first = get(live_server, "/api/search", q=QUERY, k=1, format="records").json()
    second = get(live_server, "/api/search", q=QUERY, k=1, offset=1, format="records").json()
    both = get(live_server, "/api/search", q=QUERY, k=2, format="records").json()
    assert [r["iri"] for r in both] == [first[0]["iri"], second[0]["iri"]]
    assert isinstance(both[0]["places"], list)


def test_export_links_honour_the_filters(live_server: LiveServer) -> None:
    region = "http://localhost:8000/id/place/region-19"
    tree = page(live_server, "/", q=QUERY, place=region)
    link = tree.css_first('a[data-export="csv"]')
    assert link is not None
    href = link.attributes["href"] or ""
    assert query_of(href)["place"] == [region]
    rows = list(csv.DictReader(io.StringIO(get(live_server, href).text)))
    assert [r["iri"] for r in rows] == result_iris(live_server, place=region)


def test_open_in_sparql_reproduces_the_filtered_list(live_server: LiveServer) -> None:
    region = "http://localhost:8000/id/place/region-19"
    tree = page(live_server, "/", q=QUERY, place=region)
    link = tree.css_first('a[data-export="sparql"]')
    assert link is not None
    query = query_of(link.attributes["href"] or "")["query"][0]
    # It names the answer's members, so it runs on every backend (no hkf:similarity).
    assert "hkf:similarity" not in query and "VALUES" in query
    answer = httpx.post(
        f"{live_server.url}/sparql",
        content=query,
        headers={
            "content-type": "application/sparql-query",
            "accept": "application/sparql-results+json",
        },
        timeout=60,
    )
    assert answer.status_code == 200, answer.text[:300]
    found = {b["p"]["value"] for b in answer.json()["results"]["bindings"]}
    projects = {i for i in result_iris(live_server, place=region) if "/id/project/" in i}
    assert found == projects


# -- honest result lines and one theme hierarchy -----------------------------------------


def test_result_lines_show_a_file_name_or_url_and_a_relevance_not_a_score(
    live_server: LiveServer,
) -> None:
    tree = page(live_server, "/", q=QUERY)
    for line in tree.css("li.hit p.source"):
        text = line.text()
        assert "/tmp" not in text and "score" not in text and "pisteet" not in text, text
        meter = line.css_first("meter")
        assert meter is not None and 0 <= float(meter.attributes["value"] or -1) <= 1
    for hit in get(live_server, "/api/search", q=QUERY).json()["results"]:
        assert hit["source"] and not hit["source"].startswith("/"), hit["source"]


def test_theme_facet_nests_concepts_and_never_repeats_a_label(live_server: LiveServer) -> None:
    tree = page(live_server, "/", q=QUERY)
    facet = tree.css_first('.facet[data-facet="theme"]')
    assert facet is not None
    labels = [a.css_first(".label").text().strip().lower() for a in facet.css("a.facet-value")]
    assert labels and len(labels) == len(set(labels)), labels


# -- mentioned-only projects (issue 11 item 7) -------------------------------------------


def _mentioned_only(engine: Engine) -> str:
    rows = engine.store.select(
        """SELECT ?p WHERE { ?p a <https://schema.org/Project> .
             FILTER NOT EXISTS { ?p a <https://w3id.org/hankekg/ontology#Project> } }"""
    )
    iris = sorted(str(r["p"]) for r in rows)
    assert iris, "the seeds mention a project no document describes"
    return iris[0]


def test_mentioned_only_project_is_not_404(live_server: LiveServer, seeded_engine: Engine) -> None:
    iri = _mentioned_only(seeded_engine)
    project_id = seeded_engine.iris.local_id(iri, "project")
    data = get(live_server, f"/api/projects/{project_id}").json()
    assert data["described"] is False
    assert data["names"] and data["documents"], data
    assert data["evidence"] and data["mentioned_by"]
    html = page(live_server, f"/project/{project_id}")
    assert html.css_first(".mentioned-only") is not None
    mentioning = data["mentioned_by"][0]["iri"]
    other = seeded_engine.iris.local_id(mentioning, "project")
    back = page(live_server, f"/project/{other}")
    assert any(a.attributes["href"] == f"/project/{project_id}" for a in back.css("a"))


def test_unknown_project_is_still_404(live_server: LiveServer) -> None:
    assert get(live_server, "/api/projects/no-such-project-anywhere").status_code == 404
    assert get(live_server, "/project/no-such-project-anywhere").status_code == 404


def test_ld_resource_show_as_page_link_answers(
    live_server: LiveServer, seeded_engine: Engine
) -> None:
    iri = _mentioned_only(seeded_engine)
    path = iri.replace("http://localhost:8000", "")
    html = httpx.get(f"{live_server.url}{path}", headers={"accept": "text/html"}, timeout=60)
    assert html.status_code == 200
    links = re.findall(r'href="(/project/[^"]+)"', html.text)
    assert links, "the linked-data page offers the project page"
    for href in links:
        assert get(live_server, href).status_code == 200


def test_participant_evidence_does_not_hide_the_role_in_the_text() -> None:
    from api.schemas import EvidenceModel
    from api.ui_pages import segments, specific_evidence
    from graph.vocab import HK, SCHEMA

    def ev(predicate: str, start: int, end: int) -> EvidenceModel:
        return EvidenceModel(
            predicate=predicate,
            object="http://localhost:8000/id/organisation/ray",
            quote="RAY",
            start=start,
            end=end,
            extractor="rule:label-value",
            document="http://localhost:8000/id/document/x",
        )

    evidence = [ev(str(HK.participant), 4, 7), ev(str(SCHEMA.funder), 4, 7)]
    kept = specific_evidence(evidence)
    assert [e.predicate for e in kept] == [str(SCHEMA.funder)]
    marked = [s for s in segments("Rah RAY.", kept, evidence[0].document) if s.evidence is not None]
    assert kept[marked[0].evidence or 0].predicate == str(SCHEMA.funder)
    # A participant with no other role on its span stays.
    alone = [ev(str(HK.participant), 10, 13), ev(str(SCHEMA.funder), 4, 7)]
    assert len(specific_evidence(alone)) == 2
