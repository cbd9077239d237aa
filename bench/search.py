"""Search benchmark: build an N-document state fast, then time every search mode.

Building the state (``build_state``)
    Embedding 10,000 documents with e5 on 2 shared cores takes hours (about 3 chunks/s),
    and spaCy extraction about 0.15 s/document, so the N-document state for the search,
    SPARQL, memory and load benchmarks is built like this, and ``bench/ingest.py``
    measures the real end-to-end ingest separately:

    - documents: generated (``bench/corpus.py``) and decoded by the real loader
      (``graph.load.loader.load_bytes``: HTML/Markdown/JSON reduction, language detection);
    - graph: the generator's ground truth turned into the same facts extraction makes
      (names @fi/@en, dates, status, funder, coordinator, partners, areas, themes, persons,
      with evidence spans), written by the real ``graph.build.document_graph``;
    - chunks: ingest's own chunking (``ingest.prepare.chunk_pieces``: title, names,
      sentence-aware body chunks);
    - commit: each document becomes an ``ingest.Prepared`` and the real single writer
      (``Engine.writer.commit``) writes graph and index, in batches of ``COMMIT_BATCH``;
    - vectors: *e5-derived surrogates*: a pool of real e5 passage vectors (cached in
      ``bench/corpus_out``), each chunk a normalised mix of two pool vectors plus noise.
      FAISS flat search costs the same for any values of the same shape, so latency is
      faithful; ranking quality is not measured here (``hankekg eval`` does that);
    - lexical index: the real BM25 build over every chunk's text.

Timing (``search_bench``): ``api.services.search`` (what ``/api/search`` runs: query
translation, filters, boosts, fusion, names and facets) per mode, the searcher core
(``HybridSearcher.search``) alone, query encoding alone, and a raw FAISS top-10 on the same
vectors as the baseline.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from api import services
from api.engine import Engine
from bench import measure, summary
from bench.corpus import OUT, DocMeta, corpus, organisations
from graph.build import document_graph
from graph.load.loader import load_bytes
from graph.model import Evidence, Extraction, Fact
from graph.vocab import HK, PROV, RDF, SCHEMA
from ingest import Prepared
from ingest.prepare import centroid, chunk_pieces
from search.filters import Filters
from search.hybrid import MODES, HybridSearcher, Mode
from search.index import Snapshot

logger = logging.getLogger(__name__)

POOL = 128
QUERIES = [
    "vertaistuki korvaushoidossa",
    "työkyvyn arviointi pitkäaikaistyöttömät",
    "mielenterveyskuntoutujien ryhmätoiminta",
    "omaishoitajien jaksaminen",
    "nuorten aikuisten palveluohjaus Rovaniemellä",
    "päihdetyö ja asunnottomuus",
    "etäkuntoutus muistisairaat",
    "kokemusasiantuntijat sosiaalipalveluissa",
    "maahanmuuttajanaisten osallisuus",
    "vammaisten nuorten työllistyminen",
    "lapsiperheiden tukeminen järjestöyhteistyössä",
    "Kelan rahoittama kuntoutus",
    "peer support in substitution treatment",
    "work ability assessment models in Lapland",
    "rehabilitation of young adults",
    "loneliness of older people",
    "outreach work with homeless people",
    "mental health services for immigrants",
    "family carers support groups",
    "remote rehabilitation pilot",
]


def _span(text: str, quote: str) -> Evidence | None:
    start = text.find(quote)
    if start < 0:
        return None
    return Evidence(start, start + len(quote), quote, "bench:ground-truth")


def ground_truth_extraction(
    engine: Engine, doc_iri: URIRef, text: str, meta: DocMeta, document: Any
) -> Extraction:
    """The facts extraction would make for a generated document, from its ground truth."""
    iris = engine.iris
    orgs = organisations()
    project = iris.project(meta.name_fi if meta.lang == "fi" else meta.name_en)
    facts: list[Fact] = [
        Fact(project, RDF.type, HK.Project),
        Fact(project, RDF.type, SCHEMA.Project),
        Fact(project, SCHEMA.name, Literal(meta.name_fi, lang="fi"), _span(text, meta.name_fi)),
        Fact(project, SCHEMA.name, Literal(meta.name_en, lang="en"), _span(text, meta.name_en)),
        Fact(project, SCHEMA.alternateName, Literal(meta.acronym), _span(text, meta.acronym)),
        Fact(
            project,
            SCHEMA.startDate,
            Literal(str(meta.start_year), datatype=XSD.gYear),
            _span(text, str(meta.start_year)),
        ),
        Fact(
            project,
            SCHEMA.endDate,
            Literal(str(meta.end_year), datatype=XSD.gYear),
            _span(text, str(meta.end_year)),
        ),
        Fact(project, HK.status, HK.StatusEnded if meta.end_year < 2026 else HK.StatusOngoing),
        Fact(
            project,
            SCHEMA.funder,
            iris.organisation(meta.funder),
            _span(text, orgs[meta.funder].name_fi),
        ),
        Fact(
            project,
            HK.coordinator,
            iris.organisation(meta.coordinator),
            _span(text, orgs[meta.coordinator].name_fi),
        ),
    ]
    facts += [
        Fact(project, HK.partner, iris.organisation(p), _span(text, orgs[p].name_fi))
        for p in meta.partners
    ]
    facts += [Fact(project, SCHEMA.areaServed, iris.place(c)) for c in meta.places]
    facts += [Fact(project, SCHEMA.about, URIRef(t)) for t in dict.fromkeys(meta.themes)]
    for name in meta.persons[:1]:
        person = iris.person(name)
        facts += [
            Fact(person, RDF.type, SCHEMA.Person),
            Fact(person, SCHEMA.name, Literal(name), _span(text, name)),
            Fact(project, HK.responsiblePerson, person, _span(text, name)),
        ]
    return Extraction(document=document, document_iri=doc_iri, project_iris=[project], facts=facts)


def vector_pool(engine: Engine, seed: int) -> np.ndarray:
    """``POOL`` real e5 passage vectors of generated chunks, cached on disk."""
    cache = OUT / f"e5pool-{engine.encoder.name}-s{seed}-{POOL}.npy"
    if cache.exists():
        return np.load(cache)
    from search.chunking import chunk_text

    texts: list[str] = []
    for doc in corpus(POOL * 2, seed):
        loaded = load_bytes(doc.data, name=doc.name, max_bytes=10_000_000)
        texts.extend(s.text for s in chunk_text(loaded.text)[:1])
    start = time.perf_counter()
    pool = engine.encoder.encode_passages(texts[:POOL]).astype(np.float32)
    logger.info("embedded the %d-vector pool in %.1f s", POOL, time.perf_counter() - start)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, pool)
    return pool


def surrogate_vectors(pool: np.ndarray, seeds: list[int]) -> np.ndarray:
    """Deterministic e5-like vectors: two pool vectors mixed, plus noise, normalised."""
    out = np.empty((len(seeds), pool.shape[1]), dtype=np.float32)
    for row, seed in enumerate(seeds):
        rng = np.random.default_rng(seed)
        a, b = rng.integers(0, len(pool), 2)
        noise = np.asarray(rng.standard_normal(pool.shape[1]), dtype=np.float32)
        v = pool[a] + 0.6 * pool[b] + 0.08 * noise
        out[row] = v / np.linalg.norm(v)
    return out


#: Documents per writer commit while building a state (each commit rewrites the snapshot).
COMMIT_BATCH = 1000


def ground_truth_prepared(engine: Engine, doc: Any, pool: np.ndarray) -> Prepared:
    """What ``ingest.prepare`` would return for a generated document, from its ground
    truth, with surrogate vectors seeded by the document's hash."""
    document = load_bytes(doc.data, name=doc.name, max_bytes=10_000_000)
    iri = engine.iris.document(document.sha256)
    extraction = ground_truth_extraction(engine, iri, document.text, doc.meta, document)
    graph = document_graph(extraction)
    graph.remove((iri, PROV.generatedAtTime, None))  # the writer stamps it
    main = extraction.project_iris[0]
    names = [
        str(f.object) for f in extraction.facts if f.predicate == SCHEMA.name and f.subject == main
    ]
    chunks = chunk_pieces(document, names, title=document.title)
    base = int(document.sha256[:12], 16)
    vectors = surrogate_vectors(pool, [base + i for i in range(len(chunks))])
    return Prepared(
        path=document.path,
        sha256=document.sha256,
        document=str(iri),
        title=document.title,
        language=document.language,
        projects=[str(p) for p in extraction.project_iris],
        ntriples=graph.serialize(format="nt"),
        chunks=chunks,
        vectors=vectors,
        centroid=centroid(chunks, vectors),
    )


def build_state(engine: Engine, n: int, seed: int = 7) -> dict[str, Any]:
    """Fill an empty engine with ``n`` generated documents (see the module docstring)."""
    assert engine.snapshot is None, "build_state needs an empty home"
    timings: dict[str, float] = {"prepare": 0.0, "commit": 0.0}
    pool = vector_pool(engine, seed)
    batch: list[Prepared] = []
    triples = 0

    def flush() -> None:
        t = time.perf_counter()
        engine.writer.commit(batch)
        timings["commit"] += time.perf_counter() - t
        batch.clear()

    for doc in corpus(n, seed):
        t = time.perf_counter()
        prepared = ground_truth_prepared(engine, doc, pool)
        triples += prepared.ntriples.count("\n") + 1  # + the ingest time the writer adds
        batch.append(prepared)
        timings["prepare"] += time.perf_counter() - t
        if len(batch) >= COMMIT_BATCH:
            flush()
    if batch:
        flush()
    snapshot = engine.snapshot
    assert snapshot is not None
    return {
        "documents": n,
        "chunks": sum(len(ids) for ids in snapshot.chunks_by_key().values()),
        "vectors": snapshot.vector_count(),
        "triples_in_document_graphs": triples,
        "store_triples_total": len(engine.store),
        "build_seconds": {k: round(v, 3) for k, v in timings.items()},
    }


def _filters(engine: Engine) -> Filters:
    """A typical faceted search: one funder family and one region (its member towns count)."""
    rows = list(
        engine.store.select(
            f"""SELECT ?r (COUNT(?m) AS ?n) WHERE {{ ?m <{SCHEMA.containedInPlace}> ?r .
            ?p <{SCHEMA.areaServed}> ?m }} GROUP BY ?r ORDER BY DESC(?n) LIMIT 1"""
        )
    )
    region = str(rows[0]["r"]) if rows else None
    return Filters(
        funders=(str(engine.iris.organisation("stea")),),
        places=(region,) if region else (),
    )


def search_bench(engine: Engine, repeats: int = 3) -> dict[str, Any]:
    """In-process latency of every search mode against raw FAISS on the same vectors."""
    snapshot = engine.snapshot
    assert snapshot is not None
    encoder = engine.encoder
    searcher = HybridSearcher(snapshot, encoder)
    filters = _filters(engine)
    # Warm every cache a long-running server has warm (translator, lexical index, names).
    for q in QUERIES:
        services.search(engine, q, mode="hybrid", filters=filters)
    qvecs = encoder.encode_queries(QUERIES)
    # the baseline: one flat FAISS index of the same vectors (no filter, no segments)
    import faiss

    local: Any = snapshot  # the embedded engine's Snapshot
    raw_index = faiss.IndexFlatIP(snapshot.encoder.dim)
    raw_index.add(local.vectors_of(sorted(local.chunks)))
    raw = measure(lambda v: raw_index.search(v.reshape(1, -1), 10), list(qvecs), repeats * 5)
    raw200 = measure(lambda v: raw_index.search(v.reshape(1, -1), 200), list(qvecs), repeats * 5)
    encode = measure(lambda q: encoder.encode_queries([q]), QUERIES, repeats)
    out: dict[str, Any] = {
        "queries": len(QUERIES),
        "repeats": repeats,
        "filters": {"funders": list(filters.funders), "places": list(filters.places)},
        "raw_faiss_top10": raw,
        "raw_faiss_top200": raw200,
        "query_encoding": encode,
    }
    core: dict[str, Any] = {}
    for mode in MODES:

        def core_search(q: str, m: Mode = mode) -> object:
            return searcher.search(q, k=10, mode=m)

        core[mode] = measure(core_search, QUERIES, repeats)
    out["core"] = core
    service: dict[str, Any] = {}
    runs: dict[str, Callable[[str], object]] = {
        "lexical": lambda q: services.search(engine, q, mode="lexical"),
        "dense": lambda q: services.search(engine, q, mode="dense"),
        "hybrid": lambda q: services.search(engine, q, mode="hybrid"),
        "hybrid_filtered": lambda q: services.search(engine, q, mode="hybrid", filters=filters),
        "hybrid_no_facets": lambda q: services.search(engine, q, mode="hybrid", facets=False),
    }
    for name, fn in runs.items():
        service[name] = measure(fn, QUERIES, repeats)
    out["service"] = service
    baseline = out["raw_faiss_top10"]["p50_ms"] + out["query_encoding"]["p50_ms"]
    out["baseline_dense_plus_encoding_p50_ms"] = round(baseline, 3)
    out["ratio_hybrid_service_p50_vs_baseline"] = round(service["hybrid"]["p50_ms"] / baseline, 2)
    out["ratio_hybrid_core_p50_vs_baseline"] = round(core["hybrid"]["p50_ms"] / baseline, 2)
    out["ratio_hybrid_filtered_p50_vs_baseline"] = round(
        service["hybrid_filtered"]["p50_ms"] / baseline, 2
    )
    return out


def http_search_bench(
    base_url: str, repeats: int = 2, filters: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``GET /api/search`` latency per mode over a real socket, one client at a time."""
    import httpx

    out: dict[str, Any] = {}
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for q in QUERIES[:4]:
            client.get("/api/search", params={"q": q}).raise_for_status()
        for mode in (*MODES, "hybrid_filtered"):
            params: dict[str, Any] = {"mode": "hybrid" if mode == "hybrid_filtered" else mode}
            if mode == "hybrid_filtered" and filters:
                params.update(filters)
            samples: list[float] = []
            errors = 0
            for _ in range(repeats):
                for q in QUERIES:
                    start = time.perf_counter()
                    response = client.get("/api/search", params={**params, "q": q})
                    samples.append(time.perf_counter() - start)
                    errors += response.status_code != 200
            out[mode] = {**summary(samples), "errors": errors}
    return out


def chunk_checksum(snapshot: Snapshot) -> str:
    """A short digest of the chunk texts (to show two builds are the same data)."""
    digest = hashlib.sha256()
    for cid in sorted(snapshot.chunks):
        digest.update(snapshot.chunks[cid].text.encode())
    return digest.hexdigest()[:12]


def open_engine(home: Path, encoder: str | None = None) -> Engine:
    """An engine over ``home`` with default settings (and ``encoder`` if given)."""
    from graph.config import Settings

    kwargs: dict[str, Any] = {"home": home}
    if encoder:
        kwargs["encoder"] = encoder
    return Engine(Settings(**kwargs))


def hnsw_bench(
    pool: np.ndarray,
    query_vectors: np.ndarray,
    n: int = 200_000,
    m: int = 32,
    ef_construction: int = 64,
) -> dict[str, Any]:
    """HNSW against exact search on ``n`` e5-derived vectors: recall@10, latency, build time.

    Past :data:`search.vectors.HNSW_THRESHOLD` vectors the flat index's linear scan is what
    grows; this shows what HNSW gives up in recall for its speed at that size.
    """
    import faiss

    vectors = surrogate_vectors(pool, list(range(n)))
    rng = np.random.default_rng(3)
    queries = np.concatenate(
        [query_vectors]
        + [
            query_vectors + 0.05 * rng.standard_normal(query_vectors.shape).astype(np.float32)
            for _ in range(9)
        ]
    ).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    start = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(vectors.shape[1], m, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = ef_construction
    hnsw.add(vectors)
    build_s = time.perf_counter() - start
    _, exact = flat.search(queries, 10)
    flat_lat = measure(lambda q: flat.search(q.reshape(1, -1), 10), list(queries[:100]))
    out: dict[str, Any] = {
        "vectors": n,
        "dim": int(vectors.shape[1]),
        "queries": len(queries),
        "M": m,
        "efConstruction": ef_construction,
        "build_s": round(build_s, 1),
        "flat_top10": flat_lat,
        "hnsw": {},
    }
    for ef in (16, 32, 64, 128):
        hnsw.hnsw.efSearch = ef
        _, approx = hnsw.search(queries, 10)
        recall = float(
            np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact, strict=True)])
        )
        lat = measure(lambda q: hnsw.search(q.reshape(1, -1), 10), list(queries[:100]))
        out["hnsw"][f"efSearch={ef}"] = {
            "recall_at_10": round(recall, 4),
            **lat,
            "speedup_vs_flat_p50": round(flat_lat["p50_ms"] / lat["p50_ms"], 1)
            if lat["p50_ms"]
            else None,
        }
    return out
