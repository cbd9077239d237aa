"""The writer's bulk path and the bulk generator (``bench/bulk.py``) at a tiny N: the
state it builds is one the rest of the system accepts (graph and index agree, derived
tables patched after a write equal rebuilt ones, search finds the documents)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api import services
from api.engine import Engine
from bench.bulk import Shape, build, documents, generate
from ingest.verify import verify
from search.derived import replay
from tests.conftest import make_settings

N = 50


@pytest.fixture(scope="module")
def bulk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, dict[str, object]]]:
    engine = Engine(make_settings(tmp_path_factory.mktemp("bulk-home")))
    figures = build(engine, N, seed=3, pool_size=8)
    yield engine, figures
    engine.close()


def test_generator_is_deterministic_and_follows_the_measured_shape() -> None:
    shape = Shape.load()
    a, b = generate(17, 3, shape), generate(17, 3, shape)
    assert a.text == b.text and a.sha256 == b.sha256
    assert generate(18, 3, shape).sha256 != a.sha256
    docs = [generate(i, 3, shape) for i in range(200)]
    body = [sum(c.field == "body" for c in d.chunks) for d in docs]
    assert min(body) >= min(shape.body_chunks[0]) and max(body) <= max(shape.body_chunks[0])
    english = sum(d.meta.lang == "en" for d in docs) / len(docs)
    share = dict(zip(*shape.languages, strict=True))["en"] / sum(shape.languages[1])
    assert abs(english - share) < 0.1
    for doc in docs[:20]:  # chunk offsets point into the stored text
        for chunk in doc.chunks:
            if chunk.field == "body":
                assert doc.text[chunk.start : chunk.end] == chunk.text


def test_bulk_state_is_consistent_and_searchable(bulk: tuple[Engine, dict[str, object]]) -> None:
    engine, figures = bulk
    assert figures["documents"] == N
    view = engine.snapshot
    assert view is not None and view.document_count() == N
    assert len(engine.store.documents()) == N
    assert verify(engine.store, engine.index) == []
    doc = generate(5, 3, Shape.load())
    result = services.search(engine, doc.chunks[0].text)
    assert result.results
    expected = doc.meta.name_fi if doc.meta.lang == "fi" else doc.meta.name_en
    assert expected in [hit.name for hit in result.results[:3]]
    assert engine.feed.tail(1)[0].kind == "reindex"
    assert engine.verify_derived() == []


def test_generated_grants_reach_the_money_table(bulk: tuple[Engine, dict[str, object]]) -> None:
    engine, _ = bulk
    shape = Shape.load()
    granted = [d for d in (generate(i, 3, shape) for i in range(N)) if d.grant_eur is not None]
    assert 0.2 * N < len(granted) < 0.8 * N  # GRANT_SHARE of the documents, roughly
    money = engine.money_table()
    for doc in granted[:5]:
        name = doc.meta.name_fi if doc.meta.lang == "fi" else doc.meta.name_en
        assert f"{doc.grant_eur:,} euroa".replace(",", "\u00a0") in doc.text
        sums = money[str(engine.iris.project(name))]
        assert sums.granted == doc.grant_eur
        assert sums.grants == [(str(engine.iris.organisation(doc.meta.funder)), doc.grant_eur)]


def test_writes_after_a_bulk_load_patch_every_derived_table(
    bulk: tuple[Engine, dict[str, object]], tmp_path: Path
) -> None:
    engine, _ = bulk
    engine.refresh()
    page = "Hankkeen nimi\n\nLisäkirjoitettu testihanke\n\nHanke toteutetaan Oulussa.\n"
    engine.ingest_bytes(page.encode(), name="after-bulk.txt")
    engine.refresh()
    assert engine.derived.facets.stats.patches >= 1
    assert engine.verify_derived() == []
    assert replay(engine.store, engine.linker, engine.feed, engine.index.version(), 5) == []


def test_bulk_load_refuses_a_home_with_documents(bulk: tuple[Engine, dict[str, object]]) -> None:
    engine, _ = bulk
    with pytest.raises(ValueError, match="empty home"):
        engine.writer.bulk_load(documents(engine, 1, seed=4, pool_size=8))
