"""Ingest as a pipeline of named stages: read, prepare, commit.

- :mod:`ingest.prepare`: the pure stage (load, extract, graph, chunk, embed);
  picklable, so it runs inline, on a process pool or on a Dask cluster
  (:mod:`ingest.executors`).
- :mod:`ingest.commit`: the single writer, the only code that writes the graph
  store and the index.
- :mod:`ingest.pipeline`: streams documents through both, in a stable order.
- :mod:`ingest.reindex` and :mod:`ingest.verify`: rebuild the index from the
  graph, and check that graph, vectors and lexical index agree.

It sits below ``api/``: the CLI, the documents API, reindex and the benchmarks
all call it.
"""

from __future__ import annotations

from ingest.commit import Committed, EncoderIdentity, Writer
from ingest.executors import Workers, open_workers
from ingest.pipeline import IngestReport, Progress, discover, ingest, read_sources
from ingest.prepare import Prepared, PreparedChunk, Preparer, Source, build_preparer
from ingest.reindex import rebuild_index

__all__ = [
    "Committed",
    "EncoderIdentity",
    "IngestReport",
    "Prepared",
    "PreparedChunk",
    "Preparer",
    "Progress",
    "Source",
    "Workers",
    "Writer",
    "build_preparer",
    "discover",
    "ingest",
    "open_workers",
    "read_sources",
    "rebuild_index",
]
