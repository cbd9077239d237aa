"""Open-world organisations of a project and their part in it.

Organisation names that the authority list does not know are found by head
nouns, legal forms and English name patterns (:mod:`graph.extract.orgnames`);
each resolves to a reference organisation where the linker knows the whole
name, else it is minted under a deterministic IRI from its normalised base
form. An acronym in parentheses becomes ``schema:alternateName`` and later
uses of it in the same document resolve to the same organisation. Every
organisation of a project document that has no stated role takes part:
``hk:participant``.
"""

from __future__ import annotations

import re

from rdflib import URIRef

from graph.extract.cues import PAREN, PASSING_AFTER, PASSING_BEFORE, SOURCE_AFTER_GENITIVE
from graph.extract.organisations import OrganisationSteps
from graph.extract.orgnames import (
    LEGAL_FORMS,
    OrgName,
    base_form,
    find_org_names,
    organisation_key,
)
from graph.extract.run import X_GAZETTEER, X_NER, X_ROLE, OrgMention, Run
from graph.extract.text import is_chrome_text

#: Extractor name of a head-noun or legal-form name.
X_PATTERN = "rule:organisation-name"
#: Lines that cite literature or the page's publisher, not participants.
_CITATION_LINE = re.compile(
    r"(^\s*(lähteet|kirjallisuus|references|bibliography)\b|©|copyright|https?://)", re.I
)
#: A short line opened by a citation label ("Citation: Author, A. (2018) ...").
_CITATION_LABEL = re.compile(
    r"^\s*(citation|cite as|how to cite|viittausohje|suositeltava viittaus|lähde|source)\s*:",
    re.I,
)


#: "Vastuuhenkilö Kuntoutussäätiössä": a staff role at an organisation (inessive)
#: means the organisation carries out the project.
_STAFF_AT = re.compile(
    r"(vastuuhenkilö|projektipäällikkö|hankepäällikkö|projektikoordinaattori|"
    r"projektityöntekijä|hanketyöntekijä|yhteyshenkilö)\w*\s*$",
    re.I,
)


#: "ESR-hanke", "STEA-rahoitteinen", "RAY-avustus": a funding body compounded
#: with the word for a project or a grant funds the project.
_FUNDED_COMPOUND = re.compile(
    r"(?<![\w-])(?P<name>[A-ZÅÄÖ][\wÅÄÖåäö+]*)(?::n)?-"
    r"(hanke|hankkee\w*|hankke\w*|projekti\w*|rahoittei\w*|rahoitus\w*|avustu\w*|avuste\w*)"
    r"(?![\w-])"
)
#: An acronym with a legal form: "SOVA Ab", "SOSTE ry".
_SHORT_NAME = re.compile(r"[A-ZÅÄÖ][A-ZÅÄÖ0-9-]{1,9}\s+(?:Oy|Oyj|Ab|Abp|ry|rf|r\.y\.|sr)")
#: Reference organisation types that fund projects.
_FUNDER_TYPES = frozenset({"funder"})
#: An acronym with a Finnish case ending written without a colon ("STEAn").
_BARE_CASE = re.compile(
    r"(?<![\w-])([A-ZÅÄÖ]{3,6})(n|lta|ltä|lle|sta|stä|ssa|ssä|lla|llä|a|ä)(?![\w-])"
)


class ParticipantSteps(OrganisationSteps):
    """Organisation names without a gazetteer entry, acronyms, and participants."""

    def _named_orgs(self, run: Run, orgs: list[OrgMention]) -> list[OrgMention]:
        """Organisations named by head noun, legal form or English pattern; a name
        that contains a gazetteer mention replaces it ("Keski-Suomen ELY-keskus"
        is not the generic ELY centre)."""
        out: list[OrgMention] = []
        for name in find_org_names(run.text, self.morph):
            if run.in_chrome(name.start, name.end) or is_chrome_text(name.surface):
                continue
            inside = [o for o in orgs if name.start <= o.start and o.end <= name.end]
            covering = [o for o in orgs if o.start <= name.start and name.end <= o.end]
            opening = [o for o in inside if o.start == name.start]
            if covering or (opening and not self._unit_of(run, opening[0], name)):
                # The known name opens the span: the words after it are not part
                # of it ("University of Jyväskylä Partners").
                continue
            twin = self._short_name_of(run, name, [*orgs, *out])
            if twin is not None:
                out.append(twin)
                continue
            cut = self._after_known(run, name, inside)
            if cut is not None:
                name = cut
                inside = [o for o in inside if o.start >= name.start]
            flat = " ".join(name.surface.split())
            link = self.link_org(flat)
            if link is None and name.base != flat:
                link = self.link_org(" ".join(name.base.split()))
            if link is None:
                # "Finnish Association for the Welfare of Older People (Vanhustyön
                # keskusliitto)": a known name in parentheses says which one it is.
                paren = PAREN.match(run.text, name.end)
                link = self.link_org(paren.group(1)) if paren else None
            if link is not None:
                mention = OrgMention(
                    name.start,
                    name.end,
                    name.surface,
                    link.iri,
                    link.label,
                    link,
                    extractor=X_GAZETTEER,
                    acronym=name.acronym,
                )
            elif inside and all(o.end - o.start >= len(name.surface) - 2 for o in inside):
                continue
            else:
                mention = OrgMention(
                    name.start,
                    name.end,
                    name.surface,
                    self.iris.organisation(organisation_key(name.base)),
                    name.base,
                    minted=True,
                    extractor=X_PATTERN,
                    acronym=name.acronym,
                )
            for o in inside:
                orgs.remove(o)
            out.append(mention)
        # A short name seen after an organisation's full name stands for it
        # everywhere in the document ("KOIVULA Oy SOVA Ab" in a heading).
        twins = {m.acronym: m for m in out if m.acronym and _SHORT_NAME.fullmatch(m.surface)}
        for i, m in enumerate(out):
            first = m.surface.split()[0] if m.surface.split() else ""
            twin = twins.get(first)
            if m.minted and twin is not None and _SHORT_NAME.fullmatch(m.surface):
                out[i] = OrgMention(
                    m.start,
                    m.end,
                    m.surface,
                    twin.iri,
                    twin.name,
                    twin.link,
                    twin.minted,
                    m.extractor,
                    acronym=first,
                )
        out.extend(self._acronym_uses(run, [*orgs, *out]))
        out.extend(self._inflected_acronyms(run, [*orgs, *out]))
        return out

    def _unit_of(self, run: Run, known: OrgMention, name: OrgName) -> bool:
        """Whether ``name`` is a unit of the known organisation that opens it: the known
        name in the genitive, then a name of its own ("Mannerheimin Lastensuojeluliiton
        Etelä-Savon piiri", "Suomen Punaisen Ristin Hämeen piiri")."""
        words = run.text[known.start : known.end].split()
        rest = run.text[known.end : name.end].split()
        if not words or not rest or not rest[0][:1].isupper():
            return False
        return any(a.get("SIJAMUOTO") == "omanto" for a in self.morph.analyses(words[-1]))

    def _short_name_of(self, run: Run, name: OrgName, known: list[OrgMention]) -> OrgMention | None:
        """ "Osaamiskeskus Oy SOVA Ab": an acronym with a legal form written right
        after an organisation's name with its legal form is that organisation's
        short (often Swedish) name, not another organisation."""
        if not _SHORT_NAME.fullmatch(name.surface):
            return None
        for o in known:
            gap = run.text[o.end : name.start]
            last = o.surface.split()[-1].split(":")[0].lower() if o.surface.split() else ""
            if o.end <= name.start and gap.strip() == "" and len(gap) <= 2 and last in LEGAL_FORMS:
                return OrgMention(
                    name.start,
                    name.end,
                    name.surface,
                    o.iri,
                    o.name,
                    o.link,
                    o.minted,
                    o.extractor,
                    acronym=name.surface.split()[0],
                )
        return None

    def _funded_compounds(
        self, run: Run, project: URIRef, assigned: dict[str, set[URIRef]]
    ) -> None:
        """ "ESR-hanke", "STEA-rahoitteinen": the funding body in the compound funds
        this project (only bodies whose reference type is a funder)."""
        if self.reference is None:
            return
        for m in _FUNDED_COMPOUND.finditer(run.text):
            s, e = m.span("name")
            if run.in_chrome(s, e):
                continue
            link = self.linker.link_organisation(m.group("name"))
            org = self.reference.organisations.get(link.key) if link is not None else None
            if link is None or org is None or org.type not in _FUNDER_TYPES:
                continue
            mention = OrgMention(
                s, e, m.group("name"), link.iri, link.label, link, extractor=X_ROLE
            )
            self._assign(run, project, "funder", mention, assigned)

    def _inflected_acronyms(self, run: Run, known: list[OrgMention]) -> list[OrgMention]:
        """ "STEAn", "ARAn": a known acronym with a case ending but no colon."""
        out: list[OrgMention] = []
        for m in _BARE_CASE.finditer(run.text):
            s, e = m.span()
            if run.in_chrome(s, e) or any(o.start < e and s < o.end for o in known):
                continue
            link = self.linker.link_organisation(m.group(1))
            if link is None or link.kind != "organisation":
                continue
            out.append(
                OrgMention(s, e, m.group(), link.iri, link.label, link, extractor=X_GAZETTEER)
            )
        return out

    def _after_known(self, run: Run, name: OrgName, inside: list[OrgMention]) -> OrgName | None:
        """ "Kelan ja Itä-Suomen aluehallintovirasto": a known organisation and "ja"
        inside a candidate end a list; the name starts after them."""
        for o in sorted(inside, key=lambda x: x.end, reverse=True):
            m = re.match(r"(?::\w+)?\s+(ja|sekä|and|och)\s+", run.text[o.end : name.end])
            if m:
                start = o.end + m.end()
                surface = run.text[start : name.end]
                return OrgName(start, name.end, surface, base_form(surface, self.morph))
        return None

    def _acronym_uses(self, run: Run, known: list[OrgMention]) -> list[OrgMention]:
        """Later uses of an acronym defined in parentheses: "... avustuskeskus (STEA)
        ... STEA:n tuella" resolves to the same organisation."""
        out: list[OrgMention] = []
        for org in known:
            if not org.acronym:
                continue
            pattern = re.compile(rf"(?<![\w-]){re.escape(org.acronym)}(?::\w+)?(?![\w-])")
            for m in pattern.finditer(run.text, org.end):
                s, e = m.span()
                if run.in_chrome(s, e) or any(o.start <= s < o.end for o in known):
                    continue
                out.append(
                    OrgMention(s, e, m.group(), org.iri, org.name, org.link, org.minted, X_NER)
                )
        return out

    def _participants(
        self,
        run: Run,
        project: URIRef,
        orgs: list[OrgMention],
        assigned: dict[str, set[URIRef]],
    ) -> None:
        """Every organisation named in the document's content that has no stated
        role takes part (``hk:participant``); publishers and cited sources do not."""
        self._funded_compounds(run, project, assigned)
        for org in orgs:
            if not re.search(r"ss[aä]$", org.surface) or run.in_chrome(org.start, org.end):
                continue
            before = run.text[max(0, org.start - 40) : org.start]
            if _STAFF_AT.search(before) and org.iri not in assigned.get("implementer", set()):
                self._assign(run, project, "implementer", org, assigned)
        roled: set[URIRef] = set().union(*assigned.values()) if assigned else set()
        for org in sorted(orgs, key=lambda o: o.start):
            if org.iri in roled or run.in_chrome(org.start, org.end):
                continue
            if in_passing(run.text, org.start, org.end):
                continue
            self._assign(run, project, "participant", org, assigned)
            roled.add(org.iri)


def in_passing(text: str, start: int, end: int) -> bool:
    """Whether the organisation named by ``text[start:end]`` is only mentioned in
    passing: on a citation line, in a publisher's imprint or credits, as a cited
    source ("(STM 2014)") or as the source of a definition or statistics
    ("THL:n tilastojen mukaan"). Such a mention does not make it a participant."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    if _CITATION_LINE.search(line):
        return True
    if _CITATION_LABEL.match(line) and len(line) <= 600:
        return True
    before = text[max(line_start, start - 120) : start]
    after = text[end : end + 60]
    if PASSING_BEFORE.search(before) or PASSING_AFTER.match(after):
        return True
    surface = text[start:end]
    return surface.endswith("n") and bool(SOURCE_AFTER_GENITIVE.match(after))
