"""The provider kept its availability promise for the billing month; the credit it owes.

From an incident log and the provider's terms (`mailcheck sla --terms 003 --incidents LOG
--month 2026-03 --fee 1200`): availability = 1 - counted downtime / the month's length, judged
against the terms' target. Incidents that overlap are merged (two at once count once), a
downtime across a month boundary counts in each month with its part, and what the terms exclude
is listed — one `skip` finding per incident, with the reason — but not counted.

Seed 003 (3.1-3.3): 99.99 % of each monthly billing period; announced maintenance and downtime
from denial-of-service attacks, virus activity, hacking attempts, the customer's breach of the
terms and other circumstances beyond the provider's control do not count, nor does an incident
affecting only services the terms do not cover (API, SMTP and outbound delivery). The finding
names the credit: 5 % of the monthly fee for each full 30 minutes of counted downtime beyond
the first 0.01 % of the month (4 min 19.2 s in a 30-day month, 4 min 27.84 s in a 31-day one),
at most 100 %. "für jede dreißig (30)-minütige Nichtverfügbarkeit" is read as full periods
(29 minutes beyond the allowance earn nothing); `--started-periods` counts every period begun
instead. So downtime just over the allowance fails the target with no credit yet.

Seed 004 (2.4.3, 2.4.5): 99.5 % of each calendar month in German legal time, "nach Abzug der
geplanten und zuvor mitgeteilten Wartungszeiten": maintenance announced at least 72 hours ahead
is taken out of the month (and downtime during it is not counted); maintenance announced later
or never counts (`sla.maintenance` says which and why). Only disruptions of severity critical
count ("Als Ausfallzeiten gelten nur Störungen der Supportstufe „Kritische Störung“"), each
entry's `severity` as the terms name it; a fault in a component the customer built
(`customer_component`) and the restore of large amounts of data (`data_restore`) do not. There
is no credit: the finding gives the figure and the counted incidents.

While the month is not over (`--today` inside it), a month still within the target warns: the
figure can still fall. It passes when the month is over and within the target, and fails below
it. `--month` defaults to the month before `--today`; the months begin at midnight in the terms'
zone (seed 003: UTC, as it names none). Without an incident log (as in `mailcheck check`) the
rule is skipped; so it is for terms that promise no availability, and for a month that has not
begun.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from mailcheck.core.findings import Finding
from mailcheck.core.wording import plural
from mailcheck.rules._listing import capped
from mailcheck.rules._sla import (
    at_line,
    decimal,
    duration,
    incident_label,
    incidents_or_skip,
    month_figures,
    month_name,
    month_over,
    not_begun,
)
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet
from mailcheck.sla.downtime import MonthAvailability, NotCounted, Span
from mailcheck.sla.review import ServiceReview
from mailcheck.sla.terms import Availability, PeriodCount

CENT = Decimal("0.01")
SHARE_PLACES = 4  # 99.9899 %: enough to tell a miss from the 99.99 % target
MAX_COUNTED_NAMED = 5


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    found = incidents_or_skip(RULE, ctx)
    if isinstance(found, Finding):
        return [found]
    review, log, terms, month = found
    name = month_name(month)
    if not_begun(month, ctx.today):
        return [RULE.skipped(name, f"{name} has not begun (today is {ctx.today})")]
    figures = await month_figures(ctx, review, log, terms, month)
    verdict = at_line(_verdict(figures, terms, review, ctx.today), log.display, None)
    zone = terms.zone
    listed = capped(
        figures.not_counted,
        lambda item: _not_counted(item, zone, log.display),
        lambda count, status: at_line(
            RULE.finding(status, name, f"and {plural(count, 'more incident')} not counted"),
            log.display,
            None,
        ),
    )
    return [verdict, *listed]


def _verdict(
    figures: MonthAvailability, terms: Availability, review: ServiceReview, today: dt.date
) -> Finding:
    name = month_name(figures.month)
    share = decimal(figures.availability * 100, SHARE_PLACES)
    text = (
        f"availability {share} % (target {terms.target_percent} %): "
        f"{duration(figures.counted)} of downtime counted "
        f"({plural(len(figures.downtimes), 'downtime')}{_counted_incidents(figures, terms)}), "
        f"{duration(figures.allowed)} allowed{_deducted_note(figures)}"
        f"{_not_counted_note(figures)}{_credit_text(figures, terms, review)}"
    )
    if not figures.met:
        return RULE.failed(name, f"{name}: {text}", _hint(figures, terms))
    if not month_over(figures.month, today):
        return RULE.warned(name, f"{name} so far (the month is not over): {text}")
    return RULE.passed(name, f"{name}: {text}")


def _counted_incidents(figures: MonthAvailability, terms: Availability) -> str:
    """`: INC-2, INC-5`: the incidents counted, the first few by name."""
    labels = [incident_label(i, terms.zone) for d in figures.downtimes for i in d.incidents]
    if not labels:
        return ""
    shown = ", ".join(labels[:MAX_COUNTED_NAMED])
    more = len(labels) - MAX_COUNTED_NAMED
    return f": {shown}" + (f" and {more} more" if more > 0 else "")


def _deducted_note(figures: MonthAvailability) -> str:
    if not figures.deducted:
        return ""
    return f" (in the month less {duration(figures.deducted)} of maintenance announced in time)"


def _not_counted_note(figures: MonthAvailability) -> str:
    count = len(figures.not_counted)
    return f"; {plural(count, 'incident')} not counted" if count else ""


def _credit_text(figures: MonthAvailability, terms: Availability, review: ServiceReview) -> str:
    credit, scheme = figures.credit, terms.credit
    if credit is None or scheme is None:
        return ""
    period = f"{scheme.period_minutes}-minute period"
    full = "started" if (review.periods or scheme.periods) is PeriodCount.STARTED else "full"
    beyond = f"{duration(credit.beyond)} beyond the {scheme.allowance_percent} % allowance"
    if credit.periods == 0:
        return f"; no credit ({beyond}: less than one {full} {period})"
    amount = f" = {_money(review.fee, credit.percent)}" if review.fee is not None else ""
    cap = f", capped at {scheme.cap_percent} %" if credit.capped else ""
    return (
        f"; credit {credit.percent} % of the monthly fee{amount} "
        f"({beyond}: {plural(credit.periods, f'{full} {period}')}{cap})"
    )


def _money(fee: Decimal, percent: Decimal) -> str:
    amount = (fee * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return f"{amount:,.2f}"


def _hint(figures: MonthAvailability, terms: Availability) -> str:
    credit = figures.credit
    if credit is not None and credit.percent > 0 and terms.claim is not None:
        return (
            f"claim the credit of {credit.percent} % from the provider within "
            f"{terms.claim.within_days} days after each downtime ended (sla.claim gives each "
            "last day), with the incident log as evidence"
        )
    return "keep the incident log as evidence and raise the missed target with the provider" + (
        "; no credit is due for this month yet" if credit is not None else ""
    )


def _not_counted(item: NotCounted, zone: dt.tzinfo, log: str) -> Finding:
    incident = item.incident
    label = incident_label(incident, zone)
    finding = RULE.skipped(label, f"{duration(_length(item))} not counted: {item.reason}")
    return at_line(finding, log, incident.line)


def _length(item: NotCounted) -> Fraction:
    return Span(item.incident.start, item.incident.end).seconds


RULE = Rule(
    id="sla.availability",
    title="Availability of the billing month at or above the provider's target",
    checks=(
        "availability of the billing month (incidents merged, split at month ends, excluded "
        "causes and maintenance announced in time not counted) at or above the target: seed "
        "003 99.99 % with a credit of 5 % per full 30 minutes beyond 0.01 %, at most 100 %; "
        "seed 004 99.5 % of the month less announced maintenance, only critical disruptions, "
        "not those of the customer's own components"
    ),
    obligation="Mailgun garantiert, dass die Dienste (d. h. einige oder alle der auf unserer "
    "Statusseite aufgeführten API-, SMTP- und Outbound-Lieferdienste) in 99,99 % der Zeit in "
    "einem bestimmten monatlichen Abrechnungszeitraum verfügbar sind, ausgenommen "
    "Wartungsdienste. … Gutschrift von 5 % Ihrer angegebenen monatlichen Gebühr für die "
    "Dienste für jede dreißig (30)-minütige Nichtverfügbarkeit der Dienste (nach den ersten "
    "0,01 %) in einem bestimmten monatlichen Zeitraum. (seed 003) — United Planet gewährleistet "
    "eine Verfügbarkeit der IntrexX PaaS Instanz von 99,5% im Monatsdurchschnitt nach Abzug der "
    "geplanten und zuvor mitgeteilten Wartungszeiten. … Als Ausfallzeiten gelten nur Störungen "
    "der Supportstufe „Kritische Störung“ (seed 004, 2.4.5)",
    source="seed 003, 3.1 Dienstverfügbarkeit, 3.2 Geplante Wartungszeiträume, "
    "3.3 Gutschriftbeschränkungen; seed 004, 2.4.3 Wartung und Ausfallzeiten, 2.4.5 "
    "Verfügbarkeit (or the terms given with --terms)",
    check=check,
    doc=__doc__ or "",
    subject=Subject.MONTH,
    inputs=frozenset({Input.INCIDENT_LOG, Input.SERVICE_TERMS}),
)
