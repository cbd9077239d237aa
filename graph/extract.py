"""Knowledge extraction: one loaded document in, sourced facts about its project out.

The pipeline per document:

1. find site chrome (navigation, "Siirry sisältöön", "Omat työkalut") so that
   nothing in it becomes an entity, and clean titles glued to it;
2. read labelled fields (:mod:`graph.layout`) when the page has them;
3. decide the project's name, dates, status and description;
4. resolve organisations by role, persons, places, related projects,
   publications, events, target group and themes.

spaCy's NER only *proposes* persons and organisations; the gazetteer linker
and the rules here decide what reaches the graph (spaCy tags "1.11.13" a
PERSON, "Savotta-hankkeessa" a GPE). Every fact with a textual basis carries an
:class:`~graph.model.Evidence` whose offsets point into ``document.text``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from rdflib import Literal, URIRef
from rdflib.term import Node

from graph.dates import DateSpan, PartialDate, find_dates, with_offset
from graph.finnish import Morphology, morphology
from graph.iris import Iris, slugify
from graph.layout import Field, fields_by_key, parse_fields
from graph.loader import detect_language
from graph.model import Document, Evidence, Extraction, Fact
from graph.themes import ThemeMatcher
from graph.vocab import HK, ORG_ROLES, PROV, RDF, SCHEMA, XSD

logger = logging.getLogger(__name__)

SPACY_MODEL = "spacy_fi_experimental_web_md"
#: spaCy reads at most this many characters of a document (speed on huge dumps).
NER_MAX_CHARS = 20_000

# Extractor names recorded in the evidence.
X_FIELD = "rule:label-value"
X_TITLE = "rule:title"
X_DATES = "rule:dates"
X_STATUS = "rule:status-from-end-date"
X_GAZETTEER = "gazetteer"
X_NER = "ner+rules"
X_ROLE = "gazetteer+role-cue"
X_PROJECT = "rule:project-mention"
X_PUBLICATION = "rule:publication"
X_EVENT = "rule:event"
X_TARGET = "rule:target-group"
X_THEME = "theme-matcher"
X_SUMMARY = "rule:summary"

#: Site chrome: whole lines made of these are never content.
CHROME_PHRASES = frozenset(
    s.lower()
    for s in (
        "Siirry sisältöön",
        "Siirry navigointiin",
        "Siirry päävalikkoon",
        "Hyppää sisältöön",
        "Omat työkalut",
        "Navigation",
        "Navigointi",
        "Navigaatio",
        "Päävalikko",
        "Valikko",
        "Menu",
        "Main menu",
        "Skip to content",
        "Skip to main content",
        "Skip navigation",
        "Kirjaudu sisään",
        "Kirjaudu",
        "Log in",
        "Login",
        "Sign in",
        "Rekisteröidy",
        "Etusivu",
        "Home",
        "Haku",
        "Hae",
        "Search",
        "Tulosta",
        "Print",
        "Jaa",
        "Share",
        "Palaute",
        "Feedback",
        "Sivukartta",
        "Sitemap",
        "Takaisin",
        "Back",
        "Evästeet",
        "Evästeasetukset",
        "Cookies",
        "Cookie settings",
        "Saavutettavuusseloste",
        "Accessibility statement",
        "Tietosuojaseloste",
        "Privacy policy",
        "Ota meihin yhteyttä",
        "Ota yhteyttä",
        "Kysyttävää?",
        "Contact us",
        "Selite",
        "Sisältö",
        "Hankkeen sisältö",
        "Hankkeet",
        "Projects",
        "Meneillään",
        "Päättynyt",
        "Päättyneet",
        "Päättyneet hankkeet",
        "Meneillään olevat hankkeet",
        "Käynnissä olevat hankkeet",
        "Ajankohtaista",
        "Uutiset",
        "News",
        "Ongoing",
        "Completed",
        "Suomeksi",
        "På svenska",
        "In English",
        "FI",
        "SV",
        "EN",
        "Kotisivu",
        "Julkaisut",
        "Tulokset",
        "Lue lisää",
        "Read more",
        "Näytä lisää",
        "Sulje",
        "Close",
        "Seuraava",
        "Edellinen",
        "Next",
        "Previous",
        "Sivun alkuun",
        "Back to top",
    )
)
_CHROME_PATTERNS = (
    re.compile(r"^tietoa\s+\S+:st[aä]$", re.I),
    re.compile(r"^about\s+\S+\.(fi|com|org|net)$", re.I),
    re.compile(r"^(©|\(c\)|copyright)\b", re.I),
    re.compile(r"^(facebook|twitter|linkedin|instagram|youtube|x)$", re.I),
)
_GLUED_CHROME = re.compile(
    "(?i:"
    + "|".join(re.escape(p) for p in sorted(CHROME_PHRASES, key=len, reverse=True) if len(p) > 3)
    + r")(?=[A-ZÅÄÖ])"
)
_CHROME_SPLIT = re.compile(r"\s*[|•·»›/]\s*")
#: A navigation word glued onto the next word: "työkalutTyöikäisten".
_GLUE = re.compile(r"(?P<left>[A-Za-zÅÄÖåäö]*[a-zåäö]{4,})(?P<right>[A-ZÅÄÖ][a-zåäö])")

_PROJECT_WORDS = re.compile(
    r"\b(hank\w*|projekt\w*|project\w*|kehittämis\w*|pilot\w*|ohjelm\w*|programme)", re.I
)
_PROJECT_SENTENCE = re.compile(
    r"\b(hank\w*|projekt\w*|project\w*|toteut\w*|kesto|vuosina|ajalla|aikavälillä|"
    r"implemented|duration|period)\b",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9\"”“(])|\n\s*\n|\n(?=\S)")
_ABBREVIATIONS = ("ko.", "n.", "esim.", "mm.", "ns.", "yms.", "jne.", "ts.", "eli.", "vrt.", "e.g.")
_NAME_TOKEN = re.compile(r"^[A-ZÅÄÖ][a-zåäöéüš]+(?:-[A-ZÅÄÖ][a-zåäöéüš]+)?$")
_PERSON_IN_TEXT = re.compile(
    r"[A-ZÅÄÖ][a-zåäöéüš]+(?:-[A-ZÅÄÖ][a-zåäöéüš]+)?(?:\s+[A-ZÅÄÖ][a-zåäöéüš]+(?:-[A-ZÅÄÖ][a-zåäöéüš]+)?){1,2}"
)
_ITEM_SPLIT = re.compile(r"\s*(?:\n|;|,|\s&\s|\s+(?:ja|sekä|and|och|samt)\s+)\s*")
_TRAILING_GENERIC = re.compile(
    r"\s+(edustajat|edustaja|edustajia|edustajista|edustajina|representatives?|"
    r"from\s+.*|-?organisaatiot?)$",
    re.I,
)
_LEGAL_NAME = re.compile(
    r"((?:[A-ZÅÄÖ][\wåäöÅÄÖ&-]*\s+){0,4}[A-ZÅÄÖ][\wåäöÅÄÖ&-]*\s+(?:ry|r\.y\.|rf|Oy|Oyj|Ab|sr))"
    r"(?::\w+)?\b"
)
_LEADING_GENERIC = re.compile(r"^(the|ja|sekä|and|myös|also)\s+", re.I)
_PAREN = re.compile(r"\s*\(([^)]*)\)")

#: Organisation role cues: (role, regex) applied to the text right after a
#: list of organisations ("Kelan ja STM:n rahoittama") ...
_ROLE_AFTER: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "funder",
        re.compile(
            r"^\s*(rahoit\w*|tuella\b|tukema\w*|avustuksella|"
            r"rahoituksella|myöntämällä|funds\b|funded\b|financed\b)",
            re.I,
        ),
    ),
    (
        "coordinator",
        re.compile(
            r"^\s*(hallinnoim\w*|hallinnoi\b|koordinoim\w*|koordinoi\b|"
            r"vetämä\w*|johtama\w*|coordinates\b|leads\b|manages\b)",
            re.I,
        ),
    ),
    (
        "implementer",
        re.compile(
            r"^\s*(toteut(?:ta|ti)\w*|implements\b|implemented\b|"
            r"carries out\b|carried out\b|runs\b)",
            re.I,
        ),
    ),
    ("partner", re.compile(r"^\s*(kanssa\b|kumppanina|kumppaneina|yhteistyökumppanina)", re.I)),
)
#: ... and before it ("rahoittajana toimii STEA", "funded by Kela and STM").
_ROLE_BEFORE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("steeringGroupMember", re.compile(r"(ohjausryhmä\w*|steering (group|committee))", re.I)),
    (
        "funder",
        re.compile(
            r"(rahoit\w*|"
            r"funded by|financed by|funding from|funder\w*|supported by|"
            r"grant from)",
            re.I,
        ),
    ),
    (
        "coordinator",
        re.compile(
            r"(hallinnoi\w*|koordinoi\w*|päätoteuttaj\w*|hallinnoijana|"
            r"coordinated by|led by|managed by|coordinator|lead partner|"
            r"vetäjänä)",
            re.I,
        ),
    ),
    (
        "implementer",
        re.compile(
            r"(toteut(?:ta|ti|ja)\w*|implemented by|carried out by|"
            r"run by|implementers?)",
            re.I,
        ),
    ),
    (
        "partner",
        re.compile(
            r"(yhteistyö\w*|kumppan\w*|partners?|in (co-?operation|collaboration|"
            r"partnership) with|together with|mukana\w*)",
            re.I,
        ),
    ),
)
_LIST_GAP = re.compile(r"^\s*\)?\s*(,|;|ja|sekä|and|&|och|\()?\s*$", re.I)

#: A project or programme named in the text: "Savotta-hankkeessa", "PaKaste2-hankkeen",
#: "Tulevaisuuden lastensuojelu -hanke", "KASTE-ohjelman".
_PROJECT_MENTION = re.compile(
    r"(?P<name>[A-ZÅÄÖ0-9][\wÅÄÖåäö+&.]*?)(?P<sep>-|\s-)(?P<kind>hank(?:e|kee|ke|ket|keid)\w*|"
    r"projekt\w*|ohjelm\w*)\b"
)
_PROJECT_MENTION_EN = re.compile(
    r"\b(?:the\s+)(?P<name>[A-Z][\w-]+(?:\s+[A-Z][\w-]+){0,3})\s+(?P<kind>project|programme)\b"
)
_NOT_PROJECT_NAMES = frozenset(
    "hanke hankkeen tämä kyseinen koko kehittämis eu esr esr+ stea ray sote kaste "
    "kärki kärkihanke tutkimus kehittämishanke pilotti ja tai".split()
)
_PART_OF_AFTER = re.compile(r"^\s*(aikana|puitteissa|osana|alla)\b", re.I)
_PART_OF_BEFORE = re.compile(r"\b(osana|osa|osaksi|part of|within|under)\s+(the\s+)?$", re.I)

_PUBLICATION_CUE = re.compile(
    r"(artikkel\w*|käsikirjoitu\w*|julkais\w*|julkaisu\w*|raportti\w*|raportissa|opas\w*|"
    r"kirjoitet\w*|työnimellä|otsikolla|teoksessa|lehte\w*|lehde\w*|manuscript|article|"
    r"published|report|journal)",
    re.I,
)
_ISSUE = re.compile(r"(?<![\w/.])(?P<issue>\d{1,2})\s?/\s?(?P<year>\d{4}|\d{2})(?![\w/])")
_JOURNAL_NOUNS = (
    "lehti",
    "aikakauskirja",
    "aikakauslehti",
    "journal",
    "review",
    "tidskrift",
    "katsaus",
    "julkaisu",
    "sarja",
)
_QUOTED = re.compile(r"[”“\"«]([^”“\"«»\n]{6,200}?)[”\"»]")

_TRAINING = re.compile(
    r"\b(\w*koulutu\w*|\w*seminaar\w*|työpaj\w*|\w*tilaisuu\w*|webinaar\w*|training\w*|"
    r"seminar\w*|workshop\w*)",
    re.I,
)
_PARTICIPANTS = re.compile(
    r"(?:osallistui\s+(?:yhteensä\s+|noin\s+|n\.\s*|kaikkiaan\s+)?(?P<a>\d+(?: \d{3})*)|"
    r"(?P<b>\d+(?: \d{3})*)\s+(?:osallistujaa|osanottajaa|participants|attendees)|"
    r"(?:attended by|participants:)\s+(?P<c>\d+(?: \d{3})*))",
    re.I,
)
_PILOT = re.compile(r"\bpilot\w*", re.I)
_START_CUE = re.compile(
    r"\b(alko\w*|alkaa|alkavat|käynnistyi\w*|käynnistettiin|käynnistyy|aloitti\w*|aloitettiin|"
    r"started|starts|began|begins|launched)\b(?!.*\b(päätty\w*|ended|ends)\b)[^.]*$",
    re.I,
)
_END_CUE = re.compile(
    r"\b(päättyi|päättyy|päättyvät|loppui|loppuu|päätettiin|ended|ends|will end|finished|"
    r"closed)\b[^.]*$",
    re.I,
)

_TARGET_CUE = re.compile(
    r"(?:kohderyhmän(?:ä|ämme)\s+(?:ovat|on|olivat|oli|ovat\s+olleet)?\s*|"
    r"kohderyhm(?:ä|ät)\s+(?:ovat|on|olivat|oli)\s+|kohderyhm(?:ä|ät)\s*:\s*|"
    r"target groups?\s*(?:is|are|was|were|include[sd]?|consists? of|:)\s*)"
    r"(?P<value>[^.;\n]{3,160})",
    re.I,
)
_RECEIVED = re.compile(
    r"\b(?P<adv>pitkään\s+|pitkäaikaisesti\s+)?(?P<noun>[a-zåäö]+(?:a|ä))\s+"
    r"(?P<verb>saanee?t|saaneen|saaneiden|saaneille|saaneita|saaneiksi)\b"
)

_EMAIL_OR_PHONE = re.compile(
    r"@|\+?\d[\d ]{6,}|\b\d{5}\b|\bpuh\.?\b|\bPL\s*\d|\bosoite\b|\baddress\b", re.I
)
#: "Helsinki 2004": a publisher's imprint, not an area served.
_IMPRINT = re.compile(r"^\s*,?\s*(19|20)\d\d\b")
#: Credits lines: the people named there made the document, not the project.
_CREDITS = re.compile(
    r"(kuva|kuvat|taitto|valokuva|kansikuva|painopaikka|photo|layout)\s*:\s*$", re.I
)
_ROLE_RESPONSIBLE = re.compile(
    r"(vastuuhenkilö\w*|projektipäällik\w*|hankepäällik\w*|projektinjohtaj\w*|johtaja\w*|"
    r"project manager|project leader|principal investigator)\s*:?\s*$",
    re.I,
)
_ROLE_CONTACT = re.compile(r"(yhteyshenkilö\w*|lisätietoja\w*|contact\w*)\s*:?\s*$", re.I)


class LinkerLike(Protocol):
    """The gazetteer linker's interface (``graph.linker.Linker``)."""

    def link_place(self, mention: str) -> Any: ...  # noqa: D102
    def link_organisation(self, mention: str) -> Any: ...  # noqa: D102
    def find_all(self, text: str, strict: bool = True) -> Sequence[Any]: ...  # noqa: D102
    def describe(self, link: Any) -> list[tuple[URIRef, URIRef, Node]]: ...  # noqa: D102
    def municipal_organisation(self, code: str, kind: str = "kaupunki") -> Any: ...  # noqa: D102


@lru_cache(maxsize=1)
def load_nlp() -> Any:
    """The Finnish spaCy pipeline, loaded once per process."""
    import spacy

    return spacy.load(SPACY_MODEL)


@lru_cache(maxsize=4)
def _theme_matcher(path: str) -> ThemeMatcher:
    return ThemeMatcher.from_csv(Path(path))


@dataclass
class _OrgMention:
    start: int
    end: int
    surface: str
    iri: URIRef
    name: str
    link: Any = None
    minted: bool = False
    extractor: str = X_GAZETTEER


@dataclass
class _Run:
    """State of one extraction run: the text, its chrome and the facts so far."""

    doc: Document
    doc_iri: URIRef
    text: str
    lang: str
    chrome: list[tuple[int, int]]
    facts: list[Fact] = field(default_factory=list)
    seen: set[tuple[Node, Node, Node]] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    _mentions: list[Any] | None = None

    def evidence(
        self, start: int, end: int, extractor: str, score: float | None = None
    ) -> Evidence:
        quote = self.text[start:end]
        assert self.text[start:end] == quote
        return Evidence(start, end, quote, extractor, score)

    def add(self, s: URIRef, p: URIRef, o: URIRef | Literal, ev: Evidence | None = None) -> None:
        key = (s, p, o)
        if key in self.seen:
            return
        self.seen.add(key)
        self.facts.append(Fact(s, p, o, ev))

    def mentions(self, linker: LinkerLike) -> Sequence[Any]:
        """The linker's mentions in the whole text, found once per run."""
        if self._mentions is None:
            self._mentions = list(linker.find_all(self.text))
        return self._mentions

    def in_chrome(self, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in self.chrome)


class Extractor:
    """Extracts facts about the project(s) a document describes."""

    def __init__(
        self,
        nlp: Any,
        linker: LinkerLike,
        iris: Iris,
        reference: Any = None,
        *,
        themes: ThemeMatcher | None = None,
        today: date | None = None,
        morph: Morphology | None = None,
    ) -> None:
        self.nlp = nlp
        self.linker = linker
        self.iris = iris
        self.reference = reference
        if themes is None and reference is not None:
            themes = _theme_matcher(str(reference.directory / "yso_subset.csv"))
        self.themes = themes
        self.today = today
        self.morph = morph or morphology()

    # ================================================================ public

    def extract(self, document: Document, document_iri: URIRef) -> Extraction:
        """All facts of ``document``; the first project IRI is the main project."""
        text = document.text
        run = _Run(document, document_iri, text, document.language, chrome_spans(text))
        fields = parse_fields(text)
        fmap = fields_by_key(fields)
        ents = self._entities(run)
        sentences = sentence_spans(text)

        names = self._names(run, fmap)
        project: URIRef | None = None
        if names and self._looks_like_project(run, fmap):
            primary_name, primary_lang, primary_ev = names[0]
            project = self.iris.project(primary_name)
            run.add(project, RDF.type, HK.Project)
            run.add(project, RDF.type, SCHEMA.Project)
            for name, lang, ev in names:
                run.add(project, SCHEMA.name, Literal(name, lang=lang), ev)
        else:
            run.warnings.append(
                f"{document.path}: no project recognised; entities are linked to the document"
            )
        subject = project or document_iri
        orgs = self._organisations(run)
        if project is not None:
            self._project_dates(run, project, fmap, sentences, names)
            self._description(run, project, fmap)
            assigned = self._org_roles(run, project, fields, orgs, sentences, ents)
            self._persons(run, project, fields, ents)
            self._places(run, project, fmap, sentences, orgs, assigned=assigned)
            self._related_projects(run, project, names, sentences, ents)
            self._publications(run, project, sentences)
            self._events(run, project, sentences)
            self._target_group(run, project, fmap)
            self._themes(run, project, names)
        for org in orgs:
            run.add(
                document_iri,
                SCHEMA.mentions,
                org.iri,
                run.evidence(org.start, org.end, org.extractor),
            )
            self._describe_org(run, org)
        if project is None:
            self._persons(run, subject, fields, ents, predicate=SCHEMA.mentions)
            self._places(run, subject, fmap, sentences, orgs, predicate=SCHEMA.mentions)
        return Extraction(
            document=document,
            document_iri=document_iri,
            project_iris=[project] if project is not None else [],
            facts=run.facts,
            warnings=run.warnings,
        )

    # ================================================================ NER

    def _entities(self, run: _Run) -> list[tuple[int, int, str, str]]:
        """spaCy entities ``(start, end, label, text)`` outside chrome."""
        if self.nlp is None:
            return []
        text = run.text[:NER_MAX_CHARS]
        disable = [p for p in ("parser", "lemmatizer") if p in self.nlp.pipe_names]
        doc = self.nlp(text, disable=disable)
        out: list[tuple[int, int, str, str]] = []
        for ent in doc.ents:
            start, end = ent.start_char, ent.end_char
            surface = run.text[start:end]
            # spaCy includes trailing punctuation and newlines at times.
            stripped = surface.rstrip(" ,.;:\n")
            end = start + len(stripped)
            if not stripped or run.in_chrome(start, end):
                continue
            label = ent.label_
            # "Toivola-Luotolan Setlementti ry": spaCy splits a name at a genitive.
            if (
                out
                and label == "ORG"
                and out[-1][2] in ("ORG", "GPE")
                and run.text[out[-1][1] : start] == " "
            ):
                prev = out.pop()
                start, label = prev[0], "ORG"
                stripped = run.text[start:end]
            out.append((start, end, label, stripped))
        # Names with a legal form ("Pohjois-Savon Kylät ry") are organisations
        # whatever NER made of them.
        for m in _LEGAL_NAME.finditer(text):
            s, e = m.span(1)
            if run.in_chrome(s, e) or any(x[2] == "ORG" and x[0] <= s and e <= x[1] for x in out):
                continue
            out = [x for x in out if not (x[0] < e and s < x[1])]
            out.append((s, e, "ORG", run.text[s:e]))
        out.sort()
        return out

    # ================================================================ names

    def _names(self, run: _Run, fmap: dict[str, Field]) -> list[tuple[str, str, Evidence | None]]:
        """Project names, primary first: ``(name, language, evidence)``."""
        out: list[tuple[str, str, Evidence | None]] = []
        for key, lang in (("name", "fi"), ("name_en", "en"), ("name_sv", "sv")):
            f = fmap.get(key)
            if f is None:
                continue
            value = f.value.split("\n")[0].strip()
            if not value or len(value) > 250:
                continue
            if key == "name":
                lang = _name_language(value, run.lang)
            out.append((value, lang, run.evidence(f.start, f.start + len(value), X_FIELD)))
        if out:
            return out
        title = self._title(run)
        if title is not None:
            out.append(title)
        return out

    def _title(self, run: _Run) -> tuple[str, str, Evidence | None] | None:
        text = run.text
        candidates: list[str] = []
        if run.doc.title:
            candidates.append(clean_title(run.doc.title))
        for cand in candidates:
            if not cand:
                continue
            pos = text.find(cand)
            ev = run.evidence(pos, pos + len(cand), X_TITLE) if pos >= 0 else None
            return cand, _name_language(cand, run.lang), ev
        # No metadata title: the first short, non-chrome line of the page.
        for line_start, line in _lines(text)[:25]:
            stripped = line.strip()
            if not stripped or _is_chrome_text(stripped):
                continue
            offset = line_start + (len(line) - len(line.lstrip()))
            cleaned = clean_title(stripped)
            if not cleaned:
                continue
            if not _title_like(cleaned):
                if len(stripped.split()) > 20 or stripped.endswith("."):
                    break
                continue
            pos = text.find(cleaned, offset)
            ev = run.evidence(pos, pos + len(cleaned), X_TITLE) if pos >= 0 else None
            return cleaned, _name_language(cleaned, run.lang), ev
        return None

    def _looks_like_project(self, run: _Run, fmap: dict[str, Field]) -> bool:
        project_fields = {
            "start",
            "end",
            "duration",
            "funder",
            "coordinator",
            "implementer",
            "partner",
            "steering",
            "responsible",
            "summary",
        }
        if project_fields & fmap.keys():
            return True
        return bool(_PROJECT_WORDS.search(run.text))

    # ================================================================ dates

    def _project_dates(
        self,
        run: _Run,
        project: URIRef,
        fmap: dict[str, Field],
        sentences: list[tuple[int, int]],
        names: list[tuple[str, str, Evidence | None]],
    ) -> None:
        begin: tuple[PartialDate, DateSpan] | None = None
        finish: tuple[PartialDate, DateSpan] | None = None

        def spans_in(f: Field) -> list[DateSpan]:
            return [with_offset(s, f.start) for s in find_dates(f.value)]

        if "start" in fmap:
            for s in spans_in(fmap["start"]):
                if s.begin is not None:
                    begin = (s.begin, s)
                    if s.kind == "range" and s.finish is not None and "end" not in fmap:
                        finish = (s.finish, s)
                    break
        if "end" in fmap:
            for s in spans_in(fmap["end"]):
                if s.finish is not None:
                    finish = (s.finish, s)
                    break
        if "duration" in fmap and (begin is None or finish is None):
            for s in spans_in(fmap["duration"]):
                if begin is None and s.begin is not None and s.kind in ("range", "from"):
                    begin = (s.begin, s)
                if finish is None and s.finish is not None and s.kind in ("range", "until"):
                    finish = (s.finish, s)
                if begin and finish:
                    break
        extractor = X_FIELD
        if begin is None and finish is None:
            extractor = X_DATES
            found = self._dates_from_text(run, sentences, names)
            if found is not None:
                begin, finish = found
        if begin is not None:
            run.add(
                project,
                SCHEMA.startDate,
                date_literal(begin[0]),
                run.evidence(begin[1].start, begin[1].end, extractor),
            )
        if finish is not None:
            end_lit = date_literal(finish[0])
            ev = run.evidence(finish[1].start, finish[1].end, extractor)
            run.add(project, SCHEMA.endDate, end_lit, ev)
            today = self.today or date.today()
            status = HK.StatusEnded if finish[0].last_day() < today else HK.StatusOngoing
            run.add(
                project, HK.status, status, run.evidence(finish[1].start, finish[1].end, X_STATUS)
            )

    def _dates_from_text(
        self,
        run: _Run,
        sentences: list[tuple[int, int]],
        names: list[tuple[str, str, Evidence | None]],
    ) -> tuple[tuple[PartialDate, DateSpan] | None, tuple[PartialDate, DateSpan] | None] | None:
        text = run.text
        # 1. a period in the title: "Tulevaisuuden lastensuojelu -hanke (2020-2022)".
        for _, _, ev in names:
            if ev is None:
                continue
            for s in find_dates(ev.quote):
                if s.kind == "range" and s.begin is not None and s.finish is not None:
                    moved = with_offset(s, ev.start)
                    return (s.begin, moved), (s.finish, moved)
        ranges: list[DateSpan] = []
        project_ranges: list[DateSpan] = []
        for start, end in sentences:
            if run.in_chrome(start, end):
                continue
            sentence = text[start:end]
            spans = [with_offset(s, start) for s in find_dates(sentence)]
            spans = [
                s for s in spans if s.kind == "range" and s.begin and s.finish and not s.approximate
            ]
            if (
                not spans
                or _PILOT.search(sentence)
                or _TRAINING.search(sentence)
                and not _PROJECT_SENTENCE.search(sentence)
            ):
                continue
            ranges.extend(spans)
            if _PROJECT_SENTENCE.search(sentence):
                project_ranges.extend(spans)
        chosen = project_ranges or (ranges if len(ranges) <= 5 else [])
        if not chosen:
            return self._dates_from_cues(run, sentences)
        first = min(chosen, key=lambda s: s.begin.first_day())  # type: ignore[union-attr]
        last = max(chosen, key=lambda s: s.finish.last_day())  # type: ignore[union-attr]
        assert first.begin is not None and last.finish is not None
        return (first.begin, first), (last.finish, last)

    def _dates_from_cues(
        self, run: _Run, sentences: list[tuple[int, int]]
    ) -> tuple[tuple[PartialDate, DateSpan] | None, tuple[PartialDate, DateSpan] | None] | None:
        """ "Hanke alkoi syksyllä 2014 ja päättyy 31.12.2016": a date after a start
        or end verb in a sentence about the project."""
        begin: tuple[PartialDate, DateSpan] | None = None
        finish: tuple[PartialDate, DateSpan] | None = None
        for start, end in sentences:
            sentence = run.text[start:end]
            if run.in_chrome(start, end) or not _PROJECT_WORDS.search(sentence):
                continue
            for span in find_dates(sentence):
                before = sentence[max(0, span.start - 45) : span.start]
                moved = with_offset(span, start)
                if begin is None and span.begin is not None and _START_CUE.search(before):
                    begin = (span.begin, moved)
                elif finish is None and span.finish is not None and _END_CUE.search(before):
                    finish = (span.finish, moved)
        if begin is None and finish is None:
            return None
        if begin and finish and begin[0].first_day() > finish[0].last_day():
            return None
        return begin, finish

    # ================================================================ description

    def _description(self, run: _Run, project: URIRef, fmap: dict[str, Field]) -> None:
        """The summary field, else the first substantial paragraph, else the results."""
        f = fmap.get("summary")
        if f is None:
            for start, end in paragraph_spans(run.text):
                if run.in_chrome(start, end):
                    continue
                para = run.text[start:end]
                if len(para.split()) >= 15 and not parse_fields(para):
                    run.add(
                        project,
                        SCHEMA.description,
                        Literal(para, lang=run.lang),
                        run.evidence(start, end, X_SUMMARY),
                    )
                    return
            f = fmap.get("results")
        if f is not None:
            lang = detect_language(f.value, run.lang)
            run.add(
                project,
                SCHEMA.description,
                Literal(f.value, lang=lang),
                run.evidence(f.start, f.end, X_FIELD),
            )

    # ================================================================ organisations

    def _organisations(self, run: _Run) -> list[_OrgMention]:
        """Linked organisation mentions of the whole text (gazetteer first)."""
        out: list[_OrgMention] = []
        for m in run.mentions(self.linker):
            link = m.link
            if link.kind not in ("organisation", "wellbeing_county") or run.in_chrome(
                m.start, m.end
            ):
                continue
            out.append(
                _OrgMention(
                    m.start, m.end, m.surface, link.iri, link.label, link, extractor=X_GAZETTEER
                )
            )
        return out

    def _resolve_org(self, run: _Run, start: int, end: int, extractor: str) -> _OrgMention | None:
        """An organisation named by ``text[start:end]``: linked, else minted if name-like."""
        surface = run.text[start:end]
        link = self.linker.link_organisation(surface)
        if link is not None:
            return _OrgMention(start, end, surface, link.iri, link.label, link, extractor=extractor)
        place = self.linker.link_place(surface)
        if place is not None:
            if (
                place.kind == "municipality"
                and surface.strip() == surface
                and _is_bare_name(surface)
            ):
                org = self.linker.municipal_organisation(place.key)
                return _OrgMention(
                    start, end, surface, org.iri, org.label, org, extractor=extractor
                )
            return None
        name = self.normalise_org_name(surface)
        if not name or not _org_name_like(name) or _is_chrome_text(name):
            return None
        return _OrgMention(
            start,
            end,
            surface,
            self.iris.organisation(name),
            name,
            minted=True,
            extractor=X_NER if extractor != X_FIELD else X_FIELD,
        )

    def normalise_org_name(self, surface: str) -> str:
        """Base form of an organisation name: only the head word is lemmatised
        ("Lapin korkeakoulukonsernin" -> "Lapin korkeakoulukonserni")."""
        name = " ".join(surface.split()).strip(" .,;:-")
        name = _PAREN.sub("", name).strip()
        words = name.split(" ")
        if not words or not words[-1]:
            return ""
        head = words[-1]
        if re.fullmatch(r"[A-ZÅÄÖ0-9-]+:\w+", head):
            head = head.split(":")[0]
        elif not head.isupper():
            base = self.morph.baseform(head)
            if base and base.lower() != head.lower():
                head = base if head[:1].isupper() else base[:1].lower() + base[1:]
        words[-1] = head
        return " ".join(words)

    def _field_items(self, run: _Run, f: Field) -> list[tuple[int, int]]:
        """Spans of the list items in a field value (organisations, persons, places)."""
        value = f.value
        out: list[tuple[int, int]] = []
        pos = 0
        depth_safe = _protect(value)
        for m in _ITEM_SPLIT.finditer(depth_safe):
            out.append((pos, m.start()))
            pos = m.end()
        out.append((pos, len(value)))
        spans: list[tuple[int, int]] = []
        for s, e in out:
            item = value[s:e]
            lead = _LEADING_GENERIC.match(item)
            if lead:
                s += lead.end()
                item = value[s:e]
            trail = _TRAILING_GENERIC.search(item)
            if trail:
                e = s + trail.start()
            item = value[s:e]
            stripped = item.strip(" .,;:-–\t")
            if not stripped:
                continue
            s += item.index(stripped)
            spans.append((f.start + s, f.start + s + len(stripped)))
        return spans

    def _org_roles(
        self,
        run: _Run,
        project: URIRef,
        fields: list[Field],
        orgs: list[_OrgMention],
        sentences: list[tuple[int, int]],
        ents: list[tuple[int, int, str, str]],
    ) -> dict[str, set[URIRef]]:
        """Assign organisations their roles; returns role -> organisation IRIs."""
        role_fields = {
            "funder": "funder",
            "coordinator": "coordinator",
            "implementer": "implementer",
            "partner": "partner",
            "steering": "steeringGroupMember",
        }
        assigned: dict[str, set[URIRef]] = {}
        field_ranges: list[tuple[int, int]] = []
        for f in fields:
            role = role_fields.get(f.key)
            if role is None:
                continue
            field_ranges.append((f.start, f.end))
            for s, e in self._field_items(run, f):
                org = self._resolve_org(run, s, e, X_FIELD)
                if org is None:
                    continue
                self._assign(run, project, role, org, assigned)
        # NER proposes organisations the gazetteer does not know; they count
        # only where a role cue names them.
        proposed: list[_OrgMention] = []
        for s, e, label, surface in ents:
            if label != "ORG" or any(o.start < e and s < o.end for o in orgs):
                continue
            if any(a <= s < b for a, b in field_ranges) or _PROJECT_MENTION.search(surface):
                continue
            org = self._resolve_org(run, s, e, X_NER)
            if org is not None:
                proposed.append(org)
        candidates = sorted([*orgs, *proposed], key=lambda o: o.start)
        # Free text: lists of organisations with a role cue next to them.
        for start, end in sentences:
            in_sentence = [
                o
                for o in candidates
                if start <= o.start
                and o.end <= end
                and not any(a <= o.start < b for a, b in field_ranges)
            ]
            for group in _org_lists(run.text, in_sentence):
                role = self._role_for(run.text, group, start)
                if role is None:
                    continue
                for org in group:
                    org.extractor = X_ROLE
                    self._assign(run, project, role, org, assigned)
        # A city or municipality that the text names as an organisation and
        # that has no other role runs the work itself.
        if not assigned.get("coordinator") and not assigned.get("implementer"):
            done: set[URIRef] = set().union(*assigned.values()) if assigned else set()
            for org in orgs:
                link = org.link
                if (
                    link is not None
                    and getattr(link, "generated", False)
                    and getattr(link, "location", None) is not None
                    and org.iri not in done
                ):
                    org.extractor = X_ROLE
                    self._assign(run, project, "implementer", org, assigned)
                    done.add(org.iri)
        return assigned

    def _role_for(self, text: str, group: list[_OrgMention], sentence_start: int) -> str | None:
        after = text[group[-1].end : group[-1].end + 40].split("\n")[0]
        after = re.sub(r"^(:\w+|n\b)?\s*\)?", "", after)
        for role, pattern in _ROLE_AFTER:
            if pattern.match(after):
                if role == "partner" and not re.search(
                    r"yhteistyö|kumppan",
                    text[max(sentence_start, group[0].start - 80) : group[0].start],
                    re.I,
                ):
                    continue
                return role
        before = text[max(sentence_start, group[0].start - 60) : group[0].start]
        best: tuple[int, str] | None = None
        for role, pattern in _ROLE_BEFORE:
            for m in pattern.finditer(before):
                if best is None or m.end() > best[0]:
                    best = (m.end(), role)
        if best is None:
            return None
        # The cue must govern the list: nothing but a few words in between.
        gap = before[best[0] :]
        if len(gap.split()) > 4 or re.search(r"[.;:]\s", gap):
            return None
        return best[1]

    def _assign(
        self,
        run: _Run,
        project: URIRef,
        role: str,
        org: _OrgMention,
        assigned: dict[str, set[URIRef]],
    ) -> None:
        if org.iri in assigned.setdefault(role, set()):
            return
        assigned[role].add(org.iri)
        run.add(project, ORG_ROLES[role], org.iri, run.evidence(org.start, org.end, org.extractor))
        self._describe_org(run, org)

    def _describe_org(self, run: _Run, org: _OrgMention) -> None:
        if org.minted:
            run.add(org.iri, RDF.type, SCHEMA.Organization)
            run.add(
                org.iri,
                SCHEMA.name,
                Literal(org.name, lang=_name_language(org.name, run.lang)),
                run.evidence(org.start, org.end, org.extractor),
            )
            acronym = _PAREN.search(org.surface)
            if acronym and re.fullmatch(r"[A-ZÅÄÖ0-9-]{2,10}", acronym.group(1).strip()):
                run.add(org.iri, SCHEMA.alternateName, Literal(acronym.group(1).strip()))
        elif org.link is not None and getattr(org.link, "generated", False):
            for s, p, o in self.linker.describe(org.link):
                if (
                    isinstance(s, URIRef)
                    and isinstance(p, URIRef)
                    and isinstance(o, URIRef | Literal)
                ):
                    run.add(s, p, o)

    # ================================================================ persons

    def _persons(
        self,
        run: _Run,
        subject: URIRef,
        fields: list[Field],
        ents: list[tuple[int, int, str, str]],
        predicate: URIRef | None = None,
    ) -> None:
        done: set[URIRef] = set()
        field_ranges: list[tuple[int, int]] = []
        for f in fields:
            if f.key not in ("responsible", "contact", "persons"):
                continue
            field_ranges.append((f.start, f.end))
            pred = predicate or {
                "responsible": HK.responsiblePerson,
                "contact": HK.contactPerson,
            }.get(f.key, HK.person)
            for line_start, line in _lines(f.value):
                if not line.strip():
                    continue
                for m in _PERSON_IN_TEXT.finditer(line):
                    trimmed = self._trim_person(m.group())
                    if trimmed is None:
                        continue
                    name = trimmed[1]
                    if not self._valid_person(name, strict=False):
                        continue
                    s = f.start + line_start + m.start() + trimmed[0]
                    self._add_person(run, subject, pred, name, s, s + len(name), X_FIELD, done)
                    break
        for ent_start, _, label, ent_surface in ents:
            if label != "PER" and label != "PERSON":
                continue
            if any(a <= ent_start < b for a, b in field_ranges):
                continue
            trimmed = self._trim_person(ent_surface)
            if trimmed is None:
                continue
            for offset, part in self._split_persons(trimmed[1]):
                start = ent_start + trimmed[0] + offset
                self._ner_person(run, subject, part, start, predicate, done)

    def _ner_person(
        self,
        run: _Run,
        subject: URIRef,
        surface: str,
        start: int,
        predicate: URIRef | None,
        done: set[URIRef],
    ) -> None:
        end = start + len(surface)
        name = self._person_base(surface)
        if not self._valid_person(name, strict=True):
            return
        before = run.text[max(0, start - 40) : start]
        if _CREDITS.search(before):
            return
        pred = predicate or (
            HK.responsiblePerson
            if _ROLE_RESPONSIBLE.search(before)
            else HK.contactPerson
            if _ROLE_CONTACT.search(before)
            else HK.person
        )
        self._add_person(run, subject, pred, name, start, end, X_NER, done)

    def _add_person(
        self,
        run: _Run,
        subject: URIRef,
        pred: URIRef,
        name: str,
        start: int,
        end: int,
        extractor: str,
        done: set[URIRef],
    ) -> None:
        iri = self.iris.person(name)
        if iri in done:
            return
        done.add(iri)
        ev = run.evidence(start, end, extractor)
        run.add(subject, pred, iri, ev)
        run.add(iri, RDF.type, SCHEMA.Person)
        run.add(iri, SCHEMA.name, Literal(name), ev)
        if pred != SCHEMA.mentions:
            run.add(run.doc_iri, SCHEMA.mentions, iri, ev)

    def _split_persons(self, surface: str) -> list[tuple[int, str]]:
        """ "Hanna Falk Marjo Kurki" (two names in one NER span) -> two names."""
        words = list(re.finditer(r"\S+", surface))
        if len(words) == 4 and self._first_name(words[2].group()):
            return [
                (0, surface[: words[1].end()]),
                (words[2].start(), surface[words[2].start() :]),
            ]
        return [(0, surface)]

    def _first_name(self, word: str) -> bool:
        return any(a.get("CLASS") == "etunimi" for a in self.morph.analyses(word))

    def _trim_person(self, surface: str) -> tuple[int, str] | None:
        """The name inside an NER span: its first line, without leading titles or
        trailing common words ("Projektipäällikkö Tuulikki X" -> "Tuulikki X")."""
        line = surface.split("\n")[0]
        words = list(re.finditer(r"\S+", line))

        def ordinary(word: str) -> list[dict[str, str]]:
            analyses = list(self.morph.analyses(word))
            classes = {a.get("CLASS") for a in analyses}
            if classes & {"etunimi", "sukunimi", "nimi", "paikannimi"}:
                return []
            return analyses

        # A title before a first name ("Projektipäällikkö Tuulikki ...").
        while len(words) > 2 and ordinary(words[0].group()) and self._first_name(words[1].group()):
            words.pop(0)
        # A common word after the name that is not in the nominative
        # ("Marja-Liisa Yhteyshenkilön"); surnames are often common nouns
        # ("Lehtoranta"), so nominative ones stay.
        while len(words) > 1:
            analyses = ordinary(words[-1].group())
            if not analyses or any(a.get("SIJAMUOTO") == "nimento" for a in analyses):
                break
            words.pop()
        if not words:
            return None
        return words[0].start(), line[words[0].start() : words[-1].end()]

    def _person_base(self, surface: str) -> str:
        words = surface.split()
        out: list[str] = []
        for w in words:
            base = w
            analyses = [
                a for a in self.morph.analyses(w) if a.get("CLASS") in ("etunimi", "sukunimi")
            ]
            # "Marianne" is also read as Maria + a possessive suffix: a name that
            # can be nominative stays as written.
            if analyses and not any(a.get("SIJAMUOTO") == "nimento" for a in analyses):
                base = analyses[0].get("BASEFORM") or w
            out.append(base[:1].upper() + base[1:])
        return " ".join(out)

    def _valid_person(self, name: str, *, strict: bool) -> bool:
        words = name.split()
        if not 2 <= len(words) <= 4 or not all(_NAME_TOKEN.match(w) for w in words):
            return False
        if _is_chrome_text(name) or any(w.lower() in CHROME_PHRASES for w in words):
            return False
        if self.linker.link_organisation(name) is not None:
            return False
        if self.linker.link_place(name) is not None and not strict:
            return False
        # Every word an ordinary noun or verb ("Koko Hankkeen") is not a name.
        ordinary = 0
        for w in words:
            classes = {a.get("CLASS") for a in self.morph.analyses(w)}
            if classes and not classes & {"etunimi", "sukunimi", "nimi", "paikannimi"}:
                ordinary += 1
        return ordinary < len(words) if strict else ordinary == 0 or (ordinary < len(words))

    # ================================================================ places

    def _places(
        self,
        run: _Run,
        subject: URIRef,
        fmap: dict[str, Field],
        sentences: list[tuple[int, int]],
        orgs: list[_OrgMention],
        predicate: URIRef = SCHEMA.areaServed,
        assigned: dict[str, set[URIRef]] | None = None,
    ) -> None:
        text = run.text
        assigned = assigned or {}
        running = assigned.get("coordinator", set()) | assigned.get("implementer", set())
        bystanders = (
            assigned.get("funder", set())
            | assigned.get("partner", set())
            | assigned.get("steeringGroupMember", set())
        ) - running
        done: set[URIRef] = set()

        def add(iri: URIRef, start: int, end: int, extractor: str) -> None:
            if iri in done:
                return
            done.add(iri)
            ev = run.evidence(start, end, extractor)
            run.add(subject, predicate, iri, ev)
            if predicate != SCHEMA.mentions:
                run.add(run.doc_iri, SCHEMA.mentions, iri, ev)

        area = fmap.get("area")
        area_range = (area.start, area.end) if area else (-1, -1)
        if area is not None:
            for s, e in self._field_items(run, area):
                link = self.linker.link_place(text[s:e])
                if link is not None and link.is_place:
                    add(link.iri, s, e, X_FIELD)
                else:
                    for m in self.linker.find_all(text[s:e]):
                        if m.link.is_place:
                            add(m.link.iri, s + m.start, s + m.end, X_FIELD)
        skip = self._place_skip_ranges(run, fmap, sentences)
        for m in run.mentions(self.linker):
            if run.in_chrome(m.start, m.end) or area_range[0] <= m.start < area_range[1]:
                continue
            if any(a <= m.start < b for a, b in skip):
                continue
            link = m.link
            if (
                link.is_place
                and m.surface == link.label
                and _IMPRINT.match(text[m.end : m.end + 8])
            ):
                continue
            if link.is_place:
                add(link.iri, m.start, m.end, X_GAZETTEER)
            elif getattr(link, "location", None) is not None and link.iri not in bystanders:
                # "Rovaniemen kaupungin": a city working in the project serves its area.
                add(link.location, m.start, m.end, X_GAZETTEER)

    def _place_skip_ranges(
        self, run: _Run, fmap: dict[str, Field], sentences: list[tuple[int, int]]
    ) -> list[tuple[int, int]]:
        """Where a place is not the project's area: contact details and sentences
        about another project."""
        text = run.text
        out: list[tuple[int, int]] = []
        for key in (
            "contact",
            "responsible",
            "persons",
            "website",
            "publications",
            "funder",
            "coordinator",
            "implementer",
            "partner",
            "steering",
        ):
            f = fmap.get(key)
            if f is not None:
                out.append((f.start, f.end))
        for line_start, line in _lines(text):
            if _EMAIL_OR_PHONE.search(line):
                out.append((line_start, line_start + len(line)))
        for start, end in sentences:
            sentence = text[start:end]
            for m in _PROJECT_MENTION.finditer(sentence):
                if _PART_OF_AFTER.match(sentence[m.end() :]) or _PART_OF_BEFORE.search(
                    sentence[: m.start()]
                ):
                    continue
                name = m.group("name")
                if name.lower() in _NOT_PROJECT_NAMES:
                    continue
                out.append((start, end))
                break
        return out

    # ================================================================ related projects

    def _related_projects(
        self,
        run: _Run,
        project: URIRef,
        names: list[tuple[str, str, Evidence | None]],
        sentences: list[tuple[int, int]],
        ents: list[tuple[int, int, str, str]],
    ) -> None:
        text = run.text
        own = {slugify(n) for n, _, _ in names}
        own_spans = [(ev.start, ev.end) for _, _, ev in names if ev is not None]
        for start, end in sentences:
            if run.in_chrome(start, end):
                continue
            sentence = text[start:end]
            for m in _PROJECT_MENTION.finditer(sentence):
                s0 = start + m.start("name")
                if any(a <= s0 < b for a, b in own_spans):
                    continue
                name_start, name = self._project_name(sentence, m)
                if not name or name.lower() in _NOT_PROJECT_NAMES or len(name) < 3:
                    continue
                ms, me = start + name_start, start + m.end()
                org_link = self.linker.link_organisation(name)
                if org_link is not None:
                    # "ESR-hanke", "STEA-rahoitteinen": the organisation funds it.
                    continue
                slug = slugify(name)
                if slug in own or any(slug in o or o.startswith(slug) for o in own):
                    continue
                if self._common_word_name(name, sentence, name_start, m.group("kind")):
                    continue
                iri = self.iris.project(name)
                if iri == project:
                    continue
                part_of = bool(
                    _PART_OF_AFTER.match(sentence[m.end() :])
                    or _PART_OF_BEFORE.search(sentence[:name_start])
                    or m.group("kind").lower().startswith("ohjelm")
                )
                ev = run.evidence(ms, me, X_PROJECT)
                run.add(project, SCHEMA.isPartOf if part_of else HK.relatedProject, iri, ev)
                # A project only mentioned here is a schema:Project; it becomes an
                # hk:Project (one described by a document of the corpus) when a
                # document about it is ingested.
                run.add(iri, RDF.type, SCHEMA.Project)
                run.add(iri, SCHEMA.name, Literal(name, lang=run.lang), ev)
                # The mentioned project, too, is known from this document.
                run.add(iri, PROV.wasDerivedFrom, run.doc_iri)
                self._owner_of_project(run, iri, start + name_start, ents)

    def _common_word_name(self, name: str, sentence: str, pos: int, kind: str) -> bool:
        """ "Hoito-ohjelman", "Kehittämis-hanke": an ordinary word capitalised by
        position is not a name. Programmes need a proper name; projects only when
        the word opens the sentence."""
        if " " in name or not name.isalpha() or not name[1:].islower():
            return False
        classes = {a.get("CLASS") for a in self.morph.analyses(name)}
        if not classes or classes & {"etunimi", "sukunimi", "nimi", "paikannimi"}:
            return False
        return kind.lower().startswith("ohjelm") or _sentence_initial(sentence, pos)

    def _project_name(self, sentence: str, m: re.Match[str]) -> tuple[int, str]:
        """The name before "-hanke": one glued token, or words back to a capital."""
        if m.group("sep") == "-":
            return m.start("name"), m.group("name")
        # "Tulevaisuuden lastensuojelu -hanke": walk back over words to the nearest capital.
        head_end = m.start("sep")
        words = list(re.finditer(r"[\wÅÄÖåäö+&.-]+", sentence[:head_end]))[-6:]
        start = m.start("name")
        for w in reversed(words):
            if w.group()[:1].isupper() or w.group()[:1].isdigit():
                start = w.start()
                # extend over directly preceding capitalised words ("Hyvä Arki")
                idx = words.index(w)
                while idx > 0 and words[idx - 1].group()[:1].isupper():
                    idx -= 1
                    start = words[idx].start()
                break
        return start, sentence[start:head_end].strip()

    def _owner_of_project(
        self, run: _Run, project: URIRef, name_start: int, ents: list[tuple[int, int, str, str]]
    ) -> None:
        """ "Lapin korkeakoulukonsernin Savotta-hankkeessa": the genitive owner coordinates."""
        text = run.text
        before = text[max(0, name_start - 80) : name_start]
        span: tuple[int, int] | None = None
        for s, e, label, _ in ents:
            if label == "ORG" and 0 <= name_start - e <= 1:
                span = (s, e)
        if span is None:
            m = re.search(r"((?:[A-ZÅÄÖ][\wåäö-]*\s+){0,3}[\wåäö-]+n)\s+$", before)
            if m and m.group(1)[:1].isupper():
                s = name_start - len(before) + m.start(1)
                span = (s, s + len(m.group(1)))
        if span is None:
            return
        s, e = span
        org = self._resolve_org(run, s, e, X_NER)
        if org is None or not text[s:e].rstrip().endswith("n"):
            return
        run.add(project, HK.coordinator, org.iri, run.evidence(s, e, org.extractor))
        self._describe_org(run, org)

    # ================================================================ publications

    def _publications(self, run: _Run, project: URIRef, sentences: list[tuple[int, int]]) -> None:
        text = run.text
        for start, end in sentences:
            sentence = text[start:end]
            if run.in_chrome(start, end) or not _PUBLICATION_CUE.search(sentence):
                continue
            for m in _ISSUE.finditer(sentence):
                journal = self._journal_before(sentence, m.start())
                if journal is None:
                    continue
                j_start, j_name = journal
                year = m.group("year")
                year = (
                    year
                    if len(year) == 4
                    else str(2000 + int(year) if int(year) < 70 else 1900 + int(year))
                )
                title = f"{j_name} {int(m.group('issue'))}/{year}"
                tail = re.match(r"\s*-\s*\w+", sentence[m.end() :])
                q_end = m.end() + (tail.end() if tail else 0)
                self._add_work(run, project, title, start + j_start, start + q_end)
            for m in _QUOTED.finditer(sentence):
                title = m.group(1).strip()
                before = sentence[max(0, m.start() - 60) : m.start()]
                if not re.search(
                    r"(työnimellä|otsikolla|nimellä|käsikirjoitu\w*|artikkel\w*|"
                    r"julkaisu\w*|raportti\w*|opas\w*|kirja\w*|titled|entitled|"
                    r"manuscript|article|report|guide|book)\s*:?\s*$",
                    before,
                    re.I,
                ):
                    continue
                self._add_work(run, project, title, start + m.start(), start + m.end())

    def _journal_before(self, sentence: str, pos: int) -> tuple[int, str] | None:
        words = list(re.finditer(r"[\wÅÄÖåäö-]+", sentence[:pos]))
        if not words or sentence[words[-1].end() : pos].strip():
            return None
        last = words[-1]
        lemma = self.morph.baseforms(last.group())[0].lower()
        if any(lemma.endswith(n) for n in _JOURNAL_NOUNS):
            # "Kunnallistieteelliseen aikakauskirjaan": lemmatise the whole phrase.
            chosen = [last]
            for w in reversed(words[:-1][-3:]):
                chosen.insert(0, w)
                if w.group()[:1].isupper():
                    break
            else:
                if not chosen[0].group()[:1].isupper():
                    chosen = [last]
            name = " ".join(self.morph.baseforms(w.group())[0].lower() for w in chosen)
            return chosen[0].start(), name[:1].upper() + name[1:]
        if last.group()[:1].isupper() and not last.group().isdigit():
            chosen = [last]
            for w in reversed(words[:-1][-2:]):
                if w.group()[:1].isupper() and not _sentence_initial(sentence, w.start()):
                    chosen.insert(0, w)
                else:
                    break
            return chosen[0].start(), " ".join(w.group() for w in chosen)
        return None

    def _add_work(self, run: _Run, project: URIRef, title: str, start: int, end: int) -> None:
        iri = self.iris.work(title)
        ev = run.evidence(start, end, X_PUBLICATION)
        run.add(project, SCHEMA.subjectOf, iri, ev)
        run.add(iri, RDF.type, SCHEMA.CreativeWork)
        run.add(iri, SCHEMA.name, Literal(title), ev)

    # ================================================================ events

    def _events(self, run: _Run, project: URIRef, sentences: list[tuple[int, int]]) -> None:
        text = run.text
        slug = self.iris.local_id(str(project), "project") or slugify(str(project))
        for idx, (start, end) in enumerate(sentences):
            sentence = text[start:end]
            if run.in_chrome(start, end):
                continue
            spans = [with_offset(s, start) for s in find_dates(sentence)]
            if _PILOT.search(sentence):
                for s in spans:
                    if s.kind == "range" and s.begin and s.finish:
                        ev = run.evidence(s.start, s.end, X_EVENT)
                        iri = self.iris.event(slug, "pilot")
                        run.add(project, SCHEMA.event, iri, ev)
                        run.add(iri, RDF.type, SCHEMA.Event)
                        run.add(
                            iri,
                            SCHEMA.name,
                            Literal("Pilotointi" if run.lang == "fi" else "Pilot", lang=run.lang),
                        )
                        run.add(iri, SCHEMA.startDate, date_literal(s.begin), ev)
                        run.add(iri, SCHEMA.endDate, date_literal(s.finish), ev)
                        break
            trigger = _TRAINING.search(sentence)
            points = [s for s in spans if s.kind == "point" and s.begin and s.begin.day]
            if trigger is None or not points:
                continue
            context = (
                sentence
                + " "
                + (
                    text[sentences[idx + 1][0] : sentences[idx + 1][1]]
                    if idx + 1 < len(sentences)
                    else ""
                )
            )
            count = _PARTICIPANTS.search(context)
            word = self.morph.baseform(trigger.group(1))
            label = word[:1].upper() + word[1:]
            key = f"{label}-{points[0].begin.iso()}"  # type: ignore[union-attr]
            parent = self.iris.event(slug, key)
            ev = run.evidence(start + trigger.start(1), points[-1].end, X_EVENT)
            run.add(project, SCHEMA.event, parent, ev)
            run.add(parent, RDF.type, SCHEMA.Event)
            run.add(parent, SCHEMA.name, Literal(label, lang=run.lang))
            run.add(parent, SCHEMA.startDate, date_literal(points[0].begin), ev)  # type: ignore[arg-type]
            run.add(parent, SCHEMA.endDate, date_literal(points[-1].begin), ev)  # type: ignore[arg-type]
            if count:
                number = re.sub(r"\s", "", count.group("a") or count.group("b") or count.group("c"))
                c_start = (
                    start
                    if count.start() < len(sentence)
                    else sentences[idx + 1][0] - len(sentence) - 1
                ) + count.start()
                c_ev = run.evidence(c_start, c_start + len(count.group()), X_EVENT)
                run.add(
                    parent, HK.participantCount, Literal(int(number), datatype=XSD.integer), c_ev
                )
            if len(points) > 1:
                for p in points:
                    assert p.begin is not None
                    sub = self.iris.event(slug, f"{label}-{p.begin.iso()}-session")
                    p_ev = run.evidence(p.start, p.end, X_EVENT)
                    run.add(parent, SCHEMA.subEvent, sub, p_ev)
                    run.add(sub, RDF.type, SCHEMA.Event)
                    run.add(
                        sub,
                        SCHEMA.name,
                        Literal(
                            f"{label} {p.begin.day}.{p.begin.month}.{p.begin.year}", lang=run.lang
                        ),
                    )
                    run.add(sub, SCHEMA.startDate, date_literal(p.begin), p_ev)

    # ================================================================ target group

    def _target_group(self, run: _Run, project: URIRef, fmap: dict[str, Field]) -> None:
        f = fmap.get("target")
        if f is not None:
            for line_start, line in _lines(f.value):
                if line.strip():
                    s = f.start + line_start
                    run.add(
                        project,
                        HK.targetGroup,
                        Literal(line.strip(), lang=run.lang),
                        run.evidence(s, s + len(line.rstrip()), X_FIELD),
                    )
            return
        m = _TARGET_CUE.search(run.text)
        if m and not run.in_chrome(m.start(), m.end()):
            value = m.group("value").strip()
            s = m.start("value")
            run.add(
                project,
                HK.targetGroup,
                Literal(value, lang=run.lang),
                run.evidence(s, s + len(value), X_TARGET),
            )
            return
        for m in _RECEIVED.finditer(run.text):
            if run.in_chrome(m.start(), m.end()):
                continue
            adv = (m.group("adv") or "").strip()
            value = " ".join(p for p in (adv, m.group("noun"), "saaneet") if p)
            run.add(
                project,
                HK.targetGroup,
                Literal(value, lang="fi"),
                run.evidence(m.start(), m.end(), X_TARGET),
            )
            return

    # ================================================================ themes

    def _themes(
        self, run: _Run, project: URIRef, names: list[tuple[str, str, Evidence | None]]
    ) -> None:
        if self.themes is None:
            return
        title_end = max((ev.end for _, _, ev in names if ev is not None), default=0)
        title_start = min((ev.start for _, _, ev in names if ev is not None), default=0)
        exclude = list(run.chrome)
        matches = self.themes.match(
            run.text,
            exclude=exclude,
            language=run.lang,
            title_end=title_end if title_start < 400 else 0,
        )
        for m in matches:
            s, e = m.spans[0]
            run.add(
                project, SCHEMA.about, m.iri, run.evidence(s, e, f"{X_THEME}:{m.rule}", m.score)
            )


# ==================================================================== helpers


def date_literal(value: PartialDate) -> Literal:
    """``xsd:date`` when the day is known, else ``xsd:gYear`` (the vocabulary contract)."""
    if value.day is not None:
        return Literal(value.iso(), datatype=XSD.date)
    return Literal(f"{value.year:04d}", datatype=XSD.gYear)


def _lines(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def chrome_spans(text: str) -> list[tuple[int, int]]:
    """Spans of site chrome: whole navigation lines and navigation glued to a title."""
    out: list[tuple[int, int]] = []
    for start, line in _lines(text):
        stripped = line.strip()
        if not stripped:
            continue
        if _is_chrome_text(stripped):
            out.append((start, start + len(line)))
            continue
        glued = _glued_prefix(stripped)
        if glued:
            offset = start + line.index(stripped)
            out.append((offset, offset + glued))
    return out


def _is_chrome_text(text: str) -> bool:
    parts = [p.strip(" .:!") for p in _CHROME_SPLIT.split(text.strip()) if p.strip(" .:!")]
    if not parts:
        return False
    return all(
        p.lower() in CHROME_PHRASES
        or p.lower() + "?" in CHROME_PHRASES
        or any(rx.search(p) for rx in _CHROME_PATTERNS)
        for p in parts
    )


def _glued_prefix(line: str) -> int:
    """Length of a navigation prefix glued onto a line ("Omat työkalutTyö..."), else 0."""
    if len(line) > 300:
        return 0
    m = _GLUED_CHROME.match(line)
    if m:
        return m.end()
    m = _GLUE.search(line)
    if m and m.start() < 40 and len(line[: m.end("left")].split()) <= 4:
        return m.end("left")
    return 0


def clean_title(title: str) -> str:
    """A page title without glued navigation or a trailing site name."""
    title = " ".join(title.split())
    cut = _glued_prefix(title)
    if cut:
        title = title[cut:]
    for sep in (" | ", " – ", " — ", " - "):
        if sep in title:
            head, _, tail = title.rpartition(sep)
            # A dash also starts subtitles: only a capitalised site name goes.
            site_like = sep == " | " or all(w[:1].isupper() or "." in w for w in tail.split())
            if (
                site_like
                and len(tail.split()) <= 3
                and (len(head.split()) >= 2 or len(head) > len(tail))
                and not re.search(r"\d", tail)
            ):
                title = head
    return title.strip(" |-–")


def _title_like(line: str) -> bool:
    words = line.split()
    if not 1 <= len(words) <= 18 or line.endswith((".", ":")):
        return False
    if not re.search(r"[A-Za-zÅÄÖåäö]{3}", line) or re.fullmatch(r"[\d\s.,–-]+", line):
        return False
    if _is_chrome_text(line):
        return False
    from graph.layout import match_label

    return match_label(line) is None and line[:1].isupper() or line[:1].isdigit()


def _name_language(name: str, default: str) -> str:
    lang = detect_language(name, default)
    if lang != default:
        return lang
    english = re.compile(
        r"\b(the|and|of|for|in|with|between|project|services?|development)\b", re.I
    )
    if default != "en" and len(english.findall(name)) >= 2 and not re.search(r"[äöå]", name):
        return "en"
    return default


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence (or line) spans of ``text``; abbreviations do not end a sentence."""
    out: list[tuple[int, int]] = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        before = text[max(pos, m.start() - 6) : m.start()]
        if any(before.endswith(" " + a) or before == a for a in _ABBREVIATIONS):
            continue
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        out.append((pos, len(text)))
    return [(s, e) for s, e in out if text[s:e].strip()]


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Spans of blank-line separated paragraphs."""
    out: list[tuple[int, int]] = []
    for m in re.finditer(r"[^\n](?:.|\n(?!\s*\n))*", text):
        out.append((m.start(), m.end()))
    return out


def _sentence_initial(text: str, pos: int) -> bool:
    before = text[:pos].rstrip()
    return not before or before.endswith((".", "!", "?", "\n"))


def _protect(value: str) -> str:
    """``value`` with separators inside parentheses and hyphen coordination masked,
    so that a list split does not cut "Työ- ja elinkeinoministeriö" or "(THL, STM)"."""
    chars = list(value)
    depth = 0
    for i, ch in enumerate(value):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth and ch in ",;&\n":
            chars[i] = "_"
    masked = "".join(chars)
    masked = re.sub(
        r"(?<=\w-)(,?\s+)(ja|sekä|and|tai)(\s+)", lambda m: "_" * len(m.group(0)), masked
    )
    masked = re.sub(r"(?<=\w-),(\s)", lambda m: "_" * len(m.group(0)), masked)
    # "Omaishoitajat ja läheiset -liitto ry": one name up to its " -head".
    masked = re.sub(r"\s(ja|sekä|and)\s(?=[^,;\n]*\s-\w)", lambda m: "_" * len(m.group(0)), masked)
    # Inside parentheses, words like "ja" stay too.
    out = []
    depth = 0
    for ch_orig, ch in zip(value, masked, strict=True):
        if ch_orig == "(":
            depth += 1
        elif ch_orig == ")":
            depth = max(0, depth - 1)
        out.append("_" if depth and ch == " " else ch)
    return "".join(out)


def _org_lists(text: str, orgs: list[_OrgMention]) -> list[list[_OrgMention]]:
    """Group consecutive mentions joined only by commas or "ja"/"and"."""
    groups: list[list[_OrgMention]] = []
    for org in sorted(orgs, key=lambda o: o.start):
        if groups:
            prev = groups[-1][-1]
            gap = text[prev.end : org.start]
            gap = re.sub(r"^(:\w+)", "", gap)
            if _LIST_GAP.match(gap):
                groups[-1].append(org)
                continue
        groups.append([org])
    return groups


def _is_bare_name(surface: str) -> bool:
    return bool(re.fullmatch(r"[A-ZÅÄÖ][\wåäö-]+", surface))


def _org_name_like(name: str) -> bool:
    words = name.split()
    if not 1 <= len(words) <= 10 or len(name) < 2:
        return False
    if not name[:1].isupper():
        return False
    if re.fullmatch(r"[\d\s.,/–-]+", name):
        return False
    if len(words) == 1 and not re.search(r"[A-ZÅÄÖ]{2}|[a-zåäö]{3}", name):
        return False
    return True


def extraction_to_json(extraction: Extraction) -> dict[str, Any]:
    """A JSON-friendly view of an extraction (for ``hankekg extract --json``)."""

    def term(node: Node) -> Any:
        if isinstance(node, Literal):
            out: dict[str, Any] = {"value": str(node)}
            if node.language:
                out["lang"] = node.language
            if node.datatype:
                out["datatype"] = str(node.datatype)
            return out
        return str(node)

    return {
        "document": extraction.document.path,
        "document_iri": str(extraction.document_iri),
        "projects": [str(p) for p in extraction.project_iris],
        "warnings": list(extraction.warnings),
        "facts": [
            {
                "subject": str(f.subject),
                "predicate": str(f.predicate),
                "object": term(f.object),
                "evidence": None
                if f.evidence is None
                else {
                    "start": f.evidence.start,
                    "end": f.evidence.end,
                    "quote": f.evidence.quote,
                    "extractor": f.evidence.extractor,
                    "score": f.evidence.score,
                },
            }
            for f in extraction.facts
        ],
    }


def iter_objects(
    extraction: Extraction, predicate: URIRef, subject: URIRef | None = None
) -> Iterable[Node]:
    """Objects of ``predicate`` in ``extraction`` (of ``subject`` when given)."""
    for f in extraction.facts:
        if f.predicate == predicate and (subject is None or f.subject == subject):
            yield f.object
