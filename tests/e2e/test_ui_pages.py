"""HTTP-level checks of every UI page over the seeded engine.

Each page must answer 200 with HTML, label every form control, load no asset
from another host, and show what it is for (funder and evidence on a project
page, members on a group page, a results table on a SPARQL page). A few pure
helpers (language choice, highlighting, evidence segments, the catalogue)
are checked directly.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from api.i18n import MESSAGES, choose_lang
from api.schemas import EvidenceModel
from api.ui_pages import segments
from api.ui_search import highlight
from tests.conftest import KUNTOUTUS, ROVANIEMI, LiveServer

pytestmark = pytest.mark.slow

TEMPLATES = Path(__file__).resolve().parents[2] / "api" / "templates"
K_ID = "kolmannen-ja-julkisen-sektorin-palveluyhteistyo-monitahoisessa-kuntoutuksessa"
R_ID = "tyoikaisten-kuntoutus-rovaniemi"
PAGES = [
    "/",
    "/?q=kuntoutus",
    "/?q=work+ability+assessment&lang=en",
    f"/project/{K_ID}",
    f"/project/{R_ID}",
    "/organisation/kela",
    "/organisation/ray",
    "/place/698",
    "/place/kuuma",
    "/theme/p3320",
    "/sparql-ui",
    "/sparql-ui?example=kela",
    "/about",
]


def get(server: LiveServer, path: str, **kwargs: object) -> httpx.Response:
    return httpx.get(f"{server.url}{path}", timeout=60, **kwargs)  # type: ignore[arg-type]


def tree(response: httpx.Response) -> HTMLParser:
    assert response.status_code == 200, (response.url, response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("text/html")
    return HTMLParser(response.text)


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_with_labelled_controls_and_local_assets(
    live_server: LiveServer, path: str
) -> None:
    doc = tree(get(live_server, path))
    assert doc.css_first("html").attributes.get("lang") in ("fi", "en")
    assert doc.css_first("main h1") is not None, "every page has a heading"
    labels = {n.attributes.get("for") for n in doc.css("label")}
    for control in doc.css("input, select, textarea"):
        attrs = control.attributes
        if attrs.get("type") in ("hidden", "submit"):
            continue
        assert attrs.get("id") in labels or attrs.get("aria-label"), f"unlabelled {attrs}"
    for node in doc.css("link[href], script[src], img[src], iframe[src], source[src]"):
        url = node.attributes.get("href") or node.attributes.get("src") or ""
        assert url.startswith("/") and not url.startswith("//"), f"external asset {url}"
    for button in doc.css("button"):
        assert button.text(strip=True), "every button has a visible name"


def test_static_assets_are_served_and_self_contained(live_server: LiveServer) -> None:
    css = get(live_server, "/static/style.css")
    js = get(live_server, "/static/ui.js")
    assert css.status_code == 200 and js.status_code == 200
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css.text), "CSS loads nothing remote"
    assert "@import" not in css.text
    assert not re.search(r"https?://(?!www\.yso\.fi/onto/yso/)", js.text), "JS calls no other host"


def test_search_shows_names_period_places_funder_and_highlighted_snippet(
    live_server: LiveServer,
) -> None:
    doc = tree(get(live_server, "/?q=vertaistuki+korvaushoitoasiakkaille&lang=fi"))
    first = doc.css_first("ol.hits li.hit")
    assert first is not None
    assert first.css_first("h3 a").text(strip=True) == KUNTOUTUS
    assert first.css_first("h3 a").attributes["href"] == f"/project/{K_ID}"
    meta = first.css_first("dl.meta").text()
    assert "2010–2013" in meta
    assert "Raha-automaattiyhdistys" in meta
    assert "KUUMA" in meta
    assert first.css("p.snippet mark"), "matched words are highlighted"
    facets = {s.attributes["data-facet"] for s in doc.css("aside.facets section.facet")}
    assert {"place", "funder", "organisation", "theme", "years", "status", "language"} <= facets


def test_search_in_english_shows_english_names(live_server: LiveServer) -> None:
    doc = tree(get(live_server, "/?q=peer+support+in+opioid+substitution+treatment&lang=en"))
    assert doc.css_first("html").attributes["lang"] == "en"
    names = [a.text(strip=True) for a in doc.css("ol.hits li.hit h3 a")]
    assert names[0].startswith("Co-operation between non-governmental organizations")


def _facet_link(doc: HTMLParser, facet: str, label: str) -> str:
    for link in doc.css(f'a.facet-value[data-facet="{facet}"]'):
        if link.css_first(".label").text(strip=True).startswith(label):
            return str(link.attributes["href"])
    raise AssertionError(f"no {facet} facet value {label!r}")


def test_facet_link_narrows_results_and_chip_removes_it(live_server: LiveServer) -> None:
    doc = tree(get(live_server, "/?q=kuntoutus&lang=fi"))
    assert len(doc.css("ol.hits li.hit")) == 2
    href = _facet_link(doc, "place", "Lappi")
    assert parse_qs(urlparse(href).query)["place"] == ["http://localhost:8000/id/place/region-19"]
    narrowed = tree(get(live_server, href))
    names = [a.text(strip=True) for a in narrowed.css("ol.hits li.hit h3 a")]
    assert names == [ROVANIEMI]
    chip = narrowed.css_first('.chips a.chip[data-facet="place"]')
    assert chip is not None and "Lappi" in chip.text()
    restored = tree(get(live_server, str(chip.attributes["href"])))
    assert len(restored.css("ol.hits li.hit")) == 2


def test_kuuma_group_and_year_range_filters(live_server: LiveServer) -> None:
    doc = tree(get(live_server, "/?q=kuntoutus&lang=fi"))
    narrowed = tree(get(live_server, _facet_link(doc, "place", "KUUMA")))
    assert [a.text(strip=True) for a in narrowed.css("ol.hits li.hit h3 a")] == [KUNTOUTUS]
    # 2010-2011 overlaps only K (2010-2013); R ran 2012-2013.
    years = tree(get(live_server, "/?q=kuntoutus&lang=fi&year_from=2010&year_to=2011"))
    assert [a.text(strip=True) for a in years.css("ol.hits li.hit h3 a")] == [KUNTOUTUS]
    none = tree(get(live_server, "/?q=kuntoutus&lang=fi&year_from=1990&year_to=1991"))
    assert not none.css("ol.hits li.hit")
    assert none.css_first("p.none") is not None


def test_query_is_escaped(live_server: LiveServer) -> None:
    response = get(live_server, "/?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.text


def test_project_page_shows_roles_places_themes_evidence_and_data_links(
    live_server: LiveServer,
) -> None:
    doc = tree(get(live_server, f"/project/{K_ID}?lang=fi"))
    assert doc.css_first("h1").text(strip=True) == KUNTOUTUS
    assert doc.css_first("dd.name-en").text(strip=True).startswith("Co-operation between")
    assert doc.css_first("dd.period").text(strip=True) == "2010–2013"
    assert doc.css_first("dd.status").text(strip=True) == "päättynyt"
    funder = doc.css_first(".role-funder")
    assert funder is not None and "Raha-automaattiyhdistys" in funder.text()
    steering = doc.css(".role-steeringGroupMember li")
    assert len(steering) == 5
    assert any(
        a.attributes.get("href") == "http://www.yso.fi/onto/yso/p3320" for a in doc.css("a.yso")
    )
    assert any(a.attributes.get("href") == "/theme/p3320" for a in doc.css("ul.themes a"))
    marks = doc.css(".doctext mark.ev")
    assert len(marks) >= 5, "extracted entities are highlighted in the source text"
    tips = [m.css_first(".tip").text() for m in marks]
    assert any("Raha-automaattiyhdistys" in tip for tip in tips)
    assert all(m.attributes.get("tabindex") == "0" for m in marks), "evidence is focusable"
    quotes = [q.text() for q in doc.css("table.facts q")]
    assert "Raha-automaattiyhdistys (RAY)" in quotes
    links = {a.attributes.get("href") for a in doc.css(".data-links a")}
    assert f"/id/project/{K_ID}?format=ttl" in links
    assert f"/id/project/{K_ID}?format=jsonld" in links


def test_project_page_links_parent_related_and_region(live_server: LiveServer) -> None:
    doc = tree(get(live_server, f"/project/{R_ID}?lang=fi"))
    linked = doc.css_first("#h-linked").parent
    assert "PaKaste" in linked.text() and "Savotta" in linked.text()
    assert all(a.attributes["href"].startswith("/project/") for a in linked.css("a"))
    places = doc.css_first("#h-places").parent.text()
    assert "Rovaniemi" in places and "Lappi" in places


def test_entity_pages_list_projects_and_draw_a_network(live_server: LiveServer) -> None:
    kela = tree(get(live_server, "/organisation/kela?lang=fi"))
    projects = [a.text(strip=True) for a in kela.css("ul.projects a")]
    assert projects == [KUNTOUTUS]
    assert "Ohjausryhmän jäsen" in kela.css_first("ul.projects").text()
    svg = kela.css_first("figure.network svg")
    # A labelled group, not an image: its nodes are links (axe: nested-interactive).
    assert svg is not None and svg.attributes.get("role") == "group"
    assert svg.attributes.get("aria-labelledby")
    assert len(svg.css("line")) >= 5 and svg.css("a.node")
    kuuma = tree(get(live_server, "/place/kuuma?lang=fi"))
    assert [a.text(strip=True) for a in kuuma.css("ul.projects a")] == [KUNTOUTUS]
    assert "Kerava" in kuuma.css_first("#h-members").parent.text()
    lappi = tree(get(live_server, "/place/region-19?lang=fi"))
    assert ROVANIEMI in [a.text(strip=True) for a in lappi.css("ul.projects a")]
    theme = tree(get(live_server, "/theme/p3320?lang=fi"))
    assert {KUNTOUTUS, ROVANIEMI} <= {a.text(strip=True) for a in theme.css("ul.projects a")}


@pytest.mark.parametrize(
    "path", ["/project/no-such-project", "/organisation/nobody", "/place/999999", "/theme/p0"]
)
def test_unknown_entities_get_an_html_404(live_server: LiveServer, path: str) -> None:
    response = get(live_server, path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


def test_sparql_page_runs_a_query_without_javascript(live_server: LiveServer) -> None:
    doc = tree(get(live_server, "/sparql-ui?lang=fi"))
    examples = doc.css(".examples a[data-example]")
    assert len(examples) >= 6
    query = (
        "PREFIX schema: <https://schema.org/>\n"
        "SELECT ?p ?name WHERE { ?p a schema:Project ; schema:name ?name } ORDER BY ?name"
    )
    doc = tree(get(live_server, "/sparql-ui", params={"query": query, "lang": "fi"}))
    assert [th.text() for th in doc.css("table.results-table th")] == ["p", "name"]
    cells = doc.css("table.results-table td a")
    assert any(a.attributes["href"].startswith("/project/") for a in cells), "IRIs are links"
    csv = get(live_server, "/sparql-ui/download", params={"query": query, "format": "csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    assert KUNTOUTUS in csv.text


@pytest.mark.parametrize(
    "path",
    [
        "/sparql-ui?example=" + k
        for k in (
            "funder_year",
            "kuuma",
            "kela",
            "themes_region",
            "steering",
            "evidence",
            "bilingual",
            "publications",
        )
    ],
)
def test_every_example_query_answers_rows(live_server: LiveServer, path: str) -> None:
    doc = tree(get(live_server, path))
    query = doc.css_first("textarea#query").text()
    result = tree(get(live_server, "/sparql-ui", params={"query": query}))
    assert result.css_first(".error") is None, result.css_first(".error").text()
    assert result.css("table.results-table tbody tr"), f"{path} answered no rows"


def test_sparql_error_is_shown_inline_in_words(live_server: LiveServer) -> None:
    doc = tree(get(live_server, "/sparql-ui", params={"query": "SELEC ?x WHERE {", "lang": "en"}))
    error = doc.css_first(".error[role=alert]")
    assert error is not None
    assert "The query failed" in error.text()
    assert error.css_first(".detail").text(strip=True)


def test_about_page_counts_the_dataset(live_server: LiveServer) -> None:
    doc = tree(get(live_server, "/about?lang=en"))
    stats = {d.attributes["data-stat"]: d.text(strip=True) for d in doc.css("dd[data-stat]")}
    assert set(stats) == {"projects", "organisations", "places", "documents", "triples", "vectors"}
    assert stats["documents"] == "2"
    # The two seed projects plus the projects they name (a parent, a related one).
    assert int(stats["projects"]) >= 2
    assert int(stats["triples"]) > 1000 and int(stats["vectors"]) > 0
    text = doc.text()
    for licence in ("CC BY 4.0", "CC0", "YSO", "Wikidata", "Statistics Finland"):
        assert licence in text


def test_language_switch_sets_a_cookie_that_later_pages_follow(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url, timeout=60) as client:
        fi = tree(client.get("/about", headers={"Accept-Language": "fi"}))
        assert fi.css_first("html").attributes["lang"] == "fi"
        switch = {a.attributes["data-lang"]: a.attributes["href"] for a in fi.css(".langs a")}
        assert switch["en"] == "/about?lang=en"
        tree(client.get(str(switch["en"])))
        again = tree(client.get("/", headers={"Accept-Language": "fi"}))
        assert again.css_first("html").attributes["lang"] == "en"
        assert again.css_first("label[for=q]").text(strip=True) == MESSAGES["en"]["search.label"]


# -- pure helpers -----------------------------------------------------------------------


def test_choose_lang_order() -> None:
    assert choose_lang("en", "fi", "fi") == "en"
    assert choose_lang(None, "en", "fi") == "en"
    assert choose_lang("xx", None, "sv, en-GB;q=0.8") == "en"
    assert choose_lang(None, None, None) == "fi"


def test_highlight_escapes_and_marks() -> None:
    html = str(highlight("a <b> kuntoutus", [(6, 15)]))
    assert html == "a &lt;b&gt; <mark>kuntoutus</mark>"
    assert str(highlight("abc", [(2, 9), (-1, 1)])) == "abc"


def test_segments_cover_the_text_and_skip_overlaps() -> None:
    def ev(start: int, end: int) -> EvidenceModel:
        return EvidenceModel(
            predicate="p", object="o", quote="", start=start, end=end, extractor="x", document="d"
        )

    text = "Kelan ja Kuntaliiton edustajat"
    parts = segments(text, [ev(0, 5), ev(2, 8), ev(9, 20), ev(25, 99)], "d")
    assert "".join(p.text for p in parts) == text
    assert [(p.text, p.evidence) for p in parts if p.evidence is not None] == [
        ("Kelan", 0),
        ("Kuntaliiton", 2),
    ]


def test_every_catalogue_key_used_by_a_template_exists_in_both_languages() -> None:
    used = set()
    for path in TEMPLATES.glob("*.html"):
        if path.name.startswith("ld_"):
            continue
        text = path.read_text()
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[A-Za-z_]+)["']\s*[,)]""", text))
    assert len(used) > 50
    for lang in ("fi", "en"):
        missing = used - set(MESSAGES[lang])
        assert not missing, f"{lang}: {sorted(missing)}"
    assert set(MESSAGES["fi"]) == set(MESSAGES["en"])
