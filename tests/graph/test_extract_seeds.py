"""The seed documents' facts (issue 3, section 2), checked on Extraction objects."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from graph.extract import Extractor
from graph.iris import Iris
from graph.load.loader import load_document
from graph.model import Extraction
from graph.vocab import HK, RDF, SCHEMA, XSD, YSO

SEEDS = Path(__file__).resolve().parents[2] / "data" / "seeds"
CHROME = {
    "Navigation",
    "Omat työkalut",
    "Siirry sisältöön",
    "Tietoa virtu.fi:stä",
    "Siirry navigointiin",
}


def _extract(extractor: Extractor, iris: Iris, name: str) -> Extraction:
    doc = load_document(SEEDS / name, max_bytes=5_000_000)
    return extractor.extract(doc, iris.document(doc.sha256))


@pytest.fixture(scope="module")
def k(extractor: Extractor, iris: Iris) -> Extraction:
    return _extract(extractor, iris, "000_8b420b4dcf17230b.txt")


@pytest.fixture(scope="module")
def r(extractor: Extractor, iris: Iris) -> Extraction:
    return _extract(extractor, iris, "004_d5e7818d900b0d72.txt")


def objects(x: Extraction, subject: URIRef, predicate: URIRef) -> set:
    return {f.object for f in x.facts if f.subject == subject and f.predicate == predicate}


def names_of(x: Extraction, node) -> set[str]:
    return {str(o) for o in objects(x, node, SCHEMA.name) | objects(x, node, SCHEMA.alternateName)}


def test_every_evidence_points_into_the_text(k: Extraction, r: Extraction) -> None:
    for x in (k, r):
        for f in x.facts:
            if f.evidence is not None:
                assert x.document.text[f.evidence.start : f.evidence.end] == f.evidence.quote
                assert f.evidence.extractor


# --- 000: Kuntoutussäätiö label/value page ----------------------------------


def test_k_project_names(k: Extraction) -> None:
    p = k.project_iris[0]
    names = objects(k, p, SCHEMA.name)
    assert (
        Literal(
            "Kolmannen ja julkisen sektorin palveluyhteistyö monitahoisessa kuntoutuksessa",
            lang="fi",
        )
        in names
    )
    assert any(
        n.language == "en" and n.startswith("Co-operation between non-governmental organizations")
        for n in names
    )
    assert {HK.Project, SCHEMA.Project} <= objects(k, p, RDF.type)


def test_k_dates_and_status(k: Extraction) -> None:
    p = k.project_iris[0]
    assert objects(k, p, SCHEMA.startDate) == {Literal("2010", datatype=XSD.gYear)}
    assert objects(k, p, SCHEMA.endDate) == {Literal("2013", datatype=XSD.gYear)}
    assert objects(k, p, HK.status) == {HK.StatusEnded}
    # the status comes from the end date, not from the page's filter words
    ev = next(f.evidence for f in k.facts if f.predicate == HK.status)
    assert ev is not None and "Päättynyt" not in ev.quote


def test_k_responsible_person(k: Extraction, iris: Iris) -> None:
    p = k.project_iris[0]
    person = iris.person("Pirjo Lehtoranta")
    assert objects(k, p, HK.responsiblePerson) == {person}
    assert SCHEMA.Person in objects(k, person, RDF.type)
    assert names_of(k, person) == {"Pirjo Lehtoranta"}


def test_k_funder_is_ray(k: Extraction, iris: Iris) -> None:
    assert objects(k, k.project_iris[0], SCHEMA.funder) == {iris.organisation("ray")}


def test_k_five_steering_group_members(k: Extraction, iris: Iris) -> None:
    members = objects(k, k.project_iris[0], HK.steeringGroupMember)
    expected = {
        iris.organisation(key)
        for key in ("kuntaliitto", "soste", "tem", "kela", "helsingin_yliopisto")
    }
    assert members == expected


def test_k_no_empty_label_values(k: Extraction) -> None:
    p = k.project_iris[0]
    assert not objects(k, p, HK.coordinator)
    assert not objects(k, p, HK.partner)


def test_k_site_organisation_is_the_implementer(k: Extraction, iris: Iris) -> None:
    """Issue 12: "Vastuuhenkilö Kuntoutussäätiössä" names the organisation that runs
    the project; Kuntoutussäätiö was only a theme."""
    p = k.project_iris[0]
    assert set(objects(k, p, HK.implementer)) == {iris.organisation("kuntoutussaatio")}
    assert iris.organisation("kuntoutussaatio") in set(objects(k, p, HK.participant))
    for f in k.facts:
        if f.predicate == SCHEMA.name:
            assert "Toteuttaja" not in str(f.object)


def test_k_area_served(k: Extraction, iris: Iris) -> None:
    areas = objects(k, k.project_iris[0], SCHEMA.areaServed)
    assert areas & {iris.place("179"), iris.place("subregion-131")}
    assert iris.place("kuuma") in areas


@pytest.mark.parametrize(
    "themes",
    [
        ["p3320"],
        ["p12878"],
        ["p979"],
        ["p6206", "p21257"],
        ["p7913"],
        ["p29599"],
        ["p1393", "p6901"],
    ],
)
def test_k_themes(k: Extraction, themes: list[str]) -> None:
    about = objects(k, k.project_iris[0], SCHEMA.about)
    assert about & {YSO[t] for t in themes}


def test_k_publications(k: Extraction) -> None:
    works = objects(k, k.project_iris[0], SCHEMA.subjectOf)
    titles = {n for w in works for n in names_of(k, w)}
    assert {
        "Kuntoutus 1/2014",
        "Kunnallistieteellinen aikakauskirja 1/2014",
        "Kuntoutus 2/2014",
        "Professional-supported peer action in drug rehabilitation",
    } <= titles
    for w in works:
        assert SCHEMA.CreativeWork in objects(k, w, RDF.type)


# --- 004: Innokylä / virtu.fi free-text page ----------------------------------


def test_r_title_is_clean(r: Extraction) -> None:
    names = {str(n) for n in objects(r, r.project_iris[0], SCHEMA.name)}
    assert names == {"Työikäisten kuntoutus (Rovaniemi)"}


def test_r_area_rovaniemi(r: Extraction, iris: Iris) -> None:
    assert iris.place("698") in objects(r, r.project_iris[0], SCHEMA.areaServed)


def test_r_part_of_pakaste2_and_related_savotta(r: Extraction, iris: Iris) -> None:
    p = r.project_iris[0]
    parents = objects(r, p, SCHEMA.isPartOf)
    assert any("PaKaste" in n for parent in parents for n in names_of(r, parent))
    related = objects(r, p, HK.relatedProject)
    savotta = [s for s in related if any("Savotta" in n for n in names_of(r, s))]
    assert savotta
    coordinators = objects(r, savotta[0], HK.coordinator)
    assert any("Lapin korkeakoulukonserni" in names_of(r, c) for c in coordinators)


def test_r_dates(r: Extraction) -> None:
    p = r.project_iris[0]
    assert objects(r, p, SCHEMA.startDate) == {Literal("2012-02-01", datatype=XSD.date)}
    assert objects(r, p, SCHEMA.endDate) == {Literal("2013-10-31", datatype=XSD.date)}
    assert objects(r, p, HK.status) == {HK.StatusEnded}


def test_r_pilot_event(r: Extraction) -> None:
    events = objects(r, r.project_iris[0], SCHEMA.event)
    starts = {str(d) for e in events for d in objects(r, e, SCHEMA.startDate)}
    ends = {str(d) for e in events for d in objects(r, e, SCHEMA.endDate)}
    assert "2013-01-08" in starts and "2013-10-31" in ends


def test_r_implementer_city_of_rovaniemi(r: Extraction) -> None:
    implementers = objects(r, r.project_iris[0], HK.implementer)
    assert any({"Rovaniemen kaupunki", "City of Rovaniemi"} & names_of(r, o) for o in implementers)


def test_r_persons(r: Extraction, iris: Iris) -> None:
    p = r.project_iris[0]
    linked = {
        f.object
        for f in r.facts
        if f.subject == p and f.predicate in (HK.person, HK.responsiblePerson, HK.contactPerson)
    }
    assert {iris.person("Anu Karjalainen"), iris.person("Lauri Sarviaho")} <= linked


def test_r_training_events(r: Extraction) -> None:
    events = {f.object for f in r.facts if f.predicate in (SCHEMA.event, SCHEMA.subEvent)}
    dates = {str(d) for e in events for d in objects(r, e, SCHEMA.startDate)}
    assert {"2013-08-28", "2013-09-04", "2013-09-25"} <= dates
    counts = {str(c) for e in events for c in objects(r, e, HK.participantCount)}
    assert "178" in counts
    for e in events:
        assert SCHEMA.Event in objects(r, e, RDF.type)


def test_r_target_group(r: Extraction) -> None:
    groups = {str(t) for t in objects(r, r.project_iris[0], HK.targetGroup)}
    assert any("toimeentulotukea saaneet" in g for g in groups)


@pytest.mark.parametrize(
    "themes",
    [["p3320"], ["p10214"], ["p10213"], ["p12588"], ["p943", "p4217"], ["p14073"], ["p3281"]],
)
def test_r_themes(r: Extraction, themes: list[str]) -> None:
    assert objects(r, r.project_iris[0], SCHEMA.about) & {YSO[t] for t in themes}


def test_r_no_chrome_or_dates_as_entities(r: Extraction) -> None:
    persons_places = {
        f.subject
        for f in r.facts
        if f.predicate == RDF.type
        and f.object in (SCHEMA.Person, SCHEMA.Place, SCHEMA.AdministrativeArea)
    }
    for f in r.facts:
        if f.predicate in (SCHEMA.name, SCHEMA.alternateName):
            assert str(f.object) not in CHROME
            assert "Omat työkalutTyö" not in str(f.object)
            if f.subject in persons_places:
                assert not re.fullmatch(r"[0-9.,\s–-]+", str(f.object))
