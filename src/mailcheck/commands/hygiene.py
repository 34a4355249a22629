"""`mailcheck hygiene`: read delivery reports, run the hygiene and capacity rules, report.

The rules are the registered ones that judge a delivery report (`report_rules`: the hygiene
and capacity rules), narrowed by `--select` / `--ignore`. With `--sheet`, the sheet gives the
contracted capacity, adjusts the role list and exempts findings, and findings name it; without
one they name no sheet. The reports are read before any rule runs, so an unreadable report or a
header without the needed columns ends the run with exit 2; malformed lines are skipped and
reported as notes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mailcheck.commands._options import ReportOptions, Selection, selected_within
from mailcheck.commands._progress import progress
from mailcheck.commands._report import write_report
from mailcheck.core.errors import InputError
from mailcheck.core.findings import Finding
from mailcheck.delivery.analysis import Delivery, DeliveryAnalysis, analyse_reports
from mailcheck.dnsclient import Resolver
from mailcheck.engine.checker import check_sheet, load_sheet_for_rules, run_rule
from mailcheck.engine.locate import locate_findings
from mailcheck.engine.settings import RunSettings
from mailcheck.rules import report_rules
from mailcheck.rules.base import Rule
from mailcheck.rules.context import Context
from mailcheck.rules.sender_role import role_names
from mailcheck.sheet.model import LoadedSheet, RoleSettings, Sheet


@dataclass(frozen=True)
class HygieneOptions:
    """`--sheet` and `--capacity`: what the delivery reports are judged against."""

    sheet: Path | None = None
    capacity_per_hour: int | None = None


def run_hygiene(
    report_paths: Sequence[Path],
    options: HygieneOptions,
    settings: RunSettings,
    report: ReportOptions,
    selection: Selection,
) -> int:
    rules = hygiene_rules(selection)
    sheet = load_sheet_for_rules(options.sheet) if options.sheet else None
    roles = role_names(sheet.sheet.roles if sheet else RoleSettings())
    with progress("lines read", None, report.color) as tick:
        analysis = analyse_reports(report_paths, roles, tick)
    _refuse_unreadable(analysis)
    ctx = Context(
        dns=_no_dns(),
        today=settings.today,
        delivery=Delivery(analysis, options.capacity_per_hour),
    )
    findings = asyncio.run(_check(rules, sheet, ctx))
    located = locate_findings(findings, [sheet] if sheet else [])
    return write_report(located, settings, report, notes=analysis.notes)


def hygiene_rules(selection: Selection) -> list[Rule]:
    return selected_within(selection, report_rules(), "hygiene or capacity")


def _refuse_unreadable(analysis: DeliveryAnalysis) -> None:
    """A report of which no line could be read is the wrong file, not a clean one."""
    if analysis.rows == 0 and analysis.malformed and analysis.notes:
        first = analysis.notes[0]
        raise InputError(
            f"no line of the report could be read; the first: {first.message}",
            file=first.file,
            line=first.line,
        )


async def _check(rules: Sequence[Rule], sheet: LoadedSheet | None, ctx: Context) -> list[Finding]:
    if sheet is not None:
        return await check_sheet(sheet, rules, ctx)
    blank = LoadedSheet(Sheet(version=1), Path("."), display="")
    results = await asyncio.gather(*(run_rule(rule, blank, ctx) for rule in rules))
    return [finding for found in results for finding in found]


def _no_dns() -> Resolver:
    """The hygiene rules ask no DNS: a resolver without zones answers nothing, offline."""
    from mailcheck.dnsclient.zones import ZoneBackend

    return Resolver(ZoneBackend([]))
