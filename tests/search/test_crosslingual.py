"""The cross-lingual bridge: English and Swedish queries to Finnish labels."""

from __future__ import annotations

import pytest

from search.crosslingual import QueryTranslator, Translation
from search.lexical import LexicalIndex


@pytest.fixture(scope="module")
def translator() -> QueryTranslator:
    return QueryTranslator()


def finnish(translation: Translation) -> str:
    return translation.expansion.lower()


def test_peer_support_in_opioid_substitution_treatment(translator: QueryTranslator) -> None:
    tr = translator.translate("peer support in opioid substitution treatment", "en")
    assert "vertaistuki" in finnish(tr)
    assert "korvaushoito" in finnish(tr)
    peer = next(c for c in tr.concepts if c.label_fi == "vertaistuki")
    assert peer.iri == "http://www.yso.fi/onto/yso/p12878"
    assert tr.query[peer.start : peer.end] == "peer support"


def test_work_ability_assessment(translator: QueryTranslator) -> None:
    text = finnish(translator.translate("work ability assessment", "en"))
    assert "työkyvyn arviointi" in text or ("työkyky" in text and "arviointi" in text)


def test_long_term_social_assistance_recipients(translator: QueryTranslator) -> None:
    tr = translator.translate("long-term social assistance recipients", "en")
    assert "toimeentulotuki" in finnish(tr)
    # "long" is not YSO's "longing" (kaipaus)
    assert "kaipaus" not in finnish(tr)


def test_single_concept(translator: QueryTranslator) -> None:
    tr = translator.translate("rehabilitation", "en")
    assert tr.labels_fi == ["kuntoutus"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Lapland", "Lappi"),
        ("South Ostrobothnia", "Etelä-Pohjanmaa"),
        ("Helsingfors", "Helsinki"),
        ("projects in Rovaniemi", "Rovaniemi"),
    ],
)
def test_places(translator: QueryTranslator, query: str, expected: str) -> None:
    tr = translator.translate(query, "en")
    places = [c for c in tr.concepts if c.kind == "place"]
    assert places and places[0].label_fi == expected


def test_place_and_organisation_keys_follow_the_reference(translator: QueryTranslator) -> None:
    from graph.link.reference import load_reference
    from search.crosslingual import DEFAULT_REFERENCE_DIR

    reference = load_reference(DEFAULT_REFERENCE_DIR)
    group_keys = {g.key for g in reference.groups.values()}
    tr = translator.translate("Kela in Helsingfors and South Ostrobothnia", "en")
    keys = {c.key for c in tr.concepts}
    assert {"kela", "091", "region-14"} <= keys
    assert "region-14" in group_keys
    assert "091" in {m.code for m in reference.municipalities.values()}


def test_lapland_means_the_region_not_the_old_province(translator: QueryTranslator) -> None:
    tr = translator.translate("work ability assessment models in Lapland", "en")
    lapland = [c for c in tr.concepts if tr.query[c.start : c.end] == "Lapland"]
    assert lapland[0].ref.startswith("region:")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Social Insurance Institution", "Kansaneläkelaitos"),
        ("Finland's Slot Machine Association", "RAY"),
        ("projects with Slot Machine Association funding", "RAY"),
        ("evaluation of Kela's rehabilitation pilot", "Kansaneläkelaitos"),
    ],
)
def test_organisations(translator: QueryTranslator, query: str, expected: str) -> None:
    tr = translator.translate(query, "en")
    orgs = [c for c in tr.concepts if c.kind == "organisation"]
    assert orgs and expected in orgs[0].label_fi


def test_generic_words_and_wrong_senses_are_not_translated(translator: QueryTranslator) -> None:
    tr = translator.translate("abuse, trial and support", "en")
    assert tr.concepts == []
    # but inside a longer label they count
    assert "päih" in finnish(translator.translate("substance abuse", "en"))


def test_stem_alone_does_not_match_a_single_word(translator: QueryTranslator) -> None:
    # "run" is not "running" (juoksu), "carried" not "carrying" (kantaminen)
    text = finnish(translator.translate("studies carried out by projects run by NGOs", "en"))
    assert "juoksu" not in text and "kantaminen" not in text
    assert "järjestöt" in text


def test_longest_match_wins(translator: QueryTranslator) -> None:
    tr = translator.translate("social rehabilitation", "en")
    assert tr.labels_fi == ["sosiaalinen kuntoutus"]


def test_plural_and_us_spelling(translator: QueryTranslator) -> None:
    assert "perhekeskukset" in finnish(translator.translate("family centers", "en"))
    assert "omaishoitajat" in finnish(translator.translate("family caregiver", "en"))


def test_swedish(translator: QueryTranslator) -> None:
    tr = translator.translate("rehabilitering av unga i Helsingfors", "sv")
    assert "kuntoutus" in tr.labels_fi
    assert "Helsinki" in tr.labels_fi


def test_finnish_query_passes_through(translator: QueryTranslator) -> None:
    tr = translator.translate("vertaistuki korvaushoidossa")
    assert tr.lang == "fi" and tr.detected
    assert tr.concepts == [] and tr.expansion == ""


def test_language_detected_when_not_given(translator: QueryTranslator) -> None:
    tr = translator.translate("peer support for family caregivers")
    assert tr.lang == "en" and tr.detected
    assert "vertaistuki" in tr.labels_fi


def test_vocabulary_chooses_the_sense_the_corpus_uses(translator: QueryTranslator) -> None:
    """With two senses of equal standing, the one whose Finnish label occurs wins."""
    # YSO has two qualified 'homelessness' concepts: asunnottomuus and kodittomuus
    index = LexicalIndex.build([1], ["Kodittomuus on kasvanut."], ["fi"])
    plain = QueryTranslator(glossary=False)
    chosen = plain.translate("homelessness", "en", vocabulary=index.__contains__)
    assert chosen.labels_fi == ["kodittomuus"]
    index = LexicalIndex.build([1], ["Asunnottomuus on vähentynyt."], ["fi"])
    chosen = plain.translate("homelessness", "en", vocabulary=index.__contains__)
    assert chosen.labels_fi == ["asunnottomuus"]


def test_english_query_reaches_finnish_text_through_the_lexical_index(
    translator: QueryTranslator,
) -> None:
    texts = [
        "Vertaistuki korvaushoidossa olevien asiakkaiden arjessa.",
        "Työkyvyn arviointi Lapin kunnissa.",
        "Toimeentulotuen pitkäaikaiset saajat.",
    ]
    index = LexicalIndex.build([1, 2, 3], texts, ["fi"] * 3)
    for query, expected in (
        ("peer support in opioid substitution treatment", 1),
        ("work ability assessment in Lapland", 2),
        ("long-term social assistance recipients", 3),
    ):
        assert index.search(query, 3, lang="en") == []  # no English word occurs in the texts
        tr = translator.translate(query, "en", vocabulary=index.__contains__)
        hits = index.search(query, 3, lang="en", expansion=tr.expansion)
        assert hits[0][0] == expected, (query, tr.expansion)
