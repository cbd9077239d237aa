"""Places a project works in (``schema:areaServed``): one regression test per kind
of error found on real pages, each on fixture text written for the purpose."""

from __future__ import annotations

from rdflib import URIRef

from graph.extract import Extractor
from graph.iris import Iris
from graph.linker import Linker
from graph.loader import load_bytes
from graph.model import Extraction
from graph.reference import Reference
from graph.vocab import SCHEMA


def areas(extractor: Extractor, iris: Iris, text: str, name: str = "t.txt") -> set[URIRef]:
    doc = load_bytes(text.encode("utf-8"), name=name, max_bytes=1_000_000)
    x: Extraction = extractor.extract(doc, iris.document(doc.sha256))
    assert x.project_iris, "the fixture must read as a project"
    p = x.project_iris[0]
    return {
        f.object  # type: ignore[misc]
        for f in x.facts
        if f.subject == p and f.predicate == SCHEMA.areaServed
    }


def test_municipal_partner_makes_its_municipality_an_area(extractor: Extractor, iris: Iris) -> None:
    text = (
        "Arjen tuki\n\nArjen tuki -hanketta hallinnoi Tukiyhdistys ry, ja kumppaneina "
        "toimivat Porin kaupunki ja Satakunnan ammattikorkeakoulu. Hanke kesti 2015–2017."
    )
    assert iris.place("609") in areas(extractor, iris, text)  # Pori


def test_imprint_in_odd_case_is_not_an_area(extractor: Extractor, iris: Iris) -> None:
    text = (
        "Kotona asuen\n\nKotona asuen -hanke toimi Oulussa vuosina 2014–2016.\n\n"
        "Raportti: Aino Laine ja Eero Kivi LAhti 2017\n"
    )
    found = areas(extractor, iris, text)
    assert iris.place("564") in found  # Oulu
    assert iris.place("398") not in found  # Lahti only in the imprint


def test_place_named_as_left_out_is_not_an_area(extractor: Extractor, iris: Iris) -> None:
    text = (
        "Kylät kuntoon\n\nKylät kuntoon -hanke toimii Pirkanmaalla (Tamperetta lukuun "
        "ottamatta). Hanke toteutetaan 2019–2021 kaikissa kunnissa paitsi Nokialla."
    )
    found = areas(extractor, iris, text)
    assert iris.place("region-06") in found  # Pirkanmaa
    assert iris.place("837") not in found  # Tampere
    assert iris.place("536") not in found  # Nokia


def test_place_name_as_a_surname_is_not_an_area(extractor: Extractor, iris: Iris) -> None:
    text = (
        "Mielen voima\n\nMielen voima -hanke toimi Kuopiossa 2016–2018. Raportin "
        "kirjoittivat Aino Kankaanpää ja Eero Laine."
    )
    found = areas(extractor, iris, text)
    assert iris.place("297") in found  # Kuopio
    assert iris.place("214") not in found  # Kankaanpää is Aino's surname


def test_sentence_initial_place_in_a_list_of_places_is_an_area(
    extractor: Extractor, iris: Iris
) -> None:
    # "Salo" is also a common noun, so alone at the start of a sentence it is doubtful;
    # followed by another place in the same case it is a place.
    text = "Työn polku\n\nTyön polku -hanke kehittää työllisyyspalveluja.\nSalossa ja Porissa hanke alkoi 2018."
    found = areas(extractor, iris, text)
    assert {iris.place("734"), iris.place("609")} <= found


def test_place_of_a_cooperation_area_name_is_not_an_area(extractor: Extractor, iris: Iris) -> None:
    text = (
        "Perhe keskiöön\n\nPerhe keskiöön -hanke toimi Lapualla 2017–2019. Mukana oli myös "
        "Kokkolan yhteistoiminta-alueen perusturva."
    )
    found = areas(extractor, iris, text)
    assert iris.place("408") in found  # Lapua
    assert iris.place("272") not in found  # Kokkola only names the cooperation area


def test_subregion_named_after_its_centre_in_the_genitive(
    reference: Reference, linker: Linker, iris: Iris
) -> None:
    sub = reference.groups["subregion-142"]
    assert {"Seinäjoen seutu", "Seinäjoen seutukunta"} <= set(sub.aliases)
    assert "Seinäjoen seutu" in sub.alt_labels["fi"]
    for text in ("Seinäjoen seutukunnassa", "Seinäjoen seudulla"):
        link = linker.link_place(text)
        assert link is not None and link.key == "subregion-142"
