"""Themes (``schema:about``): the subjects a page is about.

Two sources, one rule for both: a theme is read from the page's own words,
never from an organisation's name ("Kuntoutussäätiö" is no page about
rehabilitation or foundations) and never from a word for a kind of
organisation used as such ("kuntayhtymät", "seurakunnat", "säätiöt",
"sairaanhoitopiirit", "projects"). How many themes a page gets follows the
evidence: both sources give candidates (:class:`ThemeCandidate`), scored by
occurrences, title, lead, target group and exactness (:func:`theme_score`), and
:func:`select_themes` keeps those near the best one, between a floor and a cap.

* The theme matcher (:mod:`graph.themes`) over the curated domain subset
  (``yso_subset.csv``), with lemmas, compounds and English labels.
* The YSO lexicon (``yso_labels_2019.3.tsv``, Finnish, English and Swedish
  labels) through :class:`~graph.lexical_subjects.LexicalIndexer`: a concept
  outside the subset counts when its label occurs at least twice outside
  organisation names, or once in the title or the target group; on a Finnish
  page also as a long part of a compound ("perhekeskustoimintamalli" ->
  perhekeskukset). Labels count on pages of their language (Finnish ones on
  every page): this is how an English or Swedish page gets its Finnish YSO
  concepts ("loneliness" -> yksinäisyys).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import Literal, URIRef

from graph.extract.run import X_THEME, OrgMention, Run, Steps
from graph.lexical_subjects import LexicalIndexer
from graph.model import Evidence
from graph.vocab import HK, RDF, SCHEMA, SKOS

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
#: A lexicon concept needs this many mentions outside names (one in the title).
LEXICON_MIN_COUNT = 2
#: General service concepts: true of most pages in the domain, so a page is about
#: them only when it keeps returning to them (their evidence is scaled down).
GENERAL_SERVICE = frozenset(
    {
        "sosiaalipalvelut",
        "terveyspalvelut",
        "sosiaali- ja terveyspalvelut",
        "palvelut",
        "toimintakyky",
        "hyvinvointi",
        "asiakkaat",
        "yhteistyö",
        "arviointi",
        "palvelujärjestelmät",
        "julkiset palvelut",
        "ohjaus",
        "neuvonta",
        "osallisuus",
    }
)
#: Ranking and cut (see :func:`select_themes`): evidence bonuses and factors.
TITLE_BONUS = 0.3
LEAD_BONUS = 0.1
FIELD_BONUS = 0.2
LEAD_SHARE = 0.2
GENERIC_FACTOR = 0.5
#: A lexicon concept seen only as a part of compounds is weaker evidence.
PART_WEIGHT = 0.8
LEXICON_FACTOR = 0.7
#: Keep candidates with at least this share of the best one's evidence ...
SHARE = 0.2
#: ... but at least this many (if they reach MIN_SCORE) and at most CAP.
FLOOR = 3
CAP = 6
MIN_SCORE = 0.3


def subject_like(label: str, min_single_word: int | None = None) -> bool:
    """Whether a YSO label can be a page's subject from the lexicon alone: no proper
    name or qualified sense ("Helsinki", "Maine (osavaltio)"), and a single word
    only when long (short common words are everywhere: "tiet", "osat", "koko")."""
    if label[:1].isupper() or "(" in label or any(c.isdigit() for c in label):
        return False
    shortest = MIN_SINGLE_WORD if min_single_word is None else min_single_word
    return " " in label.strip() or len(label) >= shortest


@lru_cache(maxsize=2)
def yso_lexicon(reference_dir: str) -> LexicalIndexer:
    """The YSO lexicon indexer of a reference directory, built once per process."""
    return LexicalIndexer.from_reference(Path(reference_dir))


@dataclass(frozen=True)
class ThemeCandidate:
    """A concept the page may be about, with the evidence for it.

    ``count`` is how often it occurs outside names; ``first`` the offset of its first
    occurrence as a share of the text (0 = the start); ``in_title`` whether the title
    names it; ``weight`` how exactly it matched (1.0 a lemma or phrase, less for a
    compound part or a derivation); ``source`` ``"subset"`` (the curated matcher) or
    ``"yso"`` (the lexicon); ``generic`` whether it is a general service concept."""

    iri: str
    label: str
    count: int
    first: float
    in_title: bool
    weight: float
    source: str
    span: tuple[int, int]
    rule: str
    generic: bool = False
    #: Whether it occurs in the page's target group ("Kohderyhmä: nuoret ...").
    in_field: bool = False

    @property
    def score(self) -> float:
        """The evidence in 0..1: frequency, position and exactness together."""
        return theme_score(self)


def theme_score(c: ThemeCandidate) -> float:
    """Evidence for a candidate: occurrences outside names (with diminishing returns),
    the title, the lead of the text, how exact the match was; a general service
    concept and a lexicon-only concept weigh less (they are on most pages)."""
    score = 0.35 + 0.15 * min(c.count - 1, 4) ** 0.8
    if c.in_title:
        score += TITLE_BONUS
    if c.first < LEAD_SHARE:
        score += LEAD_BONUS
    if c.in_field:
        score += FIELD_BONUS
    score *= c.weight
    if c.generic:
        score *= GENERIC_FACTOR
    if c.source == "yso":
        score *= LEXICON_FACTOR
    return round(score, 3)


def select_themes(
    candidates: Sequence[ThemeCandidate],
    *,
    share: float | None = None,
    floor: int | None = None,
    cap: int | None = None,
) -> list[ThemeCandidate]:
    """The themes a page gets: the best candidates whose evidence is at least ``share``
    of the best one's, at least ``floor`` of them (if there are that many with
    ``MIN_SCORE``) and at most ``cap``. How many follows the evidence: one dominant
    subject keeps few, many equal ones keep more."""
    share = SHARE if share is None else share
    floor = FLOOR if floor is None else floor
    cap = CAP if cap is None else cap
    ranked = sorted(candidates, key=lambda c: (-c.score, c.label))
    if not ranked:
        return []
    best = ranked[0].score
    out: list[ThemeCandidate] = []
    labels: set[str] = set()
    for c in ranked:
        if len(out) >= cap:
            break
        if c.score < MIN_SCORE:
            break
        if len(out) >= floor and c.score < share * best:
            break
        if c.label in labels:
            continue
        labels.add(c.label)
        out.append(c)
    return out


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
        chosen = select_themes(self._theme_candidates(run, names, orgs))
        for c in chosen:
            concept = URIRef(c.iri)
            s, e = c.span
            rule = c.rule if c.source == "subset" else "yso"
            run.add(
                project, SCHEMA.about, concept, run.evidence(s, e, f"{X_THEME}:{rule}", c.score)
            )
            if c.iri not in self.themes.concepts:
                # Outside the reference subset: the page's graph describes the concept.
                run.add(concept, RDF.type, SKOS.Concept)
                run.add(concept, SKOS.prefLabel, Literal(c.label, lang="fi"))

    def _theme_candidates(
        self,
        run: Run,
        names: list[tuple[str, str, Evidence | None]],
        orgs: list[OrgMention] | None,
    ) -> list[ThemeCandidate]:
        """Every concept with evidence outside names, from both sources."""
        assert self.themes is not None
        title_end = max((ev.end for _, _, ev in names if ev is not None), default=0)
        title_start = min((ev.start for _, _, ev in names if ev is not None), default=0)
        if title_start >= 400:
            title_end = 0
        length = max(1, len(run.text))
        # No theme from an organisation's name: its words are not the page's subject;
        # nor from the funding programme's classification of the project ("Toimintalinja:
        # Sosiaalinen osallisuus ja köyhyyden torjunta"), which names the programme's aims.
        exclude = [
            *run.chrome,
            *((o.start, o.end) for o in orgs or ()),
            *(m.span() for m in PROGRAMME_CLASS.finditer(run.text)),
        ]
        # The target group the extraction read ("Kohderyhmä: …", "kohderyhmänä ovat …"):
        # who a page serves is one of its subjects.
        fields = [
            (f.evidence.start, f.evidence.end)
            for f in run.facts
            if f.predicate == HK.targetGroup and f.evidence is not None
        ]

        def in_field(spans: Sequence[tuple[int, int]]) -> bool:
            return any(a <= s < b for s, _ in spans for a, b in fields)

        out: list[ThemeCandidate] = []
        seen: set[str] = set()
        for m in self.themes.match(
            run.text, exclude=exclude, language=run.lang, title_end=title_end, min_score=0.0
        ):
            if m.label in EVERY_PROJECT:
                continue
            if m.label in ORGANISATION_TYPES and m.count < _SUBJECT_TYPES_MIN_COUNT:
                continue
            seen.add(str(m.iri))
            s, _ = m.spans[0]
            out.append(
                ThemeCandidate(
                    iri=str(m.iri),
                    label=m.label,
                    count=m.count,
                    first=s / length,
                    in_title=any(a < title_end for a, _ in m.spans),
                    weight=m.weight,
                    source="subset",
                    span=m.spans[0],
                    rule=m.rule,
                    generic=m.label in GENERAL_SERVICE,
                    in_field=in_field(m.spans),
                )
            )
        lexicon = self._lexicon()
        if lexicon is None:
            return out
        for hit in lexicon.find(
            run.text, exclude=exclude, parts=run.lang == "fi", language=run.lang
        ):
            label = hit.label.lower()
            if label in _LEXICON_STOP or label in ORGANISATION_TYPES or label in EVERY_PROJECT:
                continue
            curated = hit.iri in self.themes.concepts
            if hit.iri in seen or (curated and run.lang == "fi"):
                # On a Finnish page the curated subset is the matcher's: its threshold
                # has spoken. The matcher has no Swedish labels, so elsewhere the
                # lexicon may find a curated concept too ("äldre" -> ikääntyneet).
                continue
            named = in_field(hit.spans)
            if not subject_like(hit.label) and not (named and subject_like(hit.label, 0)):
                # A short one-word label counts only where the target group names it.
                continue
            in_title = any(s < title_end for s, _ in hit.spans)
            if hit.count < LEXICON_MIN_COUNT and not (in_title or named):
                continue
            out.append(
                ThemeCandidate(
                    iri=hit.iri,
                    label=hit.label,
                    count=hit.count,
                    first=hit.spans[0][0] / length,
                    in_title=in_title,
                    weight=PART_WEIGHT if hit.from_parts == hit.count else 1.0,
                    source="yso",
                    span=hit.spans[0],
                    rule="yso",
                    generic=label in GENERAL_SERVICE,
                    in_field=named,
                )
            )
        return out

    def _lexicon(self) -> LexicalIndexer | None:
        directory = getattr(self.reference, "directory", None)
        if directory is None or not (Path(directory) / "yso_labels_2019.3.tsv").is_file():
            return None
        return yso_lexicon(str(directory))
