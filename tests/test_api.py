"""`mailcheck.api`: the same checks as the command line, as typed functions returning the
same frozen records."""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import json
import re
import shutil

import pytest

from conftest import REPO_ROOT
from mailcheck import api

EXAMPLE = REPO_ROOT / "examples/acme"
SHEET = EXAMPLE / "sheet.yaml"
ZONE_FILES = sorted((EXAMPLE / "zones").glob("*.zone"))
ZONES = [arg for z in ZONE_FILES for arg in ("--zone", str(z))]
TODAY = dt.date(2026, 11, 20)


def cli_json(run_cli, *args) -> dict:
    code, out, err = run_cli(*args, "--today", TODAY.isoformat(), "--format", "json")
    assert code in (0, 1, 3), err
    return json.loads(out)


def test_check_sheet_gives_what_the_command_line_gives(run_cli):
    report = api.check_sheet(SHEET, zones=ZONE_FILES, today=TODAY, profiles=["gmail"])
    assert json.loads(api.render(report, "json")) == cli_json(
        run_cli, "check", SHEET, *ZONES, "--profile", "gmail"
    )
    assert report.exit_code is api.ExitCode.FAILED
    failed = {(f.rule, f.subject) for f in report.findings if f.status is api.Status.FAIL}
    assert ("sender.role", "Info+shop@acme-shop.example") in failed
    assert [p.profile for p in report.compliance] == ["gmail"]


def test_the_report_holds_the_change_set_and_the_milestones():
    report = api.check_sheet(str(SHEET), zones=[str(z) for z in ZONE_FILES], today=TODAY)
    (plan,) = report.plans
    assert isinstance(plan, api.Plan) and plan.customer == "ACME GmbH"
    assert plan.record_for("_dmarc.acme.example", "TXT") is not None
    labels = [m.label for m in report.milestones]
    assert labels[0] == "Contract signed" and any(m.due for m in report.milestones)


def test_the_records_are_frozen():
    report = api.check_sheet(SHEET, zones=ZONE_FILES, today=TODAY, select=["sender."])
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.findings[0].status = api.Status.PASS  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.strict = True  # type: ignore[misc]


def test_select_ignore_and_strict():
    lenient = api.check_sheet(SHEET, zones=ZONE_FILES, today=TODAY, select=["dmarc.record"])
    strict = api.check_sheet(
        SHEET, zones=ZONE_FILES, today=TODAY, select=["dmarc.record"], strict=True
    )
    assert {f.rule for f in lenient.findings} == {"dmarc.record"}
    assert (lenient.exit_code, strict.exit_code) == (api.ExitCode.OK, api.ExitCode.FAILED)
    ignored = api.check_sheet(SHEET, zones=ZONE_FILES, today=TODAY, ignore=["sender.", "spf."])
    assert not {f.rule for f in ignored.findings if f.rule.startswith(("sender.", "spf."))}


def test_check_domains_gives_what_mailcheck_domain_gives(run_cli):
    report = api.check_domains(["acme.example"], selectors=["esp2026"], zones=ZONE_FILES)
    expected = cli_json(run_cli, "domain", "acme.example", "--selector", "esp2026", *ZONES)
    assert [f.as_dict() for f in report.findings] == expected["findings"]
    assert all(f.sheet is None for f in report.findings)


def test_several_domains_in_one_call():
    report = api.check_domains(["acme.example", "acme-shop.example"], zones=ZONE_FILES)
    subjects = {f.subject for f in report.findings if f.rule == "sender.mx"}
    assert subjects == {"acme.example", "acme-shop.example"}


def test_a_loaded_sheet_can_be_checked_and_read():
    sheet = api.load_sheet(SHEET)
    assert sheet.sheet.customer == "ACME GmbH"
    report = api.check_sheets([sheet], zones=ZONE_FILES, today=TODAY, select=["sender.role"])
    assert {f.status for f in report.findings} == {api.Status.FAIL, api.Status.PASS}


def test_input_errors_are_raised_with_file_line_and_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nsendres: []\n", encoding="utf-8")
    with pytest.raises(api.InputError) as caught:
        api.load_sheet(bad)
    assert (caught.value.file, caught.value.line, caught.value.key) == (str(bad), 2, "sendres")
    other = tmp_path / "other.yaml"
    other.write_text("version: 2\n", encoding="utf-8")
    with pytest.raises(api.InputErrors) as both:
        api.check_sheets([bad, other], zones=ZONE_FILES)
    assert {e.file for e in both.value.errors} == {str(bad), str(other)}


@pytest.mark.parametrize(
    ("arguments", "key"),
    [
        ({"select": ["nosuch."]}, "select"),
        ({"ignore": ["nosuch."]}, "ignore"),
        ({"select": "sender."}, None),  # one string, not a list: a prefix per letter otherwise
        ({"profiles": ["hotmail"]}, "profiles"),
        ({"zones": str(ZONE_FILES[0])}, None),
        ({"profiles": "gmail"}, "profiles"),  # one string: a profile per letter otherwise
        ({"timeout": 0}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"deadline": -1}, "deadline"),
        ({"deadline": float("inf")}, "deadline"),
        ({"concurrency": 0}, "concurrency"),  # nothing in flight: the run waited for ever
        ({"today": "2026-11-20"}, "today"),  # compared with dates, a string misjudged them
    ],
)
def test_bad_arguments_are_input_errors(arguments, key):
    with pytest.raises(api.InputError) as caught:
        api.check_sheet(SHEET, **({"zones": ZONE_FILES} | arguments))
    assert caught.value.key == key


@pytest.mark.parametrize(
    ("domains", "selectors", "key"),
    [("acme.example", [], "domains"), (["acme.example"], "esp2026", "selectors")],
)
def test_domains_or_selectors_as_one_string_are_input_errors(domains, selectors, key):
    with pytest.raises(api.InputError) as caught:
        api.check_domains(domains, selectors=selectors, zones=ZONE_FILES)
    assert caught.value.key == key


def test_a_moment_counts_by_its_date():
    moment = dt.datetime(2026, 11, 20, 23, 30)
    report = api.check_sheet(SHEET, zones=ZONE_FILES, today=moment, select=["deadline."])
    assert type(report.today) is dt.date and report.today == TODAY


def test_a_broken_zone_file_is_an_input_error(tmp_path):
    zone = tmp_path / "acme.example.zone"
    zone.write_text("$INCLUDE /etc/passwd\n", encoding="utf-8")
    with pytest.raises(api.InputError):
        api.check_sheet(SHEET, zones=[zone])


def test_every_format_renders():
    report = api.check_sheet(SHEET, zones=ZONE_FILES, today=TODAY, select=["sender."])
    for fmt in api.Format:
        assert api.render(report, fmt).strip()
    assert api.render(report, "html").startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError):
        api.render(report, "pdf")


def test_every_function_is_documented_and_typed():
    functions = [
        getattr(api, name) for name in api.__all__ if inspect.isfunction(getattr(api, name))
    ]
    assert {f.__name__ for f in functions} >= {"check_sheet", "check_domains", "load_sheet"}
    for function in functions:
        assert inspect.getdoc(function), function.__name__
        signature = inspect.signature(function)
        assert signature.return_annotation is not inspect.Signature.empty, function.__name__
        for parameter in signature.parameters.values():
            assert parameter.annotation is not inspect.Parameter.empty, parameter.name
    assert (REPO_ROOT / "src/mailcheck/py.typed").is_file()


def test_the_readme_example_runs(tmp_path, monkeypatch, capsys):
    """The README's ten-line example, run where the example's files are."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"<!-- api example -->\n```python\n(.*?)```", readme, re.S)
    assert len(code.strip().splitlines()) <= 12
    shutil.copytree(EXAMPLE, tmp_path / "examples/acme")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "sender.role" in out and (tmp_path / "acme.html").is_file()
