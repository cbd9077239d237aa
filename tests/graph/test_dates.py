"""Date and period parsing: examples from real project pages plus hypothesis properties."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.language.dates import PartialDate, expand_year, find_dates


def _one(text: str):
    spans = find_dates(text)
    assert len(spans) == 1, spans
    span = spans[0]
    assert text[span.start : span.end] == span.text
    return span


@pytest.mark.parametrize(
    ("text", "kind", "begin", "finish"),
    [
        ("2010–2013", "range", "2010", "2013"),
        ("2010-2013", "range", "2010", "2013"),
        ("vuosina 2015-2017", "range", "2015", "2017"),
        ("8.1.2013 alkaen 31.10.13 saakka", "range", "2013-01-08", "2013-10-31"),
        ("1.2.12–31.10.13", "range", "2012-02-01", "2013-10-31"),
        ("ajalla 1.2.12–31.10.13", "range", "2012-02-01", "2013-10-31"),
        ("1.5.–31.12.2012", "range", "2012-05-01", "2012-12-31"),
        ("1.11.–28.2.2015", "range", "2014-11-01", "2015-02-28"),
        ("syksyllä 2014", "range", "2014-09", "2014-11"),
        ("keväällä 2015", "range", "2015-03", "2015-05"),
        ("1.1.2016 lähtien", "from", "2016-01-01", None),
        ("31.12.2015 saakka", "until", None, "2015-12-31"),
        ("2/2014", "point", "2014-02", "2014-02"),
        ("January 2015 – June 2016", "range", "2015-01", "2016-06"),
        ("2015-03-01", "point", "2015-03-01", "2015-03-01"),
        ("2015–17", "range", "2015", "2017"),
        ("toukokuussa 2016", "point", "2016-05", "2016-05"),
        ("5 March 2015", "point", "2015-03-05", "2015-03-05"),
    ],
)
def test_examples(text: str, kind: str, begin: str | None, finish: str | None) -> None:
    span = _one(text)
    assert span.kind == kind
    assert (span.begin.iso() if span.begin else None) == begin
    assert (span.finish.iso() if span.finish else None) == finish


def test_season_is_marked_approximate() -> None:
    assert _one("syksyllä 2014").approximate
    assert not _one("1.9.2014").approximate


def test_invalid_day_is_not_a_date() -> None:
    assert find_dates("31.2.2013") == []
    assert find_dates("30.2.13") == []


def test_journal_issue_is_not_a_month() -> None:
    assert find_dates("artikkeli Kuntoutus 1/2014 -lehteen") == []


def test_list_of_dates_gives_points_in_order() -> None:
    text = "koulutusiltapäivää 28.8.13, 4.9.13 ja 25.9.13."
    spans = find_dates(text)
    assert [s.begin.iso() for s in spans if s.begin] == ["2013-08-28", "2013-09-04", "2013-09-25"]


def test_two_digit_years() -> None:
    assert expand_year("13") == 2013
    assert expand_year("69") == 2069
    assert expand_year("70") == 1970
    assert expand_year("99") == 1999


def test_reversed_range_is_not_a_range() -> None:
    spans = find_dates("2015–2012")
    assert all(s.kind != "range" for s in spans)


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)))
def test_dmy_round_trip(d: date) -> None:
    text = f"{d.day}.{d.month}.{d.year}"
    span = _one(text)
    assert span.kind == "point"
    assert span.begin == PartialDate(d.year, d.month, d.day)


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(1970, 1, 1), max_value=date(2069, 12, 31)))
def test_two_digit_year_round_trip(d: date) -> None:
    span = _one(f"Päivämäärä {d.day}.{d.month}.{d.year % 100:02d} on tärkeä.")
    assert span.begin == PartialDate(d.year, d.month, d.day)


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)),
    st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)),
    st.sampled_from(["–", "-", " – ", " - "]),
)
def test_ranges_have_start_before_end(a: date, b: date, dash: str) -> None:
    text = f"ajalla {a.day}.{a.month}.{a.year}{dash}{b.day}.{b.month}.{b.year}"
    for span in find_dates(text):
        if span.kind == "range":
            assert span.begin is not None and span.finish is not None
            assert span.begin.first_day() <= span.finish.last_day()
            assert (a <= b) and span.begin.first_day() == a and span.finish.last_day() == b


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_never_raises_and_offsets_hold(text: str) -> None:
    for span in find_dates(text):
        assert text[span.start : span.end] == span.text
        for value in (span.begin, span.finish):
            if value is not None:
                value.first_day()
                value.last_day()
        if span.begin is not None and span.finish is not None:
            assert span.begin.first_day() <= span.finish.last_day()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789.-–/ kesäsyksylläalkaenaskka\n", max_size=80))
def test_never_raises_on_date_like_noise(text: str) -> None:
    for span in find_dates(text):
        assert text[span.start : span.end] == span.text
        if span.begin is not None and span.finish is not None:
            assert span.begin.first_day() <= span.finish.last_day()
