"""Load test: an asyncio httpx generator against a real uvicorn server.

``ServerProcess`` starts ``python -m bench.load serve --home H --port P`` (uvicorn over
``create_app``, the same factory ``hankekg serve`` uses) in its own process, so the load
generator never shares the server's interpreter. :func:`run_load` then keeps
``clients`` concurrent clients busy for ``seconds`` with a fixed mix of
``/api/search``, ``/api/projects/{id}``, ``/api/projects/{id}/related`` and ``/sparql``,
and reports throughput, p50/p99 per endpoint and every error (status != 200 or a
transport error). The request sequence is seeded, so two runs send the same requests.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import summary

MIX = (("search", 50), ("project", 20), ("related", 15), ("sparql", 15))
SPARQL_QUERIES = (
    "SELECT ?f (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a hk:Project ; schema:funder ?f } GROUP BY ?f",
    "SELECT ?p ?n WHERE { ?p a hk:Project ; schema:name ?n } LIMIT 20",
    "ASK { ?p a hk:Project }",
)


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """A uvicorn server over ``home`` in a child process (or any server ``argv``)."""

    def __init__(
        self, home: Path | None = None, argv: list[str] | None = None, port: int | None = None
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.argv = argv or [
            sys.executable,
            "-m",
            "bench.load",
            "serve",
            "--home",
            str(home),
            "--port",
            str(self.port),
        ]
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServerProcess:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        self.process = subprocess.Popen(
            self.argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self.wait_ready()
        return self

    def wait_ready(self, path: str = "/healthz", timeout: float = 600) -> None:
        """Poll until the server answers."""
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"server exited: {err[-2000:]}")
            try:
                if httpx.get(self.url + path, timeout=5).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("server did not start")

    def rss_mb(self) -> float:
        """Resident memory of the server process (and its children: SPARQL workers)."""
        import psutil

        assert self.process is not None
        proc = psutil.Process(self.process.pid)
        total = proc.memory_info().rss
        for child in proc.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
        return round(total / 2**20, 1)

    def own_rss_mb(self) -> float:
        """Resident memory of the server process alone."""
        import psutil

        assert self.process is not None
        return round(psutil.Process(self.process.pid).memory_info().rss / 2**20, 1)

    def __exit__(self, *_: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def _client(
    client: Any,
    rng: random.Random,
    stop: float,
    project_ids: list[str],
    queries: list[str],
    log: list[tuple[str, float, int]],
) -> None:
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    while time.perf_counter() < stop:
        kind = rng.choices(kinds, weights)[0]
        if kind == "search":
            params = {
                "q": rng.choice(queries),
                "mode": rng.choice(["hybrid", "hybrid", "lexical", "dense"]),
            }
            request = client.get("/api/search", params=params)
        elif kind == "project":
            request = client.get(f"/api/projects/{rng.choice(project_ids)}")
        elif kind == "related":
            request = client.get(f"/api/projects/{rng.choice(project_ids)}/related")
        else:
            request = client.get(
                "/sparql",
                params={"query": rng.choice(SPARQL_QUERIES)},
                headers={"Accept": "application/sparql-results+json"},
            )
        start = time.perf_counter()
        try:
            response = await request
            status = response.status_code
        except Exception:  # noqa: BLE001 - every transport failure counts as an error
            status = -1
        log.append((kind, time.perf_counter() - start, status))


async def _run(
    url: str, seconds: float, clients: int, project_ids: list[str], queries: list[str], seed: int
) -> tuple[list[tuple[str, float, int]], float]:
    import httpx

    log: list[tuple[str, float, int]] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        start = time.perf_counter()
        stop = start + seconds
        await asyncio.gather(
            *(
                _client(client, random.Random(seed + i), stop, project_ids, queries, log)
                for i in range(clients)
            )
        )
        elapsed = time.perf_counter() - start
    return log, elapsed


def run_load(
    url: str,
    project_ids: list[str],
    queries: list[str],
    seconds: float = 60,
    clients: int = 16,
    seed: int = 11,
) -> dict[str, Any]:
    """Drive the server for ``seconds`` with ``clients`` concurrent clients; return figures."""
    log, elapsed = asyncio.run(_run(url, seconds, clients, project_ids, queries, seed))
    out: dict[str, Any] = {
        "seconds": round(elapsed, 1),
        "clients": clients,
        "requests": len(log),
        "throughput_rps": round(len(log) / elapsed, 2),
        "errors": sum(1 for _, _, s in log if s != 200),
        "all": summary([t for _, t, _ in log]),
        "statuses": {},
        "per_endpoint": {},
    }
    for kind, _ in MIX:
        items = [(t, s) for k, t, s in log if k == kind]
        out["per_endpoint"][kind] = {
            **summary([t for t, _ in items]),
            "errors": sum(1 for _, s in items if s != 200),
        }
    for _, _, s in log:
        out["statuses"][str(s)] = out["statuses"].get(str(s), 0) + 1
    return out


def serve(home: Path, port: int) -> None:
    """Run the product's app over ``home`` (blocks): what ``hankekg serve`` does."""
    import logging

    import uvicorn

    from api.app import create_app
    from graph.config import Settings

    logging.basicConfig(level=logging.WARNING)
    uvicorn.run(create_app(Settings(home=home)), host="127.0.0.1", port=port, log_level="warning")


def main() -> None:
    """``python -m bench.load serve --home H --port P``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    serve(args.home, args.port)


if __name__ == "__main__":
    main()
