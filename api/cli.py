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
names the running server and the HTTP route that does the same thing.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from urllib.parse import urlsplit

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

try:  # typer vendors click (typer._click) in recent versions; older ones use click
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - depends on the typer version
    from click import ClickException  # type: ignore[assignment]

from api import cli_calibrate, cli_eval, cli_home, cli_remote, services
from api.cli_output import console, error, out
from api.engine import Engine
from api.schemas import RelatedResponse, SearchResponse
from graph.config import Settings
from graph.errors import HankeKGError
from ingest import Workers, discover, open_workers
from ingest.home_check import check_home
from search.money_filter import amount_range

if TYPE_CHECKING:
    from ingest.home import WriteHome

#: Written by ``hankekg serve`` into the home it serves, removed when it stops.
SERVER_FILE = cli_remote.SERVER_FILE
#: The HTTP route that does what each read command does, for the "store in use" error.
HTTP_ROUTES = {
    "stats": "GET {url}/healthz",
    "search": "GET {url}/api/search?q=...",
    "sparql": "GET or POST {url}/sparql",
    "export": "GET {url}/api/export?format=...",
    "related": "GET {url}/api/projects/{{id}}/related",
    "ingest": "POST {url}/api/documents (with the bearer token)",
}


class StoreInUse(HankeKGError):
    """Another process (a running server) holds the store."""

    title = "Store in use"
    status = 409
    exit_code = 9


class HomeMissing(HankeKGError):
    """A read command was pointed at a ``HANKEKG_HOME`` that does not exist."""

    title = "No such home"
    status = 404
    exit_code = 6


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


def _running_server(home: Path) -> tuple[str, int] | None:
    """(URL, pid) of the server recorded in ``home``, if that process is alive."""
    return cli_remote.recorded_server(home)


def _remote(command: str) -> cli_remote.Remote | None:
    """The live server of ``HANKEKG_HOME`` that a read command should ask, if any."""
    return cli_remote.find(Settings().home, command)


def _in_use(home: Path, command: str) -> StoreInUse:
    """The one-line error for a store held by another process."""
    server = _running_server(home)
    holder = (
        f"the server at {server[0]} (pid {server[1]})"
        if server
        else "another process (a running hankekg serve?)"
    )
    route = HTTP_ROUTES.get(command)
    if route is None:
        hint = "stop the server first"
    else:
        hint = "use " + route.format(url=server[0] if server else "") + " while it runs"
    return StoreInUse(f"the store in {home.resolve()} is in use by {holder}; {hint}")


@contextmanager
def _engine(command: str, read: bool = True) -> Iterator[Engine]:
    """Open the engine for ``HANKEKG_HOME``; errors propagate to :class:`_Cli`.

    Raises:
        HomeMissing: ``read`` and the home (or its store) does not exist.
        StoreInUse: a running server holds the store.
    """
    settings = Settings()
    check_home(settings)  # a damaged home is one line (exit 11), never "no store"
    if read and settings.graph_backend == "oxigraph" and not settings.store_path.is_dir():
        raise HomeMissing(
            f"HANKEKG_HOME {settings.home.resolve()} holds no store: "
            "set HANKEKG_HOME, or ingest documents first (hankekg ingest PATH)"
        )
    try:
        engine = Engine(settings)
    except OSError as exc:
        if "lock" not in str(exc).lower():
            raise
        raise _in_use(settings.home, command) from exc
    try:
        yield engine
    finally:
        engine.close()


@contextmanager
def _home(command: str) -> Iterator[WriteHome]:
    """Open ``HANKEKG_HOME`` for writing without the engine (no index is read).

    Raises:
        HomeMissing: the home (or its store) does not exist.
        StoreInUse: a running server holds the store.
    """
    from ingest.home import WriteHome

    settings = Settings()
    check_home(settings)
    if settings.graph_backend == "oxigraph" and not settings.store_path.is_dir():
        raise HomeMissing(f"HANKEKG_HOME {settings.home.resolve()} holds no store")
    try:
        home = WriteHome(settings)
    except OSError as exc:
        if "lock" not in str(exc).lower():
            raise
        raise _in_use(settings.home, command) from exc
    try:
        yield home
    finally:
        home.close()


@contextmanager
def _stages(total: int, *stages: str) -> Iterator[Callable[[str, int], None]]:
    """One progress bar per pipeline stage (``prepared``, ``committed``)."""
    columns = (
        TextColumn("{task.description:>9}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        tasks = {stage: bar.add_task(stage, total=total) for stage in stages}

        def advance(stage: str, n: int) -> None:
            if stage in tasks:
                bar.advance(tasks[stage], n)

        yield advance


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
    with _engine("ingest", read=False) as engine:
        with (
            _workers(workers, scheduler or engine.settings.dask_scheduler) as pool,
            _stages(total, "prepared", "committed") as advance,
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


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Finnish or English query.")],
    k: Annotated[int, typer.Option("-k", help="Number of results.")] = 10,
    mode: Annotated[str, typer.Option(help="lexical, dense or hybrid.")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="table, json, csv or records (csv/records: export rows, up to 500).",
        ),
    ] = "table",
    amount_min: Annotated[
        float | None,
        typer.Option(
            "--amount-min",
            min=0,
            help="Lowest amount in euros: the granted total, or the budget when no grant "
            "is stated.",
        ),
    ] = None,
    amount_max: Annotated[
        float | None, typer.Option("--amount-max", min=0, help="Highest amount in euros.")
    ] = None,
) -> None:
    """Search projects (optionally only those whose amount lies in a range)."""
    if mode not in ("lexical", "dense", "hybrid"):
        raise typer.BadParameter("must be lexical, dense or hybrid", param_hint="--mode")
    fmt = "json" if as_json else fmt
    if fmt not in ("table", "json", "csv", "records"):
        raise typer.BadParameter("must be table, json, csv or records", param_hint="--format")
    export = fmt in ("csv", "records")
    remote = _remote("search")
    if remote is not None:
        answer = remote.search(
            query,
            k=k,
            mode=mode,
            fmt=fmt if export else "json",
            amount=(amount_min, amount_max),
        )
        if export:
            sys.stdout.write(answer.text if answer.text.endswith("\n") else answer.text + "\n")
            return
        _print_search(SearchResponse.model_validate(answer.json()), fmt)
        return
    with _engine("search") as engine:
        response = services.run_search(
            engine,
            query,
            k=k,
            mode=mode,  # type: ignore[arg-type]
            facets=not export,
            max_k=services.EXPORT_MAX if export else services.MAX_K,
            amount=amount_range(amount_min, amount_max),
        ).response
        if export:
            from api import results_export

            rows = results_export.records(engine, response)
            text = results_export.to_csv(rows) if fmt == "csv" else results_export.to_json(rows)
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
            return
    _print_search(response, fmt)


def _print_search(response: SearchResponse, fmt: str) -> None:
    """A search response as JSON or as a table."""
    if fmt == "json":
        out.print_json(response.model_dump_json())
        return
    table = Table("#", "project", "score", "source", "snippet")
    for hit in response.results:
        table.add_row(
            str(hit.rank), hit.name, f"{hit.score:.4f}", hit.source or "", hit.snippet[:120]
        )
    out.print(table)


@app.command()
def sparql(
    query: Annotated[str, typer.Argument(help="SPARQL 1.1 query ('-' reads stdin).")],
    fmt: Annotated[
        str,
        typer.Option("--format", help="json, csv, tsv or table (CONSTRUCT/DESCRIBE: Turtle)."),
    ] = "json",
) -> None:
    """Run a SPARQL query as the endpoint does (same guard and limits); prints the results.

    SERVICE is refused, the query runs in a network-less worker under
    ``HANKEKG_SPARQL_TIMEOUT_S`` and at most ``HANKEKG_SPARQL_MAX_ROWS`` rows are
    printed (a cut result says so on stderr).
    """
    if fmt not in cli_remote.SPARQL_ACCEPT:
        raise typer.BadParameter("must be json, csv, tsv or table", param_hint="--format")
    text = sys.stdin.read() if query == "-" else query
    accept = cli_remote.SPARQL_ACCEPT[fmt]
    remote = _remote("sparql")
    if remote is not None:
        answer = remote.sparql(text, fmt)
        body, media = answer.text, answer.headers.get("content-type", "")
        cut = answer.headers.get("x-result-truncated") == "true"
        limit = "the server's row limit"
    else:
        from api.routes.sparql import run_query

        with _engine("sparql") as engine:
            response = run_query(engine, text, accept)
            limit = f"the first {engine.settings.sparql_max_rows} rows"
        body, media = bytes(response.body).decode("utf-8"), response.media_type or ""
        cut = response.headers.get("x-result-truncated") == "true"
    if cut:
        console.print(f"warning: the result was cut to {limit}", soft_wrap=True)
    cli_remote.write_sparql(body, media, fmt, out, sys.stdout)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
) -> None:
    """Serve the API, SPARQL endpoint and UI (home from HANKEKG_HOME)."""
    import uvicorn

    from api.app import create_app
    from api.serve_guard import server_options

    settings = Settings()
    warning = base_mismatch(settings.base, port)
    if warning:
        sys.stderr.write(f"warning: {warning}\n")
    settings.home.mkdir(parents=True, exist_ok=True)
    # Read commands name this server when they find the store locked. A server
    # killed by a signal leaves the file behind; readers check that its pid lives.
    record = settings.home / SERVER_FILE
    record.write_text(json.dumps({"url": f"http://{host}:{port}", "pid": os.getpid()}), "utf-8")
    try:
        # Opened here, not in the app's lifespan, so a store that fails to open is
        # one line and an exit code, not uvicorn's traceback.
        with _engine("serve", read=False) as engine:
            engine.warm_up()
            uvicorn.run(
                create_app(settings, engine),
                host=host,
                port=port,
                log_level="info",
                **server_options(settings.header_timeout_s),  # api/serve_guard.py
            )
    finally:
        record.unlink(missing_ok=True)


#: Hosts that name this machine: a base IRI on one of them is a development base.
LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0"}  # noqa: S104 - names, not binds


def base_mismatch(base: str, port: int) -> str | None:
    """One line saying why IRIs minted under ``base`` will not dereference on a server
    at ``port`` of this machine, or ``None`` when they will (or ``base`` is public:
    a proxy in front decides where it serves)."""
    parsed = urlsplit(base)
    if (parsed.hostname or "") not in LOOPBACK:
        return None
    minted = parsed.port or (443 if parsed.scheme == "https" else 80)
    if minted == port:
        return None
    suggested = f"{parsed.scheme}://{parsed.hostname}:{port}/"
    return (
        f"IRIs are minted under {base} but this server listens on port {port}, so they "
        f"will not dereference here: serve on port {minted}, or set "
        f"HANKEKG_BASE_IRI={suggested} and ingest again (make run PORT={port} does both)"
    )


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

    remote = _remote("validate")
    if remote is not None:
        report = run_validation(remote.union_graph())
    else:
        with _engine("validate") as engine:
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
    remote = _remote("related")
    if remote is not None:
        response = RelatedResponse.model_validate(remote.related(project, k=k))
    else:
        with _engine("related") as engine:
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

    remote = _remote("export")
    if remote is not None:
        if output is None:
            size = remote.export(fmt, graph, sys.stdout.buffer)
            sys.stdout.flush()
        else:
            with open(output, "wb") as handle:
                size = remote.export(fmt, graph, handle)
        console.print(f"exported {size} bytes from the server at {remote.url}")
        return
    with _engine("export") as engine:
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
    with _home("reindex") as home:
        total = len(home.store.documents())
        with (
            _workers(workers, scheduler or home.settings.dask_scheduler) as pool,
            _stages(total, "prepared", "committed") as advance,
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

    with _home("verify") as home:
        problems = run_verify(home.store, home.index)
    for problem in problems:
        out.print(problem, markup=False, highlight=False)
    if problems:
        error(f"{len(problems)} disagreement(s) between graph and index: run `hankekg reindex`")
        raise typer.Exit(1)
    out.print("graph, vectors and lexical index agree")


def _verify_derived(window: int) -> None:
    """``verify --derived``: patched derived tables against rebuilt ones; exit 1 on a difference."""
    from search.derived import replay

    with _engine("verify") as engine:
        problems = replay(
            engine.store,
            engine.linker,
            engine.feed,
            engine.index.version(),
            window,
            engine.snapshot,
        )
    for problem in problems:
        out.print(problem, markup=False, highlight=False)
    if problems:
        error(f"{len(problems)} difference(s) between patched and rebuilt derived tables")
        raise typer.Exit(1)
    out.print("derived tables patched from the change feed equal the rebuilt ones")


@app.command()
def stats() -> None:
    """Print document, project, triple and vector counts."""
    remote = _remote("stats")
    if remote is not None:
        out.print_json(remote.health())
        return
    with _engine("stats") as engine:
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

    with _engine("organisations") as engine:
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
