"""`mailcheck check` and `mailcheck message`: run the rules, record, report.

`check_loaded()` checks sheets in this process; `check`, `message` and `deadlines` go through it.
Batches (`check` with many sheets or `--format jsonl`, and `recheck`) go through
`mailcheck.engine.batch`, which checks them in worker processes when there are many. With a store
(`--db`), the whole run holds the store's lock and is recorded in one transaction after the
last sheet was checked.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TextIO, TypeVar

from mailcheck.core.defaults import DEFAULT_CONCURRENCY
from mailcheck.core.errors import InputError
from mailcheck.core.findings import Finding, exit_code
from mailcheck.core.inputs import STDIN
from mailcheck.core.report import Note, Report
from mailcheck.engine.checker import check_sheet, load_sheet_for_rules, unused_exemptions
from mailcheck.engine.locate import locate_findings
from mailcheck.engine.selection import select_rules
from mailcheck.http.probe import ProbeSettings
from mailcheck.messages.sample import kept_stdin
from mailcheck.output import Format, render
from mailcheck.output.github import running_on_github, write_annotations
from mailcheck.rules import REGISTRY, message_rules
from mailcheck.rules.base import Rule
from mailcheck.rules.context import Context, build_resolver
from mailcheck.sheet.model import LoadedSheet, Mailing
from mailcheck.state import DnsSource, RunRecord, SheetInfo, SheetResult, Store

MAX_SHEETS_AT_ONCE = 16  # bounds the DNS questions in flight when cron re-checks many customers


class Renderer(Protocol):
    def __call__(
        self, report: Report, fmt: Format, stream: TextIO, *, color: bool | None = None
    ) -> None: ...


class Summarized(Protocol):
    """A report of any command: what `write_output` needs besides a way to render it."""

    def summary_line(self) -> str: ...


View = TypeVar("View", bound=Summarized)


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
    select: Sequence[str] = ()  # rule-id prefixes to run (all when empty)
    ignore: Sequence[str] = ()  # rule-id prefixes not to run
    concurrency: int = DEFAULT_CONCURRENCY
    """DNS questions in flight at once, over all worker processes."""
    workers: int | None = None
    """Worker processes for a batch (see `mailcheck.engine.batch`); None: as many as pay off."""
    deadline: float | None = None
    """Seconds the whole run may take (`--deadline`), for the message when it passed."""
    ends_at: float | None = None
    """When the run's deadline passes, on the `time.monotonic()` clock; None: no deadline."""


@dataclass(frozen=True)
class CheckedSheet:
    sheet: LoadedSheet
    findings: list[Finding]
    checked_at: dt.datetime
    dns: DnsSource = field(default_factory=DnsSource)  # where the answers came from, for recheck


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today_of(options: RunOptions) -> dt.date:
    return options.today or dt.date.today()


def load_sheets(paths: Sequence[Path], *, recorded: bool = False) -> list[LoadedSheet]:
    """Load every sheet (every input error before any query), each file once: `a.yaml` and
    `./a.yaml` are one sheet, checked and recorded once. A run that is `recorded` takes no
    sheet from standard input: a later recheck could not read it again."""
    if recorded and STDIN in map(str, paths):
        raise InputError(
            "a sheet from standard input cannot be recorded (recheck reads sheets again from "
            "their files): give the sheet's path",
            key="--db",
        )
    seen: set[Path] = set()
    unique = []
    for path in paths:
        if path.resolve() not in seen:  # the first spelling given wins
            seen.add(path.resolve())
            unique.append(path)
    return [load_sheet_for_rules(p) for p in unique]


def check_loaded(
    sheets: Sequence[LoadedSheet],
    options: RunOptions,
    on_done: Callable[[CheckedSheet], None] | None = None,
    rules: Sequence[Rule] | None = None,
) -> list[CheckedSheet]:
    """Check loaded sheets, at most `MAX_SHEETS_AT_ONCE` at a time, in the given order."""
    ctx = build_context(options)
    if rules is None:
        rules = select_rules(REGISTRY, options.select, options.ignore)
    dns = DnsSource.of(options.zones, options.nameservers)
    return asyncio.run(_check_all(sheets, rules, ctx, dns, on_done))


def build_context(options: RunOptions) -> Context:
    resolver = build_resolver(
        options.zones, options.nameservers, options.timeout, options.concurrency, options.ends_at
    )
    probe = ProbeSettings(
        enabled=options.probe_unsubscribe,
        allow_private=options.allow_private,
        deadline=options.timeout,
    )
    return Context(dns=resolver, today=today_of(options), probe=probe)


async def check_located(sheet: LoadedSheet, rules: Sequence[Rule], ctx: Context) -> list[Finding]:
    """One sheet's findings, each pointing at the sheet line that declares its subject."""
    return locate_findings(await check_sheet(sheet, rules, ctx), [sheet])


async def _check_all(
    sheets: Sequence[LoadedSheet],
    rules: Sequence[Rule],
    ctx: Context,
    dns: DnsSource,
    on_done: Callable[[CheckedSheet], None] | None,
) -> list[CheckedSheet]:
    limit = asyncio.Semaphore(MAX_SHEETS_AT_ONCE)

    async def one(sheet: LoadedSheet) -> CheckedSheet:
        async with limit:
            found = locate_findings(await check_sheet(sheet, rules, ctx), [sheet])
            checked = CheckedSheet(sheet, found, now(), dns)
        if on_done:
            on_done(checked)
        return checked

    return list(await asyncio.gather(*(one(sheet) for sheet in sheets)))


def all_findings(results: Sequence[CheckedSheet]) -> list[Finding]:
    return [f for result in results for f in result.findings]


def exemption_notes(results: Sequence[CheckedSheet]) -> list[Note]:
    """Exemptions that matched no finding of their rule: most likely a typo in the subject."""
    return [note for result in results for note in sheet_notes(result.sheet, result.findings)]


def sheet_notes(sheet: LoadedSheet, findings: Sequence[Finding]) -> list[Note]:
    """The exemptions of one checked sheet that matched no finding."""
    return [
        Note(
            sheet.display,
            sheet.line_of("exemptions", index),
            f"the exemption of {exemption.rule} for {exemption.subject!r} matched no finding",
        )
        for index, exemption in unused_exemptions(sheet.sheet.exemptions, findings)
    ]


def run_message(paths: Sequence[Path], mailing: Mailing | None, options: RunOptions) -> int:
    """Check messages without a sheet: the message rules on an in-memory sheet of samples;
    `-` is the message on standard input."""
    stdin = kept_stdin() if STDIN in map(str, paths) else nullcontext(None)
    with stdin as stdin_file:
        sheet = LoadedSheet.for_messages(paths, mailing, stdin_file)
        results = check_loaded([sheet], options, rules=message_rules())
    # without a sheet, each finding points at the message it is about (SARIF needs a file)
    findings = [f if f.file else f.at(f.subject, 1) for f in all_findings(results)]
    return write_report(findings, today_of(options), options)


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
    unchecked: Sequence[SheetResult] = (),
) -> int:
    """Record a finished run whole (one transaction); returns its id. `unchecked`: sheets
    that could not be checked, with what to record of them."""
    sheets = [SheetResult(SheetInfo.of(r.sheet), r.findings, r.checked_at, r.dns) for r in results]
    sheets += unchecked
    findings = [f for sheet in sheets for f in sheet.findings]
    record = RunRecord(
        command=command,
        started=started,
        finished=now(),
        today=today_of(options),
        exit_code=int(exit_code(findings, strict=options.strict)),
        sheets=sheets,
    )
    return store.record(record)


def write_report(
    findings: Sequence[Finding],
    today: dt.date,
    options: RunOptions,
    renderer: Renderer = render,
    notes: Sequence[Note] = (),
) -> int:
    """Render the report (stdout or `--output`) and return the exit code. `renderer` lets a
    command show more than the findings, e.g. `mailcheck spf` its include tree."""
    report = Report(tuple(findings), today, strict=options.strict, notes=tuple(notes))
    announce(report)
    write_output(
        report, options, lambda r, stream, color: renderer(r, options.fmt, stream, color=color)
    )
    return int(report.exit_code)


def write_output(
    view: View, options: RunOptions, render_view: Callable[[View, TextIO, bool | None], None]
) -> None:
    """Render a report to stdout or `--output` (no colour in a file); its summary line goes to
    stderr when stdout is not the table a person reads."""
    if options.output is None:
        render_view(view, sys.stdout, options.color)
    else:
        try:
            with options.output.open("w", encoding="utf-8") as stream:
                render_view(view, stream, False)
        except OSError as exc:
            problem = f"cannot write report: {exc.strerror}"
            raise InputError(problem, file=str(options.output)) from None
    if options.output is not None or options.fmt is not Format.TABLE:
        print(f"mailcheck: {view.summary_line()}", file=sys.stderr)
    announce_deadline(options)


def announce_deadline(options: RunOptions) -> None:
    """Say on stderr when the run's deadline passed: what was not answered by then is `error`."""
    import time

    if options.ends_at is not None and time.monotonic() >= options.ends_at:
        print(
            f"mailcheck: warning: the run's deadline (--deadline {options.deadline:g} s) passed: "
            "the DNS questions not answered by then ended as error",
            file=sys.stderr,
        )


def announce(report: Report) -> None:
    """Input problems on stderr, as GitHub annotations (with the findings) under Actions."""
    if running_on_github():
        write_annotations(report, sys.stderr)
        return
    for note in report.notes:
        print(f"mailcheck: warning: {note}", file=sys.stderr)
