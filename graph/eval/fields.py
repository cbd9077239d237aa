"""The fields of ``hankekg eval-extract`` that are not names: amounts and themes.

**Amounts** follow the dev-eval convention: the euro amounts a text gives *this*
project (a grant to it, its total budget, or both ends of a budget class). Gold
comes from an ``amounts`` list per document, either in ``facts.jsonl`` or in a
separate JSON Lines file (``--amounts``) of ``{"doc", "amounts",
"programme_totals"}``; each amount is a number or ``{"value": n, "kind": …}``.
A predicted amount is right when it is within 0.5 % of a gold amount no other
prediction has taken. ``programme_totals`` lists totals that belong to a
programme or call; predicting one of them for the project is counted apart, and
must stay 0.

**Themes** follow the lenient label match of the dev-eval README: equal ignoring
case and punctuation, one containing the other (5 or more letters), or both 6 or
more letters long sharing the first 6.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from rdflib import Literal, URIRef

from graph.errors import DocumentError
from graph.model import Extraction
from graph.vocab import HK, SCHEMA

#: Relative tolerance of an amount match (rounding in the text: "2,5 miljoonaa").
AMOUNT_TOLERANCE = Decimal("0.005")
_LETTERS = re.compile(r"[^0-9a-zåäöéüšž]+")


def _number(item: Any) -> Decimal | None:
    raw = item.get("value", item.get("amount")) if isinstance(item, dict) else item
    try:
        return Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return None


def gold_amounts(items: Iterable[Any] | None) -> list[str] | None:
    """An ``amounts`` list as canonical strings; ``None`` when the gold has none."""
    if items is None:
        return None
    return [canonical(n) for n in (_number(i) for i in items) if n is not None]


def canonical(value: Decimal) -> str:
    """ "2500000", "149996.5": one spelling per value."""
    text = format(value.normalize(), "f")
    return text


def amounts_match(a: str, b: str) -> bool:
    """Whether two amounts are the same within :data:`AMOUNT_TOLERANCE`."""
    x, y = Decimal(a), Decimal(b)
    return abs(x - y) <= AMOUNT_TOLERANCE * max(abs(x), abs(y))


def read_jsonl(path: Path, what: str) -> list[Any]:
    """The records of the JSON Lines file ``path``, blank lines skipped.

    Raises:
        DocumentError: the file (``what``, for the message) cannot be read, or a
            line is not JSON (the message gives its number).
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DocumentError(f"cannot read {what} {path}: {exc.strerror}") from exc
    records: list[Any] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise DocumentError(f"{path}:{number}: not JSON ({exc.msg})") from exc
    return records


def load_amounts(path: Path) -> dict[str, dict[str, list[str]]]:
    """``{"doc": {"amounts": [...], "programme_totals": [...]}}`` from a JSON Lines file.

    Raises:
        DocumentError: the file cannot be read or a line is not JSON.
    """
    out: dict[str, dict[str, list[str]]] = {}
    for record in read_jsonl(path, "amounts file"):
        out[str(record["doc"])] = {
            "amounts": gold_amounts(record.get("amounts")) or [],
            "programme_totals": gold_amounts(record.get("programme_totals")) or [],
        }
    return out


def predicted_amounts(extraction: Extraction, subjects: set[URIRef]) -> list[str]:
    """The amounts the extraction gives its main project: grant amounts and budget
    values (a budget class gives both ends)."""
    by_subject: dict[object, list[tuple[URIRef, object]]] = {}
    for f in extraction.facts:
        by_subject.setdefault(f.subject, []).append((f.predicate, f.object))
    nodes: list[object] = []
    for f in extraction.facts:
        if f.subject not in subjects:
            continue
        if f.predicate == HK.budget:
            nodes.append(f.object)
        elif f.predicate == SCHEMA.funding:
            nodes.extend(o for p, o in by_subject.get(f.object, []) if p == SCHEMA.amount)
    out: list[str] = []
    for node in nodes:
        for p, o in by_subject.get(node, []):
            if p in (SCHEMA.value, SCHEMA.minValue, SCHEMA.maxValue) and isinstance(o, Literal):
                value = canonical(Decimal(str(o)))
                if value not in out:
                    out.append(value)
    return out


def theme_key(label: str) -> str:
    """A theme label for matching: lower case, letters and digits only."""
    return _LETTERS.sub("", label.lower())


def themes_match(a: str, b: str) -> bool:
    """The dev-eval README's lenient theme match."""
    x, y = theme_key(a), theme_key(b)
    if not x or not y:
        return False
    if x == y:
        return True
    shorter = min(x, y, key=len)
    if len(shorter) >= 5 and (x in y or y in x):
        return True
    return len(x) >= 6 and len(y) >= 6 and x[:6] == y[:6]


def predicted_themes(
    extraction: Extraction, subjects: set[URIRef], labels: dict[str, str]
) -> list[str]:
    """Finnish labels of the main project's ``schema:about`` concepts."""
    out: list[str] = []
    for f in extraction.facts:
        if f.subject in subjects and f.predicate == SCHEMA.about:
            label = labels.get(str(f.object))
            if label and label not in out:
                out.append(label)
    return out


def theme_labels(reference_dir: Path) -> dict[str, str]:
    """Concept IRI -> Finnish label: the full YSO lexicon, then the reference subset
    the theme matcher reads (its labels win)."""
    import csv

    from graph.link.reference import yso_lexicon

    out = {uri: fi for uri, fi, _, _ in yso_lexicon(reference_dir) if fi}
    with (reference_dir / "yso_subset.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("uri") and row.get("prefLabel_fi"):
                out[row["uri"]] = row["prefLabel_fi"]
    return out


def one_to_one(
    predicted: Sequence[str], gold: Sequence[str], match: Any
) -> tuple[int, list[str], list[str]]:
    """Match predictions to gold one to one with ``match``; returns (true positives,
    spurious predictions, missed gold)."""
    free = list(gold)
    spurious: list[str] = []
    for p in predicted:
        hit = next((g for g in free if match(p, g)), None)
        if hit is None:
            spurious.append(p)
        else:
            free.remove(hit)
    return len(predicted) - len(spurious), spurious, free
