"""Exports safe to open and one URL rule (issue 23, findings 3 and 4).

* A document titled ``=HYPERLINK(...)`` exported that cell verbatim through the
  UI's CSV link, ``/api/search?format=csv`` and ``hankekg search --format csv``,
  and so did ``+...`` funders: every CSV cell that a spreadsheet would read as a
  formula now starts with ``'`` (OWASP).
* A ``URL: javascript:...`` line of a ``.txt`` and a JSON ``"url": "vbscript:..."``
  were stored and exported: URLs read from inside documents now follow the
  upload form's http(s) rule, and a dropped one is a warning in the ingest report.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.engine import Engine
from api.results_export import COLUMNS, to_csv
from graph.csv_safe import neutralise
from graph.load.loader import load_bytes
from graph.store.results import CSV, select_bytes
from tests.conftest import make_settings

TITLE = '=HYPERLINK("http://evil.example/","x")'
FUNDER = "+Rahoittaja-säätiö"
RECORD = {
    "name": TITLE,
    "description": (
        "Hankkeessa kehitettiin kotihoidon etäkäyntejä ikääntyneille. Hoitajat ja "
        "asiakkaat kokeilivat kuvapuheluita Kuopiossa kahden vuoden ajan."
    ),
    "start": "2019-01-01",
    "end": "2020-12-31",
    "funder": FUNDER,
    "places": ["Kuopio"],
    "url": "vbscript:msgbox(1)",
}
TEXT = (
    "URL: javascript:alert(1)\n"
    "Hanke: Etäkuntoutus kotona\n"
    "Kunta: Joensuu\n\n"
    "Hankkeessa kokeiltiin fysioterapian etäohjausta kotona asuville ikääntyneille Joensuussa."
)


# -- the cell rule --------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell", [TITLE, "+cmd", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1+1", "\r=1+1"]
)
def test_formula_cells_are_neutralised(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-5", "+3.25", "-1e3", "Kuopio", "", "http://x.example/"])
def test_plain_values_and_signed_numbers_pass(cell: str) -> None:
    assert neutralise(cell) == cell


def test_export_csv_neutralises_every_column() -> None:
    row: dict[str, object] = {c: "" for c in COLUMNS}
    row |= {"rank": 1, "name_fi": TITLE, "org_funder": [FUNDER, "Other"], "source_url": ["@x"]}
    parsed = list(csv.DictReader(io.StringIO(to_csv([row]))))[0]
    assert parsed["name_fi"] == "'" + TITLE
    assert parsed["org_funder"] == f"'{FUNDER}; Other"
    assert parsed["source_url"] == "'@x"
    assert parsed["rank"] == "1"


def test_sparql_csv_results_neutralise_formula_literals() -> None:
    rows = [[{"type": "literal", "value": TITLE}, {"type": "literal", "value": "-7"}]]
    parsed = list(csv.reader(io.StringIO(select_bytes(CSV, ["t", "n"], rows).decode())))
    assert parsed[1] == ["'" + TITLE, "-7"]


# -- the URL rule ---------------------------------------------------------------------


def test_javascript_url_line_in_a_text_is_dropped_with_a_warning() -> None:
    doc = load_bytes(TEXT.encode(), name="a.txt", max_bytes=10_000)
    assert doc.url is None
    assert any("javascript:alert(1)" in w and "http(s)" in w for w in doc.warnings)


def test_vbscript_url_in_a_json_record_is_dropped_with_a_warning() -> None:
    doc = load_bytes(json.dumps(RECORD).encode(), name="r.json", max_bytes=10_000)
    assert doc.url is None and doc.warnings


def test_http_url_line_is_kept_without_a_warning() -> None:
    text = TEXT.replace("javascript:alert(1)", "https://hanke.example/etakuntoutus")
    doc = load_bytes(text.encode(), name="a.txt", max_bytes=10_000)
    assert doc.url == "https://hanke.example/etakuntoutus" and not doc.warnings


# -- every export path, end to end ----------------------------------------------------


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, list[str]]]]:
    """A closed home holding the two hostile documents, and the ingest warnings."""
    corpus = tmp_path_factory.mktemp("hostile")
    (corpus / "record.json").write_text(json.dumps(RECORD), "utf-8")
    (corpus / "etakuntoutus.txt").write_text(TEXT, "utf-8")
    path = tmp_path_factory.mktemp("home")
    engine = Engine(make_settings(path))
    try:
        report = engine.ingest_paths([corpus])
        assert not report.failed, report.failed
    finally:
        engine.close()
    yield path, report.warnings


def test_ingest_report_names_the_dropped_urls(home: tuple[Path, dict[str, list[str]]]) -> None:
    warnings = " ".join(w for ws in home[1].values() for w in ws)
    assert "javascript:alert(1)" in warnings and "vbscript:msgbox(1)" in warnings


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_api_csv_and_records_are_safe(
    home: tuple[Path, dict[str, list[str]]], tmp_path: Path
) -> None:
    copy = tmp_path / "home"
    shutil.copytree(home[0], copy)
    engine = Engine(make_settings(copy))
    try:
        with TestClient(create_app(engine=engine)) as client:
            answer = client.get(
                "/api/search", params={"q": "etäkäynnit kotihoito", "format": "csv"}
            )
            assert answer.status_code == 200, answer.text
            rows = _rows(answer.text)
            records = client.get(
                "/api/search", params={"q": "etäkäynnit kotihoito", "format": "records"}
            ).json()
            sparql = client.get(
                "/sparql-ui/download",
                params={
                    "format": "csv",
                    "query": "SELECT ?n WHERE { ?p <https://schema.org/name> ?n }",
                },
            )
    finally:
        engine.close()
    cells = [v for row in rows for v in row.values()]
    assert "'" + TITLE in cells, cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    funders = [row["org_funder"] for row in rows if row["org_funder"]]
    assert all(not f.startswith("+") for f in funders), funders
    # JSON keeps the value as it is (no spreadsheet reads it), but never the bad URL
    assert all(
        "vbscript" not in json.dumps(r) and "javascript" not in json.dumps(r) for r in records
    )
    assert sparql.status_code == 200
    assert not any(
        c.startswith(("=", "+", "@")) for row in csv.reader(io.StringIO(sparql.text)) for c in row
    )
    assert "'" + TITLE in sparql.text.replace('""', '"')


def test_cli_search_csv_is_safe(home: tuple[Path, dict[str, list[str]]], tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from api.cli import app

    copy = tmp_path / "home"
    shutil.copytree(home[0], copy)
    result = CliRunner().invoke(
        app, ["search", "etäkäynnit kotihoito", "--format", "csv"], env={"HANKEKG_HOME": str(copy)}
    )
    assert result.exit_code == 0, result.output
    cells = [v for row in _rows(result.stdout) for v in row.values()]
    assert "'" + TITLE in cells
    assert not any(c.startswith(("=", "+", "@", "-")) and not c[1:2].isdigit() for c in cells)
