"""Money in search: the amount-range filter and the granted sums of the funder and
place facets, through ``/api/search``, the search page and ``hankekg search``, over
pages written for these tests that state grants and budgets."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api import cli, cli_query, services
from api.app import create_app
from api.cli_remote import Remote
from api.engine import Engine
from api.results_export import MONEY_COLUMNS
from api.schemas import ExportRow
from api.ui_search import SearchState, search_context
from search.money_filter import AmountRange, ProjectSums, amount_range, granted_by
from tests.conftest import LiveServer, make_settings

PAGES = {
    "iso.txt": """URL: https://example.org/iso
TITLE: Vahva koti

Vahva koti -hanke kehittää ikääntyneiden kotikuntoutusta Oulussa.
Hanketta rahoittaa sosiaali- ja terveysministeriö.
Vahva koti -hankkeelle on myönnetty 2,5 miljoonan euron valtionosuus vuosille 2016–2018.
Kuntoutuksen ammattilaiset ja kotihoito tekevät yhteistyötä, jotta ikääntyneet asuvat kotona.
""",
    "pieni.txt": """URL: https://example.org/pieni
TITLE: Liikkuen kotona

Liikkuen kotona -hanke tukee ikääntyneiden liikkumista ja kotikuntoutusta Oulussa.
Hanketta rahoittaa sosiaali- ja terveysministeriö.
Liikkuen kotona -hankkeelle on myönnetty 300 000 euron valtionosuus vuosille 2017–2018.
""",
    "luokka.txt": """URL: https://example.org/luokka
TITLE: Arjen kuntoutus

Arjen kuntoutus -hanke kehittää ikääntyneiden kotikuntoutusta Tampereella.

Budjettiluokka

100 000–500 000 euroa
""",
    "tyhja.txt": """URL: https://example.org/tyhja
TITLE: Kotikuntoutuksen verkosto

Kotikuntoutuksen verkosto -hanke kokoaa ikääntyneiden kotikuntoutuksen toimijat Tampereella.
""",
}
QUERY = "ikääntyneiden kotikuntoutus"

# One engine ingesting four pages: about 30 s on two cores.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    pages = tmp_path_factory.mktemp("money-pages")
    for name, text in PAGES.items():
        (pages / name).write_text(text, encoding="utf-8")
    engine = Engine(make_settings(tmp_path_factory.mktemp("money-search-home")))
    report = engine.ingest_paths([pages])
    assert not report.failed, report.failed
    yield engine
    engine.close()


def names(engine: Engine, **kwargs: object) -> set[str]:
    """The (Finnish) names of every project a filter-only browse answers with."""
    run = services.run_search(engine, "", k=services.MAX_K, **kwargs)  # type: ignore[arg-type]
    return {h.name for h in run.response.results}


def test_the_money_table_reads_grants_then_budgets(engine: Engine) -> None:
    sums = {p.rsplit("/", 1)[-1]: (s.basis, s.interval) for p, s in engine.money_table().items()}
    grants = {k: v for k, v in sums.items() if v[0] == "granted"}
    assert sorted(v[1][0] for v in grants.values()) == [Decimal(300000), Decimal(2500000)]
    budgets = [v for v in sums.values() if v[0] == "budget"]
    assert budgets == [("budget", (Decimal(100000), Decimal(500000)))]


def test_the_amount_range_narrows_the_answer(engine: Engine) -> None:
    everyone = names(engine, amount=AmountRange(Decimal(0)))
    assert len(everyone) == 3, "the page with no sum never passes a range"
    big = names(engine, amount=AmountRange(Decimal(1_000_000)))
    assert big == {n for n in everyone if n.startswith("Vahva koti")}
    small = names(engine, amount=AmountRange(None, Decimal(600_000)))
    assert len(small) == 2 and not small & big
    # A budget class passes only when it lies wholly in the range.
    assert not any(
        n.startswith("Arjen") for n in names(engine, amount=AmountRange(Decimal(200_000)))
    )
    assert any(
        n.startswith("Arjen")
        for n in names(engine, amount=AmountRange(Decimal(100_000), Decimal(500_000)))
    )


def test_the_api_filters_echoes_and_sums(engine: Engine) -> None:
    with TestClient(create_app(engine.settings, engine=engine)) as client:
        body = client.get("/api/search", params={"q": QUERY, "amount_min": 1_000_000}).json()
        plain = client.get("/api/search", params={"q": QUERY, "match": "broad"}).json()
        bad = client.get("/api/search", params={"q": QUERY, "amount_min": -1})
        csv_rows = client.get(
            "/api/search", params={"q": QUERY, "amount_max": 600_000, "format": "records"}
        ).json()
    assert body["filters"]["amount_min"] == 1_000_000
    assert body["filters"]["amount_max"] is None
    assert body["filters"]["amount_basis"] == "granted_else_budget"
    assert body["total"] == len(body["results"]) == 1
    assert body["results"][0]["name"].startswith("Vahva koti")
    assert plain["filters"]["amount_basis"] is None
    assert bad.status_code == 422
    # The records export carries the money columns the CSV has.
    assert set(MONEY_COLUMNS) <= set(ExportRow.model_fields)
    assert sorted(r["granted_eur"] or r["budget_max_eur"] for r in csv_rows) == [
        "300000",
        "500000",
    ]
    # Facet sums over the answer: the ministry granted both grants of the broad answer.
    funders = {v["label"]: v.get("granted_eur") for v in plain["facets"]["funder"]}
    assert funders["Sosiaali- ja terveysministeriö"] == 2_800_000
    places = {v["label"]: v.get("granted_eur") for v in plain["facets"]["place"]}
    assert places["Oulu"] == 2_800_000
    assert places.get("Tampere") is None, "no grant is stated in Tampere"
    # Over a narrowed answer the sums shrink with it.
    narrowed = {v["label"]: v.get("granted_eur") for v in body["facets"]["funder"]}
    assert narrowed["Sosiaali- ja terveysministeriö"] == 2_500_000


def test_the_search_page_has_the_form_the_chip_and_the_sums(engine: Engine) -> None:
    state = SearchState(q=QUERY, match="broad", amount_max="600000")
    context = search_context(engine, state, "fi")
    assert context["total"] == 2
    sparql = parse_qs(urlsplit(context["sparql_href"]).query)["query"][0]
    listed = re.findall(r"\(<([^>]+)> \d+\)", sparql)
    assert sorted(listed) == sorted(h["hit"].iri for h in context["hits"])
    assert "amount_max=600000" in context["exports"]["csv"]
    with TestClient(create_app(engine.settings, engine=engine)) as client:
        page = client.get("/", params={"q": QUERY, "match": "broad", "lang": "fi"}).text
        narrowed = client.get("/", params={"q": QUERY, "amount_min": "1000000"}).text
        refused = client.get("/", params={"q": QUERY, "amount_min": "lots"})
    assert 'id="amount_min"' in page and 'name="amount_max"' in page
    assert "myönnetty 2\u00a0800\u00a0000\u00a0€" in page
    assert 'data-facet="amount"' in narrowed and "1\u00a0000\u00a0000\u00a0€–…" in narrowed
    assert "Liikkuen kotona" not in narrowed.split('id="filters-h"')[0]
    assert refused.status_code == 422


def test_the_cli_takes_the_range(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    @contextmanager
    def opened(command: str, read: bool = True) -> Iterator[Engine]:
        yield engine  # the module's engine, so no second copy of the models loads

    monkeypatch.setattr(cli_query, "open_engine", opened)
    monkeypatch.setattr(cli_query, "server_for", lambda command: None)
    done = CliRunner().invoke(cli.app, ["search", QUERY, "--json", "--amount-max", "600000"])
    assert done.exit_code == 0, done.output
    body = json.loads(done.stdout)
    assert body["filters"]["amount_max"] == 600000
    assert body["filters"]["amount_basis"] == "granted_else_budget"
    assert len(body["results"]) == 2
    refused = CliRunner().invoke(cli.app, ["search", QUERY, "--amount-min", "-5"])
    assert refused.exit_code == 2


def test_the_cli_sends_the_range_to_a_running_server(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LiveServer(engine) as server:
        monkeypatch.setattr(
            cli_query, "server_for", lambda command: Remote(server.url, os.getpid())
        )
        done = CliRunner().invoke(cli.app, ["search", QUERY, "--json", "--amount-min", "1e6"])
    assert done.exit_code == 0, done.output
    body = json.loads(done.stdout)
    assert body["filters"]["amount_min"] == 1_000_000
    assert len(body["results"]) == 1 and body["results"][0]["name"].startswith("Vahva koti")


def test_unit_rules() -> None:
    assert amount_range("", None).is_empty()
    assert amount_range("1 000,5", 2e6) == AmountRange(Decimal("1000.5"), Decimal("2000000.0"))
    with pytest.raises(ValueError, match="not an amount"):
        amount_range("nan", None)
    one = ProjectSums(granted=Decimal(10), grants=[(None, Decimal(10))])
    two = ProjectSums(granted=Decimal(5), grants=[("F", Decimal(2)), ("G", Decimal(3))])
    pairs = {"a": [("funder", "F"), ("place", "P")], "b": [("funder", "F"), ("place", "P")]}
    sums = granted_by({"a": one, "b": two}, ["a", "b"], lambda k: pairs[k])
    assert sums["funder"] == {"F": Decimal(12), "G": Decimal(3)}
    assert sums["place"] == {"P": Decimal(15)}
