"""`mailcheck recipients FILE`: which recipient domains would lose mail under enforced TLS.

The domains (a list, or a delivery report's recipients: `mailcheck.engine.recipientfile`) are
read before any question is asked. Each is judged by the recipient rules (`recipient.tls`) on
the sheet given with `--sheet` (whether it books `enforced_tls`) or on a blank one, at most
`PARALLEL_DOMAINS` at a time through one resolver and one memo, so MX hosts that many domains
share (a mailbox provider's) are asked and probed once. A progress bar counts the domains on a
terminal. The report lists the domains whose mail would be aborted first, with their count.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from mailcheck.commands._options import ReportOptions, Selection, selected_within
from mailcheck.commands._progress import progress
from mailcheck.commands._report import write_report
from mailcheck.core.findings import Finding, Status
from mailcheck.core.report import Report
from mailcheck.engine.checker import load_sheet_for_rules, run_rule
from mailcheck.engine.locate import locate_findings
from mailcheck.engine.recipientfile import RecipientDomains, read_recipient_domains
from mailcheck.engine.runner import build_context
from mailcheck.engine.settings import RunSettings
from mailcheck.output import Format, render
from mailcheck.rules import recipient_rules
from mailcheck.rules.base import Rule
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet, Sheet

PARALLEL_DOMAINS = 32
"""Recipient domains judged at once; their MX hosts are probed 16 at a time."""
SHOWN_ABORTED = 20
"""Domains named in the table's headline; the findings list them all."""


def run_recipients(
    file: Path,
    sheet_path: Path | None,
    settings: RunSettings,
    report: ReportOptions,
    selection: Selection,
) -> int:
    rules = selected_within(selection, recipient_rules(), "recipient")
    sheet = load_sheet_for_rules(sheet_path) if sheet_path else None
    recipients = read_recipient_domains(file)
    blank = sheet or LoadedSheet.in_memory(Sheet(version=1), "recipients")
    ctx = build_context(settings)
    with progress("recipient domains", len(recipients.domains), report.color) as tick:
        findings = asyncio.run(_judge_all(recipients.domains, rules, blank, ctx, tick))
    findings = sorted(locate_findings(findings, [sheet] if sheet else []), key=_order)
    renderer = functools.partial(render_with_count, recipients, settings.probing.smtp)
    return write_report(findings, settings, report, renderer, notes=recipients.notes)


def _order(finding: Finding) -> tuple[int, str]:
    """The domains that would lose mail first, then what needs a look, then the rest."""
    return finding.status.rank, finding.subject


async def _judge_all(
    domains: Sequence[str],
    rules: Sequence[Rule],
    sheet: LoadedSheet,
    ctx: Context,
    tick: Callable[[int], None],
) -> list[Finding]:
    """Every domain judged by every rule, `PARALLEL_DOMAINS` at a time: a fixed number of
    workers take the next domain, so a long list never makes a task per domain at once."""
    queue = iter(domains)
    found: list[Finding] = []

    async def worker() -> None:
        for domain in queue:
            one = replace(ctx, recipients=(domain,))
            for rule in rules:
                found.extend(
                    f.with_sheet(sheet.report_name) for f in await run_rule(rule, sheet, one)
                )
            tick(1)

    await asyncio.gather(*(worker() for _ in range(min(PARALLEL_DOMAINS, len(domains)))))
    return found


def aborted(report: Report) -> list[str]:
    """The recipient domains whose mail enforced TLS would abort (their findings fail)."""
    return [f.subject for f in report.findings if f.status is Status.FAIL]


def render_with_count(
    recipients: RecipientDomains,
    probed: bool,
    report: Report,
    fmt: Format,
    stream: TextIO,
    *,
    color: bool | None = None,
    verbose: bool = False,
) -> None:
    lost = aborted(report)
    if fmt is Format.JSON:
        from mailcheck.output.json import as_json, json_text

        summary = {
            "domains": len(recipients.domains),
            "probed": probed,
            "aborted": len(lost),
            "aborted_domains": lost,
            "addresses": {d: recipients.addresses[d] for d in lost if d in recipients.addresses},
        }
        stream.write(json_text({**as_json(report), "recipients": summary}, indent=2) + "\n")
        return
    if fmt is Format.TABLE:
        from mailcheck.output.console import output_width
        from mailcheck.output.layout import wrap

        lines = wrap(headline(recipients, lost, probed), output_width(stream))
        stream.write("\n".join(lines) + "\n\n")
    if fmt is Format.MARKDOWN:
        from mailcheck.output.markdown import as_markdown

        stream.write(as_markdown(report, lead=headline(recipients, lost, probed)))
        return
    if fmt is Format.HTML:
        from mailcheck.output.html import as_html

        stream.write(as_html(report, lead=headline(recipients, lost, probed)))
        return
    render(report, fmt, stream, color=color, verbose=verbose)


def headline(recipients: RecipientDomains, lost: Sequence[str], probed: bool = True) -> str:
    total = len(recipients.domains)
    if not probed:
        return (
            f"{total} recipient domains judged from DNS alone (--dns-only): whether their mail "
            "servers take TLS was not probed."
        )
    if not lost:
        return f"No recipient domain of {total} would lose mail under enforced TLS."
    named = []
    for domain in lost[:SHOWN_ABORTED]:
        count = recipients.addresses.get(domain)
        named.append(f"{domain} ({count} recipients)" if count else domain)
    more = f", and {len(lost) - SHOWN_ABORTED} more" if len(lost) > SHOWN_ABORTED else ""
    return (
        f"{len(lost)} of {total} recipient domains would lose mail under enforced TLS: "
        f"{', '.join(named)}{more}."
    )
