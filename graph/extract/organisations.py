"""Organisations and their roles in the project.

Gazetteer mentions, label/value fields and NER proposals resolve to
organisations; role cues next to a list of them decide the property."""

from __future__ import annotations

import logging
import re
from typing import Any

from rdflib import Literal, URIRef

from graph.extract.cues import (
    ITEM_SPLIT,
    LEADING_GENERIC,
    LIST_GAP,
    PAREN,
    PROJECT_MENTION,
    ROLE_AFTER,
    ROLE_BEFORE,
    TRAILING_GENERIC,
    TRAILING_VALUE,
    WORK_SUFFIX,
    WRAPPED_FUNDER_CUE,
)
from graph.extract.orgnames import LEGAL_FORMS, head_of, organisation_key
from graph.extract.run import X_FIELD, X_GAZETTEER, X_NER, X_ROLE, OrgMention, Run, Steps
from graph.extract.text import is_chrome_text, name_language, protect_separators
from graph.load.layout import Field
from graph.vocab import HK, ORG_ROLES, RDF, SCHEMA

logger = logging.getLogger(__name__)


class OrganisationSteps(Steps):
    """Organisation mentions, resolution and roles."""

    def _organisations(self, run: Run) -> list[OrgMention]:
        """Linked organisation mentions of the whole text (gazetteer first)."""
        out: list[OrgMention] = []
        for m in run.mentions(self.linker):
            link = m.link
            if link.kind not in ("organisation", "wellbeing_county") or run.in_chrome(
                m.start, m.end
            ):
                continue
            if in_capitals_heading(run.text, m.start, m.end):
                continue
            out.append(
                OrgMention(
                    m.start, m.end, m.surface, link.iri, link.label, link, extractor=X_GAZETTEER
                )
            )
        return out

    def _resolve_org(self, run: Run, start: int, end: int, extractor: str) -> OrgMention | None:
        """An organisation named by ``text[start:end]``: linked, else minted if name-like."""
        surface = run.text[start:end]
        link = self.link_org(surface)
        paren = PAREN.search(surface)
        if link is None and paren:
            # "Sosiaali- ja terveysjärjestöjen avustuskeskus (STEA)": the name or its
            # acronym may be known apart.
            link = self.linker.link_organisation(PAREN.sub("", surface).strip())
            link = link or self.linker.link_organisation(paren.group(1).strip())
        if link is not None:
            return OrgMention(start, end, surface, link.iri, link.label, link, extractor=extractor)
        place = self.linker.link_place(surface)
        if place is not None:
            if (
                place.kind == "municipality"
                and surface.strip() == surface
                and is_bare_name(surface)
            ):
                org = self.linker.municipal_organisation(place.key)
                return OrgMention(start, end, surface, org.iri, org.label, org, extractor=extractor)
            return None
        name = self.normalise_org_name(surface)
        if not name or not org_name_like(name) or is_chrome_text(name):
            return None
        if self._person_name(name):
            # "Project coordinator: Oskari Lehto": the role label also names people.
            return None
        return OrgMention(
            start,
            end,
            surface,
            self.iris.organisation(organisation_key(name)),
            name,
            minted=True,
            extractor=X_NER if extractor != X_FIELD else X_FIELD,
        )

    def _person_name(self, name: str) -> bool:
        """Whether ``name`` is a person's: two or three capitalised words, a known
        first name first and no organisation head or legal form among them."""
        words = name.split()
        if not 2 <= len(words) <= 3 or not all(w[:1].isupper() and w.isalpha() for w in words):
            return False
        if words[-1].lower() in LEGAL_FORMS or head_of(words[-1], self.morph) is not None:
            return False
        return any(a.get("CLASS") == "etunimi" for a in self.morph.analyses(words[0]))

    def link_org(self, surface: str) -> Any:
        """The reference organisation ``surface`` names, with or without a legal form:
        "Lahden ammattikorkeakoulu Oy" is the authority row "Lahden ammattikorkeakoulu"."""
        link = self.linker.link_organisation(surface)
        if link is None:
            bare = strip_legal_form(surface)
            if bare != surface.strip():
                link = self.linker.link_organisation(bare)
        swapped = _EN_OF.fullmatch(" ".join(surface.split()))
        if link is None and swapped:
            # "Hospital District of South Ostrobothnia" is "South Ostrobothnia Hospital District".
            link = self.linker.link_organisation(f"{swapped['place']} {swapped['kind']}")
        return link

    def normalise_org_name(self, surface: str) -> str:
        """Base form of an organisation name: only the head word is lemmatised
        ("Lapin korkeakoulukonsernin" -> "Lapin korkeakoulukonserni")."""
        name = " ".join(surface.split()).strip(" .,;:-")
        name = PAREN.sub("", name).strip()
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

    def _field_items(self, run: Run, f: Field) -> list[tuple[int, int]]:
        """Spans of the list items in a field value (organisations, persons, places)."""
        value = f.value
        out: list[tuple[int, int]] = []
        pos = 0
        depth_safe = protect_separators(value)
        for m in ITEM_SPLIT.finditer(depth_safe):
            out.append((pos, m.start()))
            pos = m.end()
        out.append((pos, len(value)))
        spans: list[tuple[int, int]] = []
        for s, e in out:
            item = value[s:e]
            lead = LEADING_GENERIC.match(item)
            if lead:
                s += lead.end()
                item = value[s:e]
            trail = TRAILING_GENERIC.search(item)
            if trail:
                e = s + trail.start()
            item = value[s:e]
            # "Euroopan sosiaalirahasto 75 %", "… EURA-tunnus S20148": a share, a sum
            # or a record code after the name is not part of it.
            value_tail = TRAILING_VALUE.search(item)
            if value_tail:
                e = s + value_tail.start()
                item = value[s:e]
            stripped = item.strip(" .,;:-–\t")
            if not stripped:
                continue
            s += item.index(stripped)
            spans.append((f.start + s, f.start + s + len(stripped)))
        return spans

    def _predecessors(self, run: Run, orgs: list[OrgMention]) -> list[OrgMention]:
        """ "STEA (…, entinen RAY)", "STEA (formerly RAY)": an organisation named as the
        predecessor of the one before it. States ``successor hk:predecessor predecessor``
        with its evidence and returns the predecessor mentions, which take no part in
        the project on that mention (a predecessor is not the funder)."""
        out: list[OrgMention] = []
        ordered = sorted(orgs, key=lambda o: o.start)
        for i, org in enumerate(ordered):
            cue = _PREDECESSOR_CUE.search(run.text, max(0, org.start - 40), org.start)
            if cue is None:
                continue
            successor = next(
                (
                    o
                    for o in reversed(ordered[:i])
                    if o.end <= cue.start()
                    and o.iri != org.iri
                    and _BETWEEN_SUCCESSOR.fullmatch(run.text, o.end, cue.start())
                ),
                None,
            )
            if successor is None:
                continue
            out.append(org)
            ev = run.evidence(org.start, org.end, X_ROLE)
            run.add(successor.iri, HK.predecessor, org.iri, ev)
            self._describe_org(run, org)
            self._describe_org(run, successor)
        return out

    def _org_roles(
        self,
        run: Run,
        project: URIRef,
        fields: list[Field],
        orgs: list[OrgMention],
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
                aside = PAREN.search(run.text, s, e)
                if aside and role == "funder":
                    # "Rahoittaja: Etelä-Savon ELY-keskus (ESR)": the fund in parentheses
                    # funds the project too.
                    fund = self._resolve_org(run, aside.start(1), aside.end(1), X_FIELD)
                    if fund is not None and fund.link is not None and fund.iri != org.iri:
                        self._assign(run, project, role, fund, assigned)
        # NER proposes organisations the gazetteer does not know; they count
        # only where a role cue names them.
        proposed: list[OrgMention] = []
        for s, e, label, surface in ents:
            if label != "ORG" or any(o.start < e and s < o.end for o in orgs):
                continue
            if any(a < e and s < b for a, b in run.set_aside):
                continue
            if any(a <= s < b for a, b in field_ranges) or PROJECT_MENTION.search(surface):
                continue
            if WORK_SUFFIX.match(run.text, e):
                continue
            if in_capitals_heading(run.text, s, e):
                continue
            org = self._resolve_org(run, s, e, X_NER)
            if org is not None:
                proposed.append(org)
        candidates = sorted([*orgs, *proposed], key=lambda o: o.start)
        # Free text: lists of organisations with a role cue next to them.
        for k, (start, end) in enumerate(sentences):
            # A known name that starts in the sentence belongs to it, even when wrapped
            # into the next line ("rahoittaa Sosiaali- ja\nterveysministeriö": the linker
            # joins its words across one line break, the sentence split does not).
            in_sentence = [
                o
                for o in candidates
                if start <= o.start < end
                and (o.end <= end or (o.link is not None and not o.minted))
                and not any(a <= o.start < b for a, b in field_ranges)
            ]
            for group in org_lists(run.text, in_sentence):
                role = self._role_for(run.text, group, start)
                if role is None and k and wrapped_funder(run.text, sentences[k - 1], group[0]):
                    role = "funder"
                if role is None:
                    continue
                for org in group:
                    org.extractor = X_ROLE
                    self._assign(run, project, role, org, assigned)
                    if role != "funder":
                        continue
                    # "Sitä rahoitti Etelä-Savon ELY-keskus (ESR)": a fund in parentheses
                    # after a funder funds the project too.
                    for fund in in_sentence:
                        if is_aside(run.text, org, fund) and self._is_fund(fund):
                            fund.extractor = X_ROLE
                            self._assign(run, project, role, fund, assigned)
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

    def _is_fund(self, org: OrgMention) -> bool:
        """Whether ``org`` is a reference organisation whose type is a funder (ESR, STEA)."""
        if self.reference is None or org.link is None or org.minted:
            return False
        ref = self.reference.organisations.get(getattr(org.link, "key", ""))
        return ref is not None and ref.type == "funder"

    def _role_for(self, text: str, group: list[OrgMention], sentence_start: int) -> str | None:
        after = text[group[-1].end : group[-1].end + 60].split("\n")[0]
        after = re.sub(r"^(:\w+|n\b)?\s*\)?", "", after)
        after = re.sub(r"^\s*\([^()]*\)", "", after)
        for role, pattern in ROLE_AFTER:
            if pattern.match(after):
                if role == "funder" and re.search(r"ll[eE]$", group[-1].surface):
                    # "Yhdistykselle myönsi OKM …": the allative is who receives the grant.
                    continue
                if role == "partner" and not re.search(
                    r"yhteistyö|kumppan",
                    text[max(sentence_start, group[0].start - 80) : group[0].start],
                    re.I,
                ):
                    continue
                return role
        before = text[max(sentence_start, group[0].start - 60) : group[0].start]
        best: tuple[int, str] | None = None
        for role, pattern in ROLE_BEFORE:
            for m in pattern.finditer(before):
                if _AGENT_PARTICIPLE.search(m.group()):
                    # "X:n rahoittamana Y ja Z": the agent of "rahoittama" comes
                    # before it; the names after it are not the funders.
                    continue
                if best is None or m.end() > best[0]:
                    best = (m.end(), role)
        if best is None:
            return None
        if best[1] == "funder" and re.search(r"ll[eE]$", group[0].surface):
            return None
        # The cue must govern the list: nothing but a few words in between.
        gap = before[best[0] :]
        if re.fullmatch(r"\s*:\s*", gap):
            # "… omaishoitajia. Rahoittaja: STEA.": a label inline in running text.
            return best[1]
        if len(gap.split()) > 4 or re.search(r"[.;:]\s", gap):
            return None
        return best[1]

    def _assign(
        self,
        run: Run,
        project: URIRef,
        role: str,
        org: OrgMention,
        assigned: dict[str, set[URIRef]],
    ) -> None:
        if org.iri in assigned.setdefault(role, set()):
            return
        assigned[role].add(org.iri)
        ev = run.evidence(org.start, org.end, org.extractor)
        run.add(project, ORG_ROLES[role], org.iri, ev)
        # hk:participant is the superproperty of every role; stated so that
        # "?p hk:participant ?o" finds every organisation without reasoning.
        run.add(project, ORG_ROLES["participant"], org.iri, ev)
        self._describe_org(run, org)

    def _describe_org(self, run: Run, org: OrgMention) -> None:
        if org.minted:
            run.add(org.iri, RDF.type, SCHEMA.Organization)
            run.add(
                org.iri,
                SCHEMA.name,
                Literal(org.name, lang=name_language(org.name, run.lang)),
                run.evidence(org.start, org.end, org.extractor),
            )
            acronym = PAREN.search(org.surface)
            if acronym and re.fullmatch(r"[A-ZÅÄÖ0-9-]{2,10}", acronym.group(1).strip()):
                run.add(org.iri, SCHEMA.alternateName, Literal(acronym.group(1).strip()))
            if org.acronym:
                run.add(org.iri, SCHEMA.alternateName, Literal(org.acronym))
        elif org.link is not None and getattr(org.link, "generated", False):
            for s, p, o in self.linker.describe(org.link):
                if (
                    isinstance(s, URIRef)
                    and isinstance(p, URIRef)
                    and isinstance(o, URIRef | Literal)
                ):
                    run.add(s, p, o)


#: Right before an organisation: it is the predecessor of the one named before it
#: ("STEA (entinen RAY)", "STEA, formerly RAY", "STEA (tidigare RAY)").
_PREDECESSOR_CUE = re.compile(
    r"\b(?:entinen|ent\.|aiemmin|aikaisemmin|formerly|former|previously|tidigare|f\.\s?d\.)"
    r"(?:\s+nimeltään|\s+known\s+as)?\s*:?\s*$",
    re.I,
)
#: Between a successor and the predecessor cue: an opening parenthesis or a comma.
_BETWEEN_SUCCESSOR = re.compile(r"(:\w+|n)?\s*[(,][^().;\n]{0,90}")
#: An English name written "KIND of PLACE", which the reference may write "PLACE KIND".
_EN_OF = re.compile(
    r"(?:the\s+)?(?P<kind>(?:[A-Z]\w+\s+){0,2}[A-Z]\w+)\s+of\s+(?P<place>[A-Z][\w\s-]+)"
)


def org_lists(text: str, orgs: list[OrgMention]) -> list[list[OrgMention]]:
    """Group consecutive mentions joined only by commas or "ja"/"and"."""
    groups: list[list[OrgMention]] = []
    for org in sorted(orgs, key=lambda o: o.start):
        if groups and is_aside(text, groups[-1][-1], org):
            # "OKM:n (TPY) ja RAY:n (VATES-säätiö) rahoittamana": the organisation in
            # parentheses after a member is an aside about it, not a member.
            continue
        if groups:
            prev = groups[-1][-1]
            gap = text[prev.end : org.start]
            gap = re.sub(r"^(:\w+)", "", gap)
            # "opetus- ja kulttuuriministeriön (TPY) ja RAY:n": an aside does not end the list.
            gap = re.sub(r"\([^()]*\)", "", gap)
            if LIST_GAP.match(gap):
                groups[-1].append(org)
                continue
        groups.append([org])
    return groups


#: An agent participle ("rahoittama", "toteuttamana", "hallinnoima"): its agent
#: is the genitive before it, never the names after it.
_AGENT_PARTICIPLE = re.compile(r"(tta|ttä|oi|öi)m[aä]\w*$", re.I)


def wrapped_funder(text: str, previous: tuple[int, int], first: OrgMention) -> bool:
    """Whether the list that opens a line is the object of a funder cue that ends the
    line before it, in one paragraph: "Hanketta rahoittaa\nSosiaali- ja
    terveysministeriö" (a line break where a space was meant)."""
    line_start = text.rfind("\n", 0, first.start) + 1
    if text[line_start : first.start].strip() or not line_start:
        return False
    # The previous sentence ends right before this line, with one line break between.
    if not re.fullmatch(r"[ \t]*\r?\n[ \t]*", text[previous[1] : line_start]):
        return False
    line = text[previous[0] : previous[1]].rsplit("\n", 1)[-1]
    if len(line.split()) < 2 or not WRAPPED_FUNDER_CUE.search(line):
        return False
    # "…myönsi\nYhdistykselle": the allative is who receives, not who funds.
    return not re.search(r"ll[eE]$", first.surface)


def is_aside(text: str, prev: OrgMention, org: OrgMention) -> bool:
    """Whether ``org`` is inside parentheses that open right after ``prev``: "(TPY)",
    "Kela (the Social Insurance Institution of Finland)"."""
    before = text[prev.end : org.start]
    return bool(re.fullmatch(r"(:\w+)?\s*\([^()]{0,60}", before)) and bool(
        re.match(r"[^()]{0,60}\)", text[org.end : org.end + 62])
    )


def is_bare_name(surface: str) -> bool:
    return bool(re.fullmatch(r"[A-ZÅÄÖ][\wåäö-]+", surface))


def org_name_like(name: str) -> bool:
    words = name.split()
    if not 1 <= len(words) <= 10 or len(name) < 2:
        return False
    if not name[:1].isupper() or "@" in name:  # an e-mail address: a person's line
        return False
    if re.fullmatch(r"[\d\s.,/–-]+", name) or re.search(r"\d{2}|%|€|\btunnus\b", name, re.I):
        return False
    if len(words) == 1 and not re.search(r"[A-ZÅÄÖ]{2}|[a-zåäö]{3}", name):
        return False
    if re.fullmatch(r"[A-Z]{2,5}s", name):
        # "NGOs", "CSOs": a kind of organisation in the plural, not one.
        return False
    return True


def strip_legal_form(name: str) -> str:
    """``name`` without a trailing legal form ("Veikkaus Oy" -> "Veikkaus"); a legal
    form with a case ending ("ry:n") goes too. A name that is only a legal form stays."""
    words = name.split()
    if len(words) > 1 and words[-1].split(":")[0].lower() in LEGAL_FORMS:
        return " ".join(words[:-1])
    return name.strip()


_CAPS_WORD = re.compile(r"[A-ZÅÄÖ]{3,}[.,:;!?]?")


def in_capitals_heading(text: str, start: int, end: int) -> bool:
    """An acronym between two words in capitals is a word of a heading written in
    capitals ("KOHTI OMAA ARKEA"), not an organisation."""
    surface = text[start:end]
    if not surface.isupper():
        return False
    before = re.search(r"(\S+)\s+$", text[max(0, start - 40) : start])
    after = re.match(r"\s+(\S+)", text[end : end + 40])
    return bool(
        before
        and after
        and _CAPS_WORD.fullmatch(before.group(1))
        and _CAPS_WORD.fullmatch(after.group(1))
    )
