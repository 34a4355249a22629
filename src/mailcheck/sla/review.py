"""What a run of `mailcheck sla` hands to the rules: the terms, the logs and the month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from mailcheck.sla.incidents import IncidentLog
from mailcheck.sla.terms import LoadedTerms, PeriodCount
from mailcheck.sla.tickets import TicketLog


@dataclass(frozen=True)
class ServiceReview:
    """A provider's terms and the logs judged against them."""

    terms: LoadedTerms
    incidents: IncidentLog | None = None
    tickets: TicketLog | None = None
    month: dt.date | None = None
    """The billing month (its first day) the incident log is judged for."""
    fee: Decimal | None = None
    """The monthly fee, for the credit's amount (None: the credit in percent only)."""
    periods: PeriodCount | None = None
    """How periods of downtime are counted, when not as the terms say."""
    package: str | None = None
    """The customer's support package (`--package`), for tickets that do not name one."""
