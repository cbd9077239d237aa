"""Search p95 on one home, for comparing two versions of the code on the same state.

``python /elsewhere/search_p95.py --home HOME --repeats 5`` (a copy of this file outside
``bench/``, whose ``ingest.py`` would shadow the package) copies ``HOME``, opens an engine
on the copy, warms it up and times ``api.services.search`` (hybrid, and hybrid with
the benchmark filter) over ``bench.search.QUERIES``. Run as a file, so that
``PYTHONPATH`` chooses the code measured (an export of an older commit, or this one).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path


def main() -> None:
    """Print the p50/p95 of each mode as JSON."""
    from api import services
    from bench import load_average, measure
    from bench.search import QUERIES, _filters, open_engine

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "home"
        shutil.copytree(args.home, work)
        engine = open_engine(work)
        engine.warm_up()
        filters = _filters(engine)
        for q in QUERIES:
            services.search(engine, q, mode="hybrid", filters=filters)
        out = {
            "load_average_start": load_average(),
            "hybrid": measure(lambda q: services.search(engine, q), QUERIES, args.repeats),
            "hybrid_filtered": measure(
                lambda q: services.search(engine, q, filters=filters), QUERIES, args.repeats
            ),
            "load_average_end": load_average(),
        }
        engine.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
