"""Namespaces and vocabulary terms, named once for the whole code base.

The ``hk:`` namespace is fixed (it does not move with ``HANKEKG_BASE_IRI``) so
that SPARQL queries written against it keep working whatever host serves the
data; the service also publishes the ontology at ``/ontology``.
"""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

HK = Namespace("https://w3id.org/hankekg/ontology#")
#: Custom SPARQL functions (``hkf:similarity``).
HKF = Namespace("https://w3id.org/hankekg/function#")
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
YSO = Namespace("http://www.yso.fi/onto/yso/")
WD = Namespace("http://www.wikidata.org/entity/")
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

#: Prefixes bound on every graph and offered to SPARQL users.
PREFIXES: dict[str, Namespace] = {
    "hk": HK,
    "hkf": HKF,
    "schema": SCHEMA,
    "skos": Namespace(str(SKOS)),
    "dct": Namespace(str(DCTERMS)),
    "prov": Namespace(str(PROV)),
    "org": ORG,
    "owl": Namespace(str(OWL)),
    "xsd": Namespace(str(XSD)),
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "yso": YSO,
}

#: Project roles of organisations, by the short name used in extraction.
ORG_ROLES = {
    "funder": SCHEMA.funder,
    "coordinator": HK.coordinator,
    "implementer": HK.implementer,
    "partner": HK.partner,
    "steeringGroupMember": HK.steeringGroupMember,
    #: Taking part with no stated role; the superproperty of every role above.
    "participant": HK.participant,
}

#: Named graphs that hold reference data rather than documents.
REFERENCE_GRAPH_PATH = "graph/reference"
ONTOLOGY_GRAPH_PATH = "graph/ontology"

__all__ = [
    "DCAT",
    "DCTERMS",
    "HK",
    "HKF",
    "ORG",
    "ORG_ROLES",
    "OWL",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SD",
    "SKOS",
    "VOID",
    "WD",
    "XSD",
    "YSO",
]
