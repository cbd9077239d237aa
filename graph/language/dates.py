"""Finnish and English date and period parsing, with character offsets.

:func:`find_dates` finds points ("8.1.2013", "2/2014", "March 2015",
"2015-03-01", "2014"), ranges ("2010–2013", "1.2.12–31.10.13", "1.5.–31.12.2012",
"8.1.2013 alkaen 31.10.13 saakka", "January 2015 – June 2016", "vuosina
2015-2017"), open periods ("1.1.2016 lähtien" → ``from``, "31.10.2013 saakka"
→ ``until``) and seasons. Every value is a valid calendar date at its
precision: "31.2.2013" is not a date and is not returned.

Conventions, stated once:
- two-digit years: 00-69 → 20xx, 70-99 → 19xx;
- a season is a month range of that year, marked ``approximate``: spring
  (kevät) = March-May, summer (kesä) = June-August, autumn (syksy) =
  September-November, winter (talvi) = January-February, "alkuvuosi" =
  January-June, "loppuvuosi" = July-December;
- "1.5.–31.12.2012": a day and month without a year take the range end's year
  (the year before when that would put the start after the end);
- "1/2014 -lehteen" (a journal issue) is not a date.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

Kind = Literal["point", "range", "from", "until"]


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the year, the month or the day."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> Literal["year", "month", "day"]:
        """How much of the date is known."""
        if self.day is not None:
            return "day"
        return "month" if self.month is not None else "year"

    def first_day(self) -> date:
        """The earliest calendar day this value can mean."""
        return date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> date:
        """The latest calendar day this value can mean."""
        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return date(self.year, month, day)

    def iso(self) -> str:
        """ "2013", "2013-02" or "2013-02-01"."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True)
class DateSpan:
    """A date expression found in text; ``text == source[start:end]``.

    ``begin`` is ``None`` for ``until``, ``finish`` is ``None`` for ``from``;
    a ``point`` has ``begin == finish``.
    """

    start: int
    end: int
    text: str
    kind: Kind
    begin: PartialDate | None
    finish: PartialDate | None
    approximate: bool = False


MONTHS_EN = {
    name: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
MONTHS_FI = {
    stem: i
    for i, stem in enumerate(
        [
            "tammi",
            "helmi",
            "maalis",
            "huhti",
            "touko",
            "kesä",
            "heinä",
            "elo",
            "syys",
            "loka",
            "marras",
            "joulu",
        ],
        start=1,
    )
}
#: Season word stem -> (first month, last month).
SEASONS = {
    "kevä": (3, 5),
    "kevät": (3, 5),
    "kesä": (6, 8),
    "syks": (9, 11),
    "syksy": (9, 11),
    "talv": (1, 2),
    "talvi": (1, 2),
    "alkuvuo": (1, 6),
    "loppuvuo": (7, 12),
    "spring": (3, 5),
    "summer": (6, 8),
    "autumn": (9, 11),
    "fall": (9, 11),
    "winter": (1, 2),
}

_Y4 = r"(?:19[5-9]\d|20\d\d)"
_EN_MONTH = "|".join(sorted(MONTHS_EN, key=len, reverse=True))
_FI_MONTH = "|".join(MONTHS_FI)
_NB = r"(?<![\w.,/])"  # not inside a longer number or word
_NA = r"(?![\w]|[.,/]\d)"

_ATOM = re.compile(
    "|".join(
        [
            # ISO 2015-03-01
            rf"{_NB}(?P<iso>(?P<iso_y>{_Y4})-(?P<iso_m>\d\d)-(?P<iso_d>\d\d)){_NA}",
            # 8.1.2013 / 8.1.13
            rf"{_NB}(?P<dmy>(?P<dmy_d>\d{{1,2}})\.\s?(?P<dmy_m>\d{{1,2}})\.\s?(?P<dmy_y>\d{{4}}|\d\d)){_NA}",
            # 1.5. (no year; only used as a range start)
            rf"{_NB}(?P<dm>(?P<dm_d>\d{{1,2}})\.(?P<dm_m>\d{{1,2}})\.)(?!\d)",
            # 2015–17: a year range with a two-digit end
            rf"{_NB}(?P<yy>(?P<yy_a>{_Y4})\s?[-–—]\s?(?P<yy_b>\d\d)){_NA}",
            # 2/2014
            rf"{_NB}(?P<my>(?P<my_m>\d{{1,2}})\s?/\s?(?P<my_y>{_Y4})){_NA}",
            # 5 March 2015, March 5, 2015, March 2015
            rf"\b(?P<den>(?P<den_d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<den_m>{_EN_MONTH})\.?,?\s+(?P<den_y>{_Y4})){_NA}",
            rf"\b(?P<med>(?P<med_m>{_EN_MONTH})\.?\s+(?P<med_d>\d{{1,2}})(?:st|nd|rd|th)?,\s+(?P<med_y>{_Y4})){_NA}",
            rf"\b(?P<men>(?P<men_m>{_EN_MONTH})\.?,?\s+(?P<men_y>{_Y4})){_NA}",
            # tammikuussa 2014, tammikuu 2014
            rf"\b(?P<mfi>(?P<mfi_m>{_FI_MONTH})kuu\w*\s+(?P<mfi_y>{_Y4})){_NA}",
            # syksyllä 2014, spring 2015
            r"\b(?P<sea>(?P<sea_w>kevää\w*|kevät\w*|kesä(?:llä|ksi|stä|än|nä)?|syksy\w*|talve\w*|"
            r"talvi\w*|alkuvuo\w*|loppuvuo\w*|spring|summer|autumn|fall|winter)"
            rf"(?:\s+of)?\s+(?P<sea_y>{_Y4})){_NA}",
            # a bare year
            rf"{_NB}(?P<year>{_Y4}){_NA}",
        ]
    ),
    re.IGNORECASE,
)

_RANGE_DASH = re.compile(r"^\s*(?:[-–—‒]|--|to|until|till|through|-\s*-)\s*$", re.I)
_RANGE_WORDS = re.compile(r"^\s+(?:alkaen|lähtien)\s+(?:aina\s+)?$", re.I)
_RANGE_TAIL = re.compile(r"^\s+(?:saakka|asti|mennessä)\b", re.I)
_FROM_AFTER = re.compile(r"^\s+(?:alkaen|lähtien|lukien|onwards)\b", re.I)
_FROM_BEFORE = re.compile(r"\b(?:from|since|alkaen|lähtien|starting)\s+$", re.I)
_UNTIL_AFTER = re.compile(r"^\s+(?:saakka|asti|mennessä)\b", re.I)
_UNTIL_BEFORE = re.compile(r"\b(?:until|till|by|asti|saakka)\s+$", re.I)
#: "between 2018 and 2020", "vuosien 2018 ja 2020 välillä": a range said with "and".
_AND_GAP = re.compile(r"^\s+(?:and|ja|och)\s+$", re.I)
_BETWEEN_BEFORE = re.compile(r"\b(?:between|mellan)\s+(?:the\s+years\s+)?$", re.I)
_BETWEEN_AFTER = re.compile(r"^\s+(?:välillä|välisenä|välisellä|väliseksi)\b", re.I)
_ELATIVE = re.compile(r"(?:sta|stä)$", re.I)
_ILLATIVE = re.compile(r"(?:seen|aan|ään|iin|een|uun|yyn|oon|öön|hin|hun|hyn)$", re.I)
_ISSUE_AFTER = re.compile(r"^\s*-?\s*(?:lehte|lehde|lehdessä|numero|julkaisu)", re.I)


def expand_year(two_or_four: str) -> int:
    """ "13" -> 2013, "87" -> 1987, "2013" -> 2013."""
    value = int(two_or_four)
    if len(two_or_four) == 2:
        return 2000 + value if value < 70 else 1900 + value
    return value


def _valid(year: int, month: int | None = None, day: int | None = None) -> PartialDate | None:
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None:
        if month is None:
            return None
        try:
            date(year, month, day)
        except ValueError:
            return None
    if not 1000 <= year <= 2999:
        return None
    return PartialDate(year, month, day)


@dataclass(frozen=True)
class _Atom:
    start: int
    end: int
    begin: PartialDate | None
    finish: PartialDate | None
    kind: str  # "point", "range", "daymonth"
    approximate: bool = False
    daymonth: tuple[int, int] | None = None


def _atom(m: re.Match[str]) -> _Atom | None:
    g = m.groupdict()
    s, e = m.start(), m.end()
    if g["iso"]:
        d = _valid(int(g["iso_y"]), int(g["iso_m"]), int(g["iso_d"]))
        return _Atom(s, e, d, d, "point") if d else None
    if g["dmy"]:
        d = _valid(expand_year(g["dmy_y"]), int(g["dmy_m"]), int(g["dmy_d"]))
        return _Atom(s, e, d, d, "point") if d else None
    if g["dm"]:
        day, month = int(g["dm_d"]), int(g["dm_m"])
        if not 1 <= month <= 12 or not 1 <= day <= 31:
            return None
        return _Atom(s, e, None, None, "daymonth", daymonth=(day, month))
    if g["yy"]:
        a = int(g["yy_a"])
        b = (a // 100) * 100 + int(g["yy_b"])
        if not 0 < b - a <= 30:
            return None
        return _Atom(s, e, PartialDate(a), PartialDate(b), "range")
    if g["my"]:
        d = _valid(int(g["my_y"]), int(g["my_m"]))
        return _Atom(s, e, d, d, "point") if d else None
    if g["den"]:
        d = _valid(int(g["den_y"]), MONTHS_EN[g["den_m"].lower()], int(g["den_d"]))
        return _Atom(s, e, d, d, "point") if d else None
    if g["med"]:
        d = _valid(int(g["med_y"]), MONTHS_EN[g["med_m"].lower()], int(g["med_d"]))
        return _Atom(s, e, d, d, "point") if d else None
    if g["men"]:
        d = _valid(int(g["men_y"]), MONTHS_EN[g["men_m"].lower()])
        return _Atom(s, e, d, d, "point") if d else None
    if g["mfi"]:
        d = _valid(int(g["mfi_y"]), MONTHS_FI[g["mfi_m"].lower()])
        return _Atom(s, e, d, d, "point") if d else None
    if g["sea"]:
        word = g["sea_w"].lower()
        months = next((v for k, v in SEASONS.items() if word.startswith(k)), None)
        if months is None:
            return None
        year = int(g["sea_y"])
        return _Atom(
            s, e, PartialDate(year, months[0]), PartialDate(year, months[1]), "range", True
        )
    if g["year"]:
        year = int(g["year"])
        return _Atom(s, e, PartialDate(year), PartialDate(year), "point")
    return None


def _atoms(text: str) -> list[_Atom]:
    out: list[_Atom] = []
    for m in _ATOM.finditer(text):
        atom = _atom(m)
        if atom is None:
            continue
        # "Kuntoutus 1/2014 -lehteen" names a journal issue, not a month.
        if m.group("my") and _ISSUE_AFTER.match(text[m.end() : m.end() + 20]):
            continue
        out.append(atom)
    return out


def _year_of_daymonth(dm: tuple[int, int], finish: PartialDate) -> PartialDate | None:
    day, month = dm
    begin = _valid(finish.year, month, day)
    if begin is not None and begin.first_day() > finish.last_day():
        begin = _valid(finish.year - 1, month, day)
    return begin


def find_dates(text: str) -> list[DateSpan]:
    """All date expressions in ``text``, in order, without overlaps. Never raises."""
    try:
        return _find_dates(text)
    except (ValueError, OverflowError, IndexError):  # pragma: no cover - defensive
        return []


def _find_dates(text: str) -> list[DateSpan]:
    atoms = _atoms(text)
    spans: list[DateSpan] = []
    i = 0
    while i < len(atoms):
        a = atoms[i]
        b = atoms[i + 1] if i + 1 < len(atoms) else None
        if b is not None and b.kind != "daymonth" and b.finish is not None:
            gap = text[a.end : b.start]
            tail = _RANGE_TAIL.match(text[b.end : b.end + 20])
            dash = _RANGE_DASH.match(gap)
            words = _RANGE_WORDS.match(gap)
            cases = _elative_to_illative(text, a, b, gap)
            between = _AND_GAP.match(gap) and (
                _BETWEEN_BEFORE.search(text[max(0, a.start - 30) : a.start])
                or _BETWEEN_AFTER.match(text[b.end : b.end + 20])
            )
            if dash or words or between or cases:
                begin = a.begin if a.kind != "daymonth" else None
                if a.kind == "daymonth" and a.daymonth is not None:
                    begin = _year_of_daymonth(a.daymonth, b.finish)
                assert b.finish is not None
                if begin is not None and begin.first_day() <= b.finish.last_day():
                    end = b.end + (tail.end() if tail else 0)
                    spans.append(
                        DateSpan(
                            a.start,
                            end,
                            text[a.start : end],
                            "range",
                            begin,
                            b.finish,
                            a.approximate or b.approximate,
                        )
                    )
                    i += 2
                    continue
        if a.kind == "daymonth":
            i += 1
            continue
        spans.append(_single(text, a))
        i += 1
    return spans


def _elative_to_illative(text: str, a: _Atom, b: _Atom, gap: str) -> bool:
    """ "vuodesta 2017 vuoteen 2020", "syksystä 2017 kevääseen 2020": from one date
    (elative) to the next (illative), the case words inside the dates or around them."""
    first = re.match(r"[^\W\d]+", text[a.start : a.end])
    word_a = first.group() if first else _word_before(text, a.start)
    second = re.match(r"[^\W\d]+", text[b.start : b.end])
    if second:
        word_b, rest = second.group(), gap
    else:
        m = re.fullmatch(r"\s+([^\W\d]+)\s+", gap)
        if m is None:
            return False
        word_b, rest = m.group(1), ""
    return (
        not rest.strip()
        and _ELATIVE.search(word_a or "") is not None
        and _ILLATIVE.search(word_b) is not None
    )


def _word_before(text: str, start: int) -> str | None:
    m = re.search(r"([^\W\d]+)\s+$", text[max(0, start - 30) : start])
    return m.group(1) if m else None


def _single(text: str, a: _Atom) -> DateSpan:
    after = text[a.end : a.end + 20]
    before = text[max(0, a.start - 20) : a.start]
    kind: Kind = "range" if a.kind == "range" else "point"
    start, end = a.start, a.end
    begin, finish = a.begin, a.finish
    if kind == "point":
        m = _FROM_AFTER.match(after)
        if m or _FROM_BEFORE.search(before):
            kind, finish = "from", None
            end += m.end() if m else 0
        else:
            m = _UNTIL_AFTER.match(after)
            if m or _UNTIL_BEFORE.search(before):
                kind, begin = "until", None
                end += m.end() if m else 0
    return DateSpan(start, end, text[start:end], kind, begin, finish, a.approximate)


def with_offset(span: DateSpan, offset: int) -> DateSpan:
    """``span`` moved by ``offset`` characters (for spans found in a substring)."""
    return replace(span, start=span.start + offset, end=span.end + offset)
