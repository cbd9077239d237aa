"""One write path: a SPARQL Update keeps the union, the search index's derived
tables and the index itself coherent, without a restart (issue 11, item 1).

Each test names the defect it guards against. The module shares one engine over
the seed documents; the destructive tests (DROP GRAPH, CLEAR ALL) run last.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api import services
from api.engine import Engine
from graph.errors import NotFound, QueryError
from graph.views.projects import project_view
from graph.vocab import SCHEMA
from search.filters import Filters
from tests.conftest import ROVANIEMI, SEEDS, make_settings

FUNDER = "http://localhost:8000/id/organisation/update-test-funder"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = Engine(make_settings(tmp_path_factory.mktemp("update-home")))
    assert not engine.ingest_paths([SEEDS]).failed
    yield engine
    engine.close()


def _rovaniemi(engine: Engine) -> tuple[str, str]:
    """(project IRI, the IRI of the document graph that states it)."""
    row = engine.store.select(
        f"""SELECT ?p ?d WHERE {{ GRAPH ?d {{ ?p <{SCHEMA.name}> "{ROVANIEMI}"@fi }} }}"""
    )[0]
    return str(row["p"]), str(row["d"])


def _hits(engine: Engine, filters: Filters | None = None) -> set[str]:
    response = services.search(engine, "kuntoutus", k=20, filters=filters)
    return {hit.iri for hit in response.results}


def _triples(engine: Engine) -> int:
    return int(str(engine.store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]))


def test_insert_data_into_a_document_graph_shows_on_the_page_and_in_filters(
    engine: Engine,
) -> None:
    """Regression: INSERT DATA into a document graph was invisible in the default
    graph, the project page and the funder filter until a restart."""
    project, document = _rovaniemi(engine)
    assert project not in _hits(engine, Filters(funders=(FUNDER,)))
    engine.apply_update(
        f"""INSERT DATA {{ GRAPH <{document}> {{
              <{project}> <{SCHEMA.alternateName}> "Päivitetty nimi"@fi ;
                          <{SCHEMA.funder}> <{FUNDER}> . }} }}"""
    )
    view = project_view(engine.store, project)
    assert FUNDER in {ref.iri for ref in view.roles["funder"]}
    assert engine.store.ask(f'ASK {{ <{project}> <{SCHEMA.alternateName}> "Päivitetty nimi"@fi }}')
    assert project in _hits(engine, Filters(funders=(FUNDER,)))


def test_insert_data_without_graph_is_refused_and_changes_nothing(engine: Engine) -> None:
    """Regression: INSERT DATA with no GRAPH went into the default graph only."""
    project, _ = _rovaniemi(engine)
    before = _triples(engine)
    with pytest.raises(QueryError, match="union"):
        engine.apply_update(f'INSERT DATA {{ <{project}> <{SCHEMA.name}> "Orpo"@fi }}')
    assert _triples(engine) == before


def test_delete_where_in_a_document_graph_leaves_the_filter(engine: Engine) -> None:
    """Regression: a funder deleted from its graph stayed in the default graph and
    in the funder filter until a restart."""
    project, document = _rovaniemi(engine)
    engine.apply_update(
        f"DELETE WHERE {{ GRAPH <{document}> {{ <{project}> <{SCHEMA.funder}> <{FUNDER}> }} }}"
    )
    assert not engine.store.ask(f"ASK {{ <{project}> <{SCHEMA.funder}> <{FUNDER}> }}")
    assert project not in _hits(engine, Filters(funders=(FUNDER,)))


def test_a_renamed_project_shows_its_new_name_in_search(engine: Engine) -> None:
    """Search remembers result names per data version: an update must still show."""
    project, document = _rovaniemi(engine)

    def shown() -> str:
        response = services.search(engine, ROVANIEMI, k=20)
        return next(hit.name for hit in response.results if hit.iri == project)

    assert shown() == ROVANIEMI  # remembered from here on
    engine.apply_update(
        f"""DELETE DATA {{ GRAPH <{document}> {{ <{project}> <{SCHEMA.name}> "{ROVANIEMI}"@fi }} }} ;
        INSERT DATA {{ GRAPH <{document}> {{ <{project}> <{SCHEMA.name}> "Uusi nimi"@fi }} }}"""
    )
    try:
        assert shown() == "Uusi nimi"
    finally:
        engine.apply_update(
            f"""DELETE DATA {{ GRAPH <{document}> {{ <{project}> <{SCHEMA.name}> "Uusi nimi"@fi }} }} ;
            INSERT DATA {{ GRAPH <{document}> {{ <{project}> <{SCHEMA.name}> "{ROVANIEMI}"@fi }} }}"""
        )


def test_an_update_that_fails_halfway_changes_nothing(engine: Engine) -> None:
    project, document = _rovaniemi(engine)
    before = _triples(engine)
    documents = dict(engine.snapshot.manifest.documents) if engine.snapshot else {}
    with pytest.raises(QueryError):
        engine.apply_update(
            f"""DROP GRAPH <{document}> ;
            INSERT DATA {{ GRAPH <{document}> {{ <{project}> <{SCHEMA.name}> "x"@fi }} }} ;
            CREATE GRAPH <{document}>"""
        )
    assert _triples(engine) == before
    assert engine.snapshot is not None and dict(engine.snapshot.manifest.documents) == documents
    assert project in _hits(engine)


def test_drop_graph_takes_the_document_out_of_graph_and_index(engine: Engine) -> None:
    """Regression: DROP GRAPH <document> left its triples in the default graph, the
    project page and the document count."""
    project, document = _rovaniemi(engine)
    engine.apply_update(f"DROP GRAPH <{document}>")
    assert engine.snapshot is not None
    assert document not in engine.snapshot.manifest.documents
    assert project not in _hits(engine)
    with pytest.raises(NotFound):
        services.project(engine, project)


def test_clear_all_empties_search_and_pages(engine: Engine) -> None:
    """Regression: after CLEAR ALL search still returned projects, with facets,
    whose pages were 404."""
    engine.apply_update("CLEAR ALL")
    assert _triples(engine) == 0
    assert _hits(engine) == set()
    assert engine.snapshot is not None and not engine.snapshot.manifest.documents
