"""Chunking: sentence boundaries, overlap, offsets, chrome left out."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from search.chunking import chunk_text, sentences

TEXT = (
    "Hanke alkoi vuonna 2010. Se kehitti kuntoutusta Jyväskylän seudulla. "
    "Mallia pilotoitiin 8.1.2013 alkaen. Tulokset julkaistiin.\n\nUusi kappale alkaa tästä."
)


def test_sentences_keep_dates_and_offsets() -> None:
    spans = sentences(TEXT)
    assert [s.text for s in spans][2] == "Mallia pilotoitiin 8.1.2013 alkaen."
    assert all(TEXT[s.start : s.end] == s.text for s in spans)


def test_chunks_respect_sentences_and_overlap_by_one() -> None:
    chunks = chunk_text(TEXT, max_chars=80)
    assert len(chunks) > 2
    for chunk in chunks:
        assert TEXT[chunk.start : chunk.end] == chunk.text
        assert chunk.text[-1] in ".ä"
    first_last = sentences(chunks[0].text)[-1].text
    assert chunks[1].text.startswith(first_last)


def test_chrome_spans_are_left_out() -> None:
    text = "Siirry sisältöön | Valikko\n\nHankkeen nimi on Testi. Toinen lause."
    chunks = chunk_text(text, skip=[(0, 26)])
    assert chunks[0].text.startswith("Hankkeen nimi")


@given(st.text(min_size=0, max_size=3000))
def test_any_text_gives_exact_offsets_and_bounded_chunks(text: str) -> None:
    for chunk in chunk_text(text, max_chars=200):
        assert text[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= 200 or " " not in chunk.text
