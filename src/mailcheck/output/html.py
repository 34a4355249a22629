"""`--format html`: one self-contained page to send to a customer.

An onboarding engineer attaches it to a mail or a ticket: it opens in any browser, offline, and
prints. Everything is in the one file: the style sheet inline, no script, no image, no font or
style sheet fetched from elsewhere (a Content-Security-Policy says so to the browser too). It
reads top-down in the order a customer acts: the verdict; the verdict per mail stream (each
place to change: a sender domain, a sample, a sending IP, the sheet); the deadlines as a
timeline (the sheet's dates, the due dates they start, today); the compliance profiles judged;
the change set (`mailcheck.engine.planner`: one record per DNS name and type, the requests to
the provider, the conflicts to decide, also as a zone file snippet ready to paste); then every
finding, worst first, with its fix; and the input problems.

Every text of the report (a customer's name, a subject, a message quoting a DNS record or a
header) is escaped: a sheet value such as `<script>` is shown as text, never read as markup.
Links are made only of the profiles' `http(s)` sources.
"""

from __future__ import annotations

import datetime as dt
import html
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TextIO

from mailcheck import __version__
from mailcheck.core.changeset import Plan, PlannedRecord, PlannedRequest, PlannedTask
from mailcheck.core.compliance import ProfileVerdict, RequirementVerdict, Verdict
from mailcheck.core.findings import ExitCode, Finding, Status
from mailcheck.core.fixes import PROVIDER, SheetEntry
from mailcheck.core.milestones import Milestone
from mailcheck.core.report import Report
from mailcheck.core.wording import plural
from mailcheck.output.sites import Site, site_of
from mailcheck.output.zonefile import plan_lines

STATUS_ORDER = sorted(Status, key=lambda status: status.rank)
STREAM_VERDICTS = {
    Status.FAIL: "not met",
    Status.ERROR: "undecided",
    Status.WARN: "met, with warnings",
    Status.PASS: "met",
    Status.SKIP: "not applicable",
}
"""A mail stream's verdict, by the worst status of its findings."""
SECTION_TITLES = {
    Status.FAIL: "Not met: to fix",
    Status.ERROR: "Could not be decided",
    Status.WARN: "Warnings",
    Status.PASS: "Met",
    Status.SKIP: "Not applicable",
}
VERDICT_CLASSES = {Verdict.NOT_MET: "fail", Verdict.UNDECIDED: "error", Verdict.MET: "pass"}
EXIT_CLASSES = {ExitCode.OK: "pass", ExitCode.FAILED: "fail", ExitCode.UNDECIDED: "error"}
POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
"""Nothing but the inline style sheet: no script, no request to anywhere."""

STYLE = """
:root { color-scheme: light; --fail: #b3261e; --error: #7a5c00; --warn: #a15c00;
  --pass: #1e6b34; --skip: #5f6368; --line: #d9dce1; --soft: #f5f6f8; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #1f2328; margin: 0 auto; padding: 24px; max-width: 1180px; }
h1 { font-size: 1.7em; margin: 0 0 4px; }
h2 { font-size: 1.3em; margin: 32px 0 8px; padding-bottom: 4px;
  border-bottom: 2px solid var(--line); }
h3 { font-size: 1.08em; margin: 20px 0 6px; }
p { margin: 6px 0; }
code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: 0.92em; }
code { background: var(--soft); padding: 0 3px; border-radius: 3px; overflow-wrap: anywhere; }
pre { background: var(--soft); border: 1px solid var(--line); padding: 10px;
  white-space: pre-wrap; overflow-wrap: anywhere; border-radius: 4px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { border: 1px solid var(--line); padding: 5px 8px; text-align: left;
  vertical-align: top; overflow-wrap: break-word; }
td code { overflow-wrap: anywhere; } td.nowrap, td.nowrap code { white-space: nowrap; }
th { background: var(--soft); font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; width: 4.5em; }
.badge { display: inline-block; min-width: 4.2em; padding: 1px 7px; border-radius: 10px;
  color: #fff; font-weight: 600; font-size: 0.85em; text-align: center; white-space: nowrap; }
.badge.fail { background: var(--fail); } .badge.error { background: var(--error); }
.badge.warn { background: var(--warn); } .badge.pass { background: var(--pass); }
.badge.skip { background: var(--skip); }
.verdict { border-left: 8px solid var(--skip); background: var(--soft); padding: 12px 16px;
  margin: 16px 0; border-radius: 4px; }
.verdict.fail { border-color: var(--fail); } .verdict.pass { border-color: var(--pass); }
.verdict.error { border-color: var(--error); }
.verdict strong { font-size: 1.25em; }
.meta { color: #57606a; }
.fix { margin-top: 4px; padding: 4px 8px; border-left: 3px solid var(--line); }
ol.timeline { list-style: none; margin: 8px 0 16px 8px; padding: 0 0 0 22px;
  border-left: 3px solid var(--line); }
ol.timeline li { position: relative; margin: 0 0 10px; }
ol.timeline li::before { content: ""; position: absolute; left: -31px; top: 5px; width: 14px;
  height: 14px; border-radius: 50%; background: #fff; border: 3px solid var(--skip); }
ol.timeline li.due::before { border-radius: 2px; }
ol.timeline li.fail::before { border-color: var(--fail); background: var(--fail); }
ol.timeline li.warn::before { border-color: var(--warn); background: var(--warn); }
ol.timeline li.error::before { border-color: var(--error); background: var(--error); }
ol.timeline li.pass::before { border-color: var(--pass); background: var(--pass); }
ol.timeline li.today { font-weight: 600; }
ol.timeline li.today::before { border-color: #0b57d0; background: #0b57d0; }
ol.timeline time { font-family: ui-monospace, Menlo, Consolas, monospace; margin-right: 8px; }
footer { margin-top: 36px; color: #57606a; font-size: 0.85em; }
@media print { body { padding: 0; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
"""


def render_html(report: Report, stream: TextIO, color: bool | None = None) -> None:
    stream.write(as_html(report))


def as_html(report: Report, lead: str = "") -> str:
    """The page; `lead`, a sentence a command puts first (the count of `mailcheck
    recipients`), goes under the title."""
    several = len({f.sheet for f in report.findings}) > 1
    title = _title(report)
    body = [
        f"<h1>{_e(title)}</h1>",
        f"<p>{_e(lead)}</p>" if lead else "",
        _verdict(report),
        _streams(report.findings, several),
        _timeline(report, several),
        _compliance(report.compliance),
        _change_sets(report.plans),
        _findings(report.findings, several),
        _notes(report),
        f"<footer>Made by mailcheck {_e(__version__)} on {report.today.isoformat()}.</footer>",
    ]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(title)}</title>",
            f"<style>{STYLE}</style>",
            "</head>",
            "<body>",
            *(part for part in body if part),
            "</body>",
            "</html>",
            "",
        ]
    )


def _title(report: Report) -> str:
    customers = list(dict.fromkeys(p.customer for p in report.plans if p.customer))
    if len(customers) == 1:
        return f"mailcheck report: {customers[0]}"
    return "mailcheck report"


# --- the verdict -----------------------------------------------------------------------------


def _verdict(report: Report) -> str:
    code = report.exit_code
    counts = " · ".join(f"{report.summary[s.value]} {s.value}" for s in STATUS_ORDER)
    sheets = sorted({f.sheet for f in report.findings if f.sheet})
    checked = f"Checked on {report.today.isoformat()}"
    if sheets:
        checked += f"; sheet{'s' if len(sheets) > 1 else ''}: " + ", ".join(map(_code, sheets))
    return (
        f'<section class="verdict {EXIT_CLASSES.get(code, "skip")}" id="verdict">'
        f"<p><strong>Verdict: {_e(report.verdict.capitalize())}</strong> "
        f"(exit code {int(code)})</p>"
        f"<p>{_e(counts)}</p>"
        f'<p class="meta">{checked}.</p>'
        "</section>"
    )


def _streams(findings: Sequence[Finding], several: bool) -> str:
    """One row per mail stream: each place to change, with the worst status of its findings."""
    by_site: dict[Site, Counter[Status]] = {}
    for finding in findings:
        by_site.setdefault(site_of(finding, several), Counter())[finding.status] += 1
    if not by_site:
        return ""

    def worst(counts: Counter[Status]) -> Status:
        return min(counts, key=lambda status: status.rank)

    rows = []
    for site, counts in sorted(by_site.items(), key=lambda item: (worst(item[1]).rank, item[0])):
        status = worst(counts)
        place = _code(site.name) + (f" in {_code(site.sheet)}" if site.sheet else "")
        cells = "".join(f'<td class="n">{counts.get(s, 0)}</td>' for s in STATUS_ORDER)
        rows.append(
            f"<tr><td>{place}</td><td>{_badge(status, STREAM_VERDICTS[status])}</td>{cells}</tr>"
        )
    head = "".join(f"<th>{s.value}</th>" for s in STATUS_ORDER)
    return (
        '<section id="streams"><h2>Verdict per mail stream</h2>'
        "<p>Each sender domain, sample message, sending IP and sheet entry, with the worst "
        "of its findings.</p>"
        f"<table><thead><tr><th>Mail stream or place</th><th>Verdict</th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


# --- deadlines -------------------------------------------------------------------------------


def _timeline(report: Report, several: bool) -> str:
    """Each sheet's dates and due dates in order, with today among them; a due date is
    coloured by the finding of the rule that judges its deadline. A sheet without dates lists
    its deadline findings instead, under its own name when there are several."""
    judged = [f for f in report.findings if _clock(f.rule) is not None]
    sheets = list(dict.fromkeys([m.sheet for m in report.milestones] + [f.sheet for f in judged]))
    if not sheets:
        return ""
    parts = ['<section id="deadlines"><h2>Deadlines</h2>']
    for sheet in sheets:
        if several or len(sheets) > 1:
            parts.append(f"<h3>{_code(sheet or 'without a sheet')}</h3>")
        days = [m for m in report.milestones if m.sheet == sheet]
        its = [f for f in judged if f.sheet == sheet]
        parts.append(_days(days, its, report.today) if days else _undated(its))
    parts.append("</section>")
    return "".join(parts)


def _undated(judged: Sequence[Finding]) -> str:
    items = "".join(
        f"<li>{_badge(f.status)} {_rule_title(f.rule)}: {_e(f.message)}</li>" for f in judged
    )
    return f"<ul>{items}</ul>"


def _days(days: Sequence[Milestone], judged: Sequence[Finding], today: dt.date) -> str:
    items, placed = [], False
    for milestone in days:
        if not placed and milestone.day > today:
            items.append(_today(today))
            placed = True
        items.append(_milestone(milestone, judged))
    if not placed:
        items.append(_today(today))
    return f'<ol class="timeline">{"".join(items)}</ol>'


def _milestone(milestone: Milestone, judged: Sequence[Finding]) -> str:
    finding = next((f for f in judged if _clock(f.rule) == milestone.clock), None)
    kind = "due" if milestone.due else "event"
    status = f" {finding.status.value}" if milestone.due and finding is not None else ""
    standing = f" — {_badge(finding.status)} {_e(finding.message)}" if status and finding else ""
    return (
        f'<li class="{kind}{status}"><time datetime="{milestone.day.isoformat()}">'
        f"{milestone.day.isoformat()}</time>{_e(milestone.label)}{standing}</li>"
    )


def _today(today: dt.date) -> str:
    return (
        f'<li class="today"><time datetime="{today.isoformat()}">{today.isoformat()}</time>'
        "Today (this report)</li>"
    )


# --- compliance ------------------------------------------------------------------------------


def _compliance(results: Sequence[ProfileVerdict]) -> str:
    if not results:
        return ""
    parts = ['<section id="compliance"><h2>Compliance</h2>']
    for result in results:
        counts = ", ".join(f"{n} {Verdict(v).label}" for v, n in result.counts().items() if n)
        parts.append(f"<h3>{_e(result.title)} — {_code(result.subject)}</h3>")
        parts.append(f"<p>{_verdict_badge(result.verdict)} {_e(counts or 'nothing judged')}</p>")
        if result.requirements:
            rows = "".join(
                f"<tr><td>{_verdict_badge(r.verdict)}</td><td>{_e(r.title)}</td>"
                f"<td>{_evidence(r)}</td><td>{_source(r.source.section, r.source.url)}</td></tr>"
                for r in sorted(result.requirements, key=lambda r: r.verdict.rank)
            )
            parts.append(
                "<table><thead><tr><th>Verdict</th><th>Requirement</th>"
                "<th>Findings behind it</th><th>Source</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>"
            )
        if result.unchecked:
            items = "".join(f"<li>{_e(u.title)}: {_e(u.why)}</li>" for u in result.unchecked)
            parts.append(f"<p>Not judged here:</p><ul>{items}</ul>")
    parts.append("</section>")
    return "".join(parts)


def _evidence(requirement: RequirementVerdict) -> str:
    if requirement.verdict is Verdict.MET:
        lines = [f"{_code(rule)}: {_e(n)}" for rule, n in requirement.status_counts().items()]
    else:
        lines = [
            f"{_code(e.rule)} {_code(e.subject)}: {_e(e.status.value)}"
            for e in requirement.deciding()
        ]
    lines += [f"{_code(rule)}: no finding" for rule in requirement.silent_rules]
    if requirement.missing_rules:
        lines.append("not run: " + ", ".join(map(_code, requirement.missing_rules)))
    return "<br>".join(lines) or "-"


def _source(text: str, url: str | None) -> str:
    if url and url.startswith(("https://", "http://")):
        return f'<a href="{_e(url)}">{_e(text)}</a>'
    return _e(text)


# --- the change set --------------------------------------------------------------------------


def _change_sets(plans: Sequence[Plan]) -> str:
    if not plans:
        return ""
    parts = [
        '<section id="changes"><h2>Change set</h2>'
        "<p>Every fix of the findings below, merged into one record per DNS name and type: "
        "publish these, ask for the rest.</p>"
    ]
    for plan in plans:
        parts.append(_change_set(plan, several=len(plans) > 1))
    parts.append("</section>")
    return "".join(parts)


def _change_set(plan: Plan, *, several: bool) -> str:
    who = plan.customer or plan.sheet or "the domain"
    where = f" ({_code(plan.sheet)})" if plan.sheet and plan.customer else ""
    parts = [f"<h3>Change set for {_e(who)}{where}</h3>"] if several or plan.customer else []
    if plan.undecided:
        parts.append(
            f"<p>{plural(plan.undecided, 'check')} could not be decided: what they would ask "
            "for is missing. Check again before you rely on this change set.</p>"
        )
    if plan.empty:
        parts.append("<p>Nothing to change.</p>")
        return "".join(parts)
    own = [r for r in plan.records if r.operator is None]
    parts.append(_records("Records for your zones", own))
    for operator in dict.fromkeys(r.operator for r in plan.records if r.operator is not None):
        theirs = [r for r in plan.records if r.operator == operator]
        parts.append(_records(f"Records for {operator}: ask its operator to publish them", theirs))
    parts.append(_requests("Ask the provider", [r for r in plan.requests if r.party == PROVIDER]))
    parts.append(_requests("Ask others", [r for r in plan.requests if r.party != PROVIDER]))
    parts.append(_tasks(plan.tasks))
    if plan.conflicts:
        items = "".join(
            f"<li>{_code(f'{c.name} {c.rtype}')}: {_e(c.text)}</li>" for c in plan.conflicts
        )
        parts.append(
            f"<h4>Conflicts: no one record satisfies every fix, decide</h4><ul>{items}</ul>"
        )
    if plan.leftovers:
        items = "".join(
            f"<li>{_code(item.rule)} {_code(item.subject)}: {_e(item.hint)}</li>"
            for item in plan.leftovers
        )
        parts.append(f"<h4>Other fixes, not a record</h4><ul>{items}</ul>")
    snippet = "\n".join(plan_lines(plan))
    parts.append(f"<h4>As a zone file snippet, ready to paste</h4><pre>{_e(snippet)}</pre>")
    return "".join(parts)


def _records(title: str, records: Sequence[PlannedRecord]) -> str:
    if not records:
        return ""
    rows = "".join(
        f'<tr><td>{_code(r.name)}</td><td class="nowrap">{_e(r.rtype)}</td>'
        f"<td>{_code(r.value)}</td><td>{_record_notes(r)}</td>"
        f'<td class="nowrap">{"<br>".join(map(_code, r.rules))}</td></tr>'
        for r in records
    )
    return (
        f"<h4>{_e(title)}</h4><table><thead><tr><th>Name</th><th>Type</th><th>Value</th>"
        f"<th>Note</th><th>For</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _record_notes(record: PlannedRecord) -> str:
    notes = [f"replaces {_code(old)}" for old in record.replaces]
    notes += [f"remove {_code(f'{record.name} {old}')}" for old in record.removes]
    if record.when is not None:
        notes.append(f"to publish later: {_e(record.when)}")
    if record.blanks:
        notes.append("fill in " + ", ".join(map(_code, record.blanks)) + " first")
    return "<br>".join(notes) or "publish now"


def _tasks(tasks: Sequence[PlannedTask]) -> str:
    """What the customer does itself, which is no record."""
    if not tasks:
        return ""
    items = [
        f"<li>{_e(task.text)} (for {', '.join(map(_code, task.rules))}){_once(task.sheet)}</li>"
        for task in tasks
    ]
    return f"<h4>Do yourself</h4><ul>{''.join(items)}</ul>"


def _once(entry: SheetEntry | None) -> str:
    if entry is None:
        return ""
    return f"<br>once done, add to the sheet under {_code(entry.key)}: {_code(entry.item)}"


def _requests(title: str, requests: Sequence[PlannedRequest]) -> str:
    if not requests:
        return ""
    items = []
    for request in requests:
        who = "" if request.party == PROVIDER else f"the operator of {_code(request.party)}: "
        rules = ", ".join(map(_code, request.rules))
        items.append(f"<li>{who}{_e(request.text)} (for {rules}){_once(request.sheet)}</li>")
    return f"<h4>{_e(title)}</h4><ul>{''.join(items)}</ul>"


# --- every finding ---------------------------------------------------------------------------


def _findings(findings: Sequence[Finding], several: bool) -> str:
    if not findings:
        return '<section id="findings"><h2>Findings</h2><p>No finding.</p></section>'
    parts = ['<section id="findings"><h2>Every finding</h2>']
    for status in STATUS_ORDER:
        chosen = [f for f in findings if f.status is status]
        if chosen:
            parts.append(f"<h3>{_e(SECTION_TITLES[status])} ({len(chosen)})</h3>")
            parts.append(_finding_table(chosen, several))
    parts.append("</section>")
    return "".join(parts)


def _finding_table(findings: Iterable[Finding], several: bool) -> str:
    rows = "".join(
        f"<tr><td>{_badge(f.status)}</td><td>{_rule_title(f.rule)}<br>{_code(f.rule)}</td>"
        f"<td>{_about(f, several)}</td><td>{_e(f.message)}{_fix(f.hint)}</td></tr>"
        for f in findings
    )
    return (
        "<table><thead><tr><th>Status</th><th>Check</th><th>About</th><th>Finding</th></tr>"
        f"</thead><tbody>{rows}</tbody></table>"
    )


def _about(finding: Finding, several: bool) -> str:
    about = _code(finding.subject)
    if several and finding.sheet:
        about += f" in {_code(finding.sheet)}"
    where = finding.location_file
    if where and finding.line is not None:
        about += f'<br><span class="meta">{_e(where)}:{finding.line}</span>'
    return about


def _fix(hint: str | None) -> str:
    return f'<div class="fix"><strong>Fix:</strong> {_e(hint)}</div>' if hint else ""


def _notes(report: Report) -> str:
    if not report.notes:
        return ""
    items = "".join(f"<li>{_e(str(note))}</li>" for note in report.notes)
    return f'<section id="notes"><h2>Input problems</h2><ul>{items}</ul></section>'


# --- pieces ----------------------------------------------------------------------------------


def _badge(status: Status, text: str | None = None) -> str:
    return f'<span class="badge {status.value}">{_e(text or status.value)}</span>'


def _verdict_badge(verdict: Verdict) -> str:
    return f'<span class="badge {VERDICT_CLASSES[verdict]}">{_e(verdict.label)}</span>'


def _rule_title(rule_id: str) -> str:
    from mailcheck.rules import REGISTRY

    rule = REGISTRY.get(rule_id)
    return _e(rule.title) if rule else _code(rule_id)


def _clock(rule_id: str) -> str | None:
    """The deadline a finding's rule judges (`sheet`, `dns`, `provisioning`), if any."""
    from mailcheck.rules import deadline_clock

    clock = deadline_clock(rule_id)
    return None if clock is None else str(clock)


def _code(text: str) -> str:
    return f"<code>{_e(text)}</code>"


def _e(text: str) -> str:
    """Text as HTML: `<`, `>`, `&` and both quotes escaped, so no value becomes markup."""
    return html.escape(text, quote=True)
