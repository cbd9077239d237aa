"""HTML pages as text: the main content of a page, block elements as paragraphs.

The loader (:mod:`graph.load.loader`) hands a ``text/html`` document here. Site
chrome (navigation, headers, footers, cookie banners, forms, scripts) is
dropped and ``<main>``/``<article>`` preferred, so extraction and every evidence
offset see only the page's own text. Pages nested deeper than
:data:`MAX_HTML_DEPTH` elements are refused before parsing (:func:`html_depth`).
"""

from __future__ import annotations

import re
from typing import Any

_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "select",
    "iframe",
    "svg",
    "canvas",
    "menu",
    "dialog",
)
_CHROME_ATTR = re.compile(
    r"(^|[-_\s])(nav|navbar|navigation|menu|breadcrumbs?|cookies?|cookie-banner|footer|"
    r"header|sidebar|skip-?link|share|social|banner|site-header|site-footer|toolbar)($|[-_\s])",
    re.I,
)
_BLOCK_TAGS = frozenset(
    "p div section article main h1 h2 h3 h4 h5 h6 li ul ol dl dt dd table tr td th "
    "blockquote pre figure figcaption address br hr caption tbody thead".split()
)


#: Deepest element nesting read. The HTML parser's cost grows faster than linearly
#: with depth (20,000 nested <div> took 1.9 s, 40,000 took 14 s), while real pages
#: stay far below a hundred; deeper documents are refused before parsing (at this
#: limit a page costs about 0.4 s).
MAX_HTML_DEPTH = 10_000

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^>]*?(/?)>")
# Elements that never hold children, or whose end tag the parser implies when a
# sibling starts (so a run of them does not nest): they do not add depth here.
_FLAT_TAGS = frozenset(
    "area base br col embed hr img input link meta param source track wbr "
    "p li dt dd tr td th option optgroup thead tbody tfoot colgroup rb rt rp".split()
)


def html_depth(html: str) -> int:
    """Deepest nesting of open elements, by one linear scan of the tags.

    An estimate on the safe side of the parser's own tree: comments and
    attributes with ``>`` may shift it, implied end tags are ignored, and a
    stray end tag never takes the depth below zero.
    """
    depth = deepest = 0
    for match in _TAG.finditer(html):
        closing, tag, self_closing = match.groups()
        if tag.lower() in _FLAT_TAGS or self_closing:
            continue
        if closing:
            depth = max(0, depth - 1)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def html_to_text(html: str) -> tuple[str, str | None]:
    """Reduce HTML to its main text; returns ``(text, title)``.

    Drops navigation, headers, footers, scripts, styles, asides and forms, and
    prefers ``<main>`` / ``<article>`` / ``[role=main]`` when the page has one.
    Block elements become paragraphs separated by blank lines.
    """
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    title: str | None = None
    title_node = tree.css_first("title")
    if title_node is not None:
        title = " ".join(title_node.text().split()) or None
    h1 = tree.css_first("h1")
    root = (
        tree.css_first("main")
        or tree.css_first("[role=main]")
        or tree.css_first("article")
        or tree.body
        or tree.root
    )
    if root is None:
        return "", title
    for tag in _DROP_TAGS:
        for node in root.css(tag):
            node.decompose()
    roles = "[role=navigation], [role=banner], [role=contentinfo], [aria-hidden=true]"
    for node in root.css(roles):
        node.decompose()
    for node in root.css("[class], [id]"):
        attrs = f"{node.attributes.get('class') or ''} {node.attributes.get('id') or ''}"
        if node.tag not in ("main", "article", "body") and _CHROME_ATTR.search(attrs):
            node.decompose()
    parts: list[str] = []
    _walk(root, parts)
    text = "".join(parts)
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    if h1 is not None:
        heading = " ".join(h1.text().split())
        if heading:
            title = heading
    return text, title


def _walk(root: Any, parts: list[str]) -> None:
    """Collect the text under ``root``, block elements as paragraphs.

    Iterative, with an explicit stack: a hostile page nested thousands of
    elements deep must not exhaust Python's recursion limit.
    """
    stack: list[tuple[Any, bool]] = [(iter(root.iter(include_text=True)), False)]
    while stack:
        children, block = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if block:
                parts.append("\n\n")
            continue
        tag = child.tag
        if tag == "-text":
            parts.append(child.text_content or "")
            continue
        if tag in ("br",):
            parts.append("\n")
            continue
        opens = tag in _BLOCK_TAGS
        if opens:
            parts.append("\n\n")
        stack.append((iter(child.iter(include_text=True)), opens))
