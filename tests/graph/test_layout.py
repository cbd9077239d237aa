"""Label/value page parsing."""

from __future__ import annotations

from pathlib import Path

from graph.load.layout import fields_by_key, match_label, parse_fields

SEED = Path(__file__).resolve().parents[2] / "data" / "seeds" / "000_8b420b4dcf17230b.txt"


def _fields(text: str) -> dict[str, str]:
    out = {}
    for f in parse_fields(text):
        assert text[f.start : f.end] == f.value
        out[f.key] = f.value
    return out


def test_seed_label_value_page() -> None:
    fields = _fields(SEED.read_text("utf-8"))
    assert (
        fields["name"]
        == "Kolmannen ja julkisen sektorin palveluyhteistyö monitahoisessa kuntoutuksessa"
    )
    assert fields["name_en"].startswith("Co-operation between non-governmental organizations")
    assert fields["start"] == "2010"
    assert fields["end"] == "2013"
    assert fields["responsible"] == "Pirjo Lehtoranta"
    assert (
        fields["steering"] == "Kuntaliiton, SOSTE:n, TEM:n, Kelan ja Helsingin yliopiston edustajat"
    )
    assert fields["funder"] == "Raha-automaattiyhdistys (RAY)"
    assert fields["summary"].startswith("Hankkeen tavoitteena (1)")
    # empty fields give no value; the next label is never a value
    assert "coordinator" not in fields
    assert "implementer" not in fields
    assert "partner" not in fields


def test_hyphen_broken_label() -> None:
    text = "Hankkeen päätoteuttaja-\norganisaatio\n\nKuntoutussäätiö\n"
    fields = fields_by_key(parse_fields(text))
    assert fields["coordinator"].value == "Kuntoutussäätiö"
    assert fields["coordinator"].label == "Hankkeen päätoteuttaja-\norganisaatio"


def test_locative_qualifier_is_part_of_the_label() -> None:
    text = "Vastuuhenkilö\nKuntoutussäätiössä\n\nRahoittaja\n\nSTEA\n"
    fields = _fields(text)
    assert "responsible" not in fields
    assert fields["funder"] == "STEA"


def test_person_on_the_next_line_is_a_value() -> None:
    text = "Vastuuhenkilö\nPirjo Lehtoranta\n\nRahoittaja\n\nSTEA\n"
    assert _fields(text)["responsible"] == "Pirjo Lehtoranta"


def test_empty_label_before_next_label() -> None:
    text = "Toteuttaja-\norganisaatiot\n\nYhteistyötahot\n\nKela, THL\n"
    fields = _fields(text)
    assert "implementer" not in fields
    assert fields["partner"] == "Kela, THL"


def test_inline_labels_in_english() -> None:
    text = "Project name: Work Ability Coaching\nLead organisation: University of Jyväskylä\nFunder: ESF\nDuration: 2016–2018\n"
    fields = _fields(text)
    assert fields == {
        "name_en": "Work Ability Coaching",
        "coordinator": "University of Jyväskylä",
        "funder": "ESF",
        "duration": "2016–2018",
    }


def test_date_fields_need_a_digit() -> None:
    text = "Alkamisvuosi\n\nMeneillään\n\nRahoittaja\n\nSTEA\n"
    fields = _fields(text)
    assert "start" not in fields


def test_long_text_field_needs_a_sentence() -> None:
    text = "Tiivistelmä\n\nKotisivu\n\nTulokset\n\nJulkaisut\n"
    assert "summary" not in _fields(text)


def test_ordinary_sentences_are_not_labels() -> None:
    text = "Hanke alkoi vuonna 2015.\n\nSe päättyi 2017.\n"
    assert parse_fields(text) == []
    assert match_label("Rahoittaja:") == ("funder", "fi")
    assert match_label("Hankkeen rahoittaja") == ("funder", "fi")
    assert match_label("Steering group") == ("steering", "en")
    assert match_label("Tämä ei ole otsikko") is None


def test_multiline_value_keeps_offsets() -> None:
    text = "Yhteistyötahot\n\nKela\nTHL\nSTM\n\nRahoittaja\n\nSTEA"
    fields = fields_by_key(parse_fields(text))
    assert fields["partner"].value == "Kela\nTHL\nSTM"
    assert text[fields["partner"].start : fields["partner"].end] == "Kela\nTHL\nSTM"
