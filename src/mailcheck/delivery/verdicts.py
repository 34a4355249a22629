"""What the hygiene and capacity rules share: the missing-report skip, places, capped lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TypeVar

from mailcheck.context import Context
from mailcheck.delivery.analysis import DeliveryAnalysis, Place
from mailcheck.findings import Finding, Status
from mailcheck.rules.base import Rule

MAX_LISTED = 50
"""Findings listed one by one per rule; the rest are counted in one more finding."""
NO_REPORT = "delivery report"

T = TypeVar("T")


def analysis_or_skip(rule: Rule, ctx: Context) -> DeliveryAnalysis | Finding:
    """The run's delivery analysis, or the `skip` finding when no report was given."""
    if ctx.delivery is None:
        return rule.skipped(
            NO_REPORT,
            "no delivery report given: run `mailcheck hygiene REPORT.csv --sheet SHEET`",
        )
    return ctx.delivery.analysis


def at(finding: Finding, place: Place | None) -> Finding:
    """The finding pointing at a line of the delivery report."""
    return finding.at(place.file, place.line) if place else finding


def when(seconds: float) -> str:
    """A report time as shown in findings (UTC for times given with a zone)."""
    moment = dt.datetime.fromtimestamp(seconds, dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S").removesuffix(":00")


def at_moment(place: Place) -> str:
    """`at 2026-11-16 10:05`, or `on 2026-11-16` when the report gives no time of day."""
    if not place.timed:
        return f"on {dt.datetime.fromtimestamp(place.time, dt.UTC):%Y-%m-%d}"
    return f"at {when(place.time)}"


def where(place: Place) -> str:
    return f"{place.file}:{place.line} {at_moment(place)}"


def capped(
    items: Sequence[T],
    judge: Callable[[T], Finding],
    rest: Callable[[int, Status], Finding],
) -> list[Finding]:
    """One finding per item up to MAX_LISTED (worst first), then one per status for the rest."""
    findings = sorted((judge(item) for item in items), key=lambda f: f.status.rank)
    listed, unlisted = findings[:MAX_LISTED], findings[MAX_LISTED:]
    for status in sorted({f.status for f in unlisted}, key=lambda s: s.rank):
        listed.append(rest(sum(1 for f in unlisted if f.status is status), status))
    return listed


def in_report(finding: Finding, analysis: DeliveryAnalysis) -> Finding:
    """The finding pointing at the (first) delivery report as a whole."""
    return finding.at(analysis.files[0], None) if analysis.files else finding
