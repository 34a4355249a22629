"""A billing month's availability and credit from an incident log, by the provider's terms.

Which incidents count (the others are listed with the reason, never counted): an incident
whose cause the terms exclude does not count, nor does maintenance announced before it began
(under `maintenance: {excluded: announced}`), nor an incident affecting only services the
terms do not cover. The counted incidents of the whole log are merged where they overlap or
touch (two incidents at once are one downtime, not twice the time) and then cut at the month's
bounds (midnight in the terms' zone): a downtime across a month boundary counts in each month
with its part.

availability = 1 - counted downtime / the month's length. The credit, when the terms give one:
`percent_per_period` for each full period (`started`: each period begun) of counted downtime
beyond the allowance (`allowance_percent` of the month), at most `cap_percent`. Seed 003's
"für jede dreißig (30)-minütige Nichtverfügbarkeit … (nach den ersten 0,01 %)" is read as full
periods: 5 % for each complete 30 minutes beyond the first 0.01 % of the month (in a 30-day
month 4 min 19.2 s); 29 minutes beyond earn nothing, 30 earn 5 %.

A claim is due `within_days` after the end of each downtime, to the day in the terms' zone
("innerhalb von dreißig (30) Tagen nach Ende der Ausfallzeit": a downtime ending on 12 March
is claimed by 11 April).

All arithmetic is exact (fractions of seconds): a month's verdict never turns on a rounding.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from mailcheck.sla.incidents import Incident, IncidentLog
from mailcheck.sla.terms import Availability, Credit, MaintenanceRule, PeriodCount
from mailcheck.sla.vocabulary import Cause


@dataclass(frozen=True)
class Span:
    """A stretch of time, [start, end), in UTC."""

    start: dt.datetime
    end: dt.datetime

    @property
    def seconds(self) -> Fraction:
        return _seconds(self.end - self.start)

    def clipped(self, bounds: Span) -> Span | None:
        """The part inside `bounds`; None when they do not overlap."""
        start, end = max(self.start, bounds.start), min(self.end, bounds.end)
        return Span(start, end) if start < end else None


def _seconds(delta: dt.timedelta) -> Fraction:
    microseconds = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return Fraction(microseconds, 1_000_000)


@dataclass(frozen=True)
class Downtime:
    """Counted incidents merged into one stretch of unavailability."""

    span: Span  # the whole downtime, also where it reaches beyond the month
    incidents: tuple[Incident, ...]  # by start
    in_month: Span  # its part inside the billing month

    @property
    def claimed(self) -> dt.date | None:
        """The first day a claim was made for one of its incidents."""
        return min((i.claimed for i in self.incidents if i.claimed), default=None)


@dataclass(frozen=True)
class NotCounted:
    incident: Incident
    reason: str


@dataclass(frozen=True)
class CreditDue:
    periods: int  # periods of downtime beyond the allowance that earn a credit
    percent: Decimal  # of the monthly fee, after the cap
    capped: bool  # the cap cut it
    beyond: Fraction  # seconds of counted downtime beyond the allowance


@dataclass(frozen=True)
class MonthAvailability:
    month: dt.date  # its first day
    bounds: Span
    downtimes: tuple[Downtime, ...]
    not_counted: tuple[NotCounted, ...]
    target: Decimal  # percent
    credit: CreditDue | None  # None: the terms give no credit scheme

    @property
    def length(self) -> Fraction:
        return self.bounds.seconds

    @property
    def counted(self) -> Fraction:
        return sum((d.in_month.seconds for d in self.downtimes), Fraction(0))

    @property
    def availability(self) -> Fraction:
        """As a fraction of 1."""
        return 1 - self.counted / self.length

    @property
    def allowed(self) -> Fraction:
        """Seconds of downtime the target allows."""
        return self.length * (100 - Fraction(self.target)) / 100

    @property
    def met(self) -> bool:
        return self.counted <= self.allowed


def month_bounds(month: dt.date, zone: dt.tzinfo) -> Span:
    """The calendar month of `month`, from midnight to midnight in `zone`."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    start = dt.datetime.combine(first, dt.time(), zone).astimezone(dt.UTC)
    return Span(start, dt.datetime.combine(following, dt.time(), zone).astimezone(dt.UTC))


def month_availability(
    log: IncidentLog, terms: Availability, month: dt.date, periods: PeriodCount | None = None
) -> MonthAvailability:
    """The month's availability and credit; `periods` overrides the terms' way of counting."""
    bounds = month_bounds(month, terms.zone)
    counted, not_counted = [], []
    for incident in log.incidents:
        reason = why_not_counted(incident, terms)
        if reason is None:
            counted.append(incident)
        elif Span(incident.start, incident.end).clipped(bounds):
            not_counted.append(NotCounted(incident, reason))
    downtimes = tuple(
        Downtime(span, members, part)
        for span, members in merge(counted)
        if (part := span.clipped(bounds)) is not None
    )
    month_data = MonthAvailability(
        month.replace(day=1), bounds, downtimes, tuple(not_counted), terms.target_percent, None
    )
    if terms.credit is None:
        return month_data
    credit = credit_due(month_data.counted, month_data.length, terms.credit, periods)
    return replace(month_data, credit=credit)


def why_not_counted(incident: Incident, terms: Availability) -> str | None:
    """Why the incident is not downtime under the terms; None when it is."""
    if incident.cause in terms.excluded_causes:
        return f"cause {incident.cause.words}: excluded by the terms"
    if _announced_maintenance(incident, terms):
        return "announced maintenance"
    covered = terms.covered_services
    if covered and incident.services and not incident.services & covered:
        services = ", ".join(sorted(incident.services))
        return f"affects only {services}, not a service the terms cover"
    return None


def _announced_maintenance(incident: Incident, terms: Availability) -> bool:
    return (
        incident.cause is Cause.MAINTENANCE
        and terms.maintenance.excluded is MaintenanceRule.ANNOUNCED
        and incident.announced is not None
        and incident.announced <= incident.start
    )


def merge(incidents: Iterable[Incident]) -> list[tuple[Span, tuple[Incident, ...]]]:
    """Incidents that overlap or touch, merged: each downtime with its incidents."""
    merged: list[tuple[Span, list[Incident]]] = []
    for incident in sorted(incidents, key=lambda i: (i.start, i.end)):
        if merged and incident.start <= merged[-1][0].end:
            span, members = merged[-1]
            members.append(incident)
            merged[-1] = (Span(span.start, max(span.end, incident.end)), members)
        else:
            merged.append((Span(incident.start, incident.end), [incident]))
    return [(span, tuple(members)) for span, members in merged]


def credit_due(
    counted: Fraction, length: Fraction, credit: Credit, periods: PeriodCount | None = None
) -> CreditDue:
    allowance = length * Fraction(credit.allowance_percent) / 100
    beyond = max(Fraction(0), counted - allowance)
    period = Fraction(credit.period_minutes * 60)
    way = periods or credit.periods
    count = (
        math.ceil(beyond / period) if way is PeriodCount.STARTED else math.floor(beyond / period)
    )
    percent = credit.percent_per_period * count
    capped = percent > credit.cap_percent
    return CreditDue(count, min(percent, credit.cap_percent), capped, beyond)


def claim_deadline(downtime: Downtime, within_days: int, zone: dt.tzinfo) -> dt.date:
    """The last day to claim a downtime's credit: `within_days` after the day it ended."""
    return downtime.span.end.astimezone(zone).date() + dt.timedelta(days=within_days)
