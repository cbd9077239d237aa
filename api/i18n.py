"""The web UI's one message catalogue (Finnish and English) and language choice.

Every visible label of the UI comes from :data:`MESSAGES`, so a missing
translation is a missing key here and nowhere else. The UI language is taken
from ``?lang=``, then the ``lang`` cookie, then ``Accept-Language``, and
defaults to Finnish, the language of most documents.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

LANGS: tuple[str, ...] = ("fi", "en")
DEFAULT_LANG = "fi"
COOKIE = "lang"

_CATALOGUE: dict[str, tuple[str, str]] = {
    # key: (fi, en)
    "site.tagline": (
        "Sosiaali-, terveys- ja kuntoutusalan kehittämishankkeet",
        "Finnish social, health and rehabilitation development projects",
    ),
    "nav.search": ("Haku", "Search"),
    "nav.sparql": ("SPARQL", "SPARQL"),
    "nav.about": ("Tietoa", "About"),
    "nav.main": ("Päävalikko", "Main menu"),
    "nav.skip": ("Siirry sisältöön", "Skip to content"),
    "lang.switch": ("Kieli", "Language"),
    "lang.fi": ("suomeksi", "in Finnish"),
    "lang.en": ("in English", "in English"),
    "lang.other": ("In English", "Suomeksi"),
    "search.title": ("Hae hankkeita", "Search projects"),
    "search.label": ("Hakusanat suomeksi tai englanniksi", "Search words in Finnish or English"),
    "search.placeholder": (
        "esim. vertaistuki korvaushoidossa",
        "e.g. work ability assessment models in Lapland",
    ),
    "search.submit": ("Hae", "Search"),
    "search.mode": ("Hakutapa", "Search mode"),
    "mode.hybrid": ("yhdistetty", "hybrid"),
    "mode.lexical": ("sanahaku", "lexical"),
    "mode.dense": ("merkityshaku", "semantic"),
    "search.results": ("Tulokset", "Results"),
    "search.count": ("hankkeita: {n}", "projects: {n}"),
    "search.none": ("Ei tuloksia.", "No results."),
    "search.no_match": ("Mikään hanke ei vastaa hakua.", "No project matches."),
    "search.read_as": ("Haku luettiin näin", "The query was read as"),
    "search.broader": (
        "Näytä laajempi haku ({n} heikosti osuvaa)",
        "Show a broader search ({n} weak matches)",
    ),
    "search.weaker": ("Näytä myös heikommat osumat (+{n})", "Show weaker matches too (+{n})"),
    "search.matched_only": ("Näytä vain osuvat hankkeet", "Show matching projects only"),
    "search.empty_index": (
        "Hakemisto on tyhjä: yhtään dokumenttia ei ole vielä tuotu.",
        "The index is empty: no documents have been ingested yet.",
    ),
    "search.intro": (
        "Kirjoita kysymys tai hakusanoja. Haku ymmärtää suomea ja englantia.",
        "Type a question or keywords. Search understands Finnish and English.",
    ),
    "search.expanded": ("Haettiin myös", "Also searched for"),
    "search.score": ("pisteet", "score"),
    "search.relevance": ("Osuvuus", "Relevance"),
    "search.rank": ("Sija", "Rank"),
    "search.mentioned": ("vain mainittu", "only mentioned"),
    "search.export": ("Vie tulokset", "Export results"),
    "search.export_csv": ("CSV", "CSV"),
    "search.export_excel": ("CSV Exceliin", "CSV for Excel"),
    "search.export_json": ("JSON", "JSON"),
    "search.export_note": (
        "enintään {n} ensimmäistä tulosta, rajaukset mukana",
        "the first {n} results at most, with the filters",
    ),
    "search.open_sparql": ("Avaa SPARQL-kyselynä", "Open in SPARQL"),
    "timeline.title": ("Hankkeet vuosittain", "Projects per year"),
    "timeline.bar": ("{year}: {n} hanketta", "{year}: {n} projects"),
    "timeline.hint": (
        "Valitse vuosi; toinen valinta tekee aikavälin.",
        "Choose a year; a second choice makes a range.",
    ),
    "timeline.year": ("Vuosi", "Year"),
    "timeline.ended": ("päättynyt", "ended"),
    "timeline.ongoing": ("käynnissä", "ongoing"),
    "timeline.planned": ("suunniteltu", "planned"),
    "timeline.unknown": ("tila tuntematon", "status unknown"),
    "map.title": ("Hankkeet kartalla", "Projects on the map"),
    "map.bubble": ("{name}: {n} hanketta", "{name}: {n} projects"),
    "map.hint": (
        "Maakunnat; valitse maakunta nähdäksesi sen kunnat.",
        "Regions; choose one to see its municipalities.",
    ),
    "map.zoomed": ("Maakunnan {region} kunnat", "Municipalities of {region}"),
    "map.region": ("Maakunta", "Region"),
    "map.municipality": ("Kunta", "Municipality"),
    "chart.table": ("Näytä taulukkona", "Show as a table"),
    "chart.total": ("Yhteensä", "Total"),
    "chart.projects": ("Hankkeita", "Projects"),
    "search.source": ("Lähde", "Source"),
    "search.filters": ("Rajaukset", "Filters"),
    "search.active": ("Valitut rajaukset", "Active filters"),
    "search.remove": ("Poista rajaus", "Remove filter"),
    "search.clear": ("Poista kaikki rajaukset", "Clear all filters"),
    "search.more": ("Näytä lisää", "Show more"),
    "search.apply": ("Rajaa", "Apply"),
    "page.prev": ("Edellinen", "Previous"),
    "page.next": ("Seuraava", "Next"),
    "page.of": ("Sivu {page} / {pages}", "Page {page} of {pages}"),
    "page.nav": ("Sivutus", "Pagination"),
    "facet.place": ("Alue tai kunta", "Region or municipality"),
    "facet.funder": ("Rahoittaja", "Funder"),
    "facet.organisation": ("Organisaatio", "Organisation"),
    "facet.theme": ("Teema", "Theme"),
    "facet.years": ("Vuodet", "Years"),
    "facet.year_from": ("Alkaen vuodesta", "From year"),
    "facet.year_to": ("Vuoteen", "To year"),
    "facet.amount": ("Rahoitus (€)", "Funding (€)"),
    "facet.amount_min": ("Vähintään", "At least"),
    "facet.amount_max": ("Enintään", "At most"),
    "facet.amount_note": (
        "Myönnetty summa, tai budjetti kun myönnettyä ei ole kerrottu",
        "The granted total, or the budget where no grant is stated",
    ),
    "facet.granted": ("myönnetty", "granted"),
    "facet.status": ("Tila", "Status"),
    "facet.language": ("Dokumentin kieli", "Document language"),
    "place.Municipality": ("kunta", "municipality"),
    "place.Region": ("maakunta", "region"),
    "place.SubRegion": ("seutukunta", "sub-region"),
    "place.WellbeingServicesCounty": ("hyvinvointialue", "wellbeing services county"),
    "place.MunicipalityGroup": ("kuntaryhmä", "municipality group"),
    "place.Area": ("alue", "area"),
    "status.StatusPlanned": ("suunnitteilla", "planned"),
    "status.StatusOngoing": ("käynnissä", "ongoing"),
    "status.StatusEnded": ("päättynyt", "ended"),
    "langname.fi": ("suomi", "Finnish"),
    "langname.en": ("englanti", "English"),
    "langname.sv": ("ruotsi", "Swedish"),
    "field.period": ("Aika", "Period"),
    "field.places": ("Alueet", "Places"),
    "field.funder": ("Rahoittaja", "Funder"),
    "field.status": ("Tila", "Status"),
    "field.names": ("Nimet", "Names"),
    "field.name_fi": ("Nimi suomeksi", "Name in Finnish"),
    "field.name_en": ("Nimi englanniksi", "Name in English"),
    "field.name_sv": ("Nimi ruotsiksi", "Name in Swedish"),
    "field.description": ("Kuvaus", "Description"),
    "field.iri": ("Tunniste (IRI)", "Identifier (IRI)"),
    "field.region": ("maakunta", "region"),
    "field.code": ("Kuntanumero", "Municipality code"),
    "field.alt_names": ("Muut nimet", "Other names"),
    "field.type": ("Tyyppi", "Type"),
    "field.same_as": ("Sama kuin", "Same as"),
    "field.contained_in": ("Sijaitsee alueella", "Part of"),
    "field.contains": ("Jäsenkunnat", "Member municipalities"),
    "field.target_groups": ("Kohderyhmät", "Target groups"),
    "role.funder": ("Rahoittaja", "Funder"),
    "role.coordinator": ("Päätoteuttaja", "Coordinator"),
    "role.implementer": ("Toteuttaja", "Implementer"),
    "role.partner": ("Yhteistyökumppani", "Partner"),
    "role.steeringGroupMember": ("Ohjausryhmän jäsen", "Steering group member"),
    "role.participant": ("Osallistuja", "Participant"),
    "project.mentioned_only": (
        "Tästä hankkeesta ei ole omaa lähdedokumenttia: se mainitaan muiden hankkeiden "
        "dokumenteissa. Alla ovat sen nimet, mainitsevat dokumentit ja kohdat tekstissä.",
        "No source document is about this project: other projects' documents mention it. "
        "Below are its names, the documents that mention it and the passages.",
    ),
    "project.mentioned_by": ("Mainitaan hankkeissa", "Mentioned by projects"),
    "role.responsiblePerson": ("Vastuuhenkilö", "Responsible person"),
    "role.contactPerson": ("Yhteyshenkilö", "Contact person"),
    "role.person": ("Henkilö", "Person"),
    "pred.name": ("nimi", "name"),
    "pred.startDate": ("alkaa", "start"),
    "pred.endDate": ("päättyy", "end"),
    "pred.status": ("tila", "status"),
    "pred.areaServed": ("alue", "place"),
    "pred.about": ("teema", "theme"),
    "pred.isPartOf": ("osa hanketta", "part of"),
    "pred.relatedProject": ("liittyvä hanke", "related project"),
    "pred.subjectOf": ("julkaisu", "publication"),
    "pred.description": ("kuvaus", "description"),
    "pred.targetGroup": ("kohderyhmä", "target group"),
    "pred.event": ("tapahtuma", "event"),
    "project.organisations": ("Organisaatiot", "Organisations"),
    "project.people": ("Henkilöt", "People"),
    "project.money": ("Rahoitus", "Funding"),
    "money.grant": ("Myönnetty avustus", "Grant"),
    "money.budget": ("Budjetti", "Budget"),
    "money.approximately": ("noin", "about"),
    "project.places": ("Alueet", "Places"),
    "project.themes": ("Teemat", "Themes"),
    "project.publications": ("Julkaisut", "Publications"),
    "project.parents": ("Osa hanketta tai ohjelmaa", "Part of project or programme"),
    "project.linked": ("Mainitut hankkeet", "Linked projects"),
    "project.events": ("Tapahtumat", "Events"),
    "project.related": ("Samankaltaiset hankkeet", "Related projects"),
    "project.related_none": ("Ei samankaltaisia hankkeita.", "No related projects."),
    "project.evidence": ("Tosiasiat ja näytöt", "Facts and evidence"),
    "project.evidence_help": (
        "Jokainen korostettu kohta on tekstistä poimittu tieto. Vie hiiri tai "
        "kohdistus kohtaan nähdäksesi, mikä tieto siitä luettiin.",
        "Each highlighted passage is a fact read from the text. Hover over or "
        "focus a passage to see which fact was read from it.",
    ),
    "project.fact": ("Tieto", "Fact"),
    "project.value": ("Arvo", "Value"),
    "project.quote": ("Lainaus", "Quote"),
    "project.offsets": ("Kohta", "Offsets"),
    "project.extractor": ("Poimija", "Extractor"),
    "project.show_in_text": ("näytä tekstissä", "show in text"),
    "project.source": ("Lähdedokumentti", "Source document"),
    "project.data": ("Linkitetty data", "Linked data"),
    "project.turtle": ("Turtle", "Turtle"),
    "project.jsonld": ("JSON-LD", "JSON-LD"),
    "project.api": ("JSON-rajapinta", "JSON API"),
    "project.reasons": ("Perusteet", "Reasons"),
    "reason.theme": ("yhteinen teema", "shared theme"),
    "reason.place": ("sama alue", "same region"),
    "reason.funder": ("sama rahoittaja", "same funder"),
    "reason.organisation": ("yhteinen organisaatio", "shared organisation"),
    "reason.text": ("samankaltainen teksti", "similar text"),
    "entity.projects": ("Hankkeet", "Projects"),
    "entity.no_projects": ("Ei hankkeita.", "No projects."),
    "entity.network": ("Verkosto", "Network"),
    "entity.network_desc": (
        "Hankkeet ja niihin liittyvät organisaatiot ja alueet.",
        "Projects with their organisations and places.",
    ),
    "entity.organisation": ("Organisaatio", "Organisation"),
    "entity.place": ("Alue", "Place"),
    "entity.theme": ("Teema", "Theme"),
    "entity.role": ("Rooli", "Role"),
    "entity.yso": ("YSO-käsite Finto-palvelussa", "YSO concept in Finto"),
    "entity.via": ("kautta", "via"),
    "sparql.title": ("SPARQL-kysely", "SPARQL query"),
    "sparql.intro": (
        "Kysy graafilta suoraan SPARQL 1.1 -kielellä. Oletusgraafi on kaikkien "
        "dokumenttien graafien yhdiste; etuliitteet hk, schema, skos, prov, dct, owl, "
        "xsd ja yso ovat valmiina.",
        "Query the graph directly in SPARQL 1.1. The default graph is the union of all "
        "document graphs; the prefixes hk, schema, skos, prov, dct, owl, xsd and yso are "
        "predefined.",
    ),
    "sparql.examples": ("Esimerkkikyselyt", "Example queries"),
    "sparql.example": ("Esimerkki", "Example"),
    "sparql.load": ("Lataa", "Load"),
    "sparql.editor": ("Kysely", "Query"),
    "sparql.run": ("Suorita", "Run"),
    "sparql.results": ("Tulokset", "Results"),
    "sparql.rows": ("rivejä: {n}", "rows: {n}"),
    "sparql.download_csv": ("Lataa CSV", "Download CSV"),
    "sparql.download_json": ("Lataa JSON", "Download JSON"),
    "sparql.error": ("Kysely epäonnistui", "The query failed"),
    "sparql.truncated": (
        "Tulos katkaistiin: näytetään ensimmäiset {n} riviä.",
        "The result was cut: showing the first {n} rows.",
    ),
    "sparql.ask_true": ("Vastaus: kyllä (true)", "Answer: yes (true)"),
    "sparql.ask_false": ("Vastaus: ei (false)", "Answer: no (false)"),
    "sparql.graph": (
        "Kysely palautti graafin; lataa se Turtle-muodossa.",
        "The query returned a graph; download it as Turtle.",
    ),
    "sparql.running": ("Suoritetaan…", "Running…"),
    "sparql.shortcut": ("Ctrl+Enter suorittaa kyselyn.", "Ctrl+Enter runs the query."),
    "ex.funder_year": ("Hankkeet rahoittajittain ja vuosittain", "Projects by funder per year"),
    "ex.granted_funder_year": (
        "Myönnetyt eurot rahoittajittain ja vuosittain",
        "Total granted per funder and year",
    ),
    "ex.kuuma": ("Hankkeet KUUMA-kunnissa", "Projects in KUUMA municipalities"),
    "ex.kela": (
        "Kelan kanssa samoissa hankkeissa olevat organisaatiot",
        "Organisations co-occurring with Kela",
    ),
    "ex.themes_region": ("Teemat maakunnittain", "Themes by region"),
    "ex.steering": ("Ohjausryhmät", "Steering groups"),
    "ex.evidence": ("Tiedot ja niiden lähdekohdat", "Facts and their evidence"),
    "ex.bilingual": (
        "Hankkeiden nimet suomeksi ja englanniksi",
        "Project names in Finnish and English",
    ),
    "ex.publications": ("Julkaisut hankkeittain", "Publications by project"),
    "about.title": ("Tietoa palvelusta", "About this service"),
    "about.intro": (
        "hankekg on tietograafi ja kaksikielinen semanttinen haku suomalaisista "
        "sosiaali-, terveys- ja kuntoutusalan kehittämishankkeista. Jokainen tieto "
        "on jäljitettävissä tekstikohtaan, josta se luettiin.",
        "hankekg is a knowledge graph and bilingual semantic search over Finnish "
        "social, health and rehabilitation development projects. Every fact can be "
        "traced back to the text it was read from.",
    ),
    "about.stats": ("Aineisto", "Dataset"),
    "stat.projects": ("hankkeita", "projects"),
    "stat.organisations": ("organisaatioita", "organisations"),
    "stat.places": ("alueita ja kuntia", "places and municipalities"),
    "stat.documents": ("dokumentteja", "documents"),
    "stat.triples": ("kolmikkoa", "triples"),
    "stat.vectors": ("vektoria", "vectors"),
    "stat.encoder": ("Upotusmalli", "Encoder"),
    "about.vocabulary": ("Sanasto", "Vocabulary"),
    "about.vocab_intro": (
        "Graafi käyttää schema.org-, SKOS-, PROV-O- ja Dublin Core -sanastoja sekä "
        "omaa hk:-ontologiaa.",
        "The graph uses schema.org, SKOS, PROV-O and Dublin Core, plus our own hk: ontology.",
    ),
    "about.thing": ("Asia", "Thing"),
    "about.terms": ("Termit", "Terms"),
    "about.sources": ("Lähteet ja lisenssit", "Sources and licences"),
    "about.source": ("Lähde", "Source"),
    "about.licence": ("Lisenssi", "Licence"),
    "about.use": ("Käyttö", "Used for"),
    "src.yso": (
        "YSO – Yleinen suomalainen ontologia (Kansalliskirjasto)",
        "YSO – General Finnish Ontology (National Library of Finland)",
    ),
    "src.yso_use": (
        "teemat ja englanninkielisten hakujen käännös",
        "themes and translating English queries",
    ),
    "src.geofi": (
        "Tilastokeskuksen luokitukset (rOpenGov/geofi)",
        "Statistics Finland classifications (rOpenGov/geofi)",
    ),
    "src.geofi_use": (
        "kunnat, maakunnat, seutukunnat, hyvinvointialueet",
        "municipalities, regions, sub-regions, wellbeing services counties",
    ),
    "src.geofi_data": ("Tilastokeskuksen avoin data", "Statistics Finland open data"),
    "src.wikidata": ("Wikidata", "Wikidata"),
    "src.wikidata_use": ("tarkistetut owl:sameAs-linkit", "verified owl:sameAs links"),
    "src.documents": ("Hankedokumentit", "Project documents"),
    "src.documents_use": ("hankkeiden tiedot ja näytöt", "project facts and evidence"),
    "src.documents_licence": ("kunkin lähteen omat ehdot", "each source's own terms"),
    "about.endpoints": ("Rajapinnat", "Endpoints"),
    "error.title": ("Virhe", "Error"),
    "error.not_found": ("Sivua ei löytynyt", "Page not found"),
    "error.back": ("Takaisin hakuun", "Back to search"),
    "common.none": ("–", "–"),
}

MESSAGES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        lang: MappingProxyType({key: pair[i] for key, pair in _CATALOGUE.items()})
        for i, lang in enumerate(LANGS)
    }
)


def normalise(lang: str | None) -> str | None:
    """``lang`` if it is a UI language ("fi-FI" counts as "fi"), else ``None``."""
    if not lang:
        return None
    short = lang.strip().lower()[:2]
    return short if short in LANGS else None


def choose_lang(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The UI language: ``?lang=``, then the cookie, then ``Accept-Language``, then Finnish."""
    for candidate in (query, cookie):
        chosen = normalise(candidate)
        if chosen:
            return chosen
    if accept_language:
        # Take the first listed language we have; q-values are rarely needed here.
        for part in accept_language.split(","):
            chosen = normalise(part.split(";")[0])
            if chosen:
                return chosen
    return DEFAULT_LANG


def translator(lang: str) -> Callable[..., str]:
    """A ``t(key, **values)`` function for ``lang``; unknown keys show as the key."""
    messages = MESSAGES.get(lang, MESSAGES[DEFAULT_LANG])

    def t(key: str, **values: object) -> str:
        text = messages.get(key, key)
        return text.format(**values) if values else text

    return t
