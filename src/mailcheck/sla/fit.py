"""What a log must give for the terms it is judged by, checked before any rule runs.

A log is valid on its own (`incidents`, `tickets`), but the terms decide which fields a verdict
needs: terms that count only critical disruptions need each disruption's severity; terms that
key reaction times by package and severity need them for each ticket (the package may be given
for the whole log with `--package`). An entry that lacks one cannot be judged, and must not
silently drop out of a figure: each is an input error (exit 2) at its line, naming what the terms
know.
"""

from __future__ import annotations

from collections.abc import Iterator

from mailcheck.core.errors import InputError, quote
from mailcheck.sla.incidents import Incident, IncidentLog
from mailcheck.sla.terms import Availability, LoadedTerms, Named, ServiceTerms
from mailcheck.sla.tickets import Ticket, TicketLog
from mailcheck.sla.vocabulary import Cause

PACKAGE_OPTION = "--package"


def incident_problems(log: IncidentLog, loaded: LoadedTerms) -> list[InputError]:
    """Each incident whose severity the terms need and the log does not give, or does not
    give as the terms name them."""
    terms, availability = loaded.terms, loaded.terms.availability
    if availability is None or not terms.severities:
        return []
    problems = []
    for incident in log.incidents:
        problem = _severity_problem(incident, availability, loaded)
        if problem:
            problems.append(InputError(problem, file=log.display, line=incident.line,
                                       key="severity"))  # fmt: skip
    return problems


def _severity_problem(incident: Incident, terms: Availability, loaded: LoadedTerms) -> str:
    if incident.severity is not None:
        if loaded.terms.severity_named(incident.severity) is None:
            return _unknown("severity", incident.severity, loaded.name, loaded.terms.severities)
        return ""
    if not counts_by_severity(incident, terms):
        return ""
    counted = " or ".join(terms.counted_severities)
    return (
        f"no severity: the terms ({loaded.name}) count only {counted} disruptions; give one of "
        f"{_names(loaded.terms.severities)}"
    )


def counts_by_severity(incident: Incident, terms: Availability) -> bool:
    """Whether the incident counts or not by its severity: a disruption of a cause the terms
    do not exclude, under terms that count only some severities (maintenance counts by its
    notice)."""
    return (
        bool(terms.counted_severities)
        and incident.cause is not Cause.MAINTENANCE
        and incident.cause not in terms.excluded_causes
    )


def ticket_problems(log: TicketLog, loaded: LoadedTerms, package: str | None) -> list[InputError]:
    """The fields the terms key reaction times by, where tickets lack them or name what the
    terms do not know; `--package` where the terms key by none or do not know it."""
    support = loaded.terms.support
    keyed = support.keyed_by if support is not None else ()
    problems = list(_package_option(package, keyed, loaded))
    if not keyed:
        return problems
    unpackaged = [t for t in log.tickets if t.package is None] if package is None else []
    if "package" in keyed and unpackaged:
        problems.append(_no_package(unpackaged, loaded))
    for ticket in log.tickets:
        for key, problem in _ticket_problems(ticket, keyed, loaded):
            problems.append(InputError(problem, file=log.display, line=ticket.line, key=key))
    return problems


def _package_option(
    package: str | None, keyed: tuple[str, ...], loaded: LoadedTerms
) -> Iterator[InputError]:
    if package is None:
        return
    if "package" not in keyed:
        yield InputError(
            f"the terms ({loaded.name}) give no reaction times by package", key=PACKAGE_OPTION
        )
    elif loaded.terms.package_named(package) is None:
        problem = _unknown("package", package, loaded.name, loaded.terms.packages)
        yield InputError(problem, key=PACKAGE_OPTION)


def _no_package(tickets: list[Ticket], loaded: LoadedTerms) -> InputError:
    first = tickets[0]
    return InputError(
        f"the terms ({loaded.name}) give reaction times by package: give the customer's package "
        f"(one of {_names(loaded.terms.packages)}) with {PACKAGE_OPTION}, or in a package column "
        f"({len(tickets)} ticket{'s' if len(tickets) > 1 else ''} without one, the first at "
        f"line {first.line})",
        key=PACKAGE_OPTION,
    )


def _ticket_problems(
    ticket: Ticket, keyed: tuple[str, ...], loaded: LoadedTerms
) -> Iterator[tuple[str, str]]:
    terms: ServiceTerms = loaded.terms
    if "channel" in keyed and ticket.channel is None:
        yield "channel", f"no channel: the terms ({loaded.name}) give reaction times by channel"
    if "severity" in keyed:
        if ticket.severity is None:
            yield (
                "severity",
                (
                    f"no severity: the terms ({loaded.name}) give reaction times by severity; give "
                    f"one of {_names(terms.severities)}"
                ),
            )
        elif terms.severity_named(ticket.severity) is None:
            yield "severity", _unknown("severity", ticket.severity, loaded.name, terms.severities)
    package = ticket.package
    if "package" in keyed and package is not None and terms.package_named(package) is None:
        yield "package", _unknown("package", package, loaded.name, terms.packages)


def _unknown(what: str, text: str, terms: str, names: tuple[Named, ...]) -> str:
    return f"unknown {what} {quote(text, 40)}: the terms ({terms}) know {_names(names)}"


def _names(names: tuple[Named, ...]) -> str:
    return ", ".join(named.name for named in names) or "none"
