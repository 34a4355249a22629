"""`mailcheck check` and `mailcheck message`: build the context, run the rules, write the report."""

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
from mailcheck.output import Format, render
from mailcheck.probe import ProbeSettings
from mailcheck.report import Report
from mailcheck.rules import REGISTRY, message_rules
from mailcheck.rules.base import Rule
from mailcheck.sheet import LoadedSheet, Mailing, load_sheet


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
    probe_unsubscribe: bool = False
    allow_private: bool = False


def run_check(sheet_paths: Sequence[Path], options: RunOptions) -> int:
    sheets = [load_sheet(p) for p in sheet_paths]  # every input error before any query
    return run_rules(sheets, list(REGISTRY.values()), options)


def run_message(paths: Sequence[Path], mailing: Mailing | None, options: RunOptions) -> int:
    """Check messages without a sheet: the message rules on an in-memory sheet of samples."""
    sheet = LoadedSheet.for_messages(paths, mailing)
    return run_rules([sheet], message_rules(), options)


def run_rules(sheets: Sequence[LoadedSheet], rules: Sequence[Rule], options: RunOptions) -> int:
    ctx = build_context(options)
    findings = asyncio.run(check_sheets(sheets, rules, ctx))
    return write_report(findings, ctx.today, options)


def build_context(options: RunOptions) -> Context:
    resolver = build_resolver(options.zones, options.nameservers, options.timeout)
    probe = ProbeSettings(
        enabled=options.probe_unsubscribe,
        allow_private=options.allow_private,
        deadline=options.timeout,
    )
    return Context(dns=resolver, today=options.today or dt.date.today(), probe=probe)


def write_report(findings: Sequence[Finding], today: dt.date, options: RunOptions) -> int:
    report = Report(tuple(findings), today, strict=options.strict)
    if options.output is None:
        render(report, options.fmt, sys.stdout, color=options.color)
    else:
        _render_to_file(report, options)
    if options.output is not None or options.fmt is not Format.TABLE:
        print(f"mailcheck: {report.summary_line()}", file=sys.stderr)
    return int(report.exit_code)


def _render_to_file(report: Report, options: RunOptions) -> None:
    assert options.output is not None
    try:
        with options.output.open("w", encoding="utf-8") as stream:
            render(report, options.fmt, stream, color=False)
    except OSError as exc:
        raise InputError(f"cannot write report: {exc.strerror}", file=str(options.output)) from None
