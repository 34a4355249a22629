"""What the rules of `mailcheck sla` share: the skip without a log, the month's figures
(computed once per run), and how durations, shares and times are written."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction

from mailcheck.core.findings import Finding
from mailcheck.rules.base import Rule
from mailcheck.rules.context import Context
from mailcheck.sla.downtime import MonthAvailability, month_availability
from mailcheck.sla.incidents import Incident, IncidentLog
from mailcheck.sla.review import ServiceReview
from mailcheck.sla.terms import Availability, Support
from mailcheck.sla.tickets import TicketLog
from mailcheck.sla.timezones import shown

INCIDENT_LOG = "incident log"
TICKET_LOG = "ticket log"


def incidents_or_skip(
    rule: Rule, ctx: Context, seed: str = "003"
) -> tuple[ServiceReview, IncidentLog, Availability, dt.date] | Finding:
    """The run's review with its incident log, the terms' availability promise and the month,
    or the `skip` finding saying which is missing (and how to run it, with the terms of `seed`)."""
    review = ctx.review
    if review is None or review.incidents is None:
        return rule.skipped(
            INCIDENT_LOG,
            f"no incident log given: run `mailcheck sla --terms {seed} --incidents LOG`",
        )
    availability = review.terms.terms.availability
    if availability is None:
        return rule.skipped(
            review.terms.name, f"the terms ({review.terms.name}) promise no availability"
        )
    month = review.month or previous_month(ctx.today)
    return review, review.incidents, availability, month


def tickets_or_skip(rule: Rule, ctx: Context) -> tuple[ServiceReview, TicketLog, Support] | Finding:
    review = ctx.review
    if review is None or review.tickets is None:
        return rule.skipped(
            TICKET_LOG, "no ticket log given: run `mailcheck sla --terms 002 --tickets LOG`"
        )
    support = review.terms.terms.support
    if support is None:
        return rule.skipped(
            review.terms.name, f"the terms ({review.terms.name}) promise no support hours"
        )
    return review, review.tickets, support


def previous_month(today: dt.date) -> dt.date:
    """The first day of the month before `today`'s: the last whole billing month."""
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


async def month_figures(
    ctx: Context, review: ServiceReview, log: IncidentLog, terms: Availability, month: dt.date
) -> MonthAvailability:
    """The month's availability and credit, computed once for every rule that asks."""

    async def compute() -> MonthAvailability:
        severity_of = review.terms.terms.severity_named
        return month_availability(log, terms, month, review.periods, severity_of)

    return await ctx.memo.once(("sla-month", log.display, month), compute)


def month_name(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def not_begun(month: dt.date, today: dt.date) -> bool:
    return today < month


def month_over(month: dt.date, today: dt.date) -> bool:
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return today >= following


def incident_label(incident: Incident, zone: dt.tzinfo) -> str:
    """An incident as findings name it: its id, else its start in the terms' zone."""
    return incident.reference or shown(incident.start, zone)


def duration(seconds: Fraction) -> str:
    """`1 h 3 min`, `4 min 19.2 s`, `0 s`."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, _ = divmod(rest, 60)
    remainder = seconds - hours * 3600 - minutes * 60
    parts = [f"{hours:,} h"] if hours else []
    parts += [f"{minutes} min"] if minutes else []
    if remainder or not parts:
        parts.append(f"{decimal(remainder, 1)} s")
    return " ".join(parts)


def decimal(value: Fraction | Decimal, places: int) -> str:
    """The value cut (not rounded) to `places` decimals, trailing zeros dropped: a share just
    below a target never reads as the target."""
    exact = (
        Decimal(value.numerator) / Decimal(value.denominator)
        if isinstance(value, Fraction)
        else value
    )
    cut = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_FLOOR)
    text = f"{cut:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def at_line(finding: Finding, log: str, line: int | None) -> Finding:
    """The finding pointing at a line of a log (None: the log as a whole)."""
    return finding.at(log, line)
