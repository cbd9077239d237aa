"""The engine over each index backend: ingest, search, related, delete and reopen.

The same steps run with ``HANKEKG_INDEX_BACKEND=local`` and ``=postgres`` (a real
PostgreSQL + pgvector); the answers must agree.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from api import services
from api.engine import Engine
from graph.config import Settings
from search.filters import Filters
from search.similarity import from_snapshot
from tests.conftest import SEEDS, make_settings


@pytest.fixture(params=["local", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    if request.param == "local":
        yield make_settings(tmp_path)
    else:
        url = request.getfixturevalue("pg_url")
        yield make_settings(tmp_path, index_backend="postgres", database_url=url)


def test_ingest_search_delete_and_reopen(settings: Settings) -> None:
    engine = Engine(settings)
    try:
        report = engine.ingest_paths([SEEDS])
        assert not report.failed
        health = services.health(engine)
        assert health.documents == len(report.documents) == 2
        assert health.vectors > 0
        hits = services.search(engine, "työikäisten kuntoutus Rovaniemi").results
        assert hits and "rovaniemi" in (hits[0].name or "").lower()
        filtered = services.search(engine, "kuntoutus", mode="dense").results
        assert filtered
        project = next(p for ps in report.projects.values() for p in ps)
        services.related(engine, project)  # centroids and neighbours resolve
        # what a (network-less) SPARQL worker loads for hkf:similarity
        source = engine.similarity_source()
        assert source is not None
        score = from_snapshot(*source)(URIRef(project), Literal("kuntoutus"))
        assert score is not None and 0.0 < float(score) <= 1.0
        gone = next(iter(report.documents.values()))
        engine.delete_document(gone)
        assert services.health(engine).documents == 1
        assert all(h.document != gone for h in services.search(engine, "kuntoutus").results)
    finally:
        engine.close()
    reopened = Engine(settings)
    try:
        assert services.health(reopened).documents == 1
        assert services.search(reopened, "kuntoutus").results
    finally:
        reopened.close()


def test_a_search_reads_the_index_version_once(
    seeded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The search, the translation's vocabulary, the filter cache and the facet table each
    # asked the index for its version: four round trips per search on a server index.
    index = seeded_engine.index
    reads: list[str] = []

    def counted(method: Callable[[], object], name: str) -> Callable[[], object]:
        def read() -> object:
            # The session's live server polls the version from its refresher thread.
            if threading.current_thread().name != "hankekg-refresh":
                reads.append(name)
            return method()

        return read

    for name in ("view", "version"):
        monkeypatch.setattr(index, name, counted(getattr(index, name), name))
    response = services.search(seeded_engine, "kuntoutus", filters=Filters(languages=("fi",)))
    assert response.results and response.facets
    assert reads == ["view"]
    services.search(seeded_engine, "kuntoutus")
    assert reads == ["view", "view"]  # the next search reads it again (other writers)
