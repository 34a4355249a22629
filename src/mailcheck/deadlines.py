"""The contract's two deadlines, in working days of the sheet's region (seed 000).

"innerhalb von fünf (5) Werktagen": the sheet is due 5 working days after the contract was
signed. "innerhalb von zehn (10) Werktagen": SPF and DKIM entries are due 10 working days after
the provider asked for them; after that, re-checks are billed. `Deadline` answers what every
report says about one: the due date, working days left, or working days overdue.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from mailcheck.sheet import Sheet, WorkingWeek
from mailcheck.workdays import Calendar, UnknownRegion, calendar_for

SHEET_DAYS = 5
DNS_DAYS = 10
DNS_RULE_PREFIXES = ("spf.", "dkim.")  # rules whose obligations the DNS deadline covers


class Kind(enum.StrEnum):
    SHEET = "sheet"
    DNS = "dns"


@dataclass(frozen=True)
class Deadline:
    kind: Kind
    start: dt.date  # the triggering event; it does not count
    due: dt.date  # the end of this day is the deadline
    calendar: Calendar

    def is_overdue(self, on: dt.date) -> bool:
        return on > self.due

    def days_left(self, on: dt.date) -> int:
        """Working days after `on` up to the due date; 0 on the due date and after it."""
        return self.calendar.between(on, self.due)

    def days_late(self, on: dt.date) -> int:
        """Working days after the due date up to `on`."""
        return self.calendar.between(self.due, on)

    def standing(self, on: dt.date) -> str:
        """`due 2026-11-06, 3 working days left` / `due today` / `overdue by 2 working days`."""
        due = f"due {self.due.isoformat()}"
        if on > self.due:
            late = self.days_late(on)
            if late == 0:
                return f"{due}, overdue (no working day since)"
            return f"{due}, overdue by {plural(late, 'working day')}"
        if on == self.due:
            return f"{due} (today)"
        return f"{due}, {plural(self.days_left(on), 'working day')} left"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def calendar_of(sheet: Sheet) -> Calendar:
    return calendar_for(sheet.region, saturdays=sheet.working_week is WorkingWeek.MON_SAT)


def sheet_deadline(sheet: Sheet, calendar: Calendar | None = None) -> Deadline | None:
    """The sheet is due 5 working days after the contract was signed; None without that date."""
    start = sheet.dates.contract_signed
    return _deadline(Kind.SHEET, start, SHEET_DAYS, sheet, calendar)


def dns_deadline(sheet: Sheet, calendar: Calendar | None = None) -> Deadline | None:
    """SPF and DKIM are due 10 working days after the request; None without that date."""
    start = sheet.dates.dns_requested
    return _deadline(Kind.DNS, start, DNS_DAYS, sheet, calendar)


def _deadline(
    kind: Kind, start: dt.date | None, days: int, sheet: Sheet, calendar: Calendar | None
) -> Deadline | None:
    if start is None:
        return None
    calendar = calendar or calendar_of(sheet)
    return Deadline(kind, start, calendar.add(start, days), calendar)


def rule_deadline(
    rule_id: str,
    region: str,
    working_week: str,
    contract_signed: dt.date | None,
    dns_requested: dt.date | None,
) -> Deadline | None:
    """The deadline a rule's obligation is due by, if any: for reports on recorded findings."""
    if rule_id == "deadline.sheet":
        kind, start, days = Kind.SHEET, contract_signed, SHEET_DAYS
    elif rule_id == "deadline.dns" or is_dns_rule(rule_id):
        kind, start, days = Kind.DNS, dns_requested, DNS_DAYS
    else:
        return None
    if start is None:
        return None
    try:
        calendar = calendar_for(region, saturdays=working_week == WorkingWeek.MON_SAT.value)
    except UnknownRegion:  # recorded by a run whose calendar knew the region
        return None
    return Deadline(kind, start, calendar.add(start, days), calendar)


def is_dns_rule(rule_id: str) -> bool:
    """Rules checking the SPF and DKIM entries the DNS deadline covers (not message.dkim)."""
    return rule_id.startswith(DNS_RULE_PREFIXES)
