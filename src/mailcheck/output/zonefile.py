"""A sheet's change set as an RFC 1035 zone file snippet, ready to paste: `mailcheck plan`, and
`--format zone` of every command that reports findings.

Every line that is not a record is a comment (`;`), so the whole text can be pasted into a zone
file: records with absolute names (no `$ORIGIN` needed), TTL 3600, TXT text split into strings
of at most 255 characters. A record with a value still to fill in (`<selector>`) is written
commented out, so that it cannot be published by mistake. What is not the customer's DNS
follows as comments: records for another party's zone, requests to the provider, what the
customer does itself (deliver a certificate, record a date), conflicts for a person to decide,
and the fixes of checks that give theirs in words only (a sample's headers). A command that makes
no change set (its findings are not about DNS, or come from the store) gets the last part only.
A control character or line break from a user's value is written as an escape (`\\n`): it can
neither end a comment early (and turn the rest of it into a record) nor act on a terminal.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from typing import TextIO

from mailcheck.core.changeset import (
    Conflict,
    Leftover,
    Plan,
    PlannedRecord,
    PlannedRequest,
    PlannedTask,
)
from mailcheck.core.errors import one_line
from mailcheck.core.findings import Finding, Status
from mailcheck.core.fixes import PROVIDER
from mailcheck.core.report import Report
from mailcheck.core.wording import plural
from mailcheck.rules import REGISTRY

WIDTH = 78  # comment lines are wrapped to this width; a record line is never broken


def render_zone(report: Report, stream: TextIO, color: bool | None = None) -> None:
    """`--format zone`: the report's change sets, or of its findings' hints when it has none."""
    render_plans(report.plans or [hints_plan(report.findings)], stream)


def render_plans(plans: Sequence[Plan], stream: TextIO) -> None:
    """The change sets of several sheets, one after the other."""
    stream.write("\n\n".join("\n".join(plan_lines(plan)) for plan in plans) + "\n")


def hints_plan(findings: Iterable[Finding]) -> Plan:
    """A change set of what the failures and warnings say in words, for a command that makes
    none: each hint as a fix of its own (those of the rules judging other rules' findings,
    such as deadline.dns, are the others' fixes)."""
    acting = [f for f in findings if f.status in (Status.FAIL, Status.WARN) and f.hint]
    leftovers = [
        Leftover(f.rule, f.subject, f.hint or "")
        for f in acting
        if not (REGISTRY.get(f.rule) is not None and REGISTRY[f.rule].needs_findings)
    ]
    sheets = {f.sheet for f in acting}
    return Plan(sheet=sheets.pop() if len(sheets) == 1 else None, leftovers=tuple(leftovers))


def plan_lines(plan: Plan) -> list[str]:
    lines = _heading(plan)
    if plan.empty:
        return [*lines, *_comment("Nothing to change.")]
    own = [r for r in plan.records if r.operator is None]
    lines += _section("Records for your zones", _records(own))
    operators = dict.fromkeys(r.operator for r in plan.records if r.operator is not None)
    for operator in operators:
        theirs = [r for r in plan.records if r.operator == operator]
        title = f"Records for {operator}: ask its operator to publish them"
        lines += _section(title, _records(theirs))
    lines += _section("Ask the provider", _requests(plan.requests, provider=True))
    lines += _section("Ask others", _requests(plan.requests, provider=False))
    lines += _section("Do yourself", _tasks(plan.tasks))
    lines += _section("Conflicts: no one record satisfies every fix, decide", _conflicts(plan))
    lines += _section("Other fixes, as their checks say", _leftovers(plan.leftovers))
    return lines


def _heading(plan: Plan) -> list[str]:
    who = plan.customer or plan.sheet or plan.subject
    where = f" ({plan.sheet})" if plan.sheet and plan.customer else ""
    lines = _comment(
        f"Change set for {who}{where}, made by mailcheck."
        if who
        else "Change set, made by mailcheck."
    )
    if plan.records:
        lines += _comment(
            "Add each record to the zone that holds its name; where it says what it replaces, "
            "remove that record."
        )
    if plan.undecided:
        lines += _comment(
            f"{plural(plan.undecided, 'check')} could not be decided (DNS did not answer): what "
            "they would ask for is missing. Check again before you rely on this change set."
        )
    return lines


def _section(title: str, body: list[str]) -> list[str]:
    return ["", *_comment(f"=== {title} ==="), *body] if body else []


def _records(records: Iterable[PlannedRecord]) -> list[str]:
    lines: list[str] = []
    for record in records:
        lines += ["", *_comment(f"{record.name} {record.rtype}: for {', '.join(record.rules)}")]
        lines += _record(record)
    return lines


def record_lines(records: Iterable[PlannedRecord]) -> list[str]:
    """The records as zone file lines, each after a comment naming it and the rules it fixes
    (the Markdown report's code block)."""
    return _records(records)[1:]


def _record(record: PlannedRecord) -> list[str]:
    """A record's line, after what it replaces and what to do before it can be published."""
    lines = [line for old in record.replaces for line in _comment(f'replaces: "{old}"')]
    lines += [line for old in record.removes for line in _comment(f"remove: {record.name} {old}")]
    if record.when is not None:
        lines += _comment(f"to publish later: {record.when}; then remove the ';':")
    if record.blanks:
        filled = ", ".join(record.blanks)
        lines += _comment(f"fill in {filled}, then remove the ';' at the start of the line:")
    line = one_line(record.line())
    lines.append(line if record.ready else f";{line}")
    return lines


def _requests(requests: Iterable[PlannedRequest], *, provider: bool) -> list[str]:
    """The requests to the provider (`provider`), or those to anybody else."""
    lines: list[str] = []
    for request in (r for r in requests if (r.party == PROVIDER) == provider):
        who = "" if provider else f"the operator of {request.party}: "
        lines += _comment(f"- {who}{request.text} (for {', '.join(request.rules)})")
        if request.sheet is not None:  # the item unwrapped, to paste into the sheet
            lines += _comment(f"  once done, add to the sheet under {request.sheet.key}:")
            lines.append(f";     - {one_line(request.sheet.item)}")
    return lines


def _tasks(tasks: Iterable[PlannedTask]) -> list[str]:
    lines: list[str] = []
    for task in tasks:
        lines += _comment(f"- {task.text} (for {', '.join(task.rules)})")
        if task.sheet is not None:
            lines += _comment(f"  once done, add to the sheet under {task.sheet.key}:")
            lines.append(f";     - {one_line(task.sheet.item)}")
    return lines


def _conflicts(plan: Plan) -> list[str]:
    return [line for c in plan.conflicts for line in _conflict(c)]


def _conflict(conflict: Conflict) -> list[str]:
    return _comment(f"- {conflict.name} {conflict.rtype}: {conflict.text}")


def _leftovers(leftovers: Iterable[Leftover]) -> list[str]:
    return [
        line
        for item in leftovers
        for line in _comment(f"- {item.rule} {item.subject}: {item.hint}")
    ]


def _comment(text: str) -> list[str]:
    """`text` as comment lines of at most `WIDTH` characters, words never broken."""
    wrapped = textwrap.wrap(
        one_line(text),
        WIDTH - 2,
        break_long_words=False,
        break_on_hyphens=False,
        subsequent_indent="  ",
    )
    return [f"; {line}" for line in wrapped] or [";"]
