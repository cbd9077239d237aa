"""The seed documents' facts (``seed_facts.rq``, from the acceptance suite) over the
graph that ingest builds, and SHACL validation of that graph."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph

from api.engine import Engine
from graph.build import document_graph
from graph.extract import Extractor
from graph.iris import Iris
from graph.link.reference import Reference
from graph.link.reference_graph import reference_graph
from graph.load.loader import load_document
from graph.validate import validate
from tests.graph.conftest import DOCUMENTS_DIR

pytestmark = pytest.mark.slow

RQ = Path(__file__).with_name("seed_facts.rq")


def blocks() -> list[tuple[str, str, str]]:
    """(title, query, expectation) for every block of the acceptance file."""
    text = RQ.read_text(encoding="utf-8")
    prefixes = "\n".join(line for line in text.splitlines() if line.startswith("PREFIX"))
    out = []
    for chunk in re.split(r"\n(?=# )", text):
        lines = chunk.strip().splitlines()
        if not lines or not lines[0].startswith("# ") or len(lines) < 2:
            continue
        body = "\n".join(lines[1:]).strip()
        if not body.startswith(("ASK", "SELECT")):
            continue
        query, _, comment = body.partition("  # ")
        out.append((lines[0][2:], f"{prefixes}\n{query}", comment.strip() or "true"))
    return out


BLOCKS = blocks()


def test_the_file_has_every_block() -> None:
    assert len(BLOCKS) >= 45


@pytest.mark.parametrize(("title", "query", "expect"), BLOCKS, ids=[b[0] for b in BLOCKS])
def test_seed_fact(seeded_engine: Engine, title: str, query: str, expect: str) -> None:
    if query.lstrip().split("\n")[-1].startswith("SELECT") or "SELECT (COUNT" in query:
        value = int(str(seeded_engine.store.select(query)[0]["n"]))
        if "must be 5" in expect:
            assert value == 5, title
        elif "must be >= 3" in expect:
            assert value >= 3, title
        else:
            pytest.fail(f"unknown expectation {expect!r}")
    elif "must be false" in expect:
        assert not seeded_engine.store.ask(query), title
    else:
        assert seeded_engine.store.ask(query), title


def test_seed_graph_conforms_to_the_shapes(seeded_engine: Engine) -> None:
    report = validate(seeded_engine.store.construct("CONSTRUCT WHERE { ?s ?p ?o }"))
    assert report.conforms, report.text[:3000]


def test_fixture_graphs_conform_to_the_shapes(
    extractor: Extractor, reference: Reference, iris: Iris
) -> None:
    """Every fixture document's graph, with the reference data it links to, has zero violations."""
    data = Graph()
    data += reference_graph(reference, iris)
    for path in sorted(DOCUMENTS_DIR.iterdir()):
        if path.name.endswith(".expected.json"):
            continue
        document = load_document(path, max_bytes=5_000_000)
        extraction = extractor.extract(document, iris.document(document.sha256))
        data += document_graph(extraction)
    report = validate(data)
    assert report.conforms, report.text[:3000]
