"""Related projects and the hkf:similarity SPARQL function."""

from __future__ import annotations

import pytest

from api import services
from api.engine import Engine
from graph.errors import NotFound

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
    rows = list(
        seeded_engine.store.query(
            SIMILARITY % text, custom_functions=seeded_engine.sparql_functions()
        )
    )
    assert len(rows) == 2
    assert rows[0]["name"].value.startswith(first)
    assert float(rows[0]["score"].value) > float(rows[1]["score"].value)
