"""Two pages about one project: one start date, one end date and one status in the
union, the most precise date winning and the others kept as evidence; and
``hankekg validate`` exits 0 with one readable line per violation."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from typer.testing import CliRunner

from api.cli import app
from api.engine import Engine
from graph.store.oxigraph import OxigraphStore
from graph.validate import Violation
from graph.vocab import HK, PROV, SCHEMA
from ingest.settle import settle_dates
from tests.conftest import make_settings

P = URIRef("http://localhost:8000/id/project/silta")
A = URIRef("http://localhost:8000/id/document/aaaa")
B = URIRef("http://localhost:8000/id/document/bbbb")


@dataclass
class Change:
    drop: list[URIRef] = field(default_factory=list)
    graphs: dict[URIRef, Graph] = field(default_factory=dict)


def page(doc: URIRef, start: Literal, end: Literal | None, status: URIRef) -> Graph:
    g = Graph()
    g.add((P, RDF.type, HK.Project))
    g.add((P, SCHEMA.startDate, start))
    if end is not None:
        g.add((P, SCHEMA.endDate, end))
    g.add((P, HK.status, status))
    evidence = URIRef(f"{doc}#ev-start")
    g.add((evidence, RDF.type, HK.Evidence))
    g.add((evidence, RDF.object, start))
    return g


def dates(store: OxigraphStore, predicate: URIRef) -> set[str]:
    rows = store.select(f"SELECT ?o WHERE {{ <{P}> <{predicate}> ?o }}")
    return {str(r["o"]) for r in rows}


def test_the_most_precise_date_wins_and_the_other_stays_as_evidence(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    year = Literal("2016", datatype=XSD.gYear)
    store.replace_graphs(
        [], {A: page(A, year, Literal("2018", datatype=XSD.gYear), HK.StatusEnded)}
    )
    day = Literal("2016-08-01", datatype=XSD.date)
    change = Change(graphs={B: page(B, day, Literal("2018", datatype=XSD.gYear), HK.StatusEnded)})
    rewritten = settle_dates(store, change)
    assert rewritten == [A]
    store.replace_graphs(change.drop, change.graphs)
    assert dates(store, SCHEMA.startDate) == {"2016-08-01"}
    assert dates(store, SCHEMA.endDate) == {"2018"}
    # Page A's own evidence still quotes its year.
    rows = store.select(f"SELECT ?o WHERE {{ <{A}#ev-start> <{RDF.object}> ?o }}")
    assert {str(r["o"]) for r in rows} == {"2016"}


def test_equal_precision_keeps_the_widest_period_and_its_status(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    store.replace_graphs(
        [],
        {
            A: page(
                A,
                Literal("2017", datatype=XSD.gYear),
                Literal("2019", datatype=XSD.gYear),
                HK.StatusEnded,
            )
        },
    )
    change = Change(
        graphs={
            B: page(
                B,
                Literal("2016", datatype=XSD.gYear),
                Literal("2027", datatype=XSD.gYear),
                HK.StatusOngoing,
            )
        }
    )
    settle_dates(store, change)
    store.replace_graphs(change.drop, change.graphs)
    assert dates(store, SCHEMA.startDate) == {"2016"}
    assert dates(store, SCHEMA.endDate) == {"2027"}
    assert dates(store, HK.status) == {str(HK.StatusOngoing)}


def test_one_page_is_left_alone(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    change = Change(graphs={A: page(A, Literal("2016", datatype=XSD.gYear), None, HK.StatusEnded)})
    assert settle_dates(store, change) == []
    assert len(change.graphs[A]) == 5


def stated_page(doc: URIRef, start: Literal, end: Literal, status: URIRef) -> Graph:
    """A page's graph as extraction writes it: each value with its evidence node."""
    g = Graph()
    g.add((P, RDF.type, HK.Project))
    g.add((P, PROV.wasDerivedFrom, doc))
    for predicate, value in ((SCHEMA.startDate, start), (SCHEMA.endDate, end), (HK.status, status)):
        g.add((P, predicate, value))
        ev = URIRef(f"{doc}#ev-{predicate.rsplit('/', 1)[-1].rsplit('#', 1)[-1]}")
        g.add((ev, RDF.type, HK.Evidence))
        g.add((ev, RDF.subject, P))
        g.add((ev, RDF.predicate, predicate))
        g.add((ev, RDF.object, value))
    return g


def write(store: OxigraphStore, change: Change) -> None:
    settle_dates(store, change)
    store.replace_graphs(change.drop, change.graphs)


def test_deleting_the_page_that_won_brings_the_other_pages_dates_back(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    year = Literal("2016", datatype=XSD.gYear)
    day = Literal("2016-08-01", datatype=XSD.date)
    end_year, end_day = (
        Literal("2018", datatype=XSD.gYear),
        Literal("2018-12-31", datatype=XSD.date),
    )
    write(store, Change(graphs={A: stated_page(A, year, end_year, HK.StatusEnded)}))
    write(store, Change(graphs={B: stated_page(B, day, end_day, HK.StatusOngoing)}))
    assert dates(store, SCHEMA.startDate) == {"2016-08-01"}
    assert dates(store, HK.status) == {str(HK.StatusOngoing)}
    write(store, Change(drop=[B]))
    assert dates(store, SCHEMA.startDate) == {"2016"}
    assert dates(store, SCHEMA.endDate) == {"2018"}
    assert dates(store, HK.status) == {str(HK.StatusEnded)}


def test_replacing_the_page_that_won_with_one_without_dates_brings_the_others_back(
    tmp_path: Path,
) -> None:
    store = OxigraphStore(tmp_path / "store")
    year, day = Literal("2016", datatype=XSD.gYear), Literal("2016-08-01", datatype=XSD.date)
    end = Literal("2018", datatype=XSD.gYear)
    write(store, Change(graphs={A: stated_page(A, year, end, HK.StatusEnded)}))
    write(store, Change(graphs={B: stated_page(B, day, end, HK.StatusEnded)}))
    bare = Graph()
    bare.add((P, RDF.type, HK.Project))
    bare.add((P, PROV.wasDerivedFrom, B))
    write(store, Change(graphs={B: bare}))
    assert dates(store, SCHEMA.startDate) == {"2016"}


def test_a_value_the_union_still_states_is_not_added_again(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    year, end = Literal("2016", datatype=XSD.gYear), Literal("2018", datatype=XSD.gYear)
    write(store, Change(graphs={A: stated_page(A, year, end, HK.StatusEnded)}))
    write(store, Change(graphs={B: stated_page(B, year, end, HK.StatusEnded)}))
    write(store, Change(drop=[B]))
    rows = store.select(f"SELECT ?g WHERE {{ GRAPH ?g {{ <{P}> <{SCHEMA.startDate}> ?o }} }}")
    assert [str(r["g"]) for r in rows] == [str(A)]


def test_a_violation_reads_on_one_line() -> None:
    v = Violation("http://x/id/project/p", str(SCHEMA.startDate), "More than\n one value")
    assert v.line() == f"http://x/id/project/p\t{SCHEMA.startDate}\tMore than one value"
    assert Violation("http://x/a", None, "m").line() == "http://x/a\t-\tm"


PAGE_ONE = """Hankkeen nimi

Siltahanke

Siltahanke tukee omaishoitajia Kuopiossa. Hanke alkoi 1.8.2016 ja päättyy 31.12.2018.
Hanketta rahoittaa Sosiaali- ja terveysjärjestöjen avustuskeskus.
"""
PAGE_TWO = """Hankkeen nimi

Siltahanke

Kesto: 2016–2018

Siltahanke järjestää omaishoitajille vertaistukiryhmiä Kuopiossa.
"""


@pytest.mark.slow
def test_validate_exits_0_after_two_pages_about_one_project(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "silta1.txt").write_text(PAGE_ONE, encoding="utf-8")
    (corpus / "silta2.txt").write_text(PAGE_TWO, encoding="utf-8")
    env = {"HANKEKG_HOME": str(tmp_path / "home")}
    result = CliRunner().invoke(app, ["ingest", str(corpus)], env=env)
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(app, ["validate"], env=env)
    assert result.exit_code == 0, result.output
    assert "conforms: True" in result.output
    result = CliRunner().invoke(
        app,
        [
            "sparql",
            "SELECT ?d WHERE { ?p a <https://w3id.org/hankekg/ontology#Project> ; "
            "<https://schema.org/startDate> ?d }",
        ],
        env=env,
    )
    assert result.exit_code == 0 and "2016-08-01" in result.output
    # Deleting the page with the day gives the project the other page's years back.
    engine = Engine(make_settings(tmp_path / "home"))
    try:
        (with_day,) = [d for d in engine.store.documents() if "silta1" in document_path(engine, d)]
        engine.delete_document(with_day)
        rows = engine.store.select(
            f"SELECT ?d WHERE {{ ?p a <{HK.Project}> ; <{SCHEMA.startDate}> ?d }}"
        )
        assert [str(r["d"]) for r in rows] == ["2016"]
    finally:
        engine.close()


def document_path(engine: Engine, document: str) -> str:
    rows = engine.store.select(f"SELECT ?path WHERE {{ <{document}> <{HK.path}> ?path }}")
    return str(rows[0]["path"]) if rows else ""
