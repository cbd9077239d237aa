"""The matched set: the rule, the set scores, the fit and the stored calibrations.

Fast: synthetic evidence, no engine.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from search import calibration
from search.calibrate import Judged, Observation, best_cut, fit, set_report, set_scores
from search.matching import CONSERVATIVE, MatchRule, Ranked, select


def ranked(*rows: tuple[str, float, float | None]) -> list[Ranked]:
    return [Ranked(key, score, cosine) for key, score, cosine in rows]


RULE = MatchRule(ratio=0.8, coverage=0.5, margin=0.01, floor=0.85, coverage_weight=0.1)


def test_autocut_ends_the_answer_at_the_first_large_drop() -> None:
    rows = ranked(("a", 1.0, 0.90), ("b", 0.85, 0.88), ("c", 0.5, 0.86), ("d", 0.45, 0.80))
    assert select(rows, lambda keys: {}, RULE) == ["a", "b"]


def test_coverage_keeps_a_lower_page_that_says_the_query_words() -> None:
    rows = ranked(("a", 1.0, 0.90), ("b", 0.5, 0.895), ("c", 0.5, 0.895))
    covered = {"a": 1.0, "b": 0.6, "c": 0.2}
    assert select(rows, lambda keys: covered, RULE) == ["a", "b"]


def test_coverage_alone_is_not_enough_far_from_the_best_similarity() -> None:
    rows = ranked(("a", 1.0, 0.90), ("b", 0.5, 0.80))
    assert select(rows, lambda keys: {"a": 1.0, "b": 1.0}, RULE) == ["a"]


def test_an_off_topic_query_answers_with_nothing() -> None:
    rows = ranked(("a", 1.0, 0.80), ("b", 0.9, 0.79))
    assert select(rows, lambda keys: {"a": 0.2}, RULE) == []


def test_coverage_at_the_top_can_carry_a_query_over_the_floor() -> None:
    rows = ranked(("a", 1.0, 0.80))
    assert select(rows, lambda keys: {"a": 0.6}, RULE) == ["a"]  # 0.80 + 0.1 * 0.6 >= 0.85


def test_coverage_is_asked_only_for_groups_the_rule_could_take() -> None:
    asked: list[list[str]] = []
    rows = ranked(
        ("a", 1.0, 0.9), ("b", 0.9, 0.7), ("c", 0.8, 0.7), ("d", 0.1, 0.7), ("e", 0.1, 0.895)
    )
    select(rows, lambda keys: asked.append(keys) or {}, RULE)
    assert asked == [["a", "b", "c", "e"]]


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
            (f"r{i}", 1.0, top),
            (f"s{i}", 0.95, top - 0.005),
            (f"x{i}", 0.6, top - 0.03),
            (f"y{i}", 0.5, top - 0.04),
        )
        out.append(observation(f"q{i}", {f"r{i}", f"s{i}"}, rows, {f"r{i}": 0.9, f"s{i}": 0.8}))
    for i in range(6):
        rows = ranked((f"o{i}", 1.0, 0.80 + 0.005 * i), (f"p{i}", 0.9, 0.79))
        out.append(observation(f"off{i}", set(), rows, {f"o{i}": 0.1}))
    return out


def test_fit_finds_a_rule_that_separates_the_synthetic_queries() -> None:
    observations = synthetic()
    result = fit(observations)
    assert result.f1 == pytest.approx(1.0)
    assert result.empty == pytest.approx(1.0)
    # The floor lies between the off-topic and on-topic best similarities.
    assert 0.825 <= result.rule.floor + result.rule.coverage_weight * 0.1 <= 0.88 + 0.1


def test_report_puts_the_matched_set_next_to_the_best_fixed_cut() -> None:
    observations = synthetic()
    report = set_report(fit(observations).rule, observations)
    assert report["matched"]["f1"] == pytest.approx(1.0)
    assert report["best_cut"] == best_cut(observations)
    assert report["best_cut"]["k"] == 2
    assert report["offtopic"] == {"empty": 1.0, "queries": 6}


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
