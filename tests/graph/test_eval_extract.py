"""Scoring of ``hankekg eval-extract``: the README's lenient matching, per-entity
micro counts, and the command end to end on a corpus written for this test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from graph.errors import DocumentError
from graph.eval.extract import Score, gold_fields, load_gold, names_match, score_field
from graph.eval.fields import load_amounts


def test_lenient_match_ignores_case_punctuation_and_legal_form() -> None:
    assert names_match("Pohjois-Savon Kylät ry", "pohjois-savon kylät")
    assert names_match("SOSTE", "SOSTE Suomen sosiaali ja terveys ry")
    assert names_match("Helsingin kaupungin sosiaalivirasto", "Helsingin kaupunki sosiaalivirasto")
    assert not names_match("Oulun kaupunki", "Tampereen yliopisto")
    assert not names_match("ry", "Oy")


def test_an_entity_with_many_names_counts_once() -> None:
    score = Score()
    kela = frozenset({"Kansaneläkelaitos", "Kela", "Social Insurance Institution"})
    spurious = score_field([kela, frozenset({"Acme Oy"})], ["Kela", "Tampereen kaupunki"], score)
    assert (score.tp, score.fp, score.fn) == (1, 1, 1)
    assert spurious == [frozenset({"Acme Oy"})]
    assert round(score.f1, 2) == 0.5


def test_exact_match_is_not_stolen_by_a_lenient_one() -> None:
    score = Score()
    predicted = [frozenset({"Oulun kaupunki"}), frozenset({"Oulu"})]
    score_field(predicted, ["Oulu", "Oulun kaupunki"], score)
    assert (score.tp, score.fp, score.fn) == (2, 0, 0)


def test_null_gold_fields_are_empty_and_years_are_two_items() -> None:
    record = {
        "doc": "x",
        "start_year": 2019,
        "end_year": None,
        "organisations": None,
        "funders": None,
        "municipalities": ["Oulu"],
        "regions": ["Lappi"],
        "people": None,
    }
    fields = gold_fields(record)
    assert fields["years"] == ["start:2019"]
    assert fields["places"] == ["Oulu", "Lappi"]
    assert fields["organisations"] == []


def test_eval_extract_command_scores_both_systems(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "d900.txt").write_text(
        "URL: https://example.org/hanke\nTITLE: Kokeiluhanke\n\n"
        "Kokeiluhanke toteutettiin vuosina 2018–2020 Oulussa. Hanketta rahoitti "
        "Kansaneläkelaitos. Projektipäällikkö Maija Meikäläinen.\n",
        encoding="utf-8",
    )
    facts = tmp_path / "facts.jsonl"
    gold = {
        "doc": "d900",
        "project_names": ["Kokeiluhanke"],
        "start_year": 2018,
        "end_year": 2020,
        "organisations": ["Kela"],
        "funders": ["Kela"],
        "municipalities": ["Oulu"],
        "regions": None,
        "people": ["Maija Meikäläinen"],
        "themes": None,
    }
    facts.write_text(json.dumps(gold, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        app,
        ["eval-extract", "--corpus", str(corpus), "--facts", str(facts), "--json", str(out)],
        env={"HANKEKG_HOME": str(tmp_path / "home")},
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    systems = {s["system"]: s["fields"] for s in report["systems"]}
    assert set(systems) == {"hankekg", "spacy-fi-ner"}
    ours = systems["hankekg"]
    assert ours["funders"]["tp"] == 1 and ours["funders"]["fp"] == 0
    assert ours["years"]["f1"] == 1.0
    assert ours["places"]["tp"] == 1
    assert "organisations" in result.output


def test_eval_extract_refuses_a_missing_gold_document(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    facts = tmp_path / "facts.jsonl"
    facts.write_text('{"doc": "d901"}\n', encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["eval-extract", "--corpus", str(tmp_path / "corpus"), "--facts", str(facts)],
    )
    assert result.exit_code != 0
    assert "d901" in result.output


def test_themes_match_leniently_as_the_dev_readme_says() -> None:
    from graph.eval.fields import themes_match

    assert themes_match("Lastensuojelu", "lastensuojelu.")
    assert themes_match("perhetyö", "lastensuojelun perhetyö")  # contained, 5+ letters
    assert themes_match("omaishoitajat", "omaishoito")  # the first 6 letters shared
    assert not themes_match("työ", "työllisyys")  # too short to contain
    assert not themes_match("asuminen", "asunnottomuus")


def test_amounts_and_programme_totals_are_scored() -> None:
    from graph.eval.extract import SystemReport

    report = SystemReport("x")
    gold: dict[str, list[str] | None] = dict.fromkeys(
        ("organisations", "funders", "places", "years", "people", "themes")
    )
    gold["amounts"] = ["149996.5", "500000"]
    predicted = {
        "amounts": [frozenset({"149996.50"}), frozenset({"14200000"}), frozenset({"100000"})]
    }
    report.add("d1", predicted, gold, programme_totals=["14200000"])
    score = report.scores["amounts"]
    assert (score.tp, score.fp, score.fn) == (1, 2, 1)
    assert report.programme_totals_given == 1
    # Fields without gold are not scored at all.
    assert report.scores["organisations"].fp == 0 and report.scores["themes"].tp == 0


def test_the_lexical_peer_ranks_labels_by_weighted_frequency() -> None:
    from graph.eval.lexical_subjects import LexicalIndexer

    indexer = LexicalIndexer(
        [
            ("y:1", "yksinäisyys", ["yksinäisyys", "loneliness"]),
            ("y:2", "ikääntyneet", ["ikääntyneet", "older people"]),
            ("y:3", "hanke", ["hanke"]),
        ]
    )
    text = (
        "Loneliness among older people. The project reduces loneliness. "
        "Yksinäisyyttä lievitetään, ja hanke tukee ikääntyneitä."
    )
    assert indexer.suggest(text, limit=5, min_count=2) == ["yksinäisyys", "ikääntyneet"]
    assert indexer.suggest(text, limit=1, min_count=2) == ["yksinäisyys"]


def test_gold_files_skip_blank_lines_and_name_a_bad_line_or_file(tmp_path: Path) -> None:
    facts = tmp_path / "facts.jsonl"
    facts.write_text('{"doc": "d001", "people": ["Aino Aalto"]}\n\n', "utf-8")
    assert load_gold(facts)["d001"]["people"] == ["Aino Aalto"]
    amounts = tmp_path / "amounts.jsonl"
    amounts.write_text('\n{"doc": "d002", "amounts": [120000]}\n{"doc": oops}\n', "utf-8")
    with pytest.raises(DocumentError, match=r"amounts\.jsonl:3: not JSON"):
        load_amounts(amounts)
    with pytest.raises(DocumentError, match="cannot read facts file .*missing.jsonl"):
        load_gold(tmp_path / "missing.jsonl")
    amounts.write_text('{"doc": "d002", "amounts": [120000]}\n', "utf-8")
    assert load_amounts(amounts)["d002"] == {"amounts": ["120000"], "programme_totals": []}
