"""The guard's tokenizer: SPARQL 1.1 terminals, and when the slow parse still runs.

The adversarial SERVICE/LOAD spellings (the security contract) are in
``tests/api/test_security_sparql.py``; these tests pin what the token step adds:
what it refuses on its own, what it lets through without rdflib, and that every
text holding the letters of a keyword still gets the parse-tree check.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.sparql import HEADER, QUERIES
from graph.store import guard, tokens
from graph.store.guard import Refused, check


def test_benchmark_queries_pass_without_the_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """The eight benchmark queries spell no SERVICE/LOAD letters: tokens decide alone."""

    def no_parse(text: str, update: bool = False) -> str | None:
        raise AssertionError("the rdflib parse ran")

    monkeypatch.setattr(guard, "outbound_reason", no_parse)
    for _kind, query in QUERIES.values():
        assert check(HEADER + query) == HEADER + query


def test_texts_spelling_the_letters_still_get_the_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real = guard.outbound_reason

    def spy(text: str, update: bool = False) -> str | None:
        seen.append(text)
        return real(text, update)

    monkeypatch.setattr(guard, "outbound_reason", spy)
    for text in [
        'SELECT ?x WHERE { BIND("SERVICE <http://x/>" AS ?x) }',
        "SELECT ?service WHERE { ?service ?p ?o }",
        "PREFIX dl: <http://example.org/download/> SELECT * WHERE { ?s dl:file ?o }",
        "SELECT * WHERE { ?s ?p ?o } # Service",
        "SELECT * WHERE { ?s <http://e/ſervice> ?o }",
    ]:
        check(text)
    assert len(seen) == 5


@pytest.mark.parametrize(
    "text",
    [
        # Virtuoso pragmas: its Sponger fetches the FROM IRI over the network.
        'DEFINE get:soft "replace" SELECT * FROM <http://127.0.0.1:9/> WHERE { ?s ?p ?o }',
        "SELECT * WHERE { ?s ?p ?o } LATERAL { ?s ?p ?o }",
        "SELECT * WHERE { ?s ?p ?o } ~",
        'SELECT * WHERE { ?s ?p "open }',
        "SELECT * WHERE { ?s ?p ?o } \\",
        "SELECT * WHERE { ?s ?p ſervice }",
    ],
)
def test_what_the_tokens_cannot_vouch_for_is_refused(text: str) -> None:
    with pytest.raises(Refused) as refused:
        check(text)
    assert refused.value.unparsed


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { ?s ?p ?o } ; load <http://x/>",
        "select * where { service <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p 1SERVICE <http://x/> { } }",
        "SELECT * WHERE { ?s ?p 'x'@fi SERVICE<http://x/>{} }",
    ],
)
def test_outbound_keywords_are_refused_by_the_tokens(text: str) -> None:
    with pytest.raises(Refused, match="is not allowed"):
        check(text)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { ?s ?p ?o FILTER(?s<?o && ?o>=?s) }",
        "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:a\\'b|^ex:c* ?o }",
        "SELECT * WHERE { _:b0 ?p '''it''s \"q\"''' . ?s ?p -1.5e3 }",
        "SELECT (GROUP_CONCAT(?o; SEPARATOR=', ') AS ?all) WHERE { ?s ?p ?o } GROUP BY ?s",
        'ASK { ?s ?p "x"^^<http://www.w3.org/2001/XMLSchema#string> }',
        "SELECT * WHERE { ?s ?p ?o FILTER NOT EXISTS { ?o ?q ?r } } ORDER BY DESC(?s) LIMIT 1",
        "DELETE { GRAPH ?g { ?s ?p ?o } } INSERT { ?s ?p 1 } WHERE { GRAPH ?g { ?s ?p ?o } }",
    ],
)
def test_ordinary_sparql_tokenises(text: str) -> None:
    assert check(text, update=text.startswith("DELETE")) == text


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_a_service_after_any_text_is_refused(text: str) -> None:
    """Whatever text comes first (quotes, comments, escapes), a real SERVICE is refused."""
    spelled = f"SELECT * WHERE {{ {text} SeRvIcE <http://x/> {{ }} }}"
    with pytest.raises(Refused):
        check(spelled)


def test_keywords_are_upper_case_words() -> None:
    assert {"SERVICE", "LOAD", "GROUP_CONCAT", "A"} <= tokens.KEYWORDS
    assert list(tokens.words("select ?x where { ?x a ex:y }")) == ["SELECT", "WHERE", "A"]


KNOWN = ("schema", "hk", "rdf", "xsd")


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { ?s ?p ?o FILTER(bif:contains(?o, 'x')) }",  # Virtuoso built-in
        "SELECT (sql:now() AS ?t) WHERE {}",
        "SELECT * WHERE { ?s ?p ?o FILTER(<bif:contains>(?o, 'x')) }",
        "PREFIX b: <bif:> SELECT * WHERE { ?s ?p ?o FILTER(b:contains(?o, 'x')) }",
        "PREFIX s: <SQL:> SELECT (s:x() AS ?t) WHERE {}",
        "SELECT * WHERE { ?s :p ?o }",  # the empty prefix, undeclared
    ],
)
def test_server_extensions_and_undeclared_prefixes_are_not_passed_on(text: str) -> None:
    assert guard.extension_reason(check(text), KNOWN) is not None


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?n WHERE { ?p schema:name ?n }",
        "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:p ?o }",
        "PREFIX : <http://example.org/> SELECT * WHERE { ?s :p 'bif:contains' }",
        "SELECT * WHERE { ?s ?p <http://example.org/bif:x> }",
    ],
)
def test_declared_prefixes_and_plain_iris_pass(text: str) -> None:
    assert guard.extension_reason(check(text), KNOWN) is None


def test_benchmark_queries_use_declared_prefixes_only() -> None:
    for _kind, query in QUERIES.values():
        assert guard.extension_reason(check(HEADER + query)) is None
