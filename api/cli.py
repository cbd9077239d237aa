"""The ``hankekg`` command line: one typer app with thin commands.

Each command parses its arguments and calls the same functions the API uses.
Every error is one line on stderr and an exit code, never a traceback
(``--debug`` shows one): domain errors exit with their own code, usage errors
with 2, anything unexpected with 1.

Read commands need an existing ``HANKEKG_HOME``. While ``hankekg serve`` holds
the store (RocksDB allows one writer, and pyoxigraph's read-only open of a store
another process writes is undefined behaviour), ``search``, ``sparql``,
``related``, ``stats``, ``export`` and ``validate`` go through its HTTP API
(``api/cli_remote.py``); the other store commands answer with one line that
names the running server and the HTTP route that does the same thing
(``api/cli_store.py`` opens a home for every command module).
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table
from typer.core import TyperGroup

try:  # typer vendors click (typer._click) in recent versions; older ones use click
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - depends on the typer version
    from click import ClickException  # type: ignore[assignment]

from api import cli_calibrate, cli_eval, cli_home, cli_query, cli_serve, services
from api.cli_output import console, error, out, stages
from api.cli_store import open_engine, open_home, server_for
from api.schemas import RelatedResponse
from graph.config import Settings
from graph.errors import HankeKGError
from ingest import Workers, discover, open_workers


class _Group(TyperGroup):
    """The root command, run so that every error is one line on stderr.

    It wraps ``main``, which both the console script and ``CliRunner`` call.
    """

    debug = False

    def main(  # type: ignore[override]
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the CLI; map every error to one line and an exit code."""
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = result if isinstance(result, int) else 0
        except ClickException as exc:
            # Usage errors: click's one-line message, not a boxed usage text.
            error(exc.format_message())
            code = exc.exit_code
        except typer.Abort:
            error("aborted")
            code = 130
        except HankeKGError as exc:
            if self.debug:
                traceback.print_exc()
            error(str(exc))
            code = exc.exit_code
        except Exception as exc:  # noqa: BLE001 - the CLI's one catch-all: no tracebacks
            if self.debug:
                traceback.print_exc()
            error(f"{type(exc).__name__}: {exc} (run with --debug for the traceback)")
            code = 1
        if standalone_mode:
            sys.exit(code)
        return code


def _version() -> str:
    try:
        return package_version("hankekg")
    except PackageNotFoundError:  # running from a checkout that is not installed
        return "unknown"


app = typer.Typer(
    name="hankekg",
    cls=_Group,
    help="Knowledge graph and bilingual search for Finnish development projects.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])


def _print_version(value: bool) -> None:
    if value:
        out.print(f"hankekg {_version()}", highlight=False)
        raise typer.Exit(0)


@app.callback()
def main(
    ctx: typer.Context,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Configure logging once, at the entry point."""
    root = ctx.find_root().command
    if isinstance(root, _Group):
        root.debug = debug
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    # bm25s logs every index build at DEBUG through its own handler.
    logging.getLogger("bm25s").setLevel(logging.WARNING)


class WorkersUnavailable(HankeKGError):
    """The worker pool or the Dask scheduler cannot be reached or started."""

    title = "Workers unavailable"
    status = 503
    exit_code = 2


@contextmanager
def _workers(workers: int, scheduler: str | None) -> Iterator[Workers]:
    """Where prepare runs: inline, ``--workers N`` processes or a Dask ``--scheduler``."""
    try:
        pool = open_workers(workers, scheduler)
    except (OSError, ValueError, ImportError) as exc:
        where = f"the Dask scheduler at {scheduler}" if scheduler else "the worker pool"
        raise WorkersUnavailable(f"cannot use {where}: {exc}") from exc
    try:
        yield pool
    finally:
        pool.close()


WorkersOption = Annotated[
    int,
    typer.Option(
        "--workers", min=0, help="Prepare documents in N local processes (0: in this process)."
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Prepare documents on a Dask cluster, tcp://HOST:PORT "
        "(default: HANKEKG_DASK_SCHEDULER).",
    ),
]


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (.txt .md .html .json).")],
    workers: WorkersOption = 0,
    scheduler: SchedulerOption = None,
) -> None:
    """Ingest documents into the graph and the search index."""
    total = len(discover(paths))  # before the home is created: a typo creates nothing
    with open_engine("ingest", read=False) as engine:
        with (
            _workers(workers, scheduler or engine.settings.dask_scheduler) as pool,
            stages(total, "prepared", "committed") as advance,
        ):
            report = engine.ingest_paths(paths, progress=advance, workers=pool)
        for path, message in report.failed.items():
            line = message if message.startswith(path) else f"{path}: {message}"
            console.print(f"[red]skipped[/red] {line}")
        for path, warnings in report.warnings.items():
            for warning in warnings:
                line = warning if warning.startswith(path) else f"{path}: {warning}"
                console.print(f"[yellow]warning[/yellow] {line}", soft_wrap=True)
        console.print(
            f"added {len(report.added)}, replaced {len(report.replaced)}, "
            f"unchanged {len(report.unchanged)}, failed {len(report.failed)}"
        )
        if report.failed:
            raise typer.Exit(3)


# search and sparql live in api/cli_query.py, serve in api/cli_serve.py; they are
# registered here, in the place they hold in the command list.
app.command(name="search")(cli_query.search)
app.command(name="sparql")(cli_query.sparql)
app.command(name="serve")(cli_serve.serve)


@app.command()
def extract(
    path: Annotated[Path, typer.Argument(help="One document.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = True,
) -> None:
    """Print the facts extracted from a document, with evidence; writes nothing."""
    from graph.extract import Extractor, extraction_to_json, load_nlp
    from graph.iris import Iris
    from graph.link.linker import Linker
    from graph.link.reference import Reference
    from graph.load.loader import load_document

    settings = Settings()
    document = load_document(path, max_bytes=settings.max_document_bytes)
    iris = Iris(settings.base)
    reference = Reference.load(settings.reference_dir)
    extractor = Extractor(load_nlp(), Linker(reference, iris), iris, reference)
    extraction = extractor.extract(document, iris.document(document.sha256))
    payload = {"language": document.language, **extraction_to_json(extraction)}
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


@app.command()
def validate() -> None:
    """Validate the store against the SHACL shapes; exit 1 on violations."""
    from graph.validate import validate as run_validation

    remote = server_for("validate")
    if remote is not None:
        report = run_validation(remote.union_graph())
    else:
        with open_engine("validate") as engine:
            report = run_validation(engine.store.construct("CONSTRUCT WHERE { ?s ?p ?o }"))
    # One line per violation (focus node, path, message, tab-separated), never wrapped,
    # so that the output reads in a terminal and greps and cuts in a pipe.
    for violation in report.violations:
        typer.echo(violation.line())
    typer.echo(f"conforms: {report.conforms} ({len(report.violations)} violations)")
    if not report.conforms:
        raise typer.Exit(1)


@app.command()
def related(
    project: Annotated[str, typer.Argument(help="Project id (IRI slug) or IRI.")],
    k: Annotated[int, typer.Option("-k", help="Number of results.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Projects related to a project, with the reasons."""
    remote = server_for("related")
    if remote is not None:
        response = RelatedResponse.model_validate(remote.related(project, k=k))
    else:
        with open_engine("related") as engine:
            response = services.related(engine, project, k=k)
    if as_json:
        out.print_json(response.model_dump_json())
        return
    table = Table("#", "project", "score", "reasons")
    for rank, item in enumerate(response.results, start=1):
        reasons = "; ".join(f"{r.kind}: {r.label}" for r in item.reasons[:5])
        table.add_row(str(rank), item.name, f"{item.score:.3f}", reasons)
    out.print(table)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="trig, nquads, turtle or jsonld.")] = "trig",
    graph: Annotated[
        list[str] | None, typer.Option("--graph", help="Graph IRI (repeatable); 'default'.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File (default stdout).")
    ] = None,
) -> None:
    """Stream the dataset (all graphs, or the chosen ones) as RDF."""
    from api.export import export as run_export

    remote = server_for("export")
    if remote is not None:
        if output is None:
            size = remote.export(fmt, graph, sys.stdout.buffer)
            sys.stdout.flush()
        else:
            with open(output, "wb") as handle:
                size = remote.export(fmt, graph, handle)
        console.print(f"exported {size} bytes from the server at {remote.url}")
        return
    with open_engine("export") as engine:
        if output is None:
            n = run_export(engine.store, fmt, graph, sys.stdout.buffer)
            sys.stdout.flush()
        else:
            with open(output, "wb") as handle:
                n = run_export(engine.store, fmt, graph, handle)
    console.print(f"exported {n} quads")


@app.command()
def reindex(workers: WorkersOption = 0, scheduler: SchedulerOption = None) -> None:
    """Rebuild the search index from the graph with the configured encoder (also when the
    index files are corrupt: they are not read)."""
    with open_home("reindex") as home:
        total = len(home.store.documents())
        with (
            _workers(workers, scheduler or home.settings.dask_scheduler) as pool,
            stages(total, "prepared", "committed") as advance,
        ):
            n = home.reindex(progress=advance, workers=pool)
    console.print(f"reindexed {n} documents")


@app.command()
def verify(
    derived: Annotated[
        bool,
        typer.Option(
            "--derived",
            help="Check instead that the derived tables (facets, filters, names, related "
            "neighbours; chunk groups, key languages, centroids) patched from the change "
            "feed equal the tables rebuilt from the graph and the index.",
        ),
    ] = False,
    window: Annotated[
        int, typer.Option(help="With --derived: how many recent feed entries to replay.")
    ] = 100,
) -> None:
    """Check that the graph, the vectors and the lexical index agree; exit 1 when not."""
    from ingest.verify import verify as run_verify

    if derived:
        _verify_derived(window)
        return

    with open_home("verify") as home:
        problems = run_verify(home.store, home.index)
    _report(
        problems,
        f"{len(problems)} disagreement(s) between graph and index: run `hankekg reindex`",
        "graph, vectors and lexical index agree",
    )


def _verify_derived(window: int) -> None:
    """``verify --derived``: patched derived tables against rebuilt ones; exit 1 on a difference."""
    from search.derived import replay

    with open_engine("verify") as engine:
        problems = replay(
            engine.store,
            engine.linker,
            engine.feed,
            engine.index.version(),
            window,
            engine.snapshot,
        )
    _report(
        problems,
        f"{len(problems)} difference(s) between patched and rebuilt derived tables",
        "derived tables patched from the change feed equal the rebuilt ones",
    )


def _report(problems: list[str], failed: str, passed: str) -> None:
    """Each problem as one line on stdout, then ``failed`` as the error (exit 1), or
    ``passed`` when there are none."""
    for problem in problems:
        out.print(problem, markup=False, highlight=False)
    if problems:
        error(failed)
        raise typer.Exit(1)
    out.print(passed)


@app.command()
def stats() -> None:
    """Print document, project, triple and vector counts."""
    remote = server_for("stats")
    if remote is not None:
        out.print_json(remote.health())
        return
    with open_engine("stats") as engine:
        out.print_json(services.health(engine).model_dump_json())


@app.command()
def organisations(
    possible_duplicates: Annotated[
        bool,
        typer.Option(
            "--possible-duplicates",
            help="List organisation IRIs that look like one organisation, for curation.",
        ),
    ] = False,
) -> None:
    """List the graph's organisations, or groups of likely duplicates."""
    from graph.link.duplicates import find_duplicates, organisation_names

    with open_engine("organisations") as engine:
        rows = organisation_names(engine.store)
    if possible_duplicates:
        groups = find_duplicates(rows)
        for group in groups:
            typer.echo(f"{group.reason}: {' | '.join(group.names)}")
            for iri in group.iris:
                typer.echo(f"  {iri}")
        console.print(f"{len(groups)} groups of possible duplicates")
        return
    names: dict[str, list[str]] = {}
    for iri, name, _ in rows:
        names.setdefault(iri, []).append(name)
    for iri in sorted(names):
        typer.echo(f"{iri}\t{' | '.join(sorted(names[iri]))}")


# The evaluation commands live in api/cli_eval.py; they are registered here so the
# command list stays in one app.
app.command(name="eval-extract")(cli_eval.eval_extract)
app.command(name="eval")(cli_eval.eval_search)
# doctor, backup and restore live in api/cli_home.py.
cli_home.register(app)
app.command(name="calibrate")(cli_calibrate.calibrate)
