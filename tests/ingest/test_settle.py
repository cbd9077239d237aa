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
from graph.store.oxigraph import OxigraphStore
from graph.validate import Violation
from graph.vocab import HK, SCHEMA
from ingest.settle import settle_dates

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
