"""Funders in the phrasings pages use, each on a page written for the purpose:
the verb "rahoittaa" in other persons and tenses, "myöntää … hankkeelle", a
labelled field inline, a fund in parentheses, municipalities of a region in the
plural, and the predecessor relation ("entinen RAY", "formerly")."""

from __future__ import annotations

from rdflib import Literal, URIRef

from graph.extract import Extractor
from graph.iris import Iris
from graph.link.linker import Linker
from graph.load.loader import load_bytes
from graph.model import Extraction
from graph.vocab import HK, SCHEMA


def run(extractor: Extractor, iris: Iris, text: str) -> Extraction:
    page = f"URL: https://example.org/hanke\nTITLE: Testihanke\n\n{text}"
    doc = load_bytes(page.encode("utf-8"), name="t.txt", max_bytes=1_000_000)
    return extractor.extract(doc, iris.document(doc.sha256))


def ends(x: Extraction, predicate: URIRef) -> set[str]:
    """Last IRI segments of the main project's ``predicate`` objects."""
    p = x.project_iris[0]
    return {
        str(f.object).rsplit("/", 1)[-1]
        for f in x.facts
        if f.subject == p and f.predicate == predicate
    }


def names_of(x: Extraction, iri_end: str) -> set[str]:
    return {
        str(f.object)
        for f in x.facts
        if str(f.subject).endswith("/" + iri_end) and f.predicate == SCHEMA.name
    }


def test_rahoitti_with_a_pronoun_and_a_fund_in_parentheses(
    extractor: Extractor, iris: Iris
) -> None:
    x = run(
        extractor,
        iris,
        "Perhetupa-hanke tukee lapsiperheitä. Sitä rahoitti Etelä-Savon ELY-keskus (ESR) "
        "vuosina 2016–2018.",
    )
    assert ends(x, SCHEMA.funder) == {"ely-etela-savo", "esr"}
    x = run(
        extractor,
        iris,
        "Kotiväylä-hanke kehittää asumista. Sen rahoitti Sosiaali- ja terveysjärjestöjen "
        "avustuskeskus.",
    )
    assert ends(x, SCHEMA.funder) == {"stea"}


def test_a_funder_label_inline_and_on_its_own_line(extractor: Extractor, iris: Iris) -> None:
    inline = "Arjen tuki -hanke auttaa omaishoitajia. Rahoittaja: STEA. Hanke toimii Kuopiossa."
    own_line = "Arjen tuki -hanke auttaa omaishoitajia.\nRahoittaja: STEA\nHanke toimii Kuopiossa."
    for text in (inline, own_line):
        assert ends(run(extractor, iris, text), SCHEMA.funder) == {"stea"}


def test_myonsi_hankkeelle_names_the_funder_not_the_recipient(
    extractor: Extractor, iris: Iris
) -> None:
    x = run(
        extractor,
        iris,
        "Sosiaali- ja terveysministeriö myönsi valtionavustusta Kasvun tuki -hankkeelle "
        "vuosille 2017–2019.",
    )
    assert ends(x, SCHEMA.funder) == {"stm"}
    x = run(
        extractor,
        iris,
        "Hanketta hallinnoi Nuorten Polku ry. Nuorten Polku ry:lle myönsi opetus- ja "
        "kulttuuriministeriö avustuksen, jolla Polku-hanke toteutetaan.",
    )
    assert ends(x, SCHEMA.funder) == {"okm"}


def test_a_grant_from_an_ablative(extractor: Extractor, iris: Iris) -> None:
    x = run(extractor, iris, "Kaveri-hanke saa avustusta STEAlta vuosina 2019–2021.")
    assert ends(x, SCHEMA.funder) == {"stea"}
    # "avustus" followed by other words before a name is not the cue.
    x = run(
        extractor,
        iris,
        "Kaveri-hankkeelle myönnettiin avustus vuosiksi Kaverikeskus ry toteuttaa sen.",
    )
    assert "kaverikeskus" not in {e.split("-")[0] for e in ends(x, SCHEMA.funder)}


def test_municipalities_of_a_region_are_one_group(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor,
        iris,
        "Ankkuri-hanke toimii vuosina 2018–2020. Hankkeen rahoitusta tulee Kanta-Hämeen "
        "kunnilta ja Euroopan sosiaalirahastosta.",
    )
    funders = ends(x, SCHEMA.funder)
    assert funders == {"kunnat-kanta-hame", "esr"}
    assert "Kanta-Hämeen kunnat" in names_of(x, "kunnat-kanta-hame")
    assert not any("kunta" in n for n in names_of(x, "kunnat-kanta-hame"))
    x = run(extractor, iris, "Tunturi-hanketta rahoittavat Lapin kunnat ja Lapin liitto.")
    assert "kunnat-lappi" in ends(x, SCHEMA.funder)
    assert {"Lapin kunnat", "Municipalities of Lapland"} <= names_of(x, "kunnat-lappi")
    every_name = {str(f.object) for f in x.facts if f.predicate == SCHEMA.name}
    assert "Lapin kunta" not in every_name
    # Their share of the costs makes the municipalities funders.
    x = run(
        extractor,
        iris,
        "Silta-hanke toteutettiin Turussa. Varsinais-Suomen kuntien omavastuuosuudet "
        "olivat 30 prosenttia.",
    )
    assert "kunnat-varsinais-suomi" in ends(x, SCHEMA.funder)


def test_a_predecessor_is_a_fact_of_its_own_not_a_funder(extractor: Extractor, iris: Iris) -> None:
    for text in (
        "Kuulu-hanke saa avustusta STEAlta (Sosiaali- ja terveysjärjestöjen avustuskeskus, "
        "entinen RAY).",
        "The Kuulu project was funded by STEA (formerly RAY).",
    ):
        x = run(extractor, iris, text)
        assert ends(x, SCHEMA.funder) == {"stea"}
        assert "ray" not in ends(x, HK.participant)
        stated = {
            (str(f.subject).rsplit("/", 1)[-1], str(f.object).rsplit("/", 1)[-1])
            for f in x.facts
            if f.predicate == HK.predecessor
        }
        assert stated == {("stea", "ray")}
        evidence = [f.evidence for f in x.facts if f.predicate == HK.predecessor]
        assert all(e is not None and e.quote == "RAY" for e in evidence)


def test_english_and_swedish_verb_frames(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor,
        iris,
        "The Pathway project is funded by the Ministry of Social Affairs and Health.",
    )
    assert ends(x, SCHEMA.funder) == {"stm"}
    x = run(extractor, iris, "Projektet Vägen finansieras av Europeiska socialfonden.")
    assert ends(x, SCHEMA.funder) == {"esr"}


def test_the_plural_group_links_only_for_regions(linker: Linker) -> None:
    found = {
        m.surface: m.link for m in linker.find_all("Kuopion seudun kunnat ja Rovaniemen kunnat")
    }
    assert found["Kuopion seudun kunnat"].label == "Kuopion seudun kunnat"
    assert found["Kuopion seudun kunnat"].org_type == "municipalities"
    # A municipality's genitive stays the municipality's own organisation.
    assert found["Rovaniemen kunnat"].label == "Rovaniemen kunta"
    described = linker.describe(found["Kuopion seudun kunnat"])
    assert (
        found["Kuopion seudun kunnat"].iri,
        HK.organisationType,
        Literal("municipalities"),
    ) in described


def test_short_english_and_reordered_names_are_one_organisation(
    extractor: Extractor, iris: Iris
) -> None:
    """ "Finnish Innovation Fund Sitra", "Sitra", "Sitra, the Finnish Innovation Fund",
    "the Finnish Innovation Fund (Sitra)" and the Finnish name all link to one IRI."""
    for text in (
        "The Kasvu project is funded by the Finnish Innovation Fund Sitra. Sitra also "
        "supports the evaluation.",
        "The Kasvu project is funded by Sitra, the Finnish Innovation Fund.",
        "The Kasvu project is funded by the Finnish Innovation Fund (Sitra).",
        "Kasvu-hanketta rahoittaa Suomen itsenäisyyden juhlarahasto Sitra. Sitran tuella "
        "hanke kehittää palveluja.",
    ):
        x = run(extractor, iris, text)
        assert ends(x, SCHEMA.funder) == {"sitra"}, text
        assert ends(x, HK.participant) == {"sitra"}, text


def test_a_hospital_district_written_twice_is_one_organisation(
    extractor: Extractor, iris: Iris
) -> None:
    x = run(
        extractor,
        iris,
        "Hanketta hallinnoi Itä-Savon sairaanhoitopiirin kuntayhtymä. Itä-Savon "
        "sairaanhoitopiirin kuntayhtymän kanssa toimii Savonlinnan kaupunki.",
    )
    organisations = ends(x, HK.participant)
    assert "ita-savon-shp" in organisations
    assert not any("kuntayhtyma" in o for o in organisations)


def test_a_funder_sentence_wrapped_across_two_lines_keeps_its_funder(
    extractor: Extractor, iris: Iris
) -> None:
    """Regression: a line break where a space was meant (after the cue, or in the
    middle of the funder's name) lost the funder."""
    lead = "Kotiovi-hanke tukee omaishoitajia Porissa vuosina 2018–2020. "
    for text, funders in (
        (f"{lead}Hanketta rahoittaa\nSosiaali- ja terveysministeriö. Työ jatkuu.", {"stm"}),
        (f"{lead}Hanketta rahoittaa Sosiaali- ja\nterveysministeriö. Työ jatkuu.", {"stm"}),
        (
            f"{lead}Hanketta ovat rahoittaneet\nKela ja Satakunnan sairaanhoitopiiri.",
            {"kela", "satakunnan-shp"},
        ),
        (
            "The Homeward project supports carers in Pori. It is funded by the Ministry of\n"
            "Social Affairs and Health.",
            {"stm"},
        ),
        (
            "Projektet Hemväg stöder närståendevårdare i Björneborg. Projektet finansieras "
            "av\nSocial- och hälsovårdsministeriet.",
            {"stm"},
        ),
    ):
        assert ends(run(extractor, iris, text), SCHEMA.funder) == funders, text


def test_a_funding_heading_above_a_paragraph_makes_no_funder(
    extractor: Extractor, iris: Iris
) -> None:
    """A heading is no cue: the organisation that opens the next line is not a funder
    because the heading line says "Rahoitus"."""
    x = run(
        extractor,
        iris,
        "Kotiovi-hanke tukee omaishoitajia.\nRahoitus ja yhteistyö\n"
        "Kuntoutussäätiö kokoaa tietoa omaishoitajien jaksamisesta.",
    )
    assert ends(x, SCHEMA.funder) == set()
