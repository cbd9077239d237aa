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


def _spans_by_trying_every_phrase(
    text: str, wanted: list[tuple[str, ...]], lang: str | None
) -> list[tuple[int, int]]:
    """The rule :func:`spans` implements, written the slow, obvious way: every
    phrase tried at every word."""
    from search.analysis import default_analyzer

    def is_head(terms: list[str], head: str) -> bool:
        base = terms[0]
        return base == head or (len(head) >= 4 and base.endswith(head) and head in terms[1:])

    words: dict[tuple[int, int], list[str]] = {}
    for span in default_analyzer().analyze_spans(text, lang):
        words.setdefault((span.start, span.end), []).append(span.term)
    order = sorted(words)
    out = set()
    for i in range(len(order)):
        for phrase in wanted:
            window = order[i : i + len(phrase)]
            if len(window) == len(phrase) and all(
                is_head(words[w], h) for w, h in zip(window, phrase, strict=True)
            ):
                out.add((window[0][0], window[-1][1]))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(out):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


_WORDS = [
    "kotikuntoutus",
    "kuntoutus",
    "kuntoutuksen",
    "ikääntyneiden",
    "ikääntyneet",
    "ihmisten",
    "older",
    "people",
    "homeless",
    "perhetyö",
    "perhetyötä",
    "hoitotyö",
    "metsänhoito",
    "omaishoitajat",
    "omaishoitajien",
    "tuki",
    "tukea",
    "Kotkassa",
    "Kotka",
    "asunto",
    "ensin",
    "Asunto",
    "ensin-mallin",
    "sosiaalinen",
    "sosiaalisen",
    "kuntoutuksessa",
    "nuorten",
    "työpaja",
]


@pytest.mark.parametrize("seed", range(40))
def test_spans_mark_what_trying_every_phrase_at_every_word_marks(seed: int) -> None:
    # spans() finds each word's heads from its own terms and tries a phrase only
    # where its first head stands; the marks must be those of the plain rule.
    import random

    from search.analysis import default_analyzer

    rng = random.Random(seed)
    text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(5, 40)))
    analyzer = default_analyzer()
    heads = [analyzer.word_terms(w, "fi")[0] for w in rng.sample(_WORDS, 6)]
    wanted = [(h,) for h in heads[:3]] + [tuple(heads[3:5]), tuple(heads[4:6]), (heads[0],)]
    lang = rng.choice(["fi", None])
    assert spans(text, wanted, lang) == _spans_by_trying_every_phrase(text, wanted, lang)


@pytest.mark.parametrize(
    ("text", "cookie"),
    [
        ("Hanke kehittää perhetyötä. Sivusto käyttää evästeitä analytiikkaan! Lisää", True),
        ("We use Cookies.\nThe project supports carers", True),
        ("Webbplatsen använder kakor för statistik? Projektet", True),
        ("evästeasetukset", True),
        ("Ei mainintaa siitä, joten mitään ei leikata pois", False),
    ],
)
def test_cookie_sentences_are_cut_as_a_full_scan_cuts_them(text: str, cookie: bool) -> None:
    # snippet_chrome looks for the cookie word before running the sentence pattern
    # over the text; what it cuts must include every span the full scan finds.
    from search.highlight import COOKIES, snippet_chrome

    full_scan = [(m.start(), m.end()) for m in COOKIES.finditer(text)]
    assert bool(full_scan) == cookie
    got = snippet_chrome(text)
    assert all(span in got for span in full_scan)
