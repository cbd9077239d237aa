"""SHACL validation of the graph against ``ontology/shapes.ttl`` with pyshacl.

A dataset is validated as the union of its named graphs: a project in a
document's graph points at organisations and places described in the
reference graph, and the shapes check those links across graphs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from pyshacl import validate as shacl_validate
from rdflib import Dataset, Graph, URIRef
from rdflib.graph import ConjunctiveGraph
from rdflib.namespace import SH
from rdflib.term import Node

from graph.vocab import RDF

logger = logging.getLogger(__name__)

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"
SHAPES_PATH = ONTOLOGY_DIR / "shapes.ttl"
ONTOLOGY_PATH = ONTOLOGY_DIR / "hankekg.ttl"


class Violation(NamedTuple):
    """One SHACL result: the focus node, the property path (if any) and the message."""

    focus: str
    path: str | None
    message: str

    def line(self) -> str:
        """One readable line: the focus node, the path (``-`` for none) and the message."""
        message = " ".join(self.message.split())
        return f"{self.focus}\t{self.path or '-'}\t{message}"


@dataclass
class ValidationReport:
    """The outcome of :func:`validate`. ``conforms`` ignores warnings."""

    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    warnings: list[Violation] = field(default_factory=list)
    text: str = ""
    """pyshacl's human-readable report."""


def _union(data: Graph | Dataset) -> Graph:
    """All triples of ``data`` in one graph (a dataset's named graphs merged)."""
    if isinstance(data, Dataset | ConjunctiveGraph):
        union = Graph()
        for s, p, o, _ in data.quads((None, None, None, None)):
            union.add((s, p, o))
        for prefix, ns in data.namespaces():
            union.bind(prefix, ns)
        return union
    return data


def _results(report: Graph, severity: URIRef) -> list[Violation]:
    out: list[Violation] = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        if report.value(result, SH.resultSeverity) != severity:
            continue
        focus: Node | None = report.value(result, SH.focusNode)
        path: Node | None = report.value(result, SH.resultPath)
        raw = report.value(result, SH.resultMessage)
        if raw is None:
            raw = report.value(result, SH.sourceConstraintComponent)
        message = str(raw) if raw is not None else "constraint violated"
        out.append(Violation(str(focus), str(path) if isinstance(path, URIRef) else None, message))
    out.sort(key=lambda v: (v.focus, v.path or "", v.message))
    return out


def validate(
    data: Graph | Dataset,
    shapes_path: Path | None = None,
    ontology_path: Path | None = ONTOLOGY_PATH,
) -> ValidationReport:
    """Validate ``data`` against the SHACL shapes.

    Args:
        data: a graph, or a dataset whose named graphs are validated together.
        shapes_path: the shapes file; ``ontology/shapes.ttl`` by default.
        ontology_path: the ontology, mixed in so that subclass axioms
            (``hk:Municipality`` is a ``schema:AdministrativeArea``) count; ``None`` to skip.

    Returns:
        The report; ``conforms`` is False when there is any violation (warnings do not count).
    """
    shapes = Graph().parse(shapes_path or SHAPES_PATH, format="turtle")
    ontology = Graph().parse(ontology_path, format="turtle") if ontology_path is not None else None
    data_graph = _union(data)
    logger.info("validating %d triples", len(data_graph))
    conforms, report_graph, text = shacl_validate(
        data_graph,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        allow_warnings=True,
        advanced=False,
    )
    assert isinstance(report_graph, Graph)
    violations = _results(report_graph, SH.Violation)
    warnings = _results(report_graph, SH.Warning)
    return ValidationReport(
        conforms=bool(conforms) and not violations,
        violations=violations,
        warnings=warnings,
        text=str(text),
    )
