"""Plain functions behind both the CLI and the HTTP routes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal, cast

from api.engine import Engine, one_index_version
from api.schemas import (
    EvidenceModel,
    FacetValueModel,
    Health,
    Interpreted,
    MoneyModel,
    ProjectModel,
    ReasonModel,
    RefModel,
    RelatedModel,
    RelatedResponse,
    SearchFilters,
    SearchHit,
    SearchResponse,
)
from graph.errors import NotFound
from graph.views.entities import theme_parents
from graph.views.money import MoneyView
from graph.views.projects import (
    Ref,
    display_names,
    document_label,
    document_sources,
    pick_name,
    project_mentioned,
    project_view,
    remembered,
    safe_iri,
)
from graph.vocab import HK, PROV
from search.encoders import Encoder
from search.filters import Filters, allowed_chunks, facet_counts
from search.hybrid import HybridSearcher, Mode, SearchResult
from search.index.base import IndexView
from search.money_filter import (
    AMOUNT_BASIS,
    AmountRange,
    admitted,
    granted_by,
    restrict,
)
from search.related import related_projects
from search.understanding import boosts, interpret

#: How a search draws its answer: the matched set, or every ranked project.
Match = Literal["precise", "broad"]

#: Limits of one search request, shared by ``/api/search`` and the UI's search page.
MAX_K = 100
MAX_QUERY_CHARS = 1000
MAX_OFFSET = 1000
#: Values of one list filter (place, funder, ...): the cost of a page grows with
#: the square of the filter count (every facet link repeats every filter).
MAX_FILTER_VALUES = 20
#: Most rows one export (CSV or JSON records) of a search returns.
EXPORT_MAX = 500


@dataclass
class SearchRun:
    """A search's response plus what the UI draws from: every ranked key."""

    response: SearchResponse
    keys: list[str] = field(default_factory=list)
    """Project (or document) IRIs of every ranked result, not only this page."""


class _EncoderOnUse:
    """The engine's encoder, loaded and checked against the index on first use.

    A lexical search never encodes, so the CLI's ``search --mode lexical`` does
    not pay seconds of model loading for a check it does not need.
    """

    def __init__(self, engine: Engine, view: IndexView) -> None:
        self._engine = engine
        self._view = view

    def __getattr__(self, name: str) -> Any:
        encoder = self._engine.encoder
        self._view.encoder.check(encoder.name, self._engine.encoder_fingerprint)
        return getattr(encoder, name)


def searcher(engine: Engine, mode: Mode = "hybrid") -> HybridSearcher | None:
    """A searcher over the engine's current snapshot (``None`` when empty).

    Raises:
        EncoderMismatch: the index was built with another encoder (checked at once,
            or on first use for a lexical search).
    """
    view = engine.snapshot
    if view is None or not view.vector_count():
        return None
    if mode == "lexical":
        return HybridSearcher(view, cast(Encoder, _EncoderOnUse(engine, view)))
    view.encoder.check(engine.encoder.name, engine.encoder_fingerprint)
    return HybridSearcher(view, engine.encoder)


def search(
    engine: Engine,
    query: str,
    k: int = 10,
    mode: Mode = "hybrid",
    filters: Filters | None = None,
    *,
    offset: int = 0,
    lang: str | None = None,
    use_boosts: bool = True,
    facets: bool = True,
    ui_lang: str = "fi",
    match: Match = "precise",
    amount: AmountRange | None = None,
) -> SearchResponse:
    """Run a search: translate, filter inside the search, boost what the query
    names, rank, then decorate the hits with names, sources and facets."""
    return run_search(
        engine,
        query,
        k,
        mode,
        filters,
        offset=offset,
        lang=lang,
        use_boosts=use_boosts,
        facets=facets,
        ui_lang=ui_lang,
        match=match,
        amount=amount,
    ).response


@one_index_version
def run_search(
    engine: Engine,
    query: str,
    k: int = 10,
    mode: Mode = "hybrid",
    filters: Filters | None = None,
    *,
    offset: int = 0,
    lang: str | None = None,
    use_boosts: bool = True,
    facets: bool = True,
    ui_lang: str = "fi",
    max_k: int = MAX_K,
    match: Match = "precise",
    amount: AmountRange | None = None,
) -> SearchRun:
    """:func:`search`, keeping every ranked key (for the timeline, map and exports).

    Args:
        max_k: the most results one page may hold (exports go up to :data:`EXPORT_MAX`).
        match: ``precise`` answers with the matched set (the encoder's calibrated
            rule, :mod:`search.matching`); ``broad`` with every ranked project. Only
            the hybrid mode has a matched set.
        amount: the projects' amount range in euros (:mod:`search.money_filter`).
    """
    k = max(1, min(k, max_k))
    offset = max(0, offset)
    filters = filters or Filters()
    echo = SearchFilters(
        place=list(filters.places),
        funder=list(filters.funders),
        organisation=list(filters.organisations),
        theme=list(filters.themes),
        year_from=filters.year_from,
        year_to=filters.year_to,
        status=list(filters.statuses),
        language=list(filters.languages),
    )
    amount = amount or AmountRange()
    if not amount.is_empty():
        echo.amount_min = float(amount.low) if amount.low is not None else None
        echo.amount_max = float(amount.high) if amount.high is not None else None
        echo.amount_basis = AMOUNT_BASIS
    current = searcher(engine, mode)
    if current is None:
        return SearchRun(
            SearchResponse(query=query, mode=mode, k=k, offset=offset, filters=echo, results=[])
        )
    if not query.strip():
        return browse(engine, current, filters, k, offset, echo, facets, ui_lang, mode, amount)
    # The rule is fitted on the hybrid ranking's evidence; the single-sided modes
    # (for comparing rankings) answer with everything they rank.
    match = match if mode == "hybrid" else "broad"
    translation = engine.translate(query, lang)
    interpretation = interpret(query, engine.linker, translation)
    cache = engine.filter_cache()
    allowed = allowed_in(engine, current, filters, amount)
    boost = boosts(engine.store, interpretation, engine.linker, cache) if use_boosts else {}
    result = current.search(
        query,
        k=offset + k,
        mode=mode,
        allowed_chunks=allowed,
        expansion=translation.expansion or None,
        boosts=boost,
        match=engine.calibration.rule if match == "precise" else None,
        translation=translation,
        places=[p.surface for p in interpretation.places],
    )
    interpreted = Interpreted(**interpretation.as_dict())  # type: ignore[arg-type]
    return decorate(
        engine,
        current,
        result,
        k,
        offset,
        echo,
        facets,
        ui_lang,
        mode,
        match,
        translation.lang,
        interpreted,
    )


def browse(
    engine: Engine,
    current: HybridSearcher,
    filters: Filters,
    k: int,
    offset: int,
    echo: SearchFilters,
    facets: bool,
    ui_lang: str,
    mode: Mode,
    amount: AmountRange | None = None,
) -> SearchRun:
    """Filters without a query: every project they allow, in IRI order."""
    allowed = allowed_in(engine, current, filters, amount or AmountRange())
    result = current.browse(allowed, k=offset + k)
    return decorate(engine, current, result, k, offset, echo, facets, ui_lang, mode, "precise")


def allowed_in(
    engine: Engine, current: HybridSearcher, filters: Filters, amount: AmountRange
) -> set[int] | None:
    """The chunks the graph filters and the amount range allow (``None``: all)."""
    cache = engine.filter_cache()
    snapshot = current.snapshot
    allowed = allowed_chunks(engine.store, snapshot, filters, engine.linker, cache)
    if amount.is_empty():
        return allowed
    projects = admitted(engine.money_table(), amount)
    return restrict(allowed, snapshot.chunks_by_key(), projects, cache, f"{filters!r} {amount!r}")


def decorate(
    engine: Engine,
    current: HybridSearcher,
    result: SearchResult,
    k: int,
    offset: int,
    echo: SearchFilters,
    facets: bool,
    ui_lang: str,
    mode: Mode,
    match: Match,
    language: str | None = None,
    interpreted: Interpreted | None = None,
) -> SearchRun:
    """A search's page as the response: names, sources and facets over every answered key."""
    page = result.hits[offset:]
    # Names and sources are remembered per data version (in the facet table), so a
    # repeated result costs no round trip to a graph server.
    table = engine.facet_table()
    names = remembered(table.names, [h.key for h in page], partial(display_names, engine.store), {})
    snapshot = current.snapshot
    sources = remembered(
        table.sources, [h.document for h in page], partial(document_sources, engine.store), ""
    )
    hits = []
    for rank, hit in enumerate(page, start=offset + 1):
        entry = snapshot.document(hit.document)
        project_id = engine.iris.local_id(hit.project, "project") if hit.project else None
        hit_names = names.get(hit.key, {})
        source = sources.get(hit.document) or (
            document_label(None, entry.path, hit.document) if entry else None
        )
        fallback = (entry.title if entry and entry.title else None) or source or hit.key
        hits.append(
            SearchHit(
                rank=rank,
                iri=hit.key,
                id=project_id,
                names=hit_names,
                name=pick_name(hit_names, ui_lang, fallback),
                score=hit.score,
                snippet=hit.snippet,
                highlights=hit.highlights,
                document=hit.document,
                source=source,
            )
        )
    response = SearchResponse(
        query=result.query,
        mode=mode,
        k=k,
        offset=offset,
        total=result.total_candidates,
        match=match,
        broad_total=result.broad_total,
        language=language,
        expanded_query=result.expanded_query,
        filters=echo,
        interpreted=interpreted or Interpreted(),
        results=hits,
    )
    if facets:
        counted = facet_counts(engine.store, snapshot, table, result.candidate_keys, ui_lang)
        response.facets = {
            name: [FacetValueModel(**vars(v)) for v in values]
            for name, values in counted.values.items()
        }
        if "theme" in response.facets:
            response.facets["theme"] = theme_tree(engine, response.facets["theme"])
        add_granted_sums(engine, response.facets, result.candidate_keys)
        response.years = list(counted.years) if counted.years else None
    return SearchRun(response, list(result.candidate_keys))


def add_granted_sums(
    engine: Engine, facets: dict[str, list[FacetValueModel]], keys: Sequence[str]
) -> None:
    """Set ``granted_eur`` on the funder and place facet values: the sums granted
    over the answer's projects (:func:`search.money_filter.granted_by`)."""
    if not (facets.get("funder") or facets.get("place")):
        return
    table = engine.facet_table()
    sums = granted_by(engine.money_table(), keys, lambda k: table.values.get(k, ()))
    for facet in ("funder", "place"):
        for value in facets.get(facet, []):
            granted = sums[facet].get(value.value)
            if granted:
                value.granted_eur = float(granted)


def theme_tree(engine: Engine, values: Sequence[FacetValueModel]) -> list[FacetValueModel]:
    """Our theme groups with their YSO concepts nested under them.

    A concept that carries its group's label ("Rehabilitation" / "rehabilitation")
    is folded into the group: filtering by the group already includes it. Among
    the remaining top-level entries, one label is shown once (the larger count).
    """
    by_key = {v.value: v for v in values}
    parents = theme_parents(engine, by_key)
    children: dict[str, list[FacetValueModel]] = {}
    for value in values:
        for group in parents.get(value.value, []):
            if value.label.casefold() != by_key[group].label.casefold():
                children.setdefault(group, []).append(value)
    top: dict[str, FacetValueModel] = {}
    for value in values:
        if parents.get(value.value):
            continue
        nested = value.model_copy(
            update={
                "children": sorted(
                    children.get(value.value, []), key=lambda c: (-c.count, c.label.lower())
                )
            }
        )
        label = value.label.casefold()
        if label not in top or top[label].count < value.count:
            top[label] = nested
    return sorted(top.values(), key=lambda v: (-v.count, v.label.lower()))


def project(engine: Engine, project_id: str, lang: str = "fi") -> ProjectModel:
    """One project by id (the last IRI segment) or full IRI."""
    view = project_view(engine.store, project_iri(engine, project_id), lang)

    def refs(items: list[Ref]) -> list[RefModel]:
        return [RefModel(iri=r.iri, name=r.name, names=r.names) for r in items]

    return ProjectModel(
        iri=view.iri,
        id=engine.iris.local_id(view.iri, "project") or view.iri,
        names=view.names,
        description=view.description,
        start_date=view.start_date,
        end_date=view.end_date,
        status=view.status,
        roles={k: refs(v) for k, v in view.roles.items()},
        persons={k: refs(v) for k, v in view.persons.items()},
        places=refs(view.places),
        themes=refs(view.themes),
        parents=refs(view.parents),
        related=refs(view.related),
        publications=refs(view.publications),
        events=[{k: str(v) for k, v in e.items()} for e in view.events],
        target_groups=view.target_groups,
        documents=refs(view.documents),
        evidence=[EvidenceModel(**vars(e)) for e in view.evidence],
        described=view.described,
        mentioned_by=refs(view.mentioned_by),
        money=money_models(engine, view.money, view.roles.get("funder", []), lang),
    )


def money_models(
    engine: Engine, money: list[MoneyView], funders: list[Ref], lang: str
) -> list[MoneyModel]:
    """The project's sums with their funders named (a funder not among the project's
    funders is named by its own look-up)."""
    known = {r.iri: r for r in funders}
    missing = [m.funder for m in money if m.funder and m.funder not in known]
    names = display_names(engine.store, missing)
    out: list[MoneyModel] = []
    for m in money:
        funder = None
        if m.funder:
            ref = known.get(m.funder)
            name = ref.name if ref else pick_name(names.get(m.funder, {}), lang, m.funder)
            funder = RefModel(iri=m.funder, name=name, names=ref.names if ref else {})
        fields = {k: v for k, v in vars(m).items() if k != "funder"}
        out.append(MoneyModel(**fields, funder=funder))
    return out


def related(engine: Engine, project_id: str, k: int = 10, lang: str = "fi") -> RelatedResponse:
    """Projects related to one project, with reasons.

    Raises:
        NotFound: unknown project.
    """
    iri = project_iri(engine, project_id)
    snapshot = engine.snapshot
    try:
        if snapshot is None:
            raise NotFound(f"no project {project_id}")
        results = related_projects(
            engine.store, snapshot, iri, engine.neighbourhood(), k=max(1, min(k, MAX_K)), lang=lang
        )
    except NotFound:
        # A project the graph only mentions (no text, no links yet) is still a project
        # (GET /api/projects/{id} answers for it): it has no related projects.
        if not (safe_iri(iri) and project_mentioned(engine.store, iri)):
            raise
        results = []
    names = display_names(engine.store, [r.iri for r in results])
    return RelatedResponse(
        project=iri,
        results=[
            RelatedModel(
                iri=r.iri,
                id=engine.iris.local_id(r.iri, "project"),
                name=pick_name(names.get(r.iri, {}), lang, r.iri.rsplit("/", 1)[-1]),
                names=names.get(r.iri, {}),
                score=r.score,
                text=r.text,
                graph=r.graph,
                reasons=[ReasonModel(**vars(x)) for x in r.reasons],
            )
            for r in results
        ],
    )


def project_iri(engine: Engine, project_id: str) -> str:
    """A project id (IRI slug) or a full IRI, as a full IRI."""
    if project_id.startswith(("http://", "https://")):
        return project_id
    return f"{engine.iris.base}id/project/{project_id}"


#: Triples in the default graph (the maintained union of the named graphs).
COUNT_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
#: Quads in the named graphs; a fact two documents state counts twice.
COUNT_QUADS = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def _count(engine: Engine, query: str) -> int:
    return int(str(engine.store.select(query)[0]["n"]))


def dataset_counts(engine: Engine) -> tuple[int, int]:
    """(triples in the default graph, quads in the named graphs), each by ``COUNT``.

    These are what VoID, ``/healthz``, ``hankekg stats`` and the service
    description report, so each equals the ``COUNT`` a SPARQL user runs.
    """
    return _count(engine, COUNT_TRIPLES), _count(engine, COUNT_QUADS)


def health(engine: Engine) -> Health:
    """Counts for ``/healthz`` and ``hankekg stats``."""
    count = (
        f"SELECT (COUNT(DISTINCT ?p) AS ?n) "
        f"WHERE {{ ?p a <{HK.Project}> ; <{PROV.wasDerivedFrom}> ?d }}"
    )
    projects = _count(engine, count)
    triples, quads = dataset_counts(engine)
    snapshot = engine.snapshot
    degraded = engine.writer.degraded
    return Health(
        status="degraded" if degraded else "ok",
        detail=degraded,
        documents=snapshot.document_count() if snapshot else 0,
        projects=projects,
        triples=triples,
        quads=quads,
        vectors=snapshot.vector_count() if snapshot else 0,
        encoder=snapshot.encoder.name if snapshot else engine.settings.encoder,
    )
