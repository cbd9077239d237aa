"""The background refresher: after a write, the derived tables are rebuilt before
the next search needs them, and the graph filters in use stay cached."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import search.derived
import search.filters
from api import services
from api.engine import Engine
from api.refresh import Refresher
from search.filters import Filters
from tests.conftest import make_settings

DOC = """Hankkeen nimi

Kotona asumisen tukihanke {n}

Alkamisvuosi

2024

Päättymisvuosi

2026

Rahoittaja

Sosiaali- ja terveysjärjestöjen avustuskeskus STEA

Hankkeen sisältö

Hanke toteutetaan Jyväskylässä. Hankkeessa kehitetään ikäihmisten kuntoutusta ja kotihoitoa.
"""


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One engine for the module (its tests only add documents)."""
    engine = Engine(make_settings(tmp_path_factory.mktemp("refresh") / "home"))
    engine.ingest_bytes(DOC.format(n=1).encode(), name="first.txt")
    engine.warm_up()
    yield engine
    engine.close()


def counted(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[int]:
    """Count the calls of ``module.name`` (still called through)."""
    calls: list[int] = []
    real = getattr(module, name)

    def wrapper(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_a_write_is_refreshed_before_the_next_search(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    place = services.search(engine, "kotihoito").facets["place"][0].value
    filters = Filters(places=(place,))
    assert services.search(engine, "kotihoito", filters=filters).total >= 1
    # The tables are patched from the change feed, not read whole again.
    tables = counted(monkeypatch, search.derived, "facet_table")
    queries = counted(monkeypatch, search.filters, "_subjects")
    patches = engine.derived.facets.stats.patches
    with Refresher(engine, interval_s=0.05) as refresher:
        engine.ingest_bytes(DOC.format(n=2).encode(), name="second.txt")
        assert refresher.refreshed.wait(60), "no background refresh after the write"
        built, asked = len(tables), len(queries)
        assert built == 0
        assert engine.derived.facets.stats.patches == patches + 1
        assert asked >= 2  # the described projects and the place filter, for the new subjects
        result = services.search(engine, "kotihoito", filters=filters)
    assert result.total >= 2  # the new document is found, through the place filter
    assert (len(tables), len(queries)) == (built, asked)  # nothing rebuilt by the search
    assert engine.verify_derived() == []


def test_a_refresh_waits_for_writes_to_settle(engine: Engine) -> None:
    # Driven by hand (no thread): a burst of commits costs one rebuild, once the
    # version has held still from one look to the next.
    refresher = Refresher(engine, interval_s=3600)
    refresher._built = refresher._seen = engine.data_version()
    assert not refresher.poll()  # nothing written
    engine.ingest_bytes(DOC.format(n=3).encode(), name="third.txt")
    assert not refresher.poll()  # changed since the last look: wait
    engine.ingest_bytes(DOC.format(n=4).encode(), name="fourth.txt")
    assert not refresher.poll()
    assert refresher.poll()  # held still: rebuild
    assert not refresher.poll()  # built
    assert refresher.refreshes == 1


def test_a_failed_refresh_is_logged_and_tried_again(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A store that fails while the tables are rebuilt (or while the version is read) must
    # not stop the refresher: the failure is logged and the next look tries again.
    refresher = Refresher(engine, interval_s=3600)
    refresher._built = refresher._seen = engine.data_version()
    engine.ingest_bytes(DOC.format(n=5).encode(), name="fifth.txt")
    assert not refresher.poll()

    def failing() -> None:
        raise OSError("store down")

    monkeypatch.setattr(engine, "refresh", failing)
    assert not refresher.poll()
    assert "background refresh of the derived tables failed" in caplog.text
    monkeypatch.setattr(engine, "data_version", failing)
    assert not refresher.poll()  # the version cannot be read: nothing to do
    assert "could not read the data version" in caplog.text
    monkeypatch.undo()  # the store is back
    assert not refresher.poll()  # seen again after the gap
    assert refresher.poll()  # held still: rebuilt now
    assert refresher.refreshes == 1
