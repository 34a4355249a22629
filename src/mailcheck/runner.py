"""`mailcheck check`: load sheets, build the context, run the rules, write the report."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mailcheck.context import Context, build_resolver
from mailcheck.engine import check_sheets
from mailcheck.errors import InputError
from mailcheck.findings import Finding
from mailcheck.locate import locate_findings
from mailcheck.output import Format, render
from mailcheck.output.github import running_on_github, write_annotations
from mailcheck.report import Note, Report
from mailcheck.rules import REGISTRY
from mailcheck.selection import select_rules
from mailcheck.sheet import load_sheet


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
    select: Sequence[str] = ()  # rule-id prefixes to run (all when empty)
    ignore: Sequence[str] = ()  # rule-id prefixes not to run


def run_check(sheet_paths: Sequence[Path], options: RunOptions) -> int:
    rules = select_rules(REGISTRY, options.select, options.ignore)
    sheets = [load_sheet(p) for p in sheet_paths]  # every input error before any query
    resolver = build_resolver(options.zones, options.nameservers, options.timeout)
    ctx = Context(dns=resolver, today=options.today or dt.date.today())
    findings = asyncio.run(check_sheets(sheets, rules, ctx))
    return write_report(locate_findings(findings, sheets), ctx.today, options)


def write_report(
    findings: Sequence[Finding],
    today: dt.date,
    options: RunOptions,
    notes: Sequence[Note] = (),
) -> int:
    report = Report(tuple(findings), today, strict=options.strict, notes=tuple(notes))
    _announce(report)
    if options.output is None:
        render(report, options.fmt, sys.stdout, color=options.color)
    else:
        _render_to_file(report, options)
    if options.output is not None or options.fmt is not Format.TABLE:
        print(f"mailcheck: {report.summary_line()}", file=sys.stderr)
    return int(report.exit_code)


def _announce(report: Report) -> None:
    """Input problems on stderr, as GitHub annotations (with the findings) under Actions."""
    if running_on_github():
        write_annotations(report, sys.stderr)
        return
    for note in report.notes:
        print(f"mailcheck: warning: {note}", file=sys.stderr)


def _render_to_file(report: Report, options: RunOptions) -> None:
    assert options.output is not None
    try:
        with options.output.open("w", encoding="utf-8") as stream:
            render(report, options.fmt, stream, color=False)
    except OSError as exc:
        raise InputError(f"cannot write report: {exc.strerror}", file=str(options.output)) from None
