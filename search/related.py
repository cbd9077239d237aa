"""Related projects: text similarity plus shared graph neighbours.

The score is a weighted sum of two parts in [0, 1]:

- text: cosine of the projects' centroid embeddings, rescaled from the band
  where e5 cosines live (about 0.70-0.95, see DESIGN.md) to [0, 1];
- graph: Adamic-Adar over shared neighbours (themes and their theme groups,
  organisations in any role, funders counted as one family across RAY -> STEA,
  places and the regions that contain them), so a rare shared neighbour counts
  more than a common one; squashed to [0, 1] by ``aa / (aa + 1)``.

Every result carries its reasons in words a researcher can check.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from graph.errors import NotFound
from graph.views.projects import display_names, pick_name, values_clause
from graph.vocab import HK, PROV, SCHEMA, SKOS
from search.index.tables import DEAD

if TYPE_CHECKING:
    from graph.link.linker import Linker
    from graph.store.base import GraphStore
    from search.index import IndexView as Snapshot

#: Nearest texts scored for every request; more only via shared neighbours.
TEXT_CANDIDATES = 300
#: A neighbour shared by more projects than this adds no candidates (its
#: Adamic-Adar weight is small, and it would make every request scan everything).
HUB_DEGREE = 500
TEXT_WEIGHT = 0.5
GRAPH_WEIGHT = 0.5
COSINE_FLOOR = 0.70
COSINE_CEILING = 0.95
#: Our own theme groups live under this path; YSO concepts do not.
THEME_GROUP = "/id/theme/"
ROLES = (HK.coordinator, HK.implementer, HK.partner, HK.steeringGroupMember)


@dataclass(frozen=True)
class Reason:
    """Why two projects are related."""

    kind: str
    """``theme``, ``funder``, ``organisation``, ``place`` or ``text``."""
    label: str
    iri: str | None = None
    weight: float = 0.0


@dataclass
class RelatedProject:
    """One related project with its score parts and reasons."""

    iri: str
    score: float
    text: float
    graph: float
    reasons: list[Reason] = field(default_factory=list)


@dataclass
class Neighbourhood:
    """Each project's graph neighbours, and how many projects share each one."""

    neighbours: Mapping[str, dict[tuple[str, str], str]]
    """project -> {(kind, neighbour key): neighbour IRI}."""
    degree: Mapping[tuple[str, str], int]
    members: Mapping[tuple[str, str], Set[str]] = field(default_factory=dict)
    """neighbour -> the projects linked to it (the inverted index), for neighbours of at
    most :data:`HUB_DEGREE` projects: a hub adds no candidates, so its members, tens of
    thousands at N = 100,000, are never read (nor copied when a write changes them)."""


def neighbourhood(store: GraphStore, linker: Linker | None) -> Neighbourhood:
    """Read every project's neighbours in one query."""
    neighbours = neighbour_rows(store, linker)
    members: dict[tuple[str, str], set[str]] = defaultdict(set)
    for project, items in neighbours.items():
        for item in items:
            members[item].add(project)
    degree = {item: len(projects) for item, projects in members.items()}
    return Neighbourhood(
        neighbours, degree, {k: v for k, v in members.items() if len(v) <= HUB_DEGREE}
    )


def members_of(
    item: tuple[str, str], neighbours: Mapping[str, Iterable[tuple[str, str]]]
) -> set[str]:
    """The projects linked to ``item``, found by a pass over every project's neighbours
    (for a hub that shrinks to :data:`HUB_DEGREE`: its members were not kept)."""
    return {project for project, items in neighbours.items() if item in items}


def neighbour_rows(
    store: GraphStore, linker: Linker | None, projects: Iterable[str] | None = None
) -> dict[str, dict[tuple[str, str], str]]:
    """Each project's neighbours (all projects, or only ``projects``: one query)."""
    only = ""
    if projects is not None:
        clause = values_clause(projects)
        if not clause:
            return {}
        only = f"VALUES ?p {{ {clause} }}"
    roles = " ".join(f"<{r}>" for r in ROLES)
    rows = store.select_text(
        f"""SELECT DISTINCT ?p ?kind ?n WHERE {{ {only}
          ?p a <{HK.Project}> ; <{PROV.wasDerivedFrom}> ?doc .
          {{ ?p <{SCHEMA.about}> ?n BIND("theme" AS ?kind) }}
          UNION {{ ?p <{SCHEMA.about}> ?t . ?n <{SKOS.narrower}> ?t BIND("theme" AS ?kind) }}
          UNION {{ ?p <{SCHEMA.funder}> ?n BIND("funder" AS ?kind) }}
          UNION {{ VALUES ?r {{ {roles} }} ?p ?r ?n BIND("organisation" AS ?kind) }}
          UNION {{ ?p <{SCHEMA.areaServed}> ?n BIND("place" AS ?kind) }}
          UNION {{ ?p <{SCHEMA.areaServed}> ?a . ?a <{SCHEMA.containedInPlace}> ?n
                   BIND("place" AS ?kind) }}
        }}"""
    )
    neighbours: dict[str, dict[tuple[str, str], str]] = defaultdict(dict)
    for project, kind, iri in rows:
        if project is None or kind is None or iri is None:
            continue
        key = iri
        if kind == "funder" and linker is not None:
            # RAY and its successor STEA are one funder for relatedness.
            key = min(str(i) for i in linker.organisation_family(iri)) or iri
        neighbours[project][(kind, key)] = iri
    return dict(neighbours)


def _weight(item: tuple[str, str], degree: Mapping[tuple[str, str], int]) -> float:
    return 1.0 / math.log(max(degree[item], 2))


def _adamic_adar(shared: list[tuple[str, str]], degree: Mapping[tuple[str, str], int]) -> float:
    """Adamic-Adar over shared neighbours, counting each hierarchy once.

    A shared municipality is also a shared region, sub-region and wellbeing
    county, and a shared YSO concept also shares its theme group: summing those
    would count one fact four times. So places count by their rarest shared
    member only, theme groups likewise, and everything else sums.
    """
    places = [_weight(i, degree) for i in shared if i[0] == "place"]
    groups = [_weight(i, degree) for i in shared if i[0] == "theme" and THEME_GROUP in i[1]]
    rest = [
        _weight(i, degree)
        for i in shared
        if i[0] != "place" and not (i[0] == "theme" and THEME_GROUP in i[1])
    ]
    return max(places, default=0.0) + max(groups, default=0.0) + sum(rest)


def related_projects(
    store: GraphStore,
    snapshot: Snapshot,
    project: str,
    hood: Neighbourhood,
    k: int = 10,
    lang: str = "fi",
) -> list[RelatedProject]:
    """The ``k`` projects most related to ``project``.

    Raises:
        NotFound: ``project`` is not an indexed project.
    """
    centroids = snapshot.centroids()
    if project not in centroids and project not in hood.neighbours:
        raise NotFound(f"no project {project}")
    mine = hood.neighbours.get(project, {})
    vector = centroids.get(project)
    # Candidates: the nearest texts (one matrix product) and the projects that
    # share a neighbour that is not a hub; the rest cannot make the top k.
    cosines: dict[str, float] = {}
    if vector is not None:
        keys, matrix = snapshot.centroid_matrix()
        sims = matrix @ vector
        # rows a later version replaced are named DEAD: look past them
        n = min(TEXT_CANDIDATES + keys.count(DEAD), len(keys))
        for i in np.argpartition(-sims, n - 1)[:n]:
            if keys[i] != DEAD:
                cosines[keys[i]] = float(sims[i])
    candidates = set(cosines)
    for item in mine:
        if hood.degree.get(item, 0) <= HUB_DEGREE:
            candidates |= hood.members.get(item, set())
    candidates = {c for c in candidates if c != project and c.startswith("http")}
    scored: list[RelatedProject] = []
    for other in candidates:
        cosine = cosines.get(other)
        if cosine is None and vector is not None and other in centroids:
            cosine = float(np.dot(vector, centroids[other]))
        text = (
            min(1.0, max(0.0, (cosine - COSINE_FLOOR) / (COSINE_CEILING - COSINE_FLOOR)))
            if cosine is not None
            else 0.0
        )
        shared = [item for item in hood.neighbours.get(other, {}) if item in mine]
        adamic_adar = _adamic_adar(shared, hood.degree)
        graph = adamic_adar / (adamic_adar + 1.0)
        score = TEXT_WEIGHT * text + GRAPH_WEIGHT * graph
        if score <= 0:
            continue
        reasons = [
            Reason(kind, "", mine[(kind, key)], _weight((kind, key), hood.degree))
            for kind, key in shared
        ]
        if cosine is not None:
            reasons.append(Reason("text", f"{cosine:.2f}", None, text))
        scored.append(
            RelatedProject(other, round(score, 4), round(text, 4), round(graph, 4), reasons)
        )
    scored.sort(key=lambda r: (-r.score, r.iri))
    top = scored[:k]
    names = display_names(
        store, [r.iri for r in top] + [x.iri for r in top for x in r.reasons if x.iri]
    )
    for result in top:
        result.reasons = sorted(
            (
                Reason(
                    x.kind,
                    x.label
                    if x.kind == "text"
                    else pick_name(names.get(x.iri or "", {}), lang, x.iri or ""),
                    x.iri,
                    round(x.weight, 4),
                )
                for x in result.reasons
            ),
            key=lambda x: -x.weight,
        )
    return top
