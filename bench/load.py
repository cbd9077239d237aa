"""Load test: an asyncio httpx generator against a real uvicorn server.

``ServerProcess`` starts ``python -m bench.load serve --home H --port P`` (uvicorn over
``create_app``, the same factory ``hankekg serve`` uses) in its own process, so the load
generator never shares the server's interpreter. :func:`run_load` then keeps
``clients`` concurrent clients busy for ``seconds`` (or for a fixed number of
``requests``) with a fixed mix of ``/api/search``, ``/api/projects/{id}``,
``/api/projects/{id}/related``, ``/sparql``, the linked-data IRIs ``/id/project/{id}``
(GET and HEAD) and, when the graph has them, projects that documents only mention
(``/api/projects/{id}`` and ``/project/{id}``). It reports throughput, p50/p99 per
endpoint and every error: a status outside 2xx or a transport error. The request
sequence is seeded, so two runs send the same requests.

``python -m bench.load run --n 1000 --requests 1000`` builds an N-document home
(``bench/search.py``) plus the two seed documents (which mention projects that have
no document of their own), serves it, sends the requests and writes
``bench/results/load-n{N}.json``; it exits 1 if any answer was not 2xx.
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

MIX = (
    ("search", 40),
    ("project", 15),
    ("related", 10),
    ("sparql", 15),
    ("linked", 10),
    ("mentioned", 10),
)
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
    budget: list[int],
    project_ids: list[str],
    mentioned: list[str],
    queries: list[str],
    log: list[tuple[str, float, int]],
) -> None:
    mix = [(k, w) for k, w in MIX if k != "mentioned" or mentioned]
    kinds = [k for k, _ in mix]
    weights = [w for _, w in mix]
    while time.perf_counter() < stop and budget[0] > 0:
        budget[0] -= 1
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
        elif kind == "linked":
            method = rng.choice(["GET", "GET", "HEAD"])
            accept = rng.choice(["text/turtle", "application/ld+json", "text/html"])
            request = client.request(
                method, f"/id/project/{rng.choice(project_ids)}", headers={"Accept": accept}
            )
        elif kind == "mentioned":
            path = rng.choice(["/api/projects/", "/project/"])
            request = client.get(f"{path}{rng.choice(mentioned)}")
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
    url: str,
    seconds: float,
    clients: int,
    project_ids: list[str],
    mentioned: list[str],
    queries: list[str],
    seed: int,
    requests: int | None,
) -> tuple[list[tuple[str, float, int]], float]:
    import httpx

    log: list[tuple[str, float, int]] = []
    budget = [requests if requests is not None else sys.maxsize]
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        start = time.perf_counter()
        stop = start + seconds
        await asyncio.gather(
            *(
                _client(
                    client,
                    random.Random(seed + i),
                    stop,
                    budget,
                    project_ids,
                    mentioned,
                    queries,
                    log,
                )
                for i in range(clients)
            )
        )
        elapsed = time.perf_counter() - start
    return log, elapsed


def _ok(status: int) -> bool:
    return 200 <= status < 300


def run_load(
    url: str,
    project_ids: list[str],
    queries: list[str],
    seconds: float = 60,
    clients: int = 16,
    seed: int = 11,
    *,
    mentioned: list[str] | None = None,
    requests: int | None = None,
) -> dict[str, Any]:
    """Drive the server with ``clients`` concurrent clients for ``seconds`` (or until
    ``requests`` were sent); return figures. ``errors`` counts answers outside 2xx."""
    log, elapsed = asyncio.run(
        _run(url, seconds, clients, project_ids, mentioned or [], queries, seed, requests)
    )
    out: dict[str, Any] = {
        "seconds": round(elapsed, 1),
        "clients": clients,
        "requests": len(log),
        "throughput_rps": round(len(log) / elapsed, 2),
        "errors": sum(1 for _, _, s in log if not _ok(s)),
        "all": summary([t for _, t, _ in log]),
        "statuses": {},
        "per_endpoint": {},
    }
    for kind, _ in MIX:
        items = [(t, s) for k, t, s in log if k == kind]
        if not items:
            continue
        out["per_endpoint"][kind] = {
            **summary([t for t, _ in items]),
            "errors": sum(1 for _, s in items if not _ok(s)),
        }
    for _, _, s in log:
        out["statuses"][str(s)] = out["statuses"].get(str(s), 0) + 1
    return out


def build_home(home: Path, n: int, seed: int = 7, seeds: bool = True) -> dict[str, Any]:
    """An N-document home (``bench/search.py``) plus the seed documents; returns the
    ids of ingested projects and of projects only mentioned."""
    from bench.search import build_state, open_engine
    from graph.vocab import HK, SCHEMA

    engine = open_engine(home)
    try:
        started = time.perf_counter()
        built = build_state(engine, n, seed)
        if seeds:
            folder = Path(__file__).resolve().parent.parent / "data" / "seeds"
            report = engine.ingest_paths([folder])
            assert not report.failed, report.failed
        built["wall_s"] = round(time.perf_counter() - started, 1)

        def ids(where: str) -> list[str]:
            rows = engine.store.select(
                f"SELECT DISTINCT ?p WHERE {{ {where} }} ORDER BY ?p LIMIT 400"
            )
            local = (engine.iris.local_id(str(r["p"]), "project") for r in rows)
            return [i for i in local if i]

        built["project_ids"] = ids(f"?p a <{HK.Project}>")
        # Named by a document, described by none: schema:Project without hk:Project.
        built["mentioned_ids"] = ids(
            f"?p a <{SCHEMA.Project}> FILTER NOT EXISTS {{ ?p a <{HK.Project}> }}"
        )
        return built
    finally:
        engine.close()


def serve(home: Path, port: int) -> None:
    """Run the product's app over ``home`` (blocks): what ``hankekg serve`` does."""
    import logging

    import uvicorn

    from api.app import create_app
    from graph.config import Settings

    logging.basicConfig(level=logging.WARNING)
    uvicorn.run(create_app(Settings(home=home)), host="127.0.0.1", port=port, log_level="warning")


def main() -> None:
    """``python -m bench.load serve --home H --port P`` or ``run --n N --requests R``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["serve", "run"])
    parser.add_argument("--home", type=Path)
    parser.add_argument("--port", type=int)
    parser.add_argument("--n", type=int, default=1000, help="documents in the home (run)")
    parser.add_argument("--requests", type=int, default=1000, help="requests to send (run)")
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    if args.command == "serve":
        serve(args.home, args.port)
        return
    import json
    import tempfile

    from bench import RESULTS, machine
    from bench.search import QUERIES

    with tempfile.TemporaryDirectory(prefix="hankekg-load-") as tmp:
        home = args.home or Path(tmp) / "home"
        built = build_home(home, args.n)
        with ServerProcess(home) as server:
            load = run_load(
                server.url,
                built["project_ids"],
                QUERIES,
                seconds=3600,
                clients=args.clients,
                mentioned=built["mentioned_ids"],
                requests=args.requests,
            )
    result = {
        "machine": machine(),
        "documents": args.n,
        "build_wall_s": built["wall_s"],
        "projects_sampled": len(built["project_ids"]),
        "mentioned_projects": len(built["mentioned_ids"]),
        "load": load,
    }
    out = RESULTS / f"load-n{args.n}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=2))
    sys.exit(1 if load["errors"] else 0)


if __name__ == "__main__":
    main()
