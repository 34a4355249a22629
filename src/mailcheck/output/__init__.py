"""Formatters at the edge: each turns the same `Report` into one output format."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TextIO

from mailcheck.core.report import Report


class Format(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    JUNIT = "junit"
    MARKDOWN = "markdown"
    JSONL = "jsonl"
    ZONE = "zone"
    """The change set as an RFC 1035 zone file snippet (`mailcheck.output.zonefile`)."""
    HTML = "html"


class ColorChoice(enum.StrEnum):
    """`--color`: when the human views use colour (see `mailcheck.output.console`)."""

    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"

    @property
    def forced(self) -> bool | None:
        """True or False when the choice decides, None when the stream and environment do."""
        return {ColorChoice.ALWAYS: True, ColorChoice.NEVER: False}.get(self)


def render(
    report: Report,
    fmt: Format,
    stream: TextIO,
    *,
    color: bool | None = None,
    verbose: bool = False,
) -> None:
    """`color` and `verbose` (list passes and skips too) are for the table a person reads."""
    if fmt is Format.TABLE:
        from mailcheck.output.table import render_table

        render_table(report, stream, color, verbose=verbose)
        return
    _renderer(fmt)(report, stream, color)


def _renderer(fmt: Format) -> Callable[[Report, TextIO, bool | None], None]:
    if fmt is Format.JSON:
        from mailcheck.output.json import render_json

        return render_json
    if fmt is Format.SARIF:
        from mailcheck.output.sarif import render_sarif

        return render_sarif
    if fmt is Format.JUNIT:
        from mailcheck.output.junit import render_junit

        return render_junit
    if fmt is Format.MARKDOWN:
        from mailcheck.output.markdown import render_markdown

        return render_markdown
    if fmt is Format.JSONL:
        from mailcheck.output.jsonl import render_jsonl

        return render_jsonl
    if fmt is Format.ZONE:
        from mailcheck.output.zonefile import render_zone

        return render_zone
    if fmt is Format.HTML:
        from mailcheck.output.html import render_html

        return render_html
    from mailcheck.output.table import render_table

    return render_table
