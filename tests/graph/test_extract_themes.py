"""Themes that are the page's subjects, on pages written for the purpose: none from
an organisation's name or type, English and Swedish pages get Finnish YSO concepts
through the lexicon, a page with no project still gets its themes, and the number
follows the evidence."""

from __future__ import annotations

from graph.extract import Extractor
from graph.extract.themes import subject_like
from graph.iris import Iris
from graph.load.loader import load_bytes
from graph.model import Extraction
from graph.vocab import SCHEMA

YSO = "http://www.yso.fi/onto/yso/"
LONELINESS, VOLUNTEERS, OLDER, CARERS, PEER = "p6935", "p20390", "p2433", "p19104", "p12878"
REHABILITATION, FOUNDATIONS = "p3320", "p271"


def run(extractor: Extractor, iris: Iris, text: str, title: str = "Silta") -> Extraction:
    page = f"URL: https://example.org/hanke\nTITLE: {title}\n\n{text}"
    doc = load_bytes(page.encode("utf-8"), name="t.txt", max_bytes=1_000_000)
    return extractor.extract(doc, iris.document(doc.sha256))


def themes(x: Extraction) -> set[str]:
    subject = x.project_iris[0] if x.project_iris else x.document_iri
    return {
        str(f.object).removeprefix(YSO)
        for f in x.facts
        if f.subject == subject and f.predicate == SCHEMA.about
    }


def test_no_theme_from_an_organisations_name_or_type(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor,
        iris,
        "Kuntoutussäätiö ja Pohjois-Savon sairaanhoitopiirin kuntayhtymä toteuttavat "
        "Silta-hankkeen. Hanke tukee omaishoitajia Kuopiossa. Omaishoitajat saavat vertaistukea.",
    )
    found = themes(x)
    assert {CARERS, PEER} <= found
    assert REHABILITATION not in found and FOUNDATIONS not in found
    labels = {
        str(f.evidence.quote).lower()
        for f in x.facts
        if f.predicate == SCHEMA.about and f.evidence is not None
    }
    assert not any(w in q for q in labels for w in ("säätiö", "kuntayhtymä", "sairaanhoitopiiri"))


def test_an_english_page_gets_finnish_yso_concepts(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor,
        iris,
        "The Bridge project reduces loneliness among older people in Oulu. Loneliness is "
        "common among those who live alone. The project trains volunteers; volunteers visit "
        "people at home.",
        title="Bridge",
    )
    assert {LONELINESS, VOLUNTEERS} <= themes(x)


def test_a_swedish_page_gets_finnish_yso_concepts(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor,
        iris,
        "Projektet Bron minskar ensamhet bland äldre i Vasa. Ensamhet är vanlig bland äldre "
        "som bor ensamma.",
        title="Bron",
    )
    assert {LONELINESS, OLDER} <= themes(x)


def test_the_number_of_themes_follows_the_evidence(extractor: Extractor, iris: Iris) -> None:
    short = run(extractor, iris, "Silta-hanke tukee omaishoitajia. Omaishoitajat jaksavat.")
    assert themes(short) == {CARERS}
    # A concept named once, late, in a long page about something else is no subject.
    once = run(
        extractor,
        iris,
        "Silta-hanke tukee omaishoitajia Kuopiossa. Omaishoitajat saavat vertaistukea ja "
        "omaishoitajien jaksamista vahvistetaan. "
        + "Hanke jatkuu. " * 40
        + "Yksinäisyys mainitaan.",
    )
    assert LONELINESS not in themes(once)


def test_a_page_with_no_project_is_about_its_subjects(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor,
        iris,
        "Loneliness among older people is common in Finland. Loneliness harms health.",
        title="Loneliness in Finland",
    )
    assert LONELINESS in themes(x)


def test_lexicon_labels_that_cannot_be_subjects() -> None:
    assert subject_like("pitkäaikaisasunnottomuus") and subject_like("varhainen tuki")
    assert not subject_like("Helsinki") and not subject_like("Maine (osavaltio)")
    assert not subject_like("tiet")


def test_the_programmes_classification_is_no_theme(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor,
        iris,
        "Hankkeen nimi: Silta\n\nToimintalinja: 4. Köyhyyden vähentäminen ja köyhyyden "
        "ehkäisy\n\nSilta-hanke tukee omaishoitajia Kuopiossa. Omaishoitajat saavat "
        "vertaistukea.",
    )
    found = themes(x)
    assert CARERS in found
    assert "p3476" not in found  # köyhyys
