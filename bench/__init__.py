"""Benchmarks for hankekg: ingest, search, SPARQL, memory and load (``python -m bench.run``).

Small shared helpers live here: latency summaries (medians and percentiles over
repeats, measured with :func:`time.perf_counter`) and the results folder.
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def summary(samples_s: list[float]) -> dict[str, float]:
    """p50/p95/p99/mean in milliseconds over latency samples given in seconds."""
    if not samples_s:
        return {"n": 0}
    ordered = sorted(samples_s)

    def pct(p: float) -> float:
        # Nearest-rank percentile: honest for small samples (no interpolation up).
        rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
        return ordered[rank - 1] * 1000

    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(pct(95), 3),
        "p99_ms": round(pct(99), 3),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
    }


def time_calls(fn: Callable[[Any], object], args: list[Any], repeats: int = 1) -> list[float]:
    """Seconds per call of ``fn(arg)`` for every arg, ``repeats`` rounds."""
    return [wall for wall, _ in _timed(fn, args, repeats)]


def _timed(fn: Callable[[Any], object], args: list[Any], repeats: int) -> list[tuple[float, float]]:
    samples: list[tuple[float, float]] = []
    for _ in range(repeats):
        for arg in args:
            cpu = time.process_time()
            start = time.perf_counter()
            fn(arg)
            samples.append((time.perf_counter() - start, time.process_time() - cpu))
    return samples


def measure(fn: Callable[[Any], object], args: list[Any], repeats: int = 1) -> dict[str, float]:
    """Wall-clock :func:`summary` of ``fn(arg)`` calls plus the median process CPU time.

    The CPU figure is what the call costs regardless of other load on the shared cores.
    """
    samples = _timed(fn, args, repeats)
    out = summary([w for w, _ in samples])
    out["cpu_p50_ms"] = round(statistics.median(c for _, c in samples) * 1000, 3)
    return out


def load_average() -> list[float]:
    """The 1/5/15-minute load averages (other work on the shared cores skews wall times)."""
    import os

    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict[str, Any]:
    """What ran the benchmark."""
    import os

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }


def write_result(name: str, data: dict[str, Any]) -> Path:
    """Write ``bench/results/{name}.json``."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path
