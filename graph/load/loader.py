"""Loading documents: bytes in, a decoded :class:`~graph.model.Document` out.

Decoding tries strict UTF-8 first, then tells cp1252 from latin-1 (both keep
Finnish ä/ö right; cp1252 only differs in 0x80-0x9F, where latin-1 has control
characters), and only then asks charset-normalizer. Each format is reduced to
the plain text that extraction reads and that every evidence offset points
into: ``.txt`` loses its optional ``URL:``/``TITLE:`` header, Markdown loses its
markup, HTML is reduced to its main text (:mod:`graph.load.html`), and a JSON
project record is rendered as "Label\\n\\nvalue" blocks that the label/value
parser in :mod:`graph.load.layout` understands (:mod:`graph.load.json_record`).
Bad input (empty, binary, oversized, undecodable) raises
:class:`~graph.errors.DocumentError` naming the file.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from pathlib import Path

from graph.errors import DocumentError
from graph.load.html import MAX_HTML_DEPTH, html_depth, html_to_text
from graph.load.json_record import json_to_text
from graph.model import Document
from graph.urls import is_http_url

logger = logging.getLogger(__name__)

MEDIA_TYPES = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".json": "application/json",
}

#: Share of control characters above which decoded text is treated as binary.
_MAX_CONTROL_RATIO = 0.05
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_HEADER_LINE = re.compile(r"^(URL|TITLE):[ \t]*(.*)$")

# Stopwords per language; counting them is robust on short, noisy web text.
_STOPWORDS: dict[str, frozenset[str]] = {
    "fi": frozenset(
        "ja on oli ovat että sekä myös tai kuin joka jotka ei hankkeen hanke hankkeessa "
        "tämä se ne mutta kun niin jos olla ole voi mukaan kanssa sen sekä eli vuonna "
        "aikana osana lisäksi jossa joiden kautta".split()
    ),
    "en": frozenset(
        "the and of to in is are was were that for with on as by this be it from at "
        "an which project has have their its or also".split()
    ),
    "sv": frozenset(
        "och att det som är en ett för på med av till den de har var om också "
        "projektet projekt inom samt eller".split()
    ),
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def detect_language(text: str, default: str = "fi") -> str:
    """Guess fi/en/sv by counting stopwords; ``default`` when there is no signal."""
    counts = dict.fromkeys(_STOPWORDS, 0)
    for word in _WORD.findall(text[:20_000].lower()):
        for lang, words in _STOPWORDS.items():
            if word in words:
                counts[lang] += 1
    best = max(counts, key=lambda k: counts[k])
    if counts[best] == 0:
        return default
    # Finnish pages quote English names; only switch on a clear majority.
    if best != default and counts[best] < 1.2 * counts.get(default, 0):
        return default
    return best


def decode(data: bytes, *, name: str) -> tuple[str, str]:
    """Decode ``data`` to text; returns ``(text, encoding)``.

    Raises:
        DocumentError: the bytes look binary or decode to nothing sensible.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise DocumentError(f"{name}: invalid UTF-16 text") from exc
    if b"\x00" in data:
        raise DocumentError(f"{name}: binary content (NUL bytes), not a text document")
    candidates: list[tuple[str, str]] = []
    try:
        candidates.append((data.decode("utf-8"), "utf-8"))
    except UnicodeDecodeError:
        mixed = _decode_mixed(data)
        if mixed is not None:
            logger.warning("%s: mixed UTF-8 and cp1252/latin-1 lines, decoded per line", name)
            candidates.append((mixed, "utf-8+cp1252"))
        high = set(data) & set(range(0x80, 0xA0))
        if not high:
            # No C1 bytes: latin-1 and cp1252 agree, latin-1 never fails.
            candidates.append((data.decode("latin-1"), "latin-1"))
        else:
            try:
                candidates.append((data.decode("cp1252"), "cp1252"))
            except UnicodeDecodeError:
                pass
            best = _charset_normalizer_guess(data)
            if best is not None:
                candidates.append(best)
    for text, encoding in candidates:
        if not _looks_binary(text):
            return text, encoding
    if candidates:
        raise DocumentError(f"{name}: binary content (too many control characters)")
    raise DocumentError(f"{name}: cannot decode the text (not UTF-8, cp1252 or latin-1)")


def _decode_mixed(data: bytes) -> str | None:
    """Text whose lines are partly UTF-8 and partly a legacy 8-bit encoding, decoded
    line by line; ``None`` when no line is non-ASCII UTF-8 (one legacy encoding
    throughout, which the caller decodes whole).

    Decoding such a file whole as latin-1 turns every UTF-8 line into mojibake
    ("RovaniemellÃ¤"); each line is UTF-8 where it decodes as UTF-8, else cp1252
    (latin-1 for the five bytes cp1252 leaves undefined).
    """
    lines = data.split(b"\n")
    utf8_lines = 0
    out: list[str] = []
    for line in lines:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = line.decode("cp1252")
            except UnicodeDecodeError:
                text = line.decode("latin-1")
        else:
            utf8_lines += not line.isascii()
        out.append(text)
    if not utf8_lines:
        return None
    return "\n".join(out)


def _charset_normalizer_guess(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    match = from_bytes(data).best()
    if match is None:
        return None
    return str(match), match.encoding


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    controls = len(_CONTROL.findall(text))
    return controls / len(text) > _MAX_CONTROL_RATIO


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    # Keep tabs and newlines, drop other control characters.
    return _CONTROL.sub("", text.replace("\t", " "))


def _tidy(text: str) -> str:
    """Strip trailing spaces per line, collapse 3+ newlines, trim the ends."""
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def _sniff_media_type(name: str, text: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in MEDIA_TYPES:
        return MEDIA_TYPES[suffix]
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype html", "<html")) or "<body" in head:
        return "text/html"
    if head.startswith("{"):
        return "application/json"
    return "text/plain"


def load_document(path: Path, *, max_bytes: int) -> Document:
    """Read and decode the file at ``path``.

    Raises:
        DocumentError: the file is missing, empty, binary, too large or undecodable.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentError(f"{path}: cannot read the file ({exc.strerror})") from exc
    if size > max_bytes:
        raise DocumentError(f"{path}: {size} bytes is over the limit of {max_bytes} bytes")
    data = path.read_bytes()
    return load_bytes(data, name=str(path), max_bytes=max_bytes)


def load_bytes(
    data: bytes,
    *,
    name: str,
    media_type: str | None = None,
    max_bytes: int,
    url: str | None = None,
    title: str | None = None,
) -> Document:
    """Decode ``data`` (a file called ``name``) into a :class:`Document`.

    ``media_type`` overrides detection from the name's suffix; ``url`` and
    ``title`` override what the document itself says.

    Raises:
        DocumentError: the bytes are empty, binary, too large or undecodable.
    """
    if len(data) > max_bytes:
        raise DocumentError(f"{name}: {len(data)} bytes is over the limit of {max_bytes} bytes")
    if not data.strip():
        raise DocumentError(f"{name}: the document is empty")
    sha = hashlib.sha256(data).hexdigest()
    raw, encoding = decode(data, name=name)
    raw = _normalise(raw)
    kind = _media_type(media_type) or _sniff_media_type(name, raw)
    fields: dict[str, str] = {}
    doc_url: str | None = None
    doc_title: str | None = None
    if kind == "text/html":
        depth = html_depth(raw)
        if depth > MAX_HTML_DEPTH:
            raise DocumentError(
                f"{name}: HTML nested {depth} elements deep (at most {MAX_HTML_DEPTH} are read)"
            )
        text, doc_title = html_to_text(raw)
    elif kind == "text/markdown":
        text, doc_title = markdown_to_text(raw)
    elif kind == "application/json":
        text, fields, doc_url, doc_title = json_to_text(raw, name=name)
    else:
        kind = "text/plain"
        text, doc_url, doc_title = split_header(raw)
    text = _tidy(text)
    if not text:
        raise DocumentError(f"{name}: the document has no text content")
    warnings: tuple[str, ...] = ()
    if doc_url is not None and not is_http_url(doc_url):
        # The upload form's rule: a link must be http(s); a "javascript:" URL read
        # from inside the document is not stored (nor exported, nor shown).
        warnings = (f"dropped the document's URL {doc_url[:80]!r}: not an http(s) URL",)
        doc_url = None
    return Document(
        path=name,
        text=text,
        sha256=sha,
        media_type=kind,
        title=title or doc_title,
        url=url or doc_url,
        language=detect_language(text),
        encoding=encoding,
        fields=fields,
        warnings=warnings,
    )


def _media_type(media_type: str | None) -> str | None:
    if not media_type:
        return None
    base = media_type.split(";")[0].strip().lower()
    aliases = {
        "text/x-markdown": "text/markdown",
        "application/xhtml+xml": "text/html",
        "text/json": "application/json",
    }
    base = aliases.get(base, base)
    if base in {"text/plain", "text/markdown", "text/html", "application/json"}:
        return base
    return None


def split_header(text: str) -> tuple[str, str | None, str | None]:
    """Strip the evaluation format's optional ``URL:`` / ``TITLE:`` header lines."""
    lines = text.split("\n")
    url: str | None = None
    title: str | None = None
    i = 0
    while i < min(len(lines), 2):
        match = _HEADER_LINE.match(lines[i])
        if not match:
            break
        if match.group(1) == "URL":
            url = match.group(2).strip() or None
        else:
            title = match.group(2).strip() or None
        i += 1
    if i == 0:
        return text, None, None
    return "\n".join(lines[i:]), url, title


# --- Markdown -------------------------------------------------------------

_MD_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^```.*$", re.M), ""),
    (re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)[ \t#]*$", re.M), r"\1"),
    (re.compile(r"^ {0,3}(?:[-*_][ \t]*){3,}$", re.M), ""),
    (re.compile(r"^ {0,3}>[ \t]?", re.M), ""),
    (re.compile(r"^([ \t]*)[-*+][ \t]+", re.M), r"\1"),
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"<https?://[^>]+>"), ""),
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])"), r"\1"),
    (re.compile(r"`([^`]+)`"), r"\1"),
    (re.compile(r"^\|?[ \t:|-]+\|[ \t:|-]*$", re.M), ""),
]
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)


def markdown_to_text(text: str) -> tuple[str, str | None]:
    """Strip Markdown markup; returns ``(text, title)`` (title: front matter or first heading)."""
    title: str | None = None
    front = _FRONT_MATTER.match(text)
    if front:
        for line in front.group(1).split("\n"):
            key, _, value = line.partition(":")
            if key.strip().lower() == "title" and value.strip():
                title = value.strip().strip("\"'")
        text = text[front.end() :]
    heading = re.search(r"^ {0,3}#[ \t]+(.+?)[ \t#]*$", text, re.M)
    if heading and title is None:
        title = _strip_inline_md(heading.group(1))
    for pattern, repl in _MD_RULES:
        text = pattern.sub(repl, text)
    # Table rows: cells become "label: value"-free lines, one per cell.
    text = re.sub(r"^\|(.*)\|[ \t]*$", lambda m: _table_row(m.group(1)), text, flags=re.M)
    return text, title


def _strip_inline_md(text: str) -> str:
    for pattern, repl in _MD_RULES[5:12]:
        text = pattern.sub(repl, text)
    return text.strip()


def _table_row(row: str) -> str:
    cells = [c.strip() for c in row.split("|")]
    return "\n\n".join(c for c in cells if c)
