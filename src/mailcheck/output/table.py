"""The default human report: what to do. Failures, errors and warnings grouped by the place to
change (`mailcheck.output.sites`: a domain, a sample file, a sending IP, the sheet), each with
its fix right below it; passes and skips only counted (`-v` lists them too). Laid out for the
width of the terminal: lines break between words (`mailcheck.output.layout`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TextIO

from rich.console import Console
from rich.text import Text

from mailcheck.core.compliance import ProfileVerdict, RequirementVerdict, Verdict, verdict_counts
from mailcheck.core.errors import one_line
from mailcheck.core.findings import Finding, Status
from mailcheck.core.report import Report
from mailcheck.output.console import make_console
from mailcheck.output.layout import (
    TableColumn,
    fitted_table,
    headed,
    print_lines,
    styled,
    wrap,
)
from mailcheck.output.sites import Site, site_of

MAX_EVIDENCE = 4  # findings shown behind one requirement; the rest are counted
ATTENTION = (Status.FAIL, Status.ERROR, Status.WARN)
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
FIX_STYLE = "cyan"
INDENT = 2  # a finding under its place
HANG = 4  # a finding's further lines
FIX_HANG = HANG + 2  # a fix's further lines, under its first word


def render_table(
    report: Report, stream: TextIO, color: bool | None = None, *, verbose: bool = False
) -> None:
    console = make_console(stream, color)
    print_lines(console, list(finding_lines(report.findings, console.width, verbose=verbose)))
    for result in report.compliance:
        _print_compliance(console, result)
    print_lines(console, summary_lines(report, console.width, verbose=verbose))


def finding_lines(findings: Sequence[Finding], width: int, *, verbose: bool) -> Iterator[Text]:
    """Each place with its findings (those that need attention; with `verbose` all), worst
    place first, each finding with its fix."""
    several_sheets = len({f.sheet for f in findings}) > 1
    for site, group in _by_site(findings, several_sheets, verbose):
        yield from styled(wrap(_site_label(site), width), "bold")  # a long path is cut too
        for finding in group:
            yield from _finding_block(finding, site, width)


def _by_site(
    findings: Sequence[Finding], several_sheets: bool, verbose: bool
) -> list[tuple[Site, list[Finding]]]:
    """The findings per place, in the report's order within a place, worst status first; the
    places by their worst status, then in the order they first appear (with several sheets,
    a sheet's places together, in the order of the sheets)."""
    groups: dict[Site, list[Finding]] = {}
    sheets: dict[str, int] = {}
    for finding in findings:
        if verbose or finding.status in ATTENTION:
            site = site_of(finding, several_sheets)
            groups.setdefault(site, []).append(finding)
            sheets.setdefault(site.sheet, len(sheets))
    ordered = [(site, sorted(group, key=lambda f: f.status.rank)) for site, group in groups.items()]
    return sorted(ordered, key=lambda pair: (sheets[pair[0].sheet], pair[1][0].status.rank))


def _site_label(site: Site) -> str:
    if not site.sheet or site.sheet == site.name:
        return one_line(site.name) or "(no subject)"
    return one_line(f"{site.sheet}: {site.name}")


def _finding_block(finding: Finding, site: Site, width: int) -> list[Text]:
    status = finding.status.value.upper()
    head = [
        (" " * INDENT, ""),
        (f"{status:<5} ", STYLES[finding.status]),
        (f"{finding.rule}  ", "bold"),
    ]
    about = "" if finding.subject == site.name else f"{finding.subject}: "
    lines = headed(head, one_line(about + finding.message), width, HANG)
    if finding.hint:
        lines += styled(wrap(f"→ {one_line(finding.hint)}", width, HANG, FIX_HANG), FIX_STYLE)
    return lines


def summary_lines(report: Report, width: int, *, verbose: bool) -> list[Text]:
    """One line (wrapped where narrow): what needs attention, counted per status (and the
    requirements per verdict), the verdict and exit code, then the passes and skips."""
    summary = report.summary
    line = Text()
    attention = [status for status in ATTENTION if summary[status.value]]
    for index, status in enumerate(attention):
        line.append(", " if index else "")
        line.append(f"{summary[status.value]} {status.value}", style=STYLES[status])
    if not attention:
        line.append("nothing to fix", style=STYLES[Status.PASS])
    if report.compliance:
        line.append("; requirements: ")
        judged = [(Verdict(v), n) for v, n in verdict_counts(report.compliance).items() if n]
        for index, (verdict, count) in enumerate(judged):
            line.append(", " if index else "")
            line.append(f"{count} {verdict.label}", style=VERDICT_STYLES[verdict])
    line.append(f" → {report.verdict} (exit {int(report.exit_code)})")
    quiet = [status for status in (Status.PASS, Status.SKIP) if summary[status.value]]
    for index, status in enumerate(quiet):
        line.append(", " if index else "; ")
        line.append(f"{summary[status.value]} {status.value}", style=STYLES[status])
    if quiet and not verbose:
        line.append(": -v lists them", style="dim")
    return _rewrapped(line, width)


def _rewrapped(line: Text, width: int) -> list[Text]:
    """A styled line broken between words like `wrap` does, its styles kept."""
    lines: list[Text] = []
    start = 0
    for piece in wrap(line.plain, width):
        start = line.plain.index(piece, start)
        lines.append(line[start : start + len(piece)])
        start += len(piece)
    return lines


# --- compliance profiles ---------------------------------------------------------------------


def _print_compliance(console: Console, result: ProfileVerdict) -> None:
    """One profile judged for one sheet: each requirement with the findings behind it; a
    table where it fits, else one requirement below the other."""
    width = console.width
    console.print()
    counts = ", ".join(f"{n} {Verdict(v).label}" for v, n in result.counts().items() if n)
    head = one_line(f"Compliance: {result.title} — {result.subject}: ")
    verdict = result.verdict.label.upper()
    tail = f" ({counts or 'nothing judged'})"
    lines = headed([(head, "bold"), (verdict, VERDICT_STYLES[result.verdict])], tail, width, 2)
    print_lines(console, lines)
    requirements = sorted(result.requirements, key=lambda r: r.verdict.rank)
    if requirements:
        table = fitted_table(
            [
                TableColumn("Verdict", wraps=False),
                TableColumn("Requirement"),
                TableColumn("Findings behind it"),
                TableColumn("Source"),
            ],
            [
                (
                    _verdict(r),
                    _requirement_text(r),
                    "\n".join(_evidence(r)),
                    r.source.section,
                )
                for r in requirements
            ],
            width,
        )
        if table is not None:
            console.print(table)
        else:
            print_lines(console, [line for r in requirements for line in _stacked(r, width)])
    print_lines(console, _compliance_notes(result, width))
    console.print()


def _verdict(requirement: RequirementVerdict) -> Text:
    return Text(requirement.verdict.label.upper(), style=VERDICT_STYLES[requirement.verdict])


def _stacked(requirement: RequirementVerdict, width: int) -> list[Text]:
    """A requirement as lines: its verdict and title, then what is behind it and its source."""
    label = requirement.verdict.label.upper()
    head = [(" " * INDENT, ""), (f"{label} ", VERDICT_STYLES[requirement.verdict])]
    lines = headed(head, _requirement_text(requirement), width, HANG)
    for evidence in _evidence(requirement):
        lines += styled(wrap(f"- {evidence}", width, HANG, HANG + 2))
    lines += styled(wrap(f"source: {requirement.source.section}", width, HANG, HANG + 2), "dim")
    return lines


def _compliance_notes(result: ProfileVerdict, width: int) -> list[Text]:
    lines: list[Text] = []
    sources = [r.source for r in result.requirements] + [u.source for u in result.unchecked]
    for document, url in dict.fromkeys((source.document, source.url) for source in sources):
        text = f"Source: {document}" + (f" {url}" if url else "")
        lines += styled(wrap(text, width, INDENT, HANG), "dim")
    not_run = [u for u in result.unchecked if u.rules_not_run]
    others = [u for u in result.unchecked if not u.rules_not_run]
    if not_run:
        names = "; ".join(f"{u.title} ({u.why})" for u in not_run)
        lines += styled(wrap(f"Not judged in this run: {names}", width, INDENT, HANG), "dim")
    if others:
        names = "; ".join(u.title for u in others)
        lines += styled(wrap(f"Not judged by mailcheck: {names}", width, INDENT, HANG), "dim")
    return lines


def _requirement_text(requirement: RequirementVerdict) -> str:
    text = requirement.title
    if requirement.missing_rules:
        text += f" (not run: {', '.join(requirement.missing_rules)})"
    return text


def _evidence(requirement: RequirementVerdict) -> list[str]:
    """What is not met (or undecided), finding by finding; what is met, counted per rule."""
    if requirement.verdict is Verdict.MET:
        shown = [f"{rule}: {counts}" for rule, counts in requirement.status_counts().items()]
    else:
        deciding = requirement.deciding()
        shown = [one_line(str(e)) for e in deciding[:MAX_EVIDENCE]]
        if len(deciding) > MAX_EVIDENCE:
            shown.append(f"… and {len(deciding) - MAX_EVIDENCE} more")
    shown += [f"{rule}: no finding" for rule in requirement.silent_rules]
    return shown or ["-"]
