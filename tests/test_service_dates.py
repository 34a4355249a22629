"""The dates of the service itself: relay offboarding after `dates.terminated` (spf.offboarded
and the onboarding rules it turns around) and the provisioning deadline after `dates.ordered`,
beyond their case files: the fixes spf.offboarded gives are whole, the dates are checked as the
sheet is read, and the provisioning deadline is shown like the others."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import statuses

ORIGIN = "off.example"
_TXT_LINE = re.compile(r"(\S+)\. 3600 IN TXT (.+?)(?:;|$)")
ZONE_HEAD = f"""$ORIGIN {ORIGIN}.
$TTL 300
@ IN SOA ns hostmaster 1 3600 600 604800 60
@ IN NS ns
ns IN A 127.0.0.1
esp IN TXT "v=spf1 ip4:198.51.100.0/26 -all"
"""
RECORDS = {
    "direct": ['direct IN TXT "v=spf1 ip4:192.0.2.10 include:esp.off.example mx -all"'],
    "only": ['only IN TXT "v=spf1 include:esp.off.example ~all"'],
    "nested": [
        'nested IN TXT "v=spf1 a include:_spf.nested.off.example -all"',
        '_spf.nested IN TXT "v=spf1 include:esp.off.example ip4:192.0.2.20 ~all"',
    ],
    "redirected": ['redirected IN TXT "v=spf1 ip4:192.0.2.30 redirect=esp.off.example"'],
    "after": ['after IN TXT "v=spf1 ip4:192.0.2.40 -all include:esp.off.example"'],
}
TERMINATED = "dates: {terminated: 2026-11-02}\n"


def sheet_for(tmp_path: Path, labels: list[str], more: str = TERMINATED) -> Path:
    domains = ", ".join(f"{label}.{ORIGIN}" for label in labels)
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text(
        f"version: 1\nmail_from: [{domains}]\nspf: {{required_include: esp.{ORIGIN}}}\n{more}"
    )
    return sheet


def zone(tmp_path: Path, records: dict[str, list[str]], name: str = "off.zone") -> Path:
    path = tmp_path / name
    path.write_text(ZONE_HEAD + "\n".join(line for lines in records.values() for line in lines))
    return path


def published(hint: str) -> list[tuple[str, str]]:
    """(name, record text) of each TXT record a hint publishes."""
    return [
        (name, "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', quoted)))
        for name, quoted in _TXT_LINE.findall(hint)
    ]


def test_publishing_the_fixes_removes_the_provider_and_keeps_the_rest(check_json, tmp_path):
    from mailcheck.spf.syntax import parse_record

    labels = list(RECORDS)
    sheet = sheet_for(tmp_path, labels)
    args = ["--select", "spf.", "--today", "2026-11-20"]
    _, before = check_json(sheet, "--zone", zone(tmp_path, RECORDS), *args)
    failing = {f["subject"]: f for f in before["findings"] if f["rule"] == "spf.offboarded"}
    assert {subject: f["status"] for subject, f in failing.items()} == {
        f"{label}.{ORIGIN}": "fail" for label in labels
    }
    fixed = {label: list(lines) for label, lines in RECORDS.items()}
    for finding in failing.values():
        for name, text in published(finding["hint"]):
            record = parse_record(text)
            assert not any(t.value == f"esp.{ORIGIN}" for t in record.terms), text
            assert record.terms[-1].is_all and record.terms[-1].qualifier in "-~", text
            label = name.removesuffix(f".{ORIGIN}")
            owner = next(
                key
                for key, lines in RECORDS.items()
                if any(line.startswith(f"{label} ") for line in lines)
            )
            fixed[owner] = [line for line in fixed[owner] if not line.startswith(f"{label} ")] + [
                f'{label} IN TXT "{text}"'
            ]
    assert fixed["direct"][-1].endswith('"v=spf1 ip4:192.0.2.10 mx -all"')  # the rest kept
    _, after = check_json(sheet, "--zone", zone(tmp_path, fixed, "fixed.zone"), *args)
    assert set(statuses(after, "spf.offboarded").values()) == {"pass"}
    assert set(statuses(after, "spf.record").values()) <= {"pass", "warn"}
    assert set(statuses(after, "spf.all").values()) == {"pass"}


def test_the_onboarding_rules_skip_once_the_service_ended(check_json, tmp_path):
    """spf.include and spf.authorizes stop applying on the day the service ended; before it
    they apply, and spf.offboarded does not yet."""
    records = {"gone": ['gone IN TXT "v=spf1 ip4:192.0.2.10 -all"']}
    more = "dates: {terminated: 2026-11-20}\n"
    sheet = sheet_for(tmp_path, ["gone"], more)
    sheet.write_text(sheet.read_text().replace("}\n", ", sending_ips: [198.51.100.7]}\n", 1))
    subject = f"gone.{ORIGIN}"
    rules = ("spf.include", "spf.authorizes", "spf.offboarded")
    for today, expected in (
        ("2026-11-19", {"spf.include": "fail", "spf.authorizes": "fail", "spf.offboarded": "skip"}),
        ("2026-11-20", {"spf.include": "skip", "spf.authorizes": "skip", "spf.offboarded": "pass"}),
    ):
        _, report = check_json(sheet, "--zone", zone(tmp_path, records), "--today", today)
        found = {rule: set(statuses(report, rule).values()) for rule in rules}
        assert found == {rule: {status} for rule, status in expected.items()}, today
        assert subject in statuses(report, "spf.offboarded")


def test_deadline_dns_does_not_judge_the_offboarding(check_json, tmp_path):
    """An include left after the service ended is no SPF entry late to be published: the DNS
    deadline (long past) is met, however spf.offboarded ends."""
    sheet = sheet_for(
        tmp_path, ["only"], "dates: {dns_requested: 2026-01-05, terminated: 2026-11-02}\n"
    )
    _, report = check_json(sheet, "--zone", zone(tmp_path, RECORDS), "--today", "2026-11-20")
    assert set(statuses(report, "spf.offboarded").values()) == {"fail"}
    assert statuses(report, "deadline.dns") == {"dates.dns_requested": "pass"}


# --- provisioning ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dates", "key"),
    [
        ("{ordered: 2026-11-20, provisioned: 2026-11-19}", "dates.provisioned"),
        ("{ordered: 20.11.2026}", "dates.ordered"),
        ("{terminated: 86400}", "dates.terminated"),
    ],
)
def test_impossible_service_dates_are_input_errors(run_cli, tmp_path, dates, key):
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text(f"version: 1\nregion: DE-BW\ndates: {dates}\n")
    code, out, err = run_cli("check", sheet)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"sheet.yaml:3: {key}:" in err


def test_the_deadlines_table_shows_the_provisioning(run_cli, tmp_path):
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text("version: 1\nregion: DE-BW\ndates: {ordered: 2026-11-20}\n")
    code, out, _ = run_cli("deadlines", sheet, "--today", "2026-11-24", "--format", "json")
    (row,) = [r for r in json.loads(out)["deadlines"] if r["rule"] == "deadline.provisioning"]
    assert (row["status"], row["started"], row["due"]) == ("fail", "2026-11-20", "2026-11-23")
    assert row["working_days_overdue"] == 1
    assert [f["rule"] for f in row["still_failing"]] == ["deadline.provisioning"]
    assert code == 1
    code, out, _ = run_cli("deadlines", sheet, "--today", "2026-11-24")
    assert code == 1 and "2026-11-23" in out


def test_a_late_provisioning_is_a_deadline_in_the_markdown_report(run_cli, tmp_path):
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text(
        "version: 1\nregion: DE-BW\ndates: {ordered: 2026-11-23, provisioned: 2026-11-25}\n"
    )
    code, out, _ = run_cli(
        "check", sheet, "--select", "deadline.", "--today", "2026-12-01", "--format", "markdown"
    )
    assert code == 1
    deadlines = out.split("## Deadlines", 1)[1].split("\n## ", 1)[0]
    assert "2026-11-24" in deadlines  # the due date: the first working day after the order


def test_explain_names_the_provisioning_deadline(run_cli):
    code, out, _ = run_cli("explain", "deadline.provisioning")
    assert code == 0
    assert "1 working day)" in out


# --- the sheet format --------------------------------------------------------------------------


def readme_sheet() -> dict:
    import yaml

    from conftest import REPO_ROOT

    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The implementation sheet", 1)[1]
    return yaml.safe_load(section.split("```yaml\n", 1)[1].split("```", 1)[0])


def test_the_readme_sheet_with_the_new_keys_meets_the_published_schema(run_cli):
    """The sheet's new keys (the certificate, the service dates) are in the JSON Schema that
    `mailcheck schema` publishes, and a typo inside the new section is refused by it."""
    import jsonschema

    from mailcheck.sheet.model import Sheet

    code, out, _ = run_cli("schema")
    assert code == 0
    schema = json.loads(out)
    sheet = readme_sheet()
    assert {"ordered", "provisioned", "terminated"} <= set(sheet["dates"])
    assert {"domain", "file", "key_file"} == set(sheet["certificate"])
    jsonschema.Draft202012Validator(schema).validate(json.loads(json.dumps(sheet, default=str)))
    Sheet.model_validate(sheet)
    sheet["certificate"]["keyfile"] = sheet["certificate"].pop("key_file")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(json.loads(json.dumps(sheet, default=str)))
