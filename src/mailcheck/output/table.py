"""The default human report: a rich table grouped by obligation, failures first, with fixes."""

from __future__ import annotations

from collections import defaultdict
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from mailcheck.findings import Finding, Status
from mailcheck.report import Report

STYLES = {
    Status.FAIL: "bold red",
    Status.ERROR: "bold magenta",
    Status.WARN: "yellow",
    Status.PASS: "green",
    Status.SKIP: "dim",
}
MIN_FILE_WIDTH = 120  # hints are DNS records: do not wrap them at 80 columns in logs


def render_table(report: Report, stream: TextIO, color: bool | None = None) -> None:
    console = Console(file=stream, highlight=False, no_color=color is False,
                      force_terminal=color or None)
    if not console.is_terminal:
        console.width = max(console.width, MIN_FILE_WIDTH)
    if report.findings:
        console.print(_table(report))
    console.print(_summary(report))


def _table(report: Report) -> Table:
    several_sheets = len({f.sheet for f in report.findings}) > 1
    table = Table(show_header=True, header_style="bold", expand=False, show_lines=False)
    table.add_column("Status", no_wrap=True)
    table.add_column("Rule", no_wrap=True)
    if several_sheets:
        table.add_column("Sheet", overflow="fold")
    table.add_column("Subject", overflow="fold")
    table.add_column("Finding", overflow="fold", ratio=1)
    for group in _groups(report.findings):
        for finding in group:
            cells = [_status(finding.status), finding.rule]
            if several_sheets:
                cells.append(finding.sheet or "")
            table.add_row(*cells, finding.subject, _message(finding))
        table.add_section()
    return table


def _groups(findings: tuple[Finding, ...]) -> list[list[Finding]]:
    """Findings per rule; the rule with the worst status first, then the rule's first place."""
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_rule[finding.rule].append(finding)
    groups = [sorted(g, key=lambda f: f.status.rank) for g in by_rule.values()]
    return sorted(groups, key=lambda g: g[0].status.rank)


def _status(status: Status) -> Text:
    return Text(status.value.upper(), style=STYLES[status])


def _message(finding: Finding) -> Text:
    text = Text(finding.message)
    if finding.hint:
        text.append("\nfix: ", style="bold")
        text.append(finding.hint, style="cyan")
    return text


def _summary(report: Report) -> Text:
    line = Text()
    for status, count in report.summary.items():
        style = STYLES[Status(status)] if count else "dim"
        line.append(f"{count} {status}", style=style)
        line.append("  ")
    verdict = {0: "obligations met", 1: "obligations not met", 3: "some checks undecided"}
    line.append(f"→ {verdict.get(int(report.exit_code), '')} (exit {int(report.exit_code)})")
    return line
