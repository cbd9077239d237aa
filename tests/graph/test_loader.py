"""Document loading: encodings, formats, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph.errors import DocumentError
from graph.load.loader import detect_language, load_bytes, load_document

MAX = 1_000_000
FINNISH = (
    "Hankkeessa kehitettiin päihdekuntoutujien vertaistukea Jyväskylän seudulla ja Äänekoskella."
)


def test_utf8(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(FINNISH.encode("utf-8"))
    doc = load_document(path, max_bytes=MAX)
    assert doc.text == FINNISH
    assert doc.encoding == "utf-8"
    assert doc.media_type == "text/plain"
    assert doc.path == str(path)


def test_utf8_bom_is_dropped() -> None:
    doc = load_bytes(b"\xef\xbb\xbf" + FINNISH.encode(), name="bom.txt", max_bytes=MAX)
    assert doc.text == FINNISH


def test_latin1_finnish_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(FINNISH.encode("latin-1"))
    doc = load_document(path, max_bytes=MAX)
    assert doc.text == FINNISH
    assert "ä" in doc.text and "Ä" in doc.text
    assert doc.encoding == "latin-1"


def test_cp1252_with_typographic_quotes() -> None:
    text = "Hankkeen nimi on \u201dArjen tuki\u201d \u2013 ja se päättyi vuonna 2015 \u20ac."
    doc = load_bytes(text.encode("cp1252"), name="win.txt", max_bytes=MAX)
    assert doc.text == text
    assert doc.encoding == "cp1252"


def test_sha256_is_of_the_original_bytes() -> None:
    import hashlib

    data = FINNISH.encode("latin-1")
    assert load_bytes(data, name="x.txt", max_bytes=MAX).sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("data", [b"", b"   \n\t \r\n"])
def test_empty_is_refused(data: bytes) -> None:
    with pytest.raises(DocumentError, match="empty.txt"):
        load_bytes(data, name="empty.txt", max_bytes=MAX)


def test_binary_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(DocumentError, match="image.txt.*binary"):
        load_document(path, max_bytes=MAX)


def test_control_characters_are_refused() -> None:
    data = bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15]) * 20 + b"abc"
    with pytest.raises(DocumentError, match="binary"):
        load_bytes(data, name="ctl.txt", max_bytes=MAX)


def test_oversized_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * 2000)
    with pytest.raises(DocumentError, match="big.txt.*over the limit of 1000"):
        load_document(path, max_bytes=1000)
    with pytest.raises(DocumentError, match="over the limit"):
        load_bytes(b"a" * 2000, name="big.txt", max_bytes=1000)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="nope.txt"):
        load_document(tmp_path / "nope.txt", max_bytes=MAX)


def test_txt_header_is_stripped() -> None:
    data = b"URL: https://example.org/x\nTITLE: Hanke X\n\nHanke X\n\nTeksti."
    doc = load_bytes(data, name="h.txt", max_bytes=MAX)
    assert doc.url == "https://example.org/x"
    assert doc.title == "Hanke X"
    assert doc.text == "Hanke X\n\nTeksti."


def test_upload_overrides_url_and_title() -> None:
    data = b"URL: https://example.org/x\n\nTeksti on t\xc3\xa4ss\xc3\xa4."
    doc = load_bytes(data, name="u.txt", max_bytes=MAX, url="https://other/", title="Oma")
    assert (doc.url, doc.title) == ("https://other/", "Oma")


def test_crlf_is_normalised() -> None:
    doc = load_bytes(b"rivi 1\r\nrivi 2\r\n", name="crlf.txt", max_bytes=MAX)
    assert doc.text == "rivi 1\nrivi 2"


HTML = """<!DOCTYPE html><html><head><title>Hanke | Sivusto</title>
<style>.a{color:red}</style><script>var secret = "Siirry sisältöön";</script></head>
<body><a class="skip-link" href="#m">Siirry sisältöön</a>
<header><div>Logo</div><nav><a>Etusivu</a><a>Hankkeet</a></nav></header>
<div class="cookie-banner">Käytämme evästeitä</div>
<main id="m"><h1>Hyvä hanke</h1><p>Ensimmäinen <b>kappale</b>.</p><p>Toinen kappale.</p>
<form><input name="q"><button>Hae</button></form>
<dl><dt>Rahoittaja</dt><dd>STEA</dd></dl></main>
<aside>Muita hankkeita</aside>
<footer>Yhteystiedot, 00100 Helsinki</footer></body></html>"""


def test_html_is_reduced_to_main_text() -> None:
    doc = load_bytes(HTML.encode(), name="page.html", max_bytes=MAX)
    assert doc.media_type == "text/html"
    assert doc.title == "Hyvä hanke"
    assert doc.text == "Hyvä hanke\n\nEnsimmäinen kappale.\n\nToinen kappale.\n\nRahoittaja\n\nSTEA"
    for chrome in ("Siirry", "Etusivu", "evästeitä", "Helsinki", "Muita", "secret", "color", "Hae"):
        assert chrome not in doc.text


def test_html_without_main_uses_body_and_drops_nav_classes() -> None:
    html = '<html><body><div id="navbar">Koti | Haku</div><div class="content"><p>Sisältö tässä.</p></div><div class="footer">Alatunniste</div></body></html>'
    doc = load_bytes(html.encode(), name="x.htm", max_bytes=MAX)
    assert doc.text == "Sisältö tässä."


def test_html_media_type_sniffed_without_suffix() -> None:
    doc = load_bytes(HTML.encode(), name="upload", max_bytes=MAX)
    assert doc.media_type == "text/html"


def test_markdown_markup_is_stripped() -> None:
    md = """---
title: Etusivun otsikko
---
# Otsikko

**Rahoittaja:** STEA
Tämä on [linkki](https://example.org) ja *korostus* ja `koodi`.

- kohta yksi
- kohta kaksi
"""
    doc = load_bytes(md.encode(), name="x.md", max_bytes=MAX)
    assert doc.media_type == "text/markdown"
    assert doc.title == "Etusivun otsikko"
    assert doc.text == (
        "Otsikko\n\nRahoittaja: STEA\nTämä on linkki ja korostus ja koodi.\n\nkohta yksi\nkohta kaksi"
    )


def test_json_record_becomes_fields_and_label_value_text() -> None:
    record = {
        "name": "Arjen tuki",
        "name_en": "Everyday support",
        "start": "2014-03-01",
        "funder": "STEA",
        "partners": ["Kela", "THL"],
        "places": ["Vantaa"],
        "url": "https://example.org/arjen-tuki",
    }
    doc = load_bytes(json.dumps(record).encode(), name="r.json", max_bytes=MAX)
    assert doc.media_type == "application/json"
    assert doc.fields["name"] == "Arjen tuki"
    assert doc.fields["partners"] == "Kela; THL"
    assert doc.url == "https://example.org/arjen-tuki"
    assert doc.title == "Arjen tuki"
    assert "Hankkeen nimi\n\nArjen tuki" in doc.text
    assert "Yhteistyötahot\n\nKela\nTHL" in doc.text

    from graph.load.layout import fields_by_key, parse_fields

    fields = fields_by_key(parse_fields(doc.text))
    assert fields["name"].value == "Arjen tuki"
    assert fields["name_en"].value == "Everyday support"
    assert fields["funder"].value == "STEA"
    assert fields["start"].value == "2014-03-01"


@pytest.mark.parametrize("data", [b"{not json", b"[1, 2]", b'"just a string"'])
def test_bad_json_is_refused(data: bytes) -> None:
    with pytest.raises(DocumentError, match="bad.json"):
        load_bytes(data, name="bad.json", max_bytes=MAX)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Hanke kehitti palveluja ja se oli osa ohjelmaa, jossa myös kunnat olivat mukana.", "fi"),
        (
            "The project developed services and it was part of a programme with the municipalities.",
            "en",
        ),
        ("Projektet utvecklade tjänster och det var en del av ett program för kommunerna.", "sv"),
        ("12345", "fi"),
    ],
)
def test_language_detection(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_fixture_documents_all_load() -> None:
    docs = Path(__file__).resolve().parent / "documents"
    for path in docs.iterdir():
        if path.suffix in {".txt", ".md", ".html", ".json"} and not path.name.endswith(
            ".expected.json"
        ):
            doc = load_document(path, max_bytes=MAX)
            assert doc.text.strip()


def test_deeply_nested_html_is_read_without_recursion() -> None:
    """Regression: a page nested 5,000 elements deep raised RecursionError."""
    depth = 5_000
    page = "<html><body>" + "<div>" * depth + "<p>Hanke toimi Oulussa.</p>" + "</div>" * depth
    document = load_bytes(page.encode(), name="deep.html", max_bytes=5_000_000)
    assert "Hanke toimi Oulussa." in document.text


def test_deeply_nested_json_is_a_document_error() -> None:
    """Regression: json.loads raised an uncaught RecursionError (a 500 over HTTP)."""
    with pytest.raises(DocumentError, match="nested more than"):
        load_bytes(b"[" * 100_000 + b"]" * 100_000, name="deep.json", max_bytes=5_000_000)


def test_mixed_utf8_and_latin1_lines_decode_without_mojibake() -> None:
    """Issue 11: a file with UTF-8 and Latin-1 lines was stored as "RovaniemellÃ¤"."""
    data = (
        "Hanke toimii Rovaniemellä.\n".encode()
        + "Yhteistyössä Kemin kaupungin kanssa.\n".encode("latin-1")
        + "Päättyy 2020.\n".encode()
    )
    doc = load_bytes(data, name="mixed.txt", max_bytes=MAX)
    assert "Rovaniemellä" in doc.text
    assert "Yhteistyössä Kemin" in doc.text
    assert "Päättyy" in doc.text
    assert "Ã" not in doc.text
