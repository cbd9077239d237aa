"""``hankekg calibrate``: fit the match rule for the configured encoder.

It ingests a judged corpus into a scratch home (or reads a home already
holding it), runs every judged query and the repository's off-topic queries
through the product's searcher, fits the rule (:mod:`search.calibrate`) and
stores it under the encoder's fingerprint (:mod:`search.calibration`).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from api import services
from api.cli_output import console, out, progress
from api.engine import Engine
from graph.config import Settings
from graph.errors import DocumentError, HankeKGError
from ingest import discover


def stems_of(engine: Engine) -> dict[str, str]:
    """Document IRI -> file stem (what judgements name), for every indexed document."""
    view = engine.snapshot
    if view is None:
        return {}
    return {iri: Path(entry.path).stem for iri, entry in view.documents().items()}


def open_corpus(settings: Settings, corpus: Path | None) -> Engine:
    """An engine over ``settings.home``, with ``corpus`` ingested into it when given.

    Raises:
        DocumentError: nothing is indexed.
    """
    engine = Engine(settings)
    if corpus is not None:
        with progress(len(discover([corpus])), "ingest") as advance:
            engine.ingest_paths([corpus], progress=advance)
    if services.searcher(engine) is None:
        engine.close()
        raise DocumentError("nothing is indexed: give --corpus")
    return engine


def calibrate(
    queries: Annotated[Path, typer.Option(help="queries.jsonl with graded judgements.")],
    corpus: Annotated[
        Path | None,
        typer.Option(help="Folder of the judged documents (default: the home's index)."),
    ] = None,
    offtopic: Annotated[
        Path | None,
        typer.Option(help="Off-topic queries (default: the repository's data/eval set)."),
    ] = None,
    home: Annotated[
        Path | None,
        typer.Option(help="Home to read (and ingest --corpus into); default: a scratch one."),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Folder to store the calibration in (default: <home>/calibration)."
        ),
    ] = None,
) -> None:
    """Fit the matched-set thresholds on judged queries and store them for this encoder."""
    from search.calibrate import OFFTOPIC, cross_validated, fit, observe, read_judged
    from search.calibration import save

    settings = Settings()
    with tempfile.TemporaryDirectory(prefix="hankekg-calibrate-") as tmp:
        if home is not None or corpus is not None:
            settings = Settings(home=home or Path(tmp))
        try:
            engine = open_corpus(settings, corpus)
        except HankeKGError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(exc.exit_code) from exc
        try:
            judged = read_judged(queries) + read_judged(offtopic or OFFTOPIC)
            searcher = services.searcher(engine)
            assert searcher is not None  # open_corpus checked
            stems = stems_of(engine)
            observations = observe(engine, searcher, judged, lambda iri: stems.get(iri, iri))
            result = fit(observations)
            fingerprint = engine.encoder_fingerprint
            meta = {
                "encoder": engine.encoder.name,
                "queries": result.queries,
                "offtopic": result.offtopic,
                "objective": result.objective,
                "set_f1": result.f1,
                "offtopic_empty": result.empty,
                "cross_validated": cross_validated(observations),
            }
            target = out_dir or (home or Settings().home) / "calibration"
            path = save(target, fingerprint, result.rule, meta)
        finally:
            engine.close()
    out.print(json.dumps({"path": str(path), "rule": result.rule.as_dict(), **meta}, indent=1))
