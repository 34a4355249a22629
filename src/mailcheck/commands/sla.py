"""`mailcheck sla`: judge a provider by its terms: availability, credits and claims from an
incident log, reaction times from a ticket log.

`--terms` names the bundled terms of a seed (`002`, `003`, `004`) or a terms file (the format:
`mailcheck.sla.terms`). `--incidents` runs the rules that judge an incident log (for the billing
month `--month`, default the month before `--today`; `--fee` gives the credit's amount,
`--started-periods` counts every period begun), `--tickets` those that judge a ticket log
(`--package` names the customer's support package where the terms key reaction times by it);
both may be given. The terms and logs are read, and the logs checked for what the terms need of
them (`mailcheck.sla.fit`), before any rule runs, so every problem in them ends the run with
exit 2, all of them said.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from mailcheck.commands._options import ReportOptions, Selection
from mailcheck.commands._report import write_report
from mailcheck.core.errors import InputError, combined, quote
from mailcheck.core.findings import Finding
from mailcheck.core.report import Note
from mailcheck.dnsclient import Resolver
from mailcheck.engine.checker import run_rule
from mailcheck.engine.settings import RunSettings
from mailcheck.rules import incident_rules, ticket_rules
from mailcheck.rules.base import Rule
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet, Sheet
from mailcheck.sla.fit import incident_problems as incidents_unfit
from mailcheck.sla.fit import ticket_problems as tickets_unfit
from mailcheck.sla.incidents import collect_incidents
from mailcheck.sla.review import ServiceReview
from mailcheck.sla.terms import LoadedTerms, PeriodCount, load_terms
from mailcheck.sla.tickets import collect_tickets
from mailcheck.sla.timezones import FIRST_YEAR, LAST_YEAR

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MAX_FEE = Decimal(10) ** 12


@dataclass(frozen=True)
class SlaOptions:
    """What `mailcheck sla` judges: the terms, the logs, the billing month and the fee."""

    terms: str
    incidents: Path | None = None
    tickets: Path | None = None
    month: str | None = None
    fee: str | None = None
    started_periods: bool = False
    package: str | None = None


def run_sla(
    options: SlaOptions, settings: RunSettings, report: ReportOptions, selection: Selection
) -> int:
    if options.incidents is None and options.tickets is None:
        raise InputError("give an incident log (--incidents) or a ticket log (--tickets)")
    rules = sla_rules(options, selection)
    review = _review(options)
    ctx = Context(dns=_no_dns(), today=settings.today, review=review)
    findings = asyncio.run(_check(rules, ctx))
    return write_report(findings, settings, report, notes=_unused(options, review.terms))


def _unused(options: SlaOptions, terms: LoadedTerms) -> list[Note]:
    """Options the terms give nothing to do: said, not silently ignored."""
    availability = terms.terms.availability
    if availability is not None and availability.credit is not None:
        return []
    asked = {"--fee": options.fee is not None, "--started-periods": options.started_periods}
    given = [option for option, used in asked.items() if used]
    if not given:
        return []
    said = " and ".join(given)
    why = f"these terms promise no credit for downtime (availability.credit): {said} change nothing"
    return [Note(terms.name, None, why)]


def _review(options: SlaOptions) -> ServiceReview:
    """The terms and logs the rules judge; every problem with them (an entry that cannot be
    read, one that lacks what the terms need of it) is an input error, all of them at once."""
    month = parse_month(options.month) if options.month else None
    fee = parse_fee(options.fee) if options.fee is not None else None
    terms = _terms(options.terms)
    incidents, unread = collect_incidents(options.incidents) if options.incidents else (None, [])
    tickets, more = collect_tickets(options.tickets) if options.tickets else (None, [])
    review = ServiceReview(
        terms=terms,
        incidents=incidents,
        tickets=tickets,
        month=month,
        fee=fee,
        periods=PeriodCount.STARTED if options.started_periods else None,
        package=options.package,
    )
    problems = [
        *unread,
        *more,
        *(incidents_unfit(incidents, review.terms) if incidents else []),
        *(tickets_unfit(tickets, review.terms, review.package) if tickets else []),
    ]
    if problems:
        first = incidents.display if incidents else None
        raise combined(
            sorted(problems, key=lambda e: (e.file is not None, e.file != first, e.line or 0))
        )
    return review


def sla_rules(options: SlaOptions, selection: Selection) -> list[Rule]:
    """The selected rules that judge the logs given."""
    wanted = set()
    if options.incidents is not None:
        wanted |= {rule.id for rule in incident_rules()}
    if options.tickets is not None:
        wanted |= {rule.id for rule in ticket_rules()}
    rules = [rule for rule in selection.rules() if rule.id in wanted]
    if not rules:
        option = "--select" if selection.select else "--ignore"
        raise InputError("no rule judging the given logs is left to run", key=option)
    return rules


def _terms(name: str) -> LoadedTerms:
    try:
        return load_terms(name)
    except InputError as exc:
        if exc.file is None:  # not a file's problem: the option's
            raise InputError(exc.problem, key="--terms") from None
        raise


def parse_month(text: str) -> dt.date:
    """`2026-03` -> 2026-03-01; an input error naming `--month` otherwise."""
    match = MONTH.match(text.strip())
    year, month = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
        raise InputError(f"not a month: {quote(text)}; write YYYY-MM", key="--month")
    return dt.date(year, month, 1)


def parse_fee(text: str) -> Decimal:
    """The monthly fee: a plain number (`1200`, `1200.50`), zero or more."""
    try:
        fee = Decimal(text.strip())
    except InvalidOperation:
        fee = Decimal(-1)
    if not fee.is_finite() or fee < 0 or fee > MAX_FEE:
        raise InputError(f"not an amount: {quote(text)}; write e.g. 1200.50", key="--fee")
    return fee


async def _check(rules: Sequence[Rule], ctx: Context) -> list[Finding]:
    blank = LoadedSheet(Sheet(version=1), Path("."), display="")
    results = await asyncio.gather(*(run_rule(rule, blank, ctx) for rule in rules))
    return [finding for found in results for finding in found]


def _no_dns() -> Resolver:
    """These rules ask no DNS: a resolver without zones answers nothing, offline."""
    from mailcheck.dnsclient.zones import ZoneBackend

    return Resolver(ZoneBackend([]))
