"""Time to open a home: a replica's start, with and without the saved derived tables.

``python -m bench.open_home --home COPY --runs 3``

Each run is a fresh process on ``COPY`` (a copy: opening writes to it) that times
``Engine(settings)``, ``warm_up()`` (models, index view, every derived table) and
``close()`` (which saves the graph-derived tables, ``search/derived.py``). The first
run starts without saved tables (``--keep`` keeps what the copy holds), so it reads
them whole from the graph; the later ones load them and patch them from the feed.
Medians per kind of run and the load average; results in
``bench/results/open-home-n{N}.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import load_average

RESULTS = Path(__file__).resolve().parent / "results"


def one_open(home: Path) -> dict[str, Any]:
    """Open, warm up and close the engine on ``home`` in this process; the timings."""
    from api.engine import Engine
    from graph.config import Settings

    start = time.perf_counter()
    engine = Engine(Settings(home=home))
    opened = time.perf_counter()
    engine.warm_up()
    warmed = time.perf_counter()
    tables = engine.derived
    out = {
        "engine_s": round(opened - start, 2),
        "warm_up_s": round(warmed - opened, 2),
        "documents": len(engine.snapshot.documents()) if engine.snapshot is not None else 0,
        "tables": {
            name: {"builds": t.stats.builds, "loads": t.stats.loads}
            for name, t in (
                ("facets", tables.facets),
                ("neighbours", tables.neighbours),
                ("money", tables.money),
            )
        },
    }
    closing = time.perf_counter()
    engine.close()
    out["close_s"] = round(time.perf_counter() - closing, 2)
    return out


def main() -> None:
    """Run the opens in fresh processes and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="a copy of a home")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the copy's saved tables")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_open(args.home)))
        return
    if not args.keep:
        shutil.rmtree(args.home / "derived", ignore_errors=True)
    runs = []
    for _ in range(args.runs):
        load = load_average()
        done = subprocess.run(  # noqa: S603 - this module, in a fresh interpreter
            [sys.executable, "-m", "bench.open_home", "--home", str(args.home), "--one"],
            check=True,
            capture_output=True,
            text=True,
        )
        run = json.loads(done.stdout.strip().splitlines()[-1])
        run["load_average"] = load
        runs.append(run)
        print(json.dumps(run), flush=True)
    n = runs[0]["documents"]
    out = {"home": str(args.home), "runs": runs, "load_average_end": load_average()}
    path = RESULTS / f"open-home-n{n}.json"
    path.write_text(json.dumps(out, indent=1), encoding="utf-8")
    print(f"results in {path}")


if __name__ == "__main__":
    main()
