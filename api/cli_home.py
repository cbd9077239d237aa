"""The home's care commands: ``hankekg doctor``, ``hankekg backup DIR``, ``hankekg restore DIR``.

Kept apart from ``api/cli.py`` (which registers them) so that file stays a list
of thin commands. ``doctor`` reads a home without opening it for writing and
says what is wrong and what to do; ``backup`` and ``restore`` are the
documented way back from a damaged home (README, "Recovering a home").
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli_output import console, error, out
from api.cli_store import held_elsewhere, open_home
from graph.config import Settings
from graph.errors import DamagedHome


def doctor() -> None:
    """Check a home without changing it (files, then graph against index); exit 11 if damaged."""
    from ingest.home_check import diagnose
    from ingest.verify import verify as run_verify

    settings = Settings()
    findings = [f.line() for f in diagnose(settings)]
    if not findings:
        try:
            with open_home("doctor") as home:
                findings = run_verify(home.store, home.index)
        except DamagedHome as exc:
            findings = [str(exc)]
    for line in findings:
        typer.echo(line)  # one line each, never wrapped
    if findings:
        error(
            f"{len(findings)} problem(s) in {settings.home.resolve()}: "
            "`hankekg restore BACKUP` brings back a backup; `hankekg reindex` rebuilds the "
            "index from the graph as it is"
        )
        raise typer.Exit(DamagedHome.exit_code)
    out.print("the home is whole: graph, vectors and lexical index agree")


def backup(
    directory: Annotated[Path, typer.Argument(help="New directory to write the backup to.")],
) -> None:
    """Copy the graph store and the committed index, with checksums, to DIRECTORY."""
    from ingest.backup import backup as run_backup

    with open_home("backup") as home:
        info = run_backup(home, directory)
    console.print(
        f"backed up {info.documents} documents (index snapshot {info.snapshot}) to {directory}"
    )


def restore(
    directory: Annotated[Path, typer.Argument(help="A directory `hankekg backup` wrote.")],
) -> None:
    """Replace the home's store and index by a backup (what it held is moved aside)."""
    from ingest.backup import restore as run_restore

    settings = Settings()
    with held_elsewhere(settings.home, "restore"):
        count, aside = run_restore(settings, directory)
    moved = f"; what the home held is in {aside}" if aside is not None else ""
    console.print(f"restored {count} documents from {directory}{moved}")


def register(app: typer.Typer) -> None:
    """Add the commands to the ``hankekg`` app."""
    app.command(name="doctor")(doctor)
    app.command(name="backup")(backup)
    app.command(name="restore")(restore)
