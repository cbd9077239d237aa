"""Grants and budgets of a project, with their amounts.

Every amount :func:`~graph.extract.amounts.find_amounts` reads is judged by the
words around it, in its labelled field or its sentence:

* a grant ("myönnetty avustus", "valtionosuus", "ESR-rahoitus", "granted") is a
  ``schema:MonetaryGrant`` that the project has as ``schema:funding``, with its
  ``schema:funder`` (the funder the sentence names, else the project's one
  funder), and a ``schema:amount`` that is a ``schema:MonetaryAmount`` with
  ``schema:value``, ``schema:currency`` and, where the text states the period
  ("vuosille 2016–2018"), ``schema:validFrom`` / ``schema:validThrough``;
* a budget ("kokonaisbudjetti", "kustannusarvio", "total budget") or a budget
  class ("100 000–500 000 euroa") is the project's ``hk:budget``, a
  ``schema:MonetaryAmount`` with ``schema:value`` or ``schema:minValue`` /
  ``schema:maxValue``;
* a programme's or a call's total ("myönsi yhteensä 14,2 miljoonaa euroa
  kahdeksalle hankkeelle", "STEA-avustuksiin on käytettävissä …") and an
  amount on a line that names another project are never the project's;
* in a list of short lines with one amount each, the heading above says what
  the amounts are: the project's own line, a funder's share or a year's line is
  the project's; another project's line and one cost item of a breakdown are
  not, and the breakdown's total ("Yhteensä …") is the budget;
* an amount with no money cue near it (a price, a salary) is left alone.

Each fact carries the amount's span as evidence, like every other fact.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from rdflib import Literal, URIRef

from graph.extract.amounts import AmountSpan, find_amounts
from graph.extract.dates import date_literal
from graph.extract.run import OrgMention, Run, Steps
from graph.iris import slugify
from graph.language.dates import find_dates
from graph.load.layout import Field
from graph.vocab import HK, RDF, SCHEMA, XSD

#: Extractor names of money facts.
X_GRANT = "rule:grant"
X_BUDGET = "rule:budget"

#: Words that make an amount a grant to the project.
_GRANT_CUE = re.compile(
    r"myön\w*|avustu\w*|avuste\w*|valtionosuu\w*|valtionapu\w*|valtionavu\w*|rahoitu\w*|"
    r"rahoitt\w*|tuke\w*|\btuki\b|grant\w*|fund\w*|awarded|financ\w*|contribution|"
    r"finansier\w*|beviljat\w*|understöd\w*|bidrag\w*|"
    # received: "hanke sai 400 000 euroa", "the project received", "projektet fick"
    r"\bsa(?:i|a|anut|ivat)\b|\breceiv\w*|\bfick\b|erhöll",
    re.I,
)
#: Words that make an amount the project's budget.
_BUDGET_CUE = re.compile(
    r"budjet\w*|kustannusarvi\w*|kokonaiskustannu\w*|kustannukset|kustannuks\w*|"
    r"kokonaisrahoitu\w*|budget\w*|total cost\w*|costs?\b|kostnad\w*",
    re.I,
)
#: A total shared by several projects or a whole programme: never one project's.
_PROGRAMME_TOTAL = re.compile(
    r"\b(?:hankkeille|projekteille|hankkeisiin|projekteihin|kohteille|järjestöille|toimijoille|"
    r"hakijoille|avustuksiin|avustuksia|hankkeiden|myöntövaltuu\w*|määräraha\w*|"
    r"käytettävissä|jaettavana|haettavana|haku\w*|ohjelman\s+(?:koko\w*|budjet\w*|rahoi\w*)|"
    # "osa ohjelmaa, jonka kokonaisbudjetti on …": the amount is the programme's
    r"ohjelma\w*,?\s+jo(?:nka|lla|ssa|hon|ita)|programmes?(?:'s)?,?\s+(?:total|budget|which|whose)|"
    r"(?:\d+|kahdelle|kolmelle|neljälle|viidelle|kuudelle|seitsemälle|kahdeksalle|yhdeksälle|"
    r"kymmenelle|\w+toista|\w+kymmenelle|useille|eri)\s+(?:\w+\s+)?(?:hankkeelle|projektille)|"
    r"projects|programmes'?|organisations|organizations|applicants|call for|"
    r"projekt(?:en|er)\b)",
    re.I,
)
#: A line of a grant list that names a project: "Kasvun tuki -hanke 120 000 €".
_LIST_PROJECT = re.compile(
    r"(?P<name>[A-ZÅÄÖ0-9][\wÅÄÖåäö+&.-]*(?:\s+[\wÅÄÖåäö+&.-]+){0,4}?)\s?-\s?"
    r"(?:hanke|hankkeelle|hankkeen|projekti|projektille)\b"
)


#: A word of a name: what makes a list line name something ("2020:" names nothing).
_WORD = re.compile(r"[^\W\d_]{3,}")
#: A list line's word for the list's total: "Yhteensä 216 349 €".
_TOTAL_WORD = re.compile(r"\b(?:yhteensä|kaikkiaan|total|totalt|summa)\b", re.I)
#: At most this many words beside the amount make a line a list entry, not a sentence.
_LIST_LINE_WORDS = 12


def _list_headings(text: str, amounts: Sequence[AmountSpan]) -> dict[int, str]:
    """The heading of each amount that stands on a list line, by the amount's start.

    A list is two or more lines (blank lines between them allowed) that each hold
    one amount and a few words: "Kasvun polku 120 000 €", "Matkakulut: 5 000 €".
    Its heading is the line above it ("Myönnetyt avustukset 2021:", "Kustannukset"),
    which says what the amounts are.
    """
    per_line: dict[int, list[AmountSpan]] = {}
    for a in amounts:
        per_line.setdefault(text.rfind("\n", 0, a.start) + 1, []).append(a)
    lines: list[tuple[int, str]] = []
    pos = 0
    for raw in text.split("\n"):
        lines.append((pos, raw))
        pos += len(raw) + 1

    def entry(start: int, line: str) -> bool:
        found = per_line.get(start, [])
        if len(found) != 1:
            return False
        a = found[0]
        rest = line[: a.start - start] + line[a.end - start :]
        return len(rest.split()) <= _LIST_LINE_WORDS

    headings: dict[int, str] = {}
    i = 0
    while i < len(lines):
        if not entry(*lines[i]):
            i += 1
            continue
        block, j = [], i
        while j < len(lines) and (entry(*lines[j]) or not lines[j][1].strip()):
            if lines[j][1].strip():
                block.append(lines[j][0])
            j += 1
        if len(block) >= 2:
            above = [line for _, line in lines[max(0, i - 3) : i] if line.strip()]
            heading = above[-1] if above else ""
            for start in block:
                headings[per_line[start][0].start] = heading
        i = j
    return headings


def _line_of(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text[start : end if end >= 0 else len(text)]


def _grant_list_lines(text: str, amounts: Sequence[AmountSpan]) -> int:
    """How many lines name a project and give an amount: two or more make a grant list."""
    lines = {_line_of(text, a.start) for a in amounts}
    return sum(1 for line in lines if _LIST_PROJECT.search(line))


def _names_any(line: str, names: set[str]) -> bool:
    """Whether ``line`` names one of the project's names (or a name starts a word of it)."""
    folded = line.casefold()
    return any(n and n in folded for n in names)


def _cue_distance(pattern: re.Pattern[str], text: str, pos: int, end: int) -> int | None:
    """Characters between the amount at ``pos``..``end`` and the nearest cue in ``text``
    (a cue after the amount counts double: labels and verbs mostly come first)."""
    best: int | None = None
    for m in pattern.finditer(text):
        if m.end() <= pos:
            d = pos - m.end()
        elif m.start() >= end:
            d = 2 * (m.start() - end)
        else:
            continue
        if best is None or d < best:
            best = d
    return best


def classify(context: str, start: int, end: int, label: str | None = None) -> str | None:
    """``grant``, ``budget``, ``programme`` or ``None`` for the amount at
    ``context[start:end]``; ``label`` is the field label when the amount is a
    field value, which then decides."""
    if label is not None:
        if _BUDGET_CUE.search(label):
            return "budget"
        if _GRANT_CUE.search(label):
            return "grant"
    if _PROGRAMME_TOTAL.search(context):
        return "programme"
    grant = _cue_distance(_GRANT_CUE, context, start, end)
    budget = _cue_distance(_BUDGET_CUE, context, start, end)
    if grant is None and budget is None:
        return None
    if budget is None or (grant is not None and grant < budget):
        return "grant"
    return "budget"


def _decimal(value: Decimal) -> Literal:
    """The amount as ``xsd:decimal`` without a needless fraction ("2500000", "149996.50")."""
    text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    return Literal(text, datatype=XSD.decimal)


class MoneySteps(Steps):
    """Grants and budgets with their amounts."""

    def _money(
        self,
        run: Run,
        project: URIRef,
        fields: Sequence[Field],
        sentences: Sequence[tuple[int, int]],
        orgs: Sequence[OrgMention],
        funders: set[URIRef],
        names: Sequence[str],
    ) -> None:
        """State the grants and budget the text gives ``project``."""
        text = run.text
        slug = slugify(str(project).rstrip("/").rsplit("/", 1)[-1])
        amounts = [a for a in find_amounts(text, run.lang) if not run.in_chrome(a.start, a.end)]
        own = {n.casefold() for n in names}
        listed = _grant_list_lines(text, amounts)
        headings = _list_headings(text, amounts)
        for amount in amounts:
            field = next((f for f in fields if f.start <= amount.start < f.end), None)
            if field is not None:
                cstart, cend, label = field.start, field.end, field.label
            else:
                cstart, cend = next(
                    ((s, e) for s, e in sentences if s <= amount.start < e),
                    (max(0, amount.start - 150), min(len(text), amount.end + 150)),
                )
                label = None
            line = _line_of(text, amount.start)
            if listed >= 2 and _LIST_PROJECT.search(line):
                if not _names_any(line, own):
                    # A grant list, one line per project: this line is another project's.
                    continue
                # The project's own line: the list's heading says what the amounts are.
                line_start = text.rfind("\n", 0, amount.start) + 1
                label = (label or "") + " " + text[max(0, line_start - 200) : line_start]
            elif amount.start in headings:
                heading = headings[amount.start]
                line_start = text.rfind("\n", 0, amount.start) + 1
                rest = line[: amount.start - line_start] + line[amount.end - line_start :]
                funder_named = any(
                    line_start <= o.start < line_start + len(line) and o.iri in funders
                    for o in orgs
                )
                if _names_any(line, own) or funder_named or not _WORD.search(rest):
                    # The project's own line ("Kasvun polku 120 000 €"), a funder's share
                    # ("STEA 80 000 €") or a year's ("2020: 100 000 €"): the heading says
                    # what the amount is.
                    label = f"{heading} {line}"
                elif _TOTAL_WORD.search(line) and _BUDGET_CUE.search(f"{heading} {line}"):
                    label = "budget"  # the total of a cost breakdown is the budget
                elif not (_GRANT_CUE.search(line) or _BUDGET_CUE.search(line)):
                    # Another project's line of a grant list, or one cost item of a
                    # breakdown: neither is a grant to or the budget of this project.
                    continue
            context = text[cstart:cend]
            kind = classify(context, amount.start - cstart, amount.end - cstart, label)
            if kind == "grant" and amount.value is not None:
                funder = self._grant_funder(run, orgs, funders, cstart, cend, amount)
                self._state_grant(run, project, slug, amount, funder, context, cstart)
            elif kind in ("budget", "grant"):
                # A range is a budget class even under a grant label.
                self._state_budget(run, project, slug, amount)

    def _grant_funder(
        self,
        run: Run,
        orgs: Sequence[OrgMention],
        funders: set[URIRef],
        start: int,
        end: int,
        amount: AmountSpan,
    ) -> OrgMention | URIRef | None:
        """The funder of a grant: the project's funder named nearest the amount in its
        sentence, else the project's one funder."""
        near = [o for o in orgs if start <= o.start < end and o.iri in funders]
        if near:
            return min(near, key=lambda o: abs(o.start - amount.start))
        if len(funders) == 1:
            return next(iter(funders))
        return None

    def _state_grant(
        self,
        run: Run,
        project: URIRef,
        slug: str,
        amount: AmountSpan,
        funder: OrgMention | URIRef | None,
        context: str,
        offset: int,
    ) -> None:
        assert amount.value is not None
        ev = run.evidence(amount.start, amount.end, X_GRANT)
        funder_iri = funder.iri if isinstance(funder, OrgMention) else funder
        key = f"{slug}-{_decimal(amount.value)}"
        grant = self.iris.grant(key)
        value = self.iris.amount(f"{key}-grant")
        run.add(project, SCHEMA.funding, grant, ev)
        run.add(grant, RDF.type, SCHEMA.MonetaryGrant)
        run.add(grant, SCHEMA.amount, value, ev)
        if funder_iri is not None:
            fev = (
                run.evidence(funder.start, funder.end, X_GRANT)
                if isinstance(funder, OrgMention)
                else ev
            )
            run.add(grant, SCHEMA.funder, funder_iri, fev)
        run.add(value, RDF.type, SCHEMA.MonetaryAmount)
        run.add(value, SCHEMA.value, _decimal(amount.value), ev)
        run.add(value, SCHEMA.currency, Literal(amount.currency))
        if amount.approximate:
            run.add(value, HK.approximate, Literal(True))
        # "vuosille 2016–2018": the period the grant is for.
        for d in find_dates(context):
            if d.kind == "range" and d.begin is not None and d.finish is not None:
                dev = run.evidence(offset + d.start, offset + d.end, X_GRANT)
                run.add(value, SCHEMA.validFrom, date_literal(d.begin), dev)
                run.add(value, SCHEMA.validThrough, date_literal(d.finish), dev)
                break

    def _state_budget(self, run: Run, project: URIRef, slug: str, amount: AmountSpan) -> None:
        ev = run.evidence(amount.start, amount.end, X_BUDGET)
        if amount.value is not None:
            node = self.iris.amount(f"{slug}-budget-{_decimal(amount.value)}")
        else:
            assert amount.low is not None and amount.high is not None
            node = self.iris.amount(f"{slug}-budget-{_decimal(amount.low)}-{_decimal(amount.high)}")
        run.add(project, HK.budget, node, ev)
        run.add(node, RDF.type, SCHEMA.MonetaryAmount)
        run.add(node, SCHEMA.currency, Literal(amount.currency))
        if amount.value is not None:
            run.add(node, SCHEMA.value, _decimal(amount.value), ev)
        else:
            assert amount.low is not None and amount.high is not None
            run.add(node, SCHEMA.minValue, _decimal(amount.low), ev)
            run.add(node, SCHEMA.maxValue, _decimal(amount.high), ev)
        if amount.approximate:
            run.add(node, HK.approximate, Literal(True))
