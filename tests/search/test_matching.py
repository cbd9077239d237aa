"""The matched set: the rule, the set scores, the fit and the stored calibrations.

Fast: synthetic evidence, no engine.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from search import calibration
from search.calibrate import (
    Judged,
    Observation,
    best_cut,
    cross_validated,
    fit,
    set_report,
    set_scores,
)
from search.matching import CONSERVATIVE, MatchRule, Ranked, query_units, select, topic_query


def ranked(*rows: tuple[str, float, float | None, float | None]) -> list[Ranked]:
    return [Ranked(key, score, cosine, lexical) for key, score, cosine, lexical in rows]


RULE = MatchRule(ratio=0.8, lexical=0.6, margin=0.02, floor=0.85, coverage_gate=0.7)


def test_autocut_ends_the_answer_at_the_first_large_drop() -> None:
    rows = ranked(
        ("a", 1.0, 0.90, 10.0),
        ("b", 0.85, 0.88, 2.0),
        ("c", 0.5, 0.86, 2.0),
        ("d", 0.45, 0.80, 1.0),
    )
    assert select(rows, lambda keys: {}, RULE) == ["a", "b"]


def test_a_lower_page_that_says_the_query_words_as_strongly_is_kept() -> None:
    rows = ranked(("a", 1.0, 0.90, 10.0), ("b", 0.5, 0.89, 7.0), ("c", 0.5, 0.89, 5.0))
    assert select(rows, lambda keys: {}, RULE) == ["a", "b"]


def test_lexical_strength_alone_is_not_enough_far_from_the_best_similarity() -> None:
    rows = ranked(("a", 1.0, 0.90, 10.0), ("b", 0.5, 0.80, 10.0), ("c", 0.5, 0.89, None))
    assert select(rows, lambda keys: {}, RULE) == ["a"]


def test_an_off_topic_query_answers_with_nothing() -> None:
    rows = ranked(("a", 1.0, 0.80, 3.0), ("b", 0.9, 0.79, 3.0))
    assert select(rows, lambda keys: {"a": 0.2}, RULE) == []


def test_a_top_page_with_most_of_the_query_words_answers_a_query_below_the_floor() -> None:
    rows = ranked(("a", 1.0, 0.80, 3.0))
    assert select(rows, lambda keys: {"a": 0.75}, RULE) == ["a"]  # minimum-should-match


def test_coverage_is_asked_for_the_top_only_and_only_when_it_decides() -> None:
    asked: list[list[str]] = []
    rows = ranked(*((k, 1.0 - i / 10, 0.8, 1.0) for i, k in enumerate("abcde")))
    select(rows, lambda keys: asked.append(keys) or {}, RULE)
    assert asked == [["a", "b", "c"]]
    asked.clear()
    select(ranked(("a", 1.0, 0.9, 1.0)), lambda keys: asked.append(keys) or {}, RULE)
    assert asked == []  # the similarity alone answers the query


def test_the_gate_judges_the_query_without_its_place_names() -> None:
    rows = ranked(("a", 1.0, 0.90, 3.0))
    assert select(rows, lambda keys: {}, RULE) == ["a"]
    assert select(rows, lambda keys: {}, RULE, topic_cosine=0.80) == []


def test_nothing_ranked_is_nothing_matched() -> None:
    assert select([], lambda keys: {}, RULE) == []


@pytest.mark.parametrize(
    ("answer", "relevant", "expected"),
    [
        (["a", "b"], {"a"}, (0.5, 1.0, 2 / 3)),
        ([], {"a"}, (0.0, 0.0, 0.0)),
        ([], set(), (1.0, 1.0, 1.0)),  # an off-topic query answered with nothing
        (["a"], set(), (0.0, 0.0, 0.0)),
        (["b"], {"a"}, (0.0, 0.0, 0.0)),
    ],
)
def test_set_scores(answer: list[str], relevant: set[str], expected: tuple[float, ...]) -> None:
    assert set_scores(answer, relevant) == pytest.approx(expected)


def observation(
    qid: str, relevant: set[str], rows: list[Ranked], cov: dict[str, float]
) -> Observation:
    return Observation(Judged(qid, qid, frozenset(relevant)), rows, cov)


def synthetic() -> list[Observation]:
    """On-topic queries whose relevant pages score within 10 % of the top and
    off-topic queries whose best similarity is low."""
    out = []
    for i in range(12):
        top = 0.88 + 0.002 * i
        rows = ranked(
            (f"r{i}", 1.0, top, 9.0),
            (f"s{i}", 0.95, top - 0.005, 8.0),
            (f"x{i}", 0.6, top - 0.03, 2.0),
            (f"y{i}", 0.5, top - 0.04, 1.0),
        )
        out.append(observation(f"q{i}", {f"r{i}", f"s{i}"}, rows, {f"r{i}": 0.9, f"s{i}": 0.8}))
    for i in range(6):
        rows = ranked((f"o{i}", 1.0, 0.80 + 0.005 * i, 3.0), (f"p{i}", 0.9, 0.79, 3.0))
        out.append(observation(f"off{i}", set(), rows, {f"o{i}": 0.1}))
    return out


def test_fit_finds_a_rule_that_separates_the_synthetic_queries() -> None:
    observations = synthetic()
    result = fit(observations)
    assert result.f1 == pytest.approx(1.0)
    assert result.empty == pytest.approx(1.0)
    # The floor lies between the off-topic and on-topic best similarities.
    assert 0.82 <= result.rule.floor <= 0.88 or result.rule.coverage_gate <= 0.8


def test_report_puts_the_matched_set_next_to_the_best_fixed_cut() -> None:
    observations = synthetic()
    report = set_report(fit(observations).rule, observations)
    assert report["matched"]["f1"] == pytest.approx(1.0)
    assert report["best_cut"] == best_cut(observations)
    assert report["best_cut"]["k"] == 2
    assert report["offtopic"] == {"empty": 1.0, "queries": 6}


def test_cross_validation_answers_each_query_with_a_rule_fitted_without_it() -> None:
    estimate = cross_validated(synthetic(), folds=3)
    assert estimate == {"f1": 1.0, "offtopic_empty": 1.0, "folds": 3}


def test_calibration_round_trips_and_the_home_wins(tmp_path: Path) -> None:
    shipped = tmp_path / "shipped"
    home = tmp_path / "home"
    calibration.save(shipped, "abc", MatchRule(ratio=0.7), {})
    assert calibration.load("abc", home, shipped).source == "shipped"
    calibration.save(home / "calibration", "abc", MatchRule(ratio=0.9), {"queries": 3})
    found = calibration.load("abc", home, shipped)
    assert (found.source, found.rule.ratio) == ("home", 0.9)


def test_an_uncalibrated_encoder_is_warned_about_and_gets_the_conservative_rule(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="search.calibration"):
        found = calibration.load("unknown", tmp_path, tmp_path / "none")
    assert (found.source, found.rule) == ("default", CONSERVATIVE)
    assert "no match calibration" in caplog.text and "hankekg calibrate" in caplog.text


def test_the_default_encoder_ships_a_calibration() -> None:
    files = list(calibration.SHIPPED.glob("*.json"))
    assert files, "search/calibrations/ holds the default encoder's fit"
    raw = calibration.load(files[0].stem, None)
    assert raw.source == "shipped" and raw.rule != CONSERVATIVE


def test_the_topic_drops_place_names_and_keeps_the_rest() -> None:
    assert topic_query("metsänhoito Kainuussa", None, ["Kainuussa"]) == "metsänhoito"
    assert topic_query("lastensuojelu", None, []) is None  # no place: the query is the topic
    assert topic_query("Rovaniemi", None, ["Rovaniemi"]) is None  # only a place: the same


def test_units_mark_the_places_of_the_query() -> None:
    units = query_units("omaishoitajien jaksaminen Oulussa", None, ["Oulussa"])
    assert [u.place for u in units] == [False, False, True]
    assert units[0].heads == ("omaishoitaja",)
