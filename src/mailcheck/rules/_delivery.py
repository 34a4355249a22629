"""What the hygiene and capacity rules share: the missing-report skip, places, capped lists
(`capped`, from `_listing`, which the rules of other logs share too)."""

from __future__ import annotations

import datetime as dt

from mailcheck.core.findings import Finding, Status
from mailcheck.core.wording import plural
from mailcheck.delivery.analysis import DeliveryAnalysis
from mailcheck.delivery.places import Place
from mailcheck.rules._listing import capped as capped  # shared by the hygiene rules
from mailcheck.rules.base import Rule
from mailcheck.rules.context import Context

NO_REPORT = "delivery report"


def analysis_or_skip(rule: Rule, ctx: Context) -> DeliveryAnalysis | Finding:
    """The run's delivery analysis, or the `skip` finding when no report was given or the
    reports hold no event: nothing sent is nothing to judge, not a pass."""
    if ctx.delivery is None:
        return rule.skipped(
            NO_REPORT,
            "no delivery report given: run `mailcheck hygiene REPORT.csv --sheet SHEET`",
        )
    analysis = ctx.delivery.analysis
    if analysis.rows == 0:
        return rule.skipped(analysis.subject, "the report holds no event to judge")
    return analysis


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


def unfollowed(rule: Rule, analysis: DeliveryAnalysis, events: int, what: str) -> Finding:
    """The `error` finding for problem addresses beyond the bound: undecided, never passed."""
    from mailcheck.delivery.analysis import MAX_PROBLEM_ADDRESSES

    finding = rule.finding(
        Status.ERROR,
        analysis.subject,
        f"{plural(events, f'{what} event')} of addresses beyond the first "
        f"{MAX_PROBLEM_ADDRESSES:,} with a hard bounce, complaint or unsubscribe were not "
        "followed (a bound on memory): "
        "whether those addresses were mailed again is not known",
        "check the report in parts (split it by time, e.g. per month) so that each part has "
        f"at most {MAX_PROBLEM_ADDRESSES:,} such addresses",
    )
    return in_report(finding, analysis)


def in_report(finding: Finding, analysis: DeliveryAnalysis) -> Finding:
    """The finding pointing at the (first) delivery report as a whole."""
    return finding.at(analysis.files[0], None) if analysis.files else finding
