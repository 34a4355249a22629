"""Each ticket got its first qualified answer within the reaction time the terms give it,
counted only inside the support hours (unless the terms say the clock runs around the clock).

From a ticket log and the provider's terms (`mailcheck sla --terms 002 --tickets LOG`): the
time from a ticket's opening to its first answer is counted only inside the terms' support
hours; outside them the clock stops. The reaction time is the row of the terms' table that
matches the ticket — by its channel, or by the customer's package and the ticket's severity.

Seed 002 (Abbildung 1 and 3), by channel: Monday to Friday 07:00-19:00 Luxembourg time, except
Luxembourg's public holidays ("außer an geschäftsfreien Tagen"); phone and customer portal
< 15 minutes, e-mail < 30 minutes ("<": exactly 15 minutes is late). A ticket opened on Friday
at 18:55 and answered on Monday at 07:20 counts 25 minutes.

Seed 004 (5.4-5.6, 6.3, 6.4), by package (`--package`, or a package column) and severity:
critical 24 h / < 4 h / < 2 h / < 1 h for Starter / Advanced / Professional / Premium; major
"Vertretbarer Aufwand" / 24 h / < 8 h / < 4 h; other "Vertretbarer Aufwand" / "Vertretbarer
Aufwand" / 48 h / 24 h. The clock runs Monday to Friday 09:00-17:00 "CET", except
Baden-Württemberg's public holidays; "CET" is read as German legal time (Europe/Berlin, CEST in
summer: office hours are kept; a terms file with `time_zone: "+01:00"` reads it literally).
Critical tickets of Premium customers are counted around the clock ("Dies gilt nicht für
kritische Störungen von Kunden mit einem 24/7 Support"; 5.6 asks the customer to open a ticket
and call the 24/7 hotline: the log's opening is taken as both). Where the table says "<" the
limit is strict; "24 Stunden" is met up to and including 24 hours.

One finding per ticket (at most 50 listed per status, the rest counted), pointing at its line,
naming the minutes counted and the limit: pass when the answer came within the limit, fail when
it came later. A ticket without an answer is judged at the start of `--today` (midnight in the
terms' zone): it fails when its limit had passed by then, else it warns (still open). A row of
no figure ("Vertretbarer Aufwand") is reported with the minutes counted and never judged
(`skip`), and so is a ticket no row matches. Skipped without a ticket log (as in `mailcheck
check`) and for terms without support hours. A ticket log that lacks what the terms key by
(a channel, a severity, the package) is an input error, at its line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from fractions import Fraction

from mailcheck.core.findings import Finding, Status
from mailcheck.core.sources import cite
from mailcheck.core.wording import plural
from mailcheck.rules._listing import capped
from mailcheck.rules._sla import at_line, duration, tickets_or_skip
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet
from mailcheck.sla.reaction import ReactionOutcome, ReactionTable, ReactionVerdict
from mailcheck.sla.review import ServiceReview
from mailcheck.sla.service_hours import ServiceClock
from mailcheck.sla.terms import Support
from mailcheck.sla.tickets import Ticket
from mailcheck.sla.timezones import shown

MAX_HOLIDAYS_NAMED = 2


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    found = tickets_or_skip(RULE, ctx)
    if isinstance(found, Finding):
        return [found]
    review, log, support = found
    judge = Reactions(support, review, ctx.today, log.display)
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
    """Judges each ticket's reaction time by the terms' table and support hours."""

    def __init__(self, support: Support, review: ServiceReview, today: dt.date, log: str) -> None:
        terms = review.terms
        self.zone = support.zone
        judged_at = dt.datetime.combine(today, dt.time(), self.zone).astimezone(dt.UTC)
        self.table = ReactionTable(terms.terms, support, review.package, judged_at)
        self.clock = ServiceClock(support)
        self.terms = terms.name
        self.log = log
        self.hint = (
            f"remind the provider of its reaction times (terms {terms.name}: "
            f"{cite(support.source or terms.terms.source)}) and keep the ticket log as evidence"
        )

    def judge(self, ticket: Ticket) -> Finding:
        verdict = self.table.judge(ticket)
        text = f"{self._opened(ticket)}, {self._answer(ticket)}: {self._counted(verdict)}"
        text += self._stopped(verdict)
        return at_line(self._finding(verdict, text), self.log, ticket.line)

    def _finding(self, verdict: ReactionVerdict, text: str) -> Finding:
        label = verdict.ticket.label
        row = verdict.row
        match verdict.outcome:
            case ReactionOutcome.NO_ROW:
                return RULE.skipped(
                    label, f"{text}; the terms ({self.terms}) give no reaction time for it"
                )
            case ReactionOutcome.NO_FIGURE:
                assert row is not None
                return RULE.skipped(
                    label,
                    f"{text}; the terms ({self.terms}) give {row.label()} no figure "
                    f'("{row.no_figure}"): reported, not judged',
                )
            case ReactionOutcome.LATE:
                return RULE.failed(label, f"{text}; too late", self.hint)
            case ReactionOutcome.OPEN:
                return RULE.warned(label, f"{text}; still open, in time so far")
        return RULE.passed(label, f"{text}; in time")

    def _opened(self, ticket: Ticket) -> str:
        key = self.table.key_of(ticket)
        what = " ".join(part for part in key if part) if any(key) else ""
        return f"{what + ' ' if what else ''}ticket opened {shown(ticket.opened, self.zone)}"

    def _answer(self, ticket: Ticket) -> str:
        if ticket.answered is not None:
            return f"first answer {shown(ticket.answered, self.zone)}"
        if ticket.opened < self.table.judged_at:
            return f"no answer by {shown(self.table.judged_at, self.zone)}"
        return "no answer yet"

    def _counted(self, verdict: ReactionVerdict) -> str:
        exact = minutes(verdict.counted)
        where = "around the clock" if verdict.around_the_clock else "inside the support hours"
        limit = f" (limit {verdict.limit})" if verdict.limit is not None else ""
        return f"{exact} counted {where}{limit}"

    def _stopped(self, verdict: ReactionVerdict) -> str:
        """`; no support on 2026-06-23 (National Day)`: the holidays the clock stopped on."""
        if verdict.around_the_clock:
            return ""
        ticket = verdict.ticket
        first, last = self.clock.local_day(ticket.opened), self.clock.local_day(verdict.end)
        named = self.clock.holidays_between(first, last, MAX_HOLIDAYS_NAMED)
        listed = ", ".join(f"{day} ({name})" for day, name in named)
        return f"; no support on {listed}" if named else ""


def minutes(seconds: Fraction) -> str:
    """`25 min`, `90 min (1 h 30 min)`, `14 min 59 s`: the minutes counted, as the terms'
    limits are written."""
    whole = seconds / 60
    if whole.denominator != 1:
        return duration(seconds)
    return f"{int(whole):,} min" + (f" ({duration(seconds)})" if whole >= 60 else "")


RULE = Rule(
    id="support.reaction",
    title="Tickets answered within the reaction time, counted inside the support hours",
    checks=(
        "each ticket's first qualified answer within the reaction time of its channel (seed "
        "002: phone and portal < 15 min, e-mail < 30 min, Mon-Fri 07:00-19:00 Luxembourg time "
        "without Luxembourg holidays) or of the package and severity (seed 004: Mon-Fri "
        "09:00-17:00 without Baden-Württemberg holidays, Premium critical around the clock; "
        '"Vertretbarer Aufwand" reported, not judged), counted inside the support hours'
    ),
    obligation="Die nachstehende Tabelle gibt Aufschluss über die „Reaktionszeit“ für die "
    "verschiedenen Kommunikationskanäle. Die Anfragen (Vorfälle und Dienstleistungsanfragen) "
    "werden während des Servicefensters des jeweiligen abonnierten Dienstes bearbeitet "
    "(seed 002). — United Planet wird auf ein Ticket … innerhalb der Supportzeiten eine erste "
    "Rückmeldung geben … Außerhalb der Supportzeiten wird die Reaktionszeit gehemmt. Dies gilt "
    "nicht für kritische Störungen von Kunden mit einem 24/7 Support (seed 004, 6.3, 6.4).",
    source="seed 002, Customer Service Center, Abbildung 1 and Abbildung 3; seed 004, 5.4-5.6, "
    "6.3 Reaktionszeiten, 6.4 (or the terms given with --terms)",
    check=check,
    doc=__doc__ or "",
    subject=Subject.TICKET,
    inputs=frozenset({Input.TICKET_LOG, Input.SERVICE_TERMS}),
)
