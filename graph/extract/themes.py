"""Themes (``schema:about``): the subjects a page is about.

Two sources, one rule for both: a theme is read from the page's own words,
never from an organisation's name ("Kuntoutussäätiö" is no page about
rehabilitation or foundations) and never from a word for a kind of
organisation used as such ("kuntayhtymät", "seurakunnat", "säätiöt",
"sairaanhoitopiirit", "projects"). How many themes a page gets follows the
evidence: each must clear its matcher's threshold, with no fixed count.

* The theme matcher (:mod:`graph.link.themes`) over the curated domain subset
  (``yso_subset.csv``), with lemmas, compounds and English labels.
* The YSO lexicon (``yso_labels_2019.3.tsv``, Finnish, English and Swedish
  labels) through :class:`~graph.eval.lexical_subjects.LexicalIndexer`: a concept
  outside the subset counts when its label occurs three times outside
  organisation names on a Finnish page (twice on others), or once in the title.
  This is how an English or Swedish page gets its Finnish YSO concepts
  ("loneliness" -> yksinäisyys). Labels count on pages of their language (Finnish
  ones on every page), and a one-word label only on a word of five letters or more.
* Our synonyms (``theme_synonyms.csv``): further Finnish, English and Swedish names
  of YSO concepts ("ikäihmiset" -> ikääntyneet, "children" -> lapset); a concept
  they bring from outside the subset follows the lexicon's rule.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

from rdflib import Literal, URIRef

from graph.eval.lexical_subjects import LexicalIndexer
from graph.extract.run import X_THEME, OrgMention, Run, Steps
from graph.model import Evidence
from graph.vocab import RDF, SCHEMA, SKOS

logger = logging.getLogger(__name__)

#: Concepts that name kinds of organisations or of work units: a page is not
#: about them because it names such an organisation.
ORGANISATION_TYPES = frozenset(
    "kuntayhtymät seurakunnat seurakuntayhtymät säätiöt sairaanhoitopiirit kunnat "
    "seutukunnat maakunnat yhdistykset järjestöt kansalaisjärjestöt yritykset "
    "osakeyhtiöt virastot ministeriöt korkeakoulut ammattikorkeakoulut yliopistot "
    "projektit hankkeet organisaatiot yhteisöt foundations projects".split()
)
#: Organisation types that can still be a page's subject when the page keeps
#: returning to them outside names ("kunnat" in a page on municipal services).
_SUBJECT_TYPES_MIN_COUNT = 3
#: The domain itself ("sosiaali- ja terveyspalvelut", "sosiaali- ja terveydenhuolto"):
#: named on nearly every page in passing, a subject only where the page keeps
#: returning to it or its title names it.
GENERAL_SERVICE = frozenset(
    {"sosiaalipalvelut", "terveyspalvelut", "sosiaalihuolto", "terveydenhuolto"}
)
GENERAL_SERVICE_MIN_COUNT = 3
#: Words that describe every project page, so none in particular.
EVERY_PROJECT = frozenset({"kehittäminen", "projektit", "hankkeet", "kehittämishankkeet"})
#: Labels too general to be a subject from the lexicon alone: the words of a
#: report's or a page's own apparatus (summaries, conclusions, phone numbers)
#: and of doing anything at all (planning, carrying out, promoting, supporting).
_LEXICON_STOP = frozenset(
    "toiminta työ palvelut palvelu tuki asiakkaat ihmiset henkilöt vuosi tavoitteet "
    "tulokset tiedot raportit alue alueet osa aika malli mallit ryhmät rahoitus käytäntö "
    "käytännöt tarve tarpeet muutos keinot tiivistelmät päätelmät suunnitelmat "
    "puhelinnumerot sähköpostiosoitteet osallistujat ammattilaiset toimijat toimialat "
    "hallinnonalat tulevaisuus toteutuminen toteutus järjestäminen edistäminen tukeminen "
    "suunnittelu kehitys kustannukset".split()
)
#: The shortest single-word lexicon label taken ("pitkäaikaisasunnottomuus" yes, "tiet" no).
MIN_SINGLE_WORD = 9
#: A funding programme's classification of a project: its priority axis and specific
#: objective, as a field or inline, to the end of the line (at most 160 characters).
PROGRAMME_CLASS = re.compile(
    r"\b(?:toimintalinja|erityistavoite|investointiprioriteetti|priority axis|"
    r"specific objective|investment priority|insatsområde|specifikt mål)\b[^\n]{0,160}",
    re.I,
)
#: A lexicon concept needs this many mentions outside names (one in the title). On a
#: Finnish page the curated matcher has read the domain, and two passing mentions of a
#: concept outside it are mostly noise; on an English or Swedish page the lexicon is
#: the main source, and two mentions count.
LEXICON_MIN_COUNT = {"fi": 3}
LEXICON_MIN_COUNT_OTHER = 2
#: A single mention of a concept outside the subset counts in the first half of the
#: page, and at least within this many characters.
LEAD_CHARS = 300


def subject_like(label: str) -> bool:
    """Whether a YSO label can be a page's subject from the lexicon alone: no proper
    name or qualified sense ("Helsinki", "Maine (osavaltio)"), and a single word
    only when long (short common words are everywhere: "tiet", "osat", "koko")."""
    if label[:1].isupper() or "(" in label or any(c.isdigit() for c in label):
        return False
    return " " in label.strip() or len(label) >= MIN_SINGLE_WORD


@lru_cache(maxsize=2)
def yso_lexicon(reference_dir: str) -> LexicalIndexer:
    """The YSO lexicon indexer of a reference directory, built once per process."""
    return LexicalIndexer.from_reference(Path(reference_dir))


class ThemeStep(Steps):
    """Themes."""

    def _themes(
        self,
        run: Run,
        project: URIRef,
        names: list[tuple[str, str, Evidence | None]],
        orgs: list[OrgMention] | None = None,
    ) -> None:
        if self.themes is None:
            return
        title_end = max((ev.end for _, _, ev in names if ev is not None), default=0)
        title_start = min((ev.start for _, _, ev in names if ev is not None), default=0)
        # No theme from an organisation's name: its words are not the page's subject;
        # nor from the funding programme's classification of the project ("Toimintalinja:
        # Sosiaalinen osallisuus ja köyhyyden torjunta"), which names the programme's aims.
        exclude = [
            *run.chrome,
            *((o.start, o.end) for o in orgs or ()),
            *(m.span() for m in PROGRAMME_CLASS.finditer(run.text)),
        ]
        matches = self.themes.match(
            run.text,
            exclude=exclude,
            language=run.lang,
            title_end=title_end if title_start < 400 else 0,
        )
        seen: set[str] = set()
        min_count = LEXICON_MIN_COUNT.get(run.lang, LEXICON_MIN_COUNT_OTHER)
        if title_start >= 400:
            title_end = 0
        for m in matches:
            if m.label in EVERY_PROJECT:
                continue
            if m.label in ORGANISATION_TYPES and m.count < _SUBJECT_TYPES_MIN_COUNT:
                continue
            in_title = any(a < title_end for a, _ in m.spans)
            if m.label in GENERAL_SERVICE and m.count < GENERAL_SERVICE_MIN_COUNT and not in_title:
                continue
            early = m.spans[0][0] < max(LEAD_CHARS, len(run.text) // 2)
            if self.themes.concepts[str(m.iri)].extra and m.count < min_count:
                # Outside the curated subset (known by our synonyms): repeated mentions,
                # the title or the first half of the page, where a page says what it is
                # about; a passing mention at the end is no subject.
                if not (in_title or early):
                    continue
            s, e = m.spans[0]
            seen.add(str(m.iri))
            run.add(
                project, SCHEMA.about, m.iri, run.evidence(s, e, f"{X_THEME}:{m.rule}", m.score)
            )
            if self.themes.concepts[str(m.iri)].extra:
                # Known by our synonyms, outside the reference subset: described here.
                run.add(m.iri, RDF.type, SKOS.Concept)
                run.add(m.iri, SKOS.prefLabel, Literal(m.label, lang="fi"))
        lexicon = self._lexicon()
        if lexicon is None:
            return
        for hit in lexicon.find(run.text, exclude=exclude, language=run.lang):
            label = hit.label.lower()
            if label in _LEXICON_STOP or label in ORGANISATION_TYPES or label in EVERY_PROJECT:
                continue
            curated = hit.iri in self.themes.concepts and not self.themes.concepts[hit.iri].extra
            if hit.iri in seen or (hit.iri in self.themes.concepts and run.lang == "fi"):
                # On a Finnish page the curated subset is the matcher's: its threshold
                # has spoken. The matcher has no Swedish labels, so elsewhere the
                # lexicon may find a curated concept too ("äldre" -> ikääntyneet).
                continue
            if not subject_like(hit.label):
                continue
            in_title = title_start < 400 and any(s < title_end for s, _ in hit.spans)
            if hit.count < min_count and not in_title:
                continue
            if label in GENERAL_SERVICE and hit.count < GENERAL_SERVICE_MIN_COUNT and not in_title:
                continue
            s, e = hit.spans[0]
            score = round(min(1.0, 0.3 + 0.1 * hit.count + (0.2 if in_title else 0)), 3)
            concept = URIRef(hit.iri)
            run.add(project, SCHEMA.about, concept, run.evidence(s, e, f"{X_THEME}:yso", score))
            if not curated:
                # Outside the reference subset: the page's graph describes the concept.
                run.add(concept, RDF.type, SKOS.Concept)
                run.add(concept, SKOS.prefLabel, Literal(hit.label, lang="fi"))

    def _lexicon(self) -> LexicalIndexer | None:
        directory = getattr(self.reference, "directory", None)
        if directory is None or not (Path(directory) / "yso_labels_2019.3.tsv").is_file():
            return None
        return yso_lexicon(str(directory))
