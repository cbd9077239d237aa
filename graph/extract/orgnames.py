"""Open-world organisation names: head nouns, legal forms and base forms.

A Finnish organisation name ends in a head noun ("…säätiö", "…yhdistys",
"… sairaanhoitopiiri", "… ammattikorkeakoulu") or a legal form ("ry", "Oy",
"sr"), and only its last word inflects: "Helsingin ja Uudenmaan
sairaanhoitopiirin" is "Helsingin ja Uudenmaan sairaanhoitopiiri". English
names follow "University of X", "Ministry of X", "X Foundation". This module
finds such names in text without any list of them, so that organisations the
authority list does not know still reach the graph; the linker and the
organisation step decide what each one is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from graph.extract.cues import WORK_SUFFIX
from graph.language.finnish import Morphology
from graph.load.layout import match_label

#: Head nouns that make a name on their own when compounded and capitalised
#: ("Kehitysvammaliitto", "Asumispalvelusäätiö").
STRONG_HEADS = (
    "säätiö",
    "liitto",
    "yhdistys",
    "setlementti",
    "osuuskunta",
    "kuntayhtymä",
    "sairaanhoitopiiri",
    "hyvinvointialue",
    "ammattikorkeakoulu",
    "yliopisto",
    "korkeakoulu",
    "seurakunta",
    "seurakuntayhtymä",
    "ministeriö",
    "virasto",
    "diakonissalaitos",
    "ely-keskus",
    "te-toimisto",
    "yhtiö",
    "liikelaitos",
    "instituutti",
    "klubitalo",
    "kansanopisto",
)
#: Heads that are ordinary words alone ("palvelukeskus", "kunta"): they need a
#: capitalised modifier before them ("Oulun kaupunki", "Vaasan keskussairaala").
WEAK_HEADS = (
    "kaupunki",
    "kunta",
    "keskus",
    "laitos",
    "toimisto",
    "yhtymä",
    "opisto",
    "rahasto",
    "järjestö",
    "seura",
    "sairaala",
    "keskussairaala",
    "kuntoutuskeskus",
    "sote",
    # A municipal cooperation area that runs services ("Porin yhteistoiminta-alue").
    "yhteistoiminta-alue",
    # A national association's district ("Mannerheimin Lastensuojeluliiton Etelä-Savon piiri").
    "piiri",
)
_HEADS = tuple(sorted((*STRONG_HEADS, *WEAK_HEADS), key=len, reverse=True))
#: Words that end like a head but name a place or a kind ("maakunta", "seutukunta").
_NOT_HEADS = (
    "maakunta",
    "seutukunta",
    "kotikunta",
    "lähikunta",
    "jäsenkunta",
    "naapurikunta",
    "kuntakunta",
    "osakeyhtiö",
)
#: Capitalised tokens after a name that are not part of it.
_NOT_ACRONYMS = frozenset("ISBN ISSN PL PDF EU URL DOI PB PO HTML".split())
#: Modifiers that make a phrase about a project, not a name ("Hankkeen kunta").
_PROJECT_MODIFIER = re.compile(r"(hank|projekt|toiminta-alue|alueen\b)", re.I)
#: Legal forms written after the name; "ry:n" carries the case ending.
LEGAL_FORMS = frozenset("ry r.y. rf r.f. oy oyj ab abp sr ky ay".split())
#: Compound prefixes that are not names ("Tämä yhdistys", "Koko kunta").
_NOT_MODIFIERS = frozenset(
    "tämä tämän se sen kyseinen kyseisen koko jokainen jokaisen eri oma oman "
    "hankkeen hanke projektin ja sekä tai".split()
)
_TOKEN = re.compile(r"[0-9A-Za-zÅÄÖåäöÉéÜüŠšŽž][\wÅÄÖåäöÉéÜüŠšŽž&.'’:-]*")
#: English organisation names.
_EN_NAME = re.compile(
    r"(?:(?:the\s+)?(?P<a>(?:[A-Z][\w-]+\s+){0,2}(?:Ministry|University|Department|Institute|"
    r"Association|Federation|Foundation|Centre|Center|City|Municipality|Agency|Office|"
    r"Authority|Council|Board|Hospital District|District)\s+(?:of|for)\s+"
    r"(?:the\s+)?[A-Z][\w-]+(?:(?:\s+(?:and|of|for|the|&))*\s+[A-Z][\w-]+){0,5}))"
    r"|(?P<b>(?:[A-Z][\w-]+\s+(?:and\s+)?){1,4}(?:University of Applied Sciences|University|"
    r"Foundation|"
    r"Association|Federation|Institute|Hospital District|Hospital|Centre|Agency|Fund|Ltd|Oy|"
    r"Services|Church|Parish|Network|Council|Society|Board|Authority|Alliance))\b"
    r"|(?P<c>\b[A-Z][\w]*-(?:Foundation|Association|Institute))\b"
)
#: An English adjective at the end of a name part ("Social", "Economic", "Regional").
_ADJECTIVE_END = re.compile(r"[a-z](?:al|ic|ive)$")
#: A name with a legal form: "Pohjois-Savon Kylät ry", "Veikkaus Oy"; on one line.
_LEGAL_NAME = re.compile(
    r"((?:[A-ZÅÄÖ][\wåäöÅÄÖ&-]*[ \t\u00a0]+)(?:(?:[\wåäöÅÄÖ&-]+|ja)[ \t\u00a0]+){0,4}"
    r"(?:ry|r\.y\.|rf|Oy|Oyj|Ab|sr))"
    r"(?![\wåäö])"
)
_EN_GENERIC_FIRST = frozenset("The This That These Our Their A An In For And Of With".split())


@dataclass(frozen=True)
class OrgName:
    """An organisation name found in text: ``text[start:end]`` and its base form."""

    start: int
    end: int
    surface: str
    base: str
    acronym: str | None = None


def organisation_key(name: str) -> str:
    """The normalised name a minted organisation IRI is made from: lower case,
    without legal form or punctuation, so "Veikkaus Oy" and "Veikkaus" are one."""
    words = re.findall(r"[\wåäöÅÄÖ]+", name.lower().replace("r.y.", "ry"))
    return " ".join(w for w in words if w not in LEGAL_FORMS) or name.lower()


#: Stems every inflected form of a head shares ("kaupun|ki", "keskuk|sen"): a
#: word without one is not looked up (Voikko is the slow part of extraction).
_HEAD_STEMS = re.compile(
    r"(säätiö|liito|liitto|yhdisty|setlementi|osuuskun|yhtym|sairaanhoitopiir|hyvinvointialue|"
    r"korkeakoulu|yliopisto|seurakun|ministeriö|virasto|laito|laitok|keskus|keskuk|toimisto|"
    r"yhtiö|instituut|klubitalo|opisto|kaupun|kunta|kunna|kunn|rahasto|järjestö|seura|"
    r"sairaala|sote|yhteistoiminta-alu|piiri|piire)",
    re.I,
)


def head_of(word: str, morph: Morphology) -> str | None:
    """The head noun ``word`` ends in (by its base form), or ``None``."""
    if not _HEAD_STEMS.search(word):
        return None
    if word.isupper() and len(word) > 6:
        # Headings in capitals ("YMPÄRISTÖMINISTERIÖ") are not running text.
        return None
    lowered = word.lower()
    for form in (morph.baseform(word).lower(), lowered):
        if form.endswith(_NOT_HEADS):
            return None
        for head in _HEADS:
            if form.endswith(head):
                if head == "piiri" and form != head:
                    # "lukupiiri", "vertaispiiri", "vaalipiiri": a circle, not a body.
                    continue
                return head
    return None


def base_form(surface: str, morph: Morphology) -> str:
    """Base form of a name where only the last word inflects: "Helsingin ja Uudenmaan
    sairaanhoitopiirin" -> "Helsingin ja Uudenmaan sairaanhoitopiiri", "SOSTE:n" ->
    "SOSTE", "Pohjois-Savon Kylät ry:n" -> "Pohjois-Savon Kylät ry"."""
    words = " ".join(surface.split()).strip(" .,;:–-").split(" ")
    if not words or not words[0]:
        return ""
    last = words[-1]
    if ":" in last:
        # "ry:n", "SOSTE:n", "THL:ssä": the case ending follows a colon.
        words[-1] = last.split(":", 1)[0]
    elif last.lower().strip(".") not in LEGAL_FORMS and not last.isupper():
        base = morph.baseform(last)
        if base and base.lower() != last.lower():
            if last[:1].isupper():
                base = base[:1].upper() + base[1:]
            else:
                base = base[:1].lower() + base[1:]
            # Keep the written form of a hyphenated prefix ("ELY-keskuksen").
            if "-" in last and "-" not in base:
                prefix = last.rsplit("-", 1)[0]
                tail = morph.baseform(last.rsplit("-", 1)[1]) or last.rsplit("-", 1)[1]
                base = f"{prefix}-{tail}"
            words[-1] = base
    return " ".join(words)


def find_org_names(text: str, morph: Morphology) -> list[OrgName]:
    """Organisation names in ``text`` by Finnish head nouns and legal forms, and by
    English name patterns; a name inside a longer one is left out."""
    by_span: dict[tuple[int, int], OrgName] = {}
    for org in _candidates(text, morph):
        # A name found by its head noun and again by its legal form counts once.
        by_span.setdefault((org.start, org.end), org)
    found = sorted(by_span.values(), key=lambda o: (o.start, -o.end))
    out: list[OrgName] = []
    for org in found:
        if any(o.start <= org.start and org.end <= o.end for o in found if o is not org):
            continue
        if any(o.start < org.end and org.start < o.end for o in out):
            continue
        out.append(org)
    return out


def _candidates(text: str, morph: Morphology) -> Iterator[OrgName]:
    tokens = list(_TOKEN.finditer(text))
    used_until = -1
    for i, tok in enumerate(tokens):
        if tok.start() < used_until:
            continue
        word = tok.group().rstrip(".:")
        if len(word) < 3:
            continue
        head = head_of(word.split(":")[0], morph)
        if head is None:
            continue
        # Ministries are written in lower case: "sosiaali- ja terveysministeriön".
        lower = head == "ministeriö"
        first = _spaced_hyphen_name(text, tokens, i, morph)
        if first is None:
            first = _extend_left(text, tokens, i, morph, lower=lower)
        last = _extend_right(text, tokens, i, morph)
        start, end = tokens[first].start(), tokens[last].end()
        surface = text[start:end].rstrip(".,:;")
        end = start + len(surface)
        if not _acceptable(surface, head, first == i, morph, lower=lower):
            continue
        if WORK_SUFFIX.match(text, end):
            # "Tulevaisuuden sosiaali- ja terveyskeskus -ohjelma" names a programme.
            continue
        acronym = None
        paren = re.match(r"\s*\(([A-ZÅÄÖ][A-ZÅÄÖ0-9-]{1,9})\)", text[end : end + 16])
        if paren and _abbreviates(paren.group(1), surface):
            acronym = paren.group(1)
        used_until = end
        yield OrgName(start, end, surface, " ".join(base_form(surface, morph).split()), acronym)
    for m in _LEGAL_NAME.finditer(text):
        words = list(re.finditer(r"\S+", m.group(1)))
        # Back from the legal form over capitalised words, "ja" and hyphen words.
        keep = len(words) - 1
        while keep > 0:
            w = words[keep - 1].group()
            if w in ("ja", "sekä") and keep > 1:
                # "Peruspalvelukuntayhtymä Koivula ja Etelä-Savon Kylät ry": a name
                # with a head noun before "ja" is another organisation.
                before = [x.group() for x in words[max(0, keep - 3) : keep - 1]]
                if any(head_of(b, morph) for b in before):
                    break
                keep -= 1
                continue
            if w[:1].isupper() or w.endswith("-"):
                keep -= 1
                continue
            if (
                keep == len(words) - 1
                and keep > 1
                and w.isalpha()
                and len(w) >= 4
                and words[keep - 2].group()[:1].isupper()
                and head_of(w, morph) is None  # "… työpajayhdistys ry": the head's own name
            ):
                # One lower-case noun before the legal form after a capitalised word:
                # "Eläkeliiton Etelä-Pohjanmaan piiri ry", "Folkhälsans förbund rf".
                keep -= 1
                continue
            break
        words = words[keep:]
        while words and (
            words[0].group().lower() in _NOT_MODIFIERS
            or words[0].group().lower() in LEGAL_FORMS
            or not words[0].group()[:1].isupper()
            or match_label(words[0].group()) is not None
            or (words[0].group().isupper() and len(words[0].group()) > 6)
            or words[0].group() in _NOT_ACRONYMS
            or _role_word(words[0].group(), morph)
        ):
            words.pop(0)
        if len(words) < 2:
            continue
        start = m.start(1) + words[0].start()
        suffix = re.match(r":\w+", text[m.end(1) :])
        end = m.end(1) + (suffix.end() if suffix else 0)
        yield OrgName(start, end, text[start:end], base_form(text[start:end], morph))
    yield from _english_names(text)


def _english_names(text: str) -> Iterator[OrgName]:
    """English names by pattern ("University of X", "X Foundation"), left to right."""
    pos = 0
    while (m := _EN_NAME.search(text, pos)) is not None:
        name = m.group("a") or m.group("b") or m.group("c")
        start = m.start("a") if m.group("a") else m.start("b") if m.group("b") else m.start("c")
        pos = m.end()
        if m.group("b") and re.search(r"\b(?:of|for)\s+$", text[max(0, start - 5) : start]):
            continue  # "Minister of Family Affairs and Social Services": the tail of a title
        # "Ministry of X and Health and JAMK University": cut where another name
        # begins, and look for that name from there.
        for cut in re.finditer(r"\s+and\s+", name if m.group("a") else ""):
            rest, kept = name[cut.end() :], name[: cut.start()]
            if _ADJECTIVE_END.search(kept):
                continue  # "Social and Health Services": the "and" joins two modifiers
            if _starts_en_name(rest):
                name = kept
                pos = start + cut.end()
                break
        lead = name.split()[0]
        if lead in _EN_GENERIC_FIRST:
            stripped = name[len(lead) :].lstrip()
            start += len(name) - len(stripped)
            name = stripped
        if len(name.split()) < 2 or any(w.isupper() and len(w) > 6 for w in name.split()):
            # A heading in capitals ("KOIVULA Oy SOVA Ab") is not a name.
            continue
        acronym = None
        after = start + len(name)
        paren = re.match(r"\s*\(([A-ZÅÄÖ][A-Za-zÅÄÖ0-9-]{1,9})\)", text[after : after + 16])
        if paren and _abbreviates(paren.group(1), name):
            acronym = paren.group(1)
        yield OrgName(start, start + len(name), name, name, acronym)


def _starts_en_name(text: str) -> bool:
    """Whether another English name begins ``text`` ("JAMK University of …", "the …"),
    not a coordinated part of the same one ("Health and X University")."""
    if text.startswith("the "):
        return True
    m = _EN_NAME.match(text)
    return m is not None and not (m.group("b") and " and " in m.group("b"))


def _abbreviates(acronym: str, name: str) -> bool:
    """Whether ``acronym`` can stand for ``name``: it starts with the initial of the
    name or of one of its words ("Asumisen rahoitus- ja kehittämiskeskus (ARA)"),
    not an aside such as "(TPY)" after a ministry."""
    initials = {w[:1].lower() for w in re.findall(r"[\wåäöÅÄÖ]+", name)}
    return acronym[:1].lower() in initials


def _extend_left(
    text: str, tokens: list[re.Match[str]], i: int, morph: Morphology, *, lower: bool = False
) -> int:
    """Index of the first token of the name whose head is ``tokens[i]``: back over
    genitive modifiers ("Kainuun sosiaali- ja terveydenhuollon"), hyphen
    coordination and "ja" between genitives, to a capitalised word."""
    j = i
    k = i - 1
    while k >= 0 and i - k <= 7:
        tok = tokens[k].group()
        gap = text[tokens[k].end() : tokens[k + 1].start()]
        if re.search(r"\n\s*\n", gap) or re.search(r"[.;:!?()\"”]", gap):
            break
        if "," in gap and not tok.endswith("-"):
            break
        low = tok.lower()
        if low in _NOT_MODIFIERS - {"ja", "sekä"}:
            break
        if low in ("ja", "sekä"):
            # Only inside a coordinated modifier: "Helsingin ja Uudenmaan", "sosiaali- ja".
            if k == 0:
                break
            prev = tokens[k - 1].group()
            if not (prev.endswith("-") or _genitive(prev, morph)):
                break
            if not prev.endswith("-") and (head_of(prev, morph) is not None or prev[:-1].isupper()):
                # "Omaishoitajaliiton ja Mielenterveysomaisten keskusliitto": two names.
                break
            k -= 1
            continue
        if tok.endswith("-"):
            if tok[:1].isupper() or lower:
                j = k
            k -= 1
            continue
        if _genitive(tok, morph):
            if tok[:1].isupper() or (lower and head_of(tok, morph) is None):
                j = k
            k -= 1
            continue
        if tok.isupper() and len(tok) <= 8 and tok.isalpha() and tok not in _NOT_ACRONYMS:
            # "HUS", "SOS": an acronym modifier.
            j = k
        break
    # Trim to a capitalised first word (ministries are written in lower case).
    while j < i and not lower and not tokens[j].group()[:1].isupper():
        j += 1
    return j


def _spaced_hyphen_name(
    text: str, tokens: list[re.Match[str]], i: int, morph: Morphology
) -> int | None:
    """First token of a name joined to its head by a spaced hyphen: "Koulutuskeskus
    Salpaus -kuntayhtymä", "Keski-Uudenmaan sote -kuntayhtymä"; ``None`` for other
    shapes. A word in a local case ends the walk ("Yhteistyössä X -yhdistys")."""
    if i == 0 or text[tokens[i - 1].end() : tokens[i].start()] not in (" -", "\u00a0-"):
        return None
    first: int | None = None
    for j in range(i - 1, max(-1, i - 4), -1):
        word = tokens[j].group()
        if (
            word.endswith((".", ",", ":", ";"))
            or _role_word(word, morph)
            or _local_case(word, morph)
        ):
            break
        if word[:1].isupper():
            first = j  # the earliest capitalised word
        if j == 0 or text[tokens[j - 1].end() : tokens[j].start()] != " ":
            break
    return first


def _local_case(word: str, morph: Morphology) -> bool:
    """A common noun in a local case ("Yhteistyössä", "Kunnissa"): not a name's word."""
    analyses = list(morph.analyses(word))
    if not analyses or any(
        a.get("CLASS") in ("nimi", "sukunimi", "etunimi", "paikannimi") for a in analyses
    ):
        return False
    local = ("sisaolento", "sisaeronto", "sisatulento", "ulkoolento", "ulkoeronto", "ulkotulento")
    return all(a.get("SIJAMUOTO") in local for a in analyses)


def _role_word(word: str, morph: Morphology) -> bool:
    """A common noun in the essive or translative before a name ("Kumppaneina X ry",
    "Toteuttajana X"): it says what the name is, it is not part of it."""
    analyses = list(morph.analyses(word))
    if not analyses:
        return False
    proper = {"nimi", "sukunimi", "etunimi", "paikannimi"}
    if any(a.get("CLASS") in proper for a in analyses):
        return False
    return all(a.get("SIJAMUOTO") in ("olento", "tulento") for a in analyses)


def _genitive(word: str, morph: Morphology) -> bool:
    """Whether ``word`` can be a genitive modifier ("Oulun", "terveydenhuollon")."""
    if not word.endswith("n") or not word[:1].isalpha() or word.isupper():
        return False
    analyses = list(morph.analyses(word))
    if not analyses:
        return True
    return any(a.get("SIJAMUOTO") == "omanto" for a in analyses)


def _extend_right(text: str, tokens: list[re.Match[str]], i: int, morph: Morphology) -> int:
    """Index of the last token: a legal form, an acronym, or a proper name after a
    capitalised head ("Kuntayhtymä Kaksineuvoinen")."""
    if i + 1 >= len(tokens):
        return i
    nxt = tokens[i + 1]
    gap = text[tokens[i].end() : nxt.start()]
    if gap not in (" ", "\u00a0") or tokens[i].group().endswith((".", ":", ",")):
        return i
    word = nxt.group()
    bare = word.split(":")[0].rstrip(".,")
    if bare.lower() in LEGAL_FORMS or bare.lower() + "." in LEGAL_FORMS:
        return i + 1
    if (
        bare.isupper()
        and 2 <= len(bare) <= 8
        and bare.isalpha()
        and bare not in _NOT_ACRONYMS
        and (i + 2 >= len(tokens) or not text[nxt.end() : nxt.end() + 2].startswith(":"))
    ):
        return i + 1
    head = tokens[i].group()
    if head[:1].isupper() and head.lower() == morph.baseform(head).lower() and word[:1].isupper():
        classes = {a.get("CLASS") for a in morph.analyses(bare)}
        before = text[: tokens[i].start()].rstrip()
        bare_head = head.lower() in _HEADS
        if (
            before
            and not before.endswith((".", "!", "?", ":", "\n"))
            and ("nimisana" not in classes or bare_head)
            and match_label(bare) is None
        ):
            # A capitalised head inside a sentence is a name: "Kuntayhtymä Kaksineuvoinen".
            return i + 1
        if not classes or classes & {"nimi", "sukunimi", "etunimi", "paikannimi"}:
            return i + 1
    return i


def _acceptable(
    surface: str, head: str, alone: bool, morph: Morphology, *, lower: bool = False
) -> bool:
    """Whether a head-noun span is a name rather than an ordinary phrase."""
    words = surface.split()
    if not words or not (words[0][:1].isupper() or lower):
        return False
    if _PROJECT_MODIFIER.search(" ".join(words[:-1])):
        return False
    if any(w.isupper() and len(w) > 6 for w in words):
        return False
    if len(surface) < 4 or len(words) > 9:
        return False
    if alone and len(words) == 1:
        word = words[0].split(":")[0]
        if head in WEAK_HEADS:
            return False
        base = morph.baseform(word).lower()
        # The compound needs a prefix of its own: "Yhdistys" alone is not a name.
        if len(base) < len(head) + 3:
            return False
    if alone and len(words) > 1 and head in WEAK_HEADS and not words[-1][:1].isupper():
        return False
    if head == "yhteistoiminta-alue" and words[-1].endswith(("lla", "lta", "lle")):
        # "asuvat Porin yhteistoiminta-alueella": the area where, not the body.
        return False
    return True
