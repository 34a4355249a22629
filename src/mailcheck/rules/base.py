"""What a rule is: metadata (id, title, the obligation and its source, docs) and a check.

The metadata says what the rule is about and what it needs: the commands choose their rules by
it, findings are anchored in the sheet by it, and the deadline clocks read it. Nothing outside
this package reads meaning into a rule id's prefix.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mailcheck.core.findings import Finding, Status
from mailcheck.core.sources import cited_alone, documents_in
from mailcheck.core.urls import redact_text
from mailcheck.core.wording import plural
from mailcheck.sheet.due_dates import Kind as DeadlineKind

if TYPE_CHECKING:
    from mailcheck.rules.context import Context
    from mailcheck.sheet.model import LoadedSheet

Check = Callable[["LoadedSheet", "Context"], Awaitable[Iterable[Finding]]]


class Subject(enum.StrEnum):
    """What a rule's findings name as their subject."""

    OPTION = "option"  # a booked option of the sheet and one of its requirements
    SENDER = "sender"  # a sender address
    DOMAIN = "domain"  # a sender domain
    MAIL_FROM = "mail_from"  # a MAIL FROM (envelope sender) domain
    SELECTOR = "selector"  # a DKIM key's name: `selector._domainkey.domain`
    TRACKING = "tracking"  # the tracking domain
    IP = "ip"  # an IP address mail is sent from (`spf.sending_ips`, `dedicated_ips`)
    SAMPLE = "sample"  # a sample message file
    DATE = "date"  # the sheet date a deadline is counted from
    RECIPIENT = "recipient"  # a recipient or receiving ISP of a delivery report
    INTERVAL = "interval"  # a 5-minute sending interval of a delivery report
    MONTH = "month"  # a billing month of an incident log
    INCIDENT = "incident"  # an incident, or a downtime of merged incidents, of an incident log
    TICKET = "ticket"  # a support ticket of a ticket log
    CERTIFICATE = "certificate"  # the customer's certificate file (`certificate.file`)


class Input(enum.StrEnum):
    """What a rule needs to decide (not what only improves a hint)."""

    SENDERS = "senders"  # the sheet's sender addresses and their domains
    MAIL_FROM = "mail_from"  # the MAIL FROM domains
    DKIM_SELECTORS = "dkim_selectors"  # the DKIM entries' domains and selectors
    SHEET_DETAILS = "sheet_details"  # other entries: options, IPs, keys, roles, tracking, …
    DATES = "dates"  # the sheet's dates, region and working week
    DNS = "dns"
    SAMPLES = "samples"  # sample messages
    HTTPS = "https"  # a request to a server a sample or the domain's DNS names
    SMTP = "smtp"  # a connection to a mail server (`--probe-smtp`)
    RECIPIENTS = "recipients"  # recipient domains (`mailcheck recipients`)
    DELIVERY_REPORT = "delivery_report"  # a provider's delivery report (`mailcheck hygiene`)
    SERVICE_TERMS = "service_terms"  # a provider's terms (`mailcheck sla --terms`)
    INCIDENT_LOG = "incident_log"  # a log of the provider's incidents (`mailcheck sla`)
    TICKET_LOG = "ticket_log"  # a log of support tickets (`mailcheck sla`)
    CERTIFICATE = "certificate"  # the customer's certificate and key files (`certificate:`)


@dataclass(frozen=True)
class Rule:
    """A registered check. `id` is a public contract (SPEC.md): never rename one."""

    id: str
    title: str
    obligation: str  # the obligation enforced, quoted from its source
    source: str
    """Where the obligation comes from: the provider's document by its id and the section
    (`seed 000, Mitwirkungspflichten`), or an RFC clause. People read `cited_source`."""
    check: Check = field(repr=False)
    doc: str = ""  # the rule module's docstring: shown by `mailcheck explain`
    needs_findings: bool = False
    """Run after the sheet's other rules, reading their findings from `ctx.findings`."""
    subject: Subject | None = None
    """What the findings' subjects name; locating a finding in the sheet starts there."""
    inputs: frozenset[Input] = frozenset()
    """What the rule needs: the commands choose their rules by it."""
    deadline: DeadlineKind | None = None
    """The contract deadline the obligation is due by: its clock in `recheck` and `history`."""
    clock: DeadlineKind | None = None
    """The deadline this rule judges (the `deadline.*` rules): reports show it as a deadline."""
    checks: str = ""
    """What the rule checks, in one sentence of plain words: the rule reference's line."""

    @property
    def cited_source(self) -> str:
        """The source as people read it: each document by its name and title."""
        return cited_alone(self.source)

    @property
    def documents(self) -> list[str]:
        """The ids of the provider's documents the source cites (`seed 000`)."""
        return [document.reference for document in documents_in(self.source)]

    @property
    def area(self) -> str:
        """The id's first part (`spf` of `spf.all`): a tag for grouping, never a scope."""
        return self.id.partition(".")[0]

    @property
    def covered_by_dns_deadline(self) -> bool:
        """An SPF or DKIM entry `deadline.dns` judges: due by that deadline, not judging it."""
        return self.deadline is DeadlineKind.DNS and self.clock is None

    @property
    def phase(self) -> str:
        return "after the sheet's other rules" if self.needs_findings else "with the sheet's rules"

    def metadata_text(self) -> str:
        """What the rule is about and needs, as `mailcheck explain` shows it."""
        lines = [
            f"Subject: {self.subject or '-'}",
            f"Needs: {', '.join(sorted(self.inputs)) or '-'}",
            f"Runs: {self.phase}",
        ]
        if self.deadline is not None:
            lines.append(f"Due by: the {_deadline_name(self.deadline)}")
        if self.clock is not None:
            lines.append(f"Judges: the {_deadline_name(self.clock)}")
        return "\n".join(lines)

    def finding(
        self, status: Status, subject: str, message: str, hint: str | None = None
    ) -> Finding:
        # Rules quote URLs from samples and sheets: their secrets go to no report and no store.
        hidden = None if hint is None else redact_text(hint)
        return Finding(self.id, status, subject, redact_text(message), hidden)

    def passed(self, subject: str, message: str) -> Finding:
        return self.finding(Status.PASS, subject, message)

    def failed(self, subject: str, message: str, hint: str) -> Finding:
        return self.finding(Status.FAIL, subject, message, hint)

    def warned(self, subject: str, message: str, hint: str | None = None) -> Finding:
        return self.finding(Status.WARN, subject, message, hint)

    def errored(self, subject: str, message: str) -> Finding:
        return self.finding(Status.ERROR, subject, message)

    def skipped(self, subject: str, message: str) -> Finding:
        return self.finding(Status.SKIP, subject, message)


def _deadline_name(kind: DeadlineKind) -> str:
    return f"{kind} deadline ({plural(kind.days, 'working day')})"
