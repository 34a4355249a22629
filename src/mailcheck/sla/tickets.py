"""The ticket log: each support request's channel, when it was opened, and when the first
qualified answer came.

Fields (CSV columns by any of the spellings below, YAML keys by the first):

- `channel`: phone, email, portal, … (`Telefon`, `E-Mail`, `Kundenportal` too): needed where
  the terms key reaction times by channel;
- `severity`, `package`: the ticket's severity and the customer's package, as the terms name
  them (`critical`, `Kritische Störung`; `premium`, `Premium Flex`): needed where the terms key
  reaction times by them (the package may instead be given for the whole log, `--package`);
- `opened` (required): an instant with a time zone (`2026-03-13T18:55:00+01:00`,
  `2026-03-13 18:55 Europe/Luxembourg`);
- `answered`: the first qualified answer, an instant; empty while none came;
- `id`: the ticket's name in findings (else its line).

Every problem with an entry is an input error at its line; all are reported at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from mailcheck.core.errors import InputError, combined
from mailcheck.sla.logfile import LogEntry, LogLayout, by_line, id_problem, read_log
from mailcheck.sla.timezones import parse_instant
from mailcheck.sla.vocabulary import channel_of, plain

LAYOUT = LogLayout(
    what="ticket log",
    list_key="tickets",
    fields={
        "channel": ("channel", "kanal", "via", "medium", "source"),
        "opened": ("opened", "opened_at", "created", "created_at", "eroeffnet", "geoeffnet",
                   "erstellt", "start"),
        "answered": ("answered", "answered_at", "first_answer", "first_response", "first_reply",
                     "qualified", "qualified_at", "erste_antwort", "antwort", "qualifiziert"),
        "severity": ("severity", "schweregrad", "stufe", "supportstufe", "stoerungsklasse",
                     "priority", "prioritaet"),
        "package": ("package", "paket", "plan", "tier"),
        "id": ("id", "ticket", "ticket_id", "number", "nummer", "ticketnummer", "reference"),
        "note": ("note", "notes", "subject", "betreff", "notiz", "bemerkung"),
    },
    required=frozenset({"opened"}),
    meanings={
        "channel": "phone, email, portal, … (Telefon, E-Mail, Kundenportal): needed where the "
                   "terms key reaction times by channel.",
        "severity": "The ticket's severity as the terms name it (critical, Kritische Störung): "
                    "needed where the terms key reaction times by severity.",
        "package": "The customer's support package as the terms name it (premium, Premium "
                   "Flex), where the terms key reaction times by it; else --package.",
        "opened": "When the ticket was opened: an instant with its zone "
                  "(2026-03-13T18:55:00+01:00, 2026-03-13 18:55 Europe/Luxembourg).",
        "answered": "The first qualified answer, an instant; empty while none came.",
        "id": "The ticket's name in findings (else its line).",
        "note": "Free text, ignored.",
    },
)  # fmt: skip
MAX_ID = 80
MAX_NAME = 40  # a channel, severity or package


@dataclass(frozen=True)
class Ticket:
    line: int
    channel: str | None  # as compared: `email`; None when the log gives none
    opened: dt.datetime  # UTC
    answered: dt.datetime | None  # UTC; None while no answer came
    reference: str | None = None
    severity: str | None = None  # as the log writes it; the terms say which severity it is
    package: str | None = None  # as the log writes it

    @property
    def label(self) -> str:
        return self.reference or f"line {self.line}"


@dataclass(frozen=True)
class TicketLog:
    display: str
    tickets: tuple[Ticket, ...]


def read_tickets(path: Path) -> TicketLog:
    """The ticket log at `path`; every problem is an input error (exit 2), all reported."""
    log, problems = collect_tickets(path)
    if problems:
        raise combined(problems)
    return log


def collect_tickets(path: Path) -> tuple[TicketLog, list[InputError]]:
    """The tickets that can be read, and the problem of each entry that cannot (to be reported
    with what else is wrong). A file that is no ticket log at all is an input error at once."""
    display = str(path)
    entries, problems = read_log(path, LAYOUT)
    tickets = []
    for entry in entries:
        ticket = _ticket(entry, display, problems)
        if ticket is not None:
            tickets.append(ticket)
    return TicketLog(display, tuple(tickets)), by_line(problems)


def _ticket(entry: LogEntry, display: str, problems: list[InputError]) -> Ticket | None:
    def text(name: str) -> str:
        value = entry.values.get(name)
        return "" if value is None else str(value).strip()

    def problem(name: str, what: str) -> None:
        problems.append(InputError(what, file=display, line=entry.line, key=name))

    before = len(problems)
    for name in ("channel", "severity", "package"):
        if len(text(name)) > MAX_NAME or (text(name) and not plain(text(name))):
            problem(name, f"not a {name} name")
    opened = answered = None
    for name in ("opened", "answered"):
        if not text(name):
            if name == "opened":
                problem(name, "missing opened")
            continue
        try:
            moment = parse_instant(text(name))
        except ValueError as exc:
            problem(name, str(exc))
            continue
        opened, answered = (moment, answered) if name == "opened" else (opened, moment)
    if reference_problem := id_problem(text("id"), MAX_ID):
        problem("id", reference_problem)
    if opened is not None and answered is not None and answered < opened:
        problem("answered", "the first answer is before the ticket was opened")
    if len(problems) > before or opened is None:
        return None
    return Ticket(
        entry.line,
        channel_of(text("channel")) or None,
        opened,
        answered,
        text("id") or None,
        text("severity") or None,
        text("package") or None,
    )
