"""The contract's deadlines, in working days of the sheet's region.

"innerhalb von fünf (5) Werktagen" (seed 000): the sheet is due 5 working days after the contract
was signed. "innerhalb von zehn (10) Werktagen" (seed 000): SPF and DKIM entries are due 10
working days after the provider asked for them; after that, re-checks are billed. The provider's
own: "innerhalb eines Werktages" (seed 004, 2.2; seed 002: "1 Tag"): the service is available 1
working day after the order. `Deadline` answers what every
report says about one: the due date, working days left or overdue, or — once the obligation was
met on a known date — whether that was in time or how many working days late.

Every deadline is built by `deadline_of()`, whether from a loaded sheet or from what the state
store recorded of one, so a check, `deadlines`, `recheck` and `history` always agree.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Protocol

from mailcheck.core.milestones import Milestone
from mailcheck.core.wording import plural
from mailcheck.core.workdays import Calendar, UnknownRegion, calendar_for
from mailcheck.sheet.model import Sheet, WorkingWeek

SHEET_DAYS = 5
DNS_DAYS = 10
PROVISIONING_DAYS = 1


class Kind(enum.StrEnum):
    SHEET = "sheet"
    DNS = "dns"
    PROVISIONING = "provisioning"

    @property
    def days(self) -> int:
        return _DAYS[self]

    @property
    def done(self) -> str:
        """What meeting this obligation is called: `returned 2 working days late`."""
        return _DONE[self]

    @property
    def billed(self) -> bool:
        """Failing past this deadline makes re-checks billable: the SPF and DKIM entries
        (seed 000), not the sheet's return."""
        return self is Kind.DNS


_DAYS = {Kind.SHEET: SHEET_DAYS, Kind.DNS: DNS_DAYS, Kind.PROVISIONING: PROVISIONING_DAYS}
_DONE = {Kind.SHEET: "returned", Kind.DNS: "published", Kind.PROVISIONING: "provisioned"}


@dataclass(frozen=True)
class Deadline:
    kind: Kind
    start: dt.date  # the triggering event; it does not count
    due: dt.date  # the end of this day is the deadline
    calendar: Calendar
    met_on: dt.date | None = None  # when the obligation was met, if known (the sheet's return)

    def is_overdue(self, on: dt.date) -> bool:
        return on > self.due

    def days_left(self, on: dt.date) -> int:
        """Working days after `on` up to the due date; 0 on the due date and after it."""
        return self.calendar.between(on, self.due)

    def days_late(self, on: dt.date) -> int:
        """Working days after the due date up to `on`; 0 on or before the due date.

        The one measure of lateness: of a missing obligation today, of a fix, of a return."""
        return self.calendar.between(self.due, on)

    def standing(self, on: dt.date) -> str:
        """Where the obligation stands on `on`, without the due date: `3 working days left`,
        `due today`, `overdue by 2 working days`, `returned 2 working days late`."""
        if self.met_on is not None:
            return self.timing(self.met_on, self.kind.done)
        if on > self.due:
            late = self.days_late(on)
            return f"overdue by {plural(late, 'working day')}" if late else "overdue"
        if on == self.due:
            return "due today"
        return f"{plural(self.days_left(on), 'working day')} left"

    def summary(self, on: dt.date) -> str:
        """The due date and the standing: `due 2026-11-06, 3 working days left`."""
        standing = self.standing(on)
        if standing == "due today":
            return f"due {self.due.isoformat()} (today)"
        return f"due {self.due.isoformat()}, {standing}"

    def timing(self, done: dt.date, verb: str) -> str:
        """`fixed in time`, `fixed 2 working days late`, `fixed after the due date` (on a day
        off after it: no working day late, but not in time either)."""
        if not self.is_overdue(done):
            return f"{verb} in time"
        late = self.days_late(done)
        return (
            f"{verb} {plural(late, 'working day')} late" if late else f"{verb} after the due date"
        )


class Schedule(Protocol):
    """What a deadline needs to know of a sheet; the store's `SheetInfo` is one."""

    @property
    def region(self) -> str: ...
    @property
    def working_week(self) -> str: ...
    @property
    def contract_signed(self) -> dt.date | None: ...
    @property
    def sheet_submitted(self) -> dt.date | None: ...
    @property
    def dns_requested(self) -> dt.date | None: ...
    @property
    def ordered(self) -> dt.date | None: ...
    @property
    def provisioned(self) -> dt.date | None: ...


def working_calendar(region: str, working_week: str) -> Calendar:
    """The (cached) calendar of a region and a working week (`mon-fri`, `mon-sat`)."""
    return calendar_for(region, saturdays=working_week == WorkingWeek.MON_SAT)


def deadline_of(
    kind: Kind, start: dt.date | None, region: str, working_week: str, met_on: dt.date | None
) -> Deadline | None:
    """The deadline `kind.days` working days after `start`; None without a start date, or for
    a region this calendar does not know (a store recorded by an older holiday calendar)."""
    if start is None:
        return None
    try:
        calendar = working_calendar(region, working_week)
    except UnknownRegion:
        return None
    return Deadline(kind, start, calendar.add(start, kind.days), calendar, met_on)


def sheet_deadline(sheet: Sheet) -> Deadline | None:
    """The sheet is due 5 working days after the contract was signed; None without that date."""
    dates = sheet.dates
    return deadline_of(
        Kind.SHEET, dates.contract_signed, sheet.region, sheet.working_week, dates.sheet_submitted
    )


def dns_deadline(sheet: Sheet) -> Deadline | None:
    """SPF and DKIM are due 10 working days after the request; None without that date."""
    return deadline_of(Kind.DNS, sheet.dates.dns_requested, sheet.region, sheet.working_week, None)


def provisioning_deadline(sheet: Sheet) -> Deadline | None:
    """The service is due 1 working day after the order; None without the order's date."""
    dates = sheet.dates
    return deadline_of(
        Kind.PROVISIONING, dates.ordered, sheet.region, sheet.working_week, dates.provisioned
    )


def rule_deadline(kind: Kind | None, schedule: Schedule) -> Deadline | None:
    """The deadline of `kind` (a rule's `deadline`), if any: for reports on recorded findings."""
    if kind is None:
        return None
    start, met_on = _recorded_dates(kind, schedule)
    return deadline_of(kind, start, schedule.region, schedule.working_week, met_on)


def _recorded_dates(kind: Kind, schedule: Schedule) -> tuple[dt.date | None, dt.date | None]:
    """The day a deadline of `kind` starts from, and the day it was met (None: not known)."""
    if kind is Kind.SHEET:
        return schedule.contract_signed, schedule.sheet_submitted
    if kind is Kind.DNS:
        return schedule.dns_requested, None
    return schedule.ordered, schedule.provisioned


EVENTS = (
    ("contract_signed", "Contract signed"),
    ("sheet_submitted", "Sheet returned"),
    ("dns_requested", "SPF and DKIM entries requested"),
    ("ordered", "Service ordered"),
    ("provisioned", "Service provisioned"),
    ("terminated", "Service terminated"),
)
"""The sheet's `dates:` a timeline shows, each named for people."""
DUE_LABELS = {
    Kind.SHEET: f"Sheet due ({SHEET_DAYS} working days)",
    Kind.DNS: f"SPF and DKIM entries due ({DNS_DAYS} working days)",
    Kind.PROVISIONING: f"Service due ({PROVISIONING_DAYS} working day)",
}


def milestones(sheet: Sheet, name: str | None) -> tuple[Milestone, ...]:
    """The sheet's dated events and the due dates they start, by day (an event before the due
    date of the same day). `name`: the sheet as findings name it."""
    found = [
        Milestone(name, day, label)
        for key, label in EVENTS
        if (day := getattr(sheet.dates, key)) is not None
    ]
    for deadline in (sheet_deadline(sheet), dns_deadline(sheet), provisioning_deadline(sheet)):
        if deadline is not None:
            found.append(Milestone(name, deadline.due, DUE_LABELS[deadline.kind], deadline.kind))
    return tuple(sorted(found, key=lambda m: (m.day, m.due)))
