"""Finnish, English and Swedish text analysis for the lexical index."""

from __future__ import annotations

from search.analysis import (
    ROOT_PREFIX,
    Analyzer,
    AnalyzerConfig,
    analyze,
    analyze_query,
    analyze_spans,
    detect_language,
    tokenize,
)


def test_compound_indexes_its_parts() -> None:
    terms = analyze("korvaushoitoasiakkaiden", "fi")
    assert "korvaushoitoasiakas" in terms
    for part in ("korvaushoito", "hoito", "asiakas"):
        assert part in terms


def test_place_name_in_any_case_has_one_base_form() -> None:
    assert "lappi" in analyze("Lapissa", "fi")
    assert "lappi" in analyze("Lapin", "fi")
    assert "rovaniemi" in analyze("Rovaniemellä", "fi")


def test_agent_noun_and_action_noun_share_a_derivational_root() -> None:
    """'kuntoutuja' (from kuntoutua) and 'kuntoutus' (from kuntouttaa) meet."""
    agent = set(analyze("päihdekuntoutujille", "fi"))
    action = set(analyze("päihdekuntoutus", "fi"))
    assert ROOT_PREFIX + "kuntou" in agent & action
    assert "päihde" in agent & action


def test_noun_bases_get_no_verb_root() -> None:
    # "ohjelma" ends like a verb but is a noun: no "~ohjelm" root
    assert not any(t.startswith(ROOT_PREFIX + "ohjelm") for t in analyze("ohjelma", "fi"))


def test_hyphenated_name_and_acronym_endings() -> None:
    terms = analyze("Etelä-Pohjanmaalla ESR-rahoituksella RAY:n", "fi")
    for term in ("etelä-pohjanmaa", "pohjanmaa", "esr", "rahoitus", "ray"):
        assert term in terms
    # a place name is not split into "pohjan" + "maa"
    assert "maa" not in terms


def test_unknown_compound_splits_at_its_known_tail() -> None:
    terms = analyze("opioidikorvaushoidossa", "fi")
    assert "opioidikorvaushoito" in terms
    assert "korvaushoito" in terms


def test_stopwords_dropped_in_all_languages() -> None:
    assert analyze("Tämä on se, jossa myös", "fi") == []
    assert analyze("the and of for with", "en") == []
    assert analyze("och att det som", "sv") == []


def test_english_is_stemmed_and_possessive_removed() -> None:
    assert analyze("Kela's rehabilitation services", "en") == ["kela", "rehabilit", "servic"]


def test_unknown_ascii_words_in_finnish_text_also_get_english_stem() -> None:
    # untranslated English in a Finnish page must meet an English query
    assert "hous" in analyze("Housing First -periaate", "fi")


def test_spans_point_at_the_words() -> None:
    text = "Hanke toimii Lapissa."
    spans = analyze_spans(text, "fi")
    lappi = [s for s in spans if s.term == "lappi"]
    assert lappi and text[lappi[0].start : lappi[0].end] == "Lapissa"


def test_tokenize_keeps_offsets_and_inner_punctuation() -> None:
    tokens = tokenize("KUUMA-kunnissa, RAY:n tuella.")
    assert [t.text for t in tokens] == ["KUUMA-kunnissa", "RAY:n", "tuella"]
    assert all("KUUMA-kunnissa, RAY:n tuella."[t.start : t.end] == t.text for t in tokens)


def test_query_analysis_is_the_index_analysis_without_duplicates() -> None:
    query = "Lapissa ja Lapin kuntoutus"
    assert analyze_query(query, "fi") == list(dict.fromkeys(analyze(query, "fi")))


def test_detect_language() -> None:
    assert detect_language("vertaistuki korvaushoidossa") == "fi"
    assert detect_language("work ability assessment models in Lapland") == "en"
    assert detect_language("rehabilitering för unga i Helsingfors och på landsbygden") == "sv"
    assert detect_language("") == "fi"


def test_config_changes_the_version_fingerprint() -> None:
    assert Analyzer().version != Analyzer(AnalyzerConfig(derivations=False)).version
    assert Analyzer().version == Analyzer().version
