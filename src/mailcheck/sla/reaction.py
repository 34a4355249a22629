"""A ticket's reaction time against the terms' reaction table.

The row that applies is the one whose keys match the ticket: its channel, or its package (the
ticket's own, else the one given for the whole log) and severity, as the terms name them. The
time from the ticket's opening to its first qualified answer is counted inside the support
hours (`ServiceClock`), or around the clock where the row says `clock: always` (seed 004, 6.4:
critical tickets of Premium customers). A ticket without an answer is counted up to the moment
it is judged at. A row with a limit decides in time or late (a `<` limit strictly); a row of no
figure ("Vertretbarer Aufwand") and a ticket no row matches are only counted.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from fractions import Fraction

from mailcheck.sla.downtime import Span
from mailcheck.sla.durations import ReactionLimit
from mailcheck.sla.service_hours import ServiceClock
from mailcheck.sla.terms import Reaction, ReactionClock, ServiceTerms, Support, row_key
from mailcheck.sla.tickets import Ticket
from mailcheck.sla.vocabulary import plain


class ReactionOutcome(enum.StrEnum):
    IN_TIME = "in_time"  # answered within the limit
    LATE = "late"  # answered after it, or unanswered past it
    OPEN = "open"  # unanswered, the limit not yet passed
    NO_FIGURE = "no_figure"  # the row's promise has no figure: counted, not judged
    NO_ROW = "no_row"  # no row of the table matches the ticket: counted, not judged


@dataclass(frozen=True)
class ReactionVerdict:
    ticket: Ticket
    row: Reaction | None
    counted: Fraction  # seconds on the clock, from the opening to the answer (or `end`)
    end: dt.datetime  # the answer, or the moment an unanswered ticket is judged at
    outcome: ReactionOutcome

    @property
    def limit(self) -> ReactionLimit | None:
        return self.row.parsed if self.row is not None else None

    @property
    def around_the_clock(self) -> bool:
        return self.row is not None and self.row.clock is ReactionClock.ALWAYS


class ReactionTable:
    """Judges tickets by one set of terms, for a customer of `package` (None: each ticket's)."""

    def __init__(
        self, terms: ServiceTerms, support: Support, package: str | None, judged_at: dt.datetime
    ) -> None:
        self.terms = terms
        self.clock = ServiceClock(support)
        self.keyed_by = support.keyed_by
        self.rows = {row_key(row): row for row in support.reaction}
        self.package = package
        self.judged_at = judged_at

    def row_for(self, ticket: Ticket) -> Reaction | None:
        return self.rows.get(self.key_of(ticket))

    def key_of(self, ticket: Ticket) -> tuple[str, ...]:
        """The ticket's values of the table's keys, compared as the rows' are."""
        package = ticket.package or self.package
        named = {
            "channel": ticket.channel,
            "package": self.terms.package_named(package) if package else None,
            "severity": self.terms.severity_named(ticket.severity) if ticket.severity else None,
        }
        return tuple(
            (value if key == "channel" else plain(value)) if (value := named[key]) else ""
            for key in self.keyed_by
        )

    def judge(self, ticket: Ticket) -> ReactionVerdict:
        row = self.row_for(ticket)
        end = ticket.answered or max(self.judged_at, ticket.opened)
        always = row is not None and row.clock is ReactionClock.ALWAYS
        counted = (
            Span(ticket.opened, end).seconds if always else self.clock.counted(ticket.opened, end)
        )
        return ReactionVerdict(ticket, row, counted, end, _outcome(ticket, row, counted))


def _outcome(ticket: Ticket, row: Reaction | None, counted: Fraction) -> ReactionOutcome:
    if row is None:
        return ReactionOutcome.NO_ROW
    limit = row.parsed
    if limit is None:
        return ReactionOutcome.NO_FIGURE
    if not limit.met_by(counted):
        return ReactionOutcome.LATE
    return ReactionOutcome.IN_TIME if ticket.answered is not None else ReactionOutcome.OPEN
