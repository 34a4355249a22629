"""`--format sarif`: SARIF 2.1.0 as GitHub code scanning and other SARIF viewers read it.

One run of the tool `mailcheck`. Its rules carry the title (`shortDescription`), the first
paragraph of the rule's documentation (`fullDescription`) and the whole documentation with the
obligation and its source (`help`). Each finding that needs attention is a result: `fail` has
level `error`, `warn` level `warning`, and `error` (a check that could not be decided) level
`note` — a note, not an error, because nothing was found wrong. `pass` and `skip` findings are
not results: code scanning shows every result as an alert and closes alerts that a later run no
longer reports, so a fixed obligation closes its alert. They are counted in the run's
`properties.summary`. A result's message is the subject, the finding and the fix.

Every result has a location, as code scanning requires (it rejects a whole upload when one result
has none): the line of the sheet that declares the subject, the line of a sample message or of
a delivery report, else line 1 of that file. A member of a `.zip` report is placed on the
archive, line 1, and the message names the member and its line. Paths are relative to the
source root (`%SRCROOT%`: the Git work tree, else the working directory — `locations.py`), else
absolute `file:` URIs. A finding about no file at all (`mailcheck domain` and `mailcheck spf`
check DNS without a sheet) cannot be placed: it is not a result but a tool execution notification
of the invocation, with the same level and message and its rule as `associatedRule`, so the
upload stays valid; code scanning shows no alert for it. Input problems that did not stop the run
(a malformed report line) are notifications too.

Compliance profiles (`--profile`, a sheet's `profiles:`) are judged from the same findings: their
verdicts are in the run's `properties.compliance`, as `compliance` in `--format json`. They add no
results (the findings behind a requirement not met are results already), but a requirement not
met fails the invocation's `exitCode` as a `fail` does.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from mailcheck import __version__
from mailcheck.core.findings import Finding, Status
from mailcheck.core.report import Note, Report
from mailcheck.core.sources import cite, source_uri
from mailcheck.output.json import json_text
from mailcheck.output.locations import (
    FilePlace,
    file_place,
    ordered_rule_ids,
    relative_path,
    source_root,
)
from mailcheck.rules.base import Rule

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"
LEVELS = {Status.FAIL: "error", Status.WARN: "warning", Status.ERROR: "note"}


def render_sarif(report: Report, stream: TextIO, color: bool | None = None) -> None:
    stream.write(json_text(as_sarif(report), indent=2) + "\n")


def as_sarif(report: Report) -> dict[str, Any]:
    rule_ids = ordered_rule_ids([f.rule for f in report.findings])
    index = {rule_id: position for position, rule_id in enumerate(rule_ids)}
    attention = [f for f in report.findings if f.status in LEVELS]
    results = [_result(f, index[f.rule]) for f in attention if f.location_file]
    unplaced = [_unplaced(f, index[f.rule]) for f in attention if not f.location_file]
    run = {
        "tool": {"driver": _driver(rule_ids)},
        "originalUriBaseIds": {SRCROOT: {"uri": source_root().as_uri() + "/"}},
        "invocations": [_invocation(report, unplaced)],
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": _run_properties(report),
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _run_properties(report: Report) -> dict[str, Any]:
    properties: dict[str, Any] = {"today": report.today.isoformat(), "summary": report.summary}
    if report.compliance:
        properties["compliance"] = [result.as_dict() for result in report.compliance]
    return properties


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
    doc = " ".join(cite(rule.doc).split()) or rule.title
    first_paragraph = " ".join(cite(rule.doc).strip().split("\n\n")[0].split()) or rule.title
    help_text = f"{doc}\n\nObligation: {rule.obligation}\nSource: {rule.cited_source}"
    described = {
        "id": rule.id,
        "name": _camel(rule.id),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": first_paragraph},
        "help": {"text": help_text, "markdown": _help_markdown(rule)},
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "tags": ["email", rule.area],
            "source": rule.cited_source,
            "sourceReference": rule.source,
            "documents": rule.documents,
        },
    }
    uri = source_uri(rule.source)
    return described if uri is None else {**described, "helpUri": uri}


def _help_markdown(rule: Rule) -> str:
    paragraphs = [" ".join(p.split()) for p in cite(rule.doc).strip().split("\n\n") if p.strip()]
    source = f"*{rule.cited_source}*"
    return "\n\n".join([*paragraphs, f"**Obligation:** {rule.obligation}", source])


def _camel(rule_id: str) -> str:
    """`hygiene.hard-bounces` -> `HygieneHardBounces`."""
    words = rule_id.replace("-", ".").replace("_", ".").split(".")
    return "".join(word[:1].upper() + word[1:] for word in words)


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    assert finding.location_file is not None
    place = file_place(finding.location_file, finding.line)
    text = _text(finding)
    if place.member is not None:
        text += f"\nIn {place.describe_member()}."
    return {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.status],
        "message": {"text": text},
        "locations": [_location(place)],
        "partialFingerprints": {"mailcheckFinding/v1": _fingerprint(finding)},
        "properties": _properties(finding),
    }


def _unplaced(finding: Finding, rule_index: int) -> dict[str, Any]:
    """A finding about no file, as a notification: code scanning accepts no result without one."""
    return {
        "level": LEVELS[finding.status],
        "message": {"text": f"{finding.rule}: {_text(finding)}"},
        "associatedRule": {"id": finding.rule, "index": rule_index},
        "properties": _properties(finding),
    }


def _text(finding: Finding) -> str:
    text = f"{finding.subject}: {finding.message}"
    if finding.hint:
        text += f"\nFix: {finding.hint}"
    return text


def _properties(finding: Finding) -> dict[str, Any]:
    return {
        "status": finding.status.value,
        "subject": finding.subject,
        "sheet": finding.sheet,
        "hint": finding.hint,
    }


def _fingerprint(finding: Finding) -> str:
    """Stable across runs and line moves: the same rule, sheet and subject is the same alert,
    however the sheet's path was typed (`./a.yaml`, `a.yaml`, an absolute path)."""
    sheet = relative_path(finding.sheet) if finding.sheet else ""
    key = "\x1f".join([finding.rule, sheet, finding.subject])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _location(place: FilePlace) -> dict[str, Any]:
    """A physical location with a line (1 when the finding is about the whole file)."""
    line = place.line if place.line is not None and place.line >= 1 else 1
    return {
        "physicalLocation": {"artifactLocation": _artifact(place), "region": {"startLine": line}}
    }


def _artifact(place: FilePlace) -> dict[str, str]:
    if not place.is_relative:
        return {"uri": Path(place.path).as_uri()}
    return {"uri": quote(place.path, safe="/"), "uriBaseId": SRCROOT}


def _invocation(report: Report, unplaced: list[dict[str, Any]]) -> dict[str, Any]:
    invocation: dict[str, Any] = {
        "executionSuccessful": True,
        "exitCode": int(report.exit_code),
    }
    notifications = [*unplaced, *(_notification(n) for n in report.notes)]
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


def _notification(note: Note) -> dict[str, Any]:
    place = file_place(note.file, note.line)
    text = note.message + (f" ({place.describe_member()})" if place.member else "")
    return {"level": "warning", "message": {"text": text}, "locations": [_location(place)]}
