"""Formatters at the edge: each turns the same `Report` into one output format."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TextIO

from mailcheck.report import Report


class Format(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"


def render(report: Report, fmt: Format, stream: TextIO, *, color: bool | None = None) -> None:
    _renderer(fmt)(report, stream, color)


def _renderer(fmt: Format) -> Callable[[Report, TextIO, bool | None], None]:
    if fmt is Format.JSON:
        from mailcheck.output.json import render_json

        return render_json
    if fmt is Format.JSONL:
        from mailcheck.output.jsonl import render_jsonl

        return render_jsonl
    from mailcheck.output.table import render_table

    return render_table
