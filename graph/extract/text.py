"""Text utilities shared by extraction and chunking: site chrome, sentences, titles.

Nothing here needs the NLP pipeline or the gazetteer, so :mod:`search.chunking`
imports this module alone. Chrome (navigation, "Siirry sisältöön", "Omat
työkalut") is found so that nothing in it becomes an entity or a snippet."""

from __future__ import annotations

import logging
import re

from graph.load.loader import detect_language

logger = logging.getLogger(__name__)

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


CHROME_PATTERNS = (
    re.compile(r"^tietoa\s+\S+:st[aä]$", re.I),
    re.compile(r"^about\s+\S+\.(fi|com|org|net)$", re.I),
    re.compile(r"^(©|\(c\)|copyright)\b", re.I),
    re.compile(r"^(facebook|twitter|linkedin|instagram|youtube|x)$", re.I),
)


GLUED_CHROME = re.compile(
    "(?i:"
    + "|".join(re.escape(p) for p in sorted(CHROME_PHRASES, key=len, reverse=True) if len(p) > 3)
    + r")(?=[A-ZÅÄÖ])"
)


CHROME_SPLIT = re.compile(r"\s*[|•·»›/]\s*")


#: A navigation word glued onto the next word: "työkalutTyöikäisten".
GLUE = re.compile(r"(?P<left>[A-Za-zÅÄÖåäö]*[a-zåäö]{4,})(?P<right>[A-ZÅÄÖ][a-zåäö])")


SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9\"”“(])|\n\s*\n|\n(?=\S)")


ABBREVIATIONS = ("ko.", "n.", "esim.", "mm.", "ns.", "yms.", "jne.", "ts.", "eli.", "vrt.", "e.g.")


def lines(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def chrome_spans(text: str) -> list[tuple[int, int]]:
    """Spans of site chrome: whole navigation lines and navigation glued to a title."""
    out: list[tuple[int, int]] = []
    for start, line in lines(text):
        stripped = line.strip()
        if not stripped:
            continue
        if is_chrome_text(stripped):
            out.append((start, start + len(line)))
            continue
        glued = glued_prefix(stripped)
        if glued:
            offset = start + line.index(stripped)
            out.append((offset, offset + glued))
    return out


def is_chrome_text(text: str) -> bool:
    parts = [p.strip(" .:!") for p in CHROME_SPLIT.split(text.strip()) if p.strip(" .:!")]
    if not parts:
        return False
    return all(
        p.lower() in CHROME_PHRASES
        or p.lower() + "?" in CHROME_PHRASES
        or any(rx.search(p) for rx in CHROME_PATTERNS)
        for p in parts
    )


def glued_prefix(line: str) -> int:
    """Length of a navigation prefix glued onto a line ("Omat työkalutTyö..."), else 0."""
    if len(line) > 300:
        return 0
    m = GLUED_CHROME.match(line)
    if m:
        return m.end()
    m = GLUE.search(line)
    if m and m.start() < 40 and len(line[: m.end("left")].split()) <= 4:
        return m.end("left")
    return 0


def clean_title(title: str) -> str:
    """A page title without glued navigation or a trailing site name."""
    title = " ".join(title.split())
    cut = glued_prefix(title)
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


def title_like(line: str) -> bool:
    words = line.split()
    if not 1 <= len(words) <= 18 or line.endswith((".", ":")):
        return False
    if not re.search(r"[A-Za-zÅÄÖåäö]{3}", line) or re.fullmatch(r"[\d\s.,–-]+", line):
        return False
    if is_chrome_text(line):
        return False
    from graph.load.layout import match_label

    return match_label(line) is None and line[:1].isupper() or line[:1].isdigit()


def name_language(name: str, default: str) -> str:
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
    for m in SENTENCE_END.finditer(text):
        before = text[max(pos, m.start() - 6) : m.start()]
        if any(before.endswith(" " + a) or before == a for a in ABBREVIATIONS):
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


def sentence_initial(text: str, pos: int) -> bool:
    before = text[:pos].rstrip()
    return not before or before.endswith((".", "!", "?", "\n"))


def protect_separators(value: str) -> str:
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
