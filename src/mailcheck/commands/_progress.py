"""The progress bar of a long command: on stderr, only when stderr is a terminal, gone when the
work is done, so the report (on stdout) and logs stay as they are.

Its unit is a rule on a sheet or domain (`mailcheck.engine.checker.Tick`): a single sheet moves
the bar rule by rule, not from 0 to 100 % at the end. Work of unknown size (a delivery report
being read) shows a running count instead of a bar.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from mailcheck.output.console import wants_color

Advance = Callable[[int], None]


def _nothing(_done: int) -> None:
    """The progress of a run nobody watches on a terminal."""


@contextmanager
def progress(
    description: str, total: int | None, color: bool | None = None, *, shown: bool = True
) -> Iterator[Advance]:
    """A function to tell of work done (`total` units, None: unknown), drawn as a bar on stderr
    while the block runs — when stderr is a terminal and `shown` (False: stdout is being
    written to the same terminal meanwhile, e.g. streamed JSON Lines)."""
    if not shown or not _is_terminal():
        yield _nothing
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(
        file=sys.stderr,
        force_terminal=True,
        no_color=False,
        color_system="auto" if wants_color(sys.stderr, color) else None,
        highlight=False,
        markup=False,  # nothing printed meanwhile is read as rich markup
    )
    columns = (
        [TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn()]
        if total is not None
        else [SpinnerColumn(), TextColumn("{task.description}: {task.completed:,}", markup=False)]
    )
    with Progress(
        *columns,
        TimeElapsedColumn(),
        console=console,
        transient=True,
        redirect_stdout=False,  # the report goes to stdout, never into the bar's console
        redirect_stderr=True,  # warnings printed meanwhile appear above the bar
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda done: bar.advance(task, done)


def _is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
