"""An exemption naming no registered rule is an input error for every command that reads a sheet.

The sheet model does not know the rules; the engine checks the exemptions' rule ids as it loads a
sheet (`engine.load_sheet_for_rules`), so each command must read its sheets through it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO_ROOT
from delivery_reports import Report
from mailcheck.core.errors import InputError
from mailcheck.engine.checker import load_sheet_for_rules
from mailcheck.sheet.model import load_sheet

ZONE = str(REPO_ROOT / "tests/data/zones/senders.example.zone")
TYPO = "exemptions:\n  - rule: sender.rol\n    subject: x\n    reason: typo\n"


@pytest.fixture
def sheet(write_sheet) -> Path:
    return write_sheet("anna@good.senders.example", extra=TYPO)


def delivery_report(folder: Path) -> Path:
    report = Report()
    report.add(1, "anna@example.org")
    return report.write(folder / "report.csv")


@pytest.mark.parametrize(
    "command",
    [
        ["check", "--zone", ZONE],
        ["check", "--zone", ZONE, "--format", "jsonl"],  # the batch path
        ["deadlines", "--zone", ZONE],
        ["recheck", "--zone", ZONE, "--db", "{db}"],
    ],
    ids=["check", "check-jsonl", "deadlines", "recheck"],
)
def test_every_command_refuses_an_unknown_rule(run_cli, sheet, tmp_path, command):
    args = [arg.format(db=tmp_path / "state.db") for arg in command]
    code, out, err = run_cli(*args[:1], sheet, *args[1:])
    assert code == 2
    assert "Traceback" not in out + err
    assert f"{sheet}:7" in err  # the line of the exemption's rule
    assert "sender.role" in err  # the rule it most likely means


def test_hygiene_refuses_an_unknown_rule(run_cli, sheet, tmp_path):
    code, _, err = run_cli("hygiene", delivery_report(tmp_path), "--sheet", sheet)
    assert code == 2
    assert f"{sheet}:7" in err


def test_the_engine_checks_what_the_sheet_model_cannot(sheet):
    assert load_sheet(sheet).sheet.exemptions[0].rule == "sender.rol"
    with pytest.raises(InputError) as raised:
        load_sheet_for_rules(sheet)
    assert raised.value.line == 7
    assert raised.value.key == "exemptions[0].rule"
