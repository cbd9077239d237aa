"""The timeline and the map of Finland, laid out on the server as SVG geometry.

Both are computed from the search's facet table (every described project's
years, status and places, places already lifted to the areas that contain
them), so drawing them costs one pass over the result keys and no query. The
templates turn the geometry into SVG; every bar and bubble is a plain link
that narrows the search exactly as the year and place facets do, so both work
without JavaScript, and each comes with a table for screen readers.

The map's geometry is read once from ``data/reference/`` (see
``derive_map.py`` there and ``SOURCES.md`` for its sources and licences).
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from graph.link.reference import load_reference
from graph.vocab import HK
from search.filters import MAX_YEAR_SPAN, FacetTable

REFERENCE = Path(__file__).resolve().parent.parent / "data" / "reference"
#: Status keys in stacking order (bottom first); ``unknown`` has no ``hk:status``.
STATUSES: tuple[str, ...] = ("ended", "ongoing", "planned", "unknown")
STATUS_KEY = {
    str(HK.StatusEnded): "ended",
    str(HK.StatusOngoing): "ongoing",
    str(HK.StatusPlanned): "planned",
}


# -- counting ----------------------------------------------------------------------------


def year_status_counts(table: FacetTable, keys: Iterable[str]) -> dict[int, dict[str, int]]:
    """Projects active in each year (start to end), split by status.

    A project counts in every year of its period, capped like the year facet
    (:data:`search.filters.MAX_YEAR_SPAN`), so the two always agree.
    """
    out: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    for key in dict.fromkeys(keys):
        span = table.years.get(key)
        if span is None:
            continue
        status = next(
            (
                STATUS_KEY[v]
                for f, v in table.values.get(key, ())
                if f == "status" and v in STATUS_KEY
            ),
            "unknown",
        )
        low, high = span
        for year in range(low, min(high, low + MAX_YEAR_SPAN) + 1):
            out[year][status] += 1
    return {year: dict(out[year]) for year in sorted(out)}


def place_counts(table: FacetTable, keys: Iterable[str]) -> dict[str, int]:
    """Projects per place IRI, a project counting in every area containing its places."""
    out: dict[str, int] = defaultdict(int)
    for key in dict.fromkeys(keys):
        for facet, value in table.values.get(key, ()):
            if facet == "place":
                out[value] += 1
    return dict(out)


def group_only_counts(
    table: FacetTable, keys: Iterable[str], place_iri: Callable[[str], str]
) -> dict[str, int]:
    """Projects per group IRI (sub-region, KUUMA, wellbeing county) that name the group
    but none of its municipalities: the zoomed map draws these as the group's own bubble,
    since no municipality bubble counts them."""
    groups = {
        place_iri(g.key): {place_iri(code) for code in g.members}
        for g in geography().groups.values()
    }
    out: dict[str, int] = defaultdict(int)
    for key in dict.fromkeys(keys):
        places = {v for facet, v in table.values.get(key, ()) if facet == "place"}
        for iri in places & groups.keys():
            if not places & groups[iri]:
                out[iri] += 1
    return dict(out)


# -- timeline ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One status's part of a year's bar."""

    status: str
    y: float
    height: float
    count: int


@dataclass(frozen=True)
class Bar:
    """A year: its stacked bar, its link and whether it is in the selected range."""

    year: int
    x: float
    width: float
    total: int
    segments: tuple[Segment, ...]
    href: str
    selected: bool
    label: bool
    """Whether the year is written under the axis (every few years when crowded)."""


@dataclass
class Timeline:
    """A stacked bar chart of projects per year, and its data as rows for a table."""

    width: int
    height: int
    plot_top: float
    plot_bottom: float
    bars: list[Bar]
    peak: int
    rows: list[tuple[int, dict[str, int]]] = field(default_factory=list)

    @property
    def statuses(self) -> list[str]:
        """The statuses that occur, in stacking order (for the legend and table)."""
        seen = {s for _, counts in self.rows for s, n in counts.items() if n}
        return [s for s in STATUSES if s in seen]


def timeline(
    counts: Mapping[int, Mapping[str, int]],
    href: Callable[[int], str],
    selected: Callable[[int], bool],
    width: int = 640,
    height: int = 150,
) -> Timeline | None:
    """Lay out ``counts`` (year -> status -> projects) as bars; ``None`` when empty.

    Years between the first and the last are all drawn, empty ones too, so the
    axis is a true time scale.
    """
    if not counts:
        return None
    first, last = min(counts), max(counts)
    years = list(range(first, last + 1))
    peak = max(sum(c.values()) for c in counts.values()) or 1
    top, bottom, left = 8.0, float(height - 22), 4.0
    step = (width - 2 * left) / len(years)
    every = max(1, math.ceil(len(years) / 12))
    bars = []
    for i, year in enumerate(years):
        by_status = counts.get(year, {})
        y = bottom
        segments = []
        for status in STATUSES:
            n = by_status.get(status, 0)
            if not n:
                continue
            h = (bottom - top) * n / peak
            y -= h
            segments.append(Segment(status, round(y, 1), round(h, 1), n))
        bars.append(
            Bar(
                year=year,
                x=round(left + i * step, 1),
                width=round(step, 1),
                total=sum(by_status.values()),
                segments=tuple(segments),
                href=href(year),
                selected=selected(year),
                label=(year - first) % every == 0 or year == last,
            )
        )
    rows = [(year, dict(counts[year])) for year in sorted(counts)]
    return Timeline(width, height, top, bottom, bars, peak, rows)


# -- map ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Municipality:
    """A municipality of the reference, with its point and region."""

    code: str
    names: dict[str, str]
    region: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Region:
    """A region (maakunta) with the mean point of its municipalities."""

    code: str
    names: dict[str, str]
    lat: float
    lon: float


@dataclass(frozen=True)
class Group:
    """A group of municipalities inside one region (a sub-region, KUUMA, a wellbeing
    services county), drawn at the mean point of its members."""

    key: str
    names: dict[str, str]
    region: str
    members: tuple[str, ...]
    lat: float
    lon: float


@dataclass(frozen=True)
class Geography:
    """Finland's outline and the points of its regions, groups and municipalities."""

    rings: tuple[tuple[tuple[float, float], ...], ...]
    regions: dict[str, Region]
    municipalities: dict[str, Municipality]
    groups: dict[str, Group] = field(default_factory=dict)


@lru_cache(maxsize=1)
def geography(folder: Path = REFERENCE) -> Geography:
    """Read the committed geometry (once per process)."""
    outline = json.loads((folder / "finland_outline.json").read_text(encoding="utf-8"))
    with (folder / "municipality_coordinates.csv").open(encoding="utf-8") as f:
        points = {r["code"]: (float(r["lat"]), float(r["lon"])) for r in csv.DictReader(f)}
    municipalities: dict[str, Municipality] = {}
    region_names: dict[str, dict[str, str]] = {}
    with (folder / "municipalities.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            lat, lon = points[row["code"]]
            municipalities[row["code"]] = Municipality(
                row["code"],
                {"fi": row["name_fi"], "sv": row["name_sv"], "en": row["name_en"]},
                row["region_code"],
                lat,
                lon,
            )
            region_names[row["region_code"]] = {
                "fi": row["region_name_fi"],
                "sv": row["region_name_sv"],
                "en": row["region_name_en"],
            }
    regions = {}
    for code, names in region_names.items():
        members = [m for m in municipalities.values() if m.region == code]
        regions[code] = Region(
            code,
            names,
            sum(m.lat for m in members) / len(members),
            sum(m.lon for m in members) / len(members),
        )
    groups = {}
    for g in load_reference(folder).groups.values():
        inside = [municipalities[c] for c in g.members if c in municipalities]
        within = {m.region for m in inside}
        if g.kind != "region" and len(within) == 1:
            groups[g.key] = Group(
                g.key,
                g.names,
                within.pop(),
                g.members,
                sum(m.lat for m in inside) / len(inside),
                sum(m.lon for m in inside) / len(inside),
            )
    rings = tuple(tuple((x, y) for x, y in ring) for ring in outline["rings"])
    return Geography(rings, regions, municipalities, groups)


@dataclass(frozen=True)
class Bubble:
    """A place on the map: a circle sized by its project count, and its link."""

    iri: str
    name: str
    x: float
    y: float
    r: float
    count: int
    href: str | None
    selected: bool


@dataclass
class MapView:
    """A drawn map: viewBox, the outline as SVG paths, the bubbles, and table rows."""

    view_box: str
    paths: list[str]
    bubbles: list[Bubble]
    level: str
    """``region`` (the whole country) or ``municipality`` (zoomed into a region)."""
    region: str | None = None
    """The zoomed region's name."""

    @property
    def rows(self) -> list[Bubble]:
        """Places with projects, most first: the table alternative."""
        return sorted((b for b in self.bubbles if b.count), key=lambda b: (-b.count, b.name))


#: Degrees of longitude shrink by cos(latitude); Finland's middle is near 64.5°N.
_X_SCALE = math.cos(math.radians(64.5))
_SCALE = 40.0
_WEST, _NORTH = 19.0, 70.3


def _project(lat: float, lon: float) -> tuple[float, float]:
    return ((lon - _WEST) * _X_SCALE * _SCALE, (_NORTH - lat) * _SCALE)


def finland_map(
    counts: Mapping[str, int],
    place_iri: Callable[[str], str],
    href: Callable[[str], str | None],
    selected: Callable[[str], bool],
    lang: str,
    region: str | None = None,
    group_only: Mapping[str, int] | None = None,
) -> MapView:
    """Regions with their project counts, or a region's municipalities when zoomed.

    Args:
        counts: projects per place IRI (:func:`place_counts`).
        place_iri: a reference key ("region-19", "698") -> its IRI.
        href: a place IRI -> the link that filters by it (``None``: no link).
        selected: whether a place IRI is an active filter.
        region: a region code to zoom into ("19"), showing its municipalities.
        group_only: projects per group IRI that name no member municipality
            (:func:`group_only_counts`); when zoomed, such groups get a bubble of
            their own, so every project of the region is on the map.
    """
    geo = geography()
    paths = [
        "M" + " L".join("{:.1f},{:.1f}".format(*_project(lat, lon)) for lon, lat in ring) + " Z"
        for ring in geo.rings
    ]
    places: list[tuple[str, dict[str, str], float, float]]
    if region is not None and region in geo.regions:
        places = [
            (place_iri(m.code), m.names, m.lat, m.lon)
            for m in geo.municipalities.values()
            if m.region == region
        ]
        level, biggest = "municipality", 9.0
        shown, only = dict(counts), group_only or {}
        for g in geo.groups.values():
            iri = place_iri(g.key)
            if g.region == region and only.get(iri):
                places.append((iri, g.names, g.lat, g.lon))
                shown[iri] = only[iri]
        counts = shown
    else:
        region = None
        places = [
            (place_iri(f"region-{r.code}"), r.names, r.lat, r.lon) for r in geo.regions.values()
        ]
        level, biggest = "region", 16.0
    peak = max((counts.get(iri, 0) for iri, *_ in places), default=0) or 1
    bubbles = []
    for iri, names, lat, lon in places:
        x, y = _project(lat, lon)
        n = counts.get(iri, 0)
        bubbles.append(
            Bubble(
                iri=iri,
                name=names.get(lang) or names["fi"],
                x=round(x, 1),
                y=round(y, 1),
                r=round(2.0 + (biggest - 2.0) * math.sqrt(n / peak), 1) if n else 1.5,
                count=n,
                href=href(iri) if n else None,
                selected=selected(iri),
            )
        )
    # Bigger circles first, so small ones stay clickable on top.
    bubbles.sort(key=lambda b: -b.r)
    if region is None:
        xs = [x for p in paths for x in _numbers(p)[0::2]]
        ys = [y for p in paths for y in _numbers(p)[1::2]]
        pad = 6.0
    else:
        xs = [b.x for b in bubbles]
        ys = [b.y for b in bubbles]
        pad = 18.0
        # The region's land reaches past its outermost municipality centres (Lapland's
        # borders with Norway and Russia): take in the country's outline within the
        # region's band of latitudes (Finland is narrow, so this stays near the region).
        low, high = min(ys) - pad, max(ys) + pad
        outline = [_numbers(p) for p in paths]
        near = [
            (x, y)
            for numbers in outline
            for x, y in zip(numbers[0::2], numbers[1::2], strict=True)
            if low <= y <= high
        ]
        xs += [x for x, _ in near]
        ys += [y for _, y in near]
        pad = 8.0
    x0, y0 = min(xs) - pad, min(ys) - pad
    w, h = max(xs) - min(xs) + 2 * pad, max(ys) - min(ys) + 2 * pad
    name = None
    if region is not None:
        names = geo.regions[region].names
        name = names.get(lang) or names["fi"]
    return MapView(f"{x0:.1f} {y0:.1f} {w:.1f} {h:.1f}", paths, bubbles, level, name)


def _numbers(path: str) -> list[float]:
    return [
        float(n)
        for n in path.replace("M", " ")
        .replace("L", " ")
        .replace("Z", " ")
        .replace(",", " ")
        .split()
    ]


def region_code(iri: str, place_iri: Callable[[str], str]) -> str | None:
    """The region code of a region IRI ("…/id/place/region-19" -> "19"), else ``None``."""
    for code in geography().regions:
        if place_iri(f"region-{code}") == iri:
            return code
    return None
