"""Derived tables patched from the change feed equal tables rebuilt from the graph and
the index, after any sequence of writes: ingest, replacing a document, delete, SPARQL
updates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import search.derived
import search.related
from api.engine import Engine
from ingest import Source
from ingest.feed import FileFeed
from ingest.prepare import Prepared
from ingest.update_scope import touched_graphs
from search.derived import replay
from search.filters import Filters, allowed_chunks, allowed_projects
from search.index import Snapshot
from tests.conftest import make_settings

PLACES = ("Jyväskylässä", "Tampereella", "Oulussa", "Rovaniemellä")
THEMES = ("ikäihmisten kotihoitoa", "nuorten mielenterveyttä", "työllisyyttä ja osaamista")
FUNDERS = ("Sosiaali- ja terveysjärjestöjen avustuskeskus STEA", "Euroopan sosiaalirahasto ESR")

PAGE = """Hankkeen nimi

{title}

Alkamisvuosi

{start}

Päättymisvuosi

{end}

Rahoittaja

{funder}

Hankkeen sisältö

Hanke toteutetaan {place}. Hankkeessa kehitetään {theme}.{money}
"""


def _page(i: int) -> bytes:
    return PAGE.format(
        title=f"Testihanke numero {i}",
        start=2018 + i % 5,
        end=2021 + i % 6,
        funder=FUNDERS[i % len(FUNDERS)],
        place=PLACES[i % len(PLACES)],
        theme=THEMES[i % len(THEMES)],
        # a grant on most pages, and its amount changes between versions of a name
        money="" if i % 3 == 2 else f" Hankkeelle on myönnetty {(i + 1) * 40} 000 euroa avustusta.",
    ).encode()


def _world(home: Path) -> tuple[Engine, list[Prepared]]:
    """An engine with two documents, and eight prepared versions of four names
    (prepared once: the property test commits them, it does not run NLP again)."""
    engine = Engine(make_settings(home))
    prepared = [engine.preparer.prepare(Source(f"page{i % 4}.txt", _page(i))) for i in range(8)]
    engine.writer.commit(prepared[:2])
    engine.warm_up()
    assert engine.money_table(), "the pages state grants"
    return engine, prepared


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, list[Prepared]]]:
    """The engine of :func:`_world`."""
    engine, prepared = _world(tmp_path_factory.mktemp("derived") / "home")
    yield engine, prepared
    engine.close()


@pytest.fixture(scope="module")
def hub_world(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Engine, list[Prepared]]]:
    """The engine of :func:`_world` where a neighbour of two projects is a hub, so
    writes make neighbours hubs and hubs ordinary again (whose members are not kept)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search.related, "HUB_DEGREE", 1)
        engine, prepared = _world(tmp_path_factory.mktemp("derived-hubs") / "home")
        yield engine, prepared
        engine.close()


def _place(engine: Engine) -> str:
    """A municipality of the reference data (one with a region above it)."""
    rows = engine.store.select_text(
        "SELECT ?x WHERE { ?x <https://schema.org/containedInPlace> ?y } ORDER BY ?x LIMIT 1"
    )
    return str(rows[0][0])


def _funder(engine: Engine) -> str:
    """The funder half of the pages name (STEA)."""
    return str(engine.iris.organisation("stea"))


def _allowed(engine: Engine, filters: Filters) -> None:
    """The allowed chunk set the engine's filter cache gives (patched after a write) is
    the one read whole, but for chunks no longer in the index."""
    view = engine.snapshot
    assert view is not None
    cache = engine.filter_cache()
    earlier = any(k.startswith("chunks earlier ") for k in cache)
    patched = allowed_chunks(engine.store, view, filters, engine.linker, cache)
    whole = allowed_chunks(engine.store, view, filters, engine.linker, None)
    live = {cid for entry in view.documents().values() for cid in entry.chunk_ids}
    assert patched is not None and whole is not None
    assert patched & live == whole, ("patched from an earlier set", earlier)


def _update(engine: Engine, kind: int) -> None:
    """A SPARQL update on one indexed document's graph (or, kind 3, on no named graph;
    kind 4 changes a grant's amount, touching no triple of the project itself)."""
    view = engine.snapshot
    assert view is not None
    documents = sorted(view.documents())
    if not documents:
        return
    document = documents[kind % len(documents)]
    entry = view.document(document)
    assert entry is not None
    project = entry.projects[0] if entry.projects else document
    place = _place(engine)
    if kind == 0:
        engine.apply_update(
            f"INSERT DATA {{ GRAPH <{document}> {{ <{project}> <https://schema.org/areaServed> "
            f"<{place}> }} }}"
        )
    elif kind == 1:
        engine.apply_update(
            f"DELETE WHERE {{ GRAPH <{document}> {{ <{project}> <https://schema.org/funder> ?f }} }}"
        )
    elif kind == 2:
        engine.apply_update(f"DROP GRAPH <{document}>")
    elif kind == 4:
        engine.apply_update(
            f"DELETE {{ GRAPH <{document}> {{ ?a <https://schema.org/value> ?v }} }} "
            f"INSERT {{ GRAPH <{document}> {{ ?a <https://schema.org/value> 7 }} }} "
            f"WHERE {{ GRAPH <{document}> {{ <{project}> <https://schema.org/funding> ?g . "
            f"?g <https://schema.org/amount> ?a . ?a <https://schema.org/value> ?v }} }}"
        )
    else:  # unknown graphs: recorded without subjects, the tables are rebuilt
        engine.apply_update(
            f"DELETE {{ GRAPH ?g {{ <{project}> <https://schema.org/endDate> ?e }} }} "
            f"WHERE {{ GRAPH ?g {{ <{project}> <https://schema.org/endDate> ?e }} }}"
        )


WRITES = st.lists(
    st.tuples(st.sampled_from(["ingest", "delete", "update"]), st.integers(0, 7)),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(writes=WRITES)
@pytest.mark.parametrize("which", ["world", "hub_world"])
def test_patched_tables_equal_rebuilt_ones(
    which: str, request: pytest.FixtureRequest, writes: list[tuple[str, int]]
) -> None:
    engine, prepared = request.getfixturevalue(which)
    # a filter in use, so the filter cache holds a pattern to patch
    allowed_projects(engine.store, Filters(places=(_place(engine),)), None, engine.filter_cache())
    # and filters whose allowed chunk sets are patched after each write
    in_use = [Filters(funders=(_funder(engine),)), Filters(places=(_place(engine),))]
    for filters in in_use:
        _allowed(engine, filters)
    engine.neighbourhood()
    builds = engine.derived.facets.stats.builds
    money_builds = engine.derived.money.stats.builds
    unknown = False
    for kind, n in writes:
        before = engine.index.version()
        if kind == "ingest":  # a new name, or a new version of one already in
            engine.writer.commit([prepared[n]])
        elif kind == "delete":
            view = engine.snapshot
            documents = sorted(view.documents()) if view is not None else []
            if documents:
                engine.delete_document(documents[n % len(documents)])
        else:
            _update(engine, n % 5)
            unknown |= n % 5 == 3
        # graph tables, and the index's chunk groups, key languages and centroids
        assert engine.verify_derived() == []
        for filters in in_use:
            _allowed(engine, filters)
        view = engine.snapshot
        if engine.index.version() != before:
            assert isinstance(view, Snapshot) and view.tables.patched, "index tables patched"
    if not unknown:
        assert engine.derived.facets.stats.builds == builds, "patched, not rebuilt"
        assert engine.derived.money.stats.builds == money_builds, "money patched, not rebuilt"


def test_a_gap_in_the_feed_rebuilds(world: tuple[Engine, list[Prepared]]) -> None:
    engine, prepared = world
    engine.facet_table()
    builds = engine.derived.facets.stats.builds
    feed = engine.feed
    assert isinstance(feed, FileFeed)
    engine.writer.commit([prepared[5]])
    engine.writer.commit([prepared[6]])
    # a replica down for long: the entries it missed were pruned
    lines = feed.path.read_text().splitlines()
    feed.path.write_text(lines[-1] + "\n")
    engine.facet_table()
    assert engine.derived.facets.stats.builds == builds + 1
    assert engine.verify_derived() == []


def test_every_write_is_in_the_feed(world: tuple[Engine, list[Prepared]]) -> None:
    engine, _ = world
    fresh = engine.preparer.prepare(Source("every.txt", _page(11)))  # in no other test
    head = engine.feed.head()
    engine.writer.commit([fresh])
    document = fresh.document
    engine.delete_document(document)
    view = engine.snapshot
    assert view is not None
    other = sorted(view.documents())[0]
    engine.apply_update(
        f'INSERT DATA {{ GRAPH <{other}> {{ <{other}> <https://schema.org/keywords> "x" }} }}'
    )
    engine.reindex()
    entries = engine.feed.since(head)
    assert entries is not None
    assert [e.kind for e in entries] == ["ingest", "delete", "update", "reindex"]
    assert document in entries[0].documents and document in entries[1].documents
    assert entries[1].subjects is not None and document in entries[1].subjects
    assert entries[2].graphs == [other]
    assert entries[2].subjects is not None and other in entries[2].subjects
    assert entries[3].subjects is None  # a reindex: replicas rebuild
    assert entries[-1].version == engine.index.version()


def test_update_scope() -> None:
    assert touched_graphs("INSERT DATA { GRAPH <http://g/1> { <http://a> <http://b> 1 } }") == {
        "http://g/1"
    }
    assert touched_graphs("WITH <http://g/2> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }") == {
        "http://g/2"
    }
    assert touched_graphs("ADD <http://g/3> TO <http://g/4>") == {"http://g/3", "http://g/4"}
    assert touched_graphs("DELETE WHERE { GRAPH ?g { ?s ?p ?o } }") is None
    assert touched_graphs("INSERT DATA { <http://a> <http://b> 1 }") is None
    assert touched_graphs("DROP ALL") is None
    assert touched_graphs("not sparql") is None


def test_verify_derived_replays_the_feed(
    world: tuple[Engine, list[Prepared]], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, prepared = world
    engine.writer.commit([prepared[4]])
    args = (engine.store, engine.linker, engine.feed, engine.index.version(), 100)
    assert replay(*args) == []
    # a patch that loses what it reads again is caught
    monkeypatch.setattr(search.derived, "facet_rows", lambda *_a, **_k: ({}, {}))
    problems = replay(*args)
    assert problems and all(p.startswith("facet ") for p in problems)
    # a commit the feed does not record is reported
    monkeypatch.undo()
    feed = engine.writer.feed
    engine.writer.feed = None
    try:
        engine.writer.commit([prepared[3]])
    finally:
        engine.writer.feed = feed
    assert any(p.startswith("feed:") for p in replay(*args[:3], engine.index.version(), 100))


def test_a_project_leaving_a_filter_takes_its_chunks_out(
    world: tuple[Engine, list[Prepared]],
) -> None:
    """A SPARQL update that drops a project's funder changes no chunk: the patched
    allowed set must still lose the project's chunks."""
    engine, prepared = world
    engine.writer.commit([prepared[0]])  # page 0 is funded by STEA
    document = prepared[0].document
    entry = engine.snapshot.document(document)  # type: ignore[union-attr]
    assert entry is not None and entry.projects
    filters = Filters(funders=(_funder(engine),))
    before = allowed_chunks(engine.store, engine.snapshot, filters, None, engine.filter_cache())
    assert before is not None and set(entry.chunk_ids) <= before
    engine.apply_update(
        f"DELETE WHERE {{ GRAPH <{document}> {{ <{entry.projects[0]}> "
        "<https://schema.org/funder> ?f } }"
    )
    assert any(k.startswith("chunks earlier ") for k in engine.filter_cache()), "patched"
    after = allowed_chunks(engine.store, engine.snapshot, filters, None, engine.filter_cache())
    assert after is not None and not set(entry.chunk_ids) & after
    _allowed(engine, filters)


def test_an_allowed_set_unused_for_two_writes_is_patched_with_both(
    world: tuple[Engine, list[Prepared]],
) -> None:
    """Two writes between two uses of a filter: the earlier set is carried over the first
    write and patched with both writes' projects."""
    engine, prepared = world
    for document in sorted(engine.snapshot.documents()):  # type: ignore[union-attr]
        engine.delete_document(document)
    engine.writer.commit([prepared[0]])  # pages 0, 2 and 4 are funded by STEA
    filters = Filters(funders=(_funder(engine),))
    _allowed(engine, filters)
    engine.writer.commit([prepared[4]])  # page 0 again, another project: it joins
    # a search with another filter at this version patches the cache, not this filter's set
    _allowed(engine, Filters(places=(_place(engine),)))
    engine.writer.commit([prepared[2]])  # and page 2's project joins
    assert any(k.startswith("chunks earlier ") for k in engine.filter_cache()), "carried"
    _allowed(engine, filters)
