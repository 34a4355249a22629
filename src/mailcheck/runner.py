"""`mailcheck check` and `mailcheck message`: run the rules, record, report.

`check_loaded()` is the one way sheets are checked; `check`, `message`, `recheck` and `deadlines`
all go through it. With a store (`--db`), the whole run holds the store's lock and is recorded in
one transaction after the last sheet was checked.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO

from mailcheck.context import Context, build_resolver
from mailcheck.defaults import DEFAULT_CONCURRENCY
from mailcheck.engine import check_sheet
from mailcheck.errors import InputError
from mailcheck.findings import Finding, exit_code
from mailcheck.output import Format, render
from mailcheck.probe import ProbeSettings
from mailcheck.report import Report
from mailcheck.rules import REGISTRY, message_rules
from mailcheck.rules.base import Rule
from mailcheck.sheet import LoadedSheet, Mailing, load_sheet
from mailcheck.state import RunRecord, SheetInfo, SheetResult, Store, exclusive

MAX_SHEETS_AT_ONCE = 16  # bounds the DNS questions in flight when cron re-checks many customers


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
    db: Path | None = None
    notify: str | None = None
    probe_unsubscribe: bool = False
    allow_private: bool = False
    concurrency: int = DEFAULT_CONCURRENCY
    """DNS questions in flight at once, over all worker processes."""
    workers: int | None = None
    """Worker processes for a batch (see `mailcheck.batch`); None: as many as pay off."""


@dataclass(frozen=True)
class CheckedSheet:
    sheet: LoadedSheet
    findings: list[Finding]
    checked_at: dt.datetime


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today_of(options: RunOptions) -> dt.date:
    return options.today or dt.date.today()


def check_loaded(
    sheets: Sequence[LoadedSheet],
    options: RunOptions,
    on_done: Callable[[CheckedSheet], None] | None = None,
    rules: Sequence[Rule] | None = None,
) -> list[CheckedSheet]:
    """Check loaded sheets, at most `MAX_SHEETS_AT_ONCE` at a time, in the given order."""
    ctx = build_context(options)
    rules = list(REGISTRY.values()) if rules is None else rules
    return asyncio.run(_check_all(sheets, rules, ctx, on_done))


def build_context(options: RunOptions) -> Context:
    resolver = build_resolver(
        options.zones, options.nameservers, options.timeout, options.concurrency
    )
    probe = ProbeSettings(
        enabled=options.probe_unsubscribe,
        allow_private=options.allow_private,
        deadline=options.timeout,
    )
    return Context(dns=resolver, today=today_of(options), probe=probe)


async def _check_all(
    sheets: Sequence[LoadedSheet],
    rules: Sequence[Rule],
    ctx: Context,
    on_done: Callable[[CheckedSheet], None] | None,
) -> list[CheckedSheet]:
    limit = asyncio.Semaphore(MAX_SHEETS_AT_ONCE)

    async def one(sheet: LoadedSheet) -> CheckedSheet:
        async with limit:
            checked = CheckedSheet(sheet, await check_sheet(sheet, rules, ctx), now())
        if on_done:
            on_done(checked)
        return checked

    return list(await asyncio.gather(*(one(sheet) for sheet in sheets)))


def all_findings(results: Sequence[CheckedSheet]) -> list[Finding]:
    return [f for result in results for f in result.findings]


def run_check(sheet_paths: Sequence[Path], options: RunOptions) -> int:
    sheets = [load_sheet(p) for p in sheet_paths]  # every input error before any query
    from mailcheck import batch

    if batch.wanted(options, len(sheets)):  # streamed (jsonl) or across worker processes
        return batch.run_sheets(sheets, options)
    if options.db is None:
        findings = all_findings(check_loaded(sheets, options))
        return write_report(findings, today_of(options), options)
    with exclusive(options.db), Store.open(options.db) as store:
        started = now()
        results = check_loaded(sheets, options)
        record_run(store, "check", started, results, options)
    return write_report(all_findings(results), today_of(options), options)


def run_message(paths: Sequence[Path], mailing: Mailing | None, options: RunOptions) -> int:
    """Check messages without a sheet: the message rules on an in-memory sheet of samples."""
    sheet = LoadedSheet.for_messages(paths, mailing)
    return run_rules([sheet], message_rules(), options)


def run_rules(
    sheets: Sequence[LoadedSheet],
    rules: Sequence[Rule],
    options: RunOptions,
    renderer: Renderer = render,
) -> int:
    """Run `rules` on `sheets` in one run (one resolver, one clock) and write the report."""
    findings = all_findings(check_loaded(sheets, options, rules=rules))
    return write_report(findings, today_of(options), options, renderer)


def record_run(
    store: Store,
    command: str,
    started: dt.datetime,
    results: Sequence[CheckedSheet],
    options: RunOptions,
) -> int:
    """Record a finished run whole (one transaction); returns its id."""
    code = exit_code(all_findings(results), strict=options.strict)
    record = RunRecord(
        command=command,
        started=started,
        finished=now(),
        today=today_of(options),
        exit_code=int(code),
        sheets=[SheetResult(SheetInfo.of(r.sheet), r.findings, r.checked_at) for r in results],
    )
    return store.record(record)


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
