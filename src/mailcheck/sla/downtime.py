"""A billing month's availability and credit from an incident log, by the provider's terms.

Which incidents count (the others are listed with the reason, never counted): an incident
whose cause the terms exclude does not count, nor does maintenance announced in time (under
`maintenance: {excluded: announced}`: before it began, or at least the terms' `notice` ahead),
nor an incident affecting only services the terms do not cover, nor a disruption of a severity
the terms do not count (`counted_severities`; seed 004 counts only critical ones). The counted
incidents of the whole log are merged where they overlap or touch (two incidents at once are
one downtime, not twice the time) and then cut at the month's bounds (midnight in the terms'
zone): a downtime across a month boundary counts in each month with its part.

availability = 1 - counted downtime / the month's length. Under `base:
month_without_maintenance` (seed 004: "nach Abzug der geplanten und zuvor mitgeteilten
Wartungszeiten") the maintenance announced in time is taken out of the month first, and
downtime during it is not counted (that time is not in the month any more). The credit, when
the terms give one:
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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from mailcheck.sla.incidents import Incident, IncidentLog
from mailcheck.sla.terms import Availability, Base, Credit, MaintenanceRule, PeriodCount
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
    deducted: Fraction = Fraction(0)
    """Seconds of maintenance taken out of the month (`base: month_without_maintenance`)."""
    overlap: Fraction = Fraction(0)
    """Seconds of counted downtime during that maintenance: not counted."""

    @property
    def length(self) -> Fraction:
        """The seconds availability is a share of: the month, less what `deducted` says."""
        return self.bounds.seconds - self.deducted

    @property
    def counted(self) -> Fraction:
        return sum((d.in_month.seconds for d in self.downtimes), Fraction(0)) - self.overlap

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


SeverityOf = Callable[[str], str | None]
"""The severity the terms give a log's text (`Kritische Störung` -> `critical`)."""


def month_availability(
    log: IncidentLog,
    terms: Availability,
    month: dt.date,
    periods: PeriodCount | None = None,
    severity_of: SeverityOf | None = None,
) -> MonthAvailability:
    """The month's availability and credit; `periods` overrides the terms' way of counting."""
    bounds = month_bounds(month, terms.zone)
    counted, not_counted = [], []
    for incident in log.incidents:
        reason = why_not_counted(incident, terms, severity_of)
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
    if terms.base is Base.MONTH_WITHOUT_MAINTENANCE:
        month_data = _without_maintenance(month_data, log.incidents, terms)
    if terms.credit is None:
        return month_data
    credit = credit_due(month_data.counted, month_data.length, terms.credit, periods)
    return replace(month_data, credit=credit)


def _without_maintenance(
    figures: MonthAvailability, incidents: Iterable[Incident], terms: Availability
) -> MonthAvailability:
    """The month less its maintenance announced in time, and the downtime during it."""
    maintenance = union(
        part
        for incident in incidents
        if announced_maintenance(incident, terms)
        and (part := Span(incident.start, incident.end).clipped(figures.bounds))
    )
    deducted = sum((span.seconds for span in maintenance), Fraction(0))
    overlap = overlap_seconds(union(d.in_month for d in figures.downtimes), maintenance)
    return replace(figures, deducted=deducted, overlap=overlap)


def why_not_counted(
    incident: Incident, terms: Availability, severity_of: SeverityOf | None = None
) -> str | None:
    """Why the incident is not downtime under the terms; None when it is."""
    if incident.cause in terms.excluded_causes:
        return f"cause {incident.cause.words}: excluded by the terms"
    if announced_maintenance(incident, terms):
        notice = terms.maintenance.least_notice
        return (
            f"maintenance announced at least {notice} ahead"
            if notice
            else ("announced maintenance")
        )
    covered = terms.covered_services
    if covered and incident.services and not incident.services & covered:
        services = ", ".join(sorted(incident.services))
        return f"affects only {services}, not a service the terms cover"
    if terms.counted_severities and incident.cause is not Cause.MAINTENANCE:
        return _severity_not_counted(incident, terms, severity_of)
    return None


def _severity_not_counted(
    incident: Incident, terms: Availability, severity_of: SeverityOf | None
) -> str | None:
    severity = severity_of(incident.severity) if severity_of and incident.severity else None
    if severity in terms.counted_severities:
        return None
    counted = " or ".join(terms.counted_severities)
    given = f"severity {severity}" if severity else "no severity given"
    return f"{given}: the terms count only {counted} disruptions"


def announced_maintenance(incident: Incident, terms: Availability) -> bool:
    """Maintenance the terms do not count: announced before it began, or at least their
    `notice` ahead."""
    return (
        incident.cause is Cause.MAINTENANCE
        and terms.maintenance.excluded is MaintenanceRule.ANNOUNCED
        and announced_in_time(incident, terms)
    )


def announced_in_time(incident: Incident, terms: Availability) -> bool:
    if incident.announced is None:
        return False
    notice = terms.maintenance.least_notice
    latest = notice.latest(incident.start, terms.zone) if notice else incident.start
    return incident.announced <= latest


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


def union(spans: Iterable[Span]) -> list[Span]:
    """The spans merged where they overlap or touch, in order."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if merged and span.start <= merged[-1].end:
            merged[-1] = Span(merged[-1].start, max(merged[-1].end, span.end))
        else:
            merged.append(span)
    return merged


def overlap_seconds(first: Sequence[Span], second: Sequence[Span]) -> Fraction:
    """Seconds inside both, of two unions (each sorted and without overlaps)."""
    total, i, j = Fraction(0), 0, 0
    while i < len(first) and j < len(second):
        part = first[i].clipped(second[j])
        total += part.seconds if part else 0
        if first[i].end <= second[j].end:
            i += 1
        else:
            j += 1
    return total


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
