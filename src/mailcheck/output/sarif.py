"""`--format sarif`: SARIF 2.1.0 as GitHub code scanning and other SARIF viewers read it.

One run of the tool `mailcheck`. Its rules carry the title (`shortDescription`), the first
paragraph of the rule's documentation (`fullDescription`) and the whole documentation with the
obligation and its source (`help`). Each finding that needs attention is a result: `fail` has
level `error`, `warn` level `warning`, and `error` (a check that could not be decided) level
`note` — a note, not an error, because nothing was found wrong. `pass` and `skip` findings are
not results: code scanning shows every result as an alert and closes alerts that a later run no
longer reports, so a fixed obligation closes its alert. They are counted in the run's
`properties.summary`. A result's message is the subject, the finding and the fix; its location is
the line of the sheet that declares the subject (or the line of the delivery report), relative to
the working directory under `%SRCROOT%`. Input problems that did not stop the run (a malformed
report line) are tool execution notifications of the invocation.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from mailcheck import __version__
from mailcheck.findings import Finding, Status
from mailcheck.output.locations import ordered_rule_ids, relative_path
from mailcheck.report import Note, Report
from mailcheck.rules.base import Rule

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"
LEVELS = {Status.FAIL: "error", Status.WARN: "warning", Status.ERROR: "note"}


def render_sarif(report: Report, stream: TextIO, color: bool | None = None) -> None:
    json.dump(as_sarif(report), stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def as_sarif(report: Report) -> dict[str, Any]:
    rule_ids = ordered_rule_ids([f.rule for f in report.findings])
    index = {rule_id: position for position, rule_id in enumerate(rule_ids)}
    results = [_result(f, index[f.rule]) for f in report.findings if f.status in LEVELS]
    run = {
        "tool": {"driver": _driver(rule_ids)},
        "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri() + "/"}},
        "invocations": [_invocation(report)],
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {"today": report.today.isoformat(), "summary": report.summary},
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _driver(rule_ids: list[str]) -> dict[str, Any]:
    from mailcheck.rules import REGISTRY

    return {
        "name": "mailcheck",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [_rule(rule_id, REGISTRY.get(rule_id)) for rule_id in rule_ids],
    }


def _rule(rule_id: str, rule: Rule | None) -> dict[str, Any]:
    if rule is None:
        return {"id": rule_id, "shortDescription": {"text": rule_id}}
    doc = " ".join(rule.doc.split()) or rule.title
    first_paragraph = " ".join(rule.doc.strip().split("\n\n")[0].split()) or rule.title
    help_text = f"{doc}\n\nObligation: {rule.obligation}\nSource: {rule.source}"
    return {
        "id": rule.id,
        "name": _camel(rule.id),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": first_paragraph},
        "help": {"text": help_text, "markdown": _help_markdown(rule)},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["email", rule.id.partition(".")[0]], "source": rule.source},
    }


def _help_markdown(rule: Rule) -> str:
    paragraphs = [" ".join(p.split()) for p in rule.doc.strip().split("\n\n") if p.strip()]
    return "\n\n".join([*paragraphs, f"**Obligation:** {rule.obligation}", f"*{rule.source}*"])


def _camel(rule_id: str) -> str:
    """`hygiene.hard-bounces` -> `HygieneHardBounces`."""
    words = rule_id.replace("-", ".").replace("_", ".").split(".")
    return "".join(word[:1].upper() + word[1:] for word in words)


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    text = f"{finding.subject}: {finding.message}"
    if finding.hint:
        text += f"\nFix: {finding.hint}"
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.status],
        "message": {"text": text},
        "partialFingerprints": {"mailcheckFinding/v1": _fingerprint(finding)},
        "properties": {
            "status": finding.status.value,
            "subject": finding.subject,
            "sheet": finding.sheet,
            "hint": finding.hint,
        },
    }
    location = _location(finding.location_file, finding.line)
    if location:
        result["locations"] = [location]
    return result


def _fingerprint(finding: Finding) -> str:
    """Stable across runs and line moves: the same rule, sheet and subject is the same alert."""
    key = "\x1f".join([finding.rule, finding.sheet or "", finding.subject])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _location(file: str | None, line: int | None) -> dict[str, Any] | None:
    if not file:
        return None
    physical: dict[str, Any] = {"artifactLocation": _artifact(file)}
    if line is not None and line >= 1:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def _artifact(file: str) -> dict[str, str]:
    path = relative_path(file)
    if Path(path).is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT}


def _invocation(report: Report) -> dict[str, Any]:
    invocation: dict[str, Any] = {
        "executionSuccessful": True,
        "exitCode": int(report.exit_code),
    }
    if report.notes:
        invocation["toolExecutionNotifications"] = [_notification(n) for n in report.notes]
    return invocation


def _notification(note: Note) -> dict[str, Any]:
    notification: dict[str, Any] = {"level": "warning", "message": {"text": note.message}}
    location = _location(note.file, note.line)
    if location:
        notification["locations"] = [location]
    return notification
