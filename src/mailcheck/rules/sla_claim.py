"""Each downtime of a month with a credit is claimed within the terms' claim window.

A credit is not paid by itself: seed 003 (3.3) asks the customer to request it "innerhalb von
dreißig (30) Tagen nach Ende der Ausfallzeit" with a support ticket. For the billing month of
`mailcheck sla` (`--month`), when `sla.availability` finds a credit, each counted downtime of
that month (overlapping incidents merged) gets one finding, its subject the downtime's first
incident (its `id`, else its start): the last day to claim is the day the downtime ended (in the
terms' zone) plus 30 days. A downtime that reaches into the next month is claimed from its real
end. Each downtime is judged on its own — the safe reading of "der Ausfallzeit": one claim
after the last downtime of the month may not cover the earlier ones.

It passes when the log's `claimed` day (of any of the downtime's incidents) is on or before the
last day; it warns while the window is open and nothing was claimed, with the days left (0 on
the last day); it fails once the window closed unclaimed, or when the claim came too late.
Skipped without an incident log, for terms without a credit scheme or claim window, and for a
month that has not begun or earned no credit (nothing to claim).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from mailcheck.core.findings import Finding, Status
from mailcheck.core.wording import plural
from mailcheck.rules._listing import capped
from mailcheck.rules._sla import (
    at_line,
    incident_label,
    incidents_or_skip,
    month_figures,
    month_name,
    not_begun,
)
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet
from mailcheck.sla.downtime import Downtime, claim_deadline
from mailcheck.sla.terms import Availability
from mailcheck.sla.timezones import shown


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    found = incidents_or_skip(RULE, ctx)
    if isinstance(found, Finding):
        return [found]
    review, log, terms, month = found
    name = month_name(month)
    if terms.credit is None or terms.claim is None:
        return [RULE.skipped(review.terms.name, "the terms give no credit to claim")]
    if not_begun(month, ctx.today):
        return [RULE.skipped(name, f"{name} has not begun (today is {ctx.today})")]
    figures = await month_figures(ctx, review, log, terms, month)
    if figures.credit is None or figures.credit.percent == 0:
        skipped = RULE.skipped(name, f"no credit for {name}: nothing to claim")
        return [at_line(skipped, log.display, None)]
    claims = Claims(terms, ctx.today, log.display)
    return capped(
        figures.downtimes,
        claims.judge,
        lambda count, status: at_line(
            RULE.finding(
                status,
                name,
                f"and {plural(count, 'more downtime')} ({status.value})",
                claims.hint if status is Status.FAIL else None,
            ),
            log.display,
            None,
        ),
    )


class Claims:
    """Judges the claim of each downtime against its last day."""

    def __init__(self, terms: Availability, today: dt.date, log: str) -> None:
        assert terms.claim is not None
        self.days = terms.claim.within_days
        self.zone = terms.zone
        self.today = today
        self.log = log
        self.hint = (
            f"claim a credit within {self.days} days after the downtime ended; a late claim "
            "earns nothing, so claim each downtime of a month with a credit as soon as it ends"
        )

    def judge(self, downtime: Downtime) -> Finding:
        first = downtime.incidents[0]
        subject = incident_label(first, self.zone)
        last_day = claim_deadline(downtime, self.days, self.zone)
        ended = f"ended {shown(downtime.span.end, self.zone)}"
        window = f"last day to claim {last_day} ({self.days} days after it {ended})"
        claimed = downtime.claimed
        if claimed is not None and claimed <= last_day:
            finding = RULE.passed(subject, f"credit claimed on {claimed}; {window}")
        elif claimed is not None:
            late = plural((claimed - last_day).days, "day")
            finding = RULE.failed(
                subject, f"credit claimed on {claimed}, {late} late; {window}", self.hint
            )
        elif self.today <= last_day:
            left = (last_day - self.today).days
            when = "today is the last day" if left == 0 else f"{plural(left, 'day')} left"
            finding = RULE.warned(
                subject,
                f"credit not claimed yet: {when}; {window}",
                f"claim the credit from the provider by {last_day}, with the incident log as "
                "evidence of how the downtime affected your use of the service",
            )
        else:
            finding = RULE.failed(
                subject, f"credit not claimed: the window closed on {last_day}; {window}", self.hint
            )
        return at_line(finding, self.log, first.line)


RULE = Rule(
    id="sla.claim",
    title="Credits claimed within 30 days after the downtime",
    checks=(
        "each downtime of a month with a credit is claimed within 30 days after it ended: warn "
        "while the window is open (days left), fail once it closed unclaimed"
    ),
    obligation="Zusätzlich zum Erhalt einer Gutschrift muss der Kunde eine Anfrage stellen, "
    "indem er innerhalb von dreißig (30) Tagen nach Ende der Ausfallzeit ein Support-Ticket über "
    "das Steuerungsfeld erstellt.",
    source="seed 003, 3.3 Gutschriftbeschränkungen (or the terms given with --terms)",
    check=check,
    doc=__doc__ or "",
    subject=Subject.INCIDENT,
    inputs=frozenset({Input.INCIDENT_LOG, Input.SERVICE_TERMS}),
)
