"""Sheets checked in this process: loaded, checked a bounded number at a time through one
resolver, each finding located in its sheet.

`check_loaded()` is how `check`, `message`, `domain`, `spf` and `deadlines` check, and
`plan_loaded()` how `plan` checks and makes each sheet's change set; batches
(many sheets or `--format jsonl`, `recheck`, a domain list) go through `mailcheck.engine.batch`,
which checks them in worker processes when there are many.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mailcheck.core.changeset import Plan
from mailcheck.core.compliance import ProfileName, ProfileVerdict
from mailcheck.core.errors import InputError, raise_all
from mailcheck.core.findings import Finding
from mailcheck.core.milestones import Milestone
from mailcheck.core.report import Note
from mailcheck.dnsclient.resolver import Backend
from mailcheck.engine.checker import (
    Tick,
    check_and_plan,
    check_sheet,
    load_sheet_for_rules,
    unused_exemptions,
)
from mailcheck.engine.locate import locate_findings
from mailcheck.engine.profile_verdicts import judge_sheet
from mailcheck.engine.settings import RunSettings
from mailcheck.http.fetch import FetchSettings
from mailcheck.http.probe import ProbeSettings
from mailcheck.rules.base import Rule
from mailcheck.rules.context import Context, build_resolver
from mailcheck.sheet.due_dates import milestones
from mailcheck.sheet.model import LoadedSheet
from mailcheck.smtp.starttls import SmtpSettings
from mailcheck.state import DnsSource

MAX_SHEETS_AT_ONCE = 16  # bounds the DNS questions in flight when cron re-checks many customers


@dataclass(frozen=True)
class CheckedSheet:
    sheet: LoadedSheet
    findings: list[Finding]
    checked_at: dt.datetime
    dns: DnsSource = field(default_factory=DnsSource)  # where the answers came from, for recheck
    compliance: tuple[ProfileVerdict, ...] = ()
    """The sheet's profiles (the run's and its own `profiles:`), judged from its findings."""
    plan: Plan | None = None
    """The sheet's change set, made from its findings as they were checked."""
    queries: int = 0
    """DNS queries sent for it, where a batch counted them (see `batchitems.Done.queries`)."""


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def load_sheets(paths: Sequence[Path]) -> list[LoadedSheet]:
    """Load every sheet, each file once: `a.yaml` and `./a.yaml` are one sheet, checked and
    recorded once. The input errors of all the sheets are reported together, before any
    question is asked."""
    seen: set[Path] = set()
    unique = []
    for path in paths:
        if path.resolve() not in seen:  # the first spelling given wins
            seen.add(path.resolve())
            unique.append(path)
    sheets, errors = [], []
    for path in unique:
        try:
            sheets.append(load_sheet_for_rules(path))
        except InputError as exc:
            errors.append(exc)
    raise_all(errors)
    return sheets


def check_loaded(
    sheets: Sequence[LoadedSheet],
    rules: Sequence[Rule],
    settings: RunSettings,
    on_done: Callable[[CheckedSheet], None] | None = None,
    tick: Tick | None = None,
    ctx: Context | None = None,
) -> list[CheckedSheet]:
    """Check loaded sheets, at most `MAX_SHEETS_AT_ONCE` at a time, in the given order;
    `tick` is told of each rule done on a sheet (a progress bar's unit); `ctx`: the context to
    check in (its resolver counts the queries), else a new one."""
    ctx = ctx or build_context(settings)
    dns, profiles = settings.dns.source, settings.profiles
    return asyncio.run(_check_all(sheets, rules, ctx, dns, on_done, profiles, tick))


def build_context(settings: RunSettings, backend: Backend | None = None) -> Context:
    """The context of a run; `backend`: DNS answers from one made before (see
    `build_resolver`)."""
    dns, limits = settings.dns, settings.limits
    resolver = build_resolver(
        dns.zones, dns.nameservers, dns.timeout, limits.concurrency, limits.ends_at, backend
    )
    probing = settings.probing
    probe = ProbeSettings(
        enabled=probing.unsubscribe, allow_private=probing.allow_private, deadline=dns.timeout
    )
    smtp = SmtpSettings(
        enabled=probing.smtp,
        allow_private=probing.allow_private,
        port=probing.smtp_port,
        host_deadline=probing.smtp_timeout,
        ends_at=limits.ends_at,
    )
    fetch = FetchSettings(
        allow_private=probing.allow_private,
        deadline=dns.timeout,
        verify=_https_trust(settings.ca_file),
    )
    return Context(
        dns=resolver,
        today=settings.today,
        probe=probe,
        smtp=smtp,
        fetch=fetch,
        ca_file=settings.ca_file,
        trust_anchors=settings.trust_anchors,
        recipients=settings.recipients,
    )


def _https_trust(ca_file: Path | None) -> ssl.SSLContext | None:
    """`--ca-file` trusted by the HTTPS fetches (MTA-STS policy, BIMI files) as by the STARTTLS
    probe, so a policy served under a private CA can be judged; None: the system's roots."""
    return ssl.create_default_context(cafile=str(ca_file)) if ca_file else None


async def check_located(
    sheet: LoadedSheet, rules: Sequence[Rule], ctx: Context, tick: Tick | None = None
) -> list[Finding]:
    """One sheet's findings, each pointing at the sheet line that declares its subject."""
    return locate_findings(await check_sheet(sheet, rules, ctx, tick), [sheet])


async def check_located_and_plan(
    sheet: LoadedSheet, rules: Sequence[Rule], ctx: Context, tick: Tick | None = None
) -> tuple[list[Finding], Plan]:
    """One sheet's located findings and its change set."""
    findings, plan = await check_and_plan(sheet, rules, ctx, tick)
    return locate_findings(findings, [sheet]), plan


async def _check_all(
    sheets: Sequence[LoadedSheet],
    rules: Sequence[Rule],
    ctx: Context,
    dns: DnsSource,
    on_done: Callable[[CheckedSheet], None] | None,
    profiles: Sequence[ProfileName] = (),
    tick: Tick | None = None,
) -> list[CheckedSheet]:
    limit = asyncio.Semaphore(MAX_SHEETS_AT_ONCE)
    rules_run = frozenset(rule.id for rule in rules)

    async def one(sheet: LoadedSheet) -> CheckedSheet:
        async with limit:
            found, plan = await check_located_and_plan(sheet, rules, ctx, tick)
            compliance = judge_sheet(sheet, found, rules_run, profiles)
            checked = CheckedSheet(sheet, found, now(), dns, compliance, plan)
        if on_done:
            on_done(checked)
        return checked

    return list(await asyncio.gather(*(one(sheet) for sheet in sheets)))


@dataclass(frozen=True)
class PlannedSheet:
    """A sheet's findings and its change set."""

    sheet: LoadedSheet
    findings: list[Finding]
    plan: Plan


def plan_loaded(
    sheets: Sequence[LoadedSheet],
    rules: Sequence[Rule],
    settings: RunSettings,
    tick: Tick | None = None,
) -> list[PlannedSheet]:
    """Check loaded sheets and make each one's change set, in the given order; `tick` is told
    of each rule done on a sheet."""
    ctx = build_context(settings)
    return asyncio.run(_plan_all(sheets, rules, ctx, tick))


async def _plan_all(
    sheets: Sequence[LoadedSheet], rules: Sequence[Rule], ctx: Context, tick: Tick | None
) -> list[PlannedSheet]:
    limit = asyncio.Semaphore(MAX_SHEETS_AT_ONCE)

    async def one(sheet: LoadedSheet) -> PlannedSheet:
        async with limit:
            findings, plan = await check_located_and_plan(sheet, rules, ctx, tick)
        return PlannedSheet(sheet, findings, plan)

    return list(await asyncio.gather(*(one(sheet) for sheet in sheets)))


def all_findings(results: Sequence[CheckedSheet]) -> list[Finding]:
    return [f for result in results for f in result.findings]


def all_compliance(results: Sequence[CheckedSheet]) -> list[ProfileVerdict]:
    return [verdict for result in results for verdict in result.compliance]


def all_plans(results: Sequence[CheckedSheet]) -> list[Plan]:
    return [result.plan for result in results if result.plan is not None]


def all_milestones(sheets: Sequence[LoadedSheet]) -> list[Milestone]:
    """The dated events and due dates of the sheets that come from a file, sheet by sheet."""
    return [
        m for sheet in sheets if sheet.from_file for m in milestones(sheet.sheet, sheet.display)
    ]


def exemption_notes(results: Sequence[CheckedSheet]) -> list[Note]:
    """Exemptions that matched no finding of their rule: most likely a typo in the subject."""
    return [note for result in results for note in sheet_notes(result.sheet, result.findings)]


def sheet_notes(sheet: LoadedSheet, findings: Sequence[Finding]) -> list[Note]:
    """The exemptions of one checked sheet that matched no finding."""
    return [
        Note(
            sheet.display,
            sheet.line_of("exemptions", index),
            f"the exemption of {exemption.rule} for {exemption.subject!r} matched no finding",
        )
        for index, exemption in unused_exemptions(sheet.sheet.exemptions, findings)
    ]
