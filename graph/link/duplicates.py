"""Likely duplicate organisations in the graph, for curation.

Two organisation IRIs are likely the same organisation when one of their names
reduces to the same signature: the base form of every word, without legal form
or punctuation, as a set ("Keski-Suomen sairaanhoitopiirin" and "Keski-Suomen
sairaanhoitopiiri ky" agree), or when they share an acronym. Minted IRIs are
already deterministic from the normalised name, so what remains here is what
normalisation cannot decide: word order ("Kallion peruspalvelukuntayhtymä" /
"Peruspalvelukuntayhtymä Kallio"), a modifier in another case, or a name the
reference list does not know next to a minted one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graph.extract.orgnames import LEGAL_FORMS
from graph.language.finnish import Morphology, morphology
from graph.vocab import SCHEMA

_WORD = re.compile(r"[\wåäöÅÄÖ]+")


@dataclass(frozen=True)
class DuplicateGroup:
    """Organisation IRIs that look like one organisation, and why."""

    reason: str
    iris: tuple[str, ...]
    names: tuple[str, ...]


def signature(name: str, morph: Morphology) -> frozenset[str]:
    """Base forms of the words of ``name``, legal forms left out."""
    words = [w for w in _WORD.findall(name.replace("r.y.", "ry")) if w.lower() not in LEGAL_FORMS]
    return frozenset(morph.baseform(w).lower() for w in words)


def find_duplicates(
    names: Iterable[tuple[str, str, bool]], morph: Morphology | None = None
) -> list[DuplicateGroup]:
    """Group ``(iri, name, is_acronym)`` rows into likely duplicates."""
    morph = morph or morphology()
    by_signature: dict[frozenset[str], set[str]] = defaultdict(set)
    by_acronym: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, set[str]] = defaultdict(set)
    for iri, name, is_acronym in names:
        labels[iri].add(name)
        if is_acronym:
            if re.fullmatch(r"[A-ZÅÄÖ][A-ZÅÄÖ0-9-]{1,9}", name):
                by_acronym[name].add(iri)
            continue
        sig = signature(name, morph)
        if sig:
            by_signature[sig].add(iri)
    out: list[DuplicateGroup] = []
    seen: set[tuple[str, ...]] = set()
    for reason, groups in (
        ("same words in base form", by_signature.values()),
        ("same acronym", by_acronym.values()),
        ("one name is the other with a proper name added", _extended(names, morph)),
    ):
        for iris in groups:
            key = tuple(sorted(iris))
            if len(key) < 2 or key in seen:
                continue
            seen.add(key)
            shown = tuple(sorted({n for i in key for n in labels[i]}))
            out.append(DuplicateGroup(reason, key, shown))
    return sorted(out, key=lambda g: g.iris)


def _extended(names: Iterable[tuple[str, str, bool]], morph: Morphology) -> list[set[str]]:
    """ "Finnish Innovation Fund" / "Finnish Innovation Fund Sitra", "Sitra" / "Finnish
    Innovation Fund Sitra": one IRI's name is another's with capitalised words added
    (a proper name or its generic description), never with common nouns ("Helsingin
    kaupunki" / "Helsingin kaupungin sosiaalivirasto" is a unit, not a duplicate)."""
    rows = [(iri, name, signature(name, morph)) for iri, name, alt in names if not alt]
    by_word: dict[str, set[int]] = defaultdict(set)
    for i, (_, _, sig) in enumerate(rows):
        for word in sig:
            by_word[word].add(i)
    groups: list[set[str]] = []
    for iri, name, sig in rows:
        if not sig or (len(sig) == 1 and len(name) < 4):
            continue
        holders = set.intersection(*(by_word[w] for w in sig))
        for j in holders:
            other_iri, other_name, other_sig = rows[j]
            if other_iri == iri or not sig < other_sig:
                continue
            extra = [
                w for w in _WORD.findall(other_name) if morph.baseform(w).lower() in other_sig - sig
            ]
            if extra and all(w[:1].isupper() for w in extra):
                groups.append({iri, other_iri})
    return groups


def organisation_names(store: Any) -> list[tuple[str, str, bool]]:
    """``(iri, name, is_acronym)`` of every organisation in ``store`` (a GraphStore)."""
    query = f"""SELECT DISTINCT ?o ?n ?alt WHERE {{
        ?o a <{SCHEMA.Organization}> .
        {{ ?o <{SCHEMA.name}> ?n BIND(false AS ?alt) }}
        UNION {{ ?o <{SCHEMA.alternateName}> ?n BIND(true AS ?alt) }}
    }}"""
    return [
        (str(row["o"]), str(row["n"]), str(row["alt"]) in ("true", "1"))
        for row in store.select(query)
        if row.get("o") is not None and row.get("n") is not None
    ]
