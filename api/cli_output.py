"""Console output shared by the CLI's modules: stdout, stderr, one-line errors and
progress bars (all on stderr, so stdout stays the command's data)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

console = Console(stderr=True)
out = Console()


def error(message: str) -> None:
    """Print ``error: message`` as exactly one line on stderr (no wrapping, no markup)."""
    line = " ".join(message.split())
    console.print(Text.assemble(("error:", "red"), " ", line), soft_wrap=True, highlight=False)


def _bars(description: str) -> Progress:
    """Progress bars on stderr: ``description`` (a format of the task), bar, count, time."""
    columns = (TextColumn(description), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, console=console, transient=False)


@contextmanager
def progress(total: int, label: str) -> Iterator[Callable[[str, int], None]]:
    """A progress bar of ``total`` steps; the yielded callable advances it."""
    with _bars("{task.description}") as bar:
        task = bar.add_task(label, total=total)
        yield lambda _stage, n: bar.advance(task, n)


@contextmanager
def stages(total: int, *names: str) -> Iterator[Callable[[str, int], None]]:
    """One progress bar per pipeline stage (``prepared``, ``committed``); the yielded
    callable advances the named stage's bar and ignores a stage it has no bar for."""
    with _bars("{task.description:>9}") as bar:
        tasks = {stage: bar.add_task(stage, total=total) for stage in names}

        def advance(stage: str, n: int) -> None:
            if stage in tasks:
                bar.advance(tasks[stage], n)

        yield advance
