"""Issue 12: organisations named in passing are not participants, one organisation
keeps one identity, and people in author lists and registers are found. Every test
runs on fixture text written for it."""

from __future__ import annotations

from rdflib import URIRef

from graph.extract import Extractor
from graph.extract.participants import in_passing
from graph.iris import Iris
from graph.load.loader import load_bytes
from graph.model import Extraction
from graph.vocab import HK, SCHEMA


def _extract(extractor: Extractor, iris: Iris, text: str) -> Extraction:
    doc = load_bytes(text.encode(), name="p.txt", max_bytes=1_000_000)
    return extractor.extract(doc, iris.document(doc.sha256))


def _objects(ex: Extraction, *predicates: URIRef) -> set[URIRef]:
    p = ex.project_iris[0]
    return {
        f.object  # type: ignore[misc]
        for f in ex.facts
        if f.subject == p and f.predicate in predicates
    }


def _names(ex: Extraction, iris: set[URIRef]) -> set[str]:
    return {
        str(f.object)
        for f in ex.facts
        if f.subject in iris and f.predicate in (SCHEMA.name, SCHEMA.alternateName)
    }


def _people(ex: Extraction) -> set[str]:
    return _names(ex, _objects(ex, HK.person, HK.contactPerson, HK.responsiblePerson))


PUBLISHED = """TITLE: Kotiin kuntoutus -hanke

Kotiin kuntoutus -hanke 2018–2020. Taitto: Kaisa Laine, Painotalo Kirjava Oy
Kirjoittajat ja Terveyden ja hyvinvoinnin laitos ISBN 978-952-00-0000-0
Kuntoutusalan Tietokeskus, Tampere 2020
Hankkeen toteutti Pirkan Kylät ry. Hankkeessa olivat mukana myös Kehitysvammaliitto ja
Kela lähti mukaan kokeiluun. Asiakkaita oli Kelan tilastojen mukaan noin 300. Sosiaali- ja
terveysministeriö määrittelee kuntoutuksen laajasti (STM 2016), ja Ympäristöministeriön
raportteja 3/2015 kuvaa asumista.
"""


def test_publisher_imprint_and_credits_are_not_participants(
    extractor: Extractor, iris: Iris
) -> None:
    ex = _extract(extractor, iris, PUBLISHED)
    participants = _objects(ex, HK.participant)
    names = _names(ex, participants)
    assert iris.organisation("thl") not in participants
    assert not any("Kirjava" in n or "Tietokeskus" in n for n in names)
    # Named in the text as taking part: still participants.
    assert "Pirkan Kylät ry" in names
    assert iris.organisation("kehitysvammaliitto") in participants


def test_cited_sources_and_sources_of_statistics_are_not_participants(
    extractor: Extractor, iris: Iris
) -> None:
    ex = _extract(extractor, iris, PUBLISHED)
    participants = _objects(ex, HK.participant)
    assert iris.organisation("stm") not in participants  # a definition and a citation
    assert iris.organisation("ym") not in participants  # a publication series
    # "Kela lähti mukaan" is taking part; "Kelan tilastojen mukaan" alone would not be.
    assert iris.organisation("kela") in participants


def test_in_passing_reads_the_words_around_a_mention() -> None:
    text = "Tietoa antoi Kelan tilastojen mukaan moni. Kela lähti mukaan."
    assert in_passing(text, text.index("Kelan"), text.index("Kelan") + 5)
    assert not in_passing(text, text.rindex("Kela"), text.rindex("Kela") + 4)
    text = "Lähde: Sosiaali- ja terveysministeriö 2019, s. 4."
    assert in_passing(text, 7, 37)
    text = "Painopaikka: Kirjapaino Oy, Helsinki. Kuvat: Tuulikki Kallio"
    assert in_passing(text, 13, 26)


def test_acronym_in_a_heading_written_in_capitals_is_not_an_organisation(
    extractor: Extractor, iris: Iris
) -> None:
    text = (
        "TITLE: Työpajat nuorille -hanke\n\nSISÄLLYS JOHDANTO NUORTEN OMA POLKU: TYÖPAJAT "
        "Työpajat nuorille -hanke toteutettiin vuosina 2017–2019 Lahdessa.\n"
    )
    ex = _extract(extractor, iris, text)
    assert iris.organisation("oma") not in _objects(ex, HK.participant)


def test_heading_in_capitals_with_a_legal_form_is_not_a_name(
    extractor: Extractor, iris: Iris
) -> None:
    text = (
        "TITLE: Perhetyön kehittämisyksikkö\n\n1 LAUKAALA Oy PORA Ab PERHETYÖN KEHITTÄMISYKSIKKÖ "
        "HANKESUUNNITELMA\nHanketta toteuttavat Laukaan kunta ja Pohjanrannan sosiaalialan "
        "osaamiskeskus Oy PORA Ab vuosina 2018–2020.\n"
    )
    ex = _extract(extractor, iris, text)
    participants = _objects(ex, HK.participant)
    assert iris.organisation("laukaala") not in participants
    # "PORA Ab" after the full name with its legal form is the same organisation.
    assert iris.organisation("pora") not in participants
    assert iris.organisation("pora ab") not in participants
    pora = [o for o in participants if any("Pohjanrannan" in n for n in _names(ex, {o}))]
    assert len(pora) == 1
    assert "PORA" in _names(ex, set(pora))


def test_legal_form_does_not_split_a_known_organisation(extractor: Extractor, iris: Iris) -> None:
    text = (
        "TITLE: Ohjaus-hanke\n\nHankkeen nimi: Ohjaus-hanke\n\nOsatoteuttajat\n\n"
        "Jyväskylän ammattikorkeakoulu Oy, 1234567-8\n\nKesto: 2019–2021\n"
    )
    ex = _extract(extractor, iris, text)
    implementers = _objects(ex, HK.implementer)
    assert iris.organisation("jamk") in implementers
    assert len(implementers) == 1


def test_people_listed_after_a_person_are_found(extractor: Extractor, iris: Iris) -> None:
    """NER cuts "Liisa Tapio & Eila Kivikangas" into one span; the list rule reads on."""
    text = (
        "TITLE: Nuorten polut -hanke\n\n1 Arviointiraportti 2004:3 Aino Kettunen & Liisa "
        "Tapio & Eila Kivikangas Nuorten polut Helsinki 2004. Nuorten polut -hanke "
        "toteutettiin vuosina 2001–2003.\n"
    )
    people = _people(_extract(extractor, iris, text))
    assert {"Aino Kettunen", "Liisa Tapio", "Eila Kivikangas"} <= people
    assert not any("Nuorten" in p for p in people)


def test_surname_first_names_in_registers_are_one_person(extractor: Extractor, iris: Iris) -> None:
    text = (
        "TITLE: Perhekeskus-hanke\n\nHankkeen nimi: Perhekeskus-hanke\n\n"
        "Tekijä: Kettunen Aino; Lehtovaara Pekka\n\n"
        "Hankkeen yhteyshenkilön nimi: Honkala Sirpa\n\nKesto: 2019–2021\n"
    )
    ex = _extract(extractor, iris, text)
    assert {"Aino Kettunen", "Pekka Lehtovaara", "Sirpa Honkala"} <= _people(ex)
    assert iris.person("Sirpa Honkala") in _objects(ex, HK.contactPerson)


def test_cooperation_area_is_an_organisation_unless_it_is_where(
    extractor: Extractor, iris: Iris
) -> None:
    text = (
        "TITLE: Kotihoito-hanke\n\nKotihoito-hanke toteutettiin vuosina 2015–2017. Kokeiluun "
        "osallistuivat Porin yhteistoiminta-alue ja Raahen kaupunki. Palveluja saivat "
        "Kokkolan yhteistoiminta-alueella asuvat ikäihmiset.\n"
    )
    ex = _extract(extractor, iris, text)
    names = _names(ex, _objects(ex, HK.participant))
    assert "Porin yhteistoiminta-alue" in names
    assert not any("Kokkolan" in n for n in names)


def test_people_in_credits_and_thesis_supervisors_are_not_project_people(
    extractor: Extractor, iris: Iris
) -> None:
    text = (
        "TITLE: Asumisen tuki -hanke\n\nAsumisen tuki -hanke 2012–2014. Tekijä: Aino Kettunen "
        "Ohjaaja: Pekka Lehtovaara Vuosi: 2014\nKansikuva: Kuvapankki / Sirpa Honkala\n"
        "Hankkeen projektipäällikkö oli Liisa Tapio.\n"
    )
    people = _people(_extract(extractor, iris, text))
    assert "Liisa Tapio" in people
    assert "Pekka Lehtovaara" not in people
    assert "Sirpa Honkala" not in people


def test_report_of_work_without_the_word_hanke_yields_a_project(
    extractor: Extractor, iris: Iris
) -> None:
    """A report or a municipal programme page is about organised work too; its
    funders are found ("kotouttamisohjelma", "X:n rahoittamana")."""
    text = (
        "TITLE: Nuorten työpajat Suomessa\n\nNuorten työpajat Suomessa. Julkaisu on tehty "
        "sosiaali- ja terveysministeriön (Pirkan Kylät ry) ja Kelan (Kehitysvammaliitto) "
        "rahoittamana Pohjois-Savon Kylät ry, Kehitysvammaliitto ja kirjoittajat.\n"
    )
    ex = _extract(extractor, iris, text)
    assert ex.project_iris
    funders = _objects(ex, SCHEMA.funder)
    assert {iris.organisation("stm"), iris.organisation("kela")} <= funders
    # The asides in parentheses and the names after "rahoittamana" are not funders.
    assert iris.organisation("kehitysvammaliitto") not in funders
    assert not any("Kylät" in n for n in _names(ex, funders))


def test_plural_acronym_and_heading_word_are_not_organisations(
    extractor: Extractor, iris: Iris
) -> None:
    text = (
        "TITLE: Youth hubs programme\n\nThe Youth hubs programme started in 2015. Some hubs "
        "work in partnership with NGOs and employers. 7 YHTEISTYÖ ERI ALOJEN KESKEN\n"
    )
    ex = _extract(extractor, iris, text)
    names = _names(ex, _objects(ex, HK.participant))
    assert "NGOs" not in names
    assert "ALOJEN" not in names


def test_owner_of_a_policy_programme_is_not_a_participant(extractor: Extractor, iris: Iris) -> None:
    text = (
        "TITLE: Home First project\n\nFor decades, Finnish Government programmes have aimed to "
        "reduce homelessness. The Home First project ran from 2016 to 2018 in Tampere and was "
        "carried out by the University of Lapland.\n"
    )
    ex = _extract(extractor, iris, text)
    participants = _objects(ex, HK.participant)
    assert iris.organisation("valtioneuvosto") not in participants
    assert iris.organisation("lapin_yliopisto") in participants
