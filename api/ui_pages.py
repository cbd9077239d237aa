"""What the project, entity, SPARQL and about pages show, shaped for their templates.

Each ``*_context`` function reads through the shared readers
(:mod:`graph.views.projects`, :mod:`graph.views.entities`, :mod:`graph.views.network`) and the
services the JSON API uses, and returns the template's context; the routes in
:mod:`api.routes.ui` only parse the request and render.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from api import charts, services
from api.engine import Engine
from api.i18n import MESSAGES, translator
from api.routes.sparql import run_query
from api.schemas import EvidenceModel, ProjectModel, RefModel
from api.ui_search import SearchState, place_iri
from graph.errors import NotFound
from graph.store.base import QueryRunner
from graph.views.entities import (
    EntityView,
    document_texts,
    href_for,
    linked,
    names_of,
    place_regions,
)
from graph.views.money import format_euros
from graph.views.network import network
from graph.views.projects import Ref, local_name, pick_name
from graph.vocab import HK, PREFIXES

RELATED_K = 5


def period(start: str | None, end: str | None) -> str:
    """ "2010–2013", "2012-02-01 – 2013-10-31", or what is known."""
    if not start and not end:
        return ""
    if start and end and len(start) == 4 and len(end) == 4:
        return f"{start}–{end}"
    return f"{start or '…'} – {end or '…'}"


def status_label(t: Callable[..., str], lang: str, value: str | None) -> str:
    """A project status ("StatusEnded" or its IRI) in the UI language."""
    if not value:
        return ""
    key = f"status.{local_name(value)}"
    return t(key) if key in MESSAGES[lang] else value


def predicate_label(t: Callable[..., str], lang: str, iri: str) -> str:
    """A readable name for a predicate IRI (roles, then other predicates)."""
    local = local_name(iri)
    for key in (f"role.{local}", f"pred.{local}"):
        if key in MESSAGES[lang]:
            return t(key)
    return local


def project_context(engine: Engine, project: ProjectModel, lang: str) -> dict[str, Any]:
    """The project page: names, period, roles, places, themes, evidence in the source text.

    The linked entities come named from :func:`graph.views.projects.project_view`; only
    their UI pages are added here, with no further name look-up.
    """
    t = translator(lang)
    documents = document_texts(engine, [d.iri for d in project.documents])
    evidence = specific_evidence(project.evidence)
    texts = [(doc, segments(doc.text, evidence, doc.iri)) for doc in documents]
    ends = [other_end(e, project.iri) for e in evidence]
    evidence_names = names_of(engine, ends, lang)
    placed = {s.evidence for _, segs in texts for s in segs if s.evidence is not None}
    # Where the project is only mentioned, its facts are other projects' facts
    # about it: the row names the mentioning project.
    facts = [
        {
            "index": i,
            # A fact another project states about this one reads the other way round.
            "predicate": predicate_label(t, lang, e.predicate)
            if ends[i] == e.object
            else f"{t('project.mentioned_by')} ({predicate_label(t, lang, e.predicate)})",
            "value": status_label(t, lang, e.object)
            if local_name(e.predicate) == "status"
            else evidence_names.get(ends[i], ends[i]),
            "href": href_for(engine, ends[i]),
            "evidence": e,
            "placed": i in placed,
        }
        for i, e in enumerate(evidence)
    ]

    def pages(items: Sequence[RefModel]) -> list[Ref]:
        return linked(engine, (_ref(r) for r in items))

    return {
        "project": project,
        "name": pick_name(project.names, lang, project.id),
        "period": period(project.start_date, project.end_date),
        "roles": {k: pages(v) for k, v in project.roles.items()},
        "persons": project.persons,
        "places": pages(project.places),
        "regions": place_regions(engine, [r.iri for r in project.places], lang),
        "themes": pages(project.themes),
        "parents": pages(project.parents),
        "linked": pages(project.related),
        "mentioned_by": pages(project.mentioned_by),
        "publications": project.publications,
        "texts": texts,
        "facts": facts,
        "related": related_view(engine, project.id, lang),
        "yso": str(PREFIXES["yso"]),
        "euros": partial(format_euros, lang=lang),
    }


def _ref(model: RefModel) -> Ref:
    return Ref(model.iri, model.name, dict(model.names))


def specific_evidence(evidence: Sequence[EvidenceModel]) -> list[EvidenceModel]:
    """The evidence without ``hk:participant`` facts that a role fact on the same
    span already says: the superproperty repeats every role, and the page shows
    the organisation under its role (participant only where there is no other)."""
    participant = str(HK.participant)
    roles = {(e.object, e.document, e.start, e.end) for e in evidence if e.predicate != participant}
    return [
        e
        for e in evidence
        if e.predicate != participant or (e.object, e.document, e.start, e.end) not in roles
    ]


def other_end(evidence: EvidenceModel, project: str) -> str:
    """The fact's end that is not the project itself."""
    if evidence.subject and evidence.subject != project:
        return evidence.subject
    return evidence.object


def related_view(engine: Engine, project_id: str, lang: str) -> list[dict[str, Any]] | None:
    """Related projects with reasons and scores (``None`` hides the section)."""
    try:
        response = services.related(engine, project_id, k=RELATED_K, lang=lang)
    except NotFound:
        return None
    return [
        {
            "name": pick_name(item.names, lang, item.name),
            "href": href_for(engine, item.iri),
            "score": item.score,
            "reasons": [
                {
                    "kind": r.kind,
                    "label": r.label,
                    "href": href_for(engine, r.iri) if r.iri else None,
                }
                for r in item.reasons
            ],
        }
        for item in response.results
    ]


def entity_context(
    engine: Engine, kind: str, iri: str, entity: EntityView, lang: str
) -> dict[str, Any]:
    """An organisation, place or theme page: projects, timeline, map, network."""
    keys = [p.iri for p, _ in entity.projects]
    table = engine.facet_table()
    # A bar leads to the search for the entity's name, narrowed to it and that year.
    scoped = SearchState(q=entity.name, filters={kind: [iri]})
    to_iri = place_iri(engine)
    return {
        "entity": entity,
        "network": network(engine, iri, entity.name, keys, lang),
        "yso": str(PREFIXES["yso"]),
        "timeline": charts.timeline(
            charts.year_status_counts(table, keys), scoped.year_href, lambda _: False
        ),
        "map": charts.finland_map(
            charts.place_counts(table, keys),
            to_iri,
            lambda place: href_for(engine, place),
            lambda place: place == iri,
            lang,
            region=charts.region_code(iri, to_iri) if kind == "place" else None,
            group_only=charts.group_only_counts(table, keys, to_iri),
        )
        if keys
        else None,
    }


@dataclass
class Segment:
    """A piece of document text; ``evidence`` indexes the evidence list when highlighted."""

    text: str
    evidence: int | None = None


def segments(text: str, evidence: Sequence[EvidenceModel], document: str) -> list[Segment]:
    """Split ``text`` into plain and highlighted pieces for ``document``'s evidence.

    Overlapping spans cannot both be marked in flat HTML; the earlier (then the
    longer) span wins, and the others stay listed in the facts table.
    """
    spans = sorted(
        (
            (e.start, -(e.end - e.start), i)
            for i, e in enumerate(evidence)
            if e.document == document and 0 <= e.start < e.end <= len(text)
        ),
    )
    out: list[Segment] = []
    pos = 0
    for start, neg_len, index in spans:
        if start < pos:
            continue
        end = start - neg_len
        if start > pos:
            out.append(Segment(text[pos:start]))
        out.append(Segment(text[start:end], index))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out


@dataclass
class EndpointAnswer:
    """What the SPARQL service answered to a query sent from the UI."""

    media_type: str
    body: bytes
    truncated: bool = False
    """The answer was cut at the endpoint's row limit."""


def ask_service(engine: Engine, sandbox: QueryRunner, query: str, accept: str) -> EndpointAnswer:
    """Run ``query`` through the function ``/sparql`` runs (SERVICE refused,
    time and row limits, the sandboxed workers), so the UI keeps its rules.

    Raises:
        HankeKGError: as the endpoint would (malformed, refused, timed out).
    """
    response = run_query(engine, query, accept, sandbox=sandbox)
    media = (response.media_type or "").split(";")[0].strip()
    truncated = response.headers.get("x-result-truncated", "").lower() == "true"
    return EndpointAnswer(media, bytes(response.body), truncated)


def row_limit_text(engine: Engine, lang: str, rows: int | None = None) -> str:
    """The endpoint's row limit (or ``rows``, the rows a cut page shows) as the UI
    language writes numbers ("10 000", "10,000")."""
    text = f"{engine.settings.sparql_max_rows if rows is None else rows:,}"
    return text.replace(",", "\u00a0") if lang == "fi" else text


RESULTS_JSON = "application/sparql-results+json"


#: The most characters of one value the SPARQL page shows (the rest is "…"); the
#: downloads carry values whole.
MAX_CELL_CHARS = 1_000
#: The most characters of values one SPARQL page shows, over all its rows.
MAX_PAGE_CHARS = 1_000_000


def sparql_table(engine: Engine, answer: EndpointAnswer) -> dict[str, Any]:
    """Shape an endpoint answer for the results table.

    Values are cut at :data:`MAX_CELL_CHARS`, and rows stop once the page holds
    :data:`MAX_PAGE_CHARS`; ``cut`` then says the page shows fewer rows than
    the answer has (the page's "first N rows" notice).
    """
    if "json" not in answer.media_type or answer.media_type == "application/ld+json":
        text = answer.body.decode("utf-8", errors="replace")
        cut = len(text) > MAX_PAGE_CHARS
        return {"graph": text[:MAX_PAGE_CHARS] + ("\n…" if cut else ""), "cut": cut}
    data = json.loads(answer.body)
    if "boolean" in data:
        return {"boolean": bool(data["boolean"])}
    columns = data.get("head", {}).get("vars", [])
    rows: list[list[dict[str, str | None]]] = []
    size = 0
    cut = False
    for binding in data.get("results", {}).get("bindings", []):
        row = [sparql_cell(engine, binding.get(c)) for c in columns]
        size += sum(len(cell["text"] or "") for cell in row)
        if size > MAX_PAGE_CHARS and rows:
            cut = True
            break
        rows.append(row)
    return {"columns": columns, "rows": rows, "cut": cut}


def _shown(value: str) -> str:
    return value if len(value) <= MAX_CELL_CHARS else value[:MAX_CELL_CHARS] + "…"


def sparql_cell(engine: Engine, term: dict[str, str] | None) -> dict[str, str | None]:
    """One table cell: its text (cut at :data:`MAX_CELL_CHARS`) and link, if any."""
    if term is None:
        return {"text": "", "href": None}
    value = term.get("value", "")
    if term.get("type") == "uri":
        href = (href_for(engine, value) or value) if len(value) <= MAX_CELL_CHARS else None
        return {"text": _shown(value), "href": href}
    return {"text": _shown(value), "href": None, "lang": term.get("xml:lang")}


DOWNLOADS = {
    "csv": ("text/csv", "results.csv"),
    "json": (RESULTS_JSON, "results.json"),
}


VOCABULARY: tuple[tuple[str, str], ...] = (
    (
        "hk:Project, schema:Project",
        "schema:name @fi/@en, schema:startDate, schema:endDate, schema:description, hk:status",
    ),
    ("schema:Organization", "schema:name, schema:alternateName, owl:sameAs"),
    ("schema:Person", "schema:name"),
    (
        "hk:Municipality, schema:AdministrativeArea",
        "schema:name, hk:municipalityCode, schema:containedInPlace",
    ),
    ("hk:Region, hk:MunicipalityGroup", "schema:name, schema:containsPlace"),
    ("skos:Concept", "skos:prefLabel @fi/@en (YSO IRIs kept)"),
    (
        "project links",
        "schema:funder, hk:coordinator, hk:implementer, hk:partner, "
        "hk:steeringGroupMember, hk:responsiblePerson, schema:areaServed, schema:about, "
        "schema:isPartOf, hk:relatedProject, schema:subjectOf",
    ),
    (
        "prov:Entity, schema:WebPage",
        "schema:url, hk:sha256, schema:inLanguage, "
        "prov:generatedAtTime, schema:text; project prov:wasDerivedFrom document",
    ),
    (
        "hk:Evidence",
        "rdf:subject, rdf:predicate, rdf:object, hk:quote, hk:startOffset, "
        "hk:endOffset, hk:extractor",
    ),
)


@dataclass(frozen=True)
class Example:
    """A researcher's example query; its title is the i18n key ``ex.<key>``."""

    key: str
    query: str


def sparql_examples(engine: Engine) -> list[Example]:
    """Example queries over the public vocabulary, with this service's IRIs filled in."""
    base = engine.iris.base
    head = (
        "PREFIX schema: <https://schema.org/>\n"
        f"PREFIX hk: <{HK}>\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
        "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
    )
    return [
        Example(
            "funder_year",
            head + "SELECT ?funder ?year (COUNT(DISTINCT ?project) AS ?projects) WHERE {\n"
            "  ?project a hk:Project ; schema:funder ?f ; schema:startDate ?start .\n"
            '  ?f schema:name ?funder . FILTER(LANG(?funder) = "fi")\n'
            "  BIND(SUBSTR(STR(?start), 1, 4) AS ?year)\n"
            "}\nGROUP BY ?funder ?year\nORDER BY ?funder ?year",
        ),
        Example(
            "granted_funder_year",
            head + "# Euros granted per funder and year (the grant's period, else the project's)\n"
            "SELECT ?funder ?year (SUM(?value) AS ?granted) (COUNT(DISTINCT ?grant) AS ?grants)\n"
            "WHERE {\n"
            "  ?project a hk:Project ; schema:funding ?grant .\n"
            "  ?grant a schema:MonetaryGrant ; schema:funder ?f ; schema:amount ?amount .\n"
            "  ?amount schema:value ?value .\n"
            "  OPTIONAL { ?amount schema:validFrom ?from }\n"
            "  OPTIONAL { ?project schema:startDate ?start }\n"
            "  BIND(SUBSTR(STR(COALESCE(?from, ?start)), 1, 4) AS ?year)\n"
            '  ?f schema:name ?funder . FILTER(LANG(?funder) = "fi")\n'
            "}\nGROUP BY ?funder ?year\nORDER BY ?year DESC(?granted)",
        ),
        Example(
            "kuuma",
            head + "# Projects served in the KUUMA group itself or in one of its municipalities\n"
            "SELECT DISTINCT ?project ?name ?place ?placeName WHERE {\n"
            f"  VALUES ?kuuma {{ <{base}id/place/kuuma> }}\n"
            "  ?project a hk:Project ; schema:name ?name ; schema:areaServed ?place .\n"
            '  FILTER(LANG(?name) = "fi")\n'
            "  ?kuuma schema:containsPlace* ?place .\n"
            '  ?place schema:name ?placeName . FILTER(LANG(?placeName) = "fi")\n'
            "}\nORDER BY ?name",
        ),
        Example(
            "kela",
            head + "# Organisations in the same projects as Kela, in any role\n"
            "SELECT ?org ?orgName (COUNT(DISTINCT ?project) AS ?together) WHERE {\n"
            '  ?kela schema:alternateName "Kela" .\n'
            "  VALUES ?r1 { schema:funder hk:coordinator hk:implementer hk:partner "
            "hk:steeringGroupMember }\n"
            "  VALUES ?r2 { schema:funder hk:coordinator hk:implementer hk:partner "
            "hk:steeringGroupMember }\n"
            "  ?project ?r1 ?kela ; ?r2 ?org . FILTER(?org != ?kela)\n"
            '  ?org schema:name ?orgName . FILTER(LANG(?orgName) = "fi")\n'
            "}\nGROUP BY ?org ?orgName\nORDER BY DESC(?together) ?orgName",
        ),
        Example(
            "themes_region",
            head + "SELECT ?regionName ?themeName (COUNT(DISTINCT ?project) AS ?projects) WHERE {\n"
            "  ?project a hk:Project ; schema:about ?theme ; schema:areaServed ?area .\n"
            "  ?area schema:containedInPlace* ?region . ?region a hk:Region ;\n"
            '        schema:name ?regionName . FILTER(LANG(?regionName) = "fi")\n'
            '  ?theme skos:prefLabel ?themeName . FILTER(LANG(?themeName) = "fi")\n'
            "}\nGROUP BY ?regionName ?themeName\nORDER BY ?regionName DESC(?projects)",
        ),
        Example(
            "steering",
            head + "SELECT ?project ?name ?member ?memberName WHERE {\n"
            "  ?project a hk:Project ; schema:name ?name ; hk:steeringGroupMember ?member .\n"
            '  FILTER(LANG(?name) = "fi")\n'
            '  ?member schema:name ?memberName . FILTER(LANG(?memberName) = "fi")\n'
            "}\nORDER BY ?name ?memberName",
        ),
        Example(
            "evidence",
            head + "# Every extracted fact keeps the quoted text and its offsets\n"
            "SELECT ?project ?predicate ?object ?quote ?start ?end WHERE {\n"
            "  ?ev a hk:Evidence ; rdf:subject ?project ; rdf:predicate ?predicate ;\n"
            "      rdf:object ?object ; hk:quote ?quote ;\n"
            "      hk:startOffset ?start ; hk:endOffset ?end .\n"
            "  ?project a hk:Project .\n"
            "}\nORDER BY ?project ?start\nLIMIT 200",
        ),
        Example(
            "bilingual",
            head + "SELECT ?project ?fi ?en WHERE {\n"
            '  ?project a hk:Project ; schema:name ?fi . FILTER(LANG(?fi) = "fi")\n'
            '  OPTIONAL { ?project schema:name ?en . FILTER(LANG(?en) = "en") }\n'
            "}\nORDER BY ?fi",
        ),
        Example(
            "publications",
            head + "SELECT ?name ?publication ?title WHERE {\n"
            "  ?project a hk:Project ; schema:name ?name ; schema:subjectOf ?publication .\n"
            '  FILTER(LANG(?name) = "fi")\n'
            "  OPTIONAL { ?publication schema:name ?title }\n"
            "}\nORDER BY ?name ?title",
        ),
    ]
