"""`mailcheck history SUBJECT`: the recorded timeline of a domain, an address or a sheet.

A domain matches its own findings, those of its addresses (`news@acme.example`) and of its
subdomains (`bounce.acme.example`, `esp2026._domainkey.acme.example`); an address matches itself;
a sheet path matches every finding of that sheet. For each (sheet, rule, subject) it shows the
status changes with their date and time, the last decided status, and its clocks: failing since,
fixed on, after how many working days, and — for the SPF/DKIM and sheet obligations — whether
the fix came within the deadline or how many working days late.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from mailcheck.deadlines import rule_deadline
from mailcheck.errors import InputError
from mailcheck.findings import Status
from mailcheck.output import Format
from mailcheck.state.store import Key, Recorded, SheetInfo, State, Store
from mailcheck.workdays import UnknownRegion, calendar_for


@dataclass(frozen=True)
class Clock:
    failed_on: dt.date
    fixed_on: dt.date | None
    working_days: int | None  # failing from failed_on to fixed_on (or to the last run)
    due: dt.date | None
    late_by: int | None  # working days after the due date when fixed (0: in time)

    def describe(self) -> str:
        fixed = f"fixed {self.fixed_on.isoformat()}" if self.fixed_on else "not fixed yet"
        text = f"failing since {self.failed_on.isoformat()}, {fixed}"
        if self.working_days is not None:
            text += f" ({self.working_days} working day(s))"
        if self.due and self.fixed_on:
            timing = "in time" if not self.late_by else f"{self.late_by} working day(s) late"
            text += f"; due {self.due.isoformat()}: {timing}"
        elif self.due:
            text += f"; due {self.due.isoformat()}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "failed_on": self.failed_on.isoformat(),
            "fixed_on": self.fixed_on.isoformat() if self.fixed_on else None,
            "working_days": self.working_days,
            "due": self.due.isoformat() if self.due else None,
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

    def as_dict(self) -> dict[str, Any]:
        sheet, rule, subject = self.key
        return {
            "sheet": sheet,
            "customer": self.customer,
            "rule": rule,
            "subject": subject,
            "status": self.state.status.value if self.state else None,
            "since": self.state.since.isoformat() if self.state else None,
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


def run_history(subject: str, db: Path, fmt: Format, color: bool | None = None) -> int:
    with Store.open(db, create=False) as store:
        rows = store.matching(subject)
        if not rows:
            raise InputError(f"nothing recorded about {subject!r}", file=str(db))
        timelines = timelines_of(store, rows)
    if fmt is Format.JSON:
        _render_json(subject, timelines, sys.stdout)
    else:
        _render_table(subject, timelines, sys.stdout, color)
    return 0


def timelines_of(store: Store, rows: Sequence[Recorded]) -> list[Timeline]:
    by_key: dict[Key, list[Recorded]] = {}
    for row in rows:
        by_key.setdefault(row.key, []).append(row)
    return [_timeline(store, key, found) for key, found in by_key.items()]


def _timeline(store: Store, key: Key, rows: list[Recorded]) -> Timeline:
    info = store.sheet_info(key[0])
    last_day = rows[-1].today
    changes = [r for i, r in enumerate(rows) if i == 0 or r.status is not rows[i - 1].status]
    clocks = [_clock(key[1], info, e.failed_on, e.fixed_on, last_day) for e in store.episodes(key)]
    customer = info.customer if info else None
    return Timeline(key, customer, store.state(key), changes, rows[-1], clocks)


def _clock(
    rule: str, info: SheetInfo | None, failed: dt.date, fixed: dt.date | None, last: dt.date
) -> Clock:
    if info is None:
        return Clock(failed, fixed, None, None, None)
    deadline = rule_deadline(
        rule, info.region, info.working_week, info.contract_signed, info.dns_requested
    )
    try:
        calendar = calendar_for(info.region, saturdays=info.working_week == "mon-sat")
    except UnknownRegion:
        return Clock(failed, fixed, None, None, None)
    days = calendar.between(failed, fixed or last)
    late = None
    if deadline and fixed:
        late = deadline.days_late(fixed) if fixed > deadline.due else 0
    return Clock(failed, fixed, days, deadline.due if deadline else None, late)


def _render_json(subject: str, timelines: Sequence[Timeline], stream: TextIO) -> None:
    import json

    data = {"subject": subject, "keys": [t.as_dict() for t in timelines]}
    json.dump(data, stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def _render_table(
    subject: str, timelines: Sequence[Timeline], stream: TextIO, color: bool | None
) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from mailcheck.output.table import MIN_FILE_WIDTH, STYLES

    console = Console(
        file=stream, highlight=False, no_color=color is False, force_terminal=color or None
    )
    if not console.is_terminal:
        console.width = max(console.width, MIN_FILE_WIDTH)
    console.print(Text(f"History of {subject}", style="bold"))
    for timeline in timelines:
        sheet, rule, about = timeline.key
        title = f"{rule} {about} — {timeline.customer or ''} {sheet}".strip()
        table = Table(title=title, title_justify="left", show_header=True, expand=False)
        table.add_column("Date", no_wrap=True)
        table.add_column("Checked at (UTC)", no_wrap=True)
        table.add_column("Status", no_wrap=True)
        table.add_column("Finding", overflow="fold", ratio=1)
        for row in timeline.changes:
            status = Text(row.status.value.upper(), style=STYLES[row.status])
            table.add_row(row.today.isoformat(), row.checked_at, status, row.message)
        console.print(table)
        state = timeline.state
        if state is not None:
            now = Text(f"  now {state.status.value} since {state.since.isoformat()}")
            if timeline.last.status is Status.ERROR:
                now.append(" (the last check could not decide)", style="magenta")
            console.print(now)
        for clock in timeline.clocks:
            console.print(f"  clock: {clock.describe()}")
