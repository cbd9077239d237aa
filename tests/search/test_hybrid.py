"""Hybrid search over the seeds: modes, snippets, filters, facets, query understanding."""

from __future__ import annotations

import numpy as np
import pytest

from api import services
from api.engine import Engine
from search.encoders import Encoder
from search.filters import Filters
from search.hybrid import HybridSearcher
from search.matching import topic_query
from search.understanding import interpret
from tests.conftest import KUNTOUTUS, ROVANIEMI

pytestmark = pytest.mark.slow
BASE = "http://localhost:8000/id/"


def names(engine: Engine, query: str, **kwargs: object) -> list[str]:
    return [h.name for h in services.search(engine, query, **kwargs).results]  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["lexical", "dense", "hybrid"])
def test_every_mode_finds_the_rovaniemi_project(seeded_engine: Engine, mode: str) -> None:
    assert names(seeded_engine, "toimeentulotuki työkyky Rovaniemi", mode=mode)[0] == ROVANIEMI


def test_name_query_hits_the_name(seeded_engine: Engine) -> None:
    assert names(seeded_engine, "palveluyhteistyö monitahoisessa kuntoutuksessa")[0] == KUNTOUTUS


def test_snippet_highlights_matched_words(seeded_engine: Engine) -> None:
    hit = services.search(seeded_engine, "korvaushoitoasiakkaiden vertaistoiminta").results[0]
    assert hit.highlights
    marked = [hit.snippet[s:e].lower() for s, e in hit.highlights]
    assert any("korvaushoito" in m or "vertais" in m for m in marked)


def test_english_query_is_expanded_to_finnish(seeded_engine: Engine) -> None:
    # The bridge and the ranking, not the match rule: the broad answer.
    response = services.search(
        seeded_engine, "social assistance recipients in Lapland", match="broad"
    )
    assert response.language == "en"
    assert response.expanded_query and "toimeentulotuki" in response.expanded_query
    assert response.results[0].name == ROVANIEMI


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(places=(BASE + "place/region-19",)), {ROVANIEMI}),  # Lappi contains Rovaniemi
        (Filters(places=(BASE + "place/186",)), {KUNTOUTUS}),  # Järvenpää is a KUUMA member
        (Filters(places=(BASE + "place/kuuma",)), {KUNTOUTUS}),
        (Filters(funders=(BASE + "organisation/stea",)), {KUNTOUTUS}),  # RAY's successor
        (Filters(organisations=(BASE + "organisation/kela",)), {KUNTOUTUS}),
        (Filters(year_from=2012, year_to=2012), {KUNTOUTUS, ROVANIEMI}),
        (Filters(year_from=2014, year_to=2020), set()),
        (Filters(statuses=("ongoing",)), set()),
        (Filters(statuses=("ended",), languages=("fi",)), {KUNTOUTUS, ROVANIEMI}),
        (Filters(languages=("en",)), set()),
        (Filters(themes=("http://www.yso.fi/onto/yso/p12588",)), {ROVANIEMI}),  # toimeentulotuki
    ],
)
def test_filters_narrow_inside_the_search(
    seeded_engine: Engine, filters: Filters, expected: set[str]
) -> None:
    got = set(names(seeded_engine, "kuntoutus yhteistyö", filters=filters, k=10))
    assert got == expected


def test_theme_group_includes_narrower_concepts(seeded_engine: Engine) -> None:
    got = set(
        names(seeded_engine, "kuntoutus", filters=Filters(themes=(BASE + "theme/rehabilitation",)))
    )
    assert {KUNTOUTUS, ROVANIEMI} <= got


def test_selective_filter_does_not_empty_a_page_with_matches(seeded_engine: Engine) -> None:
    # The Rovaniemi project ranks second for this query; a post-filter on k=1 would return nothing.
    only = Filters(places=(BASE + "place/698",))
    # Broad: the project is the only one the filter allows, but no match for the query.
    got = names(
        seeded_engine, "vertaistuki korvaushoitoasiakkaille", k=1, filters=only, match="broad"
    )
    assert got == [ROVANIEMI]
    assert names(seeded_engine, "vertaistuki korvaushoitoasiakkaille", filters=only) == []


def test_facets_count_the_results(seeded_engine: Engine) -> None:
    response = services.search(seeded_engine, "kuntoutus")
    funders = {f.label: f.count for f in response.facets["funder"]}
    assert funders.get("Raha-automaattiyhdistys") == 1
    places = {f.label for f in response.facets["place"]}
    assert {"Rovaniemi", "KUUMA-seutu"} <= places
    assert response.years == [2010, 2013]


def test_query_understanding_reports_and_boosts(seeded_engine: Engine) -> None:
    response = services.search(
        seeded_engine, "RAY:n rahoittamat hankkeet Jyväskylän seudulla vuonna 2012"
    )
    assert [e.label for e in response.interpreted.funders] == ["Raha-automaattiyhdistys"]
    assert response.interpreted.places and response.interpreted.years == [2012, 2012]
    boosted = response.results[0].score
    plain = (
        services.search(
            seeded_engine,
            "RAY:n rahoittamat hankkeet Jyväskylän seudulla vuonna 2012",
            use_boosts=False,
        )
        .results[0]
        .score
    )
    assert response.results[0].name == KUNTOUTUS and boosted > plain


def test_paging_continues_the_ranking(seeded_engine: Engine) -> None:
    first = names(seeded_engine, "kuntoutus", k=1)
    second = names(seeded_engine, "kuntoutus", k=1, offset=1)
    assert first and second and first != second
    assert names(seeded_engine, "kuntoutus", k=2) == first + second


class _Counting:
    """An encoder that records how many texts each ``encode_queries`` call got."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.name, self.dim = inner.name, inner.dim
        self.calls: list[int] = []

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        self.calls.append(len(texts))
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.encode_passages(texts)


def test_gate_topic_rides_with_the_query_encoding(seeded_engine: Engine) -> None:
    # A query naming a place needs its topic (the query without the place) encoded for
    # the match rule's gate: one batch with the query itself, and the same answer as
    # encoding the two apart (the query vector given, the topic encoded on its own).
    query = "toimeentulotuki työkyky Rovaniemellä"
    current = services.searcher(seeded_engine)
    assert current is not None
    translation = seeded_engine.translate(query)
    named = interpret(query, seeded_engine.linker, translation)
    places = [p.surface for p in named.places]
    assert places and topic_query(query, translation, places) is not None
    counting = _Counting(seeded_engine.encoder)
    searcher = HybridSearcher(current.snapshot, counting)  # type: ignore[arg-type]
    rule = seeded_engine.calibration.rule
    kwargs = {"match": rule, "translation": translation, "places": places}
    together = searcher.search(query, **kwargs)  # type: ignore[arg-type]
    assert counting.calls == [2]
    vector = seeded_engine.encoder.encode_queries([query])[0]
    apart = searcher.search(query, query_vector=vector, **kwargs)  # type: ignore[arg-type]
    assert counting.calls == [2, 1]
    assert [(h.key, h.score, h.snippet) for h in together.hits] == [
        (h.key, h.score, h.snippet) for h in apart.hits
    ]
    assert together.candidate_keys == apart.candidate_keys
