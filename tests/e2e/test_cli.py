"""The ``hankekg`` CLI driven with typer's CliRunner on a temporary home."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.conftest import ROVANIEMI, SEEDS

pytestmark = pytest.mark.slow


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
