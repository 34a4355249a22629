"""Each ticket got its first qualified answer within the reaction time of its channel, counted
only inside the support hours.

From a ticket log and the provider's terms (`mailcheck sla --terms 002 --tickets LOG`): the
time from a ticket's opening to its first answer is counted only inside the terms' support
hours; outside them the clock stops. Seed 002 (Abbildung 1 and 3): Monday to Friday 07:00-19:00
Luxembourg time, except Luxembourg's public holidays ("außer an geschäftsfreien Tagen"); phone
and customer portal < 15 minutes, e-mail < 30 minutes ("<": exactly 15 minutes is late). A
ticket opened on Friday at 18:55 and answered on Monday at 07:20 counts 25 minutes. Seed 004
(5.4, 5.5, 6.4): Monday to Friday 09:00-17:00 "CET", except Baden-Württemberg's public holidays;
"CET" is read as German legal time (Europe/Berlin, CEST in summer: office hours are kept), and
a terms file with `time_zone: "+01:00"` reads it literally. Seed 004's reaction times depend on
the package and the ticket's severity (6.3), which the terms format does not key yet: its
tickets are counted and reported, not judged (`skip`).

One finding per ticket (at most 50 listed per status, the rest counted), pointing at its line:
pass when the answer came within the limit, fail when it came later. A ticket without an answer
is judged at the start of `--today` (midnight in the terms' zone): it fails when its limit had
passed by then, else it warns (still open). A ticket of a channel the terms give no reaction
time for is skipped, with the time counted. Skipped without a ticket log (as in `mailcheck
check`) and for terms without support hours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from mailcheck.core.findings import Finding, Status
from mailcheck.core.sources import cite
from mailcheck.core.wording import plural
from mailcheck.rules._listing import capped
from mailcheck.rules._sla import at_line, duration, tickets_or_skip
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet
from mailcheck.sla.service_hours import ServiceClock
from mailcheck.sla.terms import LoadedTerms, Support
from mailcheck.sla.tickets import Ticket
from mailcheck.sla.timezones import shown
from mailcheck.sla.vocabulary import channel_of

MAX_HOLIDAYS_NAMED = 2


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    found = tickets_or_skip(RULE, ctx)
    if isinstance(found, Finding):
        return [found]
    review, log, support = found
    judge = Reactions(support, review.terms, ctx.today, log.display)
    return capped(
        log.tickets,
        judge.judge,
        lambda count, status: at_line(
            RULE.finding(
                status,
                log.display,
                f"and {plural(count, 'more ticket')} ({status.value})",
                judge.hint if status is Status.FAIL else None,
            ),
            log.display,
            None,
        ),
    )


class Reactions:
    """Judges each ticket's reaction time by the terms' support hours."""

    def __init__(self, support: Support, terms: LoadedTerms, today: dt.date, log: str) -> None:
        self.clock = ServiceClock(support)
        self.terms = terms.name
        self.log = log
        self.zone = support.zone
        self.judged_at = dt.datetime.combine(today, dt.time(), self.zone).astimezone(dt.UTC)
        self.limits = {channel_of(r.channel): r.parsed for r in support.reaction}
        self.hint = (
            f"remind the provider of its reaction times (terms {terms.name}: "
            f"{cite(support.source or terms.terms.source)}) and keep the ticket log as evidence"
        )

    def judge(self, ticket: Ticket) -> Finding:
        end = ticket.answered or max(self.judged_at, ticket.opened)
        counted = self.clock.counted(ticket.opened, end)
        inside = f"{duration(counted)} inside the support hours"
        limit = self.limits.get(ticket.channel)
        if limit is None:
            finding = RULE.skipped(
                ticket.label,
                f"{self._opened(ticket)}: the terms ({self.terms}) give no reaction time for "
                f"channel {ticket.channel!r}; {inside}{self._stopped(ticket, end)}",
            )
        else:
            text = f"{self._opened(ticket)}, {self._answer(ticket)}: {inside} (limit {limit})"
            finding = self._verdict(
                ticket, limit.met_by(counted), text + self._stopped(ticket, end)
            )
        return at_line(finding, self.log, ticket.line)

    def _verdict(self, ticket: Ticket, in_time: bool, text: str) -> Finding:
        if not in_time:
            return RULE.failed(ticket.label, text, self.hint)
        if ticket.answered is None:
            return RULE.warned(ticket.label, f"{text}; still open")
        return RULE.passed(ticket.label, text)

    def _opened(self, ticket: Ticket) -> str:
        return f"{ticket.channel} ticket opened {shown(ticket.opened, self.zone)}"

    def _answer(self, ticket: Ticket) -> str:
        if ticket.answered is not None:
            return f"first answer {shown(ticket.answered, self.zone)}"
        if ticket.opened < self.judged_at:
            return f"no answer by {shown(self.judged_at, self.zone)}"
        return "no answer yet"

    def _stopped(self, ticket: Ticket, end: dt.datetime) -> str:
        """`; no support on 2026-06-23 (National Day)`: the holidays the clock stopped on."""
        first, last = self.clock.local_day(ticket.opened), self.clock.local_day(end)
        named = self.clock.holidays_between(first, last, MAX_HOLIDAYS_NAMED)
        listed = ", ".join(f"{day} ({name})" for day, name in named)
        return f"; no support on {listed}" if named else ""


RULE = Rule(
    id="support.reaction",
    title="Tickets answered within the reaction time, counted inside the support hours",
    checks=(
        "each ticket's first qualified answer within its channel's reaction time, counted only "
        "inside the support hours (seed 002: Mon-Fri 07:00-19:00 Luxembourg time without "
        "Luxembourg holidays, phone and portal < 15 min, e-mail < 30 min)"
    ),
    obligation="Die nachstehende Tabelle gibt Aufschluss über die „Reaktionszeit“ für die "
    "verschiedenen Kommunikationskanäle. Die Anfragen (Vorfälle und Dienstleistungsanfragen) "
    "werden während des Servicefensters des jeweiligen abonnierten Dienstes bearbeitet: "
    "Telefon < 15 Minuten, E-Mail < 30 Minuten, Kundenportal < 15 Minuten; Service-Fenster "
    "Montag bis Freitag, 7:00 Uhr - 19:00 Uhr (außer an geschäftsfreien Tagen).",
    source="seed 002, Customer Service Center, Abbildung 1 and Abbildung 3; seed 004, 5.4, 5.5, "
    "6.4 (or the terms given with --terms)",
    check=check,
    doc=__doc__ or "",
    subject=Subject.TICKET,
    inputs=frozenset({Input.TICKET_LOG, Input.SERVICE_TERMS}),
)
