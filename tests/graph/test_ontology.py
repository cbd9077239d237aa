"""The ontology, the SHACL shapes and the JSON-LD context."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import XSD

from graph.iris import Iris
from graph.link.reference import load_reference
from graph.link.reference_graph import reference_graph
from graph.validate import ONTOLOGY_PATH, SHAPES_PATH, validate
from graph.vocab import HK, PROV, RDF, RDFS, SCHEMA

ROOT = Path(__file__).resolve().parents[2]
IRIS = Iris("http://localhost:8000/")
CONTEXT = ROOT / "ontology" / "context.jsonld"


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_PATH, format="turtle")


@pytest.fixture(scope="module")
def reference() -> Graph:
    return reference_graph(load_reference(ROOT / "data" / "reference"), IRIS)


def _hk_terms_in_code() -> set[str]:
    terms: set[str] = set()
    for package in ("graph", "search", "api"):
        for path in (ROOT / package).rglob("*.py"):
            terms.update(re.findall(r"\bHK\.([A-Za-z_][A-Za-z0-9_]*)", path.read_text()))
    return terms


def _hk_terms_in_turtle(path: Path) -> set[str]:
    return set(re.findall(r"\bhk:([A-Za-z_][A-Za-z0-9_]*)", path.read_text()))


def test_every_hk_term_is_declared_with_fi_and_en_labels_and_comments(ontology: Graph) -> None:
    terms = (
        _hk_terms_in_code() | _hk_terms_in_turtle(ONTOLOGY_PATH) | _hk_terms_in_turtle(SHAPES_PATH)
    )
    assert {"Project", "Evidence", "municipalityCode", "successor"} <= terms
    missing = []
    for term in sorted(terms):
        iri = HK[term]
        labels = {
            lbl.language for lbl in ontology.objects(iri, RDFS.label) if isinstance(lbl, Literal)
        }
        comments = {
            c.language for c in ontology.objects(iri, RDFS.comment) if isinstance(c, Literal)
        }
        if not ({"fi", "en"} <= labels and {"fi", "en"} <= comments):
            missing.append(term)
    assert missing == []


def test_context_maps_used_terms(ontology: Graph) -> None:
    context = json.loads(CONTEXT.read_text())["@context"]
    assert context["hk"] == str(HK)
    assert context["schema"] == str(SCHEMA)
    values = {v["@id"] if isinstance(v, dict) else v for v in context.values()}
    for term in (
        "hk:municipalityCode",
        "hk:quote",
        "schema:areaServed",
        "prov:wasDerivedFrom",
        "skos:prefLabel",
    ):
        assert term in values


def test_reference_graph_conforms(reference: Graph) -> None:
    report = validate(reference)
    assert report.violations == []
    assert report.conforms


def _project_graph(valid: bool) -> Graph:
    g = Graph()
    doc = IRIS.document("a" * 64)
    project = IRIS.project("Testihanke")
    g.add((doc, RDF.type, PROV.Entity))
    g.add((doc, RDF.type, SCHEMA.WebPage))
    g.add((doc, HK.sha256, Literal("a" * 64)))
    g.add((doc, HK.path, Literal("testi.txt")))
    g.add((doc, SCHEMA.inLanguage, Literal("fi")))
    g.add((doc, PROV.generatedAtTime, Literal("2026-11-01T10:00:00+00:00", datatype=XSD.dateTime)))
    g.add((project, RDF.type, HK.Project))
    g.add((project, RDF.type, SCHEMA.Project))
    g.add((project, SCHEMA.funder, IRIS.organisation("ray")))
    g.add((project, SCHEMA.areaServed, IRIS.place("698")))
    g.add((project, HK.status, HK.StatusEnded))
    ev = URIRef(f"{doc}#ev-1")
    g.add((ev, RDF.type, HK.Evidence))
    g.add((ev, RDF.type, RDF.Statement))
    g.add((ev, RDF.subject, project))
    g.add((ev, RDF.predicate, SCHEMA.funder))
    g.add((ev, RDF.object, IRIS.organisation("ray")))
    g.add((ev, HK.quote, Literal("Raha-automaattiyhdistys (RAY)")))
    g.add((ev, HK.extractor, Literal("rule:label-value")))
    g.add((ev, PROV.wasDerivedFrom, doc))
    if valid:
        g.add((project, SCHEMA.name, Literal("Testihanke", lang="fi")))
        g.add((project, SCHEMA.startDate, Literal("2010", datatype=XSD.gYear)))
        g.add((project, SCHEMA.endDate, Literal("2013-10-31", datatype=XSD.date)))
        g.add((project, PROV.wasDerivedFrom, doc))
        g.add((ev, HK.startOffset, Literal(10, datatype=XSD.integer)))
        g.add((ev, HK.endOffset, Literal(39, datatype=XSD.integer)))
    else:
        g.add((project, SCHEMA.name, Literal("Testihanke")))  # no language tag
        g.add((project, SCHEMA.startDate, Literal("2010")))  # a plain string
        g.add((project, HK.coordinator, IRIS.organisation("nobody")))  # not an organisation
        g.add((ev, HK.startOffset, Literal(40, datatype=XSD.integer)))  # after the end
        g.add((ev, HK.endOffset, Literal(-1, datatype=XSD.integer)))
    return g


def test_valid_project_in_a_dataset_with_the_reference_conforms(reference: Graph) -> None:
    ds = Dataset()
    ds.graph(IRIS.graph("reference")).__iadd__(reference)
    ds.graph(IRIS.document("a" * 64)).__iadd__(_project_graph(valid=True))
    report = validate(ds)
    assert report.violations == []


def test_broken_project_gives_violations(reference: Graph) -> None:
    report = validate(reference + _project_graph(valid=False))
    assert not report.conforms
    project = str(IRIS.project("Testihanke"))
    paths = {(v.focus, v.path) for v in report.violations}
    assert (project, str(SCHEMA.name)) in paths
    assert (project, str(SCHEMA.startDate)) in paths
    assert (project, str(PROV.wasDerivedFrom)) in paths
    assert (project, str(HK.coordinator)) in paths
    ev = f"{IRIS.document('a' * 64)}#ev-1"
    assert (ev, str(HK.startOffset)) in paths
    assert (ev, str(HK.endOffset)) in paths
