"""A radial drawing of an entity's neighbourhood: projects, organisations, places.

Laid out on the server (no physics, stable between requests) for the SVG on
the organisation, place and theme pages; the template only draws it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from graph.views.entities import GraphSource, href_for, refs
from graph.views.projects import values_clause
from graph.vocab import ORG_ROLES, SCHEMA


@dataclass(frozen=True)
class Node:
    """A node of the network drawing, already placed."""

    iri: str
    label: str
    kind: str
    """``center``, ``project``, ``organisation`` or ``place``."""
    href: str | None
    x: float
    y: float


@dataclass(frozen=True)
class Edge:
    """A line between two placed nodes."""

    x1: float
    y1: float
    x2: float
    y2: float


@dataclass
class Network:
    """A radial drawing: the entity in the middle, projects around it, their links outside."""

    width: int
    height: int
    nodes: list[Node]
    edges: list[Edge]


MAX_PROJECTS = 8
MAX_OUTER = 18


def network(
    kg: GraphSource, center: str, center_label: str, projects: Sequence[str], lang: str
) -> Network:
    """Lay out the entity's neighbourhood: projects ↔ organisations ↔ places.

    A radial layout needs no physics and is stable between requests: projects
    sit evenly on an inner ring, and each outer node sits on the outer ring at
    the mean angle of the projects it links to, spread to avoid overlaps.
    """
    width, height = 720, 460
    cx, cy = width / 2, height / 2
    chosen = list(dict.fromkeys(projects))[:MAX_PROJECTS]
    nodes = [Node(center, center_label, "center", href_for(kg, center), cx, cy)]
    edges: list[Edge] = []
    if not chosen:
        return Network(width, height, nodes, edges)
    project_refs = {r.iri: r for r in refs(kg, chosen, lang)}
    r1, r2 = 120.0, 200.0
    angle: dict[str, float] = {}
    pos: dict[str, tuple[float, float]] = {center: (cx, cy)}
    for i, p in enumerate(chosen):
        a = 2 * math.pi * i / len(chosen) - math.pi / 2
        angle[p] = a
        pos[p] = (cx + r1 * math.cos(a), cy + r1 * 0.85 * math.sin(a))
        ref = project_refs[p]
        nodes.append(Node(p, ref.name, "project", ref.href, *pos[p]))
        edges.append(Edge(cx, cy, *pos[p]))
    roles = " ".join(f"<{p}>" for p in (*ORG_ROLES.values(), SCHEMA.areaServed))
    links: dict[str, set[str]] = defaultdict(set)
    kinds: dict[str, str] = {}
    for row in kg.store.select(
        f"""SELECT ?p ?r ?o WHERE {{ VALUES ?p {{ {values_clause(chosen)} }}
              VALUES ?r {{ {roles} }} ?p ?r ?o . FILTER(isIRI(?o)) }}"""
    ):
        o = str(row["o"])
        if o == center:
            continue
        links[o].add(str(row["p"]))
        kinds[o] = "place" if str(row["r"]) == str(SCHEMA.areaServed) else "organisation"
    # The most connected neighbours first: they say most about the entity.
    outer = sorted(links, key=lambda o: (-len(links[o]), o))[:MAX_OUTER]
    outer_refs = {r.iri: r for r in refs(kg, outer, lang)}
    placed = []
    for o in outer:
        xs = sum(math.cos(angle[p]) for p in links[o])
        ys = sum(math.sin(angle[p]) for p in links[o])
        placed.append((math.atan2(ys, xs) if (xs or ys) else 0.0, o))
    placed.sort()
    min_gap = 2 * math.pi / max(len(placed), 1) * 0.8
    last = -10.0
    for a, o in placed:
        a = max(a, last + min_gap)
        last = a
        x, y = cx + r2 * 1.25 * math.cos(a), cy + r2 * math.sin(a)
        ref = outer_refs[o]
        nodes.append(Node(o, ref.name, kinds[o], ref.href, x, y))
        for p in links[o]:
            edges.append(Edge(*pos[p], x, y))
    return Network(width, height, nodes, edges)
