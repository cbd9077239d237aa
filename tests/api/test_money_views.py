"""A project's money on the read side: the view, ``GET /api/projects/{id}``, the
project page and the export columns, over hand-written triples in a real engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef

from api import services
from api.app import create_app
from api.engine import Engine
from api.results_export import COLUMNS, MONEY_COLUMNS, money_columns, to_csv
from graph.views.money import format_euros, project_money
from tests.conftest import make_settings

BASE = "http://localhost:8000/"
PROJECT = f"{BASE}id/project/rahahanke"
OTHER = f"{BASE}id/project/toinen-hanke"
TTL = f"""
@prefix hk: <https://w3id.org/hankekg/ontology#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <{BASE}id/> .

<{PROJECT}> a hk:Project, schema:Project ;
    schema:name "Rahahanke"@fi ;
    schema:funder <{BASE}id/organisation/stm> ;
    schema:funding id:grant\\/rahahanke-2500000, id:grant\\/rahahanke-120000 ;
    hk:budget id:amount\\/rahahanke-budget-100000-500000 .
id:grant\\/rahahanke-2500000 a schema:MonetaryGrant ;
    schema:funder <{BASE}id/organisation/stm> ;
    schema:amount id:amount\\/rahahanke-2500000-grant .
id:amount\\/rahahanke-2500000-grant a schema:MonetaryAmount ;
    schema:value "2500000"^^xsd:decimal ; schema:currency "EUR" ;
    schema:validFrom "2016"^^xsd:gYear ; schema:validThrough "2018"^^xsd:gYear .
id:grant\\/rahahanke-120000 a schema:MonetaryGrant ;
    schema:amount id:amount\\/rahahanke-120000-grant .
id:amount\\/rahahanke-120000-grant a schema:MonetaryAmount ;
    schema:value "120000.50"^^xsd:decimal ; schema:currency "EUR" ; hk:approximate true .
id:amount\\/rahahanke-budget-100000-500000 a schema:MonetaryAmount ;
    schema:minValue "100000"^^xsd:decimal ; schema:maxValue "500000"^^xsd:decimal ;
    schema:currency "EUR" .
<{OTHER}> a hk:Project, schema:Project ; schema:name "Toinen hanke"@fi .
"""


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    home: Path = tmp_path_factory.mktemp("money-home")
    engine = Engine(make_settings(home))
    engine.store.replace_graphs(
        [], {URIRef(f"{BASE}graph/money"): Graph().parse(data=TTL, format="turtle")}
    )
    yield engine
    engine.close()


def test_the_view_lists_grants_first_then_the_budget(engine: Engine) -> None:
    money = project_money(engine.store, PROJECT)
    assert [(m.kind, m.value, m.min_value, m.max_value) for m in money] == [
        ("grant", "2500000", None, None),
        ("grant", "120000.5", None, None),
        ("budget", None, "100000", "500000"),
    ]
    assert money[0].funder == f"{BASE}id/organisation/stm"
    assert (money[0].valid_from, money[0].valid_through) == ("2016", "2018")
    assert money[1].approximate and money[1].funder is None
    assert project_money(engine.store, OTHER) == []


def test_the_api_names_the_funder(engine: Engine) -> None:
    model = services.project(engine, "rahahanke", "fi")
    assert model.money[0].funder is not None
    assert model.money[0].funder.name == "Sosiaali- ja terveysministeriö"


def test_the_project_page_shows_the_grants(engine: Engine) -> None:
    with TestClient(create_app(engine.settings, engine=engine)) as client:
        page = client.get("/project/rahahanke?lang=fi").text
        english = client.get("/project/rahahanke?lang=en").text
    assert "Rahoitus" in page and "Myönnetty avustus" in page
    assert "2\u00a0500\u00a0000\u00a0€" in page and "Sosiaali- ja terveysministeriö" in page
    assert "100\u00a0000\u00a0€–500\u00a0000\u00a0€" in page and "(2016–2018)" in page
    assert "noin 120\u00a0000,50\u00a0€" in page
    assert "€2,500,000" in english and "Grant" in english


def test_export_columns_carry_the_sums(engine: Engine) -> None:
    columns = money_columns(engine, [PROJECT, OTHER], "fi")
    assert columns[PROJECT] == {
        "granted_eur": "2620000.5",
        "budget_eur": "",
        "budget_min_eur": "100000",
        "budget_max_eur": "500000",
        "grant_funders": ["Sosiaali- ja terveysministeriö"],
    }
    assert OTHER not in columns
    assert set(MONEY_COLUMNS) <= set(COLUMNS)
    header = to_csv([]).splitlines()[0].split(",")
    assert header[-len(MONEY_COLUMNS) :] == list(MONEY_COLUMNS)


def test_euros_are_written_as_each_language_writes_them() -> None:
    assert format_euros("2500000", "fi") == "2\u00a0500\u00a0000\u00a0€"
    assert format_euros("149996.50", "en") == "€149,996.50"
    assert format_euros(None) == ""


def test_the_sparql_example_totals_grants_per_funder_and_year(engine: Engine) -> None:
    from api.ui_pages import sparql_examples

    (example,) = [e for e in sparql_examples(engine) if e.key == "granted_funder_year"]
    rows = engine.store.select(example.query)
    totals = {(str(r["funder"]), str(r["year"])): float(str(r["granted"])) for r in rows}
    # The grant without a funder is not counted; the other is counted once, in its year.
    assert totals == {("Sosiaali- ja terveysministeriö", "2016"): 2500000.0}
