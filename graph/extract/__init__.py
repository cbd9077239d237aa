"""Knowledge extraction as a package of named steps.

``from graph.extract import Extractor, extraction_to_json, chrome_spans, ...``
keeps working: the names below are imported lazily, so that importing
:mod:`graph.extract.text` (as :mod:`search.chunking` does) does not load the
whole extractor.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graph.extract.dates import date_literal
    from graph.extract.extractor import Extractor
    from graph.extract.output import extraction_to_json, iter_objects
    from graph.extract.run import SPACY_MODEL, LinkerLike, load_nlp
    from graph.extract.text import chrome_spans, clean_title, paragraph_spans, sentence_spans
    from graph.model import Extraction

#: Public name -> the module that defines it.
_EXPORTS = {
    "Extractor": "graph.extract.extractor",
    "Extraction": "graph.model",
    "LinkerLike": "graph.extract.run",
    "SPACY_MODEL": "graph.extract.run",
    "load_nlp": "graph.extract.run",
    "date_literal": "graph.extract.dates",
    "extraction_to_json": "graph.extract.output",
    "iter_objects": "graph.extract.output",
    "chrome_spans": "graph.extract.text",
    "clean_title": "graph.extract.text",
    "paragraph_spans": "graph.extract.text",
    "sentence_spans": "graph.extract.text",
}

__all__ = [
    "SPACY_MODEL",
    "Extraction",
    "Extractor",
    "LinkerLike",
    "chrome_spans",
    "clean_title",
    "date_literal",
    "extraction_to_json",
    "iter_objects",
    "load_nlp",
    "paragraph_spans",
    "sentence_spans",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'graph.extract' has no attribute {name!r}")
    return getattr(import_module(module), name)
