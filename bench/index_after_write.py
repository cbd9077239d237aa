"""The first searches after a write, on both index engines, with and without the refresher.

Every derived table (facet table, filter sets, chunk groups, neighbours) is keyed
by the data version, so a write makes the next search rebuild them unless
:class:`api.refresh.Refresher` has done it in the background. On the cached
N-document state (``bench.index_state``), each engine takes ``writes``
one-document uploads (``Engine.ingest_bytes``, untimed) and then:

- *cold*: the first search and the first filtered search right after the write;
- *refreshed*: a refresher polling every second rebuilds the tables; the time from
  the end of the write to the end of the rebuild, then the same two searches.

The command line is ``python -m bench.index_backends after-write``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench import load_average, summary
from bench.index_state import CACHE, cached_state, open_copy
from search.index.pgserver import PostgresServer

#: An upload the extractor recognises as a project (funder, place, years), varied by ``n``.
DOCUMENT = """Hankkeen nimi

Kotona asumisen tukihanke {n}

Alkamisvuosi

2024

Päättymisvuosi

2026

Rahoittaja

STEA

Hankkeen sisältö

Hanke {n} toteutetaan Jyväskylässä. Hankkeessa kehitetään ikäihmisten kuntoutusta ja kotihoitoa.
"""


def after_write(n: int, writes: int, seed: int, cache: Path = CACHE) -> dict[str, Any]:
    """First searches after ``writes`` uploads per mode and engine (see the module)."""
    home, build = cached_state(n, seed, cache)
    out: dict[str, Any] = {
        "documents": n,
        "writes": writes,
        "build": build,
        "load_average_start": load_average(),
    }
    with PostgresServer() as server, tempfile.TemporaryDirectory() as tmp:
        for backend in ("local", "postgres"):
            engine, _ = open_copy(home, backend, Path(tmp) / backend, server.url)
            out[backend] = _first_searches(engine, writes)
            engine.close()
    out["load_average_end"] = load_average()
    return out


def _first_searches(engine: Any, writes: int) -> dict[str, Any]:
    """The timings of :func:`after_write` on one warmed-up engine."""
    from api import services
    from api.refresh import Refresher
    from bench.search import QUERIES, _filters

    filters = _filters(engine)
    for q in QUERIES:  # warm what a running server has warm, the filter included
        services.search(engine, q, mode="hybrid", filters=filters)
    samples: dict[str, list[float]] = {}

    def timed(label: str, fn: Any) -> None:
        start = time.perf_counter()
        fn()
        samples.setdefault(label, []).append(time.perf_counter() - start)

    def searches(mode: str, i: int) -> None:
        timed(f"{mode}: first search", lambda: services.search(engine, QUERIES[i]))
        timed(
            f"{mode}: first filtered search",
            lambda: services.search(engine, QUERIES[i + 1], filters=filters),
        )

    for i in range(writes):
        engine.ingest_bytes(DOCUMENT.format(n=i).encode(), name=f"cold-{i}.txt")
        searches("cold", i)
    with Refresher(engine, interval_s=1.0) as refresher:
        for i in range(writes):
            refresher.refreshed.clear()
            engine.ingest_bytes(DOCUMENT.format(n=100 + i).encode(), name=f"warm-{i}.txt")
            timed("refreshed: write to rebuilt", lambda: refresher.refreshed.wait(300))
            searches("refreshed", i)
    return {label: summary(s) for label, s in samples.items()}
