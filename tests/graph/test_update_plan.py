"""The union maintenance planned after a user's update reads only what it must."""

from __future__ import annotations

import pytest

from graph.errors import QueryError
from graph.store.tokens import prologue_end
from graph.store.updates import STAGING, plan

G = "http://localhost:8000/id/document/g1"
UNION = "urn:x-hankekg:union"


def steps(text: str) -> list[str]:
    """The operations of a planned text, its prologue left out."""
    return text[prologue_end(text) :].strip().split("\n;\n")


def test_cleanup_after_a_delete_in_named_graphs_reads_only_those_graphs() -> None:
    text = plan(f"DELETE WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}", union=None)
    first, *_ = steps(text)
    assert first.startswith("INSERT") and STAGING in first and f"<{G}>" in first
    cleanup = next(p for p in steps(text) if p.startswith("DELETE {"))
    assert f"GRAPH <{STAGING}" in cleanup  # the staged triples, not the whole union
    assert text.rstrip().endswith(">") and "DROP SILENT GRAPH <" + STAGING in text


def test_a_delete_over_any_graph_still_checks_the_whole_union() -> None:
    text = plan("DELETE WHERE { GRAPH ?g { ?s ?p ?o } }", union=UNION)
    assert STAGING not in text
    assert f"WHERE {{ GRAPH <{UNION}> {{ ?s ?p ?o }}" in text


def test_an_insert_stages_nothing() -> None:
    text = plan(f'INSERT DATA {{ GRAPH <{G}> {{ <{G}> <{G}> "x" }} }}', union=None)
    assert STAGING not in text and "DELETE {" not in text


def test_each_request_stages_into_its_own_graph() -> None:
    update = f"DROP GRAPH <{G}>"
    assert plan(update, union=None) != plan(update, union=None)


def test_on_a_union_server_a_drop_graph_creates_the_graph_first() -> None:
    """Virtuoso refuses DROP GRAPH for a graph never made with CREATE GRAPH."""
    ops = steps(plan(f"DROP GRAPH <{G}>", union=UNION))
    assert ops.index(f"CREATE SILENT GRAPH <{G}>") + 1 == ops.index(f"DROP GRAPH <{G}>")
    assert "CREATE SILENT" not in plan(f"DROP GRAPH <{G}>", union=None)


def test_on_a_union_server_clear_all_deletes_only_hankekgs_graphs() -> None:
    text = plan("CLEAR ALL", union=UNION, scope="http://localhost:8000/")
    assert "CLEAR ALL" not in text
    assert f'?g = <{UNION}> || STRSTARTS(STR(?g), "http://localhost:8000/")' in text


def test_on_a_union_server_clear_all_with_other_operations_is_refused() -> None:
    with pytest.raises(QueryError, match="only operation"):
        plan(f"CLEAR ALL ; DROP GRAPH <{G}>", union=UNION, scope="http://localhost:8000/")
    with pytest.raises(QueryError, match="scope"):
        plan("DROP ALL", union=UNION, scope=None)


# -- issue 24: every update form ------------------------------------------------------

BASE = "http://localhost:8000/"

#: One update per form that writes the derived default graph; each must be refused.
DEFAULT_WRITES = {
    "INSERT DATA": "INSERT DATA { <urn:s> <urn:p> <urn:o> }",
    "DELETE DATA": "DELETE DATA { <urn:s> <urn:p> <urn:o> }",
    "DELETE WHERE": "DELETE WHERE { ?s <urn:p> ?o }",
    "DELETE/INSERT": "DELETE { ?s <urn:p> ?o } INSERT { ?o <urn:p> ?s } WHERE { ?s <urn:p> ?o }",
    "DELETE only": "DELETE { ?s <urn:p> ?o } WHERE { ?s <urn:p> ?o }",
    "INSERT only": "INSERT { ?o <urn:p> ?s } WHERE { GRAPH ?g { ?s <urn:p> ?o } }",
    "INSERT into a named graph and the default graph": (
        "INSERT { GRAPH <urn:g> { ?s ?p ?o } ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
    ),
    "CLEAR DEFAULT": "CLEAR DEFAULT",
    "DROP DEFAULT": "DROP DEFAULT",
    "ADD TO DEFAULT": "ADD <urn:g> TO DEFAULT",
    "COPY TO DEFAULT": "COPY <urn:g> TO DEFAULT",
    "MOVE TO DEFAULT": "MOVE <urn:g> TO DEFAULT",
    "MOVE DEFAULT": "MOVE DEFAULT TO <urn:g>",
    "CLEAR NAMED": "CLEAR NAMED",
    "DROP NAMED": "DROP NAMED",
    "second operation": "INSERT DATA { GRAPH <urn:g> { <urn:s> <urn:p> 1 } } ; CLEAR DEFAULT",
}


@pytest.mark.parametrize("update", DEFAULT_WRITES.values(), ids=DEFAULT_WRITES.keys())
@pytest.mark.parametrize("base", [None, BASE])
def test_default_graph_refusal_for_every_update_form(update: str, base: str | None) -> None:
    """Regression: a missing DELETE (or INSERT) clause read as the clause's name skipped
    the refusal; with a base IRI, the made-up graph <withClause> even resolved."""
    with pytest.raises(QueryError, match="union of the named graphs"):
        plan(update, union=None, base=base)
    with pytest.raises(QueryError, match="union of the named graphs"):
        plan(update, union=UNION, scope=BASE, base=base)


def test_insert_only_template_into_a_graph_plans_without_error() -> None:
    """Regression: INSERT { GRAPH <g> {...} } WHERE {} (rdflib's SPARQLUpdateStore.remove
    sends the DELETE-only twin) answered 500: the missing clause was the string "delete"."""
    text = plan("INSERT { GRAPH <urn:g> { <urn:s> <urn:p> <urn:o> } } WHERE {}", union=None)
    assert STAGING not in text and "withClause" not in text
    text = plan("DELETE { GRAPH <urn:g> { <urn:s> <urn:p> <urn:o> } } WHERE {}", union=None)
    assert f"GRAPH <{STAGING}" in text and "VALUES ?g { <urn:g> }" in text


@pytest.mark.parametrize(
    "update",
    [
        "CLEAR GRAPH ex:g",
        "DROP GRAPH ex:g",
        "DELETE DATA { GRAPH ex:g { ex:s ex:p ex:o } }",
        "DELETE WHERE { GRAPH ex:g { ?s ?p ?o } }",
        "DELETE { GRAPH ex:g { ?s ?p ?o } } INSERT { GRAPH ex:h { ?s ?p ?o } } "
        "WHERE { GRAPH ex:g { ?s ?p ?o } }",
        "COPY ex:g TO ex:h",
        "MOVE ex:g TO ex:h",
    ],
)
def test_user_prologue_stays_before_the_staging_operation(update: str) -> None:
    """Regression: a deleting update that began with PREFIX answered 400 "malformed":
    the staging copy went first and the user's PREFIX landed after a ';'."""
    import pyoxigraph as ox

    for prologue in (
        "PREFIX ex: <http://example.org/>",
        "BASE <http://example.org/> PREFIX ex: <>",
    ):
        text = plan(f"{prologue}\n{update}", union=None, base=BASE)
        store = ox.Store()
        store.update('INSERT DATA { GRAPH <http://example.org/g> { <urn:a> <urn:b> "c" } }')
        store.update(text)  # parses, and runs
        assert text.index(prologue) < text.index(STAGING)


def test_relative_iris_resolve_against_the_base() -> None:
    """Regression: relative IRIs answered 400, as nothing gave a base IRI."""
    text = plan("INSERT DATA { GRAPH <g> { <s> <p> <o> } }", union=None, base=BASE)
    assert f"VALUES ?g {{ <{BASE}g> }}" in text and text.startswith(f"BASE <{BASE}>")
    assert "BASE" not in plan("INSERT DATA { GRAPH <urn:g> { <urn:s> <urn:p> 1 } }", None)


@pytest.mark.parametrize("update", ["", "   ", "# nothing", "PREFIX ex: <http://example.org/>"])
def test_an_update_with_no_operation_plans_to_nothing(update: str) -> None:
    """Regression: an empty update answered 500; SPARQL 1.1 Update allows it."""
    assert plan(update, union=None) == ""
