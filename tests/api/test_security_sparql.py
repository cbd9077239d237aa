"""SERVICE and LOAD never reach the network: the parse-tree guard, and workers without network.

Every hostile spelling is sent to a real server while a loopback listener
waits: the listener must receive nothing, and every answer is a 400. The same
spellings are also run straight through pyoxigraph (with network) against a
second listener, the *oracle*: it shows which texts Oxigraph would really turn
into a request, so the guard's verdict can be checked against the engine's own
reading of the text, not against our expectation of it.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.store.guard import Refused, check, normalise
from tests.api.conftest import TOKEN
from tests.conftest import ROOT, LiveServer


class Listener:
    """A loopback HTTP listener that records every connection and answers 500."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(50)
        self.server.settimeout(0.1)
        self.port = self.server.getsockname()[1]
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.received.append(conn.recv(4096) or b"<connected>")
                    conn.sendall(
                        b"HTTP/1.1 500 No\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    )
                except OSError:
                    self.received.append(b"<connected>")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.server.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    """The listener a hostile query would reach."""
    listening = Listener()
    yield listening
    listening.close()


@pytest.fixture(scope="module")
def oracle() -> Iterator[Listener]:
    """A second listener, for pyoxigraph run directly (it has network)."""
    listening = Listener()
    yield listening
    listening.close()


def hostile_queries(port: int) -> list[str]:
    """At least 30 spellings of a SERVICE call to ``127.0.0.1:port``."""
    t = f"<http://127.0.0.1:{port}/sparql>"
    body = "{ ?s ?p ?o }"
    pre = "PREFIX ex: <http://example.org/> "
    return [
        f"SELECT * WHERE {{ SERVICE {t} {body} }}",
        f"select * where {{ service {t} {body} }}",
        f"SELECT * WHERE {{ SeRvIcE {t} {body} }}",
        f"SELECT * WHERE {{ SERVICE SILENT {t} {body} }}",
        f"SELECT * WHERE {{ BIND({t} AS ?e) SERVICE ?e {body} }}",
        f"SELECT * WHERE {{ VALUES ?e {{ {t} }} SERVICE ?e {body} }}",
        f"SELECT * WHERE {{ ?a ?b ?c OPTIONAL {{ SERVICE {t} {body} }} }}",
        f"SELECT * WHERE {{ {{ ?a ?b ?c }} UNION {{ SERVICE {t} {body} }} }}",
        f"SELECT * WHERE {{ ?a ?b ?c MINUS {{ SERVICE {t} {body} }} }}",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE {t} {body} }} }} }}",
        f"ASK {{ FILTER EXISTS {{ SERVICE {t} {body} }} }}",
        f"SELECT * WHERE {{ BIND(1 AS ?x) FILTER NOT EXISTS {{ SERVICE {t} {body} }} }}",
        f"SELECT * WHERE {{ GRAPH ?g {{ SERVICE {t} {body} }} }}",
        f"SELECT * WHERE {{ {{ {{ {{ {{ SERVICE {t} {body} }} }} }} }} }}",
        f'SELECT * WHERE {{ ?s ?p "#" . SERVICE {t} {body} }}',
        f"SELECT * WHERE {{ ?s ?p '''it''s \"q\"''' . SERVICE {t} {body} }}",
        # The probe's case: an escaped quote inside a prefixed name.
        f"{pre}SELECT * WHERE {{ ?s ex:a\\'b ?o . SERVICE {t} {body} }}",
        f'{pre}SELECT * WHERE {{ ?s ex:a\\"b ?o . SERVICE {t} {body} }}',
        f"{pre}SELECT * WHERE {{ ?s ex:a\\#b ?o . SERVICE {t} {body} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE {t} {body} }}",
        f"SELECT * WHERE {{ \\u0053\\u0045\\u0052\\u0056\\u0049\\u0043\\u0045 {t} {body} }}",
        f"SELECT * WHERE {{ \\U00000053ERVICE {t} {body} }}",
        f"SELECT * WHERE {{ \\u0073ervice {t} {body} }}",
        f"SELECT * WHERE {{ # a comment\nSERVICE {t} {body} }}",
        f"SELECT * WHERE {{ # it's \"open\nSERVICE {t} {body} }}",
        f"SELECT * WHERE {{ SERVICE{t}{body} }}",
        f"SELECT * WHERE {{ SERVICE\n\tSILENT\r\n{t}\n{body} }}",
        f"BASE <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE <sparql> {body} }}",
        f"PREFIX svc: <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE svc:sparql {body} }}",
        f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:\\u0033{str(port)[1:]}/sparql> {body} }}"
        if str(port).startswith("3")
        else f"SELECT * WHERE {{ SERVICE <http://\\u0031\\u0032\\u0037.0.0.1:{port}/sparql> {body} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE {t} {body} }}",
        f"DESCRIBE ?s WHERE {{ SERVICE {t} {body} }}",
        f"SELECT * WHERE {{ OPTIONAL {{ FILTER EXISTS {{ {{ SELECT ?s WHERE {{ SERVICE {t} {body} }} }} }} }} }}",
        f'SELECT * WHERE {{ ?s ?p "a\\\\" . SERVICE {t} {body} }}',
        f"SELECT ?service WHERE {{ ?service ?p ?o . SERVICE {t} {body} }}",
        f'SELECT * WHERE {{ ?s ?p "x"@en SERVICE {t} {body} }}',
        f'SELECT * WHERE {{ ?s ?p "\\u0022 . SERVICE {t} {body} #" }}',
        f"SELECT * WHERE {{ ?s ?p 'a' SERVICE {t} {body} }}",
        f"SELECT * WHERE {{ ?s ?p 1SERVICE {t} {body} }}",
        f"SELECT * WHERE {{ ?s ?p ?o }} ; SELECT * WHERE {{ SERVICE {t} {body} }}",
    ]


def hostile_updates(port: int) -> list[str]:
    """LOAD and SERVICE spellings in updates."""
    t = f"<http://127.0.0.1:{port}/data>"
    return [
        f"LOAD {t}",
        f"load silent {t} into graph <http://g/>",
        f"\\u004COAD {t}",
        f"CLEAR SILENT GRAPH <http://g/> ; LOAD {t}",
        f'INSERT DATA {{ <a:b> <a:c> "x" }} ; LOAD {t}',
        f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE {t} {{ ?s ?p ?o }} }}",
        f"DELETE {{ ?s ?p ?o }} WHERE {{ OPTIONAL {{ SERVICE SILENT {t} {{ ?s ?p ?o }} }} }}",
        f"PREFIX ex: <http://example.org/> INSERT {{ ?s ex:a\\'b ?o }} WHERE {{ SERVICE {t} {{ ?s ?p ?o }} }}",
    ]


def test_corpus_has_at_least_thirty_spellings() -> None:
    assert len(set(hostile_queries(38123))) >= 30


def test_every_spelling_is_refused_and_nothing_goes_out(
    ld_server: LiveServer, listener: Listener
) -> None:
    for query in hostile_queries(listener.port):
        for response in (
            httpx.get(f"{ld_server.url}/sparql", params={"query": query}, timeout=30),
            httpx.post(
                f"{ld_server.url}/sparql",
                content=query.encode(),
                headers={"Content-Type": "application/sparql-query"},
                timeout=30,
            ),
        ):
            assert response.status_code == 400, (query, response.text)
        page = httpx.get(f"{ld_server.url}/sparql-ui", params={"query": query}, timeout=30)
        assert "results-table" not in page.text, query
    for update in hostile_updates(listener.port):
        response = httpx.post(
            f"{ld_server.url}/sparql/update",
            content=update.encode(),
            headers={
                "Content-Type": "application/sparql-update",
                "Authorization": f"Bearer {TOKEN}",
            },
            timeout=30,
        )
        assert response.status_code == 400, (update, response.text)
    time.sleep(0.5)
    assert listener.received == []


# Data that every decoy pattern of the corpus and the generator matches: a join
# with an empty pattern would never evaluate the SERVICE beside it, and the
# oracle would say "no call" for a text Oxigraph does read as a call.
ORACLE_STORE = ox.Store()
ORACLE_STORE.update(
    """INSERT DATA {
      <http://e/s> <http://e/p> "#", "it's", "a", "a\\\\", "x"@en, "a''b", "SERVICE <http://x/>" ;
          <http://example.org/a'b> "o" ; <http://example.org/a#b> "o" ; <http://e/#SERVICE> "o" .
      GRAPH <http://e/g> { <http://e/s> <http://e/p> "o" }
    }"""
)


def _oxigraph_calls_out(text: str, oracle: Listener) -> bool:
    """Whether pyoxigraph, run with network, contacts the oracle for ``text``.

    The oracle records a connection before it answers, and Oxigraph waits for
    that answer, so the record is there when the query returns.
    """
    before = len(oracle.received)
    try:
        result = ORACLE_STORE.query(text)
        if isinstance(result, ox.QuerySolutions | ox.QueryTriples):
            list(result)
    except (SyntaxError, OSError, ValueError, RuntimeError):
        pass
    return len(oracle.received) > before


def test_guard_agrees_with_oxigraph_on_the_corpus(oracle: Listener) -> None:
    """Whatever the guard lets through, Oxigraph does not turn into a request."""
    for query in hostile_queries(oracle.port):
        try:
            text = check(query)
        except Refused:
            continue
        assert not _oxigraph_calls_out(text, oracle), query


def test_the_corpus_really_calls_out_in_oxigraph() -> None:
    """The corpus is not vacuous: run by pyoxigraph with network, most spellings do call out."""
    listening = Listener()
    try:
        calls = sum(
            _oxigraph_calls_out(_plain(query), listening)
            for query in hostile_queries(listening.port)
        )
    finally:
        listening.close()
    assert calls >= 30


def _plain(query: str) -> str:
    try:
        return normalise(query)
    except Refused:
        return query


def test_lookalikes_run(ld_server: LiveServer) -> None:
    """Strings, IRIs, variables and prefixes that spell the word are data, not calls."""
    for query in [
        'SELECT ?x WHERE { BIND("SERVICE <http://127.0.0.1:9/> {}" AS ?x) }',
        "SELECT ?service WHERE { VALUES ?service { <http://example.org/SERVICE> } }",
        "PREFIX service: <http://example.org/> SELECT ?x WHERE { BIND(service:load AS ?x) }",
        "SELECT ?x WHERE { BIND('''LOAD <http://x/>''' AS ?x) } # SERVICE <http://x/>",
    ]:
        response = httpx.get(f"{ld_server.url}/sparql", params={"query": query}, timeout=30)
        assert response.status_code == 200, (query, response.text)


def test_escaped_escape_is_refused() -> None:
    with pytest.raises(Refused):
        check("SELECT * WHERE { \\u005Cu0053ERVICE <http://x/> { ?s ?p ?o } }")


# -- property: generated spellings -------------------------------------------------------

_KEYWORD = st.lists(st.sampled_from(["lower", "upper", "u4", "U8"]), min_size=7, max_size=7).map(
    lambda forms: "".join(
        {
            "lower": c.lower(),
            "upper": c,
            "u4": f"\\u{ord(c):04X}",
            "U8": f"\\U{ord(c):08X}",
        }[form]
        for c, form in zip("SERVICE", forms, strict=True)
    )
)
_GAP = st.sampled_from([" ", "\n", "\t", " # c'\"\n", "  ", "\r\n"])
_DECOY = st.sampled_from(
    [
        "",
        '?s ?p "SERVICE <http://x/>" .',
        "?s ?p 'it\\'s' .",
        "?s <http://e/#SERVICE> ?o .",
        "?s ?p '''a''b''' .",
        '?s ?p "#" .',
        "?s ex:a\\'b ?o .",
        "?s ex:a\\#b ?o .",
        "?service ?p ?o .",
        '?s ?p "\\\\" .',
    ]
)
_WRAP = st.sampled_from(
    [
        "{inner}",
        "OPTIONAL {{ {inner} }}",
        "{{ ?a ?b ?c }} UNION {{ {inner} }}",
        "FILTER EXISTS {{ {inner} }}",
        "{{ SELECT * WHERE {{ {inner} }} }}",
        "GRAPH ?g {{ {inner} }}",
        "MINUS {{ {inner} }}",
    ]
)


@st.composite
def generated(draw: st.DrawFn, port: int) -> tuple[str, bool]:
    """(query text, whether it really holds a SERVICE clause)."""
    keyword = draw(_KEYWORD)
    gap = draw(_GAP)
    silent = draw(st.sampled_from(["", f"SILENT{gap}"]))
    endpoint = draw(st.sampled_from([f"<http://127.0.0.1:{port}/q>", "?e", "svc:q"]))
    real = draw(st.booleans())
    call = f"{keyword}{gap}{silent}{endpoint}{gap}{{ ?s ?p ?o }}"
    clause = call if real else f'BIND("{call.replace(chr(92), "")}" AS ?lit)'
    inner = f"{draw(_DECOY)}{gap}{clause}"
    for _ in range(draw(st.integers(0, 3))):
        inner = draw(_WRAP).format(inner=inner)
    prefixes = f"PREFIX ex: <http://example.org/> PREFIX svc: <http://127.0.0.1:{port}/>{gap}"
    binding = f"VALUES ?e {{ <http://127.0.0.1:{port}/q> }}{gap}"
    return f"{prefixes}SELECT * WHERE {{ {binding}{inner} }}", real


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_generated_spellings(oracle: Listener, data: st.DataObject) -> None:
    """A real SERVICE is always refused; what passes never makes Oxigraph call out."""
    query, real = data.draw(generated(oracle.port))
    try:
        text = check(query)
    except Refused:
        return
    assert not real, query
    assert not _oxigraph_calls_out(text, oracle), query


# -- defence in depth: the worker has no network -----------------------------------------

WORKER_PROBE = """
import sys
import pyoxigraph as ox
from graph.store.netguard import deny_network
assert deny_network()
try:
    list(ox.Store().query("SELECT * WHERE { SERVICE <http://127.0.0.1:%d/s> { ?s ?p ?o } }"))
    print("answered")
except OSError as exc:
    print("refused:", exc)
"""


def test_a_networkless_worker_cannot_call_out(listener: Listener) -> None:
    """Even a SERVICE the guard missed fails inside a worker: the process has no IP sockets."""
    before = len(listener.received)
    done = subprocess.run(
        [sys.executable, "-c", WORKER_PROBE % listener.port],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={"PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("refused:"), done.stdout
    time.sleep(0.3)
    assert len(listener.received) == before
