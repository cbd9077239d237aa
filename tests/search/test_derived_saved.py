"""The graph-derived tables kept between processes: a home opened again loads them and
patches them from the change feed, and rebuilds them when the feed cannot vouch for
them (another home's file, a torn file, entries pruned)."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from api.engine import Engine
from ingest.backup import backup, restore
from tests.conftest import make_settings
from tests.search.test_derived import _page


def _open(home: Path) -> Engine:
    engine = Engine(make_settings(home))
    engine.warm_up()
    return engine


def _stats(engine: Engine) -> dict[str, tuple[int, int]]:
    tables = engine.derived
    return {
        name: (table.stats.builds, table.stats.loads)
        for name, table in (
            ("facets", tables.facets),
            ("neighbours", tables.neighbours),
            ("money", tables.money),
        )
    }


@pytest.fixture(scope="module")
def saved_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with two documents whose engine was closed (so its tables were saved)."""
    home = tmp_path_factory.mktemp("saved") / "home"
    engine = Engine(make_settings(home))
    for i in range(2):
        engine.ingest_bytes(_page(i), name=f"page{i}.txt")
    engine.warm_up()
    engine.close()
    return home


def _copy(saved_home: Path, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(saved_home, home)
    return home


def test_close_saves_and_open_loads(saved_home: Path, tmp_path: Path) -> None:
    home = _copy(saved_home, tmp_path)
    assert sorted(p.name for p in (home / "derived").iterdir()) == [
        "facets.pickle",
        "money.pickle",
        "neighbours.pickle",
    ]
    engine = _open(home)
    try:
        assert _stats(engine) == {name: (0, 1) for name in ("facets", "neighbours", "money")}
        assert engine.verify_derived() == []
        # and it is patched from there by the next write, not rebuilt
        engine.ingest_bytes(_page(2), name="page2.txt")
        engine.refresh()
        assert _stats(engine)["facets"] == (0, 1)
        assert engine.derived.facets.stats.patches >= 1
        assert engine.verify_derived() == []
    finally:
        engine.close()


def test_writes_while_closed_are_patched_in_from_the_feed(saved_home: Path, tmp_path: Path) -> None:
    home = _copy(saved_home, tmp_path)
    # a process that writes and never reads the tables: it leaves the saved ones as they were
    writer = Engine(make_settings(home))
    writer.ingest_bytes(_page(5), name="page5.txt")
    writer.delete_document(sorted(writer.snapshot.documents())[0])  # type: ignore[union-attr]
    writer.close()
    engine = _open(home)
    try:
        assert _stats(engine)["neighbours"] == (0, 1), "loaded, then patched"
        assert engine.derived.neighbours.stats.patched_subjects >= 2
        assert engine.verify_derived() == []
    finally:
        engine.close()


def test_another_homes_tables_are_rebuilt(saved_home: Path, tmp_path: Path) -> None:
    home = _copy(saved_home, tmp_path)
    other = tmp_path / "other"
    engine = Engine(make_settings(other))
    for i in (4, 6):
        engine.ingest_bytes(_page(i), name=f"page{i}.txt")
    engine.warm_up()
    engine.close()
    # the other home's tables, in this home, where the feed holds other entries
    shutil.rmtree(home / "derived")
    shutil.copytree(other / "derived", home / "derived")
    engine = _open(home)
    try:
        assert _stats(engine) == {name: (1, 0) for name in ("facets", "neighbours", "money")}
        assert engine.verify_derived() == []
    finally:
        engine.close()


def test_a_torn_file_is_rebuilt(saved_home: Path, tmp_path: Path) -> None:
    home = _copy(saved_home, tmp_path)
    facets = home / "derived" / "facets.pickle"
    facets.write_bytes(facets.read_bytes()[:100])
    (home / "derived" / "neighbours.pickle").write_bytes(pickle.dumps(["not", "a", "table"]))
    engine = _open(home)
    try:
        assert _stats(engine)["facets"] == (1, 0)
        assert _stats(engine)["neighbours"] == (1, 0)
        assert _stats(engine)["money"] == (0, 1)
        assert engine.verify_derived() == []
    finally:
        engine.close()


def test_a_restored_home_reads_its_tables_again(saved_home: Path, tmp_path: Path) -> None:
    home = _copy(saved_home, tmp_path)
    engine = Engine(make_settings(home))
    backup(engine, tmp_path / "backup")
    # a write after the backup, saved with the tables at close
    engine.ingest_bytes(_page(7), name="page7.txt")
    engine.warm_up()
    engine.close()
    restore(make_settings(home), tmp_path / "backup")
    engine = _open(home)
    try:
        assert _stats(engine) == {name: (1, 0) for name in ("facets", "neighbours", "money")}
        assert engine.verify_derived() == []
        assert not any("numero-7" in p for p in engine.facet_table().values)
    finally:
        engine.close()


def test_tables_saved_after_a_removal_load_and_patch(saved_home: Path, tmp_path: Path) -> None:
    home = _copy(saved_home, tmp_path)
    engine = _open(home)
    document = sorted(engine.snapshot.documents())[0]  # type: ignore[union-attr]
    engine.delete_document(document)
    engine.refresh()  # the tables patched with a project taken out, then saved so
    engine.close()
    engine = _open(home)
    try:
        assert _stats(engine) == {name: (0, 1) for name in ("facets", "neighbours", "money")}
        assert engine.verify_derived() == []
        engine.ingest_bytes(_page(3), name="page3.txt")
        engine.refresh()
        assert engine.verify_derived() == []
    finally:
        engine.close()


def test_a_home_that_cannot_take_the_tables_still_closes(
    saved_home: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    home = _copy(saved_home, tmp_path)
    shutil.rmtree(home / "derived")
    (home / "derived").write_text("a file where the directory goes")
    engine = _open(home)
    engine.ingest_bytes(_page(3), name="page3.txt")
    engine.refresh()
    engine.close()
    assert "derived tables not saved" in caplog.text
    engine = _open(home)  # the store was flushed and closed: it opens again, with the write
    try:
        assert len(engine.snapshot.documents()) == 3  # type: ignore[union-attr]
        assert _stats(engine)["facets"] == (1, 0)
    finally:
        engine.close()
