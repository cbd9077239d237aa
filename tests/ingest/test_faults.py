"""Faults heal without a restart, and a corrupt index has a way out (issue 11, item 8).

Regression tests, each named for what broke:

- after a disk-full error in a store write, every later write failed with the same
  stale error until a restart, while ``/healthz`` said ok; failed snapshots piled up;
- a truncated index file made ``hankekg reindex`` fail the same way the server did;
- ``chunks.jsonl`` cut at a line boundary went unnoticed (``hankekg verify`` finds it).

The disk is filled with ``RLIMIT_FSIZE`` in a child process: writes past the limit
fail with ``EFBIG`` (an ``OSError``, as ``ENOSPC`` is), and raising the limit again
is the space coming back. No root, no mount, nothing else on the machine is touched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.conftest import SEEDS
from tests.search.index_contract import chunk_lines, newest_segment

ROOT = Path(__file__).resolve().parents[2]

DISK_FULL = textwrap.dedent(
    """
    import json, resource, signal, sys
    from pathlib import Path
    from api import services
    from api.engine import Engine
    from graph.config import Settings
    from ingest.home import WriteHome
    from ingest.verify import verify

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, not kills
    home, first, second = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    engine = Engine(Settings(home=home))
    assert not engine.ingest_paths([first]).failed
    snapshot_files = [p for p in (home / "index" / "snapshots").rglob("*") if p.is_file()]
    limit = max(262144, 4 * max(p.stat().st_size for p in snapshot_files))
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    out = {}
    try:
        engine.ingest_paths([second])
        out["first_error"] = None
    except OSError as exc:
        out["first_error"] = str(exc)
    try:
        engine.ingest_paths([second])
        out["second_error"] = None
    except OSError as exc:
        out["second_error"] = str(exc)
    out["health_while_full"] = services.health(engine).model_dump()
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    snapshots = home / "index" / "snapshots"
    out["left_over"] = sorted(
        p.name for p in snapshots.iterdir()
        if p.name.startswith(".") or p.name > (home / "index" / "CURRENT").read_text().strip()
    )
    report = engine.ingest_paths([second])
    out["after"] = {"added": report.added, "failed": report.failed}
    out["health_after"] = services.health(engine).model_dump()
    out["problems"] = verify(engine.store, engine.index)
    out["documents"] = sorted(e.path for e in engine.snapshot.documents().values())
    engine.close()
    print("RESULT " + json.dumps(out))
    """
)


@pytest.mark.slow
def test_disk_full_during_a_write_heals_once_space_is_back(tmp_path: Path) -> None:
    first, second = sorted(SEEDS.iterdir())
    done = subprocess.run(
        [sys.executable, "-c", DISK_FULL, str(tmp_path / "home"), str(first), str(second)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"},
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, done.stderr[-3000:]
    out = json.loads(lines[-1].removeprefix("RESULT "))
    # The write fails while the disk is full, and says why ...
    assert out["first_error"] and "File too large" in out["first_error"]
    assert out["second_error"], "a write past the limit succeeded"
    # ... /healthz says so instead of ok ...
    assert out["health_while_full"]["status"] == "degraded"
    assert "File too large" in out["health_while_full"]["detail"]
    # ... nothing half-written is left behind ...
    assert out["left_over"] == []
    # ... and once space is back the same write succeeds, without a restart.
    assert out["after"] == {"added": [second.name], "failed": {}}  # a file is named by its name
    assert out["health_after"]["status"] == "ok"
    assert out["health_after"]["detail"] is None
    assert out["problems"] == []
    assert out["documents"] == sorted([first.name, second.name])


def _cli(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"HANKEKG_HOME": str(home)})
    return result.exit_code, result.output


@pytest.fixture
def seeded_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    code, output = _cli(home, "ingest", str(SEEDS))
    assert code == 0, output
    return home


def _snapshot(home: Path) -> Path:
    return home / "index" / "snapshots" / (home / "index" / "CURRENT").read_text().strip()


def test_verify_passes_on_a_clean_home(seeded_home: Path) -> None:
    code, output = _cli(seeded_home, "verify")
    assert code == 0, output
    assert "agree" in output


def test_chunks_cut_at_a_line_boundary_fail_verify(seeded_home: Path) -> None:
    chunks = newest_segment(_snapshot(seeded_home)) / "chunks.jsonl"
    lines = chunks.read_text("utf-8").splitlines(keepends=True)
    chunks.write_text("".join(lines[: len(lines) // 2]), "utf-8")
    code, output = _cli(seeded_home, "verify")
    assert code == 1, output
    assert "chunks.jsonl" in output


def test_a_document_graph_missing_from_the_store_fails_verify(seeded_home: Path) -> None:
    from rdflib import URIRef

    from graph.config import Settings
    from graph.store import get_store

    store = get_store(Settings(home=seeded_home))
    gone = sorted(store.documents())[0]
    store.replace_graphs([URIRef(gone)], {})  # behind the writer's back
    store.close()
    code, output = _cli(seeded_home, "verify")
    assert code == 1, output
    assert f"index only: {gone}" in output


def test_a_truncated_vector_file_fails_verify_and_reindex_repairs_it(seeded_home: Path) -> None:
    vectors = newest_segment(_snapshot(seeded_home)) / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:100])
    code, output = _cli(seeded_home, "verify")
    assert code == 1, output
    assert "cannot be read" in output
    code, output = _cli(seeded_home, "reindex")
    assert code == 0, output
    assert "reindexed 2 documents" in output
    code, output = _cli(seeded_home, "verify")
    assert code == 0, output
    code, output = _cli(seeded_home, "search", "vertaistuki", "--json")
    assert code == 0, output


def test_reindex_rebuilds_when_the_manifest_is_truncated(seeded_home: Path) -> None:
    manifest = _snapshot(seeded_home) / "manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:50])
    code, output = _cli(seeded_home, "reindex")
    assert code == 0, output
    code, output = _cli(seeded_home, "verify")
    assert code == 0, output


def test_reindex_gives_the_chunks_ingest_gave(seeded_home: Path) -> None:
    """Ingest and reindex chunk one way (they used to order name chunks differently)."""
    before = chunk_lines(_snapshot(seeded_home))
    code, output = _cli(seeded_home, "reindex")
    assert code == 0, output
    assert chunk_lines(_snapshot(seeded_home)) == before
