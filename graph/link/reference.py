"""Reference data: municipalities, regional groupings, organisations and YSO themes.

Loads the curated CSV files in ``data/reference/`` (see ``SOURCES.md`` there)
into frozen dataclasses (``graph/link/reference_graph.py`` turns them into RDF for the
named graph ``graph/reference``). The linker's gazetteer (``graph/link/gazetteer.py``) is built
from the same :class:`Reference`, so extraction, search and the graph agree on one
IRI per municipality, group and organisation.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rdflib import URIRef

from graph.iris import Iris
from graph.language.genitive import finnish_genitive
from graph.vocab import SCHEMA, WD, YSO

logger = logging.getLogger(__name__)

#: Place kinds, in the order the linker prefers them when names collide.
PLACE_KINDS = (
    "municipality",
    "region",
    "subregion",
    "wellbeing_county",
    "group",
    "area",
    "country",
)

#: Our own theme groups above the YSO concepts: ``local_theme`` -> (fi, en).
THEME_LABELS: dict[str, tuple[str, str]] = {
    "administration": ("Hallinto ja rakenteet", "Administration and structures"),
    "children_youth": ("Lapset, nuoret ja perheet", "Children, young people and families"),
    "church": ("Kirkko ja diakonia", "Church and diaconal work"),
    "client_orientation": ("Asiakaslähtöisyys", "Client orientation"),
    "collaboration": ("Yhteistyö ja verkostot", "Collaboration and networks"),
    "criminal_sanctions": ("Rikosseuraamukset", "Criminal sanctions"),
    "development": ("Kehittäminen ja tutkimus", "Development and research"),
    "disability": ("Vammaisuus", "Disability"),
    "elderly": ("Ikääntyneet", "Older people"),
    "employment": ("Työllisyys ja työelämä", "Employment and working life"),
    "exclusion": ("Syrjäytyminen ja eriarvoisuus", "Social exclusion and inequality"),
    "health_services": ("Terveyspalvelut", "Health services"),
    "housing": ("Asuminen", "Housing"),
    "immigration": ("Maahanmuutto", "Immigration"),
    "income_support": ("Toimeentulo", "Income support"),
    "mental_health": ("Mielenterveys", "Mental health"),
    "participation": ("Osallisuus", "Participation and inclusion"),
    "policy": ("Politiikka ja lainsäädäntö", "Policy and legislation"),
    "rehabilitation": ("Kuntoutus", "Rehabilitation"),
    "social_services": ("Sosiaalipalvelut", "Social services"),
    "social_work": ("Sosiaalityö", "Social work"),
    "substance_abuse": ("Päihteet ja riippuvuudet", "Substance abuse and addiction"),
    "support": ("Tuki ja ohjaus", "Support and guidance"),
    "third_sector": ("Järjestöt ja kolmas sektori", "NGOs and the third sector"),
    "violence": ("Väkivalta", "Violence"),
    "wellbeing": ("Hyvinvointi", "Wellbeing"),
    "work_ability": ("Työkyky", "Work ability"),
}

#: English names of the wellbeing services counties that do not share a region's name.
_WELLBEING_EN = {
    "1": "Eastern Uusimaa wellbeing services county",
    "2": "Central Uusimaa wellbeing services county",
    "3": "Western Uusimaa wellbeing services county",
    "4": "Vantaa and Kerava wellbeing services county",
    "90": "City of Helsinki (organiser of social, health and rescue services)",
    "91": "Åland",
}
#: Common names for the Uusimaa wellbeing counties' areas (fi, sv, en).
_WELLBEING_AREA_ALIASES = {
    "1": ("Itä-Uusimaa", "Östra Nyland", "Eastern Uusimaa"),
    "2": ("Keski-Uusimaa", "Mellersta Nyland", "Central Uusimaa"),
    "3": ("Länsi-Uusimaa", "Västra Nyland", "Western Uusimaa"),
}

#: organisations.csv ``type`` -> schema.org class.
ORG_TYPE_CLASSES: dict[str, URIRef] = {
    "agency": SCHEMA.GovernmentOrganization,
    "ministry": SCHEMA.GovernmentOrganization,
    "hospital-district": SCHEMA.GovernmentOrganization,
    "joint-municipal-authority": SCHEMA.GovernmentOrganization,
    "municipality-federation": SCHEMA.NGO,
    "ngo": SCHEMA.NGO,
    "foundation": SCHEMA.NGO,
    "university": SCHEMA.CollegeOrUniversity,
}

#: The YSO concept scheme, as YSO itself names it.
YSO_SCHEME = URIRef(str(YSO))

_LEGAL_SUFFIX = re.compile(r"\s+(ry|rf|r\.f\.|oy|ab|oyj|abp|sr)\.?$", re.IGNORECASE)
_PAREN = re.compile(r"\s*\([^)]*\)")


@dataclass(frozen=True)
class Municipality:
    """A municipality of Finland (Statistics Finland classification)."""

    code: str
    """Three digits, zero-padded: "698"."""
    name_fi: str
    name_sv: str
    name_en: str
    region: str
    """Region (maakunta) code, two digits: "19"."""
    subregion: str
    """Sub-region (seutukunta) code, three digits: "191"."""
    wellbeing_county: str
    """Wellbeing services county code as geofi stores it: "21"."""
    genitive_fi: str
    """Finnish genitive of the name ("Rovaniemen"), for "Rovaniemen kaupunki"."""
    yso_place: str | None = None
    wikidata: str | None = None
    classification_year: str = ""

    @property
    def key(self) -> str:
        """The place key: the code."""
        return self.code


@dataclass(frozen=True)
class PlaceGroup:
    """A region, sub-region, wellbeing services county or municipality group."""

    key: str
    """``region-19``, ``subregion-191``, ``wellbeing-21`` or a group key (``kuuma``)."""
    kind: str
    """``region``, ``subregion``, ``wellbeing_county``, ``group``, ``area`` (a larger
    area with a common name, "Itä-Suomi") or ``country`` (Finland)."""
    code: str
    """The Statistics Finland code, or the group key for a group."""
    names: dict[str, str]
    """Preferred name per language (fi, sv, en)."""
    members: tuple[str, ...]
    """Municipality codes (none for an area without a fixed definition)."""
    aliases: tuple[str, ...] = ()
    """Other names the linker should recognise (not all of them go to the graph)."""
    alt_labels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Other names per language, published as ``skos:altLabel``."""
    yso_place: str | None = None
    member_periods: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    """Membership start/end (ISO dates) per member code, where the reference gives them."""
    source: str | None = None

    @property
    def label(self) -> str:
        """The Finnish name."""
        return self.names.get("fi") or next(iter(self.names.values()))


@dataclass(frozen=True)
class Organisation:
    """A reference organisation."""

    key: str
    names: dict[str, str]
    """Official name per language (fi, en, sv), where known."""
    acronyms: tuple[str, ...]
    """Acronyms and alternative names, published as ``schema:alternateName``."""
    terms: tuple[str, ...]
    """Other phrases that point at the organisation ("RAY:n avustus"), for linking only."""
    type: str
    wikidata: str | None = None
    business_id: str | None = None
    other_ids: tuple[tuple[str, str], ...] = ()
    """(scheme, value) pairs, e.g. ("opintopolku_oid", "1.2.246...")."""
    predecessors: tuple[str, ...] = ()
    """Keys of predecessors: organisation keys or place keys (``wellbeing-15``)."""
    successors: tuple[str, ...] = ()
    history: str = ""
    """The reference's own note on predecessors and successors."""

    @property
    def label(self) -> str:
        """The Finnish name, else any name."""
        return self.names.get("fi") or next(iter(self.names.values()))


@dataclass(frozen=True)
class Theme:
    """A YSO concept of the curated subset, with our own theme group."""

    iri: str
    labels: dict[str, str]
    local_theme: str


@dataclass(frozen=True)
class Reference:
    """All reference data, loaded once."""

    municipalities: dict[str, Municipality]
    groups: dict[str, PlaceGroup]
    organisations: dict[str, Organisation]
    themes: tuple[Theme, ...]
    directory: Path

    @classmethod
    def load(cls, reference_dir: Path) -> Reference:
        """Read the CSV files in ``reference_dir``."""
        municipalities = _load_municipalities(reference_dir)
        groups = _load_groups(reference_dir, municipalities)
        organisations = _load_organisations(reference_dir, municipalities, groups)
        themes = _load_themes(reference_dir)
        logger.info(
            "reference: %d municipalities, %d groups, %d organisations, %d themes",
            len(municipalities),
            len(groups),
            len(organisations),
            len(themes),
        )
        return cls(municipalities, groups, organisations, themes, reference_dir)

    def groups_of(self, kind: str) -> list[PlaceGroup]:
        """Groups of one kind (``region``, ``subregion``, ``wellbeing_county``, ``group``)."""
        return [g for g in self.groups.values() if g.kind == kind]

    def place_iri(self, key: str, iris: Iris) -> URIRef:
        """IRI of a place by key (a municipality code or a group key)."""
        return iris.place(key)

    def entity_iri(self, key: str, iris: Iris) -> URIRef:
        """IRI of an organisation key or a place key (successors may be either)."""
        if key in self.organisations:
            return iris.organisation(key)
        if key in self.groups or key in self.municipalities:
            return iris.place(key)
        raise KeyError(key)


@lru_cache(maxsize=4)
def load_reference(path: Path) -> Reference:
    """The :class:`Reference` in ``path``, loaded once per process."""
    return Reference.load(path)


def yso_lexicon(reference_dir: Path) -> Iterator[tuple[str, str, str, str]]:
    """Rows of ``yso_labels_2019.3.tsv``: (uri, label_fi, label_en, label_sv)."""
    with (reference_dir / "yso_labels_2019.3.tsv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        for row in reader:
            yield row["uri"], row["label_fi"], row["label_en"], row["label_sv"]


# --------------------------------------------------------------------------- loading


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def _load_municipalities(directory: Path) -> dict[str, Municipality]:
    linked = {r["code"]: r for r in _rows(directory / "municipality_linked_ids.csv")}
    out: dict[str, Municipality] = {}
    for row in _rows(directory / "municipalities.csv"):
        code = row["code"].zfill(3)
        ids = linked.get(code, {})
        out[code] = Municipality(
            code=code,
            name_fi=row["name_fi"],
            name_sv=row["name_sv"],
            name_en=row["name_en"] or row["name_fi"],
            region=row["region_code"].zfill(2),
            subregion=row["subregion_code"].zfill(3),
            wellbeing_county=row["wellbeing_county_code"],
            genitive_fi=finnish_genitive(row["name_fi"]),
            yso_place=ids.get("yso_place_uri") or None,
            wikidata=ids.get("wikidata_uri") or None,
            classification_year=row.get("classification_year", ""),
        )
    return out


def _load_groups(directory: Path, municipalities: dict[str, Municipality]) -> dict[str, PlaceGroup]:
    rows = _rows(directory / "municipalities.csv")
    by_region: dict[str, list[dict[str, str]]] = {}
    by_sub: dict[str, list[dict[str, str]]] = {}
    by_well: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_region.setdefault(row["region_code"].zfill(2), []).append(row)
        by_sub.setdefault(row["subregion_code"].zfill(3), []).append(row)
        by_well.setdefault(row["wellbeing_county_code"], []).append(row)

    # regional_groupings.csv adds names, YSO places and the KUUMA group.
    listed: dict[str, list[dict[str, str]]] = {}
    for row in _rows(directory / "regional_groupings.csv"):
        listed.setdefault(row["grouping_id"], []).append(row)

    def members(rs: Iterable[dict[str, str]]) -> tuple[str, ...]:
        return tuple(sorted(r["code"].zfill(3) for r in rs))

    groups: dict[str, PlaceGroup] = {}
    for code, rs in sorted(by_region.items()):
        first = rs[0]
        names = {
            "fi": first["region_name_fi"],
            "sv": first["region_name_sv"],
            "en": first["region_name_en"],
        }
        groups[f"region-{code}"] = PlaceGroup(
            key=f"region-{code}",
            kind="region",
            code=code,
            names={k: v for k, v in names.items() if v},
            members=members(rs),
            aliases=(f"{finnish_genitive(names['fi'])} maakunta",),
        )
    region_of_county: dict[str, str] = {}
    for wcode, rs in by_well.items():
        regions = {r["region_code"].zfill(2) for r in rs}
        if len(regions) == 1:
            region_of_county[wcode] = regions.pop()
    counties_per_region: dict[str, int] = {}
    for rcode in region_of_county.values():
        counties_per_region[rcode] = counties_per_region.get(rcode, 0) + 1

    for code, rs in sorted(by_sub.items()):
        first = rs[0]
        extra = listed.get(f"seutukunta:{code}", [{}])[0]
        plain_fi, plain_sv = first["subregion_name_fi"], first["subregion_name_sv"]
        names = {
            "fi": extra.get("grouping_name_fi") or f"{plain_fi} (seutukunta)",
            "sv": f"{plain_sv} (ekonomisk region)",
            "en": extra.get("grouping_name_en") or f"{plain_fi} sub-region",
        }
        if extra.get("grouping_name_sv") and extra["grouping_name_sv"] != plain_sv:
            names["sv"] = extra["grouping_name_sv"]
        aliases = {f"{plain_fi} (seutukunta)", f"{plain_fi} sub-region"}
        alt_fi = [plain_fi]
        if not any(m.name_fi == plain_fi for m in municipalities.values()):
            # a sub-region with a name of its own ("Järviseutu") is linkable by that name
            aliases.add(plain_fi)
        else:
            # a sub-region named after its centre is written "Porin seutu(kunta)"
            genitive = finnish_genitive(plain_fi)
            alt_fi += [f"{genitive} seutukunta", f"{genitive} seutu"]
            aliases.update(alt_fi[1:])
        groups[f"subregion-{code}"] = PlaceGroup(
            key=f"subregion-{code}",
            kind="subregion",
            code=code,
            names=names,
            members=members(rs),
            aliases=tuple(sorted(aliases)),
            alt_labels={"fi": tuple(n for n in alt_fi if n != names["fi"])},
            yso_place=extra.get("grouping_yso_place_uri") or None,
        )

    regions_by_code = {g.code: g for g in groups.values() if g.kind == "region"}
    for code, rs in sorted(by_well.items(), key=lambda kv: int(kv[0])):
        first = rs[0]
        extra = listed.get(f"hyvinvointialue:{code}", [{}])[0]
        en = extra.get("grouping_name_en") or _WELLBEING_EN.get(code, "")
        county_region = region_of_county.get(code)
        if not en and county_region and counties_per_region.get(county_region) == 1:
            en = f"{regions_by_code[county_region].names['en']} wellbeing services county"
        names = {
            "fi": first["wellbeing_county_name_fi"],
            "sv": first["wellbeing_county_name_sv"],
            "en": en or "",
        }
        groups[f"wellbeing-{code}"] = PlaceGroup(
            key=f"wellbeing-{code}",
            kind="wellbeing_county",
            code=code,
            names={k: v.strip() for k, v in names.items() if v.strip()},
            members=members(rs),
            aliases=_WELLBEING_AREA_ALIASES.get(code, ()),
        )

    for gid, rs in listed.items():
        if ":" in gid:
            continue  # sub-regions and wellbeing counties were merged in above
        first = rs[0]
        names = {
            "fi": first["grouping_name_fi"],
            "sv": first["grouping_name_sv"],
            "en": first["grouping_name_en"],
        }
        short = gid.upper()
        group_aliases = (
            short,
            *(f"{short}-{w}" for w in ("seutu", "kunta", "kunnat", "alue")),
            *(f"{short.capitalize()}-{w}" for w in ("seutu", "kunta", "kunnat", "alue")),
        )
        periods = {
            r["municipality_code"].zfill(3): (
                r.get("member_from") or None,
                r.get("member_to") or None,
            )
            for r in rs
            if r.get("member_from") or r.get("member_to")
        }
        groups[gid] = PlaceGroup(
            key=gid,
            kind="group",
            code=gid,
            names={k: v for k, v in names.items() if v},
            members=tuple(sorted(r["municipality_code"].zfill(3) for r in rs)),
            aliases=group_aliases,
            alt_labels={"fi": (short,)},
            yso_place=first.get("grouping_yso_place_uri") or None,
            member_periods=periods,
            source=first.get("source") or None,
        )
    groups.update(_load_areas(directory, municipalities))
    return groups


def _load_areas(directory: Path, municipalities: dict[str, Municipality]) -> dict[str, PlaceGroup]:
    """``areas.csv``: the country and the larger areas people name ("Itä-Suomi",
    "pääkaupunkiseutu"). Members only where the area has a fixed definition."""
    out: dict[str, PlaceGroup] = {}
    for row in _rows(directory / "areas.csv"):
        names = {lang: row[f"name_{lang}"] for lang in ("fi", "sv", "en") if row[f"name_{lang}"]}
        raw = row["members"]
        if raw == "all":
            members = tuple(sorted(municipalities))
        else:
            members = tuple(sorted(c.zfill(3) for c in raw.split(";") if c.strip()))
        unknown = [c for c in members if c not in municipalities]
        if unknown:
            raise ValueError(f"areas.csv {row['key']}: unknown municipality codes {unknown}")
        aliases = tuple(a.strip() for a in row["aliases"].split(";") if a.strip())
        out[row["key"]] = PlaceGroup(
            key=row["key"],
            kind=row["kind"],
            code=row["key"],
            names=names,
            members=members,
            aliases=aliases,
            yso_place=row["yso_place_uri"] or None,
            source=row["source"] or None,
        )
    return out


def _split_aliases(raw: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split ``acronyms_aliases`` into names of the organisation and other phrases."""
    names: list[str] = []
    terms: list[str] = []
    for part in (p.strip() for p in raw.split(";")):
        if not part:
            continue
        clean = _PAREN.sub("", part).strip()
        # "RAY:n avustus", "STEA-avustus", "raha-automaattiavustus" name a grant, not the body
        if ":" in clean or clean[:1].islower() or clean.lower().endswith("avustus"):
            terms.append(clean)
        else:
            names.append(clean)
    return tuple(dict.fromkeys(names)), tuple(dict.fromkeys(terms))


def _split_ids(raw: str) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for part in (p.strip() for p in raw.split(";")):
        if "=" in part:
            scheme, _, value = part.partition("=")
            out.append((scheme.strip(), value.strip()))
    return tuple(out)


_SUCCESSOR_BEFORE = re.compile(
    r"\b(moved to|transferred to|into|became|renamed(?: as| to)?|succeeded by)"
    r"\s+(the\s+)?(new\s+)?$",
    re.IGNORECASE,
)
_SUCCESSOR_AFTER = re.compile(
    r"^\s*(\([^)]*\)\s*)?(took over|takes over|replaced)\b", re.IGNORECASE
)
_PREDECESSOR_BEFORE = re.compile(
    r"\b(taking over|took over|takes over|successor (of|to)|replacing|replaced)\s+(the\s+)?$"
    r"|\b(merger of|merged from|formed from)\s+([^;.]*?(,|\band\b)\s*)*$",
    re.IGNORECASE,
)


def _names_pattern(names: dict[str, str]) -> re.Pattern[str]:
    """One pattern for every surface name, longest first so "STEA" never shadows a longer name."""
    ordered = sorted(names, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n in ordered) + r")(?![\w-])")


def _parse_history(
    key: str, text: str, names: dict[str, str], pattern: re.Pattern[str]
) -> tuple[list[str], list[str]]:
    """Predecessors and successors named in a free-text history note.

    ``names`` maps a surface name ("STEA", "Keski-Suomen hyvinvointialue") to a
    key, and ``pattern`` (from :func:`_names_pattern`) finds them. A name counts
    only next to an explicit verb of succession ("moved to X", "X took over",
    "taking over X", "merger of X"), so a note such as "administers grants funded
    from Veikkaus Oy proceeds" links nothing.
    """
    preds: list[str] = []
    succs: list[str] = []
    if not text:
        return preds, succs
    for clause in re.split(r";|\.\s", text):
        for match in pattern.finditer(clause):
            other = names[match.group(1)]
            if other == key:
                continue
            before, after = clause[: match.start()], clause[match.end() :]
            if _SUCCESSOR_BEFORE.search(before) or _SUCCESSOR_AFTER.match(after):
                succs.append(other)
            elif _PREDECESSOR_BEFORE.search(before):
                preds.append(other)
    return list(dict.fromkeys(preds)), list(dict.fromkeys(succs))


def _load_organisations(
    directory: Path, municipalities: dict[str, Municipality], groups: dict[str, PlaceGroup]
) -> dict[str, Organisation]:
    rows = _rows(directory / "organisations.csv")
    # Surface names for reading the history notes: organisations and wellbeing
    # counties (which took over the hospital districts).
    surface: dict[str, str] = {}
    for row in rows:
        acronyms, _ = _split_aliases(row["acronyms_aliases"])
        for name in (row["name_fi"], row["name_en"], row["name_sv"], *acronyms):
            if name and (len(name) > 2):
                surface.setdefault(name, row["key"])
                surface.setdefault(_LEGAL_SUFFIX.sub("", name), row["key"])
    for group in groups.values():
        if group.kind == "wellbeing_county":
            for name in group.names.values():
                surface.setdefault(name, group.key)

    pattern = _names_pattern(surface)
    parsed: dict[str, tuple[list[str], list[str]]] = {
        row["key"]: _parse_history(row["key"], row["predecessor_successor"], surface, pattern)
        for row in rows
    }
    # Succession is symmetric: "A moved to B" makes A a predecessor of B.
    preds: dict[str, list[str]] = {k: list(v[0]) for k, v in parsed.items()}
    succs: dict[str, list[str]] = {k: list(v[1]) for k, v in parsed.items()}
    for key, (ps, ss) in parsed.items():
        for s in ss:
            if s in preds and key not in preds[s]:
                preds[s].append(key)
        for p in ps:
            if p in succs and key not in succs[p]:
                succs[p].append(key)

    out: dict[str, Organisation] = {}
    for row in rows:
        key = row["key"]
        acronyms, terms = _split_aliases(row["acronyms_aliases"])
        names = {lang: row[f"name_{lang}"] for lang in ("fi", "en", "sv") if row[f"name_{lang}"]}
        qid = row["wikidata_qid"]
        out[key] = Organisation(
            key=key,
            names=names,
            acronyms=acronyms,
            terms=terms,
            type=row["type"],
            wikidata=f"{WD}{qid}" if qid else None,
            business_id=row["business_id"] or None,
            other_ids=_split_ids(row["other_ids"]),
            predecessors=tuple(preds[key]),
            successors=tuple(succs[key]),
            history=row["predecessor_successor"],
        )
    return out


def _load_themes(directory: Path) -> tuple[Theme, ...]:
    themes: list[Theme] = []
    for row in _rows(directory / "yso_subset.csv"):
        labels = {
            lang: row[f"prefLabel_{lang}"]
            for lang in ("fi", "en", "sv")
            if row[f"prefLabel_{lang}"]
        }
        themes.append(Theme(iri=row["uri"], labels=labels, local_theme=row["local_theme"]))
    return tuple(themes)
