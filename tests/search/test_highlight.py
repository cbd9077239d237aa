"""Snippets that show why: no page chrome, highlights by base form."""

from __future__ import annotations

import pytest

from search.crosslingual import query_translator
from search.highlight import phrases, spans, strip_chrome
from search.matching import query_units


def marked(query: str, text: str, lang: str | None = None, translate: bool = False) -> list[str]:
    translation = query_translator().translate(query) if translate else None
    units = query_units(query, translation, lang=lang)
    return [text[a:b] for a, b in spans(text, phrases(units), lang)]


@pytest.mark.parametrize(
    "chrome",
    [
        "Meneillään Päättynyt Hankkeen sisältö Selite",
        "Etusivu > Hankkeet > Kuntoutus",
        "Tällä sivustolla käytetään evästeitä.",
        "We use cookies to improve your experience.",
        "Siirry sisältöön",
    ],
)
def test_a_snippet_never_shows_page_chrome(chrome: str) -> None:
    text = f"Perhekeskushanke\n{chrome}\nHanke kehittää perhetyötä Kotkassa."
    cleaned = strip_chrome(text)
    assert chrome not in cleaned
    assert "Hanke kehittää perhetyötä Kotkassa." in cleaned


def test_a_line_of_words_that_are_not_all_navigation_stays() -> None:
    text = "Meneillään oleva hanke tukee omaishoitajia"
    assert strip_chrome(text) == text


def test_inflected_forms_and_compounds_ending_in_the_word_are_marked() -> None:
    text = "Kotikuntoutus ja kuntoutuksen palvelut sekä kuntouttava työtoiminta."
    assert marked("kuntoutus", text, "fi") == ["Kotikuntoutus", "kuntoutuksen"]


def test_a_compound_sharing_only_another_part_is_not_marked() -> None:
    text = "Hoitotyö ja metsänhoidon opetus sekä kotihoito."
    assert marked("metsänhoito", text, "fi") == ["metsänhoidon"]


def test_stop_words_are_never_marked() -> None:
    text = "The needs of the people and of their families."
    assert marked("needs of the families", text, "en") == ["needs", "families"]


def test_bridged_words_are_marked_as_the_phrase_the_query_said() -> None:
    text = "Homeless people and older people. Loneliness is common."
    got = marked("loneliness of older people", text, "en", translate=True)
    assert got == ["older people", "Loneliness"]


def test_the_bridge_s_finnish_words_are_marked_in_finnish_text() -> None:
    text = "Ikääntyneiden yksinäisyys on yleistä."
    got = marked("loneliness of older people", text, "fi", translate=True)
    assert "yksinäisyys" in got
