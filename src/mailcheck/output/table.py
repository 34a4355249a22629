"""The default human report: a rich table grouped by obligation, failures first, with fixes."""

from __future__ import annotations

import textwrap
from collections import defaultdict
from collections.abc import Iterator
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from mailcheck.core.compliance import ProfileVerdict, RequirementVerdict, Verdict, verdict_counts
from mailcheck.core.findings import Finding, Status
from mailcheck.core.report import Report
from mailcheck.output.console import make_console

LEAN_FROM_ROWS = 1_000
"""From this many findings the table is laid out by hand: rich measures and wraps every cell,
about half a millisecond a row, which makes a report of 30,000 findings take seconds."""
LEAN_BATCH = 500  # lines printed at once by the lean layout
MAX_SUBJECT_WIDTH = 40

MAX_EVIDENCE = 4  # findings shown behind one requirement; the rest are counted
VERDICT_STYLES = {
    Verdict.NOT_MET: "bold red",
    Verdict.UNDECIDED: "bold magenta",
    Verdict.MET: "green",
}
STYLES = {
    Status.FAIL: "bold red",
    Status.ERROR: "bold magenta",
    Status.WARN: "yellow",
    Status.PASS: "green",
    Status.SKIP: "dim",
}


def render_table(report: Report, stream: TextIO, color: bool | None = None) -> None:
    console = make_console(stream, color)
    groups = _groups(report.findings)
    if len(report.findings) >= LEAN_FROM_ROWS:
        _print_lean(console, groups)
    elif groups:
        console.print(_table(groups))
    fixes = [f for group in groups for f in group if f.hint]
    if fixes:
        several_sheets = len({f.sheet for f in report.findings}) > 1
        console.print(Text("How to fix", style="bold"))
        for number, finding in enumerate(fixes, 1):
            _print_fix(console, number, finding, several_sheets)
    for result in report.compliance:
        _print_compliance(console, result)
    console.print(_summary(report))


def _table(groups: list[list[Finding]]) -> Table:
    several_sheets = len({f.sheet for group in groups for f in group}) > 1
    table = Table(show_header=True, header_style="bold", expand=False, show_lines=False)
    table.add_column("Status", no_wrap=True)
    table.add_column("Rule", no_wrap=True)
    if several_sheets:
        table.add_column("Sheet", overflow="fold")
    table.add_column("Subject", overflow="fold")
    table.add_column("Finding", overflow="fold", ratio=1)
    fix_number = 0
    for group in groups:
        for finding in group:
            cells: list[Text | str] = [_status(finding.status), finding.rule]
            if several_sheets:
                cells.append(finding.sheet or "")
            message = Text(finding.message)
            if finding.hint:
                fix_number += 1
                message.append(f" [fix {fix_number}]", style="bold cyan")
            table.add_row(*cells, finding.subject, message)
        table.add_section()
    return table


def _print_lean(console: Console, groups: list[list[Finding]]) -> None:
    """The table's rows and columns without its rules: columns sized once, messages wrapped
    at word boundaries, printed in batches without rich's per-cell layout."""
    lines = list(_lean_lines(console.width, groups))
    for start in range(0, len(lines), LEAN_BATCH):
        batch = Text("\n").join(lines[start : start + LEAN_BATCH])
        console.print(batch, soft_wrap=True)


def _lean_lines(width: int, groups: list[list[Finding]]) -> Iterator[Text]:
    several_sheets = len({f.sheet for group in groups for f in group}) > 1
    rule_width = max(len(f.rule) for group in groups for f in group)
    subject_width = min(
        MAX_SUBJECT_WIDTH, max(len(_place(f, several_sheets)) for g in groups for f in g)
    )
    message_width = max(30, width - 8 - rule_width - 2 - subject_width - 2)
    fix_number = 0
    for group in groups:
        for finding in group:
            subject = textwrap.wrap(_place(finding, several_sheets), subject_width) or [""]
            text = textwrap.wrap(finding.message, message_width) or [""]
            if finding.hint:
                fix_number += 1
                _append_whole(text, f"[fix {fix_number}]", message_width)
            for index in range(max(len(subject), len(text))):
                line = Text()
                if index == 0:
                    line.append(f"{finding.status.value.upper():<8}", STYLES[finding.status])
                    line.append(f"{finding.rule:<{rule_width}}  ")
                else:
                    line.append(" " * (8 + rule_width + 2))
                line.append(f"{_at(subject, index):<{subject_width}}  ")
                line.append(_at(text, index))
                yield line
        yield Text()


def _append_whole(lines: list[str], word: str, width: int) -> None:
    """Add `word` after the last line, or on a line of its own: never split across two."""
    if len(lines[-1]) + 1 + len(word) <= width:
        lines[-1] = f"{lines[-1]} {word}".lstrip()
    else:
        lines.append(word)


def _place(finding: Finding, several_sheets: bool) -> str:
    return f"{finding.sheet}: {finding.subject}" if several_sheets else finding.subject


def _at(parts: list[str], index: int) -> str:
    return parts[index] if index < len(parts) else ""


def _groups(findings: tuple[Finding, ...]) -> list[list[Finding]]:
    """Findings per rule; the rule with the worst status first, then the rule's first place."""
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_rule[finding.rule].append(finding)
    groups = [sorted(g, key=lambda f: f.status.rank) for g in by_rule.values()]
    return sorted(groups, key=lambda g: g[0].status.rank)


def _status(status: Status) -> Text:
    return Text(status.value.upper(), style=STYLES[status])


def _print_fix(console: Console, number: int, finding: Finding, several_sheets: bool) -> None:
    """Fixes are printed unwrapped, so a DNS record or header can be copied in one piece; with
    several sheets in the report, each says which sheet it is for."""
    head = Text(f"{number:>3}. ", style="bold cyan")
    head.append(f"{finding.rule} {finding.subject}", style="bold")
    if several_sheets and finding.sheet:
        head.append(f" ({finding.sheet})")
    console.print(head)
    console.print(Text(f"     {finding.hint}", style="cyan"), soft_wrap=True)


def _print_compliance(console: Console, result: ProfileVerdict) -> None:
    """One profile judged for one sheet: a row per requirement with the findings behind it."""
    console.print()
    counts = ", ".join(f"{n} {Verdict(v).label}" for v, n in result.counts().items() if n)
    head = Text(f"Compliance: {result.title} — {result.subject}: ", style="bold")
    head.append(result.verdict.label.upper(), style=VERDICT_STYLES[result.verdict])
    head.append(f" ({counts or 'nothing judged'})")
    console.print(head)
    if result.requirements:
        table = Table(show_header=True, header_style="bold", expand=False)
        table.add_column("Verdict", no_wrap=True)
        table.add_column("Requirement", overflow="fold", ratio=2)
        table.add_column("Findings behind it", overflow="fold", ratio=2)
        table.add_column("Source", overflow="fold", ratio=1)
        for requirement in sorted(result.requirements, key=lambda r: r.verdict.rank):
            table.add_row(
                Text(requirement.verdict.label.upper(), style=VERDICT_STYLES[requirement.verdict]),
                _requirement_text(requirement),
                _evidence_text(requirement),
                requirement.source.section,
            )
        console.print(table)
    sources = [r.source for r in result.requirements] + [u.source for u in result.unchecked]
    for document, url in dict.fromkeys((source.document, source.url) for source in sources):
        console.print(Text(f"  Source: {document}" + (f" {url}" if url else ""), style="dim"))
    not_run = [u for u in result.unchecked if u.rules_not_run]
    others = [u for u in result.unchecked if not u.rules_not_run]
    if not_run:
        names = "; ".join(f"{u.title} ({u.why})" for u in not_run)
        console.print(Text(f"  Not judged in this run: {names}", style="dim"))
    if others:
        names = "; ".join(u.title for u in others)
        console.print(Text(f"  Not judged by mailcheck: {names}", style="dim"))
    console.print()


def _requirement_text(requirement: RequirementVerdict) -> str:
    text = requirement.title
    if requirement.missing_rules:
        text += f" (not run: {', '.join(requirement.missing_rules)})"
    return text


def _evidence_text(requirement: RequirementVerdict) -> str:
    """What is not met (or undecided), finding by finding; what is met, counted per rule."""
    if requirement.verdict is Verdict.MET:
        shown = [f"{rule}: {counts}" for rule, counts in requirement.status_counts().items()]
    else:
        deciding = requirement.deciding()
        shown = [str(e) for e in deciding[:MAX_EVIDENCE]]
        if len(deciding) > MAX_EVIDENCE:
            shown.append(f"… and {len(deciding) - MAX_EVIDENCE} more")
    shown += [f"{rule}: no finding" for rule in requirement.silent_rules]
    return "\n".join(shown) or "-"


def _summary(report: Report) -> Text:
    line = Text()
    summary = report.summary
    for status in sorted(Status, key=lambda s: s.rank):
        count = summary[status.value]
        line.append(f"{count} {status.value}", style=STYLES[status] if count else "dim")
        line.append("  ")
    if report.compliance:
        line.append("requirements: ")
        for verdict, count in verdict_counts(report.compliance).items():
            style = VERDICT_STYLES[Verdict(verdict)] if count else "dim"
            line.append(f"{count} {Verdict(verdict).label}", style=style)
            line.append("  ")
    line.append(f"→ {report.verdict} (exit {int(report.exit_code)})")
    return line
