"""``hankekg sparql`` uses the endpoint's guard and limits: SERVICE refused, rows and time bounded.

Runs on an empty home (the reference data gives thousands of triples), so no
ingest is needed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.engine import Engine
from tests.api.test_security_sparql import Listener
from tests.conftest import make_settings


def _run(home: Path, query: str, **env: str) -> tuple[int, str, str]:
    if not (home / "oxigraph").is_dir():
        Engine(make_settings(home)).close()  # a home with a store (reference data only)
    result = CliRunner().invoke(app, ["sparql", query], env={"HANKEKG_HOME": str(home), **env})
    return result.exit_code, result.stdout, result.stderr


def test_cli_refuses_service_in_one_line_and_nothing_goes_out(tmp_path: Path) -> None:
    listening = Listener()
    try:
        for query in (
            f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listening.port}/s> {{ ?s ?p ?o }} }}",
            "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:a\\'b ?o . "
            f"SERVICE <http://127.0.0.1:{listening.port}/s> {{ ?s ?p ?o }} }}",
        ):
            code, out, err = _run(tmp_path, query)
            assert code == 4, (out, err)
            assert out == ""
            assert err.startswith("error: ") and err.count("\n") == 1, err
    finally:
        listening.close()
    assert listening.received == []


def test_cli_cuts_at_the_row_limit_and_says_so(tmp_path: Path) -> None:
    code, out, err = _run(tmp_path, "SELECT * WHERE { ?s ?p ?o }", HANKEKG_SPARQL_MAX_ROWS="7")
    assert code == 0, err
    assert len(json.loads(out)["results"]["bindings"]) == 7
    assert "first 7 rows" in err


@pytest.mark.slow
def test_cli_stops_a_runaway_query(tmp_path: Path) -> None:
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    code, out, err = _run(tmp_path, runaway, HANKEKG_SPARQL_TIMEOUT_S="1")
    assert code == 5, (out, err)
    assert err.startswith("error: ") and err.count("\n") == 1
