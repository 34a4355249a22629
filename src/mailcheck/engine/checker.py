"""Runs the registered rules on sheets: concurrently, each crash contained, exemptions applied."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from mailcheck.core.changeset import Plan
from mailcheck.core.errors import PROBLEM_LIMIT, clip
from mailcheck.core.findings import Finding, Status
from mailcheck.engine.planner import plan_sheet, with_planned_hints
from mailcheck.rules import REGISTRY
from mailcheck.rules.base import Rule
from mailcheck.rules.context import Context
from mailcheck.sheet.model import Exemption, LoadedSheet, load_sheet

Tick = Callable[[int], None]
"""Told how many more units of a run's work are done (a rule on a sheet is one): progress."""


def load_sheet_for_rules(path: str | Path) -> LoadedSheet:
    """A sheet read by `load_sheet`, whose exemptions also name registered rules (else an
    `InputError`, exit 2). Every command that checks a sheet reads it through here."""
    return load_sheet(path, list(REGISTRY))


async def check_sheet(
    sheet: LoadedSheet, rules: Sequence[Rule], ctx: Context, tick: Tick | None = None
) -> list[Finding]:
    """Every rule's findings for one sheet, in registry order, with exemptions applied, each
    hint showing the sheet's change set where fixes were merged (see `check_and_plan`)."""
    findings, _ = await check_and_plan(sheet, rules, ctx, tick)
    return findings


async def check_and_plan(
    sheet: LoadedSheet, rules: Sequence[Rule], ctx: Context, tick: Tick | None = None
) -> tuple[list[Finding], Plan]:
    """The sheet's findings and its change set: every fix of its findings merged per DNS name
    and type (`mailcheck.engine.planner`), the hints rewritten to show the merged records.

    Two phases: first every ordinary rule concurrently; then the rules with `needs_findings`
    (e.g. `deadline.dns`), which read the first phase's findings from `ctx.findings` and the
    ids of the run's rules and of the registered rules due by the DNS deadline from
    `ctx.rules_run` and `ctx.due_by_dns_deadline`. `tick` is told of each rule done.
    """
    first = [rule for rule in rules if not rule.needs_findings]
    later = [rule for rule in rules if rule.needs_findings]
    found = await _run_phase(sheet, first, ctx, tick)
    seen = tuple(f for rule in first for f in found[rule.id])
    ran = frozenset(rule.id for rule in rules)
    due = tuple(rule.id for rule in REGISTRY.values() if rule.covered_by_dns_deadline)
    later_ctx = replace(ctx, findings=seen, rules_run=ran, due_by_dns_deadline=due)
    found |= await _run_phase(sheet, later, later_ctx, tick)
    findings = [f for rule in rules for f in found[rule.id]]
    plan = await plan_sheet(sheet, findings, ctx)
    return with_planned_hints(findings, plan), plan


async def _run_phase(
    sheet: LoadedSheet, rules: Sequence[Rule], ctx: Context, tick: Tick | None = None
) -> dict[str, list[Finding]]:
    async def run(rule: Rule) -> list[Finding]:
        found = await run_rule(rule, sheet, ctx)
        if tick is not None:
            tick(1)
        return found

    results = await asyncio.gather(*(run(rule) for rule in rules))
    return {
        rule.id: apply_exemptions(
            [f.with_sheet(sheet.report_name) for f in found], sheet.sheet.exemptions
        )
        for rule, found in zip(rules, results, strict=True)
    }


async def run_rule(rule: Rule, sheet: LoadedSheet, ctx: Context) -> list[Finding]:
    """A rule that crashes yields one `error` finding naming it; the run goes on."""
    try:
        return list(await rule.check(sheet, ctx))
    except Exception as exc:
        detail = clip(str(exc), PROBLEM_LIMIT)  # an exception may carry a whole bad value
        message = f"internal error in rule {rule.id}: {type(exc).__name__}: {detail}"
        return [rule.errored(sheet.display, message)]


def apply_exemptions(findings: Iterable[Finding], exemptions: Sequence[Exemption]) -> list[Finding]:
    """Turn findings the sheet exempts (same rule and subject) into `skip`, showing the reason."""
    if not exemptions:
        return list(findings)
    reasons = {(e.rule, subject_key(e.subject)): e.reason for e in exemptions}
    return [_exempt(f, reasons.get((f.rule, subject_key(f.subject)))) for f in findings]


def unused_exemptions(
    exemptions: Sequence[Exemption], findings: Iterable[Finding]
) -> list[tuple[int, Exemption]]:
    """The exemptions (with their index) of rules that ran but matched none of their findings:
    most likely a typo in the subject."""
    findings = list(findings)
    ran = {f.rule for f in findings}
    seen = {(f.rule, subject_key(f.subject)) for f in findings}
    return [
        (index, e)
        for index, e in enumerate(exemptions)
        if e.rule in ran and (e.rule, subject_key(e.subject)) not in seen
    ]


def subject_key(subject: str) -> str:
    """Subjects compare case-insensitively, and sample paths as normalised paths."""
    return os.path.normpath(subject).casefold()


def _exempt(finding: Finding, reason: str | None) -> Finding:
    if reason is None or finding.status is Status.SKIP:
        return finding
    return replace(
        finding,
        status=Status.SKIP,
        message=f"exempted: {reason} (was {finding.status.value}: {finding.message})",
        hint=None,
    )
