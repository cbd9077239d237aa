"""Related projects and the hkf:similarity SPARQL function."""

from __future__ import annotations

import math

import httpx
import pytest

from api import services
from api.engine import Engine
from graph.errors import NotFound
from search.related import _adamic_adar
from tests.conftest import LiveServer

pytestmark = pytest.mark.slow
ROVANIEMI_ID = "tyoikaisten-kuntoutus-rovaniemi"


def test_related_lists_the_other_seed_with_reasons(seeded_engine: Engine) -> None:
    response = services.related(seeded_engine, ROVANIEMI_ID)
    assert response.results
    top = response.results[0]
    assert top.name.startswith("Kolmannen ja julkisen sektorin")
    kinds = {r.kind for r in top.reasons}
    assert {"theme", "text"} <= kinds
    assert 0 < top.score <= 1 and 0 <= top.text <= 1 and 0 <= top.graph <= 1


def test_related_of_unknown_project_is_not_found(seeded_engine: Engine) -> None:
    with pytest.raises(NotFound):
        services.related(seeded_engine, "no-such-project")


SIMILARITY = """
SELECT ?name ?score WHERE {
  ?p a hk:Project ; schema:name ?name ; prov:wasDerivedFrom ?d .
  FILTER(LANG(?name) = "fi")
  BIND(hkf:similarity(?p, "%s") AS ?score)
} ORDER BY DESC(?score)"""


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("vertaistuki korvaushoidossa ja järjestöjen kuntoutusyhteistyö", "Kolmannen"),
        ("toimeentulotukiasiakkaiden työkyvyn arviointi Rovaniemellä", "Työikäisten"),
    ],
)
def test_similarity_function_ranks_seed_projects(
    seeded_engine: Engine, text: str, first: str
) -> None:
    rows = seeded_engine.store.select(
        SIMILARITY % text, custom_functions=seeded_engine.sparql_functions()
    )
    assert len(rows) == 2
    assert str(rows[0]["name"]).startswith(first)
    assert float(str(rows[0]["score"])) > float(str(rows[1]["score"]))


def test_similarity_function_over_http(live_server: LiveServer) -> None:
    query = (
        "PREFIX schema: <https://schema.org/>\n" + SIMILARITY % "työkyvyn arviointi toimeentulotuki"
    )
    response = httpx.post(
        f"{live_server.url}/sparql",
        content=query,
        headers={
            "Content-Type": "application/sparql-query",
            "Accept": "application/sparql-results+json",
        },
        timeout=120,
    )
    assert response.status_code == 200, response.text
    rows = response.json()["results"]["bindings"]
    assert rows[0]["name"]["value"].startswith("Työikäisten")
    assert float(rows[0]["score"]["value"]) > float(rows[1]["score"]["value"])


def test_shared_place_hierarchy_counts_once() -> None:
    """A shared municipality is also a shared region: count the rarest, not all."""
    degree = {
        ("place", "oulu"): 2,
        ("place", "region-17"): 5,
        ("theme", "http://x/id/theme/health"): 9,
        ("theme", "http://www.yso.fi/onto/yso/p1"): 3,
        ("funder", "ray"): 4,
    }
    shared = list(degree)
    expected = 1 / math.log(2) + 1 / math.log(9) + 1 / math.log(3) + 1 / math.log(4)
    assert _adamic_adar(shared, degree) == pytest.approx(expected)
