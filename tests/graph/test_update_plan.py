"""The union maintenance planned after a user's update reads only what it must."""

from __future__ import annotations

import pytest

from graph.errors import QueryError
from graph.store.updates import STAGING, plan

G = "http://localhost:8000/id/document/g1"
UNION = "urn:x-hankekg:union"


def test_cleanup_after_a_delete_in_named_graphs_reads_only_those_graphs() -> None:
    text = plan(f"DELETE WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}", union=None)
    first, *_ = text.split("\n;\n")
    assert first.startswith("INSERT") and STAGING in first and f"<{G}>" in first
    cleanup = next(p for p in text.split("\n;\n") if p.startswith("DELETE {"))
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
    steps = plan(f"DROP GRAPH <{G}>", union=UNION).split("\n;\n")
    assert steps.index(f"CREATE SILENT GRAPH <{G}>") + 1 == steps.index(f"DROP GRAPH <{G}>")
    assert "CREATE SILENT" not in plan(f"DROP GRAPH <{G}>", union=None)


def test_on_a_union_server_clear_all_deletes_only_hankekgs_graphs() -> None:
    text = plan("CLEAR ALL", union=UNION, scope="http://localhost:8000/")
    assert "CLEAR ALL" not in text
    assert f'?g = <{UNION}> || STRSTARTS(STR(?g), "http://localhost:8000/")' in text


def test_on_a_union_server_clear_all_with_other_operations_is_refused() -> None:
    with pytest.raises(QueryError, match="only operation"):
        plan(f"CLEAR ALL ; DROP GRAPH <{G}>", union=UNION, scope="http://localhost:8000/")
    with pytest.raises(QueryError, match="scope"):
        plan("DROP NAMED", union=UNION, scope=None)
