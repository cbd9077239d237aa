"""Bulk generator: an N-document home (N = 100,000) with the real corpus's shape, fast.

``bench/search.py`` builds its states document by document (the real loader, rdflib
graphs, the writer's per-batch commit): 826 s for N = 10,000, and quadratic in N because
each batch rewrites the index snapshot. This module builds the same kind of state through
the writer's bulk path (:meth:`ingest.commit.Writer.bulk_load`: one fresh index writer,
the graph through the store's bulk loader), with no NLP per document:

*Distributions* (``python -m bench.bulk measure``, kept in ``bench/bulk_distributions.json``)
    measured once from real pages: every ``corpus/*.txt`` of ``data/demo`` (58 restated
    register pages; the dev set holds the same pages) is decoded by the real loader and
    chunked by ingest's own chunker
    (``ingest.prepare.chunk_pieces``), giving the share of each language, the number of body
    chunks per document and the characters per body chunk; the hand-extracted
    ``facts.jsonl`` give how many organisations, municipalities, people and themes a page
    names, how many project names it has, and how often it states its years. Only counts
    are stored, no text.

*Documents* (:func:`generate`)
    document ``i`` depends only on ``(i, seed)``: its language, chunk count, chunk lengths
    and fact counts are drawn from those histograms; names, places, organisations and
    themes come from ``data/reference`` (``bench/corpus.py``); body chunks are sentences of
    ``bench/corpus.py``'s generator, cut to the drawn length, so BM25 sees real Finnish
    and English vocabulary. The graph is what extraction writes (``graph.build``: document
    node with its text, facts, one evidence node per quoted fact), as N-Triples.

*Vectors*
    e5-derived surrogates (``bench.search.surrogate_vectors``' rule, vectorised): each
    chunk a normalised mix of two vectors from a pool of real passage vectors of the demo
    corpus's chunks, embedded once with the configured encoder and cached.

``python -m bench.bulk build --n 100000 --home DIR`` builds a home and writes its figures
to ``bench/results/bulk-build-n{N}.json``; ``--postgres`` also copies it into an embedded
PostgreSQL (``bench.index_state.copy_to_postgres``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from bench import load_average
from bench.corpus import (
    FIRST_NAMES,
    FUNDERS,
    METHODS_EN,
    METHODS_FI,
    OUT,
    ROOT,
    SURNAMES,
    TARGETS_EN,
    TARGETS_FI,
    DocMeta,
    _sentences_en,
    _sentences_fi,
    municipalities,
    organisations,
    themes,
)
from graph.build import document_ntriples
from graph.model import Document, Evidence, Extraction, Fact
from graph.vocab import HK, RDF, SCHEMA
from ingest.prepare import Prepared, PreparedChunk

logger = logging.getLogger(__name__)

DISTRIBUTIONS = Path(__file__).resolve().parent / "bulk_distributions.json"
RESULTS = Path(__file__).resolve().parent / "results"
SOURCES = (ROOT / "data" / "demo",)
POOL = 128
#: When every generated document says it was ingested (a fixed time: builds compare).
INGESTED = datetime(2026, 1, 1, tzinfo=UTC)
#: The share of documents that state their grant. Not measured: the demo pages state one
#: amount in 41, but the registers this is sized for (STEA, ESF/EURA, research.fi funding
#: decisions) state one per record, and the money table's cost is what is being measured.
GRANT_SHARE = 0.5


# -- measuring the real corpus --------------------------------------------------------------


def measure(sources: tuple[Path, ...] = SOURCES) -> dict[str, Any]:
    """Histograms of the real pages under ``sources`` (see the module docstring)."""
    from graph.load.loader import load_bytes
    from ingest.prepare import chunk_pieces

    languages: Counter[str] = Counter()
    body_chunks: Counter[int] = Counter()
    chunk_chars: list[int] = []
    facts: dict[str, Counter[int]] = {
        k: Counter()
        for k in ("project_names", "organisations", "municipalities", "people", "themes")
    }
    years: Counter[bool] = Counter()
    used: list[str] = []
    for source in sources:
        if not (source / "corpus").is_dir():
            continue
        used.append(source.name)
        for path in sorted((source / "corpus").glob("*.txt")):
            doc = load_bytes(path.read_bytes(), name=path.name, max_bytes=10_000_000)
            pieces = [p for p in chunk_pieces(doc, [], title=doc.title) if p.field == "body"]
            languages[doc.language] += 1
            body_chunks[len(pieces)] += 1
            chunk_chars.extend(len(p.text) for p in pieces)
        for line in (source / "facts.jsonl").read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            for key, counter in facts.items():
                counter[len(record.get(key) or [])] += 1
            years[record.get("start_year") is not None] += 1
    bins = np.percentile(chunk_chars, np.arange(0, 101, 5)).round().astype(int).tolist()
    return {
        "sources": used,
        "documents": sum(languages.values()),
        "languages": dict(languages),
        "body_chunks": {str(k): v for k, v in sorted(body_chunks.items())},
        "chunk_chars_percentiles": bins,
        "facts": {k: {str(n): c for n, c in sorted(v.items())} for k, v in facts.items()},
        "with_years": {"yes": years[True], "no": years[False]},
    }


# -- drawing from the histograms -------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """The measured histograms, ready to draw from."""

    languages: tuple[list[str], list[int]]
    body_chunks: tuple[list[int], list[int]]
    chunk_chars: list[int]
    facts: dict[str, tuple[list[int], list[int]]]
    years: float

    @classmethod
    def load(cls, path: Path = DISTRIBUTIONS) -> Shape:
        """The shape stored by ``python -m bench.bulk measure``."""
        raw = json.loads(path.read_text(encoding="utf-8"))

        def hist(d: dict[str, int]) -> tuple[list[int], list[int]]:
            return [int(k) for k in d], list(d.values())

        return cls(
            languages=(list(raw["languages"]), list(raw["languages"].values())),
            body_chunks=hist(raw["body_chunks"]),
            chunk_chars=raw["chunk_chars_percentiles"],
            facts={k: hist(v) for k, v in raw["facts"].items()},
            years=raw["with_years"]["yes"] / max(1, sum(raw["with_years"].values())),
        )

    def draw(self, rng: random.Random, what: tuple[list[int], list[int]]) -> int:
        """One value of a histogram."""
        return rng.choices(what[0], weights=what[1])[0]

    def chars(self, rng: random.Random) -> int:
        """One body chunk's length: uniform between two neighbouring 5 % percentiles."""
        i = rng.randrange(len(self.chunk_chars) - 1)
        return rng.randint(self.chunk_chars[i], max(self.chunk_chars[i], self.chunk_chars[i + 1]))


@dataclass
class BulkDoc:
    """One generated document: its ground truth, text and chunks (graph and vectors
    are made from these by :func:`prepared`)."""

    meta: DocMeta
    text: str
    chunks: list[PreparedChunk]
    sha256: str
    with_years: bool
    grant_eur: int | None = None
    """The grant the page states (``Myönnetty avustus … euroa``), if it states one."""


def _body(rng: random.Random, meta: DocMeta, shape: Shape, n: int) -> list[str]:
    by_code = {m.code: m for m in municipalities()}
    places = [by_code[c].name_fi for c in meta.places]
    orgs_all = organisations()
    orgs = [
        orgs_all[k].name_fi if meta.lang == "fi" else orgs_all[k].name_en
        for k in [meta.coordinator, *meta.partners]
    ]
    out: list[str] = []
    sentences = _sentences_fi if meta.lang == "fi" else _sentences_en
    for _ in range(n):
        want = shape.chars(rng)
        pool = sentences(rng, meta, places, orgs)
        rng.shuffle(pool)
        text = ""
        for sentence in pool * 4:
            if len(text) >= want:
                break
            text = f"{text} {sentence}" if text else sentence
        out.append(text[: max(want, 40)].rsplit(" ", 1)[0] if len(text) > want else text)
    return out


def generate(i: int, seed: int, shape: Shape) -> BulkDoc:
    """Document ``i`` (deterministic in ``(i, seed)``)."""
    rng = random.Random(f"bulk-{seed}-{i}")
    lang = rng.choices(*shape.languages)[0]
    lang = lang if lang in ("fi", "en") else "fi"
    munis = municipalities()
    home = rng.choice(munis)
    n_places = max(1, shape.draw(rng, shape.facts["municipalities"]))
    peers = [m for m in munis if m.region_code == home.region_code and m != home]
    places = [home.code] + [m.code for m in rng.sample(peers, min(len(peers), n_places - 1))]
    theme_pool = themes()
    n_themes = max(1, shape.draw(rng, shape.facts["themes"]))
    chosen = [t.uri for t in rng.sample(theme_pool, min(len(theme_pool), n_themes))]
    main = next(t for t in theme_pool if t.uri == chosen[0])
    keys = list(organisations())
    n_orgs = max(1, shape.draw(rng, shape.facts["organisations"]))
    orgs = rng.sample(keys, min(len(keys), n_orgs))
    target, method = rng.randrange(len(TARGETS_FI)), rng.randrange(len(METHODS_FI))
    name_fi = (
        f"{METHODS_FI[method].capitalize()} ja {main.fi} – {TARGETS_FI[target]} "
        f"({home.name_fi}) {i}"
    )
    name_en = (
        f"{METHODS_EN[method].capitalize()} and {main.en} for {TARGETS_EN[target]} "
        f"({home.name_fi}) {i}"
    )
    start = rng.randint(1998, 2025)
    meta = DocMeta(
        index=i,
        stem=f"bulk-{i:07d}",
        layout="bulk",
        lang=lang,
        name_fi=name_fi,
        name_en=name_en,
        acronym="".join(w[0] for w in name_fi.split() if w[:1].isalpha()).upper()[:5] + str(i),
        start_year=start,
        end_year=start + rng.randint(1, 4),
        funder=rng.choice(FUNDERS),
        coordinator=orgs[0],
        partners=orgs[1:],
        places=places,
        region=home.region_fi,
        themes=chosen,
        persons=[
            f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
            for _ in range(shape.draw(rng, shape.facts["people"]))
        ],
    )
    body = _body(rng, meta, shape, max(1, shape.draw(rng, shape.body_chunks)))
    title = name_fi if lang == "fi" else name_en
    head = f"{title}\n\n{meta.name_fi} ({meta.acronym}). {meta.name_en}.\n\n"
    funder = organisations()[meta.funder]
    people = "; ".join(meta.persons)
    # a separate stream, so that the money draw leaves every other draw as it was
    money = random.Random(f"bulk-money-{seed}-{i}")
    grant = int(round(10 ** money.uniform(4.3, 6.3), -3)) if money.random() < GRANT_SHARE else None
    stated = f" Myönnetty avustus {grant:,} euroa.".replace(",", "\u00a0") if grant else ""
    tail = f"\n\nRahoittaja: {funder.name_fi}.{stated}\n\nYhteyshenkilöt: {people}.\n"
    pieces = [PreparedChunk(0, 0, "title", title)]
    pieces += [PreparedChunk(0, 0, "name", n) for n in sorted({meta.name_fi, meta.name_en})]
    text = head
    for paragraph in body:
        pieces.append(PreparedChunk(len(text), len(text) + len(paragraph), "body", paragraph))
        text += paragraph + "\n\n"
    text += tail
    sha = hashlib.sha256(f"bulk-{seed}-{i}\n{text}".encode()).hexdigest()
    return BulkDoc(meta, text, pieces, sha, rng.random() < shape.years, grant)


def _quoted(text: str, quote: str, extractor: str = "bench:bulk") -> Evidence | None:
    start = text.find(quote)
    return Evidence(start, start + len(quote), quote, extractor) if start >= 0 else None


def facts(iris: Any, doc: BulkDoc, project: URIRef) -> list[Fact]:
    """The facts extraction would make for ``doc``, from its ground truth."""
    meta, text = doc.meta, doc.text
    orgs = organisations()
    out = [
        Fact(project, RDF.type, HK.Project),
        Fact(project, RDF.type, SCHEMA.Project),
        Fact(project, SCHEMA.name, Literal(meta.name_fi, lang="fi"), _quoted(text, meta.name_fi)),
        Fact(project, SCHEMA.name, Literal(meta.name_en, lang="en"), _quoted(text, meta.name_en)),
        Fact(project, SCHEMA.alternateName, Literal(meta.acronym), _quoted(text, meta.acronym)),
        Fact(
            project,
            SCHEMA.funder,
            iris.organisation(meta.funder),
            _quoted(text, orgs[meta.funder].name_fi),
        ),
        Fact(project, HK.coordinator, iris.organisation(meta.coordinator)),
    ]
    if doc.with_years:
        out += [
            Fact(project, SCHEMA.startDate, Literal(str(meta.start_year), datatype=XSD.gYear)),
            Fact(project, SCHEMA.endDate, Literal(str(meta.end_year), datatype=XSD.gYear)),
            Fact(project, HK.status, HK.StatusEnded if meta.end_year < 2026 else HK.StatusOngoing),
        ]
    out += [Fact(project, HK.partner, iris.organisation(p)) for p in meta.partners]
    if doc.grant_eur is not None:
        # the shape the money extractor writes (graph/extract/money.py)
        key = f"bulk-{meta.index}-{doc.grant_eur}"
        grant, amount = iris.grant(key), iris.amount(f"{key}-grant")
        quoted = _quoted(text, f"{doc.grant_eur:,} euroa".replace(",", "\u00a0"))
        out += [
            Fact(project, SCHEMA.funding, grant, quoted),
            Fact(grant, RDF.type, SCHEMA.MonetaryGrant),
            Fact(grant, SCHEMA.amount, amount, quoted),
            Fact(grant, SCHEMA.funder, iris.organisation(meta.funder)),
            Fact(amount, RDF.type, SCHEMA.MonetaryAmount),
            Fact(amount, SCHEMA.value, Literal(str(doc.grant_eur), datatype=XSD.decimal), quoted),
            Fact(amount, SCHEMA.currency, Literal("EUR")),
        ]
    out += [Fact(project, SCHEMA.areaServed, iris.place(c)) for c in meta.places]
    out += [Fact(project, SCHEMA.about, URIRef(t)) for t in meta.themes]
    for name in meta.persons:
        person = iris.person(name)
        out += [
            Fact(person, RDF.type, SCHEMA.Person),
            Fact(person, SCHEMA.name, Literal(name), _quoted(text, name)),
            Fact(project, HK.responsiblePerson, person, _quoted(text, name)),
        ]
    return out


def surrogates(pool: np.ndarray, seed: int, n: int) -> np.ndarray:
    """``n`` e5-like unit vectors: two pool vectors mixed, plus noise (one draw per document)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, len(pool), n)
    b = rng.integers(0, len(pool), n)
    noise = rng.standard_normal((n, pool.shape[1]), dtype=np.float32)
    v = pool[a] + 0.6 * pool[b] + 0.08 * noise
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def prepared(iris: Any, doc: BulkDoc, pool: np.ndarray) -> Prepared:
    """``doc`` as the writer takes it: chunks, surrogate vectors and its graph."""
    meta = doc.meta
    path = f"bulk/{meta.stem}.txt"
    document = Document(
        path=path,
        text=doc.text,
        sha256=doc.sha256,
        media_type="text/plain",
        title=doc.chunks[0].text,
        language=meta.lang,
    )
    iri = iris.document(doc.sha256)
    project = iris.project(meta.name_fi if meta.lang == "fi" else meta.name_en)
    extraction = Extraction(
        document=document,
        document_iri=iri,
        project_iris=[project],
        facts=facts(iris, doc, project),
    )
    ntriples = document_ntriples(extraction, INGESTED)
    # the writer stamps the ingest time itself
    ntriples = "".join(
        line for line in ntriples.splitlines(keepends=True) if "generatedAtTime" not in line
    )
    vectors = surrogates(pool, int(doc.sha256[:12], 16), len(doc.chunks))
    return Prepared(
        path=path,
        sha256=doc.sha256,
        document=str(iri),
        title=document.title,
        language=meta.lang,
        projects=[str(project)],
        ntriples=ntriples,
        chunks=doc.chunks,
        vectors=vectors,
        centroid=None,
    )


def demo_pool(encoder: Any, size: int = POOL) -> np.ndarray:
    """``size`` real passage vectors of the demo corpus's body chunks (cached per encoder)."""
    from graph.load.loader import load_bytes
    from ingest.prepare import chunk_pieces

    cache = OUT / f"bulk-pool-{encoder.name}-{size}.npy"
    if cache.exists():
        return np.asarray(np.load(cache), dtype=np.float32)
    texts: list[str] = []
    for path in sorted((ROOT / "data" / "demo" / "corpus").glob("*.txt")):
        doc = load_bytes(path.read_bytes(), name=path.name, max_bytes=10_000_000)
        texts += [p.text for p in chunk_pieces(doc, [], title=None)][:3]
    pool = np.asarray(encoder.encode_passages(texts[:size]), dtype=np.float32)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, pool)
    return pool


def documents(
    engine: Any, n: int, seed: int, shape: Shape | None = None, pool_size: int = POOL
) -> Iterator[Prepared]:
    """The first ``n`` generated documents, prepared for ``engine``'s writer."""
    shape = shape or Shape.load()
    pool = demo_pool(engine.encoder, pool_size)
    for i in range(n):
        yield prepared(engine.iris, generate(i, seed, shape), pool)


def build(engine: Any, n: int, seed: int = 7, pool_size: int = POOL) -> dict[str, Any]:
    """Fill ``engine``'s empty home with ``n`` generated documents through the writer's
    bulk path (``pool_size``: real vectors the surrogates mix); returns its figures."""
    started = time.perf_counter()
    loaded = engine.writer.bulk_load(documents(engine, n, seed, pool_size=pool_size), now=INGESTED)
    wall = time.perf_counter() - started
    view = engine.snapshot
    return {
        "documents": loaded.documents,
        "quads": loaded.quads,
        "chunks": view.vector_count() if view is not None else 0,
        "store_triples_total": len(engine.store),
        "seconds": {k: round(v, 1) for k, v in loaded.seconds.items()},
        "wall_s": round(wall, 1),
    }


def main() -> None:
    """``python -m bench.bulk measure`` | ``build --n N --home DIR [--postgres]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("measure", help="measure the real corpus's distributions")
    b = sub.add_parser("build", help="build an N-document home")
    b.add_argument("--n", type=int, default=100_000)
    b.add_argument("--seed", type=int, default=7)
    b.add_argument("--home", type=Path, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    if args.command == "measure":
        DISTRIBUTIONS.write_text(json.dumps(measure(), indent=1) + "\n", encoding="utf-8")
        print(DISTRIBUTIONS.read_text(encoding="utf-8"))
        return
    from bench.search import open_engine

    load_start = load_average()
    engine = open_engine(args.home)
    figures = build(engine, args.n, args.seed)
    engine.close()
    figures["load_average_start"] = load_start
    figures["load_average_end"] = load_average()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"bulk-build-n{args.n}.json").write_text(
        json.dumps(figures, indent=1), encoding="utf-8"
    )
    # what bench.scale.bulk_home looks for before it builds a home again
    (args.home / "build.json").write_text(json.dumps(figures), encoding="utf-8")
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
