"""YSO theme matching with Voikko base forms, compounds and derivations."""

from __future__ import annotations

import pytest

from graph.link.themes import ThemeMatcher, derivational_stem


def _iris(matcher: ThemeMatcher, text: str, **kw) -> dict[str, float]:
    return {m.iri.rsplit("/", 1)[-1]: m.score for m in matcher.match(text, **kw)}


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("Työ suunnattiin korvaushoitoasiakkaiden tukemiseen.", "p979"),
        ("Korvaushoidon asiakkaat hyötyivät ryhmistä.", "p979"),
        ("Järjestölähtöisen vertaistuen roolia selvitettiin.", "p12878"),
        ("Kokemusasiantuntemuksen tuominen muutti työotetta.", "p29599"),
        ("Selvittelyt vaativat monialaista yhteistyötä.", "p4217"),
        ("Arvioitiin toiminta- ja työkyvyn muutoksia.", "p10213"),
        ("Arvioitiin toiminta- ja työkyvyn muutoksia.", "p10214"),
        ("Yhteistyö mielenterveys- ja päihdealan järjestöjen kanssa.", "p7913"),
        ("Yhteistyö mielenterveys- ja päihdealan järjestöjen kanssa.", "p6206"),
        ("Pitkään toimeentulotukea saaneet asiakkaat.", "p12588"),
        ("Kunnan perusterveydenhuollon ja sosiaalihuollon yhteistyö.", "p14073"),
        ("Kunnan perusterveydenhuollon ja sosiaalihuollon yhteistyö.", "p3281"),
        ("Sosiaalisen kuntoutuksen palvelut laajenivat.", "p5107"),
    ],
)
def test_finnish_forms_match(theme_matcher: ThemeMatcher, text: str, concept: str) -> None:
    assert concept in _iris(theme_matcher, text)


def test_evidence_spans_point_at_the_words(theme_matcher: ThemeMatcher) -> None:
    text = "Hankkeessa tuettiin korvaushoitoasiakkaiden vertaistukea."
    for m in theme_matcher.match(text):
        for start, end in m.spans:
            assert text[start:end].strip()
    korvaus = next(m for m in theme_matcher.match(text) if m.iri.endswith("p979"))
    assert text[korvaus.spans[0][0] : korvaus.spans[0][1]] == "korvaushoitoasiakkaiden"


def test_generic_concepts_need_repetition(theme_matcher: ThemeMatcher) -> None:
    once = "Hankkeessa tehtiin yhteistyötä kuntoutuksen parissa."
    assert "p6334" not in _iris(theme_matcher, once)
    often = "Yhteistyö oli tärkeää. Yhteistyötä lisättiin. Yhteistyön tulokset olivat hyviä."
    assert "p6334" in _iris(theme_matcher, often)


def test_generic_concept_not_from_a_compound_part(theme_matcher: ThemeMatcher) -> None:
    # "asiakas" is a part of "korvaushoitoasiakkaiden", but the generic
    # concept "asiakkaat" must not be tagged from it
    assert "p3294" not in _iris(theme_matcher, "korvaushoitoasiakkaiden korvaushoitoasiakkaiden")


def test_repetition_and_title_raise_the_score(theme_matcher: ThemeMatcher) -> None:
    once = _iris(theme_matcher, "Muuta tekstiä. " * 40 + "Vertaistuki auttoi.")["p12878"]
    many = _iris(theme_matcher, "Vertaistuki auttoi. Vertaistukea lisättiin. Vertaistuen malli.")[
        "p12878"
    ]
    titled = _iris(theme_matcher, "Vertaistuki kuntoutuksessa\n\nTeksti.", title_end=26)["p12878"]
    assert many > once
    assert titled > once


def test_english_text(theme_matcher: ThemeMatcher) -> None:
    found = _iris(
        theme_matcher,
        "The project offered peer support and work ability assessment for long-term unemployed people.",
        language="en",
    )
    assert {"p12878", "p10214", "p7709"} <= found.keys()


def test_excluded_spans_are_ignored(theme_matcher: ThemeMatcher) -> None:
    text = "Vertaistuki\n\nMuuta tekstiä."
    assert "p12878" not in _iris(theme_matcher, text, exclude=[(0, 11)])


def test_no_match_in_unrelated_text(theme_matcher: ThemeMatcher) -> None:
    assert _iris(theme_matcher, "Sää oli eilen aurinkoinen ja tuulinen.") == {}


def test_derivational_stem() -> None:
    assert derivational_stem("kokemusasiantuntija") == derivational_stem("kokemusasiantuntemus")
    assert derivational_stem("monialainen") == derivational_stem("monialaisuus")
    assert derivational_stem("kunta") is None


def test_a_compound_that_is_a_concept_is_not_also_its_parts(
    theme_matcher: ThemeMatcher,
) -> None:
    """ "mielenterveyskuntoutujat" is a concept of its own: the page is not also about
    "kuntoutujat"; a compound that is no concept still gives its parts
    ("korvaushoitoasiakkaat" -> korvaushoito)."""
    found = _iris(theme_matcher, "Hanke tukee mielenterveyskuntoutujia asumisessa.")
    assert "p12297" in found and "p23131" not in found
    assert "p979" in _iris(theme_matcher, "Työ tuki korvaushoitoasiakkaita.")


def test_synonyms_name_concepts_in_three_languages(theme_matcher: ThemeMatcher) -> None:
    """``theme_synonyms.csv``: "ikäihmiset", "older people", "äldre personer" are
    ikääntyneet; a one-word English or Swedish synonym counts on pages of its language."""
    assert "p2433" in _iris(theme_matcher, "Hanke tukee ikäihmisiä kotona.")
    assert "p2433" in _iris(theme_matcher, "The project supports older people.", language="en")
    assert "p2433" in _iris(theme_matcher, "Projektet stöder äldre personer.", language="sv")
    children = "Support for children. Children play, and children learn."
    assert "p4354" in _iris(theme_matcher, children, language="en")
    assert "p4354" not in _iris(theme_matcher, children, language="fi")
