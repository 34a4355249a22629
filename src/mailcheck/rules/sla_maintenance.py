"""Each maintenance of the billing month was announced with the notice the terms promise, and
which of them count as downtime, and why.

Seed 004 (2.4.3) knows three kinds of maintenance. Monthly maintenance takes place on the first
Tuesday of the month from 17:00 (German legal time), with a reminder by e-mail "spätestens 7
Tage im Voraus". Critical planned maintenance is announced "72 Stunden im Voraus per E-Mail".
"Ungeplante Ausfallzeit ist jeder Verlust der Verfügbarkeit des Produktionssystems, der nicht
mindestens 72 Stunden im Voraus dem Kunden angekündigt wird", and it counts against the 99.5 %
(2.4.5 deducts only "geplanten und zuvor mitgeteilten Wartungszeiten").

For each maintenance entry of the incident log (`cause: maintenance`) that overlaps the billing
month (`mailcheck sla --terms 004 --incidents LOG --month 2026-05`), its `announced` instant is
compared with its start: announced at least 72 hours ahead (exactly 72 hours is in time), it is
planned maintenance and not downtime (`pass`); announced later — 71 hours ahead, after it
began — or not at all, it is unplanned downtime that `sla.availability` counts (`fail`). A
maintenance that starts in the monthly window (on the month's first Tuesday, at or after 17:00)
is also held to its reminder: a reminder later than 7 days ahead (at the same local time seven
days before) breaks that promise (`fail`), and the maintenance still counts only when the
reminder came later than 72 hours ahead, as 2.4.3.3 defines unplanned downtime by the 72 hours
alone. Each message says whether the maintenance was counted as downtime, and why.

Other terms state their own notice (`maintenance.notice`) and windows (`maintenance.windows`).
Skipped without an incident log, for terms that promise no notice for maintenance (seed 003
excludes maintenance announced before it began and promises no notice: `sla.availability` lists
it), for a month that has not begun, and for a month without maintenance.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from mailcheck.core.findings import Finding, Status
from mailcheck.core.wording import plural
from mailcheck.rules._listing import capped
from mailcheck.rules._sla import (
    at_line,
    duration,
    incident_label,
    incidents_or_skip,
    month_name,
    not_begun,
)
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet
from mailcheck.sla.downtime import Span, month_bounds
from mailcheck.sla.incidents import Incident
from mailcheck.sla.maintenance import MaintenanceNotice, judge_notice, maintenance_in
from mailcheck.sla.terms import Availability, MaintenanceRule
from mailcheck.sla.timezones import shown


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    found = incidents_or_skip(RULE, ctx, seed="004")
    if isinstance(found, Finding):
        return [found]
    review, log, terms, month = found
    name = month_name(month)
    if not terms.maintenance.judged:
        why = (
            "the terms count every maintenance as downtime"
            if terms.maintenance.excluded is MaintenanceRule.NEVER
            else "the terms promise no notice for maintenance"
        )
        return [RULE.skipped(review.terms.name, why)]
    if not_begun(month, ctx.today):
        return [RULE.skipped(name, f"{name} has not begun (today is {ctx.today})")]
    entries = maintenance_in(log.incidents, month_bounds(month, terms.zone))
    if not entries:
        skipped = RULE.skipped(name, f"no maintenance in {name}")
        return [at_line(skipped, log.display, None)]
    notices = Notices(terms, log.display)
    return capped(
        entries,
        notices.judge,
        lambda count, status: at_line(
            RULE.finding(
                status,
                name,
                f"and {plural(count, 'more maintenance')} ({status.value})",
                notices.hint if status is Status.FAIL else None,
            ),
            log.display,
            None,
        ),
    )


class Notices:
    """Judges each maintenance's notice against the terms."""

    def __init__(self, terms: Availability, log: str) -> None:
        self.terms = terms
        self.zone = terms.zone
        self.log = log
        self.hint = (
            "keep the announcement e-mails (or their absence) as evidence: maintenance without "
            "the promised notice counts against the availability target (sla.availability)"
        )

    def judge(self, incident: Incident) -> Finding:
        notice = judge_notice(incident, self.terms)
        label = incident_label(incident, self.zone)
        text = f"{self._what(notice)}: {self._announced(notice)}; {self._counted(notice)}"
        finding = RULE.passed(label, text) if notice.kept else RULE.failed(label, text, self.hint)
        return at_line(finding, self.log, incident.line)

    def _what(self, notice: MaintenanceNotice) -> str:
        incident = notice.incident
        length = duration(Span(incident.start, incident.end).seconds)
        when = f"{length} of maintenance from {shown(incident.start, self.zone)}"
        window = notice.window
        return f"{when}, in the {window.name} window" if window is not None else when

    def _announced(self, notice: MaintenanceNotice) -> str:
        incident = notice.incident
        if incident.announced is None:
            return "never announced"
        if incident.announced >= incident.start:
            return f"announced {shown(incident.announced, self.zone)}, after it began"
        ahead = _ahead(Span(incident.announced, incident.start).seconds)
        promised = self._promised(notice)
        return f"announced {ahead} ahead ({promised})"

    def _promised(self, notice: MaintenanceNotice) -> str:
        parts = []
        least = self.terms.maintenance.least_notice
        if least is not None:
            parts.append(f"at least {least} promised")
        window = notice.window
        if window is not None and window.reminder_notice is not None:
            late = "late" if notice.reminder_late else "in time"
            parts.append(
                f"the {window.name} window's reminder at least {window.reminder_notice} ahead: "
                f"{late}"
            )
        return "; ".join(parts) or "before it began"

    def _counted(self, notice: MaintenanceNotice) -> str:
        if notice.counted:
            return "unplanned downtime: counted"
        if notice.reminder_late:
            least = self.terms.maintenance.least_notice
            when = f"at least {least} ahead" if least is not None else "before it began"
            return f"not counted as downtime: announced {when}"
        return "planned maintenance: not counted as downtime"


def _ahead(seconds: Fraction) -> str:
    """`71 h`, `200 h (8 d 8 h)`: in hours, as notices of hours are written, and in days."""
    hours = duration(seconds)
    days, rest = divmod(int(seconds), 86_400)
    return f"{hours} ({days} d {rest // 3600} h)" if days >= 2 else hours


RULE = Rule(
    id="sla.maintenance",
    title="Maintenance announced with the promised notice; late or unannounced maintenance "
    "counts as downtime",
    checks=(
        "each maintenance of the billing month announced as the terms promise (seed 004: the "
        "monthly window on the first Tuesday from 17:00 with a reminder at least 7 days ahead; "
        "any maintenance at least 72 h ahead); announced later or never, it counts as downtime"
    ),
    obligation="Die monatlichen Wartungsarbeiten finden am ersten Dienstag eines Monats ab 17 "
    "Uhr statt. … Eine Erinnerung wird spätestens 7 Tage im Voraus per E-Mail an den "
    "Systemverantwortlichen gesendet. … Diese Aktivitäten werden dem Kunden 72 Stunden im "
    "Voraus per E-Mail angekündigt. … Ungeplante Ausfallzeit ist jeder Verlust der "
    "Verfügbarkeit des Produktionssystems, der nicht mindestens 72 Stunden im Voraus dem Kunden "
    "angekündigt wird. … Diese Arten von Ausfallzeiten werden auf das Betriebszeit-SLA des "
    "Kunden angerechnet.",
    source="seed 004, 2.4.3 Wartung und Ausfallzeiten (2.4.3.1 Monatlich, 2.4.3.2 Kritisch "
    "geplant, 2.4.3.3 Ungeplant), 2.4.5 Verfügbarkeit (or the terms given with --terms)",
    check=check,
    doc=__doc__ or "",
    subject=Subject.INCIDENT,
    inputs=frozenset({Input.INCIDENT_LOG, Input.SERVICE_TERMS}),
)
