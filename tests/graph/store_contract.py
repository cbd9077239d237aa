"""The graph store contract: one test class every implementation passes.

After haystack's ``DocumentStoreBaseTests``: a subclass per backend provides a
``store`` fixture (an empty store) and inherits every test. The backends run
for real: embedded Oxigraph in memory, ``oxigraph serve`` and Virtuoso started
by fixtures on free loopback ports.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from rdflib import XSD, BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from graph.errors import NotFound, QueryError
from graph.store.base import GraphStore, Job, QueryKilled, QueryRefused, QuerySyntaxError
from graph.vocab import HK, PROV, SCHEMA

BASE = "http://localhost:8000/"
P = URIRef(f"{BASE}id/project/p")
Q = URIRef(f"{BASE}id/project/q")
G1 = URIRef(f"{BASE}id/document/1")
G2 = URIRef(f"{BASE}id/document/2")
G3 = URIRef(f"{BASE}id/document/3")
UNICODE = ["Rovaniemellä", "Åbo – Turku", 'lainaus "x" ja \\ viiva', "rivi\nrivi", "🌲 metsä"]


def graph(*names: str, subject: URIRef = P) -> Graph:
    """A graph naming ``subject`` with each of ``names`` (Finnish literals)."""
    g = Graph()
    for name in names:
        g.add((subject, SCHEMA.name, Literal(name, lang="fi")))
    return g


def names(store: GraphStore, subject: URIRef = P) -> list[str]:
    """The names of ``subject`` in the union default graph, sorted."""
    rows = store.select(f"SELECT ?n WHERE {{ <{subject}> <{SCHEMA.name}> ?n }}")
    return sorted(str(r["n"]) for r in rows)


def count(store: GraphStore, pattern: str = "?s ?p ?o") -> int:
    """``COUNT(*)`` of ``pattern`` over the union default graph."""
    return int(str(store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")[0]["n"]))


def document(iri: URIRef, sha: str, *project_names: str) -> Graph:
    """A document graph as ingest writes it: the document entity and a project."""
    g = graph(*project_names)
    g.add((iri, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), PROV.Entity))
    g.add((iri, HK.sha256, Literal(sha)))
    return g


class GraphStoreContract:
    """Tests every :class:`~graph.store.base.GraphStore` passes."""

    @pytest.fixture
    def store(self) -> Any:
        """An empty store of the implementation under test."""
        raise NotImplementedError

    # -- replace, delete and the union ------------------------------------------------

    def test_a_fact_two_documents_state_comes_back_once(self, store: GraphStore) -> None:
        """Regression: a union that keeps one copy per graph doubled shared facts."""
        store.replace_graphs([], {G1: graph("Hanke")})
        store.replace_graphs([], {G2: graph("Hanke", "Toinen nimi")})
        assert names(store) == ["Hanke", "Toinen nimi"]
        assert count(store, f"<{P}> ?p ?o") == 2

    def test_dropping_a_document_keeps_facts_other_documents_state(self, store: GraphStore) -> None:
        store.replace_graphs([], {G1: graph("Hanke"), G2: graph("Hanke", "Toinen nimi")})
        store.replace_graphs([G2], {})
        assert names(store) == ["Hanke"]
        store.replace_graphs([G1], {G1: graph("Uusi")})  # a changed document replaces its facts
        assert names(store) == ["Uusi"]
        store.replace_graphs([G1], {})
        assert names(store) == []
        assert not store.has_graph(G1)

    def test_replacing_an_existing_graph_in_place(self, store: GraphStore) -> None:
        store.replace_graphs([], {G1: graph("A", "B")})
        store.replace_graphs([], {G1: graph("C")})
        assert names(store) == ["C"]
        assert len(store.graph(G1)) == 1

    def test_default_graph_is_the_set_union_of_the_named_graphs(self, store: GraphStore) -> None:
        store.replace_graphs(
            [], {G1: graph("A", "B"), G2: graph("B", "C"), G3: graph("X", subject=Q)}
        )
        rows = store.select("SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert count(store) == len(rows) == 4

    def test_named_graphs_has_graph_and_graph(self, store: GraphStore) -> None:
        store.replace_graphs([], {G1: graph("A"), G2: graph("B")})
        assert {G1, G2} <= set(store.named_graphs())
        assert store.has_graph(G1)
        assert not store.has_graph(G3)
        assert isomorphic(store.graph(G2), graph("B"))

    def test_documents_lists_iri_and_hash(self, store: GraphStore) -> None:
        store.replace_graphs([], {G1: document(G1, "aa", "A"), G2: document(G2, "bb", "B")})
        assert store.documents() == {str(G1): "aa", str(G2): "bb"}

    # -- reads -------------------------------------------------------------------------

    def test_select_rows_are_rdflib_terms_with_none_when_unbound(self, store: GraphStore) -> None:
        store.replace_graphs([], {G1: graph("A")})
        rows = store.select(
            f"SELECT ?s ?n ?missing WHERE {{ ?s <{SCHEMA.name}> ?n OPTIONAL {{ ?s <urn:x> ?missing }} }}"
        )
        assert rows == [{"s": P, "n": Literal("A", lang="fi"), "missing": None}]
        assert type(rows[0]["s"]) is URIRef

    def test_select_text_gives_plain_values_in_variable_order(self, store: GraphStore) -> None:
        g = graph("A")
        g.add((P, SCHEMA.startDate, Literal("2024-01-01", datatype=XSD.date)))
        g.add((P, SCHEMA.event, BNode()))
        store.replace_graphs([], {G1: g})
        rows = store.select_text(
            f"""SELECT ?n ?s ?d ?missing ?e WHERE {{ ?s <{SCHEMA.name}> ?n ;
                <{SCHEMA.startDate}> ?d ; <{SCHEMA.event}> ?e
                OPTIONAL {{ ?s <urn:x> ?missing }} }}"""
        )
        assert len(rows) == 1
        assert rows[0][:4] == ("A", str(P), "2024-01-01", None)
        assert isinstance(rows[0][4], str) and rows[0][4]
        # the same values select() gives as terms
        terms = store.select(f"SELECT ?n ?s WHERE {{ ?s <{SCHEMA.name}> ?n }}")
        assert [(str(r["n"]), str(r["s"])) for r in terms] == [row[:2] for row in rows]

    def test_numbers_come_back_as_typed_literals(self, store: GraphStore) -> None:
        store.replace_graphs([], {G1: graph("A", "B")})
        value = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ <{P}> ?p ?o }}")[0]["n"]
        assert isinstance(value, Literal)
        assert int(value) == 2

    def test_blank_nodes_come_back_as_bnodes(self, store: GraphStore) -> None:
        g = Graph()
        g.add((P, SCHEMA.event, BNode()))
        store.replace_graphs([], {G1: g})
        row = store.select(f"SELECT ?e WHERE {{ <{P}> <{SCHEMA.event}> ?e }}")[0]
        assert isinstance(row["e"], BNode)

    def test_ask_and_construct(self, store: GraphStore) -> None:
        store.replace_graphs([], {G1: graph("A")})
        assert store.ask(f'ASK {{ <{P}> <{SCHEMA.name}> "A"@fi }}')
        assert not store.ask(f'ASK {{ <{P}> <{SCHEMA.name}> "Z"@fi }}')
        built = store.construct(
            f"CONSTRUCT {{ ?s <{SCHEMA.alternateName}> ?n }} WHERE {{ ?s <{SCHEMA.name}> ?n }}"
        )
        assert set(built) == {(P, SCHEMA.alternateName, Literal("A", lang="fi"))}

    def test_describe_takes_facts_from_every_graph(self, store: GraphStore) -> None:
        store.replace_graphs([], {G1: graph("A"), G2: graph("B")})
        assert len(store.describe(P)) == 2

    def test_malformed_query_is_a_query_error(self, store: GraphStore) -> None:
        with pytest.raises(QueryError):
            store.select("SELEC nothing")

    def test_unicode_literals_round_trip(self, store: GraphStore) -> None:
        store.replace_graphs([], {G1: graph(*UNICODE)})
        assert names(store) == sorted(UNICODE)
        assert store.ask(f'ASK {{ <{P}> <{SCHEMA.name}> "Rovaniemellä"@fi }}')
        assert set(store.graph(G1)) == set(graph(*UNICODE))

    # -- bulk load and dump ------------------------------------------------------------

    def test_bulk_load_streams_quads_and_keeps_the_union(self, store: GraphStore) -> None:
        dataset = Dataset()
        for i in range(250):
            g = dataset.graph(URIRef(f"{BASE}id/document/bulk{i}"))
            g.add((P, SCHEMA.name, Literal(f"nimi {i % 100}")))
            g.add((URIRef(f"{BASE}id/project/b{i}"), SCHEMA.name, Literal(UNICODE[i % 5])))
        data = dataset.serialize(format="nquads", encoding="utf-8")
        assert store.bulk_load(io.BytesIO(data), "nquads") == 500
        assert count(store, f"<{P}> ?p ?o") == 100  # the union is a set
        assert count(store) == 350
        assert len(list(store.named_graphs())) >= 250

    def test_dump_round_trips_every_named_graph(self, store: GraphStore) -> None:
        store.replace_graphs([], {G1: graph(*UNICODE), G2: graph("B", subject=Q)})
        for fmt in ("nquads", "trig"):
            out = io.BytesIO()
            written = store.dump(out, fmt)
            assert written == len(UNICODE) + 1
            dataset = Dataset()
            dataset.parse(data=out.getvalue().decode("utf-8"), format=fmt)
            got = {str(g.identifier): set(g) for g in dataset.graphs() if len(g)}
            assert got == {str(G1): set(graph(*UNICODE)), str(G2): set(graph("B", subject=Q))}

    def test_dump_of_chosen_graphs_and_the_default_graph(self, store: GraphStore) -> None:
        store.replace_graphs([], {G1: graph("A", "B"), G2: graph("B")})
        out = io.BytesIO()
        assert store.dump(out, "turtle", ["default"]) == 2
        assert set(Graph().parse(data=out.getvalue().decode("utf-8"), format="turtle")) == set(
            graph("A", "B")
        )
        with pytest.raises(NotFound):
            store.dump(io.BytesIO(), "nquads", [str(G3)])
        with pytest.raises(QueryError):
            store.dump(io.BytesIO(), "rtf")

    # -- SPARQL Update through the union rule -----------------------------------------

    def test_insert_data_into_a_document_graph_reaches_the_union(self, store: GraphStore) -> None:
        store.replace_graphs([], {G1: graph("A")})
        store.update(f'INSERT DATA {{ GRAPH <{G1}> {{ <{P}> <{SCHEMA.name}> "Lisätty"@fi }} }}')
        assert names(store) == ["A", "Lisätty"]

    def test_insert_data_without_graph_is_refused_and_changes_nothing(
        self, store: GraphStore
    ) -> None:
        store.replace_graphs([], {G1: graph("A")})
        with pytest.raises(QueryError, match="union"):
            store.update(f'INSERT DATA {{ <{P}> <{SCHEMA.name}> "Orpo"@fi }}')
        assert names(store) == ["A"]

    def test_delete_where_in_a_graph_leaves_the_union_unless_another_holds_it(
        self, store: GraphStore
    ) -> None:
        store.replace_graphs([], {G1: graph("A", "B"), G2: graph("B")})
        store.update(f"DELETE WHERE {{ GRAPH <{G1}> {{ <{P}> <{SCHEMA.name}> ?n }} }}")
        assert names(store) == ["B"]

    def test_delete_data_and_copy_keep_the_union_and_leave_no_staging_graph(
        self, store: GraphStore
    ) -> None:
        """The union cleanup after a delete reads only the graphs the update touched."""
        store.replace_graphs([], {G1: graph("A", "B"), G2: graph("B", "C")})
        store.update(f'DELETE DATA {{ GRAPH <{G1}> {{ <{P}> <{SCHEMA.name}> "A"@fi , "B"@fi }} }}')
        assert names(store) == ["B", "C"]
        store.replace_graphs([], {G1: graph("D")})
        store.update(f"COPY <{G1}> TO <{G2}>")  # G2 overwritten: B and C leave the union
        assert names(store) == ["D"]
        staged = store.select(
            'SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), "urn:x-hankekg:")) }'
        )
        assert [str(r["g"]) for r in staged if "staging" in str(r["g"])] == []

    def test_drop_graph_takes_its_facts_out_of_the_union(self, store: GraphStore) -> None:
        store.replace_graphs([], {G1: graph("A", "B"), G2: graph("B")})
        store.update(f"DROP GRAPH <{G1}>")
        assert names(store) == ["B"]
        assert not store.has_graph(G1)

    def test_clear_all_empties_the_union(self, store: GraphStore) -> None:
        store.replace_graphs([], {G1: graph("A"), G2: graph("B")})
        store.update("CLEAR ALL")
        assert count(store) == 0

    def test_an_update_that_fails_halfway_changes_nothing(self, store: GraphStore) -> None:
        store.replace_graphs([], {G1: graph("A"), G2: graph("B")})
        with pytest.raises(QueryError):
            store.update(
                f'INSERT DATA {{ GRAPH <{G1}> {{ <{P}> <{SCHEMA.name}> "Puolivälissä"@fi }} }} ;\n'
                f"DROP GRAPH <{G2}> ;\n"
                f"CREATE GRAPH <{G1}>"  # G1 exists: this operation fails
            )
        assert names(store) == ["A", "B"]
        assert store.has_graph(G2)

    def test_load_is_refused(self, store: GraphStore) -> None:
        with pytest.raises(QueryError, match="LOAD"):
            store.update(f"LOAD <http://127.0.0.1:9/x.ttl> INTO GRAPH <{G1}>")

    # -- untrusted queries -------------------------------------------------------------

    def test_untrusted_queries_keep_the_row_limit(self, store: GraphStore, tmp_path: Path) -> None:
        store.replace_graphs([], {G1: graph(*[f"n{i}" for i in range(20)])})
        runner = store.query_runner(tmp_path / "runner", 1)
        try:
            job = Job(
                query=f"SELECT ?n WHERE {{ <{P}> <{SCHEMA.name}> ?n }}",
                select_media="application/sparql-results+json",
                graph_media=None,
                max_rows=5,
            )
            outcome = runner.run(job, "t1", 30.0)
            assert outcome.truncated and outcome.rows == 5
            body = json.loads(outcome.body)
            assert len(body["results"]["bindings"]) == 5
        finally:
            runner.close()

    def test_untrusted_service_and_load_are_refused_before_they_run(
        self, store: GraphStore, tmp_path: Path
    ) -> None:
        """Every runner applies the SERVICE/LOAD guard (graph.store.guard)."""
        runner = store.query_runner(tmp_path / "runner", 1)
        try:
            job = Job(
                query="SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE <http://127.0.0.1:1/s> {} } }",
                select_media="application/sparql-results+json",
                graph_media=None,
                max_rows=5,
            )
            with pytest.raises(QueryRefused):
                runner.run(job, "t1", 30.0)
            with pytest.raises(QueryRefused):
                runner.prepare_update("LOAD <http://127.0.0.1:1/data>", 30.0)
            update = f'INSERT DATA {{ GRAPH <{G1}> {{ <{P}> <{SCHEMA.name}> "x" }} }}'
            plan = runner.prepare_update(update, 30.0)
            assert update in plan and not store.ask(f"ASK {{ <{P}> <{SCHEMA.name}> 'x' }}")
            store.apply_plan(plan)
            assert store.ask(f"ASK {{ GRAPH <{G1}> {{ <{P}> <{SCHEMA.name}> 'x' }} }}")
            assert store.ask(f"ASK {{ <{P}> <{SCHEMA.name}> 'x' }}")
        finally:
            runner.close()

    def test_untrusted_calls_into_a_servers_engine_are_refused(
        self, store: GraphStore, tmp_path: Path
    ) -> None:
        """Server built-in prefixes (Virtuoso's ``bif:``, ``sql:``) are undeclared in
        SPARQL 1.1: refused before a server sees them, a syntax error embedded."""
        store.replace_graphs([], {G1: graph("A")})
        runner = store.query_runner(tmp_path / "runner", 1)
        try:
            job = Job(
                query="SELECT * WHERE { ?s ?p ?o FILTER(bif:contains(?o, 'A')) }",
                select_media="application/sparql-results+json",
                graph_media=None,
                max_rows=5,
            )
            with pytest.raises((QueryRefused, QuerySyntaxError)):
                runner.run(job, "t1", 30.0)
        finally:
            runner.close()

    def test_untrusted_queries_are_stopped_at_the_time_limit(
        self, store: GraphStore, tmp_path: Path
    ) -> None:
        store.replace_graphs([], {G1: graph(*[f"n{i}" for i in range(300)])})
        runner = store.query_runner(tmp_path / "runner", 1)
        try:
            job = Job(
                query="SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
                select_media="application/sparql-results+json",
                graph_media=None,
                max_rows=10,
            )
            runner.prestart()
            with pytest.raises(QueryKilled):
                runner.run(job, "t1", 1.0)
        finally:
            runner.close()
