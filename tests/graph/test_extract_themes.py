"""Themes that are the page's subjects, on pages written for the purpose: none from
an organisation's name or type, English and Swedish pages get Finnish YSO concepts
through the lexicon, a page with no project still gets its themes, and the number
follows the evidence."""

from __future__ import annotations

from graph.extract import Extractor
from graph.extract.themes import GENERAL_SERVICE, ThemeCandidate, select_themes, subject_like
from graph.iris import Iris
from graph.lexical_subjects import MIN_PART, LexicalIndexer
from graph.loader import load_bytes
from graph.model import Extraction
from graph.vocab import SCHEMA

YSO = "http://www.yso.fi/onto/yso/"
LONELINESS, VOLUNTEERS, OLDER, CARERS, PEER = "p6935", "p20390", "p2433", "p19104", "p12878"
REHABILITATION, FOUNDATIONS = "p3320", "p271"
FATHERS = "p11063"


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


def _candidate(label: str, count: int, **kw: object) -> ThemeCandidate:
    base: dict[str, object] = dict(
        iri=f"{YSO}{label}",
        label=label,
        count=count,
        first=0.5,
        in_title=False,
        weight=1.0,
        source="subset",
        span=(0, 1),
        rule="lemma",
    )
    base.update(kw)
    return ThemeCandidate(**base)  # type: ignore[arg-type]


def test_the_cut_keeps_candidates_near_the_best() -> None:
    strong = _candidate("asunnottomuus", 6, in_title=True, first=0.0)
    near = _candidate("asumisneuvonta", 4, first=0.1)
    weak = _candidate("eriarvoisuus", 1)
    kept = [c.label for c in select_themes([weak, near, strong], share=0.5, floor=1, cap=6)]
    assert kept == ["asunnottomuus", "asumisneuvonta"]
    # The floor keeps a second theme however far behind the best it is.
    kept = [c.label for c in select_themes([weak, strong], share=0.9, floor=2, cap=6)]
    assert kept == ["asunnottomuus", "eriarvoisuus"]
    # The cap bounds a page with many equal subjects.
    many = [_candidate(f"aihe{i:02d}", 3) for i in range(10)]
    assert len(select_themes(many, share=0.1, floor=2, cap=6)) == 6


def test_general_service_concepts_and_lexicon_only_weigh_less() -> None:
    subject = _candidate("omaishoito", 2)
    service = _candidate("sosiaalipalvelut", 2, generic=True)
    lexicon = _candidate("omaishoitajat", 2, source="yso")
    part = _candidate("perhekeskukset", 2, source="yso", weight=0.8)
    assert subject.score > lexicon.score > part.score
    assert subject.score > service.score
    assert "sosiaalipalvelut" in GENERAL_SERVICE


def test_a_compound_part_maps_to_its_yso_concept() -> None:
    indexer = LexicalIndexer(
        [(f"{YSO}p23383", "perhekeskukset", ["perhekeskukset", "family centres"])]
    )
    text = (
        "Kunta ottaa käyttöön perhekeskustoimintamallin. Perhekeskustoimintamalli kokoaa palvelut."
    )
    assert indexer.find(text) == []
    (hit,) = indexer.find(text, parts=True)
    assert hit.label == "perhekeskukset" and hit.count == 2 and hit.from_parts == 2
    # A short part ("malli", "perhe") is no concept of its own.
    assert MIN_PART > len("perhe")


def test_a_page_on_a_compound_gets_the_concept(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor,
        iris,
        "Hanke rakentaa perhekeskustoimintamallia Kainuuseen. Perhekeskustoimintamalli "
        "tuo neuvolan, varhaiskasvatuksen ja perhetyön samaan paikkaan. Lapsiperheet "
        "saavat tukea perhekeskustoimintamallin kautta.",
    )
    assert "p23383" in themes(x)


def test_the_target_group_names_a_subject(extractor: Extractor, iris: Iris) -> None:
    text = (
        "Hanke kehittää iltapäivätoimintaa Kajaanissa vuosina 2020–2022.\n"
        "Kohderyhmä: {group}\n"
        "Toimintaa järjestetään koulujen tiloissa, ja ohjaajat koulutetaan."
    )
    with_field = themes(run(extractor, iris, text.format(group="isät, joilla on pieniä lapsia")))
    assert FATHERS in with_field
    # The same short word in passing is no subject: a one-word label under nine
    # letters needs the target group (or the title) to count.
    passing = run(
        extractor,
        iris,
        "Hanke kehittää iltapäivätoimintaa Kajaanissa vuosina 2020–2022. Mukana on "
        "isät, ja toimintaa järjestetään koulujen tiloissa.",
    )
    assert FATHERS not in themes(passing)


def test_a_label_counts_only_in_its_own_language() -> None:
    indexer = LexicalIndexer(
        [
            (f"{YSO}p10031", "kotikataja", [("kotikataja", "fi"), ("en", "sv")]),
            (f"{YSO}p17549", "marin kieli", [("marin kieli", "fi"), ("mari", "sv")]),
        ]
    )
    fi_text = "En tiedä vielä. Hankkeen yhteyshenkilö on Mari Virtanen, ja Mari vastaa."
    assert indexer.find(fi_text, language="fi") == []
    en_text = "The volunteers went en masse to the event, en route to the centre."
    assert indexer.find(en_text, language="en") == []
    sv_text = "I trädgården växer en gammal en och en ung en."
    assert [h.label for h in indexer.find(sv_text, language="sv")] == ["kotikataja"]
    # Without a language every label counts (the peer indexer's behaviour).
    assert [h.label for h in indexer.find(en_text)] == ["kotikataja"]


def test_a_compound_that_is_a_concept_is_not_its_parts() -> None:
    indexer = LexicalIndexer(
        [
            (f"{YSO}x1", "kokemusasiantuntijat", [("kokemusasiantuntijat", "fi")]),
            (f"{YSO}x2", "asiantuntijat", [("asiantuntijat", "fi")]),
            (f"{YSO}x3", "perhekeskukset", [("perhekeskukset", "fi")]),
        ]
    )
    text = (
        "Kokemusasiantuntijat kouluttavat kokemusasiantuntijoita. Perhekeskustoimintamalli on uusi."
    )
    found = {h.label for h in indexer.find(text, parts=True)}
    assert found == {"kokemusasiantuntijat", "perhekeskukset"}
