"""Euro amounts in text: "2,5 miljoonaa euroa", "216 349 €", "EUR 112,023", "€1.2 million".

A pure reader with no graph in it: :func:`find_amounts` returns every amount in a
text with its span, its value (or the two ends of a range, "100 000–500 000
euroa") and whether the text hedges it ("noin", "reilut", "about"). Deciding
what an amount is (a grant to the project, its budget, or a programme's total)
is the job of :mod:`graph.extract.money`.

Number conventions: Finnish groups thousands with spaces and writes decimals
with a comma ("149 996,50"); English groups with commas and writes decimals
with a dot ("112,023.50"). A comma followed by exactly three digits is read as
a thousands separator where the currency stands before the number ("EUR
112,023") or the text is English; elsewhere a comma is a decimal comma.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

#: Spaces that group thousands: ordinary, no-break and narrow no-break.
_SP = "[ \u00a0\u202f]"
#: A number as written: grouped by spaces, commas or dots, with a decimal part.
_NUM = rf"\d{{1,3}}(?:(?:{_SP}|,|\.)\d{{3}})+(?:[,.]\d{{1,2}})?(?!\d)|\d+(?:[,.]\d+)?"
#: Scale words after a number: millions and thousands in Finnish, English and Swedish.
_SCALE = (
    r"miljoonaa|miljoonan|miljoona|milj\.?|million(?:s)?|miljoner|miljon|mn|m(?=€|\s?EUR)|M(?=€|e\b)|"
    r"miljardia|miljardin|billion|mrd\.?|"
    r"tuhatta|tuhannen|thousand|tusen|t(?=€)|k(?=€)"
)
#: The currency after a number.
_CURRENCY_AFTER = r"(?:€|e(?=\b[^\w-])|euroa|euron|euroon|eurolla|euroilla|euro|euros|EUR|eur)"
_HEDGE = (
    r"(?:noin|n\.|reilut|reilu|yli|lähes|vajaat?|ainakin|jopa|arviolta|yhteensä|"
    r"about|approximately|approx\.|around|over|nearly|almost|some|up to|ca\.|circa|cirka|"
    r"drygt|omkring|ungefär)"
)
_DASH = rf"{_SP}*(?:–|—|-|\.\.\.?|…|to|ja){_SP}*"

#: "100 000–500 000 euroa", "1–2 miljoonaa euroa": a range of amounts in one currency.
_RANGE = re.compile(
    rf"(?<![\w,.])(?P<lo>{_NUM})(?:{_SP}?(?P<lo_scale>{_SCALE}))?{_DASH}(?P<hi>{_NUM})"
    rf"{_SP}?(?P<scale>{_SCALE})?{_SP}?(?P<cur>{_CURRENCY_AFTER})(?![\w])",
)
#: "2,5 miljoonaa euroa", "216 349 €", "149 996,50 €".
_AFTER = re.compile(
    rf"(?:(?P<hedge>{_HEDGE}){_SP}+)?(?<![\w,.])(?P<num>{_NUM}){_SP}?(?P<scale>{_SCALE})?\.?{_SP}?"
    rf"(?P<cur>{_CURRENCY_AFTER})(?![\w])",
    re.I,
)
#: "EUR 112,023", "€1.2 million", "€ 50 000".
_BEFORE = re.compile(
    rf"(?:(?P<hedge>{_HEDGE}){_SP}+)?(?P<cur>€|EUR\b|eur\b){_SP}?(?P<num>{_NUM})"
    rf"(?:{_SP}?(?P<scale>{_SCALE})(?![\w]))?",
    re.I,
)
#: A price per unit ("10 euroa/tunti", "€ per hour") is no project's money.
_PER_UNIT = re.compile(
    r"\s*(?:/|per\b|kuukaudessa|vuodessa|tunnissa|päivässä|henkilöä kohden|asiakasta kohden|"
    r"kappaleelta|a month|a year|an hour|each\b)",
    re.I,
)


@dataclass(frozen=True)
class AmountSpan:
    """One amount in a text; ``text[start:end]`` is what was read."""

    start: int
    end: int
    value: Decimal | None
    """The amount; ``None`` for a range."""
    low: Decimal | None = None
    high: Decimal | None = None
    """The ends of a range ("100 000–500 000 euroa")."""
    approximate: bool = False
    currency: str = "EUR"

    @property
    def values(self) -> list[Decimal]:
        """The amount, or both ends of a range."""
        if self.value is not None:
            return [self.value]
        return [v for v in (self.low, self.high) if v is not None]


def parse_number(raw: str, thousands_comma: bool) -> Decimal | None:
    """The value of a number as written ("216 349", "2,5", "112,023", "1.2").

    ``thousands_comma`` reads a comma before exactly three digits as grouping
    (English); otherwise a comma is a decimal comma (Finnish)."""
    s = re.sub(_SP, "", raw)
    if "," in s and "." in s:
        # Both: the later one is the decimal mark ("1,234.50" / "1.234,50").
        decimal_mark = "," if s.rfind(",") > s.rfind(".") else "."
        group = "." if decimal_mark == "," else ","
        s = s.replace(group, "").replace(decimal_mark, ".")
    elif "," in s:
        groups = s.split(",")
        if thousands_comma and all(len(g) == 3 for g in groups[1:]):
            s = s.replace(",", "")
        elif len(groups) == 2:
            s = s.replace(",", ".")
        else:
            return None
    elif "." in s:
        groups = s.split(".")
        # "1.234.567" or a Finnish "216.349 €" groups; "1.2" is a decimal point.
        if len(groups) > 2 or (len(groups[1]) == 3 and not thousands_comma):
            s = s.replace(".", "")
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def _scale(word: str | None) -> Decimal:
    if not word:
        return Decimal(1)
    w = word.lower().rstrip(".")
    if w.startswith(("miljard", "billion", "mrd")):
        return Decimal(1_000_000_000)
    if w.startswith(("milj", "million", "mn")) or w == "m":
        return Decimal(1_000_000)
    if w.startswith(("tuha", "thousand", "tusen")) or w in ("t", "k"):
        return Decimal(1000)
    return Decimal(1)


#: A currency mark: amounts are looked for only around one (long texts stay fast).
_MARK = re.compile(r"€|\beur|\be\b", re.I)
#: How far before and after a currency mark an amount may reach.
_BEFORE_MARK, _AFTER_MARK = 120, 60


def find_amounts(text: str, lang: str = "fi") -> list[AmountSpan]:
    """Every euro amount in ``text``, in order, without overlaps. Prices per unit
    ("25 euroa/tunti") are left out. Never raises."""
    windows: list[list[int]] = []
    for m in _MARK.finditer(text):
        start, end = max(0, m.start() - _BEFORE_MARK), min(len(text), m.end() + _AFTER_MARK)
        if windows and start <= windows[-1][1]:
            windows[-1][1] = end
        else:
            windows.append([start, end])
    out: list[AmountSpan] = []
    for start, end in windows:
        # A window starts at a word boundary so that no number is read from its middle.
        limit = max(0, start - 40)
        while start > limit and not text[start - 1].isspace():
            start -= 1
        for a in _amounts_in(text[start:end], lang):
            shifted = AmountSpan(
                a.start + start, a.end + start, a.value, a.low, a.high, a.approximate, a.currency
            )
            if not any(o.start < shifted.end and shifted.start < o.end for o in out):
                out.append(shifted)
    return sorted(out, key=lambda a: a.start)


def _amounts_in(text: str, lang: str) -> list[AmountSpan]:
    english = lang == "en"
    out: list[AmountSpan] = []
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return not any(a < e and s < b for a, b in taken)

    for m in _RANGE.finditer(text):
        if _PER_UNIT.match(text, m.end()):
            continue
        scale = _scale(m.group("scale"))
        lo_scale = _scale(m.group("lo_scale")) if m.group("lo_scale") else scale
        lo = parse_number(m.group("lo"), english)
        hi = parse_number(m.group("hi"), english)
        if lo is None or hi is None or lo * lo_scale >= hi * scale:
            continue
        if m.group("lo_scale") is None and m.group("scale") is None and lo < 100 <= hi:
            # "2–500 euroa" is no budget class; "10–20 %"-like noise.
            continue
        out.append(AmountSpan(m.start(), m.end(), None, lo * lo_scale, hi * scale))
        taken.append(m.span())
    for pattern, before in ((_BEFORE, True), (_AFTER, False)):
        for m in pattern.finditer(text):
            s, e = m.span()
            if not free(s, e) or _PER_UNIT.match(text, e):
                continue
            value = parse_number(m.group("num"), english or before)
            if value is None:
                continue
            value *= _scale(m.group("scale"))
            if value <= 0:
                continue
            hedge = m.group("hedge")
            approximate = bool(hedge) and hedge.lower() != "yhteensä"
            out.append(AmountSpan(s, e, value, approximate=approximate))
            taken.append((s, e))
    return sorted(out, key=lambda a: a.start)
