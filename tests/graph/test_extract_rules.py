"""Extraction rules on short texts written for the purpose: titles, dates,
organisation roles, chrome and NER mistakes."""

from __future__ import annotations

from rdflib import Literal, URIRef

from graph.extract import Extractor, chrome_spans, clean_title, sentence_spans
from graph.iris import Iris
from graph.load.loader import load_bytes
from graph.model import Extraction
from graph.vocab import HK, RDF, SCHEMA, XSD


def run(extractor: Extractor, iris: Iris, text: str, name: str = "t.txt") -> Extraction:
    doc = load_bytes(text.encode("utf-8"), name=name, max_bytes=1_000_000)
    return extractor.extract(doc, iris.document(doc.sha256))


def objects(x: Extraction, predicate: URIRef) -> set:
    p = x.project_iris[0]
    return {f.object for f in x.facts if f.subject == p and f.predicate == predicate}


def test_clean_title_strips_glued_navigation() -> None:
    assert (
        clean_title("Omat työkalutTyöikäisten kuntoutus (Rovaniemi)")
        == "Työikäisten kuntoutus (Rovaniemi)"
    )
    assert clean_title("Hyvä arki -hanke | Järjestöportaali") == "Hyvä arki -hanke"
    # camel case inside a real name stays
    assert clean_title("PaKaste2-hankkeen loppuraportti") == "PaKaste2-hankkeen loppuraportti"
    # a word that merely starts like a navigation word is not chrome
    assert clean_title("Hakuprosessin kehittäminen") == "Hakuprosessin kehittäminen"
    assert clean_title("EtusivuHankkeen nimi") == "Hankkeen nimi"


def test_chrome_lines_are_found() -> None:
    text = "Siirry sisältöön. | Siirry navigointiin\n\nNavigation\n\nHanke X\n\nTietoa virtu.fi:stä"
    spans = [text[s:e] for s, e in chrome_spans(text)]
    assert spans == ["Siirry sisältöön. | Siirry navigointiin", "Navigation", "Tietoa virtu.fi:stä"]


def test_sentences_do_not_split_at_abbreviations() -> None:
    text = "Erityisiksi haasteiksi ko. asiakaskunnan kohdalla täsmentyi jatkuvuus. Toinen lause."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Erityisiksi haasteiksi ko. asiakaskunnan kohdalla täsmentyi jatkuvuus.",
        "Toinen lause.",
    ]


def test_start_and_end_cues(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor,
        iris,
        "Arjen askeleet\n\nArjen askeleet -hanke alkoi syksyllä 2014 Oulussa. Hanke päättyy 31.12.2016.",
    )
    assert objects(x, SCHEMA.startDate) == {Literal("2014", datatype=XSD.gYear)}
    assert objects(x, SCHEMA.endDate) == {Literal("2016-12-31", datatype=XSD.date)}
    assert objects(x, HK.status) == {HK.StatusEnded}


def test_ongoing_status(extractor: Extractor, iris: Iris) -> None:
    x = run(extractor, iris, "Hankkeen nimi\n\nTulevaisuuden tuki\n\nKesto\n\n2024–2027\n")
    assert objects(x, HK.status) == {HK.StatusOngoing}


def test_roles_from_inflected_acronyms(extractor: Extractor, iris: Iris) -> None:
    text = (
        "Liikkuva tuki\n\nLiikkuva tuki -hanke on STEA:n rahoittama. Hanketta hallinnoi THL, "
        "ja se toteutetaan yhteistyössä Kelan ja TTL:n kanssa Vantaalla."
    )
    x = run(extractor, iris, text)
    assert objects(x, SCHEMA.funder) == {iris.organisation("stea")}
    assert objects(x, HK.coordinator) == {iris.organisation("thl")}
    assert objects(x, HK.partner) == {iris.organisation("kela"), iris.organisation("ttl")}
    assert objects(x, SCHEMA.areaServed) == {iris.place("092")}


def test_funder_acronym_before_hanke_is_not_a_project(extractor: Extractor, iris: Iris) -> None:
    x = run(extractor, iris, "Osaava ohjaus\n\nOsaava ohjaus on ESR-hanke, jota hallinnoi Diak.")
    assert not objects(x, HK.relatedProject)
    assert objects(x, HK.coordinator) == {iris.organisation("diak")}


def test_unknown_organisation_with_role_is_minted(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor, iris, "Kylän voima\n\nKylän voima -hanketta hallinnoi Pohjois-Savon Kylät ry."
    )
    coordinators = objects(x, HK.coordinator)
    assert len(coordinators) == 1
    org = next(iter(coordinators))
    names = {str(f.object) for f in x.facts if f.subject == org and f.predicate == SCHEMA.name}
    assert names == {"Pohjois-Savon Kylät ry"}
    assert SCHEMA.Organization in {
        f.object for f in x.facts if f.subject == org and f.predicate == RDF.type
    }


def test_places_in_several_cases(extractor: Extractor, iris: Iris) -> None:
    text = (
        "Yhdessä eteenpäin\n\nYhdessä eteenpäin -hanke toimi Lapissa, Oulun seudulla, Keski-Suomessa, "
        "Vantaalla ja Itä-Helsingissä."
    )
    x = run(extractor, iris, text)
    assert objects(x, SCHEMA.areaServed) == {
        iris.place("region-19"),
        iris.place("subregion-171"),
        iris.place("region-13"),
        iris.place("092"),
        iris.place("091"),
    }


def test_dates_are_never_persons(extractor: Extractor, iris: Iris) -> None:
    text = "Koulutus\n\nHankkeen päätyttyä 1.11.13 alkaen työ jatkuu. Tapaamiset 4.9.13 ja 28.8.13 pidettiin."
    x = run(extractor, iris, text)
    persons = {f.subject for f in x.facts if f.predicate == RDF.type and f.object == SCHEMA.Person}
    assert persons == set()


def test_no_project_gives_warning(extractor: Extractor, iris: Iris) -> None:
    x = run(extractor, iris, "Kuntaliitto ja Kela tiedottavat.\n\nTilaisuus pidetään Oulussa.")
    assert x.project_iris == [] and x.warnings
    mentioned = {f.object for f in x.facts if f.predicate == SCHEMA.mentions}
    assert {
        iris.organisation("kuntaliitto"),
        iris.organisation("kela"),
        iris.place("564"),
    } <= mentioned


def test_english_page_names_get_english_tag(extractor: Extractor, iris: Iris) -> None:
    x = run(extractor, iris, "Project name: Better Together\nFunder: STEA\nDuration: 2019–2021\n")
    assert objects(x, SCHEMA.name) == {Literal("Better Together", lang="en")}
    assert objects(x, SCHEMA.funder) == {iris.organisation("stea")}
