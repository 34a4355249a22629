"""The rich consoles the human views print to: as wide as the terminal (or `COLUMNS`), coloured
as asked.

Colour follows `--color`: `always` and `never` win; `auto` (the default) colours a terminal,
unless `NO_COLOR` is set to anything but the empty string (https://no-color.org), and
`FORCE_COLOR` set likewise colours whatever the stream is (NO_COLOR wins when both are set).
Without colour no escape sequence at all is written, not even bold.
"""

from __future__ import annotations

import os
from typing import Literal, TextIO

from rich.console import Console

FILE_WIDTH = 120
"""Width when the output is not a terminal (a file, a pipe, CI) and `COLUMNS` is not set."""


def wants_color(stream: TextIO, color: bool | None = None) -> bool:
    """Whether to colour `stream`: `color` when given, else by `NO_COLOR`, `FORCE_COLOR` and
    whether the stream is a terminal."""
    if color is not None:
        return color
    if os.environ.get("NO_COLOR", ""):
        return False
    if os.environ.get("FORCE_COLOR", ""):
        return True
    return _is_terminal(stream)


def make_console(stream: TextIO, color: bool | None = None) -> Console:
    """A console on `stream`: `color` True forces colour, False turns it off, None decides by
    the environment (`wants_color`). Its width is `COLUMNS` when set, else the terminal's, else
    `FILE_WIDTH`."""
    colored = wants_color(stream, color)
    return Console(
        file=stream,
        width=output_width(stream),
        highlight=False,
        no_color=False,
        force_terminal=colored,
        color_system=_color_system(stream) if colored else None,
        emoji=False,
        markup=False,
    )


def output_width(stream: TextIO) -> int:
    """`COLUMNS` when it is a number, else the width of the terminal `stream` is, else
    `FILE_WIDTH`."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if _is_terminal(stream):
        try:
            return os.get_terminal_size(stream.fileno()).columns or FILE_WIDTH
        except (OSError, ValueError):
            return FILE_WIDTH
    return FILE_WIDTH


def _color_system(stream: TextIO) -> Literal["standard", "256", "truecolor"]:
    """What a terminal reports it can show; for a file or pipe coloured on request, the 8
    standard colours every terminal shows."""
    if _is_terminal(stream) and os.environ.get("COLORTERM", "") in ("truecolor", "24bit"):
        return "truecolor"
    if _is_terminal(stream) and "256" in os.environ.get("TERM", ""):
        return "256"
    return "standard"


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False
