"""``hankekg organisations --possible-duplicates``: grouping of likely duplicates."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from graph.language.finnish import morphology
from graph.link.duplicates import find_duplicates, signature


def test_word_order_and_case_differences_are_grouped() -> None:
    rows = [
        ("http://x/id/organisation/a", "Koivulan peruspalvelukuntayhtymä", False),
        ("http://x/id/organisation/b", "Peruspalvelukuntayhtymä Koivula", False),
        ("http://x/id/organisation/c", "Oulun kaupunki", False),
    ]
    groups = find_duplicates(rows)
    assert [g.iris for g in groups] == [
        ("http://x/id/organisation/a", "http://x/id/organisation/b")
    ]


def test_shared_acronym_is_grouped_and_legal_form_ignored() -> None:
    morph = morphology()
    assert signature("Pohjois-Savon Kylät ry", morph) == signature("Pohjois-Savon Kylät", morph)
    rows = [
        ("http://x/id/organisation/ara", "ARA", True),
        ("http://x/id/organisation/ara-2", "ARA", True),
        ("http://x/id/organisation/ara-2", "Asumisen kehittämiskeskus", False),
    ]
    groups = find_duplicates(rows, morph)
    assert len(groups) == 1 and groups[0].reason == "same acronym"


def test_one_iri_is_never_a_duplicate_of_itself() -> None:
    rows = [
        ("http://x/id/organisation/kela", "Kela", True),
        ("http://x/id/organisation/kela", "Kansaneläkelaitos", False),
    ]
    assert find_duplicates(rows) == []


def test_a_name_with_a_proper_name_added_is_grouped() -> None:
    rows = [
        ("http://x/id/organisation/finnish-innovation-fund", "Finnish Innovation Fund", False),
        ("http://x/id/organisation/kasvusto", "Kasvusto Sitra", False),
        ("http://x/id/organisation/sitra-x", "Finnish Innovation Fund Sitra", False),
        ("http://x/id/organisation/hel", "Helsingin kaupunki", False),
        ("http://x/id/organisation/hel-sos", "Helsingin kaupungin sosiaalivirasto", False),
    ]
    groups = find_duplicates(rows)
    assert [g.iris for g in groups] == [
        ("http://x/id/organisation/finnish-innovation-fund", "http://x/id/organisation/sitra-x")
    ]
    assert groups[0].reason == "one name is the other with a proper name added"


@pytest.mark.slow
def test_cli_lists_possible_duplicates_across_documents(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(
        "TITLE: Arki-hanke\n\nArki-hanke toteutettiin vuosina 2018–2019. Hankkeessa "
        "työskenteli Koivulan peruspalvelukuntayhtymän henkilöstöä.\n",
        encoding="utf-8",
    )
    (docs / "b.txt").write_text(
        "TITLE: Polku-hanke\n\nPolku-hanke toteutettiin vuosina 2020–2021. Mukana oli "
        "Peruspalvelukuntayhtymä Koivula ja Etelä-Savon Kylät ry.\n",
        encoding="utf-8",
    )
    env = {"HANKEKG_HOME": str(tmp_path / "home")}
    runner = CliRunner()
    ingest = runner.invoke(app, ["ingest", str(docs)], env=env)
    assert ingest.exit_code == 0, ingest.output
    result = runner.invoke(app, ["organisations", "--possible-duplicates"], env=env)
    assert result.exit_code == 0, result.output
    assert "koivulan-peruspalvelukuntayhtyma" in result.output
    assert "peruspalvelukuntayhtyma-koivula" in result.output
    listing = runner.invoke(app, ["organisations"], env=env)
    assert "Etelä-Savon Kylät ry" in listing.output
