"""`--format jsonl`: JSON Lines, one finding per line, then one summary line.

Every line but the last is one finding (`rule`, `status`, `subject`, `message`, `hint`, `sheet`,
as in `--format json`). The last line has no `rule`: it is `{"mailcheck", "today", "summary",
"exit_code", "notes"}`, the notes being input problems that did not stop the run (as in
`--format json`). In a batch (`mailcheck check` with many sheets, `mailcheck domain --from-file`)
the findings of each sheet or domain are written together, flushed, as soon as it is checked,
so a consumer can read them while the run goes on; sheets and domains come in the order they
finish, each finding naming its sheet (`sheet`) and what it is about (`subject`); a domain
list's findings also name the line's domain (`domain`), since their subject may be another name
(its MAIL FROM domain, a DKIM key's name).

Only when compliance profiles are judged (`--profile`, a sheet's `profiles:`): each sheet's or
domain's findings are followed by one line per profile, with `profile` and no `rule` (an entry
of `compliance` in `--format json`), and the last line also counts the requirements per verdict
in `compliance` (`met`, `not_met`, `undecided`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TextIO

from mailcheck import __version__
from mailcheck.core.compliance import ProfileVerdict, verdict_counts
from mailcheck.core.findings import Finding
from mailcheck.core.report import Note, Report
from mailcheck.output.json import json_text


def finding_line(finding: Finding, domain: str | None = None) -> str:
    """One finding; `domain`: the domain-list line it belongs to, if any."""
    data = finding.as_dict()
    if domain is not None:
        data["domain"] = domain
    return json_text(data) + "\n"


def write_findings(findings: Iterable[Finding], stream: TextIO, domain: str | None = None) -> None:
    stream.write("".join(finding_line(f, domain) for f in findings))
    stream.flush()


def write_compliance(results: Iterable[ProfileVerdict], stream: TextIO) -> None:
    """One line per judged profile (nothing when none was)."""
    stream.write("".join(json_text(r.as_dict()) + "\n" for r in results))


def summary_line(
    today: str,
    summary: dict[str, int],
    exit_code: int,
    notes: Iterable[Note] = (),
    compliance: dict[str, int] | None = None,
) -> str:
    """The closing line; `compliance`: requirements per verdict, when profiles were judged."""
    data: dict[str, Any] = {
        "mailcheck": __version__,
        "today": today,
        "summary": summary,
        "exit_code": exit_code,
        "notes": [note.as_dict() for note in notes],
    }
    if compliance is not None:
        data["compliance"] = compliance
    return json_text(data) + "\n"


def render_jsonl(report: Report, stream: TextIO, color: bool | None = None) -> None:
    write_findings(report.findings, stream)
    write_compliance(report.compliance, stream)
    today = report.today.isoformat()
    counts = verdict_counts(report.compliance) if report.compliance else None
    code = int(report.exit_code)
    stream.write(summary_line(today, report.summary, code, report.notes, counts))
