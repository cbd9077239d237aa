"""Precision and recall of extraction over our own fixture documents.

Each ``tests/graph/documents/NAME.{txt,md,html,json}`` has a
``NAME.expected.json`` with the facts a careful reader takes from it. The test
prints precision and recall per category and fails below precision 0.9 or
recall 0.85 for organisations (by role), places, dates and funders.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from rdflib import URIRef

from graph.extract import Extractor
from graph.iris import Iris
from graph.link.linker import Linker
from graph.load.loader import load_document
from graph.model import Extraction
from graph.vocab import HK, ORG_ROLES, SCHEMA

DOCUMENTS_DIR = Path(__file__).resolve().parent / "documents"

GATED = ("organisations", "places", "dates", "funders")
MIN_PRECISION = 0.9
MIN_RECALL = 0.85


def _fixtures() -> list[Path]:
    return sorted(
        p
        for p in DOCUMENTS_DIR.iterdir()
        if p.suffix in {".txt", ".md", ".html", ".json"}
        and not p.name.endswith(".expected.json")
        and p.with_name(p.stem + ".expected.json").exists()
    )


def _org_iri(name: str, linker: Linker, iris: Iris) -> URIRef:
    if name.startswith("key:"):
        link = linker.organisation(name[4:])
        assert link is not None, name
        return link.iri
    link = linker.link_organisation(name)
    return link.iri if link is not None else iris.organisation(name)


def _expected(expected: dict[str, Any], linker: Linker, iris: Iris) -> dict[str, set[Any]]:
    out: dict[str, set[Any]] = defaultdict(set)
    for role, names in expected.get("organisations", {}).items():
        for name in names:
            iri = _org_iri(name, linker, iris)
            out["organisations"].add((role, iri))
            if role == "funder":
                out["funders"].add(iri)
    for key in expected.get("places", []):
        out["places"].add(iris.place(key))
    for key in ("start", "end"):
        if key in expected:
            out["dates"].add((key, expected[key]))
    for name in expected.get("persons", []):
        out["persons"].add(iris.person(name))
    for theme in expected.get("themes", []):
        out["themes"].add(URIRef(f"http://www.yso.fi/onto/yso/{theme}"))
    return out


def _found(extraction: Extraction) -> dict[str, set[Any]]:
    out: dict[str, set[Any]] = defaultdict(set)
    if not extraction.project_iris:
        return out
    project = extraction.project_iris[0]
    roles = {v: k for k, v in ORG_ROLES.items()}
    persons = {HK.responsiblePerson, HK.contactPerson, HK.person}
    for f in extraction.facts:
        if f.subject != project:
            continue
        if f.predicate in roles:
            out["organisations"].add((roles[f.predicate], f.object))
            if f.predicate == SCHEMA.funder:
                out["funders"].add(f.object)
        elif f.predicate == SCHEMA.areaServed:
            out["places"].add(f.object)
        elif f.predicate == SCHEMA.startDate:
            out["dates"].add(("start", str(f.object)))
        elif f.predicate == SCHEMA.endDate:
            out["dates"].add(("end", str(f.object)))
        elif f.predicate in persons:
            out["persons"].add(f.object)
        elif f.predicate == SCHEMA.about:
            out["themes"].add(f.object)
    # hk:participant is stated for every role (it is their superproperty): it
    # counts as a role of its own only for an organisation with no other role.
    roled = {o for r, o in out["organisations"] if r != "participant"}
    out["organisations"] = {
        (r, o) for r, o in out["organisations"] if r != "participant" or o not in roled
    }
    return out


@pytest.fixture(scope="module")
def results(
    extractor: Extractor, linker: Linker, iris: Iris
) -> list[tuple[str, dict, dict, Extraction]]:
    out = []
    for path in _fixtures():
        doc = load_document(path, max_bytes=5_000_000)
        extraction = extractor.extract(doc, iris.document(doc.sha256))
        expected = json.loads(path.with_name(path.stem + ".expected.json").read_text("utf-8"))
        out.append((path.name, _expected(expected, linker, iris), _found(extraction), extraction))
    return out


def test_there_are_at_least_twelve_fixtures() -> None:
    assert len(_fixtures()) >= 12


def test_every_fixture_yields_its_project(results: list) -> None:
    for name, _, _, extraction in results:
        assert extraction.project_iris, f"{name}: {extraction.warnings}"


def test_fixture_names(results: list, iris: Iris) -> None:
    for name, _, _, extraction in results:
        expected = json.loads(
            (DOCUMENTS_DIR / name).with_name(Path(name).stem + ".expected.json").read_text("utf-8")
        )
        names = {
            (str(f.object), f.object.language)  # type: ignore[union-attr]
            for f in extraction.facts
            if f.subject == extraction.project_iris[0] and f.predicate == SCHEMA.name
        }
        assert (expected["name"], expected.get("name_lang", "fi")) in names, (name, names)
        if "name_en" in expected:
            assert (expected["name_en"], "en") in names, (name, names)


def test_precision_and_recall(results: list) -> None:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, found, expected
    for name, expected, found, _ in results:
        for category in (*GATED, "persons", "themes"):
            exp, got = expected.get(category, set()), found.get(category, set())
            tp = len(exp & got)
            t = totals[category]
            t[0] += tp
            # Themes: the expected list is a must-have subset, so only recall counts.
            t[1] += len(got) if category != "themes" else tp
            t[2] += len(exp)
            missing, extra = exp - got, got - exp
            if category != "themes" and (missing or extra):
                print(
                    f"{name} {category}: missing={sorted(map(str, missing))} extra={sorted(map(str, extra))}"
                )
            elif category == "themes" and missing:
                print(f"{name} themes missing: {sorted(map(str, missing))}")
    failures = []
    print()
    for category, (tp, n_found, n_expected) in totals.items():
        precision = tp / n_found if n_found else 1.0
        recall = tp / n_expected if n_expected else 1.0
        print(
            f"{category:14s} precision {precision:.3f}  recall {recall:.3f}  ({tp}/{n_found}/{n_expected})"
        )
        if category in GATED and (precision < MIN_PRECISION or recall < MIN_RECALL):
            failures.append(f"{category}: P={precision:.2f} R={recall:.2f}")
    assert not failures, failures


def test_every_evidence_quotes_the_text(results: list) -> None:
    for _, _, _, extraction in results:
        text = extraction.document.text
        for f in extraction.facts:
            if f.evidence is not None:
                assert text[f.evidence.start : f.evidence.end] == f.evidence.quote


def test_document_without_project_gives_warning_and_entities(
    extractor: Extractor, iris: Iris
) -> None:
    doc = load_document(DOCUMENTS_DIR / "fi_no_project_news.txt", max_bytes=1_000_000)
    extraction = extractor.extract(doc, iris.document(doc.sha256))
    assert extraction.project_iris == []
    assert extraction.warnings
    mentioned = {f.object for f in extraction.facts if f.predicate == SCHEMA.mentions}
    assert iris.organisation("kuntaliitto") in mentioned
    assert iris.organisation("kela") in mentioned
