"""The time inside support hours between two instants: the clock of a reaction time.

Support hours are the terms' days of the week (Monday to Friday unless they say otherwise),
from `opens` to `closes` local time in the terms' zone, except the public holidays of their
region (the `holidays` calendar; only its `public` category). A reaction time counts only the
time inside them: a ticket opened on a Friday at 18:55 and answered on Monday at 07:20, under
hours of 07:00-19:00, counts 5 + 20 = 25 minutes. The local hours are kept across daylight
saving time: 07:00-19:00 is always 12 hours.

Whole days between the first and the last are summed from a running total per day, so a ticket
open for months costs no more than one open for minutes.
"""

from __future__ import annotations

import bisect
import datetime as dt
from fractions import Fraction

from mailcheck.core.workdays import Calendar
from mailcheck.sla.downtime import Span
from mailcheck.sla.terms import Support
from mailcheck.sla.timezones import FIRST_YEAR

EARLIEST = dt.date(FIRST_YEAR - 1, 12, 31)  # a log's first instant, seen west of UTC


class ServiceClock:
    """Counts the seconds inside the support hours of one set of terms."""

    def __init__(self, support: Support) -> None:
        self.zone = support.zone
        self.opens, self.closes = support.opening()
        self.weekdays = support.weekdays
        region = support.region
        self.calendar = Calendar(region, self.weekdays) if region is not None else None
        self._origin = 0  # the ordinal of the first day the running total covers
        self._totals: list[int] = []  # seconds inside the hours before each day from the origin
        self._holidays: dict[int, list[tuple[dt.date, str]]] = {}

    def window(self, day: dt.date) -> Span | None:
        """The day's support hours in UTC; None on a day without support."""
        if not self.is_service_day(day):
            return None
        start = dt.datetime.combine(day, self.opens, self.zone)
        end = (
            dt.datetime.combine(day, self.closes, self.zone)
            if self.closes is not None
            else dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), self.zone)
        )
        return Span(start.astimezone(dt.UTC), end.astimezone(dt.UTC))

    def is_service_day(self, day: dt.date) -> bool:
        if self.calendar is not None:
            return self.calendar.is_working_day(day)
        return day.weekday() in self.weekdays

    def holiday(self, day: dt.date) -> str | None:
        """The name of the public holiday on `day` that has no support, or None."""
        if self.calendar is None or day.weekday() not in self.weekdays:
            return None
        return self.calendar.holiday(day)

    def holidays_between(
        self, first: dt.date, last: dt.date, limit: int
    ) -> list[tuple[dt.date, str]]:
        """Up to `limit` holidays without support from `first` to `last`, in order."""
        found: list[tuple[dt.date, str]] = []
        for year in range(first.year, last.year + 1):
            days = self._holidays_of(year)
            start = bisect.bisect_left(days, (first, ""))
            for day, name in days[start:]:
                if day > last or len(found) == limit:
                    return found
                found.append((day, name))
        return found

    def _holidays_of(self, year: int) -> list[tuple[dt.date, str]]:
        """The year's holidays without support, sorted; looked up once per year."""
        known = self._holidays.get(year)
        if known is None:
            day, known = dt.date(year, 1, 1), []
            while day.year == year:
                name = self.holiday(day)
                if name is not None:
                    known.append((day, name))
                day += dt.timedelta(days=1)
            self._holidays[year] = known
        return known

    def counted(self, start: dt.datetime, end: dt.datetime) -> Fraction:
        """Seconds inside the support hours from `start` to `end`."""
        if end <= start:
            return Fraction(0)
        first, last = self.local_day(start), self.local_day(end)
        within = Span(start, end)
        total = self._inside(first, within)
        if last > first:
            total += self._inside(last, within)
            total += self._whole_days(first + dt.timedelta(days=1), last - dt.timedelta(days=1))
        return total

    def local_day(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.zone).date()

    def _inside(self, day: dt.date, within: Span) -> Fraction:
        window = self.window(day)
        part = window.clipped(within) if window is not None else None
        return part.seconds if part is not None else Fraction(0)

    def _whole_days(self, first: dt.date, last: dt.date) -> int:
        """Seconds of support hours of the days `first` to `last` (none when last < first)."""
        if last < first:
            return 0
        self._cover(first, last)
        before = first.toordinal() - self._origin
        return self._totals[last.toordinal() - self._origin + 1] - self._totals[before]

    def _cover(self, first: dt.date, last: dt.date) -> None:
        """Extend the running total to cover `first` to `last`, at least doubling it each time
        it grows backwards (a log need not be sorted)."""
        if not self._totals:
            self._origin, self._totals = first.toordinal(), [0]
        if first.toordinal() < self._origin:
            covered = len(self._totals) - 1
            new_origin = max(min(first.toordinal(), self._origin - covered), EARLIEST.toordinal())
            added = self._running(new_origin, self._origin)
            self._totals = added + [added[-1] + total for total in self._totals[1:]]
            self._origin = new_origin
        end = self._origin + len(self._totals) - 1  # the ordinal after the last day covered
        if last.toordinal() >= end:
            grown = self._running(end, last.toordinal() + 1)
            self._totals += [self._totals[-1] + total for total in grown[1:]]

    def _running(self, start: int, stop: int) -> list[int]:
        """Running totals for the days from ordinal `start` up to `stop`, starting with 0."""
        totals = [0]
        for ordinal in range(start, stop):
            window = self.window(dt.date.fromordinal(ordinal))
            totals.append(totals[-1] + (int(window.seconds) if window is not None else 0))
        return totals
