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

from rich.text import Text

from mailcheck import __version__
from mailcheck.core.errors import one_line
from mailcheck.core.findings import ExitCode, Finding, Status, exit_code, summarize
from mailcheck.core.wording import plural
from mailcheck.output.console import make_console
from mailcheck.output.layout import TableColumn, fitted_table, headed, print_lines, styled, wrap
from mailcheck.output.sites import shown_path
from mailcheck.output.table import STYLES
from mailcheck.state.changes import Change, Item, sections
from mailcheck.state.store import Run

TITLES = {
    Change.NEWLY_FAILING.value: "Newly failing",
    Change.FIXED.value: "Fixed",
    Change.STILL_FAILING.value: "Still failing",
    "overdue": "Overdue SPF/DKIM entries: re-checks are billed",
    Change.UNDECIDED.value: "Undecided (the last decided status stands)",
    Change.UNCHANGED.value: "Unchanged",
    Change.SKIPPED.value: "Skipped this run (the last decided status stands)",
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
    from mailcheck.output.json import json_text

    stream.write(json_text(as_json(report), indent=2) + "\n")


def render_table(
    report: RecheckReport, stream: TextIO, color: bool | None = None, *, verbose: bool = False
) -> None:
    """The changes section by section (a table where it fits, else one item below the other),
    then the fixes of what fails, then the counts; `verbose` lists what did not change too."""
    console = make_console(stream, color)
    width = console.width
    run = report.run
    title = (
        f"Re-check of {plural(len(report.sheets), 'sheet')} on {run.today.isoformat()} "
        f"(run {run.id})"
    )
    print_lines(console, styled(wrap(title, width), "bold"))
    grouped = sections(report.items)
    if not any(grouped.values()):
        print_lines(console, styled(wrap(NO_CHANGES, width)))
    for change in (Change.UNCHANGED, Change.SKIPPED):
        grouped[change.value] = [i for i in report.items if i.change is change]
    for name in ORDER + (QUIET if verbose else ()):
        if grouped[name]:
            print_lines(
                console, styled(wrap(f"{TITLES[name]} ({len(grouped[name])})", width), "bold")
            )
            table = fitted_table(COLUMNS, [_row(name, item) for item in grouped[name]], width)
            if table is not None:
                console.print(table)
            else:
                print_lines(
                    console, [line for i in grouped[name] for line in _stacked(name, i, width)]
                )
    failing = [i for i in report.items if i.finding.status is Status.FAIL and i.finding.hint]
    if failing:
        print_lines(console, [Text("How to fix", style="bold")])
    for number, item in enumerate(failing, 1):
        print_lines(console, _fix(number, item, width))
    quiet = sum(len(grouped[name]) for name in QUIET)
    line = report.summary_line()
    if quiet and not verbose:
        line += f"; {plural(quiet, 'check')} unchanged or skipped: -v lists them"
    print_lines(console, styled(wrap(line, width)))


NO_CHANGES = "No changes since the last run: nothing fails, nothing was fixed."
ORDER = ("newly_failing", "fixed", "overdue", "still_failing", "undecided")
QUIET = ("unchanged", "skipped")
"""The sections only `-v` lists: nothing to act on."""
COLUMNS = [
    TableColumn("Status", wraps=False),
    TableColumn("Rule", wraps=False),
    TableColumn("Customer / sheet"),
    TableColumn("Subject"),
    TableColumn("When"),
    TableColumn("Finding"),
]


def _row(section: str, item: Item) -> list[Text | str]:
    finding = item.finding
    return [
        Text(finding.status.value.upper(), style=STYLES[finding.status]),
        finding.rule,
        one_line(_owner(item)),
        one_line(finding.subject),
        _when(section, item),
        one_line(finding.message),
    ]


def _owner(item: Item) -> str:
    return item.customer or _sheet(item)


def _sheet(item: Item) -> str:
    """The sheet as the person in the working folder names it (the store keeps it absolute)."""
    return shown_path(item.finding.sheet) if item.finding.sheet else ""


def _stacked(section: str, item: Item, width: int) -> list[Text]:
    """An item as lines: status, rule, customer and subject; the finding; when."""
    finding = item.finding
    head = [
        ("  ", ""),
        (f"{finding.status.value.upper():<5} ", STYLES[finding.status]),
        (f"{finding.rule}  ", "bold"),
    ]
    lines = headed(head, one_line(f"{_owner(item)}: {finding.subject}"), width, 4)
    lines += styled(wrap(one_line(finding.message), width, 4, 4))
    lines += styled(wrap(_when(section, item).replace("\n", "; "), width, 4, 6), "dim")
    return lines


def _fix(number: int, item: Item, width: int) -> list[Text]:
    """A numbered fix: the rule and subject it is for and whose (a re-check covers many
    sheets), then the fix itself, broken between words."""
    finding = item.finding
    whose = f" ({_whose(item)})" if _whose(item) else ""
    head = [(f"{number:>3}. ", "bold cyan"), (f"{finding.rule} ", "bold")]
    lines = headed(head, one_line(f"{finding.subject}{whose}"), width, 5)
    return lines + styled(wrap(f"→ {one_line(finding.hint or '')}", width, 5, 7), "cyan")


def _whose(item: Item) -> str:
    """The customer and sheet a fix is for."""
    sheet = _sheet(item)
    return f"{item.customer}, {sheet}" if item.customer and sheet else item.customer or sheet


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
