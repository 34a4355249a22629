"""Run control: where the report goes, the run's time budget, and the order of commit and report."""

from __future__ import annotations

import json
import sqlite3

import pytest

from conftest import REPO_ROOT

ZONE = str(REPO_ROOT / "tests/data/zones/senders.example.zone")
GOOD = "anna@good.senders.example"


# --- --output - ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["check", "{sheet}", "--zone", ZONE, "--format", "json"],
        ["check", "{sheet}", "--zone", ZONE, "--format", "jsonl"],
        ["domain", "good.senders.example", "--zone", ZONE, "--format", "json"],
        ["spf", "good.senders.example", "--zone", ZONE, "--format", "json"],
        ["recheck", "{sheet}", "--zone", ZONE, "--db", "{db}", "--format", "json"],
        ["message", str(REPO_ROOT / "examples/acme/samples/invoice.eml"), "--format", "json"],
    ],
    ids=lambda command: command[0] + "-" + command[-1],
)
def test_output_dash_is_standard_output(command, run_cli, write_sheet, tmp_path, monkeypatch):
    sheet = write_sheet(GOOD)
    monkeypatch.chdir(tmp_path)
    args = [a.format(sheet=sheet, db=tmp_path / "state.sqlite") for a in command]
    code, out, err = run_cli(*args, "-o", "-")
    assert code in (0, 1, 3), err
    assert not (tmp_path / "-").exists()
    lines = out.splitlines() if "jsonl" in args else [out]
    assert all(json.loads(line) for line in lines)


def test_output_dash_is_standard_output_for_hygiene(run_cli, tmp_path, monkeypatch):
    report = tmp_path / "report.csv"
    report.write_text("timestamp,recipient,status\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("hygiene", report, "--format", "json", "--output", "-")
    assert code == 0, err
    assert not (tmp_path / "-").exists()
    assert json.loads(out)["exit_code"] == 0


# --- the report goes out after the commit --------------------------------------------------------


def refuse_commits(db) -> None:
    """Make a real store refuse to record a run: a trigger aborts the insert of the run."""
    with sqlite3.connect(db) as connection:
        connection.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON runs BEGIN SELECT RAISE(ABORT, 'no'); END"
        )


@pytest.mark.parametrize(
    "batch", [["--workers", "2", "--format", "json"], ["--format", "jsonl"], ["--format", "json"]]
)
def test_no_report_of_a_run_that_could_not_be_recorded(batch, run_cli, write_sheet, tmp_path):
    db = tmp_path / "state.sqlite"
    sheets = [write_sheet(GOOD, name=f"s{n}.yaml") for n in range(2)]
    assert run_cli("check", *sheets, "--zone", ZONE, "--db", db)[0] in (0, 1, 3)
    refuse_commits(db)
    code, out, err = run_cli("check", *sheets, "--zone", ZONE, "--db", db, *batch)
    assert code == 2, err
    assert "nothing was recorded" in err
    assert "Traceback" not in err
    if "jsonl" in batch:  # streamed lines went out as items were done; the closing line not
        assert all("summary" not in json.loads(line) for line in out.splitlines())
    else:
        assert out == ""
