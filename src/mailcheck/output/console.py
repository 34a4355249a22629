"""The rich console every table view prints to: colour as asked, wide enough in log files."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console

MIN_FILE_WIDTH = 120  # hints are DNS records: do not wrap them at 80 columns in logs


def make_console(stream: TextIO, color: bool | None = None) -> Console:
    """A console on `stream`: `color` True forces colour, False turns it off, None detects it.
    Not a terminal (a file, a pipe, CI): at least `MIN_FILE_WIDTH` columns wide."""
    console = Console(
        file=stream, highlight=False, no_color=color is False, force_terminal=color or None
    )
    if not console.is_terminal:
        console.width = max(console.width, MIN_FILE_WIDTH)
    return console
