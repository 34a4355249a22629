"""GitHub Actions annotations: under Actions (`GITHUB_ACTIONS=true`), whatever the format.

Each finding that needs attention becomes one workflow command on stderr, which GitHub shows on
the job and, for a file of the pull request, on the line that declares the subject: `fail` is
`::error`, `warn` `::warning` and `error` (undecided) `::notice`, like the SARIF levels. Input
problems (a malformed report line) are warnings. A requirement of a compliance profile that is
not met is an `::error` on the sheet (titled with the profile and the requirement, the message
naming the findings behind it), one undecided a `::notice`. The report itself still goes to
stdout or the output file, unchanged. Paths are relative to the source root (`locations.py`);
a finding in a member of a `.zip` report points at the archive and names the member and line in
its message.
Values are escaped as the workflow command syntax requires, and a control character from a
user's file (an escape sequence the job log would colour by) is written as an escape (`\\x1b`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO

from mailcheck.core.compliance import ProfileVerdict, Verdict
from mailcheck.core.errors import one_line
from mailcheck.core.findings import Finding, Status
from mailcheck.core.report import Report
from mailcheck.output.locations import file_place

COMMANDS = {Status.FAIL: "error", Status.WARN: "warning", Status.ERROR: "notice"}
VERDICT_COMMANDS = {Verdict.NOT_MET: "error", Verdict.UNDECIDED: "notice"}


def running_on_github(environ: Mapping[str, str] | None = None) -> bool:
    return (environ if environ is not None else os.environ).get("GITHUB_ACTIONS") == "true"


def write_annotations(report: Report, stream: TextIO) -> None:
    for finding in report.findings:
        if finding.status in COMMANDS:
            stream.write(annotation(finding) + "\n")
    for result in report.compliance:
        for line in requirement_annotations(result):
            stream.write(line + "\n")
    for note in report.notes:
        stream.write(_command("warning", note.file, note.line, "mailcheck input", note.message))
        stream.write("\n")


def requirement_annotations(result: ProfileVerdict) -> list[str]:
    """A command for each requirement of the profile that is not met or undecided."""
    lines = []
    for requirement in result.requirements:
        kind = VERDICT_COMMANDS.get(requirement.verdict)
        if kind is None:
            continue
        title = f"{result.profile}: {requirement.title}"
        behind = [str(e) for e in requirement.deciding()]
        message = "\n".join([*behind, f"Source: {requirement.source}"])
        lines.append(_command(kind, result.sheet, None, title, message))
    return lines


def annotation(finding: Finding) -> str:
    message = finding.message + (f"\nFix: {finding.hint}" if finding.hint else "")
    title = f"{finding.rule}: {finding.subject}"
    return _command(COMMANDS[finding.status], finding.location_file, finding.line, title, message)


def _command(kind: str, file: str | None, line: int | None, title: str, message: str) -> str:
    properties = []
    if file:
        place = file_place(file, line)
        properties.append(f"file={_property(place.path)}")
        if place.line is not None:
            properties.append(f"line={place.line}")
        if place.member is not None:  # a line of a `.zip` member is no line of the archive
            message += f"\nIn {place.describe_member()}."
    properties.append(f"title={_property(title)}")
    return f"::{kind} {','.join(properties)}::{_data(message)}"


def _data(text: str) -> str:
    """`%` and the message's own line breaks as the syntax says; a `\\r` and every other
    control character shown as an escape."""
    return "%0A".join(one_line(line) for line in text.replace("%", "%25").split("\n"))


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
