"""The command line: exit codes, input errors (exit 2, one line, no traceback), formats."""

from __future__ import annotations

import importlib.metadata
import json
import shutil
import subprocess
import sys
import sysconfig

import pytest

from conftest import REPO_ROOT, statuses

ZONE = str(REPO_ROOT / "tests/data/zones/senders.example.zone")
# good.senders.example's DKIM key and DMARC record: with MEETS_DNS it meets every DNS obligation
GOOD_ZONES = [
    arg
    for name in ("senders.example.zone", "dkim-good.zone", "dmarc-good.zone")
    for arg in ("--zone", str(REPO_ROOT / "tests/data/zones" / name))
]
MEETS_DNS = "dkim:\n  - domain: good.senders.example\n    selector: sel\n"
EXAMPLE = REPO_ROOT / "examples/acme"


def example_zones() -> list[str]:
    return [arg for z in sorted((EXAMPLE / "zones").glob("*.zone")) for arg in ("--zone", str(z))]


def test_json_contract(write_sheet, check_json):
    sheet = write_sheet("anna@good.senders.example", extra=MEETS_DNS)
    code, report = check_json(sheet, *GOOD_ZONES)
    assert code == report["exit_code"] == 0
    assert set(report["summary"]) == {"pass", "fail", "warn", "error", "skip"}
    assert sum(report["summary"].values()) == len(report["findings"])
    for finding in report["findings"]:
        assert set(finding) >= {"rule", "status", "subject", "message", "hint", "sheet"}
        assert finding["sheet"] == str(sheet)


def test_fail_exits_1(write_sheet, check_json):
    code, report = check_json(write_sheet("postmaster@good.senders.example"), "--zone", ZONE)
    assert code == report["exit_code"] == 1


def test_name_outside_the_zones_is_error_and_exit_3(write_sheet, check_json):
    extra = "dkim:\n  - domain: elsewhere.example\n    selector: sel\n"
    code, report = check_json(write_sheet("anna@elsewhere.example", extra=extra), "--zone", ZONE)
    assert statuses(report, "sender.mx") == {"elsewhere.example": "error"}
    assert report["summary"]["fail"] == 0
    assert code == 3


def test_strict_makes_warnings_fail(write_sheet, run_cli, monkeypatch):
    from mailcheck.rules import REGISTRY
    from mailcheck.rules.base import Rule

    async def warns(sheet, ctx):
        return [rule.warned("x", "weak")]

    rule = Rule("test.warn", "warns", "-", "-", warns)
    monkeypatch.setitem(REGISTRY, rule.id, rule)
    sheet = write_sheet("anna@good.senders.example", extra=MEETS_DNS)
    assert run_cli("check", sheet, *GOOD_ZONES)[0] == 0
    assert run_cli("check", sheet, *GOOD_ZONES, "--strict")[0] == 1


def test_a_crashing_rule_becomes_an_error_finding(write_sheet, check_json, monkeypatch):
    from mailcheck.rules import REGISTRY
    from mailcheck.rules.base import Rule

    async def crashes(sheet, ctx):
        raise RuntimeError("boom " + "x" * 1_000_000)  # the exception carries a whole value

    monkeypatch.setitem(REGISTRY, "test.crash", Rule("test.crash", "crashes", "-", "-", crashes))
    sheet = write_sheet("anna@good.senders.example", extra=MEETS_DNS)
    code, report = check_json(sheet, *GOOD_ZONES)
    assert list(statuses(report, "test.crash").values()) == ["error"]
    assert statuses(report, "sender.mx") == {"good.senders.example": "pass"}
    assert code == 3
    (crash,) = [f for f in report["findings"] if f["rule"] == "test.crash"]
    assert len(crash["message"]) < 600


def test_exemption_turns_a_finding_into_skip(write_sheet, check_json):
    extra = MEETS_DNS + (
        "exemptions:\n"
        "  - rule: sender.role\n"
        "    subject: info@good.senders.example\n"
        "    reason: registered before the role rule, approved by the provider\n"
    )
    sheet = write_sheet("info@good.senders.example", extra=extra)
    code, report = check_json(sheet, *GOOD_ZONES)
    (finding,) = [f for f in report["findings"] if f["rule"] == "sender.role"]
    assert finding["status"] == "skip"
    assert "approved by the provider" in finding["message"]
    assert code == 0


def test_output_file_and_summary_on_stderr(write_sheet, run_cli, tmp_path):
    target = tmp_path / "report.json"
    sheet = write_sheet("anna@good.senders.example", extra=MEETS_DNS)
    code, out, err = run_cli("check", sheet, *GOOD_ZONES, "--format", "json", "-o", target)
    assert code == 0
    assert out == ""
    assert json.loads(target.read_text())["exit_code"] == 0
    assert "exit code 0" in err


def test_table_shows_failures_first_with_their_fix(write_sheet, run_cli):
    sheet = write_sheet("anna@good.senders.example", "anna@nomx.senders.example")
    code, out, _ = run_cli("check", sheet, "--zone", ZONE)
    assert code == 1
    assert "\x1b[" not in out  # no colour when not a terminal
    assert "FAIL" in out and "PASS" not in out  # passes are only counted
    assert "nomx.senders.example. 3600 IN MX" in " ".join(out.split())  # wrapped for the width
    code, out, _ = run_cli("check", sheet, "--zone", ZONE, "-v")
    assert out.index("FAIL") < out.index("PASS")


def test_several_sheets_in_one_run(write_sheet, check_json):
    first = write_sheet("anna@good.senders.example", name="a.yaml")
    second = write_sheet("bob@nomx.senders.example", name="b.yaml")
    code, report = check_json(first, second, "--zone", ZONE)
    assert {f["sheet"] for f in report["findings"]} == {str(first), str(second)}
    assert code == 1


def test_the_bundled_example_teaches_by_failing(run_cli):
    code, out, _ = run_cli("check", EXAMPLE / "sheet.yaml", *example_zones(), "--format", "json")
    report = json.loads(out)
    failing = [f for f in report["findings"] if f["status"] == "fail"]
    assert failing
    assert all(f["hint"] for f in failing)
    assert code == 1


# --- input errors: exit 2, one clear line naming file and line, never a traceback ----------------


def assert_input_error(result: tuple[int, str, str], *needles: str) -> None:
    code, out, err = result
    assert code == 2
    assert "Traceback" not in out + err
    for needle in needles:
        assert needle in err


def test_missing_sheet(run_cli, tmp_path):
    missing = tmp_path / "nope.yaml"
    assert_input_error(run_cli("check", missing, "--zone", ZONE), str(missing))


@pytest.mark.parametrize("several", [False, True])
def test_a_file_name_with_a_new_line_stays_on_one_line(run_cli, tmp_path, several):
    """Under GitHub Actions a line of stderr that starts with `::` is a workflow command: a
    file's name must not start one."""
    named = tmp_path / "a\n::warning::injected.yaml"
    named.write_text("version: [\n", encoding="utf-8")
    other = tmp_path / "b.yaml"
    other.write_text("version: 2\n", encoding="utf-8")
    sheets = [named, other] if several else [named]
    code, _, err = run_cli("check", *sheets, "--zone", ZONE)
    assert code == 2 and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == len(sheets) and not [line for line in lines if line.startswith("::")]
    assert "a\\n::warning::injected.yaml" in err


def test_unknown_key_names_file_and_line(run_cli, write_sheet):
    sheet = write_sheet("anna@good.senders.example", extra="mail_form: [x.example]\n")
    assert_input_error(run_cli("check", sheet, "--zone", ZONE), f"{sheet}:6", "mail_form")


def test_yaml_syntax_error(run_cli, tmp_path):
    sheet = tmp_path / "broken.yaml"
    sheet.write_text("version: 1\nsenders: [\n  - address: x\n")
    assert_input_error(run_cli("check", sheet, "--zone", ZONE), str(sheet))


def test_bad_date(run_cli, write_sheet):
    sheet = write_sheet("anna@good.senders.example", extra="dates:\n  dns_requested: 2026-02-30\n")
    assert_input_error(run_cli("check", sheet, "--zone", ZONE), f"{sheet}:7", "dns_requested")


def test_missing_zone_file(run_cli, write_sheet, tmp_path):
    sheet = write_sheet("anna@good.senders.example")
    assert_input_error(run_cli("check", sheet, "--zone", tmp_path / "no.zone"), "no.zone")


def test_broken_zone_file(run_cli, write_sheet, tmp_path):
    zone = tmp_path / "bad.example.zone"
    zone.write_text("@ 300 IN SOA a. b. 1 2 3 4 5\n@ 300 IN MX ten mx.bad.example.\n")
    sheet = write_sheet("anna@good.senders.example")
    assert_input_error(run_cli("check", sheet, "--zone", zone), f"{zone}:")


def test_bad_nameserver(run_cli, write_sheet):
    sheet = write_sheet("anna@good.senders.example")
    assert_input_error(run_cli("check", sheet, "--nameserver", "ns.example:53"), "--nameserver")


@pytest.mark.parametrize(
    "args",
    [
        ["check"],
        ["check", "x.yaml", "--format", "xml"],
        ["check", "x.yaml", "--today", "2026-13-01"],
        ["check", "x.yaml", "--timeout", "0"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2(run_cli, args):
    code, out, err = run_cli(*args)
    assert code == 2
    assert "Traceback" not in out + err
    assert err.strip()


def test_unwritable_output(run_cli, write_sheet, tmp_path):
    sheet = write_sheet("anna@good.senders.example")
    target = tmp_path / "missing-dir" / "report.json"
    assert_input_error(run_cli("check", sheet, "--zone", ZONE, "-o", target), str(target))


# --- the other commands -------------------------------------------------------------------------


def test_rules_lists_every_registered_rule(run_cli):
    from mailcheck.rules import REGISTRY

    code, out, _ = run_cli("rules")
    assert code == 0
    firsts = [line.strip("│ ").split(" ", 1)[0] for line in out.splitlines()]
    assert [word for word in firsts if word in REGISTRY] == list(REGISTRY)


def test_every_rule_is_documented():
    from mailcheck.rules import REGISTRY

    for rule in REGISTRY.values():
        assert rule.title and rule.obligation and rule.source
        assert len(rule.doc.split()) > 20, rule.id


def test_explain(run_cli):
    code, out, _ = run_cli("explain", "sender.role")
    assert code == 0
    assert "RFC 2142" in out
    assert_input_error(run_cli("explain", "sender.nope"), "sender.nope")


def test_schema_is_json_and_forbids_unknown_keys(run_cli):
    code, out, _ = run_cli("schema")
    assert code == 0
    assert json.loads(out)["additionalProperties"] is False


def test_console_script_and_module_entry_points(write_sheet):
    sheet = write_sheet("anna@good.senders.example", extra=MEETS_DNS)
    script = _installed_script()
    for cmd in ([script], [sys.executable, "-m", "mailcheck"]):
        done = subprocess.run(
            [*cmd, "check", sheet, *GOOD_ZONES], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
    version = subprocess.run([script, "--version"], capture_output=True, text=True)
    assert version.stdout.split() == ["mailcheck", importlib.metadata.version("mailcheck-cli")]


def _installed_script() -> str:
    """The console script installed beside this interpreter, whatever PATH says."""
    found = shutil.which("mailcheck", path=sysconfig.get_path("scripts"))
    assert found, "the console script `mailcheck` is not installed beside this Python"
    return found


@pytest.mark.parametrize(
    ("extra", "line", "key"),
    [
        ("mail_from: ['bounce acme.example']\n", 6, "mail_from[0]"),
        ("mail_from: [a@acme.example]\n", 6, "mail_from[0]"),
        ("dkim:\n  - {domain: acme.example, selector: 's 1'}\n", 7, "dkim[0].selector"),
        ("tracking: {domain: click.acme.example, target: 'not a host!'}\n", 6, "tracking.target"),
        ("tracking: {domain: click.acme.example, target: 198.51.100.007}\n", 6, "tracking.target"),
        ("spf: {required_include: 'http://spf.esp.example/'}\n", 6, "spf.required_include"),
    ],
)
def test_names_that_cannot_be_dns_names_are_input_errors(run_cli, write_sheet, extra, line, key):
    sheet = write_sheet("anna@good.senders.example", extra=extra)
    assert_input_error(run_cli("check", sheet, "--zone", ZONE), f"{sheet}:{line}", key)


@pytest.mark.parametrize("domain", ["a@ok.example", "http://ok.example/", "198.51.100.7", "ok"])
def test_domain_command_refuses_what_is_not_a_domain(run_cli, domain):
    assert_input_error(run_cli("domain", domain, "--zone", ZONE), "DOMAIN")


def test_exemption_of_an_unknown_rule_is_an_input_error(run_cli, write_sheet):
    extra = "exemptions:\n  - rule: sender.rol\n    subject: x\n    reason: typo\n"
    sheet = write_sheet("anna@good.senders.example", extra=extra)
    assert_input_error(run_cli("check", sheet, "--zone", ZONE), f"{sheet}:7", "sender.role")


def test_exemption_subjects_match_regardless_of_case(write_sheet, check_json):
    extra = (
        "exemptions:\n  - rule: sender.role\n    subject: INFO@good.senders.example\n"
        "    reason: approved\n"
    )
    sheet = write_sheet("info@good.senders.example", extra=extra)
    _, report = check_json(sheet, "--zone", ZONE, "--select", "sender.")
    assert statuses(report, "sender.role") == {"info@good.senders.example": "skip"}


def test_an_exemption_that_matches_nothing_is_reported(write_sheet, run_cli):
    extra = (
        "exemptions:\n  - rule: sender.role\n    subject: inf@good.senders.example\n    reason: x\n"
    )
    sheet = write_sheet("info@good.senders.example", extra=extra)
    code, out, err = run_cli("check", sheet, "--zone", ZONE, "--format", "json")
    assert code == 1
    assert f"{sheet}:7" in err
    assert json.loads(out)["notes"][0]["line"] == 7


@pytest.mark.parametrize(
    ("fmt", "workers"),
    [("json", "2"), ("jsonl", "1"), ("jsonl", "2")],
    ids=["json", "jsonl", "both"],
)
def test_a_batch_reports_exemptions_that_match_nothing(write_sheet, run_cli, fmt, workers):
    extra = (
        "exemptions:\n  - rule: sender.role\n    subject: inf@good.senders.example\n    reason: x\n"
    )
    sheets = [
        write_sheet("info@good.senders.example", extra=extra, name=f"s{n}.yaml") for n in (1, 2)
    ]
    args = ["--zone", ZONE, "--format", fmt, "--workers", workers]
    code, out, err = run_cli("check", *sheets, *args)
    assert code == 1
    for sheet in sheets:
        assert f"{sheet.name}:7" in err
    report = json.loads(out.splitlines()[-1] if fmt == "jsonl" else out)  # jsonl: its summary
    assert [note["line"] for note in report["notes"]] == [7, 7]


def test_sheet_returned_before_the_contract_is_an_input_error(run_cli, write_sheet):
    extra = "dates:\n  contract_signed: 2026-11-10\n  sheet_submitted: 2026-11-03\n"
    sheet = write_sheet("anna@good.senders.example", extra=extra)
    assert_input_error(run_cli("check", sheet, "--zone", ZONE), f"{sheet}:8", "sheet_submitted")
