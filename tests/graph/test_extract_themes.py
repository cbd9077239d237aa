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
from graph.vocab import SCHEMA, SKOS

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


CHILDREN, FAMILY_CENTRES, EARLY_SUPPORT = "p4354", "p23383", "p21954"


def test_a_subject_named_by_a_synonym_in_title_and_aims_is_a_theme(
    extractor: Extractor, iris: Iris
) -> None:
    """Pages name a concept by words YSO's preferred label does not use: "ikäihmiset"
    (ikääntyneet), "older people", "äldre personer"; the page about them gets it."""
    fi = run(
        extractor,
        iris,
        "Ikäihmisten arki -hanke tukee ikäihmisiä Lahdessa. Hankkeen tavoitteena on, että "
        "ikäihmiset asuvat kotona turvallisesti.",
        title="Ikäihmisten arki",
    )
    assert OLDER in themes(fi)
    en = run(
        extractor,
        iris,
        "The Everyday project helps older people in Lahti. Its aim is that older people live "
        "safely at home, and that children and families get early support.",
        title="Everyday life of older people",
    )
    assert {OLDER, EARLY_SUPPORT} <= themes(en)
    sv = run(
        extractor,
        iris,
        "Projektet Vardag stöder äldre personer i Lahtis. Målet är att äldre personer bor "
        "tryggt hemma.",
        title="Vardag för äldre personer",
    )
    assert OLDER in themes(sv)


def test_a_synonym_named_once_in_passing_at_the_end_is_no_theme(
    extractor: Extractor, iris: Iris
) -> None:
    """A concept outside the curated subset that a long page names once, at its end,
    is no subject, though our synonyms know it ("family centre" -> perhekeskukset)."""
    x = run(
        extractor,
        iris,
        "The Homeward project supports informal carers in Pori. Informal carers meet in "
        "groups and get peer support. "
        + "The groups meet weekly. " * 30
        + "A family centre is mentioned.",
        title="Homeward",
    )
    found = themes(x)
    assert CARERS in found and FAMILY_CENTRES not in found


def test_a_general_concept_needs_more_than_a_mention(extractor: Extractor, iris: Iris) -> None:
    """Staff training and families' children are named on most pages of the domain:
    one mention of "koulutus" or "lapset" makes no theme, a page about them does."""
    passing = run(
        extractor,
        iris,
        "Silta-hanke tukee omaishoitajia Kuopiossa. Työntekijöille järjestetään koulutus. "
        "Omaishoitajien lapset voivat osallistua.",
    )
    assert not {"p84", CHILDREN} & themes(passing)
    about = run(
        extractor,
        iris,
        "Lapset ensin -hanke tukee lapsia Kuopiossa. Lapset ja heidän vanhempansa saavat "
        "apua. Lapset osallistuvat ryhmiin.",
        title="Lapset ensin",
    )
    assert CHILDREN in themes(about)


def test_a_lexicon_label_counts_only_on_a_page_of_its_language(
    extractor: Extractor, iris: Iris
) -> None:
    """Short foreign labels are common words elsewhere: Swedish "en" (juniper) on a
    Finnish page saying "en", English "will" (a testament) on an English page."""
    fi = run(
        extractor,
        iris,
        "Silta-hanke tukee omaishoitajia. En tiedä, en osaa, en jaksa, sanoo omaishoitaja. "
        "Omaishoitajat saavat tukea.",
    )
    en = run(
        extractor,
        iris,
        "The Bridge project will support carers. It will train volunteers, and volunteers "
        "will visit carers.",
        title="Bridge",
    )
    labels = {str(f.object) for x in (fi, en) for f in x.facts if f.predicate == SKOS.prefLabel}
    assert not {"kotikataja", "testamentti"} & labels


def test_the_domain_itself_named_in_passing_is_no_theme(extractor: Extractor, iris: Iris) -> None:
    """ "sosiaali- ja terveyspalvelut" names the whole field: a page on carers that says
    it once is not about social and health services; a page that keeps returning to
    them is."""
    passing = run(
        extractor,
        iris,
        "Silta-hanke tukee omaishoitajia Kuopiossa. Omaishoitajat ohjataan tarvittaessa "
        "sosiaali- ja terveyspalveluihin. Omaishoitajat saavat vertaistukea.",
    )
    assert not {"p1307", "p3307"} & themes(passing)
    about = run(
        extractor,
        iris,
        "Silta-hanke kehittää sosiaalipalveluja Kuopiossa. Sosiaalipalvelut kootaan yhteen "
        "paikkaan, ja sosiaalipalvelujen asiakkaat saavat neuvontaa.",
    )
    assert "p1307" in themes(about)


def test_no_theme_from_organisation_words_in_english_or_swedish(
    extractor: Extractor, iris: Iris
) -> None:
    """A foundation, the Red Cross, municipalities and a hospital district run the work:
    the page is about carers, not about foundations, municipalities or organisations."""
    en = run(
        extractor,
        iris,
        "The Homeward project of the Rehabilitation Foundation and the Finnish Red Cross "
        "supports informal carers in Pori. Informal carers meet in groups. The project is run "
        "with the municipalities of Satakunta and the hospital district.",
        title="Homeward",
    )
    sv = run(
        extractor,
        iris,
        "Projektet Hemväg drivs av Finlands Röda Kors och stiftelsen Kuntoutussäätiö. "
        "Projektet stöder närståendevårdare i Björneborg. Närståendevårdare träffas i grupper. "
        "Kommunerna i Satakunta deltar.",
        title="Hemväg",
    )
    assert themes(en) == {CARERS}
    assert themes(sv) == {CARERS}
