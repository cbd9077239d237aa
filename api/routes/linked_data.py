"""Dereferenceable IRIs, the ontology, its JSON-LD context and the VoID description.

* ``GET /id/{kind}/{id}``: the triples about a minted IRI (and the evidence for
  them) as HTML, Turtle, JSON-LD, N-Triples or RDF/XML by ``Accept`` (or
  ``?format=``), with ``Vary: Accept``; unknown IRIs are 404 problems.
* ``GET /ontology``: the ``hk:`` vocabulary (``ontology/hankekg.ttl``), the
  document behind the namespace ``https://w3id.org/hankekg/ontology#``.
* ``GET /ontology/context.jsonld``: the JSON-LD context used for JSON-LD answers.
* ``GET /.well-known/void``: VoID + DCAT description of the dataset.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from rdflib import Graph, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.namespace import DCTERMS, RDF, RDFS

from api.deps import EngineDep
from api.engine import Engine
from api.export import EXPORT_FORMATS
from api.rdf_out import serialize
from api.routes.sparql import NotAcceptable
from api.schemas_ld import body_content, problems
from api.security import install_filters
from api.services import dataset_counts
from api.sparql_protocol import negotiate
from graph.errors import NotFound
from graph.store.terms import read_turtle
from graph.views.projects import display_names, pick_name
from graph.vocab import DCAT, PREFIXES, SD, VOID

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent.parent
ONTOLOGY = ROOT / "ontology" / "hankekg.ttl"
CONTEXT = ROOT / "ontology" / "context.jsonld"
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
install_filters(TEMPLATES.env)

router = APIRouter(tags=["linked data"])

HTML = "text/html"
#: Representations of RDF resources: canonical media -> aliases, in our order of preference.
RDF_OFFERS: dict[str, tuple[str, ...]] = {
    "text/turtle": ("text/turtle", "application/x-turtle"),
    HTML: (HTML, "application/xhtml+xml"),
    "application/ld+json": ("application/ld+json", "application/json"),
    "application/n-triples": ("application/n-triples", "text/plain"),
    "application/rdf+xml": ("application/rdf+xml",),
}
#: ``?format=`` names of the RDF representations, for ``Link`` headers.
LINK_FORMATS = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdfxml": "application/rdf+xml",
}
SHORT_FORMATS = {
    "html": HTML,
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "rdfxml": "application/rdf+xml",
    "xml": "application/rdf+xml",
}
#: Pages of the web UI that show a kind of entity more richly.
UI_PAGES = {"project", "organisation", "place", "theme"}

#: The kinds of minted IRIs (``/id/{kind}/{id}``); another kind is a 404, as any unknown IRI.
KINDS = ("project", "organisation", "place", "person", "document", "theme", "event", "work")
FormatParam = Annotated[
    Literal["html", "turtle", "ttl", "jsonld", "json-ld", "nt", "ntriples", "rdfxml", "xml"] | None,
    Query(description="Representation, overriding Accept."),
]

#: VoID has no HTML form: its ``format`` values leave ``html`` out (another value is a 422).
VoidFormatParam = Annotated[
    Literal["turtle", "ttl", "jsonld", "json-ld", "nt", "ntriples", "rdfxml", "xml"] | None,
    Query(description="Representation, overriding Accept."),
]

RDF_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The resource in the negotiated representation.",
        "content": body_content(list(RDF_OFFERS)),
    },
    **problems(404, 406, 422),
}


@lru_cache(maxsize=1)
def jsonld_context() -> dict[str, Any]:
    """The published JSON-LD context (or a prefix-only one if the file is missing)."""
    if CONTEXT.is_file():
        data = json.loads(CONTEXT.read_text("utf-8"))
        context: dict[str, Any] = data.get("@context", data)
        return context
    logger.warning("%s is missing; publishing a prefix-only JSON-LD context", CONTEXT)
    return {prefix: str(ns) for prefix, ns in PREFIXES.items()}


def choose(
    request: Request, fmt: str | None, offers: dict[str, tuple[str, ...]] = RDF_OFFERS
) -> str:
    """The negotiated media type.

    Raises:
        NotAcceptable: nothing in ``Accept`` can be served.
    """
    if fmt:
        return SHORT_FORMATS[fmt]
    media = negotiate(request.headers.get("accept"), offers)
    if media is None:
        raise NotAcceptable("available: " + ", ".join(offers))
    return media


def rdf_response(graph: Graph, media: str, headers: dict[str, str] | None = None) -> Response:
    """Serialise ``graph`` as ``media`` (not HTML), every literal exactly as stored."""
    prefixes = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
    data = serialize(graph, media, prefixes=prefixes, context=jsonld_context())
    return Response(data, media_type=media, headers={"Vary": "Accept", **(headers or {})})


def link_header(
    path: str, html: str | None = None, describedby: str | None = None, human: bool = True
) -> str:
    """An RFC 8288 ``Link`` value: each representation of ``path`` as ``rel="alternate"``
    (``html`` is the human page when there is one; ``human=False``: ``path`` has no
    HTML form, so none is advertised), and the describing document."""
    links = [
        f'<{path}?format={name}>; rel="alternate"; type="{media}"'
        for name, media in LINK_FORMATS.items()
    ]
    if human:
        links.append(f'<{html or path + "?format=html"}>; rel="alternate"; type="{HTML}"')
    if describedby:
        links.append(f'<{describedby}>; rel="describedby"; type="text/turtle"')
    return ", ".join(links)


def _local(engine: Engine, iri: str) -> str:
    """A link for ``iri``: a path on this server when it is minted here."""
    base = engine.iris.base
    return "/" + iri[len(base) :] if iri.startswith(base) else iri


def _short(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(str(namespace)):
            return f"{prefix}:{iri[len(str(namespace)) :]}"
    return iri


def html_rows(engine: Engine, graph: Graph, subject: URIRef) -> list[dict[str, Any]]:
    """Predicate/object rows about ``subject`` for the HTML template, with labels."""
    iris = [str(o) for o in graph.objects(subject, None) if isinstance(o, URIRef)]
    names = display_names(engine.store, iris)
    rows: dict[str, list[dict[str, Any]]] = {}
    for predicate, obj in sorted(
        graph.predicate_objects(subject), key=lambda po: (str(po[0]), str(po[1]))
    ):
        if isinstance(obj, URIRef):
            label = pick_name(names.get(str(obj), {}), "fi", _short(str(obj)))
            value = {"href": _local(engine, str(obj)), "text": label, "lang": None}
        else:
            text = str(obj)
            if len(text) > 2000:
                text = text[:2000] + " …"
            value = {"href": None, "text": text, "lang": getattr(obj, "language", None)}
        rows.setdefault(_short(str(predicate)), []).append(value)
    return [{"predicate": p, "values": v} for p, v in rows.items()]


@router.get("/id/{kind}/{entity_id}", response_class=Response, responses=RDF_RESPONSES)
def resource(
    request: Request,
    engine: EngineDep,
    kind: Annotated[str, PathParam(max_length=40, description="One of: " + ", ".join(KINDS))],
    entity_id: Annotated[
        str, PathParam(pattern=r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,199}$", description="Local id.")
    ],
    format: FormatParam = None,  # noqa: A002 - URL name
) -> Response:
    """Dereference a minted IRI: what the graph says about it, by content negotiation."""
    if kind not in KINDS:
        raise NotFound(f"no IRIs of kind {kind!r} are minted here: kinds are {', '.join(KINDS)}")
    iri = URIRef(f"{engine.iris.base}id/{kind}/{entity_id}")
    media = choose(request, format)
    graph = engine.store.describe(iri)
    if not len(graph):
        raise NotFound(f"nothing is known about {iri}")
    path = f"/id/{kind}/{entity_id}"
    # The IRI names the thing; its Turtle is the document that describes it.
    links = {
        "Link": link_header(
            path,
            html=f"/{kind}/{entity_id}" if kind in UI_PAGES else None,
            describedby=f"{path}?format=ttl",
        )
    }
    if media != HTML:
        return rdf_response(graph, media, links)
    names = display_names(engine.store, [str(iri)]).get(str(iri), {})
    context = {
        "iri": str(iri),
        "kind": kind,
        "name": pick_name(names, "fi", entity_id),
        "rows": html_rows(engine, graph, iri),
        "evidence": len(set(graph.subjects(RDF.subject, iri))),
        "ui_page": f"/{kind}/{entity_id}" if kind in UI_PAGES else None,
        "formats": {"Turtle": "turtle", "JSON-LD": "jsonld", "N-Triples": "nt"},
    }
    return TEMPLATES.TemplateResponse(
        request, "ld_resource.html", context, headers={"Vary": "Accept", **links}
    )


@router.get("/ontology", response_class=Response, responses=RDF_RESPONSES)
def ontology(request: Request, format: FormatParam = None) -> Response:  # noqa: A002
    """The hk: ontology (namespace https://w3id.org/hankekg/ontology#), by content negotiation."""
    if not ONTOLOGY.is_file():
        raise NotFound("the ontology file is not installed")
    media = choose(request, format)
    graph = _ontology_graph()
    links = {"Link": link_header("/ontology")}
    if media != HTML:
        return rdf_response(graph, media, links)
    terms = []
    for term in sorted(set(graph.subjects(RDFS.label, None)), key=str):
        labels = {
            getattr(lbl, "language", None) or "": str(lbl)
            for lbl in graph.objects(term, RDFS.label)
        }
        comments = {
            getattr(c, "language", None) or "": str(c) for c in graph.objects(term, RDFS.comment)
        }
        kinds = sorted(_short(str(t)) for t in graph.objects(term, RDF.type))
        terms.append(
            {
                "iri": str(term),
                "short": _short(str(term)),
                "kinds": kinds,
                "label": labels.get("en") or labels.get("fi") or next(iter(labels.values()), ""),
                "comment": comments.get("en") or comments.get("fi") or "",
            }
        )
    return TEMPLATES.TemplateResponse(
        request, "ld_ontology.html", {"terms": terms}, headers={"Vary": "Accept", **links}
    )


@lru_cache(maxsize=1)
def _ontology_graph_cached(mtime: float) -> Graph:
    return read_turtle(ONTOLOGY)  # literals keep their lexical forms


def _ontology_graph() -> Graph:
    """The parsed ontology (a copy), re-read when the file changes."""
    copy = Graph()
    copy += _ontology_graph_cached(ONTOLOGY.stat().st_mtime)
    return copy


@router.get(
    "/ontology/context.jsonld",
    response_class=Response,
    responses={
        200: {
            "description": "The JSON-LD context.",
            "content": {"application/ld+json": {"schema": {"type": "object"}}},
        },
    },
)
def context() -> Response:
    """The JSON-LD context of the hk: vocabulary and the reused vocabularies."""
    body = json.dumps({"@context": jsonld_context()}, ensure_ascii=False, indent=2)
    return Response(body.encode("utf-8"), media_type="application/ld+json")


def void_graph(engine: Engine, service_base: str) -> Graph:
    """VoID + DCAT description of the dataset served at ``service_base``."""
    graph = Graph()
    graph.bind("void", VOID)
    graph.bind("dcat", DCAT)
    graph.bind("dct", DCTERMS)
    graph.bind("sd", SD)
    dataset = URIRef(f"{service_base}.well-known/void#dataset")
    endpoint = URIRef(f"{service_base}sparql")
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, RDF.type, DCAT.Dataset))
    graph.add((dataset, DCTERMS.title, RdfLiteral("hankekg", lang="en")))
    graph.add(
        (
            dataset,
            DCTERMS.description,
            RdfLiteral(
                "Knowledge graph of Finnish social, health and rehabilitation development "
                "projects, with provenance for every extracted fact.",
                lang="en",
            ),
        )
    )
    triples, quads = dataset_counts(engine)
    # void:triples is the default graph (the union) a SPARQL COUNT(*) sees; the
    # named graphs, one per document, are a subset counted as quads.
    graph.add((dataset, VOID.triples, RdfLiteral(triples)))
    graph.add((dataset, DCTERMS.license, URIRef(engine.settings.dataset_license)))
    named = URIRef(f"{service_base}.well-known/void#named-graphs")
    graph.add((dataset, VOID.subset, named))
    graph.add((named, RDF.type, VOID.Dataset))
    graph.add((named, DCTERMS.title, RdfLiteral("named graphs (quads)", lang="en")))
    graph.add((named, VOID.triples, RdfLiteral(quads)))
    graph.add((dataset, VOID.uriSpace, RdfLiteral(f"{engine.iris.base}id/")))
    graph.add((dataset, VOID.sparqlEndpoint, endpoint))
    graph.add((dataset, VOID.feature, URIRef("http://www.w3.org/ns/formats/Turtle")))
    for namespace in PREFIXES.values():
        graph.add((dataset, VOID.vocabulary, URIRef(str(namespace))))
    for number, row in enumerate(
        engine.store.select(
            "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c"
        )
    ):
        # Named, not blank, so the same data gives the same bytes (HEAD = GET length).
        partition = URIRef(f"{service_base}.well-known/void#class-{number}")
        graph.add((dataset, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], URIRef(str(row["c"]))))
        graph.add((partition, VOID.entities, RdfLiteral(int(str(row["n"])))))
    view = engine.snapshot
    documents = view.document_count() if view is not None else 0
    graph.add((dataset, VOID.documents, RdfLiteral(documents)))
    service = URIRef(f"{service_base}sparql#service")
    graph.add((service, RDF.type, DCAT.DataService))
    graph.add((service, DCAT.endpointURL, endpoint))
    graph.add((service, DCAT.servesDataset, dataset))
    graph.add((dataset, DCAT.accessService, service))
    for name, spec in EXPORT_FORMATS.items():
        url = URIRef(f"{service_base}api/export?format={name}")
        graph.add((dataset, VOID.dataDump, url))
        distribution = URIRef(f"{service_base}.well-known/void#dump-{name}")
        graph.add((dataset, DCAT.distribution, distribution))
        graph.add((distribution, RDF.type, DCAT.Distribution))
        graph.add((distribution, DCAT.downloadURL, url))
        graph.add(
            (
                distribution,
                DCAT.mediaType,
                URIRef(f"https://www.iana.org/assignments/media-types/{spec.media_type}"),
            )
        )
        graph.add((distribution, DCTERMS["format"], RdfLiteral(spec.media_type)))
    return graph


VOID_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The dataset description in the negotiated RDF format.",
        "content": body_content([m for m in RDF_OFFERS if m != HTML]),
    },
    **problems(406, 422),
}


@router.get("/.well-known/void", response_class=Response, responses=VOID_RESPONSES)
def void(request: Request, engine: EngineDep, format: VoidFormatParam = None) -> Response:  # noqa: A002
    """VoID and DCAT description: triple counts, vocabularies, SPARQL endpoint, dumps."""
    offers = {m: a for m, a in RDF_OFFERS.items() if m != HTML}
    media = choose(request, format, offers)
    links = {"Link": link_header("/.well-known/void", human=False)}
    # From HANKEKG_BASE_IRI, never from the request's Host (which a client chooses).
    return rdf_response(void_graph(engine, engine.settings.base), media, links)
