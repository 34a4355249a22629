"""Every rule's case file, `tests/rules/<rule-id>.yaml`, run through the command line.

A case file holds the rule id and named cases. A case gives what the rule reads — a zone
(origin `case.example.`, SOA and NS added), a sheet (after `version: 1` and `customer:`),
`files` written beside the sheet (samples, delivery reports), `today` — and `expect`: the
status of the rule's finding per subject, all of them (the sheet itself is `sheet.yaml`:
cases run in their own folder). `zones` gives more zones by origin (reverse zones such as
`2.0.192.in-addr.arpa.`; SOA and NS added), each passed as one more `--zone`. Names outside the
zones are undecided offline, which is how a case reaches `error`. `certificates` gives
certificates and keys made for the test session, written beside the sheet by file name (see
`tests/certfactory.py`: no key is ever in the repository). `args` replaces the command (default
`check {sheet} --zone {zone}`); `{sheet}`, `{zone}` and `{dir}` are filled in.

`never` lists, with the reason, each status the rule cannot give; `elsewhere` names the test
(`tests/<file>.py::<test>`) of a status no case file can reach (a 20 MB message, a live HTTPS
server); every other status has a case:

    rule: sender.mx
    never: {warn: "an MX record is there or not"}
    cases:
      pass: {zone: "good 300 IN MX 10 mx.good\\n...", sheet: "senders: [...]", expect: {...}}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO_ROOT

CASES = REPO_ROOT / "tests" / "rules"
STATUSES = ("pass", "fail", "warn", "error", "skip")
ORIGIN = "case.example."
APEX = f"""$TTL 300
@ IN SOA ns.{ORIGIN} hostmaster.{ORIGIN} 1 3600 600 604800 60
@ IN NS ns.{ORIGIN}
"""
ZONE_HEAD = f"$ORIGIN {ORIGIN}\n{APEX}ns IN A 127.0.0.1\n"
SHEET_HEAD = "version: 1\ncustomer: Case GmbH\n"
DEFAULT_ARGS = ("check", "{sheet}", "--zone", "{zone}")


def case_files() -> list[Path]:
    return sorted(CASES.glob("*.yaml"))


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["rule"] == path.stem, f"{path.name} holds the cases of {data['rule']}"
    return data


def all_cases() -> list[Any]:
    return [
        pytest.param(data["rule"], case, id=f"{data['rule']}:{name}")
        for data in map(load, case_files())
        for name, case in data["cases"].items()
    ]


@pytest.mark.parametrize(("rule", "case"), all_cases())
def test_rule_case(rule: str, case: dict[str, Any], run_cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # the sheet is named as `sheet.yaml`, also where it is a subject
    code, out, err = run_cli(*arguments(case, tmp_path), "--format", "json", "--select", rule)
    assert out, f"exit {code}, no report: {err}"
    found = {f["subject"]: f["status"] for f in json.loads(out)["findings"] if f["rule"] == rule}
    assert found == case["expect"], err


def arguments(case: dict[str, Any], folder: Path) -> list[str]:
    """The command line of a case, its files written into `folder`."""
    for name, text in case.get("files", {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    if "certificates" in case:
        from certfactory import write_certificates

        write_certificates(case["certificates"], folder)
    sheet = folder / "sheet.yaml"
    sheet.write_text(SHEET_HEAD + case.get("sheet", "senders: []\n"), encoding="utf-8")
    zone = folder / "case.example.zone"
    zone.write_text(ZONE_HEAD + case.get("zone", ""), encoding="utf-8")
    places = {"sheet": sheet.name, "zone": str(zone), "dir": str(folder)}
    args = [arg.format(**places) for arg in case.get("args", DEFAULT_ARGS)]
    for origin, records in case.get("zones", {}).items():
        more = folder / f"{origin.rstrip('.')}.zone"
        more.write_text(f"$ORIGIN {origin}\n{APEX}{records}", encoding="utf-8")
        args += ["--zone", str(more)]
    return [*args, "--today", str(case["today"])] if "today" in case else args


@pytest.mark.parametrize("path", case_files(), ids=lambda p: p.stem)
def test_every_status_has_a_case_or_a_reason(path: Path) -> None:
    data = load(path)
    covered = {status for case in data["cases"].values() for status in case["expect"].values()}
    never, elsewhere = data.get("never", {}), data.get("elsewhere", {})
    assert all(isinstance(reason, str) and reason for reason in never.values())
    assert all(map(is_a_test, elsewhere.values())), "elsewhere names no test of this suite"
    assert not covered & set(never), "a status with a case cannot be one the rule never gives"
    uncovered = set(STATUSES) - covered - set(never) - set(elsewhere)
    assert uncovered == set(), "statuses without a case, a test elsewhere or a reason"


def is_a_test(reference: str) -> bool:
    """`tests/<file>.py::<test>` names a test function of this suite."""
    path, _, name = reference.partition("::")
    source = REPO_ROOT / path
    return source.is_file() and f"def {name}(" in source.read_text(encoding="utf-8")


def test_every_registered_rule_has_its_case_file():
    from mailcheck.rules import REGISTRY

    assert {path.stem for path in case_files()} == set(REGISTRY)
