"""Deterministic synthetic project documents for the benchmarks and the robustness tests.

``generate(i, seed)`` returns document number ``i``; it depends only on ``(i, seed)``,
so the corpus of 1,000 documents is a prefix of the corpus of 10,000. The documents
vary like the real register pages in ``data/seeds/``:

- layouts: label/value pages ("Hankkeen nimi\\n\\n..."; like ``000_*.txt``), free text
  behind navigation chrome (like ``004_*.txt``), ``URL:``/``TITLE:`` headed text,
  HTML with ``<nav>``/``<header>``/``<footer>``, Markdown, JSON records, and English pages;
- real names: municipalities, regions and groupings from ``data/reference/*.csv``,
  organisations and funders from ``organisations.csv``, themes from ``yso_subset.csv``;
- dates in many forms ("1.2.12–31.10.13", "syksyllä 2014", "2/2014", "March 2015",
  "vuosina 2015-2017", "2015-03-01", ...).

Each document also carries its ground truth (:class:`DocMeta`): the benchmarks use it
to build a graph of the same shape as extraction makes, without running spaCy on
10,000 documents (see ``bench/search.py``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "data" / "reference"
OUT = Path(__file__).resolve().parent / "corpus_out"
VERSION = "1"

LAYOUTS = ("labelvalue", "freetext", "headed", "html", "markdown", "json", "english")
LAYOUT_WEIGHTS = (26, 18, 12, 16, 10, 10, 8)
SUFFIX = {
    "labelvalue": ".txt",
    "freetext": ".txt",
    "headed": ".txt",
    "html": ".html",
    "markdown": ".md",
    "json": ".json",
    "english": ".txt",
}

FIRST_NAMES = (
    "Pirjo Anna Maria Liisa Tuula Päivi Riitta Sari Minna Johanna Kaisa Hanna Leena Marja "
    "Juha Timo Matti Mikko Jari Kari Antti Pekka Jukka Heikki Ville Tuomas Olli Sami Eero Aino"
).split()
SURNAMES = (
    "Lehtoranta Virtanen Korhonen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen "
    "Järvinen Lehtonen Saarinen Salminen Heinonen Niemi Kinnunen Salonen Turunen Tuominen "
    "Rantanen Karjalainen Jokinen Mattila Savolainen Lahtinen Ahonen Kettunen Hiltunen Pelkonen"
).split()
TARGETS_FI = (
    "pitkäaikaistyöttömät",
    "korvaushoitoasiakkaat",
    "mielenterveyskuntoutujat",
    "ikääntyneet omaishoitajat",
    "nuoret aikuiset",
    "maahanmuuttajanaiset",
    "päihdeongelmaiset",
    "vammaiset nuoret",
    "lapsiperheet",
    "työikäiset",
    "asunnottomat",
    "muistisairaat",
)
TARGETS_EN = (
    "long-term unemployed people",
    "opioid substitution clients",
    "mental health rehabilitees",
    "older family carers",
    "young adults",
    "immigrant women",
    "people with substance use problems",
    "young people with disabilities",
    "families with children",
    "working-age adults",
    "homeless people",
    "people with dementia",
)
METHODS_FI = (
    "vertaistuki",
    "ryhmätoiminta",
    "palveluohjaus",
    "kokemusasiantuntijuus",
    "yksilövalmennus",
    "etäkuntoutus",
    "monialainen yhteistyö",
    "työkyvyn arviointi",
    "verkostotyö",
    "jalkautuva työ",
    "toiminnallinen kuntoutus",
    "osallisuuden vahvistaminen",
)
METHODS_EN = (
    "peer support",
    "group activities",
    "case management",
    "experts by experience",
    "individual coaching",
    "remote rehabilitation",
    "multiprofessional cooperation",
    "work ability assessment",
    "network-based work",
    "outreach work",
    "activity-based rehabilitation",
    "strengthening participation",
)
NOUNS_FI = (
    "toimintamalli",
    "palveluprosessi",
    "kehittämistyö",
    "koulutuskokonaisuus",
    "arviointimalli",
    "asiakaspolku",
    "yhteistyöverkosto",
    "käsikirja",
    "kuntoutusjakso",
    "pilotointi",
)
FUNDERS = ("ray", "stea", "esr", "stm", "kela", "veikkaus", "tem", "ely")
COORDINATORS = (
    "kuntoutussaatio",
    "thl",
    "diak",
    "lapin_amk",
    "jyvaskylan_yliopisto",
    "helsingin_yliopisto",
    "a_klinikkasaatio",
    "sininauhaliitto",
    "mtkl",
    "soste",
    "kuntaliitto",
    "ttl",
    "keusote",
    "lapin_shp",
    "keski_suomen_shp",
    "lapin_yliopisto",
)
MONTHS_FI = (
    "tammikuussa helmikuussa maaliskuussa huhtikuussa toukokuussa kesäkuussa heinäkuussa "
    "elokuussa syyskuussa lokakuussa marraskuussa joulukuussa"
).split()
MONTHS_EN = (
    "January February March April May June July August September October November December"
).split()
SEASONS_FI = ("keväällä", "kesällä", "syksyllä")


@dataclass(frozen=True)
class Municipality:
    """One municipality of the reference data."""

    code: str
    name_fi: str
    region_code: str
    region_fi: str
    region_en: str


@dataclass(frozen=True)
class Organisation:
    """One organisation of the reference data."""

    key: str
    name_fi: str
    name_en: str
    acronym: str


@dataclass(frozen=True)
class Theme:
    """One YSO concept of the subset."""

    uri: str
    fi: str
    en: str


@dataclass
class DocMeta:
    """The ground truth of one generated document."""

    index: int
    stem: str
    layout: str
    lang: str
    name_fi: str
    name_en: str
    acronym: str
    start_year: int
    end_year: int
    funder: str
    coordinator: str
    partners: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    """Municipality codes."""
    region: str = ""
    themes: list[str] = field(default_factory=list)
    """YSO concept IRIs."""
    persons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class GeneratedDoc:
    """One generated document: its file name, bytes and ground truth."""

    name: str
    data: bytes
    meta: DocMeta


@lru_cache(maxsize=1)
def municipalities() -> tuple[Municipality, ...]:
    """The municipalities of ``municipalities.csv``."""
    with open(REFERENCE / "municipalities.csv", encoding="utf-8") as handle:
        return tuple(
            Municipality(
                r["code"], r["name_fi"], r["region_code"], r["region_name_fi"], r["region_name_en"]
            )
            for r in csv.DictReader(handle)
        )


@lru_cache(maxsize=1)
def organisations() -> dict[str, Organisation]:
    """The organisations of ``organisations.csv`` by key."""
    with open(REFERENCE / "organisations.csv", encoding="utf-8") as handle:
        return {
            r["key"]: Organisation(
                r["key"],
                r["name_fi"],
                r["name_en"] or r["name_fi"],
                (r["acronyms_aliases"] or "").split(";")[0],
            )
            for r in csv.DictReader(handle)
        }


@lru_cache(maxsize=1)
def themes() -> tuple[Theme, ...]:
    """YSO concepts with Finnish and English labels from ``yso_subset.csv``."""
    with open(REFERENCE / "yso_subset.csv", encoding="utf-8") as handle:
        return tuple(
            Theme(r["uri"], r["prefLabel_fi"], r["prefLabel_en"])
            for r in csv.DictReader(handle)
            if r["prefLabel_fi"] and r["prefLabel_en"]
        )


@lru_cache(maxsize=1)
def groupings() -> dict[str, tuple[str, list[str]]]:
    """Regional groupings: id -> (Finnish name, member municipality codes)."""
    out: dict[str, tuple[str, list[str]]] = {}
    with open(REFERENCE / "regional_groupings.csv", encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            out.setdefault(r["grouping_id"], (r["grouping_name_fi"], []))[1].append(
                r["municipality_code"]
            )
    return out


def _date_phrase(rng: random.Random, start: int, end: int) -> str:
    """A period in one of the many forms the pages use."""
    d1, m1 = rng.randint(1, 28), rng.randint(1, 12)
    d2, m2 = rng.randint(1, 28), rng.randint(1, 12)
    forms = [
        f"{start}–{end}",
        f"vuosina {start}-{end}",
        f"{d1}.{m1}.{start}–{d2}.{m2}.{end}",
        f"{d1}.{m1}.{start % 100:02d}–{d2}.{m2}.{end % 100:02d}",
        f"{d1}.{m1}.{start} alkaen {d2}.{m2}.{end % 100:02d} saakka",
        f"{rng.choice(SEASONS_FI)} {start}",
        f"{m1}/{start}",
        f"{MONTHS_FI[m1 - 1]} {start}",
        f"{start}-{m1:02d}-{d1:02d}",
        f"{start}–{end % 100:02d}",
        f"{d1}.{m1}.{start} lähtien",
    ]
    return rng.choice(forms)


def _date_phrase_en(rng: random.Random, start: int, end: int) -> str:
    m1, m2 = rng.randint(1, 12), rng.randint(1, 12)
    forms = [
        f"{MONTHS_EN[m1 - 1]} {start} – {MONTHS_EN[m2 - 1]} {end}",
        f"{start}–{end}",
        f"{rng.randint(1, 28)} {MONTHS_EN[m1 - 1]} {start}",
        f"{start}-{m1:02d}-{rng.randint(1, 28):02d}",
    ]
    return rng.choice(forms)


def _sentences_fi(
    rng: random.Random, meta: DocMeta, places: list[str], orgs: list[str]
) -> list[str]:
    theme = rng.choice(themes())
    target = rng.choice(TARGETS_FI)
    method = rng.choice(METHODS_FI)
    noun = rng.choice(NOUNS_FI)
    place = rng.choice(places)
    org = rng.choice(orgs)
    period = _date_phrase(rng, meta.start_year, meta.end_year)
    return [
        f"Hankkeen tavoitteena oli kehittää {theme.fi}-palveluja, joissa {method} tukee "
        f"asiakkaiden arjen hallintaa.",
        f"Kohderyhmänä olivat {target}, joiden palvelutarpeisiin vastattiin yhdessä "
        f"kuntien ja järjestöjen kanssa.",
        f"Kehittämistyö tehtiin {period} ja siihen osallistui {rng.randint(8, 400)} "
        f"asiakasta ja {rng.randint(3, 60)} työntekijää.",
        f"Toiminta-alueena oli {place}, ja yhteistyötä tehtiin myös naapurikuntien kanssa.",
        f"Hankkeessa rakennettiin uusi {noun}, joka on otettu käyttöön osana perustyötä.",
        f"Yhteistyökumppaneina toimivat {org} sekä paikalliset sosiaali- ja terveysalan järjestöt.",
        f"Arvioinnin mukaan {method} lisäsi osallistujien osallisuutta ja vähensi yksinäisyyttä.",
        f"Hankkeen tuloksista kirjoitettiin raportti ja artikkeli Kuntoutus "
        f"{rng.randint(1, 4)}/{meta.end_year} -lehteen.",
        f"Koulutuksia järjestettiin {rng.randint(2, 9)} kertaa, ja niihin osallistui "
        f"{rng.randint(20, 300)} ammattilaista.",
        f"Keskeisiä teemoja olivat {theme.fi}, {rng.choice(themes()).fi} ja "
        f"{rng.choice(themes()).fi}.",
        f"Kehittäjäasiakkaat olivat mukana suunnittelemassa uutta {noun}a alusta alkaen.",
        f"Jatkossa mallia levitetään muihin kuntiin {rng.choice(SEASONS_FI)} "
        f"{meta.end_year + 1} alkaen.",
    ]


def _sentences_en(
    rng: random.Random, meta: DocMeta, places: list[str], orgs: list[str]
) -> list[str]:
    theme = rng.choice(themes())
    target = rng.choice(TARGETS_EN)
    method = rng.choice(METHODS_EN)
    place = rng.choice(places)
    org = rng.choice(orgs)
    period = _date_phrase_en(rng, meta.start_year, meta.end_year)
    return [
        f"The project developed {theme.en} services in which {method} supports everyday life.",
        f"The target group was {target}, reached together with municipalities and NGOs.",
        f"The work was carried out in {period} with {rng.randint(8, 400)} participants.",
        f"The project operated in {place} and cooperated with neighbouring municipalities.",
        f"Partners included {org} and local social and health organisations.",
        f"According to the evaluation, {method} increased participation and reduced loneliness.",
        f"Key themes were {theme.en}, {rng.choice(themes()).en} and {rng.choice(themes()).en}.",
        f"Results were published in a report in {meta.end_year}.",
    ]


def _meta(i: int, rng: random.Random) -> DocMeta:
    layout = rng.choices(LAYOUTS, weights=LAYOUT_WEIGHTS)[0]
    main_theme = rng.choice(themes())
    munis = municipalities()
    home = rng.choice(munis)
    region_peers = [m for m in munis if m.region_code == home.region_code and m != home]
    places = [home.code] + [
        m.code for m in rng.sample(region_peers, min(len(region_peers), rng.randint(0, 3)))
    ]
    target = rng.randrange(len(TARGETS_FI))
    method = rng.randrange(len(METHODS_FI))
    name_fi = (
        f"{METHODS_FI[method].capitalize()} ja {main_theme.fi} – "
        f"{TARGETS_FI[target]} ({home.name_fi})"
    )
    name_en = f"{METHODS_EN[method].capitalize()} and {main_theme.en} for {TARGETS_EN[target]} ({home.name_fi})"
    letters = "".join(w[0] for w in name_fi.split() if w[:1].isalpha()).upper()[:5]
    start = rng.randint(1998, 2025)
    end = start + rng.randint(1, 4)
    partners = rng.sample([k for k in COORDINATORS], rng.randint(1, 3))
    return DocMeta(
        index=i,
        stem=f"{i:06d}_{layout}",
        layout=layout,
        lang="en" if layout == "english" else "fi",
        name_fi=name_fi,
        name_en=name_en,
        acronym=f"{letters}{i % 97}",
        start_year=start,
        end_year=end,
        funder=rng.choice(FUNDERS),
        coordinator=rng.choice(COORDINATORS),
        partners=[p for p in partners],
        places=places,
        region=home.region_fi,
        themes=[main_theme.uri] + [rng.choice(themes()).uri for _ in range(rng.randint(0, 2))],
        persons=[
            f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}" for _ in range(rng.randint(1, 3))
        ],
    )


def _body_fi(rng: random.Random, meta: DocMeta, paragraphs: int) -> list[str]:
    by_code = {m.code: m for m in municipalities()}
    places = [by_code[c].name_fi for c in meta.places]
    orgs = [organisations()[k].name_fi for k in [meta.coordinator, *meta.partners]]
    out = []
    for _ in range(paragraphs):
        pool = _sentences_fi(rng, meta, places, orgs)
        out.append(" ".join(rng.sample(pool, rng.randint(2, 5))))
    return out


def _body_en(rng: random.Random, meta: DocMeta, paragraphs: int) -> list[str]:
    by_code = {m.code: m for m in municipalities()}
    places = [by_code[c].name_fi for c in meta.places]
    orgs = [organisations()[k].name_en for k in [meta.coordinator, *meta.partners]]
    out = []
    for _ in range(paragraphs):
        pool = _sentences_en(rng, meta, places, orgs)
        out.append(" ".join(rng.sample(pool, rng.randint(2, 5))))
    return out


def _labelvalue(rng: random.Random, meta: DocMeta) -> str:
    orgs = organisations()
    by_code = {m.code: m for m in municipalities()}
    body = _body_fi(rng, meta, rng.randint(2, 5))
    fields = [
        ("Hankkeen nimi", meta.name_fi),
        ("Project Name", meta.name_en),
        ("Lyhenne", meta.acronym),
        ("Alkamisvuosi", str(meta.start_year)),
        ("Päättymisvuosi", str(meta.end_year)),
        ("Hankkeen päätoteuttaja-\norganisaatio", orgs[meta.coordinator].name_fi),
        ("Toteuttaja-\norganisaatiot", "; ".join(orgs[p].name_fi for p in meta.partners)),
        ("Koko hankkeen vastuuhenkilö", meta.persons[0]),
        ("Rahoittaja", f"{orgs[meta.funder].name_fi} ({orgs[meta.funder].acronym})"),
        ("Kunnat", ", ".join(by_code[c].name_fi for c in meta.places)),
        ("Hankkeen tiivistelmä", body[0]),
        ("Hankkeen tulokset", "\n".join(body[1:])),
    ]
    if rng.random() < 0.3:
        fields.insert(7, ("Yhteistyötahot", ""))  # an empty field, followed by the next label
    head = f"Hankkeet\n\n{meta.name_fi}\n\n{meta.start_year}\n{meta.end_year}\nMeneillään\nPäättynyt\n\nHankkeen sisältö\n\nSelite\n\nSisältö\n\n"
    parts = [f"{label}\n\n{value}" if value else label for label, value in fields]
    return head + "\n\n".join(parts) + "\n"


def _freetext(rng: random.Random, meta: DocMeta) -> str:
    chrome = "Siirry sisältöön. | Siirry navigointiin\n\nOmat työkalut\n\nNavigation\n\n"
    title = f"Omat työkalut{meta.name_fi}"
    body = _body_fi(rng, meta, rng.randint(3, 6))
    orgs = organisations()
    body.append(
        f"Hankkeen rahoitti {orgs[meta.funder].name_fi} ja sitä hallinnoi "
        f"{orgs[meta.coordinator].name_fi}. Yhteyshenkilö: {meta.persons[0]}."
    )
    return chrome + title + "\n\n" + "\n\n".join(body) + "\n\nSivun alkuun\n"


def _headed(rng: random.Random, meta: DocMeta) -> str:
    slug = hashlib.sha1(meta.stem.encode()).hexdigest()[:10]  # noqa: S324 - not security
    body = _body_fi(rng, meta, rng.randint(2, 5))
    return (
        f"URL: https://hankkeet.example.fi/{slug}\nTITLE: {meta.name_fi}\n\n"
        + "\n\n".join(body)
        + "\n"
    )


def _html(rng: random.Random, meta: DocMeta) -> str:
    orgs = organisations()
    body = _body_fi(rng, meta, rng.randint(2, 5))
    paras = "\n".join(f"<p>{p}</p>" for p in body)
    return f"""<!DOCTYPE html>
<html lang="fi"><head><meta charset="utf-8"><title>{meta.name_fi} | Hankerekisteri</title>
<script>var tracking = "x";</script><style>body {{ font: 14px sans-serif }}</style></head>
<body><header class="site-header"><a href="/">Etusivu</a> <a href="/haku">Haku</a></header>
<nav><ul><li><a href="/hankkeet">Hankkeet</a></li><li><a href="/uutiset">Uutiset</a></li></ul></nav>
<main><h1>{meta.name_fi}</h1>
<dl><dt>Rahoittaja</dt><dd>{orgs[meta.funder].name_fi}</dd>
<dt>Hankeaika</dt><dd>{meta.start_year}–{meta.end_year}</dd>
<dt>Päätoteuttaja</dt><dd>{orgs[meta.coordinator].name_fi}</dd></dl>
{paras}
</main>
<aside class="sidebar">Katso myös muut hankkeet</aside>
<footer class="site-footer">© Hankerekisteri {meta.end_year} · Yhteystiedot · Saavutettavuusseloste</footer>
</body></html>
"""


def _markdown(rng: random.Random, meta: DocMeta) -> str:
    orgs = organisations()
    body = _body_fi(rng, meta, rng.randint(2, 4))
    bullets = "\n".join(f"- {m}" for m in rng.sample(METHODS_FI, 3))
    return (
        f"# {meta.name_fi}\n\n**Rahoittaja:** {orgs[meta.funder].name_fi}  \n"
        f"**Hankeaika:** {_date_phrase(rng, meta.start_year, meta.end_year)}  \n"
        f"**Vastuuhenkilö:** {meta.persons[0]}\n\n## Tavoitteet\n\n{body[0]}\n\n"
        f"## Menetelmät\n\n{bullets}\n\n## Tulokset\n\n" + "\n\n".join(body[1:]) + "\n"
    )


def _json(rng: random.Random, meta: DocMeta) -> str:
    orgs = organisations()
    by_code = {m.code: m for m in municipalities()}
    record = {
        "name": meta.name_fi,
        "name_en": meta.name_en,
        "acronym": meta.acronym,
        "start": str(meta.start_year),
        "end": str(meta.end_year),
        "funder": orgs[meta.funder].name_fi,
        "coordinator": orgs[meta.coordinator].name_fi,
        "partners": [orgs[p].name_fi for p in meta.partners],
        "municipalities": [by_code[c].name_fi for c in meta.places],
        "contact": {"name": meta.persons[0]},
        "summary": " ".join(_body_fi(rng, meta, rng.randint(2, 4))),
    }
    return json.dumps(record, ensure_ascii=False, indent=rng.choice([None, 2]))


def _english(rng: random.Random, meta: DocMeta) -> str:
    orgs = organisations()
    body = _body_en(rng, meta, rng.randint(2, 5))
    return (
        f"{meta.name_en}\n\nProject Name\n\n{meta.name_en}\n\nStart year\n\n{meta.start_year}\n\n"
        f"End year\n\n{meta.end_year}\n\nFunder\n\n{orgs[meta.funder].name_en}\n\n"
        + "\n\n".join(body)
        + "\n"
    )


RENDER = {
    "labelvalue": _labelvalue,
    "freetext": _freetext,
    "headed": _headed,
    "html": _html,
    "markdown": _markdown,
    "json": _json,
    "english": _english,
}


def generate(i: int, seed: int = 7) -> GeneratedDoc:
    """Document number ``i`` of the corpus with ``seed`` (deterministic)."""
    rng = random.Random(f"hankekg-bench:{seed}:{i}")
    meta = _meta(i, rng)
    text = RENDER[meta.layout](rng, meta)
    return GeneratedDoc(meta.stem + SUFFIX[meta.layout], text.encode("utf-8"), meta)


def corpus(n: int, seed: int = 7) -> list[GeneratedDoc]:
    """The first ``n`` documents."""
    return [generate(i, seed) for i in range(n)]


def write_corpus(n: int, seed: int = 7, out: Path | None = None) -> Path:
    """Write the first ``n`` documents (and ``meta.jsonl``) to a folder; reuses a complete one.

    Returns the folder, ``bench/corpus_out/n{n}-s{seed}`` by default (git-ignored).
    """
    folder = out or OUT / f"n{n}-s{seed}-v{VERSION}"
    done = folder / "meta.jsonl"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(n):
        doc = generate(i, seed)
        (folder / doc.name).write_bytes(doc.data)
        lines.append(json.dumps(asdict(doc.meta), ensure_ascii=False))
    tmp = folder / "meta.jsonl.tmp"
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(done)
    return folder


def read_meta(folder: Path) -> list[DocMeta]:
    """The ground truth written by :func:`write_corpus`."""
    with open(folder / "meta.jsonl", encoding="utf-8") as handle:
        return [DocMeta(**json.loads(line)) for line in handle if line.strip()]


if __name__ == "__main__":  # pragma: no cover - manual use
    import sys

    print(write_corpus(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
