"""Places a project works in (``schema:areaServed``): one regression test per kind
of error found on real pages, each on fixture text written for the purpose."""

from __future__ import annotations

from rdflib import URIRef

from graph.extract import Extractor
from graph.iris import Iris
from graph.link.linker import Linker
from graph.link.reference import Reference
from graph.link.reference_graph import reference_graph
from graph.load.loader import load_bytes
from graph.model import Extraction
from graph.vocab import HK, RDF, SCHEMA


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
    sub = reference.groups["subregion-043"]
    assert {"Porin seutu", "Porin seutukunta"} <= set(sub.aliases)
    assert "Porin seutu" in sub.alt_labels["fi"]
    for text in ("Porin seutukunnassa", "Porin seudulla"):
        link = linker.link_place(text)
        assert link is not None and link.key == "subregion-043"


def test_finland_is_an_area_of_an_english_page(extractor: Extractor, iris: Iris) -> None:
    text = (
        "Youth Paths\n\nThe Youth Paths project (2017–2019) builds guidance services for young "
        "people across Finland. Its pilot sites are in Tampere and Kuopio."
    )
    found = areas(extractor, iris, text)
    assert {iris.place("finland"), iris.place("837"), iris.place("297")} <= found


def test_finnish_national_programme_makes_finland_an_area(extractor: Extractor, iris: Iris) -> None:
    text = (
        "Homes for All\n\nThe Finnish nationwide programme Homes for All (2016–2019) reduces "
        "homelessness by building supported housing."
    )
    assert iris.place("finland") in areas(extractor, iris, text)


def test_finland_on_a_finnish_page_is_not_an_area(extractor: Extractor, iris: Iris) -> None:
    text = (
        "Nuorten polku\n\nNuorten polku -hanke kehittää nuorten ohjausta Oulussa 2017–2019. "
        "Suomessa nuorisotyöttömyys on kasvanut."
    )
    found = areas(extractor, iris, text)
    assert iris.place("564") in found
    assert iris.place("finland") not in found


def test_finland_in_an_address_line_is_not_an_area(extractor: Extractor, iris: Iris) -> None:
    text = (
        "Family Harbour\n\nAuthors: Aino Laine 1, Eero Kivi 1\n\n"
        "1 Example University of Applied Sciences, Finland\n\n"
        "The Family Harbour project (2018–2020) develops a family centre in Lahti."
    )
    found = areas(extractor, iris, text)
    assert iris.place("398") in found
    assert iris.place("finland") not in found


def test_the_verb_address_does_not_make_a_contact_line(extractor: Extractor, iris: Iris) -> None:
    text = (
        "Family Bridges\n\nThe Family Bridges programme to address child and family services "
        "in North Karelia ran 2017–2019."
    )
    assert iris.place("region-12") in areas(extractor, iris, text)


def test_coordinated_compounds_with_the_shared_part_left_out(
    extractor: Extractor, iris: Iris
) -> None:
    text = (
        "Kotona kuntoon\n\nKotona kuntoon -hanke toimi Itä- ja Pohjois-Suomessa vuosina 2015–2017."
    )
    found = areas(extractor, iris, text)
    assert {iris.place("area-ita-suomi"), iris.place("area-pohjois-suomi")} <= found


def test_larger_areas_and_their_english_names(extractor: Extractor, iris: Iris) -> None:
    fi = "Kotiin tukea\n\nKotiin tukea -hanke toimi pääkaupunkiseudulla ja Meri-Lapissa 2016–2018."
    assert {iris.place("area-paakaupunkiseutu"), iris.place("area-meri-lappi")} <= areas(
        extractor, iris, fi
    )
    en = (
        "Housing Now\n\nThe Housing Now project (2016–2018) worked in the Helsinki "
        "metropolitan area and in eastern Finland."
    )
    assert {iris.place("area-paakaupunkiseutu"), iris.place("area-ita-suomi")} <= areas(
        extractor, iris, en
    )


def test_sentence_naming_the_project_itself_keeps_its_places(
    extractor: Extractor, iris: Iris
) -> None:
    text = (
        "TITLE: Lounais-Suomen Arkiapu II -hanke\n\nPorin kaupunki hallinnoi Lounais-Suomen "
        "Arkiapu II -hanketta, jossa toimittiin Satakunnassa 2012–2014."
    )
    found = areas(extractor, iris, text)
    assert {iris.place("area-lounais-suomi"), iris.place("region-04")} <= found


def test_areas_in_the_reference(reference: Reference, linker: Linker) -> None:
    finland = reference.groups["finland"]
    assert finland.kind == "country"
    assert set(finland.members) == set(reference.municipalities)
    capital = reference.groups["area-paakaupunkiseutu"]
    assert set(capital.members) == {"091", "049", "092", "235"}
    assert not reference.groups["area-ita-suomi"].members  # no fixed definition
    for text, key in (
        ("Helsingfors", "091"),
        ("Östra Finland", "area-ita-suomi"),
        ("huvudstadsregionen", "area-paakaupunkiseutu"),
        ("Finland", "finland"),
    ):
        link = linker.link_place(text)
        assert link is not None and link.key == key, text
    graph = reference_graph(reference, linker.iris)
    finland_iri = linker.iris.place("finland")
    assert (finland_iri, RDF.type, SCHEMA.Country) in graph
    assert (finland_iri, RDF.type, HK.Area) in graph
    assert (linker.iris.place("area-ita-suomi"), RDF.type, HK.Area) in graph


def test_swedish_page_places_and_the_country(extractor: Extractor, iris: Iris) -> None:
    text = (
        "Trygg vardag\n\nTrygg vardag är ett projekt (2019–2021) i Västra Nyland, i Vasa och "
        "i Egentliga Finland. Modellen sprids sedan i hela Finland."
    )
    found = areas(extractor, iris, text)
    assert {
        iris.place("wellbeing-3"),  # Länsi-Uusimaa
        iris.place("905"),  # Vaasa
        iris.place("region-02"),  # Varsinais-Suomi, not Finland
        iris.place("finland"),
    } <= found
    assert iris.place("region-01") not in found  # "Västra Nyland" is not all of Uusimaa


def test_coordinated_place_genitive_before_an_organisation_is_part_of_its_name(
    extractor: Extractor, iris: Iris
) -> None:
    text = (
        "Arjen apu\n\nArjen apu -hanketta hallinnoi Porin ja Ulvilan Vanhemmat ja Lapset ry, ja hanke "
        "toimii Kokemäellä 2016–2018."
    )
    found = areas(extractor, iris, text)
    assert iris.place("271") in found  # Kokemäki
    assert iris.place("609") not in found  # Pori only in the association's name
    assert iris.place("886") not in found  # Ulvila too
