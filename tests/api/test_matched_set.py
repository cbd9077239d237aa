"""One set everywhere: total, pages, facets, timeline, map, exports and the SPARQL
link all describe the matched set, for Finnish, English and Swedish queries."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from api import results_export, services
from api.engine import Engine
from api.ui_search import SearchState, search_context
from search.filters import Filters
from tests.conftest import ROVANIEMI

pytestmark = pytest.mark.slow

QUERIES = [
    ("fi", "päihdekuntoutujien vertaistuki"),
    ("en", "rehabilitation of substance abusers"),
    ("sv", "rehabilitering av missbrukare"),
]


@pytest.mark.parametrize(("lang", "query"), QUERIES)
def test_every_view_counts_the_matched_set(seeded_engine: Engine, lang: str, query: str) -> None:
    run = services.run_search(seeded_engine, query, k=10, lang=lang)
    total = run.response.total
    assert total == len(run.keys) == len(set(run.keys))
    assert 1 <= total, "each query is about a seed project"
    assert run.response.match == "precise"
    assert total <= run.response.broad_total
    assert [h.iri for h in run.response.results] == run.keys[:10]
    for values in run.response.facets.values():
        assert all(0 < v.count <= total for v in values)
        for value in values:
            assert all(c.count <= value.count for c in value.children)
    # Exports: one row per member of the set.
    export = services.run_search(
        seeded_engine,
        query,
        k=services.EXPORT_MAX,
        lang=lang,
        facets=False,
        max_k=services.EXPORT_MAX,
    ).response
    rows = results_export.records(seeded_engine, export)
    assert [r["iri"] for r in rows] == run.keys
    parsed = list(csv.DictReader(io.StringIO(results_export.to_csv(rows))))
    assert len(parsed) == total
    # The UI page: its count, pages, timeline, map and SPARQL link.
    context = search_context(seeded_engine, SearchState(q=query), "fi")
    assert context["total"] == total
    assert context["pages"] == max(1, -(-total // 10))
    sparql = parse_qs(urlsplit(context["sparql_href"]).query)["query"][0]
    assert sorted(re.findall(r"\(<([^>]+)> \d+\)", sparql)) == sorted(run.keys)
    assert "hkf:similarity" not in sparql
    exports = parse_qs(urlsplit(context["exports"]["csv"]).query)
    assert exports["match"] == ["precise"]


def test_the_broad_answer_is_every_ranked_project(seeded_engine: Engine) -> None:
    precise = services.search(seeded_engine, "xyzzy quantum chromodynamics")
    broad = services.search(seeded_engine, "xyzzy quantum chromodynamics", match="broad")
    assert precise.total == 0 and precise.results == []
    assert broad.total == precise.broad_total == len(seeded_engine.snapshot.chunks_by_key())
    assert broad.match == "broad"


def test_an_empty_answer_says_what_the_query_was_read_as(seeded_engine: Engine) -> None:
    context = search_context(seeded_engine, SearchState(q="metsänhoito Rovaniemellä"), "en")
    assert context["total"] == 0
    response = context["response"]
    assert [p.label for p in response.interpreted.places] == ["Rovaniemi"]
    assert SearchState(q="metsänhoito Rovaniemellä").broadened().endswith("match=broad")


def test_filters_without_a_query_list_every_project_they_allow(seeded_engine: Engine) -> None:
    lapland = Filters(places=("http://localhost:8000/id/place/region-19",))
    browsed = services.run_search(seeded_engine, "", filters=lapland)
    assert browsed.response.total == len(browsed.keys) == 1
    assert browsed.response.results[0].name == ROVANIEMI
    everything = services.run_search(seeded_engine, "", filters=Filters(languages=("fi",)))
    assert everything.response.total == len(seeded_engine.snapshot.chunks_by_key())
    context = search_context(
        seeded_engine, SearchState(filters={"place": list(lapland.places)}), "fi"
    )
    assert context["total"] == 1
