"""Memory benchmark: the server's resident memory over an N-document home and over an empty one.

The server runs in its own process (``bench.load.ServerProcess``); RSS is read with psutil
after start-up (models loaded, index and lexical index read), after the HTTP search
benchmark and after the load test, and includes the server's child processes (the
SPARQL workers). The empty-home server, measured in the same run, is the baseline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def empty_server_rss(tmp: Path) -> float:
    """RSS of the same server over an empty home: the memory baseline."""
    from bench.load import ServerProcess

    with ServerProcess(tmp / "empty-home") as server:
        return server.rss_mb()


def memory_rows(run: dict[str, Any]) -> list[dict[str, Any]]:
    """Per size: server RSS, its growth over the empty-home baseline, and MB per document."""
    base = run.get("empty_server_rss_mb")
    rows = []
    for n, size in run.get("sizes", {}).items():
        http = size.get("http", {})
        rss = http.get("rss_after_load_mb") or http.get("rss_after_start_mb")
        if rss is None:
            continue
        rows.append(
            {
                "documents": int(n),
                "rss_start_mb": http.get("rss_after_start_mb"),
                "rss_after_load_mb": http.get("rss_after_load_mb"),
                "over_empty_mb": round(rss - base, 1) if base else None,
                "ratio_vs_empty": round(rss / base, 2) if base else None,
                "kb_per_document": round((rss - base) * 1024 / int(n), 1) if base else None,
            }
        )
    return rows
