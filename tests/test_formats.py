"""CI output formats from the same findings: SARIF 2.1.0, JUnit, Markdown, GitHub annotations."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter

import jsonschema
import pytest

from conftest import REPO_ROOT, SHARED

ZONE = str(REPO_ROOT / "tests/data/zones/senders.example.zone")
SARIF_SCHEMA = SHARED / "corpora/sarif/sarif-schema-2.1.0.json"
EXAMPLE = REPO_ROOT / "examples/acme"

# One sheet that yields every status: a role sender (fail), a domain outside the zone (error),
# a volume that recommends dedicated IPs (warn), hygiene rules without a report (skip), passes.
MIXED = "volume_per_month: 2000000\n"
SENDERS = ("postmaster@good.senders.example", "anna@elsewhere.example")


def example_zones() -> list[str]:
    return [arg for z in sorted((EXAMPLE / "zones").glob("*.zone")) for arg in ("--zone", str(z))]


def run_format(run_cli, fmt: str, *args, command: str = "check") -> tuple[int, str]:
    code, out, err = run_cli(command, *args, "--format", fmt)
    assert "Traceback" not in err
    return code, out


def json_report(run_cli, *args) -> dict:
    return json.loads(run_format(run_cli, "json", *args)[1])


def validate_sarif(document: dict) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


# --- SARIF -------------------------------------------------------------------------------------


def test_sarif_validates_against_the_schema(write_sheet, run_cli):
    sheet = write_sheet(*SENDERS, extra=MIXED)
    code, out = run_format(run_cli, "sarif", sheet, "--zone", ZONE)
    document = json.loads(out)
    validate_sarif(document)
    assert document["version"] == "2.1.0"
    assert code == 1


def test_sarif_results_levels_and_rule_metadata(write_sheet, run_cli):
    sheet = write_sheet(*SENDERS, extra=MIXED)
    report = json_report(run_cli, sheet, "--zone", ZONE)
    run = json.loads(run_format(run_cli, "sarif", sheet, "--zone", ZONE)[1])["runs"][0]
    results = run["results"]
    expected = Counter(
        {"fail": "error", "warn": "warning", "error": "note"}[f["status"]]
        for f in report["findings"]
        if f["status"] in ("fail", "warn", "error")
    )
    assert Counter(r["level"] for r in results) == expected
    assert set(expected) == {"error", "warning", "note"}
    rules = run["tool"]["driver"]["rules"]
    for result in results:
        rule = rules[result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        assert rule["shortDescription"]["text"] and rule["help"]["text"]
        assert result["message"]["text"]
    assert run["tool"]["driver"]["name"] == "mailcheck"
    assert run["properties"]["summary"] == report["summary"]


def test_sarif_points_at_the_line_that_declares_the_subject(write_sheet, run_cli):
    sheet = write_sheet("anna@good.senders.example", "postmaster@good.senders.example")
    lines = sheet.read_text().splitlines()
    run = json.loads(run_format(run_cli, "sarif", sheet, "--zone", ZONE)[1])["runs"][0]
    (result,) = [r for r in run["results"] if r["ruleId"] == "sender.role"]
    physical = result["locations"][0]["physicalLocation"]
    line = physical["region"]["startLine"]
    assert "postmaster@good.senders.example" in lines[line - 1]
    assert physical["artifactLocation"]["uri"].endswith("sheet.yaml")


def test_sarif_uri_is_relative_to_the_working_directory(run_cli, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    args = ["examples/acme/sheet.yaml", *example_zones()]
    run = json.loads(run_format(run_cli, "sarif", *args)[1])["runs"][0]
    validate_sarif({"version": "2.1.0", "runs": [run]})
    locations = [r["locations"][0]["physicalLocation"] for r in run["results"]]
    assert {loc["artifactLocation"]["uri"] for loc in locations} == {"examples/acme/sheet.yaml"}
    assert {loc["artifactLocation"]["uriBaseId"] for loc in locations} == {"%SRCROOT%"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file://")
    sheet_lines = (EXAMPLE / "sheet.yaml").read_text().splitlines()
    for result, loc in zip(run["results"], locations, strict=True):
        subject = result["properties"]["subject"].removeprefix("dates.")
        declared = sheet_lines[loc["region"]["startLine"] - 1].lower()
        assert subject.lower() in declared or subject.split("@")[-1].lower() in declared


def test_sarif_without_results_still_validates(write_sheet, run_cli):
    code, out = run_format(
        run_cli,
        "sarif",
        write_sheet("anna@good.senders.example"),
        "--zone",
        ZONE,
        "--select",
        "sender.",
    )
    document = json.loads(out)
    validate_sarif(document)
    assert document["runs"][0]["results"] == []
    assert code == 0


# --- JUnit -------------------------------------------------------------------------------------


def parse_junit(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag == "testsuites"
    return root


def test_junit_one_testcase_per_finding(write_sheet, run_cli):
    sheet = write_sheet(*SENDERS, extra=MIXED)
    report = json_report(run_cli, sheet, "--zone", ZONE)
    root = parse_junit(run_format(run_cli, "junit", sheet, "--zone", ZONE)[1])
    cases = list(root.iter("testcase"))
    assert len(cases) == len(report["findings"])
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        (f["rule"], f["subject"]) for f in report["findings"]
    ]
    summary = report["summary"]
    assert int(root.get("tests")) == len(cases)
    assert int(root.get("failures")) == summary["fail"] == len(list(root.iter("failure")))
    assert int(root.get("errors")) == summary["error"] == len(list(root.iter("error")))
    assert int(root.get("skipped")) == summary["skip"] == len(list(root.iter("skipped")))
    for suite in root.iter("testsuite"):
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
    (failure,) = [
        c for c in cases if c.find("failure") is not None and c.get("classname") == "sender.role"
    ]
    assert "Fix:" in failure.find("failure").text


def test_junit_warn_fails_only_under_strict(write_sheet, run_cli):
    sheet = write_sheet("anna@good.senders.example", extra=MIXED)
    only = ("--zone", ZONE, "--select", "sender.,sheet.")
    plain = parse_junit(run_format(run_cli, "junit", sheet, *only)[1])
    strict = parse_junit(run_format(run_cli, "junit", sheet, *only, "--strict")[1])
    assert plain.get("failures") == "0"
    assert strict.get("failures") == "1"
    (case,) = [c for c in plain.iter("testcase") if c.find("system-out") is not None]
    assert case.get("classname") == "sheet.options"


def test_junit_names_are_unique_across_sheets(write_sheet, run_cli):
    first = write_sheet("anna@good.senders.example", name="a.yaml")
    second = write_sheet("anna@good.senders.example", name="b.yaml")
    root = parse_junit(run_format(run_cli, "junit", first, second, "--zone", ZONE)[1])
    pairs = [(c.get("classname"), c.get("name")) for c in root.iter("testcase")]
    assert len(pairs) == len(set(pairs))
    assert [s.get("name") for s in root.iter("testsuite")] == [str(first), str(second)]


def test_junit_numbers_repeated_pairs_and_cleans_control_characters():
    from mailcheck.core.findings import Finding, Status
    from mailcheck.core.report import Report
    from mailcheck.output.junit import as_junit

    findings = (
        Finding("x.rule", Status.FAIL, "same", "first \x00 broken", "fix it"),
        Finding("x.rule", Status.PASS, "same", "second"),
    )
    root = as_junit(Report(findings, dt.date(2026, 11, 16)))
    names = [c.get("name") for c in root.iter("testcase")]
    assert names == ["same", "same #2"]
    ET.fromstring(ET.tostring(root))  # still well-formed XML


# --- Markdown ----------------------------------------------------------------------------------


def test_markdown_lists_failures_with_their_fix_and_records_in_code_blocks(write_sheet, run_cli):
    sheet = write_sheet("anna@nomx.senders.example", "postmaster@good.senders.example")
    code, out = run_format(run_cli, "markdown", sheet, "--zone", ZONE)
    assert code == 1
    assert out.startswith("# mailcheck report")
    fails = out.split("## What fails and how to fix it", 1)[1].split("\n## ", 1)[0]
    assert "`postmaster@good.senders.example`" in fails
    assert "**Fix:**" in fails
    block = fails.split("```\n", 1)[1].split("```", 1)[0]
    assert "nomx.senders.example. 3600 IN MX 10 <mail server>." in block
    assert "## Met" in out


def test_markdown_shows_deadlines_first(write_sheet, run_cli, monkeypatch):
    from mailcheck.rules import REGISTRY
    from mailcheck.rules.base import Rule
    from mailcheck.sheet.due_dates import Kind

    async def deadline(sheet, ctx):
        return [rule.warned("dates.dns_requested", "due 2026-11-23, 3 working days left")]

    rule = Rule("deadline.test", "Test deadline", "-", "-", deadline, clock=Kind.DNS)
    monkeypatch.setitem(REGISTRY, rule.id, rule)
    sheet = write_sheet("postmaster@good.senders.example")
    out = run_format(run_cli, "markdown", sheet, "--zone", ZONE)[1]
    assert out.index("## Deadlines") < out.index("## What fails")
    deadlines = out.split("## Deadlines", 1)[1].split("\n## ", 1)[0]
    assert "due 2026-11-23" in deadlines
    assert "sender.role" not in deadlines


def test_markdown_escapes_finding_text():
    from mailcheck.core.findings import Finding, Status
    from mailcheck.core.report import Report
    from mailcheck.output.markdown import as_markdown

    finding = Finding("x.rule", Status.PASS, "a|b", "*not bold* | <b>tag</b>")
    out = as_markdown(Report((finding,), dt.date(2026, 11, 16)))
    row = next(line for line in out.splitlines() if line.startswith("| `x.rule`"))
    assert row.count(" | ") == 2  # the pipes inside cells are escaped
    assert "\\*not bold\\*" in row and "\\<b\\>" in row


# --- GitHub annotations ------------------------------------------------------------------------


def test_github_annotations_under_actions(write_sheet, run_cli, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    sheet = write_sheet(*SENDERS, extra=MIXED)
    code, out, err = run_cli("check", sheet, "--zone", ZONE, "--format", "json")
    report = json.loads(out)  # the report itself is unchanged
    commands = [line for line in err.splitlines() if line.startswith("::")]
    kinds = Counter(line[2:].split(" ", 1)[0] for line in commands)
    assert kinds == Counter(
        {"fail": "error", "warn": "warning", "error": "notice"}[f["status"]]
        for f in report["findings"]
        if f["status"] in ("fail", "warn", "error")
    )
    (role,) = [c for c in commands if "sender.role" in c]
    line = sheet.read_text().splitlines().index("  - address: 'postmaster@good.senders.example'")
    assert role.startswith(f"::error file={sheet},line={line + 1},title=sender.role%3A ")
    assert code == 1


@pytest.mark.parametrize("workers", ["1", "2"])
def test_github_annotations_of_a_streamed_batch(write_sheet, run_cli, monkeypatch, workers):
    """JSON Lines are written as each sheet is done; its annotations come with them."""
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    sheets = [write_sheet(*SENDERS, extra=MIXED, name=f"s{n}.yaml") for n in range(3)]
    args = ["--zone", ZONE, "--format", "jsonl", "--workers", workers]
    code, out, err = run_cli("check", *sheets, *args)
    findings = [json.loads(line) for line in out.splitlines()[:-1]]
    commands = [line for line in err.splitlines() if line.startswith("::")]
    kinds = Counter(line[2:].split(" ", 1)[0] for line in commands)
    assert kinds == Counter(
        {"fail": "error", "warn": "warning", "error": "notice"}[f["status"]]
        for f in findings
        if f["status"] in ("fail", "warn", "error")
    )
    assert {c.split("file=")[1].split(",")[0] for c in commands if "file=" in c} >= {
        str(sheet) for sheet in sheets
    }
    assert code == 1


def test_no_annotations_outside_actions(write_sheet, run_cli, monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    sheet = write_sheet("postmaster@good.senders.example")
    _, _, err = run_cli("check", sheet, "--zone", ZONE, "--format", "json")
    assert "::error" not in err


def test_annotation_escaping():
    from mailcheck.core.findings import Finding, Status
    from mailcheck.output.github import annotation

    finding = Finding("a.b", Status.FAIL, "x,y:z", "100% broken\nsecond line", "do: this")
    finding = finding.at("dir/file,1.yaml", 7)
    text = annotation(finding)
    assert text == (
        "::error file=dir/file%2C1.yaml,line=7,title=a.b%3A x%2Cy%3Az::"
        "100%25 broken%0Asecond line%0AFix: do: this"
    )


def test_every_format_renders_an_empty_report():
    from mailcheck.core.report import Report
    from mailcheck.output import Format, render

    for fmt in Format:
        stream = io.StringIO()
        render(Report((), dt.date(2026, 11, 16)), fmt, stream, color=False)
        assert stream.getvalue()


@pytest.mark.parametrize("fmt", ["sarif", "junit", "markdown"])
def test_formats_write_to_a_file(write_sheet, run_cli, tmp_path, fmt):
    target = tmp_path / f"report.{fmt}"
    sheet = write_sheet("postmaster@good.senders.example")
    code, out, err = run_cli("check", sheet, "--zone", ZONE, "--format", fmt, "-o", target)
    assert code == 1 and out == ""
    assert target.read_text(encoding="utf-8").strip()
    assert "exit code 1" in err


def test_sarif_of_messages_without_a_sheet_points_at_each_message(run_cli):
    invoice = EXAMPLE / "samples" / "invoice.eml"
    zone = EXAMPLE / "zones" / "acme.example.zone"
    code, out = run_format(run_cli, "sarif", invoice, "--zone", zone, command="message")
    document = json.loads(out)
    validate_sarif(document)
    (result,) = document["runs"][0]["results"]
    assert result["ruleId"] == "message.list-header"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("invoice.eml")
    assert code == 1


# --- SARIF: every result placed as code scanning requires --------------------------------------


def placed(result: dict) -> tuple[str, int]:
    """The (uri, startLine) of a result; fails when code scanning could not place it."""
    (location,) = result["locations"]
    physical = location["physicalLocation"]
    assert physical["artifactLocation"]["uri"]
    assert physical["region"]["startLine"] >= 1
    return physical["artifactLocation"]["uri"], physical["region"]["startLine"]


def many_late_addresses(path, count: int = 55) -> None:
    """`count` addresses mailed after a complaint (more than are listed one by one) and a
    receiver whose hard-bounce rate fails."""
    from delivery_reports import Report

    report = Report()
    for n in range(count):
        report.add(1, f"angry{n}@example.org", "complaint")
        report.add(2, f"angry{n}@example.org")
    for n in range(200):
        report.add(3, f"gone{n}@bouncy.example", "hard_bounce" if n < 10 else "delivered")
    report.write(path)


def test_sarif_of_a_report_without_a_sheet_places_every_result(tmp_path, run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    many_late_addresses(tmp_path / "report.csv")
    code, out = run_format(run_cli, "sarif", "report.csv", command="hygiene")
    document = json.loads(out)
    validate_sarif(document)
    results = document["runs"][0]["results"]
    rules = Counter(r["ruleId"] for r in results)
    assert rules["hygiene.complaints"] == 51  # 50 listed, one for the rest
    assert rules["hygiene.bounce-rate"] >= 1
    for result in results:
        assert placed(result)[0] == "report.csv"
    (rest,) = [r for r in results if r["properties"]["subject"] == "report.csv"
               and r["ruleId"] == "hygiene.complaints"]  # fmt: skip
    assert placed(rest) == ("report.csv", 1)
    assert code == 1


def test_sarif_of_a_domain_check_keeps_findings_without_a_file_out_of_results(run_cli):
    """Code scanning rejects a whole upload when one result has no location: findings about no
    file at all are notifications of the invocation, with their rule and level."""
    code, out = run_format(run_cli, "sarif", "acme.example", *example_zones(), command="domain")
    document = json.loads(out)
    validate_sarif(document)
    run = document["runs"][0]
    _, report_out = run_format(run_cli, "json", "acme.example", *example_zones(), command="domain")
    attention = ("fail", "warn", "error")
    expected = [f for f in json.loads(report_out)["findings"] if f["status"] in attention]
    assert expected  # the example fails DNS obligations
    assert run["results"] == []
    (invocation,) = run["invocations"]
    notifications = invocation["toolExecutionNotifications"]
    assert sorted(n["associatedRule"]["id"] for n in notifications) == sorted(
        f["rule"] for f in expected
    )
    rules = run["tool"]["driver"]["rules"]
    for notification in notifications:
        rule = notification["associatedRule"]
        assert rules[rule["index"]]["id"] == rule["id"]
        assert notification["level"] in ("error", "warning", "note")
    assert code == 1


def test_sarif_points_at_a_zip_archive_and_names_the_member(tmp_path, run_cli, monkeypatch):
    import zipfile

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    many_late_addresses(tmp_path / "part-1.csv", count=1)
    with zipfile.ZipFile(tmp_path / "report.zip", "w") as archive:
        archive.write(tmp_path / "part-1.csv", "part-1.csv")
    _code, out, err = run_cli("hygiene", "report.zip", "--format", "sarif")
    document = json.loads(out)
    validate_sarif(document)
    (late,) = [r for r in document["runs"][0]["results"] if r["ruleId"] == "hygiene.complaints"]
    assert placed(late) == ("report.zip", 1)
    assert "member part-1.csv, line 3" in late["message"]["text"]
    (annotation,) = [c for c in err.splitlines() if "hygiene.complaints" in c]
    assert annotation.startswith("::error file=report.zip,title=")
    assert "member part-1.csv, line 3" in annotation
    _, junit = run_format(run_cli, "junit", "report.zip", command="hygiene")
    files = {case.get("file") for case in parse_junit(junit).iter("testcase")}
    assert files == {"report.zip", None}  # None: the capacity skip is about no file


def test_sarif_uri_of_a_sheet_outside_the_working_directory(tmp_path, run_cli, monkeypatch):
    """Within the Git work tree: relative to its root. Elsewhere: an absolute file URI."""
    repository = tmp_path / "repo"
    (repository / ".git").mkdir(parents=True)
    (repository / "ci").mkdir()
    sheet = repository / "onboarding" / "acme.yaml"
    sheet.parent.mkdir()
    sheet.write_text("version: 1\nsenders:\n  - address: postmaster@good.senders.example\n")
    monkeypatch.chdir(repository / "ci")
    run = json.loads(run_format(run_cli, "sarif", "../onboarding/acme.yaml", "--zone", ZONE)[1])
    run = run["runs"][0]
    (role,) = [r for r in run["results"] if r["ruleId"] == "sender.role"]
    assert role["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "onboarding/acme.yaml",
        "uriBaseId": "%SRCROOT%",
    }
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repository.as_uri() + "/"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    run = json.loads(run_format(run_cli, "sarif", sheet, "--zone", ZONE)[1])["runs"][0]
    (role,) = [r for r in run["results"] if r["ruleId"] == "sender.role"]
    assert role["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": sheet.as_uri()}


def test_sarif_fingerprints_do_not_depend_on_how_the_path_was_typed(
    write_sheet, run_cli, monkeypatch
):
    sheet = write_sheet("postmaster@good.senders.example")
    monkeypatch.chdir(sheet.parent)
    prints = []
    for typed in ("sheet.yaml", "./sheet.yaml", str(sheet), f"../{sheet.parent.name}/sheet.yaml"):
        run = json.loads(run_format(run_cli, "sarif", typed, "--zone", ZONE)[1])["runs"][0]
        prints.append({r["partialFingerprints"]["mailcheckFinding/v1"] for r in run["results"]})
    assert prints[0] and all(p == prints[0] for p in prints)


def test_markdown_names_deadlines_for_the_customer(run_cli, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    args = ["examples/acme/sheet.yaml", *example_zones(), "--today", "2026-11-20"]
    out = run_format(run_cli, "markdown", *args)[1]
    deadlines = out.split("## Deadlines", 1)[1].split("\n## ", 1)[0]
    rows = [line.split(" | ") for line in deadlines.splitlines() if line.startswith("| ")][1:]
    assert sorted(row[1] for row in rows) == [
        "SPF/DKIM entries",
        "Service provisioned",
        "Sheet returned",
    ]
    assert "`dates." not in out  # nor in the sections below


@pytest.mark.parametrize("sheets", [1, 2])
@pytest.mark.parametrize("verbose", [False, True])
@pytest.mark.parametrize("color", [False, True])
def test_the_table_keeps_every_finding_and_fix(
    write_sheet, run_cli, monkeypatch, sheets, verbose, color
):
    """Grouped by place, written as plain text or (coloured) by rich in batches of lines:
    nothing may be lost; without -v exactly the findings that need attention are listed."""
    from mailcheck.output import layout

    monkeypatch.setattr(layout, "PRINT_BATCH", 3)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1" if color else "")
    paths = [write_sheet(*SENDERS, extra=MIXED, name=f"s{n}.yaml") for n in range(sheets)]
    report = json_report(run_cli, *paths, "--zone", ZONE)
    code, out = run_format(run_cli, "table", *paths, "--zone", ZONE, *(["-v"] if verbose else []))
    assert code == report["exit_code"]
    assert ("\x1b[" in out) is color
    out = re.sub("\x1b\\[[0-9;]*m", "", out)
    listed = Counter(
        line.split()[0] for line in out.splitlines() if line.startswith("  ") and line[2] != " "
    )
    wanted = [f for f in report["findings"] if verbose or f["status"] in ("fail", "warn", "error")]
    assert listed == Counter(f["status"].upper() for f in wanted)
    words = " ".join(out.split())
    assert all(" ".join(f["hint"].split()) in words for f in wanted if f["hint"])
