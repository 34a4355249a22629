"""`mailcheck check`: load sheets, build the context, run the rules, write the report."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO

from mailcheck.context import Context, build_resolver
from mailcheck.engine import check_sheets
from mailcheck.errors import InputError
from mailcheck.findings import Finding
from mailcheck.output import Format, render
from mailcheck.report import Report
from mailcheck.rules import REGISTRY
from mailcheck.rules.base import Rule
from mailcheck.sheet import LoadedSheet, load_sheet


class Renderer(Protocol):
    def __call__(
        self, report: Report, fmt: Format, stream: TextIO, *, color: bool | None = None
    ) -> None: ...


@dataclass(frozen=True)
class RunOptions:
    zones: Sequence[Path] = ()
    nameservers: Sequence[str] = ()
    timeout: float = 5.0
    today: dt.date | None = None
    fmt: Format = Format.TABLE
    output: Path | None = None
    strict: bool = False
    color: bool | None = None


def run_check(sheet_paths: Sequence[Path], options: RunOptions) -> int:
    sheets = [load_sheet(p) for p in sheet_paths]  # every input error before any query
    return run_rules(sheets, list(REGISTRY.values()), options)


def build_context(options: RunOptions) -> Context:
    resolver = build_resolver(options.zones, options.nameservers, options.timeout)
    return Context(dns=resolver, today=options.today or dt.date.today())


def run_rules(sheets: Sequence[LoadedSheet], rules: Sequence[Rule], options: RunOptions) -> int:
    """Run `rules` on `sheets` in one run (one resolver, one clock) and write the report."""
    ctx = build_context(options)
    findings = asyncio.run(check_sheets(sheets, rules, ctx))
    return write_report(findings, ctx.today, options)


def write_report(
    findings: Sequence[Finding],
    today: dt.date,
    options: RunOptions,
    renderer: Renderer = render,
) -> int:
    """Render the report (stdout or `--output`) and return the exit code. `renderer` lets a
    command show more than the findings, e.g. `mailcheck spf` its include tree."""
    report = Report(tuple(findings), today, strict=options.strict)
    if options.output is None:
        renderer(report, options.fmt, sys.stdout, color=options.color)
    else:
        _render_to_file(report, options, renderer)
    if options.output is not None or options.fmt is not Format.TABLE:
        print(f"mailcheck: {report.summary_line()}", file=sys.stderr)
    return int(report.exit_code)


def _render_to_file(report: Report, options: RunOptions, renderer: Renderer) -> None:
    assert options.output is not None
    try:
        with options.output.open("w", encoding="utf-8") as stream:
            renderer(report, options.fmt, stream, color=False)
    except OSError as exc:
        raise InputError(f"cannot write report: {exc.strerror}", file=str(options.output)) from None
