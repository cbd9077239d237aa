"""The gazetteer linker: inflected names to reference IRIs, and free-text scans."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.iris import Iris
from graph.link.linker import Linker
from graph.link.reference import load_reference
from graph.vocab import SCHEMA

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"
IRIS = Iris("http://localhost:8000/")


@pytest.fixture(scope="module")
def linker() -> Linker:
    return Linker(load_reference(REFERENCE_DIR), IRIS)


@pytest.mark.parametrize(
    ("mention", "key"),
    [
        ("Rovaniemellä", "698"),
        ("Lapissa", "region-19"),
        ("Lapin", "region-19"),
        ("Keski-Suomessa", "region-13"),
        ("Vantaalla", "092"),
        ("Oulun seudulla", "subregion-171"),
        ("Jyväskylän seudulla", "subregion-131"),
        ("KUUMA-kunnissa", "kuuma"),
        ("Kuuma-seudulla", "kuuma"),
        ("Itä-Helsingissä", "091"),
        ("Lapland", "region-19"),
        ("Central Finland", "region-13"),
        ("South Ostrobothnia", "region-14"),
        ("Helsingfors", "091"),
        ("Uudellamaalla", "region-01"),
        ("Lapin maakunnassa", "region-19"),
        ("Lapin hyvinvointialueella", "wellbeing-21"),
        ("Järviseudulla", "subregion-146"),
        ("Paraisilla", "445"),
        ("Rovaniemen kaupungissa", "698"),
        ("lapissa", "region-19"),
    ],
)
def test_link_place(linker: Linker, mention: str, key: str) -> None:
    link = linker.link_place(mention)
    assert link is not None, mention
    assert link.key == key
    assert link.iri == IRIS.place(key)


@pytest.mark.parametrize(
    "mention",
    [
        "Navigation",
        "Omat työkalut",
        "salo",
        "1.11.13",
        "4.9.13",
        "Lapin korkeakoulukonserni",
    ],
)
def test_link_place_rejects(linker: Linker, mention: str) -> None:
    assert linker.link_place(mention) is None


def test_country_is_a_place_that_contains_every_municipality_but_no_vague_area(
    linker: Linker,
) -> None:
    finland = linker.link_place("Suomi")
    assert finland is not None and finland.kind == "country"
    inside = linker.expand_place(finland.iri)
    assert linker.iris.place("091") in inside and linker.iris.place("region-19") in inside
    # an area with no fixed members is not inside everything
    assert linker.iris.place("area-ita-suomi") not in inside


def test_place_links_carry_member_codes(linker: Linker) -> None:
    kuuma = linker.link_place("KUUMA-kunnissa")
    assert kuuma is not None and kuuma.kind == "group"
    assert len(kuuma.member_codes) == 10 and "245" in kuuma.member_codes
    rovaniemi = linker.link_place("Rovaniemellä")
    assert rovaniemi is not None and rovaniemi.member_codes == ("698",)
    assert rovaniemi.label == "Rovaniemi" and rovaniemi.kind == "municipality"


@pytest.mark.parametrize(
    ("mention", "key"),
    [
        ("Kuntaliiton", "kuntaliitto"),
        ("SOSTE:n", "soste"),
        ("TEM:n", "tem"),
        ("Työ- ja elinkeinoministeriön", "tem"),
        ("Kelan", "kela"),
        ("KELA", "kela"),
        ("Helsingin yliopiston", "helsingin_yliopisto"),
        ("Raha-automaattiyhdistys (RAY)", "ray"),
        ("Raha-automaattiyhdistykseltä", "ray"),
        ("RAY:n", "ray"),
        ("STEA:n", "stea"),
        ("Social Insurance Institution", "kela"),
        ("Association of Finnish Municipalities", "kuntaliitto"),
        ("University of Helsinki", "helsingin_yliopisto"),
        ("Kuntoutussäätiössä", "kuntoutussaatio"),
        ("Lapin AMK:n", "lapin_amk"),
        ("Sosiaali- ja terveysministeriö", "stm"),
        # the full name followed by the acronym, without parentheses
        ("Sosiaali- ja terveysjärjestöjen avustuskeskus STEA", "stea"),
        ("Raha-automaattiyhdistys RAY:n", "ray"),
    ],
)
def test_link_organisation(linker: Linker, mention: str, key: str) -> None:
    link = linker.link_organisation(mention)
    assert link is not None, mention
    assert link.kind == "organisation"
    assert link.key == key
    assert link.iri == IRIS.organisation(key)


@pytest.mark.parametrize(
    "mention", ["Rovaniemen kaupunki", "Rovaniemen kaupungin", "City of Rovaniemi"]
)
def test_municipal_organisation(linker: Linker, mention: str) -> None:
    link = linker.link_organisation(mention)
    assert link is not None
    assert link.iri == IRIS.organisation("rovaniemen-kaupunki")
    assert link.label == "Rovaniemen kaupunki"
    assert link.label_en == "City of Rovaniemi"
    assert link.location == IRIS.place("698")
    assert link.generated
    triples = linker.describe(link)
    assert (link.iri, SCHEMA.location, IRIS.place("698")) in triples
    assert (
        link.iri,
        SCHEMA.name,
        link.label and __import__("rdflib").Literal("Rovaniemen kaupunki", lang="fi"),
    ) in triples


@pytest.mark.parametrize(
    "mention",
    ["Lapin korkeakoulukonserni", "Navigation", "Omat työkalut", "Lapin", "Savotta-hanke"],
)
def test_unknown_organisations_are_none(linker: Linker, mention: str) -> None:
    assert linker.link_organisation(mention) is None


def test_wellbeing_county_is_also_an_organisation(linker: Linker) -> None:
    link = linker.link_organisation("Lapin hyvinvointialueen")
    assert link is not None and link.kind == "wellbeing_county"
    assert link.iri == IRIS.place("wellbeing-21")


def test_related_organisations_both_ways(linker: Linker) -> None:
    assert "stea" in linker.related_organisations("ray")
    assert "ray" in linker.related_organisations("stea")
    assert "ray" not in linker.related_organisations("ray")
    family = linker.organisation_family(IRIS.organisation("stea"))
    assert family == {IRIS.organisation("stea"), IRIS.organisation("ray")}


def test_expand_place(linker: Linker) -> None:
    kuuma = linker.expand_place(IRIS.place("kuuma"))
    assert IRIS.place("kuuma") in kuuma and IRIS.place("245") in kuuma
    # the Keski-Uusimaa wellbeing county lies wholly inside KUUMA
    assert IRIS.place("wellbeing-2") in kuuma
    assert len(kuuma) == 12
    lappi = linker.expand_place(IRIS.place("region-19"))
    assert IRIS.place("698") in lappi
    assert IRIS.place("subregion-191") in lappi  # a sub-region inside the region
    assert IRIS.place("wellbeing-21") in lappi
    assert IRIS.place("091") not in lappi
    assert linker.expand_place(IRIS.place("698")) == {IRIS.place("698")}


def _found(linker: Linker, text: str, strict: bool = True) -> list[tuple[str, str]]:
    out = []
    for m in linker.find_all(text, strict=strict):
        assert text[m.start : m.end] == m.surface
        out.append((m.surface, m.link.key))
    return out


def test_find_all_steering_group_sentence(linker: Linker) -> None:
    text = "Ohjausryhmän jäsenet\n\nKuntaliiton, SOSTE:n, TEM:n, Kelan ja Helsingin yliopiston edustajat"
    assert _found(linker, text) == [
        ("Kuntaliiton", "kuntaliitto"),
        ("SOSTE:n", "soste"),
        ("TEM:n", "tem"),
        ("Kelan", "kela"),
        ("Helsingin yliopiston", "helsingin_yliopisto"),
    ]


def test_find_all_places_in_running_text(linker: Linker) -> None:
    text = (
        "Kehittämistyössä painottui Jyväskylän seudulla tehty yhteistyö. "
        "KUUMA-kunnissa tapahtuneen yhteiskehittämisen anti oli suuri. "
        "Malli on otettu käyttöön Rovaniemellä ja Itä-Helsingissä."
    )
    assert _found(linker, text) == [
        ("Jyväskylän seudulla", "subregion-131"),
        ("KUUMA-kunnissa", "kuuma"),
        ("Rovaniemellä", "698"),
        ("Itä-Helsingissä", "091"),
    ]


def test_find_all_org_context_wins_over_place(linker: Linker) -> None:
    text = "Lapin korkeakoulukonsernin Savotta-hankkeessa Lappiin rakennetaan opetusta."
    assert _found(linker, text) == [("Lappiin", "region-19")]
    found = _found(linker, "Rovaniemen kaupungin henkilöstölle järjestettiin koulutus.")
    assert found == [("Rovaniemen kaupungin", "rovaniemen-kaupunki")]


def test_find_all_ignores_site_chrome_and_dates(linker: Linker) -> None:
    text = "Siirry sisältöön. | Siirry navigointiin\n\nOmat työkalut\n\nNavigation\n\n28.8.13, 4.9.13 ja 1.11.13"
    assert _found(linker, text) == []


def test_find_all_common_words_are_not_places(linker: Linker) -> None:
    # lower-case common words: "salo" (wilderness), "kemi" does not occur, "pellossa" (in a field)
    assert _found(linker, "Talo oli keskellä saloa ja pellossa kasvoi ohraa.") == []
    # sentence-initial common word: "Pellossa" = in a field
    assert _found(linker, "Pellossa kasvoi ohraa. Lahdessa ui kaloja.") == []
    # mid-sentence capitalised: the municipalities
    assert _found(linker, "Hanke toteutettiin Salossa, Pellossa ja Raahessa.") == [
        ("Salossa", "734"),
        ("Pellossa", "854"),
        ("Raahessa", "678"),
    ]
    # a value on its own line is a name even at the start of a line
    assert _found(linker, "Kunta\nSalo\n") == [("Salo", "734")]


def test_find_all_not_inside_words_or_names(linker: Linker) -> None:
    assert _found(linker, "Lapinlahden kunta ja Kemijärven kaupunki") == [
        ("Lapinlahden kunta", "lapinlahden-kunta"),
        ("Kemijärven kaupunki", "kemijarven-kaupunki"),
    ]
    # a person's name, not a place
    assert _found(linker, "Yhteyshenkilö on Kaarina Virtanen.") == []
    # roman numerals are not Ii
    assert _found(linker, "Hankkeen vaihe II alkoi.") == []


def test_find_all_acronyms_need_capitals(linker: Linker) -> None:
    assert _found(linker, "Säteen ray osui maahan.") == []
    assert _found(linker, "Hanke sai RAY:n avustusta ja STEA-rahoitusta.") == [
        ("RAY:n avustusta", "ray"),
        ("STEA-rahoitusta", "stea"),
    ]


def test_find_all_english_and_swedish(linker: Linker) -> None:
    text = "Work ability assessment in Lapland and Central Finland, funded by the Social Insurance Institution."
    assert _found(linker, text) == [
        ("Lapland", "region-19"),
        ("Central Finland", "region-13"),
        ("Social Insurance Institution", "kela"),
    ]
    assert _found(linker, "Projektet i Helsingfors stad") == [
        ("Helsingfors stad", "helsingin-kaupunki")
    ]


def test_find_all_lenient_for_queries(linker: Linker) -> None:
    assert _found(linker, "työkyvyn arviointi lapissa ja kelan kuntoutus", strict=False) == [
        ("lapissa", "region-19"),
        ("kelan", "kela"),
    ]
    assert _found(linker, "salo ja korpi", strict=False) == []


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("projects in central Finland", "Keski-Suomi"),
        ("work in northern Ostrobothnia", "Pohjois-Pohjanmaa"),
        ("a pilot in Lapland", "Lappi"),
        ("ett projekt i Helsingfors", "Helsinki"),
    ],
)
def test_english_and_swedish_place_forms_resolve(linker: Linker, text: str, label: str) -> None:
    """Issue 12: "central Finland" (a lower-case direction word) found no region."""
    assert label in [m.link.label for m in linker.find_all(text)]
