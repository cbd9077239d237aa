"""The query commands: ``hankekg search`` (projects, as a table, JSON or export rows)
and ``hankekg sparql`` (a query run as the endpoint runs it).

They are registered on the app in :mod:`api.cli`. Both ask the running server of
``HANKEKG_HOME`` over HTTP when there is one (``api/cli_remote.py``) and open the
store otherwise, and print the same either way.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from api import cli_remote, services
from api.cli_output import console, out
from api.cli_store import open_engine, server_for
from api.schemas import SearchResponse
from search.money_filter import amount_range


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
    remote = server_for("search")
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
    with open_engine("search") as engine:
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
    remote = server_for("sparql")
    if remote is not None:
        answer = remote.sparql(text, fmt)
        body, media = answer.text, answer.headers.get("content-type", "")
        cut = answer.headers.get("x-result-truncated") == "true"
        limit = "the server's row limit"
    else:
        from api.routes.sparql import run_query

        with open_engine("sparql") as engine:
            response = run_query(engine, text, accept)
            limit = f"the first {engine.settings.sparql_max_rows} rows"
        body, media = bytes(response.body).decode("utf-8"), response.media_type or ""
        cut = response.headers.get("x-result-truncated") == "true"
    if cut:
        console.print(f"warning: the result was cut to {limit}", soft_wrap=True)
    cli_remote.write_sparql(body, media, fmt, out, sys.stdout)
