"""The ``hankekg`` CLI driven with typer's CliRunner on a temporary home."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from api.cli import app
from graph.processes import stop_processes
from tests.conftest import ROOT, ROVANIEMI, SEEDS

pytestmark = pytest.mark.slow

#: Opens the store at argv[1] (taking RocksDB's lock), says so, and keeps it open.
HOLD_STORE = (
    "import sys, time, pyoxigraph; store = pyoxigraph.Store(sys.argv[1]); "
    "print('held', flush=True); time.sleep(120)"
)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli-home")
    result = CliRunner().invoke(app, ["ingest", str(SEEDS)], env={"HANKEKG_HOME": str(path)})
    assert result.exit_code == 0, result.output
    assert "added 2" in result.output
    return path


def run(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"HANKEKG_HOME": str(home)})
    return result.exit_code, result.output


def test_search_json_ranks_the_rovaniemi_project(home: Path) -> None:
    code, out = run(home, "search", "work ability assessment Lapland", "--json", "-k", "2")
    assert code == 0
    assert json.loads(out)["results"][0]["name"] == ROVANIEMI


def test_search_table_and_bad_mode(home: Path) -> None:
    code, out = run(home, "search", "vertaistuki")
    assert code == 0 and "Kolmannen" in out
    code, _ = run(home, "search", "vertaistuki", "--mode", "fuzzy")
    assert code == 2


def test_search_csv_lists_the_ranked_projects_with_export_columns(home: Path) -> None:
    import csv
    import io

    from api.results_export import COLUMNS

    code, out = run(home, "search", "kuntoutus", "--json", "-k", "5")
    ranked = [h["iri"] for h in json.loads(out)["results"]]
    code, out = run(home, "search", "kuntoutus", "--format", "csv", "-k", "5")
    assert code == 0, out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert tuple(rows[0]) == COLUMNS
    assert [r["iri"] for r in rows] == ranked
    assert any(r["org_funder"] for r in rows)


def test_sparql_select_and_malformed(home: Path) -> None:
    code, out = run(home, "sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?p a hk:Project }")
    assert code == 0
    assert json.loads(out)["results"]["bindings"][0]["n"]["value"] == "2"
    code, out = run(home, "sparql", "SELECT WHERE {")
    assert code == 4 and "malformed" in out


def test_related_stats_validate_export(home: Path, tmp_path: Path) -> None:
    code, out = run(home, "related", "tyoikaisten-kuntoutus-rovaniemi", "--json")
    assert code == 0 and json.loads(out)["results"]
    code, out = run(home, "stats")
    assert code == 0 and json.loads(out)["documents"] == 2
    code, out = run(home, "validate")
    assert code == 0 and "conforms: True" in out
    dump = tmp_path / "dump.nq"
    code, _ = run(home, "export", "--format", "nquads", "-o", str(dump))
    assert code == 0 and dump.stat().st_size > 10_000


def test_stats_overstated_triples(home: Path) -> None:
    _, out = run(home, "stats")
    stats = json.loads(out)

    def count(query: str) -> int:
        code, result = run(home, "sparql", query)
        assert code == 0
        return int(json.loads(result)["results"]["bindings"][0]["n"]["value"])

    assert stats["triples"] == count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert stats["quads"] == count("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert 0 < stats["triples"] <= stats["quads"]


def test_ingest_of_bad_and_missing_files_exits_nonzero(home: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    code, out = run(home, "ingest", str(empty))
    assert code == 3 and "empty" in out.lower()
    code, out = run(home, "ingest", str(tmp_path / "missing.txt"))
    assert code == 3 and "no such file" in " ".join(out.split())


def test_extract_prints_facts_with_evidence_and_writes_nothing(home: Path) -> None:
    _, before = run(home, "stats")
    code, out = run(home, "extract", str(SEEDS / "000_8b420b4dcf17230b.txt"))
    assert code == 0
    payload = json.loads(out)
    quotes = [f["evidence"]["quote"] for f in payload["facts"] if f["evidence"]]
    assert "Pirjo Lehtoranta" in quotes
    _, after = run(home, "stats")
    assert before == after


# -- a CLI that composes (issue 11, item 6) ----------------------------------------

READ_COMMANDS = [
    ["stats"],
    ["search", "vertaistuki"],
    ["sparql", "ASK { ?s ?p ?o }"],
    ["export", "--format", "nquads"],
    ["validate"],
    ["related", "tyoikaisten-kuntoutus-rovaniemi"],
]


def invoke(home: Path, *args: str, **env: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"HANKEKG_HOME": str(home), **env})


def one_error_line(result: Result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.output
    return lines[0]


def test_there_was_no_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"hankekg {version('hankekg')}"


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: c[0])
def test_missing_home_silently_became_an_empty_store(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "no-such-home"
    result = invoke(missing, *command)
    assert result.exit_code == 6
    assert "holds no store" in one_error_line(result)
    assert not missing.exists()


def test_errors_are_one_line_and_debug_shows_the_traceback(tmp_path: Path) -> None:
    usage = invoke(tmp_path, "search")  # the query argument is missing
    assert usage.exit_code == 2
    assert "Missing argument" in one_error_line(usage)
    bad_setting = invoke(tmp_path, "stats", HANKEKG_WORKERS="many")
    assert bad_setting.exit_code == 1
    assert "ValidationError" in one_error_line(bad_setting)
    debug = invoke(tmp_path, "--debug", "stats", HANKEKG_WORKERS="many")
    assert debug.exit_code == 1
    assert "Traceback" in debug.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def running_server(home: Path) -> Iterator[str]:
    """``hankekg serve`` in its own process over the module's home."""
    port = free_port()
    env = {**os.environ, "HANKEKG_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    hankekg = Path(sys.executable).parent / "hankekg"
    process = subprocess.Popen(
        [sys.executable, str(hankekg), "serve", "--port", str(port)],
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        # Generous: it loads the models, and CI shares two cores with other suites.
        deadline = time.monotonic() + 600
        while True:
            assert process.poll() is None, "hankekg serve exited"
            assert time.monotonic() < deadline, "hankekg serve did not start"
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_read_commands_exited_9_instead_of_asking_the_running_server(
    home: Path, running_server: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # One server for every command: starting one loads the models (tens of seconds).
    caplog.set_level(logging.INFO, logger="api.cli_remote")
    for command in READ_COMMANDS:
        caplog.clear()
        result = invoke(home, "--verbose", *command)
        assert result.exit_code == 0, (command, result.output)
        assert f"{command[0]}: using the running server at {running_server}" in caplog.text
        if command[0] == "stats":
            assert json.loads(result.stdout)["documents"] == 2
        elif command[0] == "search":
            assert "Kolmannen" in result.stdout
        elif command[0] == "sparql":
            assert json.loads(result.stdout)["boolean"] is True
        elif command[0] == "export":
            assert result.stdout.count("\n") > 1000
        elif command[0] == "validate":
            assert "conforms: True" in result.stdout
        elif command[0] == "related":
            assert "Kolmannen" in result.stdout
    code, out = run(home, "sparql", "--format", "csv", "SELECT ?n WHERE { BIND(2 AS ?n) }")
    assert (code, out.split()) == (0, ["n", "2"])
    dump = tmp_path / "dump.nq"
    assert run(home, "export", "--format", "nquads", "-o", str(dump))[0] == 0
    assert dump.stat().st_size > 10_000
    code, out = run(home, "related", "no-such-project")
    assert code == 6 and "no project" in out
    code, out = run(home, "sparql", "SELECT WHERE {")
    assert code == 4 and "malformed" in out
    # Commands that write still refuse, naming the server and the route to use.
    result = invoke(home, "ingest", str(SEEDS))
    assert result.exit_code == 9
    line = one_error_line(result)
    assert f"the server at {running_server}" in line
    assert f"POST {running_server}/api/documents" in line


def test_write_commands_and_restore_name_another_holder_of_the_store(
    home: Path, tmp_path: Path
) -> None:
    saved = tmp_path / "backup"
    assert run(home, "backup", str(saved))[0] == 0
    # Another process holds the store (RocksDB's lock), as a server would, but records
    # no server.json: the error names "another process" and says to stop it.
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_STORE, str(home / "oxigraph")], stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        for command in (["reindex"], ["verify"], ["restore", str(saved)]):
            result = invoke(home, *command)
            assert result.exit_code == 9, result.output
            line = one_error_line(result)
            assert "is in use by another process (a running hankekg serve?)" in line, line
            assert line.endswith("stop the server first"), line
    finally:
        stop_processes([holder], grace_s=10, kill_wait_s=5)
    assert not list(home.glob("replaced-*")), "a refused restore moved nothing aside"
    assert run(home, "verify")[0] == 0


def test_sparql_formats_without_a_server(home: Path) -> None:
    query = "SELECT ?n ?s WHERE { VALUES (?n ?s) { (1 'a b') (2 'c') } } ORDER BY ?n"
    code, out = run(home, "sparql", "--format", "csv", query)
    assert (code, out.splitlines()) == (0, ["n,s", "1,a b", "2,c"])
    code, out = run(home, "sparql", "--format", "tsv", query)
    assert code == 0 and out.splitlines()[0] == "?n\t?s"
    code, out = run(home, "sparql", "--format", "table", query)
    assert code == 0 and "a b" in out and "┃ n" in out
    code, out = run(home, "sparql", query)
    assert json.loads(out)["head"]["vars"] == ["n", "s"]
    code, out = run(home, "sparql", "--format", "xml", query)
    assert code == 2


def test_sparql_and_lexical_search_loaded_the_encoder(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import search.encoders

    def no_encoder(*_: object, **__: object) -> None:
        raise AssertionError("the encoder was loaded")

    monkeypatch.setattr(search.encoders, "get_encoder", no_encoder)
    code, out = run(home, "sparql", "ASK { ?s ?p ?o }")
    assert code == 0, out
    code, out = run(home, "search", "kuntoutus", "--mode", "lexical", "--json")
    assert code == 0, out
    assert json.loads(out)["results"]


def test_verify_derived_compares_patched_with_rebuilt_tables(home: Path) -> None:
    code, out = run(home, "verify", "--derived")
    assert code == 0, out
    assert "equal the rebuilt ones" in out
    feed = home / "feed" / "changes.jsonl"
    kept = feed.read_text(encoding="utf-8")
    last = json.loads(kept.splitlines()[-1])
    try:  # a commit the feed does not record: replicas would rebuild, verify says so
        entry = {**last, "seq": last["seq"] + 1, "version": "not-the-index-version"}
        feed.write_text(kept + json.dumps(entry) + "\n", encoding="utf-8")
        code, out = run(home, "verify", "--derived")
        assert code == 1
        assert "feed: the last entry is for index version not-the-index-version" in out
    finally:
        feed.write_text(kept, encoding="utf-8")
