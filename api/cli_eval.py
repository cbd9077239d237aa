"""The evaluation commands: ``hankekg eval-extract`` (extraction against gold facts)
and ``hankekg eval`` (search quality against graded queries).

They are registered on the app in :mod:`api.cli`; they read a corpus and write a
report, and never touch a running home.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from api import services
from api.cli_output import console, out, progress
from api.engine import Engine
from graph.config import Settings
from graph.errors import DocumentError, HankeKGError
from ingest import discover


def eval_extract(
    corpus: Annotated[Path, typer.Option(help="Folder of dNNN.txt documents.")],
    facts: Annotated[Path, typer.Option(help="facts.jsonl with hand-extracted facts.")],
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the report here.")] = None,
    peer: Annotated[bool, typer.Option(help="Also score spaCy-fi NER out of the box.")] = True,
    details: Annotated[
        bool, typer.Option(help="Put each document's missed and spurious names in the JSON.")
    ] = False,
    amounts: Annotated[
        Path | None,
        typer.Option(
            help="Gold amounts (JSON Lines: doc, amounts, programme_totals), scored as "
            "the amounts field; tests/graph/amounts_gold.jsonl holds the dev set's."
        ),
    ] = None,
) -> None:
    """Score extraction (micro P/R/F1 per field, per entity) against gold facts,
    side by side with the spaCy-fi NER peer."""
    from graph.eval import extract as scoring

    try:
        gold = scoring.load_gold(facts)
        with progress(len(gold), "extract") as advance:
            report = scoring.run(
                Settings(),
                corpus,
                facts,
                peer=peer,
                progress=lambda d: advance(d, 1),
                details=details,
                amounts=amounts,
            )
    except HankeKGError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(exc.exit_code) from exc
    rows = scoring.table(report)
    grid = Table(*rows[0], title=f"extraction on {report['documents']} documents")
    for row in rows[1:]:
        grid.add_row(*row)
    out.print(grid)
    given = report["systems"][0].get("programme_totals_given", 0)
    if amounts is not None:
        out.print(f"programme totals given to a project: {given}")
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")


def eval_search(
    corpus: Annotated[Path, typer.Option(help="Folder of documents.")],
    queries: Annotated[Path, typer.Option(help="queries.jsonl with graded judgements.")],
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the report here.")] = None,
    home: Annotated[
        Path | None, typer.Option(help="Home to ingest into (default: a temporary one).")
    ] = None,
    distractors: Annotated[
        str, typer.Option(help="Comma-separated stems never relevant (counted in the top 10).")
    ] = "",
    ablations: Annotated[
        bool, typer.Option(help="Also run without the cross-lingual bridge and without glossary.")
    ] = True,
    offtopic: Annotated[
        Path | None,
        typer.Option(help="Off-topic queries (default: the repository's data/eval set)."),
    ] = None,
) -> None:
    """Ingest a corpus into a temporary home and report nDCG@10, Recall@10, MRR
    per mode and query language, and the matched set's P/R/F1 next to the best
    fixed cut and the share of off-topic queries answered with nothing."""
    import tempfile

    from search.crosslingual import QueryTranslator
    from search.evaluate import Query, evaluate, read_queries
    from search.hybrid import MODES
    from search.understanding import boosts, interpret

    with tempfile.TemporaryDirectory(prefix="hankekg-eval-") as tmp:
        settings = Settings(home=home or Path(tmp))
        engine = Engine(settings)
        try:
            with progress(len(discover([corpus])), "ingest") as advance:
                report = engine.ingest_paths([corpus], progress=advance)
            stems = {iri: Path(path).stem for path, iri in report.documents.items()}
            current = services.searcher(engine)
            if current is None:
                raise DocumentError("nothing was indexed")
            searcher = current
            vocabulary = searcher.snapshot.has_term
            yso_only = QueryTranslator(settings.reference_dir, vocabulary, glossary=False)

            def runner(mode: Any, bridge: str, boost: bool = False) -> Callable[[Query], list[str]]:
                def rank(query: Query) -> list[str]:
                    expansion = None
                    boosted: dict[str, float] = {}
                    if bridge == "full":
                        translation = engine.translate(query.text)
                        expansion = translation.expansion or None
                        if boost:
                            named = interpret(query.text, engine.linker, translation)
                            boosted = boosts(engine.store, named, engine.linker)
                    elif bridge == "yso":
                        expansion = yso_only.translate(query.text).expansion or None
                    hits = searcher.search(
                        query.text,
                        k=10,
                        mode=mode,
                        group_by="document",
                        expansion=expansion,
                        boosts=boosted,
                    ).hits
                    return [stems.get(h.document, h.document) for h in hits]

                return rank

            runs: dict[str, Callable[[Query], list[str]]] = {
                str(mode): runner(mode, "full") for mode in MODES
            }
            # What the API does by default: hybrid plus query-understanding boosts.
            runs["hybrid + boosts"] = runner("hybrid", "full", boost=True)
            if ablations:
                runs |= {f"{m} (YSO+names, no glossary)": runner(m, "yso") for m in MODES}
                runs |= {f"{m} (no bridge)": runner(m, "none") for m in MODES}
            wanted = {s.strip() for s in distractors.split(",") if s.strip()}
            result = evaluate(read_queries(queries), runs, distractors=wanted)
            sets = matched_sets(engine, searcher, stems, queries, offtopic)
        finally:
            engine.close()
    table = Table("run", "lang", "nDCG@10", "Recall@10", "MRR", "distractors@10", "queries")
    for run, langs in result.summary.items():
        for lang, m in langs.items():
            table.add_row(
                run,
                lang,
                f"{m['ndcg@10']:.3f}",
                f"{m['recall@10']:.3f}",
                f"{m['mrr']:.3f}",
                f"{m['distractors@10']:.2f}" if wanted else "-",
                str(m["queries"]),
            )
    out.print(table)
    out.print(sets_table(sets))
    if json_out:
        body = json.loads(result.to_json()) | {"sets": sets}
        json_out.write_text(json.dumps(body, indent=1), encoding="utf-8")


def matched_sets(
    engine: Engine, searcher: Any, stems: dict[str, str], queries: Path, offtopic: Path | None
) -> dict[str, Any]:
    """The answer as a set (the engine's calibrated rule) against the judgements."""
    from search.calibrate import OFFTOPIC, observe, read_judged, set_report

    judged = read_judged(queries) + read_judged(offtopic or OFFTOPIC)
    observations = observe(engine, searcher, judged, lambda iri: stems.get(iri, iri))
    calibration = engine.calibration
    return {
        "calibration": calibration.source,
        "fingerprint": calibration.fingerprint,
        "rule": calibration.rule.as_dict(),
        **set_report(calibration.rule, observations),
    }


def sets_table(sets: dict[str, Any]) -> Table:
    """The matched set next to the best fixed cut (set precision, recall, F1)."""
    table = Table(
        "answer",
        "precision",
        "recall",
        "F1",
        "off-topic empty",
        title=f"answers as sets (rule: {sets['calibration']} calibration)",
    )
    m, cut, off = sets["matched"], sets["best_cut"], sets["offtopic"]
    table.add_row(
        f"matched set (median {m['median_size']:g})",
        f"{m['precision']:.3f}",
        f"{m['recall']:.3f}",
        f"{m['f1']:.3f}",
        f"{off['empty']:.0%} of {off['queries']}",
    )
    if cut:
        table.add_row(
            f"best fixed cut (top {cut['k']})",
            f"{cut['precision']:.3f}",
            f"{cut['recall']:.3f}",
            f"{cut['f1']:.3f}",
            "0%",
        )
    return table
