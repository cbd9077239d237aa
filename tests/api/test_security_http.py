"""HTTP hygiene: ambiguous framing, a spoofed Host, and upload URLs.

Raw sockets where the behaviour lives below httpx (pipelining, framing).
"""

from __future__ import annotations

import socket

import httpx
import pytest

from tests.api.conftest import TOKEN
from tests.conftest import LiveServer

EVIL = "evil.example"


def _raw(server: LiveServer, request: bytes) -> bytes:
    """Send ``request`` and read until the server closes (or 5 s pass)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(request)
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except TimeoutError:
            data += b"<still open>"
    return data


def test_content_length_with_transfer_encoding_is_400_and_closes(ld_server: LiveServer) -> None:
    """RFC 9112 §6.1: such a request is refused and the connection is not reused."""
    smuggled = (
        b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/sparql-query\r\n"
        b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\n"
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    )
    answer = _raw(ld_server, smuggled)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"connection: close" in answer.lower()
    assert answer.count(b"HTTP/1.1 ") == 1  # the pipelined request got no answer
    assert not answer.endswith(b"<still open>")


def test_plain_pipelining_still_works(ld_server: LiveServer) -> None:
    """The check is not a blanket refusal: two plain pipelined GETs get two answers."""
    two = (
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    assert _raw(ld_server, two).count(b"HTTP/1.1 200 ") == 2


def test_spoofed_host_is_not_echoed_in_the_slash_redirect(ld_server: LiveServer) -> None:
    response = httpx.get(
        f"{ld_server.url}/api/documents/", headers={"Host": EVIL}, follow_redirects=False
    )
    assert response.status_code in (307, 308)
    assert EVIL not in response.headers["location"]
    assert response.headers["location"].startswith("/api/documents")


@pytest.mark.parametrize(
    "path",
    ["/sparql", "/.well-known/void", "/api/documents?limit=1", "/sparql-ui", "/"],
)
def test_spoofed_host_is_not_echoed_in_bodies(ld_server: LiveServer, path: str) -> None:
    response = httpx.get(f"{ld_server.url}{path}", headers={"Host": EVIL, "Accept": "*/*"})
    assert response.status_code == 200
    assert EVIL not in response.text
    assert all(EVIL not in value for value in response.headers.values())


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,x", "vbscript:msgbox(1)", "/etc/passwd"]
)
def test_both_upload_paths_refuse_a_non_http_source_url(ld_server: LiveServer, url: str) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    multipart = httpx.post(
        f"{ld_server.url}/api/documents",
        files={"file": ("hanke.txt", b"Hanke\n\nTeksti.", "text/plain")},
        data={"source_url": url},
        headers=auth,
    )
    as_json = httpx.post(
        f"{ld_server.url}/api/documents",
        json={"text": "Hanke\n\nTeksti.", "source_url": url},
        headers=auth,
    )
    assert multipart.status_code == 422, multipart.text
    assert as_json.status_code == 422, as_json.text
