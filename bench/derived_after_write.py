"""Derived-state work per one-document write: patched from the change feed, or rebuilt.

On a copy of the cached N-document state (``bench.index_state``, embedded
engines), with a graph filter in use, the engine takes ``writes`` one-document
uploads per mode (``Engine.ingest_bytes``, untimed), alternating the modes
write by write so both see the same load, and times:

- *graph tables*: bringing the facet table, the filter cache (with the filter
  in use) and the related-projects neighbourhood to the new version: patched
  from the feed (``feed``), or read whole as before this change (``rebuild``:
  the tables' feed is switched off, so every new version rebuilds them);
- *index tables*: the index's per-version chunk groups, key languages and centroids
  (``search/index/tables.py``): patched from the documents the write changed
  (``feed``), or built whole (``rebuild``);
- *first search* and *first filtered search* right after the next write, with no
  refresher, in each mode.

Both modes run in one process, in the same minutes; medians and load average
are reported. ``python -m bench.derived_after_write --n 2000 --writes 5 [--bulk]``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Any

from bench import load_average, summary
from bench.index_after_write import DOCUMENT
from bench.index_state import CACHE, cached_state, open_copy
from search.index.tables import Inherited

RESULTS = Path(__file__).resolve().parent / "results"


def run(n: int, writes: int, seed: int, cache: Path, bulk: bool = False) -> dict[str, Any]:
    """The figures of the module docstring for one N (``bulk``: on ``bench.bulk``'s state)."""
    from api import services
    from bench.scale import bulk_home, graph_tables
    from bench.search import QUERIES, _filters

    home, build = bulk_home(n, seed, cache) if bulk else cached_state(n, seed, cache)
    out: dict[str, Any] = {"documents": n, "writes": writes, "load_average_start": load_average()}
    out["build"] = build
    with tempfile.TemporaryDirectory() as tmp:
        engine, _ = open_copy(home, "local", Path(tmp) / "local", "")
        filters = _filters(engine)
        for q in QUERIES[:3]:
            services.search(engine, q, mode="hybrid", filters=filters)
        engine.neighbourhood()
        holders = (
            engine.derived.facets,
            engine.derived.filters,
            engine.derived.neighbours,
            engine.derived.money,
        )
        samples: dict[str, list[float]] = {}

        def timed(label: str, fn: Any) -> None:
            start = time.perf_counter()
            fn()
            samples.setdefault(label, []).append(time.perf_counter() - start)

        def index_tables() -> None:
            with engine.pinned() as view:
                assert view is not None
                view.key_tables()

        def unpatch() -> None:
            """The rebuild mode: the new version's index tables are built whole."""
            view = engine.snapshot
            if view is not None and hasattr(view, "tables"):
                view.tables = Inherited()

        k = 0
        for _ in range(writes):
            for mode in ("feed", "rebuild"):
                for holder in holders:
                    holder.patching = mode == "feed"
                engine.ingest_bytes(DOCUMENT.format(n=1000 + k).encode(), name=f"w-{k}.txt")
                k += 1
                if mode == "rebuild":
                    unpatch()
                timed(f"{mode}: graph tables", lambda: graph_tables(engine))
                timed(f"{mode}: index tables", index_tables)
                engine.refresh()  # index tables too, so the next write times only its own
                engine.ingest_bytes(DOCUMENT.format(n=1000 + k).encode(), name=f"w-{k}.txt")
                k += 1
                if mode == "rebuild":
                    unpatch()
                q = QUERIES[k % len(QUERIES)]
                timed(f"{mode}: first search", lambda q=q: services.search(engine, q))
                timed(
                    f"{mode}: first filtered search",
                    lambda q=q: services.search(engine, q, filters=filters),
                )
                engine.neighbourhood()
        out["problems"] = engine.verify_derived()
        out["stats"] = {
            name: vars(h.stats)
            for name, h in zip(("facets", "filters", "neighbours", "money"), holders, strict=True)
        }
        engine.close()
    out["timings"] = {label: summary(s) for label, s in samples.items()}
    out["ratios_of_medians"] = {
        what: round(
            median(samples[f"rebuild: {what}"]) / max(median(samples[f"feed: {what}"]), 1e-9), 1
        )
        for what in ("graph tables", "index tables", "first search", "first filtered search")
    }
    out["load_average_end"] = load_average()
    return out


def main() -> None:
    """Command line: ``python -m bench.derived_after_write --n N --writes W``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--writes", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--bulk", action="store_true", help="on the bench.bulk state")
    args = parser.parse_args()
    result = run(args.n, args.writes, args.seed, args.cache, args.bulk)
    RESULTS.mkdir(exist_ok=True)
    suffix = "-bulk" if args.bulk else ""
    path = RESULTS / f"derived-after-write-n{args.n}{suffix}.json"
    path.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(
        json.dumps({k: result[k] for k in ("timings", "ratios_of_medians", "problems")}, indent=1)
    )


if __name__ == "__main__":
    main()
