"""`mailcheck deadlines SHEET...`: one table of every customer's deadlines.

For each sheet, its deadlines (the sheet itself; the SPF and DKIM entries; the provider's
provisioning of the service): when the clock started, the due date, where it stands (working
days left, overdue by, or — for a sheet that was returned, a service that was provisioned — in
time or how many working days late), the status of the rule judging it (`deadline.sheet`,
`deadline.dns`, `deadline.provisioning`: the rules whose metadata names a `clock`) and what still
fails. The sheets are checked like `check` does (DNS included), since what still fails is only
known after asking DNS. Rows that need attention come first; the exit code is that of the
deadline findings (1 when one is overdue, 3 when one could not be decided).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from mailcheck.commands._options import EVERY_RULE, ReportOptions, Selection
from mailcheck.commands._progress import progress
from mailcheck.commands._report import announce_deadline, write_view
from mailcheck.core.errors import InputError, one_line
from mailcheck.core.findings import ExitCode, Finding, Status, exit_code, summarize
from mailcheck.core.report import Report
from mailcheck.core.wording import iso
from mailcheck.engine.runner import (
    CheckedSheet,
    all_milestones,
    all_plans,
    check_loaded,
    load_sheets,
)
from mailcheck.engine.settings import RunSettings
from mailcheck.output import Format
from mailcheck.rules import REGISTRY, covered_by_dns_deadline, deadline_clock
from mailcheck.rules.base import Rule
from mailcheck.sheet.due_dates import (
    Deadline,
    Kind,
    dns_deadline,
    provisioning_deadline,
    sheet_deadline,
)

if TYPE_CHECKING:  # rich is imported by the runs that print a table
    from rich.console import Console

LABELS = {
    Kind.SHEET: "sheet returned (5 wd)",
    Kind.DNS: "SPF and DKIM (10 wd)",
    Kind.PROVISIONING: "service provisioned (1 wd)",
}
MISSING = {Kind.SHEET: "sheet not returned", Kind.PROVISIONING: "service not provisioned"}
"""What still fails for a deadline met by a date in the sheet rather than by other checks."""


@dataclass(frozen=True)
class DeadlineRow:
    customer: str
    sheet: str
    rule: str
    clock: Kind  # the deadline the rule judges
    deadline: Deadline | None
    finding: Finding
    still_failing: Sequence[Finding]
    today: dt.date

    @property
    def met(self) -> bool:
        return self.finding.status in (Status.PASS, Status.SKIP)

    @property
    def open(self) -> bool:
        """Not met, and not met late on a known date either: the clock still runs."""
        return self.deadline is not None and self.deadline.met_on is None and not self.met

    def standing(self) -> str:
        if self.deadline is None:
            return "no start date"
        if self.met and self.deadline.met_on is None:
            return "met"
        return self.deadline.standing(self.today)

    def as_dict(self) -> dict[str, Any]:
        d = self.deadline
        overdue = d is not None and self.open and d.is_overdue(self.today)
        met_on = d.met_on if d else None
        return {
            "customer": self.customer,
            "sheet": self.sheet,
            "rule": self.rule,
            "started": d.start.isoformat() if d else None,
            "due": d.due.isoformat() if d else None,
            "status": self.finding.status.value,
            "met": self.met,
            "standing": self.standing(),
            "working_days_left": d.days_left(self.today) if d and self.open else None,
            "working_days_overdue": d.days_late(self.today) if d and overdue else None,
            "met_on": iso(met_on),
            "working_days_late": d.days_late(met_on) if d and met_on else None,
            "message": self.finding.message,
            "still_failing": [
                {"rule": f.rule, "subject": f.subject, "message": f.message, "hint": f.hint}
                for f in self.still_failing
            ],
        }


@dataclass(frozen=True)
class Deadlines:
    """The view: one row per deadline of every sheet, those that need attention first."""

    rows: Sequence[DeadlineRow]
    today: dt.date
    strict: bool = False

    def findings(self) -> list[Finding]:
        return [row.finding for row in self.rows]

    @property
    def exit_code(self) -> ExitCode:
        return exit_code(self.findings(), strict=self.strict)

    def summary_line(self) -> str:
        counts = ", ".join(f"{n} {status}" for status, n in summarize(self.findings()).items())
        return f"{len(self.rows)} deadlines: {counts}; exit code {int(self.exit_code)}"


def run_deadlines(
    sheet_paths: Sequence[Path],
    settings: RunSettings,
    report: ReportOptions,
    selection: Selection = EVERY_RULE,
) -> int:
    """`selection`: the rules run (what still fails is known only of those run); it must keep
    a rule that judges a deadline."""
    rules = _with_a_deadline(selection.rules())
    sheets = load_sheets(sheet_paths)
    today = settings.today
    with progress("checking", len(sheets) * len(rules), report.color) as tick:
        results = check_loaded(sheets, rules, settings, tick=tick)
    rows = sorted(
        (row for result in results for row in rows_of(result, today)),
        key=lambda r: (r.finding.status.rank, r.deadline.due if r.deadline else dt.date.max),
    )
    view = Deadlines(rows, today, report.strict)
    milestones = tuple(all_milestones(sheets))  # the timeline of `--format html`
    as_report = Report(
        tuple(view.findings()),
        today,
        strict=report.strict,
        plans=tuple(all_plans(results)),
        milestones=milestones,
    )
    write_view(view, as_report, report, _renderer(report))
    announce_deadline(settings.limits)
    return int(view.exit_code)


def _with_a_deadline(rules: list[Rule]) -> list[Rule]:
    if not any(deadline_clock(rule.id) is not None for rule in rules):
        judging = ", ".join(rule_id for rule_id in REGISTRY if deadline_clock(rule_id))
        raise InputError(
            f"no rule that judges a deadline is left to run ({judging})", key="--select"
        )
    return rules


def _renderer(options: ReportOptions) -> Callable[[Deadlines, TextIO, bool | None], None]:
    if options.fmt is Format.JSON:
        return lambda view, stream, _color: _render_json(view, stream)
    return lambda view, stream, color: _render_table(
        view.rows, view.today, stream, color, verbose=options.verbose
    )


def rows_of(result: CheckedSheet, today: dt.date) -> list[DeadlineRow]:
    sheet = result.sheet.sheet
    customer = sheet.customer or result.sheet.display
    found = {clock: f for f in result.findings if (clock := deadline_clock(f.rule)) is not None}
    failing_dns = [
        f for f in result.findings if covered_by_dns_deadline(f.rule) and f.status is Status.FAIL
    ]
    rows = []
    for clock, deadline, failing in (
        (
            Kind.SHEET,
            sheet_deadline(sheet),
            _missing(found, Kind.SHEET, sheet.dates.sheet_submitted),
        ),
        (Kind.DNS, dns_deadline(sheet), failing_dns),
        (
            Kind.PROVISIONING,
            provisioning_deadline(sheet),
            _missing(found, Kind.PROVISIONING, sheet.dates.provisioned),
        ),
    ):
        if clock in found:
            finding = found[clock]
            still = failing if finding.status not in (Status.PASS, Status.SKIP) else []
            rows.append(
                DeadlineRow(
                    customer,
                    result.sheet.display,
                    finding.rule,
                    clock,
                    deadline,
                    finding,
                    still,
                    today,
                )
            )
    return rows


def _missing(found: dict[Kind, Finding], clock: Kind, met_on: dt.date | None) -> list[Finding]:
    """The deadline's own finding while the date that meets it is missing from the sheet."""
    return [found[clock]] if clock in found and met_on is None else []


def _render_json(view: Deadlines, stream: TextIO) -> None:
    from mailcheck.output.json import json_text

    data = {
        "today": view.today.isoformat(),
        "deadlines": [row.as_dict() for row in view.rows],
        "exit_code": int(view.exit_code),
    }
    stream.write(json_text(data, indent=2) + "\n")


def _render_table(
    rows: Sequence[DeadlineRow],
    today: dt.date,
    stream: TextIO,
    color: bool | None,
    *,
    verbose: bool = False,
) -> None:
    """A table where it fits, else each deadline as a few lines: those that need attention,
    the others counted (`verbose` lists them too)."""
    from mailcheck.core.wording import plural
    from mailcheck.output.console import make_console
    from mailcheck.output.layout import print_lines, styled, wrap

    console = make_console(stream, color)
    width = console.width
    title = f"Deadlines on {today.isoformat()} (wd: working days)"
    print_lines(console, styled(wrap(title, width), "bold"))
    shown = [row for row in rows if verbose or not row.met]
    if shown:
        _print_rows(console, shown, width)
    if len(shown) < len(rows):
        quiet = len(rows) - len(shown)
        note = f"{plural(quiet, 'deadline')} met or not tracked: -v lists them"
        print_lines(console, styled(wrap(note, width), "dim"))


def _print_rows(console: Console, rows: Sequence[DeadlineRow], width: int) -> None:
    from mailcheck.output.layout import TableColumn, fitted_table, print_lines

    columns = [
        TableColumn("Customer"),
        TableColumn("Deadline"),
        TableColumn("Started", wraps=False),
        TableColumn("Due", wraps=False),
        TableColumn("Standing"),
        TableColumn("Status", wraps=False),
        TableColumn("Still failing"),
    ]
    table = fitted_table(columns, [_cells(row) for row in rows], width)
    if table is not None:
        console.print(table)
        return
    lines = [line for row in rows for line in _stacked(row, width)]
    print_lines(console, lines)


def _cells(row: DeadlineRow) -> list[Any]:
    from rich.text import Text

    from mailcheck.output.table import STYLES

    d = row.deadline
    return [
        one_line(row.customer),
        LABELS[row.clock],
        d.start.isoformat() if d else "—",
        d.due.isoformat() if d else "—",
        row.standing(),
        Text(row.finding.status.value.upper(), style=STYLES[row.finding.status]),
        "\n".join(_failing(row)),
    ]


def _failing(row: DeadlineRow) -> list[str]:
    return [MISSING.get(row.clock) or one_line(f"{f.rule} {f.subject}") for f in row.still_failing]


def _stacked(row: DeadlineRow, width: int) -> list[Any]:
    """A deadline as lines: customer and deadline; status, due date and standing; what still
    fails."""
    from mailcheck.output.layout import headed, styled, wrap
    from mailcheck.output.table import STYLES

    d = row.deadline
    lines = headed([(f"{one_line(row.customer)}  ", "bold")], LABELS[row.clock], width, 2)
    status = row.finding.status.value.upper()
    dates = f"started {d.start.isoformat()}, due {d.due.isoformat()}: " if d else ""
    head = [("  ", ""), (f"{status:<5} ", STYLES[row.finding.status])]
    lines += headed(head, dates + row.standing(), width, 4)
    for failing in _failing(row):
        lines += styled(wrap(f"still failing: {failing}", width, 4, 6))
    return lines
