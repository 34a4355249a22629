"""`mailcheck history SUBJECT`: the recorded timeline of a domain, an address or a sheet.

A domain matches its own findings, those of its addresses (`news@acme.example`) and of its
subdomains (`bounce.acme.example`, `esp2026._domainkey.acme.example`), and findings whose subject
names it after ` for ` (`198.51.100.10 for bounce.acme.example`); an address matches itself; a
sheet path matches every finding of that sheet. For each (sheet, rule, subject) it knows the
status changes with their run date (JSON: and the time checked), the last decided status, and its
clocks: failing since, fixed on, after how many working days, and — for the SPF/DKIM and sheet
obligations — whether the fix came within the deadline or how many working days late.

The human view shows per sheet (named relative to the working folder when it lies below it) a
table — or, where the terminal is too narrow for one, the same rows one below the other — with
a row per rule and subject that ever changed, failed, warned or could not be decided; checks
that passed (or did not apply) every time are only counted (`-v` lists them too). The JSON lists
every key. The other formats (SARIF, JUnit, Markdown, JSON Lines) hold the last recorded
finding of each key, as `check` would have reported them, and the exit code is theirs: 1 when
one of them fails (or warns, with `--strict`), 3 when one is undecided. `--select`/`--ignore`
keep the keys of the rules chosen; `--today` is the date a clock that still runs counts its
working days to (default: the date of the last run).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from rich.text import Text

from mailcheck.commands._options import EVERY_RULE, ReportOptions, Selection
from mailcheck.commands._report import write_view
from mailcheck.commands._store import store_to_read
from mailcheck.core.errors import InputError, one_line
from mailcheck.core.findings import ExitCode, Finding, Status, exit_code, summarize
from mailcheck.core.report import Report
from mailcheck.core.wording import iso, plural
from mailcheck.core.workdays import UnknownRegion
from mailcheck.output import Format
from mailcheck.output.console import make_console
from mailcheck.output.layout import TableColumn, fitted_table, headed, print_lines, styled, wrap
from mailcheck.output.sites import shown_path
from mailcheck.output.table import STYLES
from mailcheck.rules import deadline_kind
from mailcheck.sheet.due_dates import Deadline, rule_deadline, working_calendar
from mailcheck.state import StoreLocation
from mailcheck.state.store import Key, Recorded, SheetInfo, State, Store

QUIET = (Status.PASS, Status.SKIP)  # a key that only ever had one of these has no story


@dataclass(frozen=True)
class Clock:
    failed_on: dt.date
    fixed_on: dt.date | None
    working_days: int | None  # failing from failed_on to fixed_on (or to the last run)
    deadline: Deadline | None  # of the obligation, if it has one

    @property
    def late_by(self) -> int | None:
        """Working days the fix came after the due date (0: in time); None if not fixed."""
        if self.deadline is None or self.fixed_on is None:
            return None
        return self.deadline.days_late(self.fixed_on)

    def describe(self) -> str:
        fixed = f"fixed {self.fixed_on.isoformat()}" if self.fixed_on else "not fixed yet"
        text = f"failing since {self.failed_on.isoformat()}, {fixed}"
        if self.working_days is not None:
            text += f" ({plural(self.working_days, 'working day')})"
        if self.deadline and self.fixed_on:
            timing = self.deadline.timing(self.fixed_on, "fixed")
            text += f"; due {self.deadline.due.isoformat()}: {timing}"
        elif self.deadline:
            text += f"; due {self.deadline.due.isoformat()}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "failed_on": self.failed_on.isoformat(),
            "fixed_on": iso(self.fixed_on),
            "working_days": self.working_days,
            "due": iso(self.deadline.due) if self.deadline else None,
            "working_days_late": self.late_by,
        }


@dataclass(frozen=True)
class Timeline:
    key: Key
    customer: str | None
    state: State | None
    changes: Sequence[Recorded]  # the rows where the status changed, errors included
    last: Recorded
    clocks: Sequence[Clock]

    @property
    def quiet(self) -> bool:
        """Passed (or did not apply) every time, never failed: nothing to tell but a count."""
        return len(self.changes) == 1 and self.changes[0].status in QUIET and not self.clocks

    def as_dict(self) -> dict[str, Any]:
        sheet, rule, subject = self.key
        return {
            "sheet": sheet,
            "customer": self.customer,
            "rule": rule,
            "subject": subject,
            "status": self.state.status.value if self.state else None,
            "since": iso(self.state.since) if self.state else None,
            "last_checked": self.last.checked_at,
            "timeline": [
                {
                    "run": r.run_id,
                    "date": r.today.isoformat(),
                    "checked_at": r.checked_at,
                    "status": r.status.value,
                    "message": r.message,
                    "hint": r.hint,
                }
                for r in self.changes
            ],
            "clocks": [clock.as_dict() for clock in self.clocks],
        }


@dataclass(frozen=True)
class History:
    """The view: the timelines of every key recorded about `subject`."""

    subject: str
    timelines: Sequence[Timeline]
    strict: bool = False

    def findings(self) -> list[Finding]:
        """The last recorded finding of each key."""
        return [timeline.last.as_finding() for timeline in self.timelines]

    @property
    def exit_code(self) -> ExitCode:
        return exit_code(self.findings(), strict=self.strict)

    def summary_line(self) -> str:
        counts = ", ".join(f"{n} {status}" for status, n in summarize(self.findings()).items())
        code = int(self.exit_code)
        return f"{len(self.timelines)} recorded checks, last: {counts}; exit code {code}"


def run_history(
    subject: str,
    db: StoreLocation | None,
    report: ReportOptions,
    selection: Selection = EVERY_RULE,
    today: dt.date | None = None,
) -> int:
    """`db`: the state store (None: the default one); `selection`: the rules whose keys are
    shown; `today`: the date running clocks count to (None: each key's last run)."""
    rule_ids = {rule.id for rule in selection.rules()}
    db = store_to_read(db)
    with Store.open_readonly(db) as store:
        rows = [row for row in store.matching(subject) if row.rule in rule_ids]
        if not rows:
            raise InputError(f"nothing recorded about {subject!r}", file=str(db))
        timelines = timelines_of(store, rows, today)
    view = History(subject, timelines, report.strict)
    last_run = max(t.last.today for t in timelines)
    as_report = Report(tuple(view.findings()), today or last_run, strict=report.strict)
    write_view(view, as_report, report, _renderer(report))
    return int(view.exit_code)


def _renderer(options: ReportOptions) -> Callable[[History, TextIO, bool | None], None]:
    if options.fmt is Format.JSON:
        return lambda view, stream, _color: _render_json(view.subject, view.timelines, stream)
    return lambda view, stream, color: _render_table(
        view.subject, view.timelines, stream, color, verbose=options.verbose
    )


def timelines_of(
    store: Store, rows: Sequence[Recorded], today: dt.date | None = None
) -> list[Timeline]:
    by_key: dict[Key, list[Recorded]] = {}
    for row in rows:
        by_key.setdefault(row.key, []).append(row)
    infos = {sheet: store.sheet_info(sheet) for sheet, _, _ in by_key}
    return [_timeline(store, key, found, infos[key[0]], today) for key, found in by_key.items()]


def _timeline(
    store: Store, key: Key, rows: list[Recorded], info: SheetInfo | None, today: dt.date | None
) -> Timeline:
    last_day = today or rows[-1].today
    changes = [r for i, r in enumerate(rows) if i == 0 or r.status is not rows[i - 1].status]
    clocks = [_clock(key[1], info, e.failed_on, e.fixed_on, last_day) for e in store.episodes(key)]
    customer = info.customer if info else None
    return Timeline(key, customer, store.state(key), changes, rows[-1], clocks)


def _clock(
    rule: str, info: SheetInfo | None, failed: dt.date, fixed: dt.date | None, last: dt.date
) -> Clock:
    if info is None:
        return Clock(failed, fixed, None, None)
    try:
        days = working_calendar(info.region, info.working_week).between(failed, fixed or last)
    except UnknownRegion:  # recorded by a run whose calendar knew the region
        days = None
    return Clock(failed, fixed, days, rule_deadline(deadline_kind(rule), info))


def _render_json(subject: str, timelines: Sequence[Timeline], stream: TextIO) -> None:
    from mailcheck.output.json import json_text

    data = {"subject": subject, "keys": [t.as_dict() for t in timelines]}
    stream.write(json_text(data, indent=2) + "\n")


def _render_table(
    subject: str,
    timelines: Sequence[Timeline],
    stream: TextIO,
    color: bool | None,
    *,
    verbose: bool = False,
) -> None:
    """`verbose`: list the checks that never changed too, not only count them."""
    console = make_console(stream, color)
    width = console.width
    print_lines(console, styled(wrap(f"History of {one_line(subject)}", width), "bold"))
    by_sheet: dict[str, list[Timeline]] = {}
    for timeline in timelines:
        by_sheet.setdefault(timeline.key[0], []).append(timeline)
    for sheet, found in by_sheet.items():
        telling = [t for t in found if verbose or not t.quiet]
        customer = next((t.customer for t in found if t.customer), None)
        shown = shown_path(sheet)
        title = one_line(f"{customer} — {shown}" if customer else shown)
        print_lines(console, styled(wrap(title, width), "bold"))
        if telling:
            table = fitted_table(COLUMNS, [_row(t) for t in telling], width)
            if table is not None:
                console.print(table)
            else:
                lines = [line for t in telling for line in _stacked(t, width)]
                print_lines(console, lines)
        quiet = Counter(t.changes[0].status.value for t in found if t.quiet)
        if quiet and not verbose:
            counts = ", ".join(f"{n} {status}" for status, n in sorted(quiet.items()))
            note = f"{plural(quiet.total(), 'check')} never changed ({counts}): -v lists them"
            print_lines(console, styled(wrap(note, width, 2, 4)))


COLUMNS = [
    TableColumn("Rule", wraps=False),
    TableColumn("Subject"),
    TableColumn("Changes (run date, status, finding)"),
    TableColumn("Now"),
    TableColumn("Clocks"),
]


def _row(timeline: Timeline) -> list[Text | str]:
    _, rule, subject = timeline.key
    changes = Text("\n").join(_change(row) for row in timeline.changes)
    clocks = "\n".join(clock.describe() for clock in timeline.clocks)
    return [rule, one_line(subject), changes, _now(timeline), clocks]


def _change(row: Recorded) -> Text:
    text = Text(f"{row.today.isoformat()} ")
    text.append(row.status.value.upper(), style=STYLES[row.status])
    text.append(f" {one_line(row.message)}")
    return text


def _stacked(timeline: Timeline, width: int) -> list[Text]:
    """One rule and subject as lines: its changes, where it stands now, its clocks."""
    _, rule, subject = timeline.key
    lines = headed([("  ", ""), (f"{rule}  ", "bold")], one_line(subject), width, 4)
    for row in timeline.changes:
        status = row.status.value.upper()
        head = [("    ", ""), (f"{row.today.isoformat()} ", ""), (status, STYLES[row.status])]
        lines += headed(head, f" {one_line(row.message)}", width, 6)
    now = _now(timeline).plain.replace("\n", " ")
    lines += styled(wrap(f"now: {now}", width, 4, 6))
    for clock in timeline.clocks:
        lines += styled(wrap(clock.describe(), width, 4, 6), "dim")
    return lines


def _now(timeline: Timeline) -> Text:
    state = timeline.state
    if state is None:
        return Text("nothing decided", style="magenta")
    now = Text(state.status.value.upper(), style=STYLES[state.status])
    now.append(f" since {state.since.isoformat()}")
    if timeline.last.status is Status.ERROR:
        now.append("\n(last check undecided)", style="magenta")
    elif timeline.last.status is Status.SKIP:
        now.append("\n(last check skipped)", style="dim")
    return now
