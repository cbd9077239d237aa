"""Reference data: the CSV loader and the reference graph it publishes."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from graph.iris import Iris
from graph.language.genitive import finnish_genitive
from graph.link.reference import Reference, load_reference
from graph.link.reference_graph import reference_graph
from graph.vocab import HK, OWL, RDF, SCHEMA, SKOS

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"
IRIS = Iris("http://localhost:8000/")


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference(REFERENCE_DIR)


@pytest.fixture(scope="module")
def graph(ref: Reference) -> Graph:
    return reference_graph(ref, IRIS)


def test_all_308_municipalities_with_three_digit_codes(ref: Reference) -> None:
    assert len(ref.municipalities) == 308
    assert all(len(code) == 3 and code.isdigit() for code in ref.municipalities)


def test_rovaniemi_is_698_in_lappi(ref: Reference, graph: Graph) -> None:
    rovaniemi = ref.municipalities["698"]
    assert rovaniemi.name_fi == "Rovaniemi"
    assert rovaniemi.region == "19"
    assert ref.groups["region-19"].names["fi"] == "Lappi"
    s = IRIS.place("698")
    assert (s, RDF.type, HK.Municipality) in graph
    assert (s, RDF.type, SCHEMA.AdministrativeArea) in graph
    assert (s, HK.municipalityCode, Literal("698")) in graph
    assert (s, SCHEMA.name, Literal("Rovaniemi", lang="fi")) in graph
    for parent in ("region-19", "subregion-191", "wellbeing-21"):
        assert (s, SCHEMA.containedInPlace, IRIS.place(parent)) in graph
        assert (IRIS.place(parent), SCHEMA.containsPlace, s) in graph


def test_municipality_links_to_yso_and_wikidata_where_given(graph: Graph) -> None:
    alajarvi = IRIS.place("005")
    assert (alajarvi, OWL.sameAs, URIRef("http://www.yso.fi/onto/yso/p94084")) in graph
    assert (alajarvi, OWL.sameAs, URIRef("http://www.wikidata.org/entity/Q5980")) in graph
    # Akaa has no YSO match in the reference: nothing invented
    assert not list(graph.objects(IRIS.place("020"), OWL.sameAs))


def test_kuuma_has_ten_members_including_kerava(ref: Reference, graph: Graph) -> None:
    kuuma = ref.groups["kuuma"]
    assert kuuma.kind == "group"
    assert len(kuuma.members) == 10
    assert "245" in kuuma.members  # Kerava
    s = IRIS.place("kuuma")
    assert (s, RDF.type, HK.MunicipalityGroup) in graph
    assert len(list(graph.objects(s, SCHEMA.containsPlace))) == 10


def test_group_kinds_and_counts(ref: Reference) -> None:
    assert len(ref.groups_of("region")) == 19
    assert len(ref.groups_of("subregion")) == 69
    assert len(ref.groups_of("wellbeing_county")) == 23
    jkl = ref.groups["subregion-131"]
    assert jkl.names["fi"] == "Jyväskylän seutukunta"
    assert "179" in jkl.members and "410" in jkl.members
    assert jkl.yso_place == "http://www.yso.fi/onto/yso/p151689"
    assert ref.groups["wellbeing-21"].names["en"] == "Lapland wellbeing services county"


def test_ray_successor_is_stea_both_ways(ref: Reference, graph: Graph) -> None:
    assert "stea" in ref.organisations["ray"].successors
    assert "ray" in ref.organisations["stea"].predecessors
    ray, stea = IRIS.organisation("ray"), IRIS.organisation("stea")
    assert (ray, HK.successor, stea) in graph
    assert (stea, HK.predecessor, ray) in graph


def test_history_note_without_succession_verb_links_nothing(ref: Reference) -> None:
    # "STEA operates in connection with STM" is not succession
    stm = ref.organisations["stm"]
    assert not stm.predecessors and not stm.successors
    # "grants funded from Veikkaus Oy proceeds" is not succession either
    assert "veikkaus" not in ref.organisations["stea"].predecessors


def test_hospital_districts_succeeded_by_wellbeing_counties(ref: Reference) -> None:
    assert ref.organisations["lapin_shp"].successors == ("wellbeing-21",)
    assert ref.organisations["keski_suomen_shp"].successors == ("wellbeing-15",)


def test_organisation_triples(graph: Graph) -> None:
    kela = IRIS.organisation("kela")
    assert (kela, RDF.type, SCHEMA.Organization) in graph
    assert (kela, SCHEMA.name, Literal("Kansaneläkelaitos", lang="fi")) in graph
    assert (kela, SCHEMA.alternateName, Literal("Kela")) in graph
    assert (kela, HK.businessId, Literal("0246246-0")) in graph
    # Wikidata only where the reference verified it
    assert not list(graph.objects(kela, OWL.sameAs))
    hy = IRIS.organisation("helsingin_yliopisto")
    assert (hy, OWL.sameAs, URIRef("http://www.wikidata.org/entity/Q28695")) in graph
    # grant phrases are for linking, not names of the organisation
    ray = IRIS.organisation("ray")
    assert (ray, SCHEMA.alternateName, Literal("RAY")) in graph
    assert (ray, SCHEMA.alternateName, Literal("RAY:n avustus")) not in graph


def test_theme_hierarchy(ref: Reference, graph: Graph) -> None:
    kuntoutus = URIRef("http://www.yso.fi/onto/yso/p3320")
    group = IRIS.theme("rehabilitation")
    assert (kuntoutus, RDF.type, SKOS.Concept) in graph
    assert (kuntoutus, SKOS.prefLabel, Literal("kuntoutus", lang="fi")) in graph
    assert (kuntoutus, SKOS.prefLabel, Literal("rehabilitation", lang="en")) in graph
    assert (kuntoutus, SKOS.broader, group) in graph
    assert (group, SKOS.narrower, kuntoutus) in graph
    assert (group, SKOS.prefLabel, Literal("Kuntoutus", lang="fi")) in graph
    assert (group, SKOS.inScheme, IRIS.theme("scheme")) in graph
    groups = set(graph.subjects(RDF.type, HK.ThemeGroup))
    assert len(groups) == len({t.local_theme for t in ref.themes})
    for g in groups:
        langs = {lbl.language for lbl in graph.objects(g, SKOS.prefLabel)}  # type: ignore[union-attr]
        assert {"fi", "en"} <= langs


@pytest.mark.parametrize(
    ("name", "genitive"),
    [
        ("Rovaniemi", "Rovaniemen"),
        ("Helsinki", "Helsingin"),
        ("Lahti", "Lahden"),
        ("Seinäjoki", "Seinäjoen"),
        ("Parainen", "Paraisten"),
        ("Kannus", "Kannuksen"),
        ("Heinävesi", "Heinäveden"),
        ("Lappi", "Lapin"),
        ("Keski-Suomi", "Keski-Suomen"),
    ],
)
def test_finnish_genitive(name: str, genitive: str) -> None:
    assert finnish_genitive(name) == genitive


def test_groups_within_one_region_lie_in_that_region(graph: Graph) -> None:
    """A project tagged only with KUUMA or a sub-region counts under its region."""
    for group, region in (("kuuma", "01"), ("subregion-131", "13"), ("wellbeing-21", "19")):
        assert (IRIS.place(group), SCHEMA.containedInPlace, IRIS.place(f"region-{region}")) in graph
    # A region is not inside itself, nor inside another region.
    assert not list(graph.objects(IRIS.place("region-19"), SCHEMA.containedInPlace))
