"""The reference data as RDF, for the named graph ``graph/reference``: municipalities,
regional groupings, organisations and YSO themes, with their names in fi/sv/en, their
containment and their links to YSO and Wikidata."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef

from graph.iris import Iris, slugify
from graph.link.reference import ORG_TYPE_CLASSES, THEME_LABELS, YSO_SCHEME, PlaceGroup, Reference
from graph.vocab import DCTERMS, HK, OWL, PREFIXES, RDF, RDFS, SCHEMA, SKOS, XSD


def _lit(text: str, lang: str) -> Literal:
    return Literal(text, lang=lang)


def reference_graph(ref: Reference, iris: Iris) -> Graph:
    """All reference triples, for the named graph ``iris.graph("reference")``."""
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    _add_places(g, ref, iris)
    _add_organisations(g, ref, iris)
    _add_themes(g, ref, iris)
    return g


GRAPH_REVISION = "2"
"""Bumped whenever :func:`reference_graph` builds a different graph from the same files,
so stores loaded by an older version reload their reference graph."""

_GROUP_CLASS = {
    "region": HK.Region,
    "subregion": HK.SubRegion,
    "wellbeing_county": HK.WellbeingServicesCounty,
    "group": HK.MunicipalityGroup,
    "area": HK.Area,
    "country": HK.Area,
}


def _common_region(ref: Reference, group: PlaceGroup) -> str | None:
    """The region (maakunta) code all members of a non-region group lie in, if one."""
    if group.kind == "region":
        return None
    regions = {ref.municipalities[c].region for c in group.members if c in ref.municipalities}
    return regions.pop() if len(regions) == 1 else None


def _add_places(g: Graph, ref: Reference, iris: Iris) -> None:
    for m in ref.municipalities.values():
        s = iris.place(m.code)
        g.add((s, RDF.type, HK.Municipality))
        g.add((s, RDF.type, SCHEMA.AdministrativeArea))
        g.add((s, SCHEMA.name, _lit(m.name_fi, "fi")))
        g.add((s, SCHEMA.name, _lit(m.name_sv, "sv")))
        g.add((s, SCHEMA.name, _lit(m.name_en, "en")))
        g.add((s, RDFS.label, _lit(m.name_fi, "fi")))
        g.add((s, HK.municipalityCode, Literal(m.code)))
        for parent in (
            f"region-{m.region}",
            f"subregion-{m.subregion}",
            f"wellbeing-{m.wellbeing_county}",
        ):
            g.add((s, SCHEMA.containedInPlace, iris.place(parent)))
        if m.yso_place:
            g.add((s, OWL.sameAs, URIRef(m.yso_place)))
        if m.wikidata:
            g.add((s, OWL.sameAs, URIRef(m.wikidata)))
    for group in ref.groups.values():
        s = iris.place(group.key)
        g.add((s, RDF.type, _GROUP_CLASS[group.kind]))
        g.add((s, RDF.type, SCHEMA.AdministrativeArea))
        if group.kind == "country":
            g.add((s, RDF.type, SCHEMA.Country))
        if group.kind == "wellbeing_county":
            # A wellbeing services county is also the public authority that
            # organises the services, and projects name it as an implementer.
            g.add((s, RDF.type, SCHEMA.Organization))
            g.add((s, RDF.type, SCHEMA.GovernmentOrganization))
        for lang, name in group.names.items():
            g.add((s, SCHEMA.name, _lit(name, lang)))
        g.add((s, RDFS.label, _lit(group.label, "fi")))
        for lang, alts in group.alt_labels.items():
            for alt in alts:
                g.add((s, SKOS.altLabel, _lit(alt, lang)))
        if group.kind not in ("area", "country"):
            g.add((s, HK.areaCode, Literal(group.code)))
        if group.yso_place:
            g.add((s, OWL.sameAs, URIRef(group.yso_place)))
        if group.source:
            g.add((s, DCTERMS.source, Literal(group.source)))
        for code in group.members:
            member = iris.place(code)
            g.add((s, SCHEMA.containsPlace, member))
            g.add((member, SCHEMA.containedInPlace, s))
        region = _common_region(ref, group)
        if region is not None:
            # Facets, the map and place pages count a project under the areas
            # containing its places; a project tagged only with a sub-region or a
            # group such as KUUMA must count under its region too.
            g.add((s, SCHEMA.containedInPlace, iris.place(f"region-{region}")))
        for code, (start, end) in group.member_periods.items():
            node = URIRef(f"{s}#member-{code}")
            g.add((s, HK.membership, node))
            g.add((node, RDF.type, HK.Membership))
            g.add((node, HK.member, iris.place(code)))
            if start:
                g.add((node, HK.membershipStart, Literal(start, datatype=XSD.date)))
            if end:
                g.add((node, HK.membershipEnd, Literal(end, datatype=XSD.date)))


def _add_organisations(g: Graph, ref: Reference, iris: Iris) -> None:
    for org in ref.organisations.values():
        s = iris.organisation(org.key)
        g.add((s, RDF.type, SCHEMA.Organization))
        cls = ORG_TYPE_CLASSES.get(org.type)
        if cls is not None:
            g.add((s, RDF.type, cls))
        if org.type:
            g.add((s, HK.organisationType, Literal(org.type)))
        for lang, name in org.names.items():
            g.add((s, SCHEMA.name, _lit(name, lang)))
        g.add((s, RDFS.label, _lit(org.label, "fi")))
        for alias in org.acronyms:
            g.add((s, SCHEMA.alternateName, Literal(alias)))
        if org.wikidata:
            g.add((s, OWL.sameAs, URIRef(org.wikidata)))
        if org.business_id:
            g.add((s, HK.businessId, Literal(org.business_id)))
        for scheme, value in org.other_ids:
            node = URIRef(f"{s}#id-{slugify(scheme)}")
            g.add((s, SCHEMA.identifier, node))
            g.add((node, RDF.type, SCHEMA.PropertyValue))
            g.add((node, SCHEMA.propertyID, Literal(scheme)))
            g.add((node, SCHEMA.value, Literal(value)))
        for key in org.predecessors:
            g.add((s, HK.predecessor, ref.entity_iri(key, iris)))
        for key in org.successors:
            g.add((s, HK.successor, ref.entity_iri(key, iris)))
        if org.history:
            g.add((s, SCHEMA.description, _lit(org.history, "en")))


def _add_themes(g: Graph, ref: Reference, iris: Iris) -> None:
    scheme = iris.theme("scheme")
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    g.add((scheme, SKOS.prefLabel, _lit("hankekg-teemat", "fi")))
    g.add((scheme, SKOS.prefLabel, _lit("hankekg themes", "en")))
    g.add(
        (
            scheme,
            DCTERMS.description,
            _lit(
                "Theme groups of our own above a subset of YSO concepts "
                "(YSO 2019.3, CC BY 4.0, National Library of Finland).",
                "en",
            ),
        )
    )
    used = sorted({t.local_theme for t in ref.themes if t.local_theme})
    for key in used:
        s = iris.theme(key)
        fi, en = THEME_LABELS.get(key, (key.replace("_", " "), key.replace("_", " ")))
        g.add((s, RDF.type, SKOS.Concept))
        g.add((s, RDF.type, HK.ThemeGroup))
        g.add((s, SKOS.prefLabel, _lit(fi, "fi")))
        g.add((s, SKOS.prefLabel, _lit(en, "en")))
        g.add((s, SKOS.notation, Literal(key)))
        g.add((s, SKOS.inScheme, scheme))
        g.add((s, SKOS.topConceptOf, scheme))
        g.add((scheme, SKOS.hasTopConcept, s))
    for theme in ref.themes:
        s = URIRef(theme.iri)
        g.add((s, RDF.type, SKOS.Concept))
        for lang, label in theme.labels.items():
            g.add((s, SKOS.prefLabel, _lit(label, lang)))
        g.add((s, SKOS.inScheme, scheme))
        g.add((s, SKOS.inScheme, YSO_SCHEME))
        if theme.local_theme:
            group = iris.theme(theme.local_theme)
            g.add((s, SKOS.broader, group))
            g.add((group, SKOS.narrower, s))
