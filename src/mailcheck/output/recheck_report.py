"""The report of `mailcheck recheck`: what changed since the last run, as a table or JSON.

JSON: `run` (id, started, finished, today), `sheets`, `changes` (`newly_failing`, `fixed`,
`still_failing`, `undecided`, `overdue`: lists of items), `findings` (every item of the run, each
with its `change` and `since` date), `summary` and `exit_code` as for `check`. The webhook of
`--notify` receives the same object without `findings`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from rich.table import Table
from rich.text import Text

from mailcheck import __version__
from mailcheck.core.findings import ExitCode, Finding, Status, exit_code, summarize
from mailcheck.output.console import make_console
from mailcheck.output.table import STYLES
from mailcheck.state.changes import Change, Item, sections
from mailcheck.state.store import Run

TITLES = {
    Change.NEWLY_FAILING.value: "Newly failing",
    Change.FIXED.value: "Fixed",
    Change.STILL_FAILING.value: "Still failing",
    "overdue": "Overdue SPF/DKIM entries: re-checks are billed",
    Change.UNDECIDED.value: "Undecided (the last decided status stands)",
}


@dataclass(frozen=True)
class RecheckReport:
    run: Run
    sheets: Sequence[str]
    items: Sequence[Item]
    strict: bool = False

    @property
    def exit_code(self) -> ExitCode:
        return exit_code(self.findings(), strict=self.strict)

    def findings(self) -> list[Finding]:
        """The run's findings, as `check` would have reported them."""
        return [item.finding.as_finding() for item in self.items]

    def summary(self) -> dict[str, int]:
        return summarize(self.findings())

    def summary_line(self) -> str:
        counts = ", ".join(f"{n} {status}" for status, n in self.summary().items())
        changed = {k: len(v) for k, v in sections(self.items).items()}
        moves = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in changed.items())
        return f"{moves}; {counts}; exit code {int(self.exit_code)}"


def as_json(report: RecheckReport, *, with_findings: bool = True) -> dict[str, Any]:
    run = report.run
    data: dict[str, Any] = {
        "mailcheck": __version__,
        "run": {
            "id": run.id,
            "command": run.command,
            "started": run.started,
            "finished": run.finished,
            "today": run.today.isoformat(),
        },
        "sheets": list(report.sheets),
        "changes": {
            name: [item.as_dict() for item in items]
            for name, items in sections(report.items).items()
        },
    }
    if with_findings:
        data["findings"] = [item.as_dict() for item in report.items]
    data["summary"] = report.summary()
    data["exit_code"] = int(report.exit_code)
    return data


def render_json(report: RecheckReport, stream: TextIO) -> None:
    import json

    json.dump(as_json(report), stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def render_table(report: RecheckReport, stream: TextIO, color: bool | None = None) -> None:
    console = make_console(stream, color)
    run = report.run
    console.print(
        Text(
            f"Re-check #{run.id} of {len(report.sheets)} sheet(s) on {run.today.isoformat()}",
            style="bold",
        )
    )
    grouped = sections(report.items)
    if not any(grouped.values()):
        console.print("No changes since the last run: nothing fails, nothing was fixed.")
    order = ("newly_failing", "fixed", "overdue", "still_failing", "undecided")
    for name in order:
        if grouped[name]:
            console.print(_section(name, grouped[name]))
    failing = [i for i in report.items if i.finding.status is Status.FAIL and i.finding.hint]
    if failing:
        console.print(Text("How to fix", style="bold"))
    for number, item in enumerate(failing, 1):
        head = Text(f"{number:>3}. ", style="bold cyan")
        head.append(f"{item.finding.rule} {item.finding.subject}", style="bold")
        head.append(f" ({_whose(item)})")
        console.print(head)
        console.print(Text(f"     {item.finding.hint}", style="cyan"), soft_wrap=True)
    console.print(Text(report.summary_line()))


def _whose(item: Item) -> str:
    """The customer and sheet a fix is for: a re-check covers many sheets."""
    sheet = item.finding.sheet
    return f"{item.customer}, {sheet}" if item.customer and sheet else item.customer or sheet or ""


def _section(name: str, items: Sequence[Item]) -> Table:
    table = Table(title=f"{TITLES[name]} ({len(items)})", title_justify="left", expand=False)
    table.add_column("Status", no_wrap=True)
    table.add_column("Rule", no_wrap=True)
    table.add_column("Customer / sheet", overflow="fold", max_width=20)
    table.add_column("Subject", overflow="fold")
    table.add_column("When", no_wrap=True)
    table.add_column("Finding", overflow="fold", ratio=1)
    for item in items:
        finding = item.finding
        table.add_row(
            Text(finding.status.value.upper(), style=STYLES[finding.status]),
            finding.rule,
            item.customer or finding.sheet,
            finding.subject,
            _when(name, item),
            finding.message,
        )
    return table


def _when(section: str, item: Item) -> str:
    since = item.since.isoformat() if item.since else ""
    if section == "fixed":
        failed = item.failed_since.isoformat() if item.failed_since else ""
        text = f"failing {failed}\nfixed {since}"
        timing = item.timing()
        return f"{text}\n{timing}" if timing else text
    if section == "overdue" and item.deadline:
        return f"due {item.deadline.due.isoformat()}\nfailing since {since}"
    if section == "undecided":
        last = item.previous.value if item.previous else "none"
        return f"last decided: {last}"
    return f"since {since}"
