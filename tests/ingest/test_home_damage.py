"""A damaged home never loses its corpus: every file deleted or truncated, one at a time.

The probe behind issue 23 deleted ``oxigraph/CURRENT`` from a home: the first
open failed, the second started an empty store over the old one (deleting its
files), and the engine then emptied the index to match. Here one small home is
built once per module and copied per case; each case deletes or truncates one
of its files, opens the home twice, and checks that

* every open either serves all the documents, or fails with one line (a
  :class:`~graph.errors.DamagedHome`, exit code 11 in the CLI);
* a failed open changes nothing: no file of the home is deleted, so putting
  the damaged file back opens the home with every document again.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph
import pytest

from api.engine import Engine
from graph.errors import DamagedHome
from tests.conftest import make_settings
from tests.search.index_contract import newest_segment

#: Two short documents of our own, so the home is small and quick to copy.
DOCUMENTS = {
    "vertaistuki.txt": (
        "Hanke: Vertaistukea arkeen\n"
        "Rahoittaja: Sosiaali- ja terveysjärjestöjen avustuskeskus\n"
        "Toteuttaja: Esimerkkiyhdistys ry\n"
        "Kunta: Tampere\n"
        "Kesto: 2019–2021\n\n"
        "Hanke järjesti vertaistukiryhmiä omaishoitajille ja kokosi kokemuksia oppaaksi."
    ),
    "workability.txt": (
        "Project: Work ability in small workplaces\n"
        "Funder: European Social Fund\n"
        "Implementer: Example Foundation\n"
        "Municipality: Oulu\n"
        "Duration: 2018–2020\n\n"
        "The project trained supervisors to notice early signs of reduced work ability."
    ),
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    """A home holding two documents (closed), and their IRIs."""
    corpus = tmp_path_factory.mktemp("corpus")
    for name, text in DOCUMENTS.items():
        (corpus / name).write_text(text, "utf-8")
    home = tmp_path_factory.mktemp("pristine")
    engine = Engine(make_settings(home))
    try:
        report = engine.ingest_paths([corpus])
        assert not report.failed, report.failed
        documents = set(engine.store.documents())
    finally:
        engine.close()
    assert len(documents) == 2
    return home, documents


def _files(home: Path) -> list[str]:
    """Every file that holds data (RocksDB's LOCK and LOG files hold none)."""
    return sorted(
        p.relative_to(home).as_posix()
        for p in home.rglob("*")
        if p.is_file() and p.name != "LOCK" and not p.name.startswith("LOG")
    )


def _open(home: Path) -> set[str] | DamagedHome:
    """The documents an engine over ``home`` serves, or the error that refused it."""
    try:
        engine = Engine(make_settings(home))
    except DamagedHome as exc:
        return exc
    try:
        view = engine.snapshot
        indexed = set(view.documents()) if view is not None else set()
        in_graph = set(engine.store.documents())
        assert indexed == in_graph, "an open that succeeds serves graph and index alike"
        return in_graph
    finally:
        engine.close()


def _damage_each(
    kind: str, pristine: tuple[Path, set[str]], tmp_path: Path, names: list[str]
) -> None:
    """Damage each of ``names`` in turn (in a fresh copy) and check the rule above."""
    source, documents = pristine
    for name in names:
        home = tmp_path / f"{kind}-{name.replace('/', '_')}"
        shutil.copytree(source, home)
        target = home / name
        if kind == "delete":
            target.unlink()
        else:
            data = target.read_bytes()
            target.write_bytes(data[: len(data) // 2])
        before = set(_files(home))
        outcomes = [_open(home), _open(home)]
        for outcome in outcomes:
            if isinstance(outcome, DamagedHome):
                message = str(outcome)
                assert "\n" not in message and "hankekg" in message, (name, message)
                assert outcome.exit_code == 11
            else:
                assert outcome == documents, f"{kind} {name}: the open lost documents"
        if any(isinstance(o, DamagedHome) for o in outcomes):
            # refused: nothing was deleted, and the file put back opens the whole home
            assert before <= set(_files(home)), f"{kind} {name}: a refused open deleted files"
            assert isinstance(outcomes[1], DamagedHome), f"{kind} {name}: refused once only"
            shutil.copy2(source / name, target)
            assert _open(home) == documents, f"{kind} {name}: not whole with the file back"
        shutil.rmtree(home)


def _copy(source: Path, tmp_path: Path) -> Path:
    """A fresh copy of the pristine home to damage."""
    home = tmp_path / "home"
    shutil.copytree(source, home)
    return home


@pytest.mark.slow  # about 20 opens of the home
@pytest.mark.parametrize("kind", ["delete", "truncate"])
def test_one_damaged_graph_file_never_empties_the_home(
    kind: str, pristine: tuple[Path, set[str]], tmp_path: Path
) -> None:
    names = [n for n in _files(pristine[0]) if n.startswith("oxigraph/")]
    assert {"oxigraph/CURRENT", "oxigraph/IDENTITY"} <= set(names)
    _damage_each(kind, pristine, tmp_path, names)


@pytest.mark.slow  # each damaged index file costs a rebuild from the graph (seconds)
@pytest.mark.parametrize("kind", ["delete", "truncate"])
def test_one_damaged_index_file_never_empties_the_home(
    kind: str, pristine: tuple[Path, set[str]], tmp_path: Path
) -> None:
    names = [n for n in _files(pristine[0]) if n.startswith("index/")]
    assert "index/CURRENT" in names and any(n.endswith("vectors.faiss") for n in names)
    _damage_each(kind, pristine, tmp_path, names)


def test_truncated_current_index_snapshot_is_quarantined_not_deleted(
    pristine: tuple[Path, set[str]], tmp_path: Path
) -> None:
    source, documents = pristine
    home = _copy(source, tmp_path)
    (folder,) = (home / "index" / "snapshots").iterdir()
    chunks = newest_segment(folder) / "chunks.jsonl"
    chunks.write_bytes(chunks.read_bytes()[:10])
    assert _open(home) == documents  # rebuilt from the graph, which holds everything
    kept = home / "index" / "quarantine" / folder.name / chunks.relative_to(folder)
    assert kept.read_bytes() == (source / chunks.relative_to(home)).read_bytes()[:10]


def test_empty_graph_beside_a_full_index_is_refused_not_settled_by_emptying(
    pristine: tuple[Path, set[str]], tmp_path: Path
) -> None:
    """A store that lost its data (a fresh, empty one in its place) never empties the index."""
    source, documents = pristine
    home = _copy(source, tmp_path)
    shutil.rmtree(home / "oxigraph")
    pyoxigraph.Store(str(home / "oxigraph")).flush()  # an empty database where data was
    index_files = {n: (home / n).read_bytes() for n in _files(home) if n.startswith("index/")}
    for _ in range(2):
        with pytest.raises(DamagedHome, match="the graph lacks 2 of the 2 documents"):
            Engine(make_settings(home))
    assert {n: (home / n).read_bytes() for n in index_files} == index_files


def test_missing_index_beside_a_full_graph_is_rebuilt_from_the_graph(
    pristine: tuple[Path, set[str]], tmp_path: Path
) -> None:
    """The reverse: the index is derived, so the graph rebuilds it and nothing is lost."""
    source, documents = pristine
    home = _copy(source, tmp_path)
    shutil.rmtree(home / "index")
    assert _open(home) == documents


def test_store_deleted_under_an_index_is_refused_not_recreated(
    pristine: tuple[Path, set[str]], tmp_path: Path
) -> None:
    source, documents = pristine
    home = _copy(source, tmp_path)
    shutil.rmtree(home / "oxigraph")
    for _ in range(2):
        with pytest.raises(DamagedHome, match="missing or empty, but the index"):
            Engine(make_settings(home))
    assert not (home / "oxigraph").exists(), "no empty store was created"


def test_lost_current_of_the_graph_store_is_refused_both_times(
    pristine: tuple[Path, set[str]], tmp_path: Path
) -> None:
    """The probe's case: the second open used to start an empty store and empty the index."""
    source, documents = pristine
    home = _copy(source, tmp_path)
    (home / "oxigraph" / "CURRENT").unlink()
    files = sorted(p.name for p in (home / "oxigraph").iterdir())
    for _ in range(2):
        with pytest.raises(DamagedHome, match="lost its CURRENT"):
            Engine(make_settings(home))
    assert sorted(p.name for p in (home / "oxigraph").iterdir()) == files
    shutil.copy2(source / "oxigraph" / "CURRENT", home / "oxigraph" / "CURRENT")
    assert _open(home) == documents


def _cli(home: Path, *args: str) -> tuple[int, str]:
    """Run ``hankekg ARGS`` on ``home``; exit code and what it printed."""
    from typer.testing import CliRunner

    from api.cli import app

    result = CliRunner().invoke(app, list(args), env={"HANKEKG_HOME": str(home)})
    return result.exit_code, result.stdout + result.stderr


def test_cli_reports_a_lost_store_file_in_one_line_with_exit_11(
    pristine: tuple[Path, set[str]], tmp_path: Path
) -> None:
    source, _ = pristine
    home = _copy(source, tmp_path)
    (home / "oxigraph" / "CURRENT").unlink()
    # serve too: it used to print uvicorn's 60-line traceback
    for command in ("stats", "verify", "doctor", "serve"):
        code, err = _cli(home, command)
        assert code == 11, (command, code, err)
        assert "lost its CURRENT" in err and "hankekg restore" in err
        assert "Traceback" not in err and len(err.strip().splitlines()) <= 2
    code, err = _cli(home, "stats")
    assert code == 11, "the second open is refused too"


def test_backup_then_restore_brings_back_a_home_that_lost_its_store(
    pristine: tuple[Path, set[str]], tmp_path: Path
) -> None:
    source, documents = pristine
    home = _copy(source, tmp_path)
    saved = tmp_path / "backup"
    code, err = _cli(home, "backup", str(saved))
    assert code == 0, err
    assert (saved / "CHECKSUMS").is_file() and (saved / "backup.json").is_file()
    assert _cli(home, "backup", str(saved))[0] == 12, "an existing directory is refused"
    # damage the home in place: the backup shares no file with it
    for sst in (home / "oxigraph").glob("*.sst"):
        sst.write_bytes(b"")
    assert _cli(home, "doctor")[0] == 11
    code, err = _cli(home, "restore", str(saved))
    assert code == 0, err
    replaced = [p for p in home.iterdir() if p.name.startswith("replaced-")]
    assert len(replaced) == 1 and (replaced[0] / "oxigraph").is_dir(), "moved aside, not deleted"
    assert _open(home) == documents
    assert _cli(home, "doctor")[0] == 0


def test_restore_refuses_a_damaged_backup(pristine: tuple[Path, set[str]], tmp_path: Path) -> None:
    source, _ = pristine
    home = _copy(source, tmp_path)
    saved = tmp_path / "backup"
    assert _cli(home, "backup", str(saved))[0] == 0
    manifest = next((saved / "oxigraph").glob("MANIFEST-*"))
    manifest.write_bytes(manifest.read_bytes()[:-1])
    code, err = _cli(home, "restore", str(saved))
    assert code == 12 and "damaged" in err
    assert not any(p.name.startswith("replaced-") for p in home.iterdir()), "home untouched"
