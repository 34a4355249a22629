"""`--format junit`: JUnit XML, the test report GitLab, Jenkins and most CI systems read.

One `<testsuite>` per sheet (findings without a sheet, e.g. of `mailcheck hygiene` run without
one, form a suite named after the tool) and one `<testcase>` per finding: `classname` is the
rule id and `name` the subject. A `fail` is a `<failure>` (message and fix), an `error` (a check
that could not be decided) an `<error>`, a `skip` a `<skipped>`; a `warn` passes with the warning
in `<system-out>` and is a `<failure>` under `--strict`, as the exit code says. GitLab keeps one
test per classname and name, so with several sheets every name carries its sheet in brackets,
and a pair that still repeats is numbered (`#2`). Input problems that did not stop the run are
the `<system-err>` of the first suite. The counts of every suite and of the whole report add up
to the test cases written.

Each compliance profile judged for a sheet (`--profile`, the sheet's `profiles:`) is a suite of
its own, `compliance <profile>` (with the sheet in brackets when there are several), with one
test case per requirement: `classname` `compliance.<profile>`, `name` the requirement's id. A
requirement not met is a `<failure>`, an undecided one an `<error>`; the message names the
findings behind it and the requirement's source.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from typing import TextIO

from mailcheck.core.compliance import ProfileVerdict, RequirementVerdict, Verdict
from mailcheck.core.findings import Finding, Status
from mailcheck.core.report import Report
from mailcheck.output.locations import file_place

NO_SHEET = "mailcheck"
# Characters XML 1.0 cannot carry (a delivery report may contain anything).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render_junit(report: Report, stream: TextIO, color: bool | None = None) -> None:
    root = as_junit(report)
    ET.indent(root)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ET.tostring(root, encoding="unicode"))
    stream.write("\n")


def as_junit(report: Report) -> ET.Element:
    suites: dict[str, list[Finding]] = {}
    for finding in report.findings:
        suites.setdefault(finding.sheet or NO_SHEET, []).append(finding)
    several = len(suites) > 1
    root = ET.Element("testsuites", name="mailcheck")
    seen: Counter[tuple[str, str]] = Counter()
    for suite_name, findings in suites.items():
        suite = ET.SubElement(root, "testsuite", name=_clean(suite_name))
        for finding in findings:
            name = f"{finding.subject} [{suite_name}]" if several else finding.subject
            seen[finding.rule, name] += 1
            if seen[finding.rule, name] > 1:
                name = f"{name} #{seen[finding.rule, name]}"
            _testcase(suite, finding, name, strict=report.strict)
        _count(suite, suite)
    several_subjects = len({result.subject for result in report.compliance}) > 1
    for result in report.compliance:
        _compliance_suite(root, result, several_subjects)
    if report.notes and len(root):
        err = ET.SubElement(root[0], "system-err")
        err.text = _clean("\n".join(str(note) for note in report.notes))
    _count(root, *root)
    return root


def _testcase(suite: ET.Element, finding: Finding, name: str, *, strict: bool) -> None:
    case = ET.SubElement(
        suite, "testcase", classname=_clean(finding.rule), name=_clean(name), time="0"
    )
    if finding.location_file:
        # a member of a `.zip` report: the archive (the member is named in the message)
        case.set("file", _clean(file_place(finding.location_file, finding.line).path))
    text = _clean(f"{finding.message}\nFix: {finding.hint}" if finding.hint else finding.message)
    status = finding.status
    if status is Status.FAIL or (status is Status.WARN and strict):
        ET.SubElement(
            case, "failure", message=_clean(finding.message), type=status.value
        ).text = text
    elif status is Status.ERROR:
        ET.SubElement(case, "error", message=_clean(finding.message), type="undecided").text = text
    elif status is Status.SKIP:
        ET.SubElement(case, "skipped", message=_clean(finding.message))
    elif status is Status.WARN:
        ET.SubElement(case, "system-out").text = f"warn: {text}"


def _compliance_suite(root: ET.Element, result: ProfileVerdict, several: bool) -> None:
    name = f"compliance {result.profile}" + (f" [{result.subject}]" if several else "")
    suite = ET.SubElement(root, "testsuite", name=_clean(name))
    for requirement in result.requirements:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=_clean(f"compliance.{result.profile}"),
            name=_clean(requirement.id),
            time="0",
        )
        if result.sheet:
            case.set("file", _clean(file_place(result.sheet, None).path))
        text = _clean(_requirement_text(requirement))
        if requirement.verdict is Verdict.NOT_MET:
            ET.SubElement(
                case, "failure", message=_clean(requirement.title), type="not_met"
            ).text = text
        elif requirement.verdict is Verdict.UNDECIDED:
            ET.SubElement(
                case, "error", message=_clean(requirement.title), type="undecided"
            ).text = text
    _count(suite, suite)


def _requirement_text(requirement: RequirementVerdict) -> str:
    lines = [requirement.title, *map(str, requirement.deciding())]
    lines += [f"{rule}: no finding" for rule in requirement.silent_rules]
    return "\n".join([*lines, f"Source: {requirement.source}"])


def _count(target: ET.Element, *suites: ET.Element) -> None:
    """Set tests/failures/errors/skipped on `target` from the test cases of `suites`."""
    cases = [case for suite in suites for case in suite.iter("testcase")]
    target.set("tests", str(len(cases)))
    for attribute, child in (("failures", "failure"), ("errors", "error"), ("skipped", "skipped")):
        target.set(attribute, str(sum(1 for case in cases if case.find(child) is not None)))
    target.set("time", "0")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
