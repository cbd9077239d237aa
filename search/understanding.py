"""Query understanding: places, organisations, funders and years named in a query.

The same gazetteer linker as ingest recognises names in any case form
("Lapissa", "Jyväskylän seudulla", "RAY:n rahoittamat"); English and Swedish
names come through the cross-lingual bridge. What is recognised becomes a
ranking boost, never a hard filter, and is reported back so that a UI can
offer it as a filter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from search.filters import Filters, allowed_projects

if TYPE_CHECKING:
    from graph.link.linker import Linker
    from graph.store.base import GraphStore
    from search.crosslingual import Translation

#: Words that make an organisation next to them a funder.
_FUNDER_CUES = re.compile(
    r"rahoitta\w*|rahoitu\w*|rahoitte\w*|avustu\w*|avustama\w*|funded|funding|funder|grant\w*|"
    r"finansier\w*",
    re.IGNORECASE,
)
_RANGE = re.compile(r"\b((?:19|20)\d\d)\s*(?:-|–|—|\.\.|to|till|until)\s*((?:19|20)\d\d)\b")
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
#: Boost for a project matching every recognised criterion (fractions for some).
BOOST = 0.5


@dataclass(frozen=True)
class Entity:
    """A recognised name."""

    iri: str
    label: str
    surface: str
    kind: str


@dataclass
class Interpretation:
    """What the query names."""

    places: list[Entity] = field(default_factory=list)
    organisations: list[Entity] = field(default_factory=list)
    funders: list[Entity] = field(default_factory=list)
    years: tuple[int, int] | None = None

    def is_empty(self) -> bool:
        """Whether nothing was recognised."""
        return not (self.places or self.organisations or self.funders or self.years)

    def criteria(self) -> list[Filters]:
        """One single-criterion filter per recognised thing, for boosting."""
        out = [Filters(places=(e.iri,)) for e in self.places]
        out += [Filters(organisations=(e.iri,)) for e in self.organisations]
        out += [Filters(funders=(e.iri,)) for e in self.funders]
        if self.years:
            out.append(Filters(year_from=self.years[0], year_to=self.years[1]))
        return out

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form for the ``interpreted`` field of a response."""
        return {
            "places": [vars(e) for e in self.places],
            "organisations": [vars(e) for e in self.organisations],
            "funders": [vars(e) for e in self.funders],
            "years": list(self.years) if self.years else None,
        }


def interpret(query: str, linker: Linker, translation: Translation | None) -> Interpretation:
    """Recognise places, organisations, funders and years in ``query``.

    Args:
        translation: the cross-lingual bridge's reading of an English or
            Swedish query (its place and organisation matches are used).
    """
    result = Interpretation()
    seen: set[str] = set()
    for mention in linker.find_all(query, strict=False):
        link = mention.link
        if str(link.iri) in seen or link.kind == "country":
            # "in Finland" narrows nothing in a corpus of Finnish projects
            continue
        seen.add(str(link.iri))
        entity = Entity(str(link.iri), link.label, mention.surface, link.kind)
        if link.is_place:
            result.places.append(entity)
        elif _is_funder(query, mention.start, mention.end):
            result.funders.append(entity)
        else:
            result.organisations.append(entity)
    if translation is not None:
        for concept in translation.concepts:
            if concept.kind not in ("place", "organisation"):
                continue
            key = concept.key
            if key is None:
                continue
            found = linker.place(key) if concept.kind == "place" else linker.organisation(key)
            if found is None or str(found.iri) in seen:
                continue
            iri = str(found.iri)
            seen.add(iri)
            entity = Entity(iri, concept.label_fi, concept.label, concept.kind)
            if concept.kind == "place":
                result.places.append(entity)
            elif _is_funder(query, concept.start, concept.end):
                result.funders.append(entity)
            else:
                result.organisations.append(entity)
    span = _RANGE.search(query)
    if span:
        low, high = sorted((int(span.group(1)), int(span.group(2))))
        result.years = (low, high)
    else:
        years = [int(y) for y in _YEAR.findall(query)]
        if years:
            result.years = (min(years), max(years))
    return result


def _is_funder(query: str, start: int, end: int) -> bool:
    """A funder cue within a few words before or after the name."""
    window = query[max(0, start - 25) : end + 30]
    return _FUNDER_CUES.search(window) is not None


def boosts(
    store: GraphStore,
    interpretation: Interpretation,
    linker: Linker,
    cache: dict[str, set[str]] | None = None,
) -> dict[str, float]:
    """Score multipliers for projects that match what the query names."""
    criteria = interpretation.criteria()
    if not criteria:
        return {}
    hits: dict[str, int] = {}
    for criterion in criteria:
        for project in allowed_projects(store, criterion, linker, cache):
            hits[project] = hits.get(project, 0) + 1
    return {p: 1.0 + BOOST * n / len(criteria) for p, n in hits.items()}
