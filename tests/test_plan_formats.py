"""Every format gives the one change set: `check --format zone` prints what `mailcheck plan`
prints, `--format json` holds it as `plan`, the Markdown report as "What to change", and no hint
in any of them proposes another record than the plan for the same DNS name and type."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from mailcheck.output.markdown import RECORD
from test_plan import PROVIDER_ZONE, SPF_SHEET, SPF_ZONE, write_zone

TODAY = "2026-11-20"
EXAMPLES = ["broken-stream", "acme"]


def example_args(example: str) -> list[str]:
    folder = REPO_ROOT / "examples" / example
    zones = sorted((folder / "zones").glob("*.zone"))
    return [str(folder / "sheet.yaml"), *[a for z in zones for a in ("--zone", str(z))]]


def merge_args(write_sheet, tmp_path: Path) -> list[str]:
    """spf.all, spf.include and spf.authorizes failing on one record (see test_plan)."""
    zones = [
        write_zone(tmp_path, "merge.example", SPF_ZONE),
        write_zone(tmp_path, "esp.example", PROVIDER_ZONE),
    ]
    sheet = write_sheet("anna@merge.example", extra=SPF_SHEET)
    return [str(sheet), *[a for z in zones for a in ("--zone", str(z))]]


@pytest.fixture(params=[*EXAMPLES, "merge"])
def case(request, write_sheet, tmp_path) -> list[str]:
    if request.param == "merge":
        return merge_args(write_sheet, tmp_path)
    return example_args(request.param)


def report_json(run_cli, args: list[str]) -> dict:
    code, out, err = run_cli("check", *args, "--today", TODAY, "--format", "json")
    assert code in (0, 1, 3), err
    return json.loads(out)


def test_check_format_zone_prints_the_plan(run_cli, case):
    plan_code, planned, _ = run_cli("plan", *case, "--today", TODAY)
    code, zone, err = run_cli("check", *case, "--today", TODAY, "--format", "zone")
    assert (code, zone) == (plan_code, planned)
    assert "exit code" in err  # the summary goes to stderr, the snippet alone to stdout


def test_the_json_plan_and_the_zone_snippet_agree(run_cli, case):
    data = report_json(run_cli, case)
    [plan] = data["plan"]
    _, zone, _ = run_cli("check", *case, "--today", TODAY, "--format", "zone")
    published = [line for line in zone.splitlines() if line and not line.startswith(";")]
    held = [line[1:] for line in zone.splitlines() if line.startswith(";") and " IN " in line]
    records = plan["records"]
    assert records, "the case plans no record: the test proves nothing"
    assert published == [r["line"] for r in records if r["ready"]]
    assert set(held) >= {r["line"] for r in records if not r["ready"]}
    for record in records:  # one record per DNS name and type, for now and for later
        same = [r for r in records if (r["name"], r["type"]) == (record["name"], record["type"])]
        assert len(same) == 1 or {r["when"] is None for r in same} == {True, False}
    for request in plan["requests"]:
        assert " ".join(request["text"].split()[:4]) in " ".join(zone.replace(";", " ").split())


def quoted_records(text: str) -> list[tuple[str, str, str]]:
    """The zone file lines a text quotes, as (name, type, line)."""
    found = []
    for match in RECORD.finditer(text):
        name, _ttl, _class, rtype = match.group(0).split()[:4]
        found.append((name.rstrip("."), rtype, match.group(0)))
    return found


def test_no_hint_proposes_another_record_than_the_plan(run_cli, case):
    data = report_json(run_cli, case)
    [plan] = data["plan"]
    lines: dict[tuple[str, str], set[str]] = {}
    for record in plan["records"]:
        lines.setdefault((record["name"], record["type"]), set()).add(record["line"])
    asked = " ".join(item["text"] for item in [*plan["requests"], *plan["tasks"]])
    conflicts = {(c["name"], c["type"]) for c in plan["conflicts"]}
    quoted = 0
    for finding in data["findings"]:
        if finding["status"] not in ("fail", "warn") or not finding["hint"]:
            continue
        for name, rtype, line in quoted_records(finding["hint"]):
            quoted += 1
            where = f"{finding['rule']} {finding['subject']}: {line}"
            if (name, rtype) in lines:
                assert line in lines[(name, rtype)], f"another record than the plan's: {where}"
            else:  # not a record of the plan: then something the plan asks another to publish
                assert line in asked or (name, rtype) in conflicts, f"not in the plan: {where}"
    assert quoted, "no hint quotes a record: the test proves nothing"


def test_the_markdown_report_holds_the_plan(run_cli, case):
    data = report_json(run_cli, case)
    [plan] = data["plan"]
    _, markdown, _ = run_cli("check", *case, "--today", TODAY, "--format", "markdown")
    section = markdown.split("## What to change", 1)[1].split("\n## ", 1)[0]
    blocks = "\n".join(re.findall(r"```dns\n(.*?)```", section, re.S))
    for record in plan["records"]:
        shown = record["line"] if record["ready"] else f";{record['line']}"
        assert shown in blocks.splitlines()
    assert section.count("\n- ") >= len(plan["requests"]) + len(plan["tasks"])


def test_commands_without_a_change_set_give_their_fixes_in_words(run_cli):
    """hygiene's findings are about a delivery report: its zone output is a change set of
    comments only, the fixes as the checks word them."""
    report = REPO_ROOT / "examples/acme/delivery-report.csv"
    code, out, err = run_cli("hygiene", report, "--format", "zone", "--today", TODAY)
    assert code in (0, 1, 3), err
    assert out.startswith("; Change set")
    assert all(line.startswith(";") for line in out.splitlines() if line)
    _, data, _ = run_cli("hygiene", report, "--format", "json", "--today", TODAY)
    assert "plan" not in json.loads(data)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_each_sheet_of_a_batch_has_its_change_set(run_cli, workers):
    """Checked in worker processes or not, the JSON report holds one plan per sheet."""
    sheets = [example_args(example) for example in EXAMPLES]
    zones = [arg for args in sheets for arg in args[1:]]
    code, out, err = run_cli(
        "check",
        *(args[0] for args in sheets),
        *zones,
        "--today",
        TODAY,
        "--format",
        "json",
        "--workers",
        workers,
    )
    assert code == 1, err
    plans = json.loads(out)["plan"]
    assert [Path(plan["sheet"]).parent.name for plan in plans] == EXAMPLES
    assert all(plan["records"] for plan in plans)
