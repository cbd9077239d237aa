"""Faults say what they are (issue 23, finding 7 and the "held, but" list).

* A full disk during an upload gave a generic 500 ("unexpected error": FAISS's
  ``No space left on device`` is a RuntimeError, not an OSError) while
  ``/healthz`` stayed ``ok``: now it is a 507 "Storage full", and ``/healthz``
  says ``degraded`` until a write succeeds.
* Half-sent request headers never timed out: the server closes such a
  connection after ``HANKEKG_HEADER_TIMEOUT_S``, even while bytes keep dripping in.
* A URL over the server's buffer got h11's bare 400 without security headers:
  a URL over 8 kB now gets our own problem+json 414, with them.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient

from api.app import create_app
from api.engine import Engine
from api.serve_guard import MAX_URL_BYTES, UrlLimit, server_options
from graph.errors import StorageFull
from ingest.commit import storage_full
from tests.api.conftest import AUTH, TOKEN
from tests.conftest import make_settings

TEXT = (
    "Hanke: Etäohjausta kotiin\nKunta: Kajaani\n\n"
    "Hankkeessa kokeiltiin kuntoutuksen etäohjausta Kajaanissa vuosina 2019–2020."
)


def test_disk_full_words_and_errnos_become_storage_full() -> None:
    assert isinstance(storage_full(OSError(28, "No space left on device")), StorageFull)
    faiss = RuntimeError("Error in faiss::FileIOWriter: fwrite failed: No space left on device")
    assert isinstance(storage_full(faiss), StorageFull)
    assert storage_full(RuntimeError("index out of range")) is None
    full = StorageFull("storage full: x")
    assert isinstance(full, OSError) and full.status == 507


def test_full_disk_during_an_upload_is_507_and_healthz_degraded_until_a_write_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import search.vectors.faiss as faiss_module

    engine = Engine(make_settings(tmp_path, api_token=TOKEN))
    try:
        with TestClient(create_app(engine=engine)) as client:
            real = faiss_module.faiss.write_index

            def no_space(*_: object) -> None:
                raise RuntimeError(
                    "Error in faiss::FileIOWriter::operator(): fwrite failed: "
                    "No space left on device"
                )

            monkeypatch.setattr(faiss_module.faiss, "write_index", no_space)
            answer = client.post("/api/documents", json={"text": TEXT}, headers=AUTH)
            assert answer.status_code == 507, answer.text
            assert answer.json()["title"] == "Storage full"
            health = client.get("/healthz").json()
            assert health["status"] == "degraded" and "No space left" in health["detail"]
            monkeypatch.setattr(faiss_module.faiss, "write_index", real)
            again = client.post("/api/documents", json={"text": TEXT}, headers=AUTH)
            assert again.status_code == 201, again.text
            assert client.get("/healthz").json()["status"] == "ok"
    finally:
        engine.close()


def test_over_long_url_gets_our_414_with_the_security_headers(tmp_path: Path) -> None:
    engine = Engine(make_settings(tmp_path))
    try:
        with TestClient(create_app(engine=engine)) as client:
            answer = client.get("/api/search", params={"q": "a" * (MAX_URL_BYTES + 10)})
            assert answer.status_code == 414
            assert answer.headers["content-type"] == "application/problem+json"
            assert "default-src 'none'" in answer.headers["content-security-policy"]
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert client.get("/api/search", params={"q": "a" * 100}).status_code == 200
    finally:
        engine.close()


async def _hello(scope: dict[str, object], receive: object, send: object) -> None:
    assert scope["type"] in ("http", "lifespan")
    if scope["type"] == "lifespan":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
    await send({"type": "http.response.body", "body": b"hello"})  # type: ignore[operator]


@pytest.fixture(scope="module")
def guarded() -> Iterator[int]:
    """A real uvicorn server with the guards and a 0.5 s header timeout; its port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        _hello,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        **server_options(0.5),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes ``sock`` (recv gives b"") within ``seconds``."""
    sock.settimeout(seconds)
    try:
        return sock.recv(1024) == b""
    except TimeoutError:
        return False


def test_half_sent_headers_are_closed_after_the_header_timeout(guarded: int) -> None:
    with socket.create_connection(("127.0.0.1", guarded)) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        assert _closed_within(sock, 5.0)


def test_a_slow_drip_of_header_bytes_does_not_restart_the_clock(guarded: int) -> None:
    with socket.create_connection(("127.0.0.1", guarded)) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\n")
        started = time.monotonic()
        closed = False
        while time.monotonic() - started < 5.0:
            try:
                sock.sendall(b"X")
            except OSError:
                closed = True
                break
            if _closed_within(sock, 0.2):
                closed = True
                break
        assert closed, "a connection that never finished its headers stayed open"


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (a body may follow its headers
    in a packet of its own)."""
    chunks = []
    while chunk := sock.recv(4096):
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_whole_request_is_served_and_a_malformed_one_gets_headers(guarded: int) -> None:
    with socket.create_connection(("127.0.0.1", guarded)) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        sock.settimeout(5)
        assert b"hello" in read_all(sock)
    with socket.create_connection(("127.0.0.1", guarded)) as sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        sock.settimeout(5)
        reply = sock.recv(4096).lower()
        assert reply.startswith(b"http/1.1 400")
        assert b"content-security-policy" in reply and b"x-content-type-options" in reply


def test_sparql_get_keeps_its_long_queries_below_the_sparql_url_cap(tmp_path: Path) -> None:
    """GET /sparql takes a query of up to 100,000 characters: the 8 kB cap is not its cap."""
    engine = Engine(make_settings(tmp_path))
    try:
        with TestClient(create_app(engine=engine)) as client:
            query = "ASK { ?s ?p ?o }" + " " * 20_000
            assert client.get("/sparql", params={"query": query}).status_code == 200
    finally:
        engine.close()
    # past the SPARQL cap (longer than an HTTP client sends in one query component)
    sent: list[dict[str, object]] = []

    async def never(*_: object) -> None:
        raise AssertionError("an over-long URL reached the app")

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "raw_path": b"/sparql", "query_string": b"q" * 400_000}
    asyncio.run(UrlLimit(never)(scope, never, send))  # type: ignore[arg-type]
    assert sent[0]["status"] == 414
