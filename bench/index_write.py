"""The embedded index's share of a one-document write, on a copy of a built home.

Opens the home (``bench.search.open_engine``), makes one warm-up upload (on a home of
the layout before segments, that commit writes the whole index in the new layout once),
then times ``--writes`` uploads of a new small page each, one replacement (the last page
again, changed) and one delete (``Engine.ingest_bytes``, ``Engine.delete_document``).
For each it reports the wall time of the whole write and the index engine's part of it:

- ``open``: :meth:`LocalIndex.writer`, the writer's copy of the committed snapshot;
- ``change``: the writer's ``add_document``/``remove_document`` (analysing the new text);
- ``stage``: :meth:`IndexState.stage`, writing the new snapshot to disk with fsync;
- ``index``: the three together;

and, with segments, one more upload whose commit merges every segment into one (what
the merge policy does once per about N/16 changed chunks: the amortised part).

Medians and the load average are printed as JSON (and written to ``--out``). Only the
copy is touched: ``python -m bench.index_write --home /tmp/copy --writes 5``. The script
also runs against another checkout's code (``PYTHONPATH=OTHER python bench/index_write.py``)
to measure before and after on the same home and hour.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from statistics import median
from typing import Any

PAGE = """Hankkeen nimi

Kotona asumisen tukihanke {n} ({tag})

Hankkeen sisältö

Hanke {n} toteutetaan Jyväskylässä. Hankkeessa kehitetään ikäihmisten kuntoutusta ja {tag}.
"""


@contextmanager
def timed_index() -> Iterator[dict[str, float]]:
    """Accumulate the seconds spent in the index engine's parts (see the module)."""
    from search.index.local import IndexState, LocalIndex, LocalWriter

    spent: dict[str, float] = defaultdict(float)
    originals: list[tuple[type, str, Any]] = []

    def wrap(owner: type, name: str, part: str) -> None:
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[part] += time.perf_counter() - start

        originals.append((owner, name, original))
        setattr(owner, name, timed)

    wrap(LocalIndex, "writer", "open")
    wrap(LocalWriter, "add_document", "change")
    wrap(LocalWriter, "remove_document", "change")
    wrap(IndexState, "stage", "stage")
    try:
        yield spent
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


def _one(spent: dict[str, float], write: Callable[[], Any]) -> dict[str, float]:
    spent.clear()
    start = time.perf_counter()
    write()
    wall = time.perf_counter() - start
    parts = {k: round(spent.get(k, 0.0), 4) for k in ("open", "change", "stage")}
    return {"wall_s": round(wall, 4), **parts, "index": round(sum(parts.values()), 4)}


def run(home: Path, writes: int) -> dict[str, Any]:
    """Time the writes of the module docstring on ``home`` (which they change)."""
    from bench.search import open_engine

    out: dict[str, Any] = {"home": str(home), "load_average_start": list(os.getloadavg())}
    start = time.perf_counter()
    engine = open_engine(home)
    view = engine.snapshot
    out["open_s"] = round(time.perf_counter() - start, 2)
    out["documents"] = view.document_count() if view is not None else 0
    out["chunks"] = view.vector_count() if view is not None else 0
    try:
        with timed_index() as spent:
            tag = f"{time.time_ns():x}"

            def upload(n: int, variant: str = "kotihoitoa") -> Any:
                text = PAGE.format(n=n, tag=f"{variant} {tag}").encode()
                return engine.ingest_bytes(text, name=f"bench-write-{tag}-{n}.txt")

            out["warm_up"] = _one(spent, lambda: upload(0))
            samples = [_one(spent, lambda i=i: upload(i)) for i in range(1, writes + 1)]
            out["writes"] = samples
            out["replace"] = _one(spent, lambda: upload(writes, "omaishoitoa"))
            report = upload(writes + 1)
            iri = next(iter(report.documents.values()))
            out["delete"] = _one(spent, lambda: engine.delete_document(iri))
            index = engine.index
            if hasattr(index, "policy"):  # segments: one write that merges every segment
                from search.index.snapshot import MergePolicy

                kept, index.policy = index.policy, MergePolicy(tail_ratio=0.0, dead_ratio=0.0)
                out["write_with_full_merge"] = _one(spent, lambda: upload(writes + 2))
                index.policy = kept
            out["median"] = {k: round(median(s[k] for s in samples), 4) for k in samples[0]}
    finally:
        engine.close()
    out["load_average_end"] = list(os.getloadavg())
    return out


def main() -> None:
    """``python -m bench.index_write --home COPY [--writes 5] [--out FILE]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="a COPY of a home")
    parser.add_argument("--writes", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    result = run(args.home, args.writes)
    text = json.dumps(result, indent=1)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    if not __package__:  # run as a file: bench/ itself must not shadow the ingest package
        sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
    main()
