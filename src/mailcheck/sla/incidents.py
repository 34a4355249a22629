"""The incident log: when a service was unavailable, which services, why, and whether the
credit was claimed.

Fields (CSV columns by any of the spellings below, YAML keys by the first):

- `start`, `end` (required): instants with a time zone (`2026-03-12T10:00:00+01:00`,
  `2026-03-12 10:00 Europe/Berlin`); `end` after `start`.
- `services`: the services affected (`api; smtp`, a YAML list); empty: every service.
- `cause`: outage (also when empty), maintenance, denial_of_service (`DoS`, `DDoS`), virus,
  hacking, customer_breach, beyond_control (`force majeure`), customer_component (a fault in a
  component the customer built), data_restore, in German or English spellings.
- `severity`: the disruption's severity, as the terms name them (`critical`, `Kritische
  Störung`): needed where the terms count only some severities (checked against the terms).
- `announced`: when maintenance was announced (an instant); maintenance announced in time (before
  it began, or the terms' notice ahead) is not downtime under terms that say so.
- `claimed`: the day the credit was claimed (`2026-04-10`).
- `id`: the incident's name in findings (else its start time).
- `note`: free text, ignored.

Every problem with an entry is an input error at its line; all are reported at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from mailcheck.core.errors import InputError, combined, quote
from mailcheck.sla.logfile import LogEntry, LogLayout, by_line, id_problem, read_log
from mailcheck.sla.timezones import parse_day, parse_instant
from mailcheck.sla.vocabulary import Cause, cause_of, service_of

LAYOUT = LogLayout(
    what="incident log",
    list_key="incidents",
    fields={
        "start": ("start", "begin", "beginn", "started", "started_at", "start_time", "from", "von"),
        "end": ("end", "ende", "ended", "ended_at", "end_time", "resolved", "resolved_at", "until",
                "bis"),
        "services": ("services", "service", "affected", "affected_services", "dienste", "dienst"),
        "cause": ("cause", "ursache", "reason", "grund", "category", "kategorie"),
        "severity": ("severity", "schweregrad", "stufe", "supportstufe", "stoerungsklasse",
                     "priority", "prioritaet"),
        "announced": ("announced", "announced_at", "angekuendigt", "ankuendigung"),
        "claimed": ("claimed", "claimed_on", "claim", "claim_date", "beantragt",
                    "gutschrift_beantragt"),
        "id": ("id", "incident", "incident_id", "reference", "referenz", "nummer"),
        "note": ("note", "notes", "description", "beschreibung", "notiz", "bemerkung"),
    },
    required=frozenset({"start", "end"}),
    meanings={
        "start": "When the service became unavailable: an instant with its zone "
                 "(2026-03-12T10:00:00+01:00, 2026-03-12 10:00 Europe/Berlin).",
        "end": "When it was available again, after the start.",
        "services": "The services affected (api; smtp, or a list); empty: every service.",
        "cause": "outage (also when empty), maintenance, denial_of_service, virus, hacking, "
                 "customer_breach, beyond_control, customer_component or data_restore (German "
                 "and English spellings: DDoS, Wartung, Kundenkomponente).",
        "severity": "The disruption's severity as the terms name it (critical, Kritische "
                    "Störung): needed where the terms count only some severities.",
        "announced": "When maintenance was announced (or its reminder sent): an instant.",
        "claimed": "The day the credit was claimed (2026-04-10).",
        "id": "The incident's name in findings (else its start).",
        "note": "Free text, ignored.",
    },
    lists=frozenset({"services"}),
)  # fmt: skip
MAX_SERVICES = 20
MAX_SERVICE = 40
NO_SERVICES: frozenset[str] = frozenset()  # none named: every service
MAX_ID = 80
MAX_SEVERITY = 40

T = TypeVar("T")


@dataclass(frozen=True)
class Incident:
    line: int
    start: dt.datetime  # UTC
    end: dt.datetime  # UTC
    services: frozenset[str]  # empty: every service
    cause: Cause
    announced: dt.datetime | None = None
    claimed: dt.date | None = None
    reference: str | None = None
    severity: str | None = None  # as the log writes it; the terms say which severity it is


@dataclass(frozen=True)
class IncidentLog:
    display: str
    incidents: tuple[Incident, ...]


def read_incidents(path: Path) -> IncidentLog:
    """The incident log at `path`; every problem is an input error (exit 2), all reported."""
    log, problems = collect_incidents(path)
    if problems:
        raise combined(problems)
    return log


def collect_incidents(path: Path) -> tuple[IncidentLog, list[InputError]]:
    """The incidents that can be read, and the problem of each entry that cannot (to be
    reported with what else is wrong). A file that is no incident log at all is an input error
    at once."""
    display = str(path)
    reader = _EntryReader(display)
    entries, problems = read_log(path, LAYOUT)
    incidents = [incident for entry in entries if (incident := reader.incident(entry))]
    return IncidentLog(display, tuple(incidents)), by_line(problems + reader.problems)


class _EntryReader:
    """Reads entries, collecting every problem instead of stopping at the first."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.problems: list[InputError] = []

    def incident(self, entry: LogEntry) -> Incident | None:
        start = self.field(entry, "start", parse_instant)
        end = self.field(entry, "end", parse_instant)
        cause = self.field(entry, "cause", _cause, default=Cause.OUTAGE)
        services = self.field(entry, "services", _services, default=NO_SERVICES)
        announced = self.field(entry, "announced", parse_instant)
        claimed = self.field(entry, "claimed", parse_day)
        reference = self.field(entry, "id", _reference)
        severity = self.field(entry, "severity", _severity)
        if start is None or end is None or cause is None or services is None:
            return None
        if end <= start:
            self.problem(entry, "end", "the end is not after the start")
            return None
        return Incident(
            entry.line, start, end, services, cause, announced, claimed, reference, severity
        )

    def field(
        self,
        entry: LogEntry,
        name: str,
        parse: Callable[[str], T],
        default: T | None = None,
    ) -> T | None:
        """The field's value parsed; `default` when it is empty (a problem when required)."""
        raw = entry.values.get(name)
        if isinstance(raw, list) and name == "services":
            raw = ";".join(str(item) for item in raw)
        text = "" if raw is None else str(raw).strip()
        if not text:
            if name in LAYOUT.required:
                self.problem(entry, name, f"missing {name}")
            return default
        try:
            return parse(text)
        except ValueError as exc:
            self.problem(entry, name, str(exc))
            return None

    def problem(self, entry: LogEntry, name: str, problem: str) -> None:
        self.problems.append(InputError(problem, file=self.display, line=entry.line, key=name))


def _cause(text: str) -> Cause:
    cause = cause_of(text)
    if cause is None:
        known = ", ".join(c.value for c in Cause)
        raise ValueError(f"unknown cause {quote(text, 40)}; known: {known}")
    return cause


def _services(text: str) -> frozenset[str]:
    names = [service_of(part) for part in text.replace("|", ";").replace(",", ";").split(";")]
    found = frozenset(name for name in names if name)
    if len(found) > MAX_SERVICES or any(len(name) > MAX_SERVICE for name in found):
        raise ValueError(f"at most {MAX_SERVICES} services of at most {MAX_SERVICE} characters")
    return found


def _severity(text: str) -> str:
    if len(text) > MAX_SEVERITY:
        raise ValueError(f"a severity longer than {MAX_SEVERITY} characters")
    return text


def _reference(text: str) -> str:
    problem = id_problem(text, MAX_ID)
    if problem:
        raise ValueError(problem)
    return text
