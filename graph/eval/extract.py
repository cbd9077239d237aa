"""Extraction quality against hand-extracted facts (``hankekg eval-extract``).

The gold format and the scoring rules are those of the development set's
README (``facts.jsonl``): one JSON object per document with ``organisations``,
``funders``, ``municipalities``, ``regions``, ``people``, ``start_year`` and
``end_year`` (``null`` when the text does not state it, scored as empty).

Scoring is micro precision / recall / F1 per field, per entity:

* a predicted entity is a set of names (an organisation with fi/sv/en names
  and acronyms counts once) and is right if any of its names matches a gold
  name that no other prediction has taken;
* name matching is lenient: case, punctuation and legal-form suffixes (ry, oy,
  sr, ...) are ignored; one name containing the other, or a word overlap of at
  least 0.6 of the longer name's words, counts as a match;
* ``places`` is municipalities and regions together; ``years`` is the start
  and end year as two items.

The same run scores a peer baseline, spaCy-fi NER used out of the box: ORG
entities as organisations, GPE/LOC lemmas that name a municipality or region
as places, PERSON entities as people, and the smallest and largest year in
DATE entities as start and end.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Literal, URIRef

from graph.errors import DocumentError
from graph.eval.fields import (
    amounts_match,
    gold_amounts,
    load_amounts,
    one_to_one,
    predicted_amounts,
    predicted_themes,
    read_jsonl,
    theme_labels,
    themes_match,
)
from graph.iris import Iris
from graph.link.reference import Reference
from graph.model import Document, Extraction
from graph.vocab import HK, ORG_ROLES, SCHEMA

#: The fields scored, in report order. ``themes`` and ``amounts`` are scored by
#: :mod:`graph.eval.fields`, and only on documents whose gold states them.
FIELDS = ("organisations", "funders", "places", "years", "people", "themes", "amounts")
#: Fields whose gold may be absent (``None``): such a document is not scored on them.
OPTIONAL_FIELDS = frozenset({"themes", "amounts"})
#: Legal-form and similar suffix words ignored by the lenient match.
_LEGAL_WORDS = frozenset("ry r.y. rf r.f. oy oyj ab abp sr ltd inc plc".split())
_WORD = re.compile(r"[0-9a-zåäöéüšž]+")
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_PERSON_PREDICATES = (HK.responsiblePerson, HK.contactPerson, HK.person)

#: A predicted entity: the names it goes by.
Entity = frozenset[str]


@dataclass
class Score:
    """Counts of one field; precision, recall and F1 derive from them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        """tp / (tp + fp); 0 when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """tp / (tp + fn); 0 when the gold is empty."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        """JSON view with rounded ratios."""
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
        }


@dataclass
class DocResult:
    """One document's predictions and their errors, for reading the report."""

    doc: str
    missed: dict[str, list[str]] = field(default_factory=dict)
    spurious: dict[str, list[str]] = field(default_factory=dict)


def normalise_name(name: str) -> list[str]:
    """Words of ``name`` for matching: lower case, no punctuation, no legal form."""
    words = _WORD.findall(name.lower().replace("r.y.", "ry").replace("r.f.", "rf"))
    return [w for w in words if w not in _LEGAL_WORDS]


def names_match(a: str, b: str) -> bool:
    """The README's lenient match: equal, contained, or word overlap >= 0.6."""
    wa, wb = normalise_name(a), normalise_name(b)
    if not wa or not wb:
        return False
    ja, jb = " ".join(wa), " ".join(wb)
    if ja == jb or ja in jb or jb in ja:
        return True
    overlap = len(set(wa) & set(wb))
    return overlap / max(len(set(wa)), len(set(wb))) >= 0.6


def score_field(predicted: Sequence[Entity], gold: Sequence[str], result: Score) -> list[Entity]:
    """Match ``predicted`` entities to ``gold`` names one to one; returns the unmatched
    predictions (false positives). Exact matches are taken first so that a lenient
    match never steals the name an exact one needs."""
    free = list(gold)
    spurious: list[Entity] = []
    pending: list[Entity] = []
    for entity in predicted:
        norm = {" ".join(normalise_name(n)) for n in entity}
        hit = next((g for g in free if " ".join(normalise_name(g)) in norm), None)
        if hit is None:
            pending.append(entity)
            continue
        free.remove(hit)
        result.tp += 1
    for entity in pending:
        hit = next((g for g in free if any(names_match(n, g) for n in entity)), None)
        if hit is None:
            spurious.append(entity)
            continue
        free.remove(hit)
        result.tp += 1
    result.fp += len(spurious)
    result.fn += len(free)
    return spurious


def gold_fields(record: dict[str, Any]) -> dict[str, list[str] | None]:
    """The scored fields of one gold record (``null`` -> empty; an absent ``themes``
    or ``amounts`` key -> ``None``, not scored)."""
    years = [
        f"{key.split('_')[0]}:{record[key]}"
        for key in ("start_year", "end_year")
        if record.get(key) is not None
    ]
    return {
        "organisations": list(record.get("organisations") or []),
        "funders": list(record.get("funders") or []),
        "places": [*(record.get("municipalities") or []), *(record.get("regions") or [])],
        "years": years,
        "people": list(record.get("people") or []),
        "themes": list(record.get("themes") or []) if "themes" in record else None,
        "amounts": gold_amounts(record.get("amounts")) if "amounts" in record else None,
    }


def load_gold(path: Path) -> dict[str, dict[str, list[str] | None]]:
    """``facts.jsonl`` by document stem."""
    return {str(record["doc"]): gold_fields(record) for record in read_jsonl(path, "facts file")}


# ---------------------------------------------------------------- names of IRIs


class NameBook:
    """The names an IRI goes by: reference data plus what an extraction states."""

    def __init__(self, reference: Reference, iris: Iris) -> None:
        self.names: dict[URIRef, set[str]] = {}
        for key, org in reference.organisations.items():
            self.names[iris.organisation(key)] = {*org.names.values(), *org.acronyms}
        for code, m in reference.municipalities.items():
            self.names[iris.place(code)] = {n for n in (m.name_fi, m.name_sv, m.name_en) if n}
        genitive = {m.name_fi: m.genitive_fi for m in reference.municipalities.values()}
        for key, group in reference.groups.items():
            names = {*group.names.values(), *group.aliases}
            if group.kind == "subregion":
                # A sub-region is called after its centre: "Porin seutu(kunta)".
                for name in list(names):
                    if genitive.get(name):
                        names |= {f"{genitive[name]} seutu", f"{genitive[name]} seutukunta"}
            self.names[iris.place(key)] = names

    def of(self, iri: URIRef, extraction: Extraction) -> Entity:
        """Names of ``iri``; an IRI with no name falls back to its last path segment."""
        found = set(self.names.get(iri, set()))
        for f in extraction.facts:
            if (
                f.subject == iri
                and f.predicate in (SCHEMA.name, SCHEMA.alternateName)
                and isinstance(f.object, Literal)
            ):
                found.add(str(f.object))
        return frozenset(found or {str(iri).rstrip("/").rsplit("/", 1)[-1]})


def hankekg_predictions(
    extraction: Extraction, book: NameBook, themes: dict[str, str] | None = None
) -> dict[str, list[Entity]]:
    """The scored fields as hankekg's extraction states them about its main project;
    ``themes`` maps concept IRIs to the Finnish labels the themes are scored by."""
    subjects = set(extraction.project_iris[:1]) or {extraction.document_iri}
    roles = {*ORG_ROLES.values(), HK.participant}
    orgs: list[URIRef] = []
    funders: list[URIRef] = []
    places: list[URIRef] = []
    people: list[URIRef] = []
    years: list[Entity] = []
    mention_only = not extraction.project_iris
    for f in extraction.facts:
        if f.subject not in subjects:
            continue
        obj = f.object
        if isinstance(obj, URIRef) and f.predicate in roles and obj not in orgs:
            orgs.append(obj)
        if isinstance(obj, URIRef) and f.predicate == SCHEMA.funder and obj not in funders:
            funders.append(obj)
        area = SCHEMA.mentions if mention_only else SCHEMA.areaServed
        if f.predicate == area and isinstance(obj, URIRef) and "/place/" in str(obj):
            if obj not in places:
                places.append(obj)
        person_preds = (SCHEMA.mentions,) if mention_only else _PERSON_PREDICATES
        if f.predicate in person_preds and isinstance(obj, URIRef) and "/person/" in str(obj):
            if obj not in people:
                people.append(obj)
        if f.predicate in (SCHEMA.startDate, SCHEMA.endDate) and isinstance(obj, Literal):
            kind = "start" if f.predicate == SCHEMA.startDate else "end"
            years.append(frozenset({f"{kind}:{str(obj)[:4]}"}))
    return {
        "organisations": [book.of(i, extraction) for i in orgs],
        "funders": [book.of(i, extraction) for i in funders],
        "places": [book.of(i, extraction) for i in places],
        "years": years,
        "people": [book.of(i, extraction) for i in people],
        "themes": [frozenset({t}) for t in predicted_themes(extraction, subjects, themes or {})],
        "amounts": [frozenset({a}) for a in predicted_amounts(extraction, subjects)],
    }


def ner_predictions(nlp: Any, reference: Reference, text: str) -> dict[str, list[Entity]]:
    """The peer baseline: spaCy-fi NER out of the box, no rules."""
    place_names: dict[str, str] = {}
    for m in reference.municipalities.values():
        for n in (m.name_fi, m.name_sv, m.name_en):
            place_names.setdefault(n.lower(), m.name_fi)
    for g in reference.groups.values():
        if g.kind in ("region", "subregion", "group"):
            for n in (*g.names.values(), *g.aliases):
                place_names.setdefault(n.lower(), g.label)
    doc = nlp(text[:20_000])
    orgs: list[Entity] = []
    places: list[Entity] = []
    people: list[Entity] = []
    found_years: list[int] = []
    for ent in doc.ents:
        surface = ent.text.strip()
        if ent.label_ == "ORG":
            _add_unique(orgs, frozenset({surface}))
        elif ent.label_ in ("GPE", "LOC"):
            lemma = " ".join(t.lemma_ for t in ent).strip()
            name = place_names.get(lemma.lower()) or place_names.get(surface.lower())
            if name is not None:
                _add_unique(places, frozenset({name}))
        elif ent.label_ in ("PERSON", "PER"):
            _add_unique(people, frozenset({surface}))
        elif ent.label_ == "DATE":
            found_years.extend(int(y) for y in _YEAR.findall(ent.text))
    years: list[Entity] = []
    if found_years:
        years = [
            frozenset({f"start:{min(found_years)}"}),
            frozenset({f"end:{max(found_years)}"}),
        ]
    return {
        "organisations": orgs,
        "funders": [],
        "places": places,
        "years": years,
        "people": people,
    }


def _add_unique(entities: list[Entity], entity: Entity) -> None:
    if entity not in entities:
        entities.append(entity)


# ---------------------------------------------------------------- the run


@dataclass
class SystemReport:
    """Scores of one system over the gold documents."""

    name: str
    scores: dict[str, Score] = field(default_factory=lambda: {f: Score() for f in FIELDS})
    documents: list[DocResult] = field(default_factory=list)

    scored: dict[str, int] = field(default_factory=dict)
    """Documents scored per optional field (themes, amounts)."""
    programme_totals_given: int = 0
    """Predicted amounts that the gold names as a programme's total: must stay 0."""

    def add(
        self,
        doc: str,
        predicted: dict[str, list[Entity]],
        gold: dict[str, list[str] | None],
        programme_totals: Sequence[str] = (),
    ) -> None:
        """Score one document's predictions into the running counts."""
        result = DocResult(doc)
        for name in OPTIONAL_FIELDS:
            wanted = gold.get(name)
            if wanted is None or name not in predicted:
                continue
            self.scored[name] = self.scored.get(name, 0) + 1
            match = themes_match if name == "themes" else amounts_match
            names = [min(e) for e in predicted[name]]
            tp, spurious_items, missed = one_to_one(names, wanted, match)
            score = self.scores[name]
            score.tp += tp
            score.fp += len(spurious_items)
            score.fn += len(missed)
            if spurious_items:
                result.spurious[name] = spurious_items
            if missed:
                result.missed[name] = missed
        self.programme_totals_given += sum(
            1
            for e in predicted.get("amounts", [])
            if any(amounts_match(min(e), t) for t in programme_totals)
        )
        for name in FIELDS:
            if name in OPTIONAL_FIELDS or gold.get(name) is None:
                continue
            gold_names = gold[name] or []
            before_fn = self.scores[name].fn
            spurious = score_field(predicted.get(name, []), gold_names, self.scores[name])
            if spurious:
                result.spurious[name] = sorted(min(e) for e in spurious)
            if self.scores[name].fn > before_fn:
                taken = [
                    g
                    for g in gold_names
                    if any(any(names_match(n, g) for n in e) for e in predicted.get(name, []))
                ]
                result.missed[name] = [g for g in gold_names if g not in taken]
        self.documents.append(result)

    def as_dict(self, with_documents: bool = True) -> dict[str, Any]:
        """JSON view."""
        out: dict[str, Any] = {
            "system": self.name,
            "fields": {k: v.as_dict() for k, v in self.scores.items()},
            "programme_totals_given": self.programme_totals_given,
            "scored_documents": dict(self.scored),
        }
        if with_documents:
            out["documents"] = [
                {"doc": d.doc, "missed": d.missed, "spurious": d.spurious}
                for d in self.documents
                if d.missed or d.spurious
            ]
        return out


def evaluate(
    corpus: Path,
    facts: Path,
    load: Callable[[Path], Document],
    extract: Callable[[Document], Extraction],
    book: NameBook,
    *,
    nlp: Any = None,
    reference: Reference | None = None,
    progress: Callable[[str], None] | None = None,
    details: bool = False,
    amounts: Path | None = None,
    themes: dict[str, str] | None = None,
    lexical: Callable[[str], list[str]] | None = None,
) -> dict[str, Any]:
    """Score hankekg (and the NER peer when ``nlp`` is given) on ``facts``.

    ``details`` adds each document's missed and spurious names: useful locally,
    but they quote the gold, so reports committed to the repository leave them out.
    ``amounts`` is a JSON Lines file of gold amounts (:func:`graph.eval.fields.load_amounts`);
    its documents that ``facts`` lacks are scored on amounts alone. ``themes`` maps
    concept IRIs to Finnish labels; ``lexical`` is the lexical subject-indexing peer
    (text -> theme labels), scored on themes beside the NER peer.

    Raises:
        DocumentError: a facts line is not JSON, or a gold document is missing.
    """
    gold = load_gold(facts)
    totals: dict[str, list[str]] = {}
    if amounts is not None:
        for doc, record in load_amounts(amounts).items():
            fields = gold.setdefault(doc, dict.fromkeys(FIELDS))
            fields["amounts"] = record["amounts"]
            totals[doc] = record["programme_totals"]
    ours = SystemReport("hankekg")
    peer = SystemReport("spacy-fi-ner")
    for doc in sorted(gold):
        path = corpus / f"{doc}.txt"
        if not path.is_file():
            raise DocumentError(f"gold document {doc} is not in {corpus}")
        document = load(path)
        predicted = hankekg_predictions(extract(document), book, themes)
        ours.add(doc, predicted, gold[doc], totals.get(doc, ()))
        if nlp is not None and reference is not None:
            guessed = ner_predictions(nlp, reference, document.text)
            if lexical is not None:
                guessed["themes"] = [frozenset({t}) for t in lexical(document.text)]
            peer.add(doc, guessed, gold[doc])
        if progress is not None:
            progress(doc)
    systems = [ours] + ([peer] if nlp is not None else [])
    return {
        "corpus": str(corpus),
        "facts": str(facts),
        "documents": len(gold),
        "systems": [s.as_dict(with_documents=details) for s in systems],
    }


def table(report: dict[str, Any]) -> list[list[str]]:
    """Rows ``field, P/R/F1 per system`` for printing."""
    systems = report["systems"]
    rows = [["field", *(s["system"] + " P / R / F1" for s in systems)]]
    for name in FIELDS:
        row = [name]
        for s in systems:
            sc = s["fields"][name]
            unscored = name in OPTIONAL_FIELDS and not s.get("scored_documents", {}).get(name)
            if (s["system"] != "hankekg" and name in ("funders", "amounts")) or unscored:
                row.append("–")
                continue
            row.append(f"{sc['precision']:.2f} / {sc['recall']:.2f} / {sc['f1']:.2f}")
        rows.append(row)
    return rows


def iter_names(entities: Iterable[Entity]) -> list[str]:
    """One representative name per entity (for messages)."""
    return [min(e) for e in entities]


def run(
    settings: Any,
    corpus: Path,
    facts: Path,
    *,
    peer: bool = True,
    progress: Callable[[str], None] | None = None,
    details: bool = False,
    amounts: Path | None = None,
) -> dict[str, Any]:
    """Build the extractor as ingest does and score it (and the peers) on ``facts``.

    Args:
        settings: a :class:`graph.config.Settings`.
        corpus: folder of ``dNNN.txt`` documents.
        facts: the gold ``facts.jsonl``.
        peer: also score spaCy-fi NER out of the box, and the Annif-style lexical
            subject indexer on themes.
        progress: called with each document stem once scored.
        details: include each document's missed and spurious names.
        amounts: gold amounts (JSON Lines), scored as the ``amounts`` field.
    """
    from graph.eval.lexical_subjects import LexicalIndexer
    from graph.extract import Extractor, load_nlp
    from graph.link.linker import Linker
    from graph.load.loader import load_document

    iris = Iris(settings.base)
    reference = Reference.load(settings.reference_dir)
    nlp = load_nlp()
    extractor = Extractor(nlp, Linker(reference, iris), iris, reference)

    def load(path: Path) -> Document:
        return load_document(path, max_bytes=settings.max_document_bytes)

    def extract(document: Document) -> Extraction:
        return extractor.extract(document, iris.document(document.sha256))

    return evaluate(
        corpus,
        facts,
        load,
        extract,
        NameBook(reference, iris),
        nlp=nlp if peer else None,
        reference=reference,
        progress=progress,
        details=details,
        amounts=amounts,
        themes=theme_labels(settings.reference_dir),
        lexical=LexicalIndexer.from_reference(settings.reference_dir).suggest if peer else None,
    )
