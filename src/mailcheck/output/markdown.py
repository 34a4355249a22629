"""`--format markdown`: a report to paste into a ticket or mail to the customer.

It reads top-down in the order a customer acts: the verdict and counts; the deadlines (findings
of the rules judging one, `deadline.sheet` and `deadline.dns`, when the sheet has dates); what
to change, the change set of each sheet (`mailcheck plan`): the records to publish in one code
block, ready to paste into a zone file, then what to ask the provider for, what to do oneself
and the conflicts to decide; the compliance profiles asked for (one table per profile and
sheet: each requirement met, not met or undecided, the findings behind it and its published
source); every failing obligation with its finding and the exact fix — DNS records from the
fix also in a code block, ready to copy into a zone file or a DNS provider's panel; the checks
that could not be decided; the warnings (with their fixes); then, compactly, what is met and
what does not apply, and any input problems. Text from findings is escaped, so a subject or
message never turns into Markdown markup (nor HTML: `<script>` stays text), a `|` never ends a
table cell, a line break never ends a row, and a control character is written as an escape
(`\\x1b`). Deadlines are named for people ("Sheet returned",
"SPF/DKIM entries"), not by the sheet key they are counted from (`dates.sheet_submitted`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TextIO

from mailcheck.core.changeset import Plan, PlannedTask
from mailcheck.core.compliance import ProfileVerdict, RequirementVerdict, Verdict
from mailcheck.core.errors import one_line
from mailcheck.core.findings import Finding, Status
from mailcheck.core.fixes import PROVIDER, SheetEntry
from mailcheck.core.report import Report
from mailcheck.sheet.due_dates import Kind

ICONS = {
    Status.FAIL: "❌ fail",
    Status.ERROR: "❓ error",
    Status.WARN: "⚠️ warn",
    Status.PASS: "✅ pass",
    Status.SKIP: "⏭️ skip",
}
VERDICT_ICONS = {
    Verdict.NOT_MET: "❌ not met",
    Verdict.UNDECIDED: "❓ undecided",
    Verdict.MET: "✅ met",
}
MAX_EVIDENCE = 6  # findings listed behind a requirement that is not met; the rest are counted
_QUOTED = r'"(?:[^"\\]|\\.)*"'
# A record value's tokens: quoted strings, <placeholders> (a host's with its final dot), or
# tokens with a digit or a dot
# (hosts, addresses, priorities); a plain word ends the record and the prose resumes.
_VALUE_TOKEN = rf"(?:{_QUOTED}|<[^>\n]*>\.?|[^\s,;()\"<>]*[\d.][^\s,;()\"<>]*)"
RECORD = re.compile(
    rf"[^\s(),;:\"'`]+\.\s\d+\sIN\s[A-Z][A-Z0-9]*(?:\s{_VALUE_TOKEN})+",
)
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")
DEADLINE_LABELS = {
    Kind.SHEET: "Sheet returned",
    Kind.DNS: "SPF/DKIM entries",
    Kind.PROVISIONING: "Service provisioned",
}


def render_markdown(report: Report, stream: TextIO, color: bool | None = None) -> None:
    stream.write(as_markdown(report))


def as_markdown(report: Report, lead: str = "") -> str:
    """The report; `lead`, a sentence a command puts first (the count of `mailcheck
    recipients`), goes under the title."""
    several = len({f.sheet for f in report.findings}) > 1
    by_status = {s: [f for f in report.findings if f.status is s] for s in Status}
    deadlines = [f for f in report.findings if _clock(f.rule) is not None]
    parts = [_header(report, lead)]
    if deadlines:
        parts.append(_deadlines(deadlines, several))
    plans = [plan for plan in report.plans if not _nothing_to_publish(plan)]
    if plans:
        parts.append(_change_sets(plans))
    if report.compliance:
        parts.append(compliance_markdown(report.compliance))
    if by_status[Status.FAIL]:
        parts.append(_detailed("What fails and how to fix it", by_status[Status.FAIL], several))
    if by_status[Status.ERROR]:
        parts.append(_listed("Could not be checked", by_status[Status.ERROR], several))
    if by_status[Status.WARN]:
        parts.append(_detailed("Warnings", by_status[Status.WARN], several))
    if by_status[Status.PASS]:
        parts.append(_table("Met", by_status[Status.PASS], several))
    if by_status[Status.SKIP]:
        parts.append(_table("Not applicable", by_status[Status.SKIP], several))
    if report.notes:
        notes = "\n".join(
            f"- {_code(n.file if n.line is None else f'{n.file}:{n.line}')}: {_text(n.message)}"
            for n in report.notes
        )
        parts.append(f"## Input problems\n\n{notes}\n")
    return "\n".join(parts)


def _header(report: Report, lead: str = "") -> str:
    code = int(report.exit_code)
    counts = " · ".join(
        f"{report.summary[s.value]} {s.value}" for s in sorted(Status, key=lambda s: s.rank)
    )
    sheets = sorted({f.sheet for f in report.findings if f.sheet})
    lines = [
        "# mailcheck report",
        "",
        *([_text(lead), ""] if lead else []),
        f"**{report.verdict.capitalize()}** (exit code {code}) — {counts}.",
        "",
        f"Checked on {report.today.isoformat()}"
        + (
            f"; sheet{'s' if len(sheets) > 1 else ''}: " + ", ".join(map(_code, sheets))
            if sheets
            else ""
        )
        + ".",
        "",
    ]
    return "\n".join(lines)


def _deadlines(findings: Sequence[Finding], several: bool) -> str:
    rows = [
        f"| {ICONS[f.status]} | {_cell(_about(f, several))} | {_cell(_text(f.message))} |"
        for f in findings
    ]
    table = "\n".join(["| Status | Deadline | Standing |", "|---|---|---|", *rows])
    fixes = [f for f in findings if f.hint and f.status in (Status.FAIL, Status.WARN)]
    text = f"## Deadlines\n\n{table}\n"
    if fixes:
        text += "\nTo meet them: see the fixes below.\n"
    return text


def _nothing_to_publish(plan: Plan) -> bool:
    """A plan of fixes in words only: the findings below say them already."""
    return not (plan.records or plan.requests or plan.tasks or plan.conflicts)


def _change_sets(plans: Sequence[Plan]) -> str:
    """Each sheet's change set: one record per DNS name and type, the requests and tasks."""
    parts = [
        "## What to change\n",
        "Every fix below, merged into one record per DNS name and type. A record commented out "
        "(`;`) needs a value filled in, or is for later.\n",
    ]
    for plan in plans:
        if len(plans) > 1:
            parts.append(f"### {_code(plan.subject or plan.sheet or '-')}\n")
        parts += _plan_records(plan)
        parts += _plan_items("Ask the provider", _asks(plan, provider=True))
        parts += _plan_items("Ask others", _asks(plan, provider=False))
        parts += _plan_items("Do yourself", [_task(task) for task in plan.tasks])
        conflicts = [f"{_code(f'{c.name} {c.rtype}')}: {_text(c.text)}" for c in plan.conflicts]
        parts += _plan_items("Decide", conflicts)
    return "\n".join(parts)


def _plan_records(plan: Plan) -> list[str]:
    from mailcheck.output.zonefile import record_lines

    parts = []
    operators = dict.fromkeys(record.operator for record in plan.records)
    for operator in sorted(operators, key=lambda name: name is not None):
        records = [record for record in plan.records if record.operator == operator]
        title = (
            "Records for your zones"
            if operator is None
            else (f"Records for {_code(operator)}, for its operator to publish")
        )
        block = "\n".join(map(one_line, record_lines(records)))
        fence = _fence(block)
        parts.append(f"{title}:\n\n{fence}dns\n{block}\n{fence}\n")
    return parts


def _asks(plan: Plan, *, provider: bool) -> list[str]:
    items = []
    for request in (r for r in plan.requests if (r.party == PROVIDER) == provider):
        who = "" if provider else f"the operator of {_code(request.party)}: "
        items.append(f"{who}{_text(request.text)}{_for(request.rules, request.sheet)}")
    return items


def _task(task: PlannedTask) -> str:
    return f"{_text(task.text)}{_for(task.rules, task.sheet)}"


def _for(rules: Sequence[str], sheet: SheetEntry | None) -> str:
    """The rules an item is for, and the sheet entry to add once it is done."""
    text = f" ({', '.join(map(_code, rules))})"
    if sheet is not None:
        text += f"; once done, add {_code(sheet.item)} under {_code(sheet.key + ':')} in the sheet"
    return text


def _plan_items(title: str, items: Sequence[str]) -> list[str]:
    return [f"{title}:\n\n" + "\n".join(f"- {item}" for item in items) + "\n"] if items else []


def compliance_markdown(results: Sequence[ProfileVerdict], level: int = 2) -> str:
    """The compliance sections, their headings at `level` (the README embeds them deeper)."""
    return "\n".join(_compliance(result, level) for result in results)


def _compliance(result: ProfileVerdict, level: int) -> str:
    """One profile judged for one sheet: a row per requirement, worst first."""
    title = f"{'#' * level} Compliance: {_text(result.title)} — {_code(result.subject)}\n"
    counts = ", ".join(f"{n} {Verdict(v).label}" for v, n in result.counts().items() if n)
    lines = [title, f"**{result.verdict.label.capitalize()}** ({counts or 'nothing judged'}).\n"]
    if result.requirements:
        rows = [
            f"| {VERDICT_ICONS[r.verdict]} | {_cell(_text(r.title))} | {_cell(_evidence(r))} "
            f"| {_cell(_source(r.source.section, r.source.url))} |"
            for r in sorted(result.requirements, key=lambda r: r.verdict.rank)
        ]
        header = "| Verdict | Requirement | Findings behind it | Source |\n|---|---|---|---|"
        lines.append("\n".join([header, *rows]) + "\n")
    sources = [r.source for r in result.requirements] + [u.source for u in result.unchecked]
    documents = dict.fromkeys((s.document, s.url) for s in sources)
    lines.append(
        "Sources: " + "; ".join(_source(document, url) for document, url in documents) + ".\n"
    )
    if result.unchecked:
        items = [f"- {_text(u.title)}: {_text(u.why)}" for u in result.unchecked]
        lines.append("Not judged here:\n\n" + "\n".join(items) + "\n")
    return "\n".join(lines)


def _evidence(requirement: RequirementVerdict) -> str:
    """What is not met (or undecided), finding by finding; what is met, counted per rule."""
    if requirement.verdict is Verdict.MET:
        parts = [f"{_code(rule)}: {n}" for rule, n in requirement.status_counts().items()]
    else:
        deciding = requirement.deciding()
        parts = [
            f"{_code(e.rule)} {_code(e.subject)}: {e.status.value}" for e in deciding[:MAX_EVIDENCE]
        ]
        if len(deciding) > MAX_EVIDENCE:
            parts.append(f"and {len(deciding) - MAX_EVIDENCE} more")
    parts += [f"{_code(rule)}: no finding" for rule in requirement.silent_rules]
    if requirement.missing_rules:
        parts.append("not run: " + ", ".join(map(_code, requirement.missing_rules)))
    return "<br>".join(parts) or "-"


def _source(text: str, url: str | None) -> str:
    return f"[{_text(text)}]({url})" if url else _text(text)


def _detailed(title: str, findings: Sequence[Finding], several: bool) -> str:
    blocks = [f"## {title}\n"]
    for number, finding in enumerate(findings, 1):
        blocks.append(f"### {number}. {_rule_title(finding.rule)}: {_about(finding, several)}\n")
        blocks.append(f"{_text(finding.message)} ({_code(finding.rule)})\n")
        if finding.hint:
            blocks.append(_fix(finding.hint))
    return "\n".join(blocks)


def _fix(hint: str) -> str:
    records = [m.group(0) for m in RECORD.finditer(hint)]
    prose = _text_around_records(hint)
    text = f"**Fix:** {prose}\n"
    if records:
        block = "\n".join(dict.fromkeys(map(one_line, records)))
        fence = _fence(block)
        text += f"\n{fence}\n{block}\n{fence}\n"
    return text


def _text_around_records(hint: str) -> str:
    pieces, start = [], 0
    for match in RECORD.finditer(hint):
        pieces.append(_text(hint[start : match.start()]))
        pieces.append(_code(match.group(0)))
        start = match.end()
    pieces.append(_text(hint[start:]))
    return "".join(pieces)


def _listed(title: str, findings: Iterable[Finding], several: bool) -> str:
    items = [
        f"- {_rule_title(f.rule)} ({_code(f.rule)}), {_about(f, several)}: {_text(f.message)}"
        for f in findings
    ]
    return f"## {title}\n\n" + "\n".join(items) + "\n"


def _table(title: str, findings: Iterable[Finding], several: bool) -> str:
    rows = [
        f"| {_code(f.rule)} | {_cell(_about(f, several))} | {_cell(_text(f.message))} |"
        for f in findings
    ]
    return (
        f"## {title}\n\n"
        + "\n".join(["| Rule | Subject | Finding |", "|---|---|---|", *rows])
        + "\n"
    )


def _about(finding: Finding, several: bool) -> str:
    about = _deadline_label(finding) or _code(finding.subject)
    if several and finding.sheet:
        about += f" in {_code(finding.sheet)}"
    return about


def _deadline_label(finding: Finding) -> str | None:
    """A deadline as the customer knows it; its subject is the sheet key it is counted from."""
    clock = _clock(finding.rule)
    if clock is None or not finding.subject.startswith("dates."):
        return None
    return _text(DEADLINE_LABELS[clock])


def _rule_title(rule_id: str) -> str:
    from mailcheck.rules import REGISTRY

    rule = REGISTRY.get(rule_id)
    return _text(rule.title) if rule else _code(rule_id)


def _clock(rule_id: str) -> Kind | None:
    """The deadline a finding's rule judges: such findings are listed as deadlines."""
    from mailcheck.rules import deadline_clock

    return deadline_clock(rule_id)


def _text(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", one_line(" ".join(text.splitlines())))


def _cell(markdown: str) -> str:
    """A Markdown fragment in a table cell: a `|`, even in a code span, must not end the cell."""
    return re.sub(r"(?<!\\)\|", r"\\|", markdown)


def _code(text: str) -> str:
    text = one_line(" ".join(text.split()))
    fence = "`" * (_longest_backticks(text) + 1)
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _fence(block: str) -> str:
    """A code fence longer than any run of backticks in `block`, which cannot end it early."""
    return "`" * max(3, _longest_backticks(block) + 1)


def _longest_backticks(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)
