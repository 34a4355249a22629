"""Sends per 5-minute interval stay within the contracted capacity; peaks up to 1.25 times.

The contracted capacity per hour assumes that mail is spread evenly over the hour, and the
provider checks it per 5-minute interval: capacity / 12 mails per interval, with peaks up to
1.25 times that (seed 000's example: 150,000 mails/hour -> 12,500 per interval, at most 15,625).
From the send times of a delivery report (`mailcheck hygiene REPORT.csv`; delivered, hard- and
soft-bounced mails are sends) the rule counts every 5-minute interval of the clock (10:00-10:05,
10:05-10:10, …): above the peak allowance fails, above capacity / 12 but within the peak allowance
warns (a peak), one finding per interval, its subject the interval's start, pointing at the
interval's first send in the report. It passes when every interval is within capacity / 12,
naming the busiest. The capacity is `capacity_per_hour` of the sheet (`--sheet`) or
`--capacity N`, which wins; without either, or without a delivery report (as in `mailcheck
check`), the rule is skipped; so it is when the report gives dates without a time of day
(a `Datum` column with no `Uhrzeit`): mailcheck does not invent times, and sends known only by
their day are counted in no interval (the pass message says how many). At most 50 intervals are
listed one by one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from fractions import Fraction

from mailcheck.core.findings import Finding, Status
from mailcheck.core.wording import plural
from mailcheck.delivery.analysis import DeliveryAnalysis
from mailcheck.delivery.intervals import Interval
from mailcheck.rules._delivery import analysis_or_skip, at, capped, in_report, when
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet

INTERVALS_PER_HOUR = 12
PEAK_FACTOR = Fraction(5, 4)


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    analysis = analysis_or_skip(RULE, ctx)
    if isinstance(analysis, Finding):
        return [analysis]
    capacity = (ctx.delivery.capacity_per_hour if ctx.delivery else None) or (
        sheet.sheet.capacity_per_hour
    )
    if capacity is None:
        return [
            RULE.skipped(
                "capacity_per_hour",
                "no contracted capacity: set capacity_per_hour in the sheet or give --capacity",
            )
        ]
    if not analysis.intervals:
        why = "the report has no sends"
        if analysis.untimed_sends:
            why = "the report has no times of day, only dates"
        return [in_report(RULE.skipped(analysis.subject, why), analysis)]
    limits = IntervalLimits(capacity)
    busiest = Busiest()  # found in the same pass: the intervals may be read from disk
    over = (i for i in busiest.watch(analysis.intervals) if i.sends > limits.interval)
    findings = capped(
        over,
        limits.judge,
        lambda count, status: in_report(
            RULE.finding(
                status,
                analysis.subject,
                f"and {plural(count, 'more interval')} above {_number(limits.interval)} sends "
                f"({status.value})",
                limits.hint if status is Status.FAIL else None,
            ),
            analysis,
        ),
    )
    top = busiest.interval
    if not findings and top is not None:
        passed = RULE.passed(
            analysis.subject,
            f"every 5-minute interval within {limits}; the busiest: "
            f"{plural(top.sends, 'send')} from {when(top.start)}{_untimed(analysis)}",
        )
        return [in_report(passed, analysis)]
    return findings


class Busiest:
    """The interval with the most sends (the first of equals) of those that pass by."""

    def __init__(self) -> None:
        self.interval: Interval | None = None

    def watch(self, intervals: Iterable[Interval]) -> Iterator[Interval]:
        for interval in intervals:
            if self.interval is None or interval.sends > self.interval.sends:
                self.interval = interval
            yield interval


def _untimed(analysis: DeliveryAnalysis) -> str:
    if not analysis.untimed_sends:
        return ""
    return f" ({plural(analysis.untimed_sends, 'send')} with a date but no time not counted)"


class IntervalLimits:
    """capacity / 12 per 5-minute interval, peaks up to 1.25 times that."""

    def __init__(self, capacity_per_hour: int) -> None:
        self.capacity = capacity_per_hour
        self.interval = Fraction(capacity_per_hour, INTERVALS_PER_HOUR)
        self.peak = self.interval * PEAK_FACTOR
        self.hint = (
            f"spread the sending evenly over the hour: at most {_number(self.interval)} mails "
            "per 5 minutes (throttle the sending application or queue the mailing), or agree a "
            "higher capacity with the provider"
        )

    def __str__(self) -> str:
        return (
            f"{_number(self.interval)} sends ({self.capacity:,}/hour / {INTERVALS_PER_HOUR}; "
            f"peaks up to {_number(self.peak)})"
        )

    def judge(self, interval: Interval) -> Finding:
        sends = plural(interval.sends, "send")
        subject = when(interval.start)
        if interval.sends > self.peak:
            finding = RULE.failed(
                subject,
                f"{sends} in 5 minutes: above the peak allowance of {_number(self.peak)} "
                f"(limit {self})",
                self.hint,
            )
        else:
            finding = RULE.warned(
                subject,
                f"{sends} in 5 minutes: a peak above {_number(self.interval)}, within "
                f"{_number(self.peak)} (limit {self})",
                self.hint,
            )
        return at(finding, interval.first)


def _number(value: Fraction) -> str:
    return f"{float(value):,.1f}".removesuffix(".0")


RULE = Rule(
    id="capacity.interval",
    title="Sending spread over the hour: capacity per 5-minute interval",
    checks=(
        "every 5-minute interval within capacity / 12 (pass), peaks up to 1.25 times that (warn),"
        " above fails"
    ),
    obligation="Um den vertraglich vereinbarten Durchsatz darstellen zu können, überprüft … die "
    "Verteilung in Fünf-Minuten-Intervallen. Aufgrund möglicher Sende-Peaks kann die "
    "tatsächliche Verarbeitungskapazität das 1,25-Fache der vereinbarten "
    "Verarbeitungskapazität betragen.",
    source="seed 000, Verarbeitungskapazität and Rechenbeispiel",
    check=check,
    doc=__doc__ or "",
    subject=Subject.INTERVAL,
    inputs=frozenset({Input.DELIVERY_REPORT, Input.SHEET_DETAILS}),
)
