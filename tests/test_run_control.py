"""Run control: where the report goes, the run's time budget, and the order of commit and report."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

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


# --- time budgets: --timeout per question, --deadline per run -----------------------------------

DNS_RULES = ("sender.mx", "sender.a", "spf.", "dkim.key", "dmarc.record", "tracking.dns")


@pytest.mark.parametrize("option", ["--timeout", "--deadline"])
@pytest.mark.parametrize("value", ["inf", "nan", "0", "-1", "-inf"])
def test_time_budgets_must_be_finite_and_above_zero(option, value, run_cli, write_sheet):
    sheet = write_sheet(GOOD)
    for command in (["check", sheet, "--zone", ZONE], ["domain", "good.senders.example"]):
        code, out, err = run_cli(*command, f"{option}={value}")
        assert code == 2, err
        assert option in err
        assert "Traceback" not in out + err


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A name server that never answers: a bound UDP socket on loopback nobody reads."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        host, port = sock.getsockname()
        yield f"{host}:{port}"


def many_domains_sheet(write_sheet, count: int = 30):
    """A sheet of `count` sender domains, each with its MAIL FROM domain and DKIM selector."""
    domains = [f"d{n}.example" for n in range(count)]
    extra = "mail_from: [{}]\nspf:\n  sending_ips: [192.0.2.10, 192.0.2.11]\ndkim:\n".format(
        ", ".join(f"bounce.{d}" for d in domains)
    ) + "".join(f"  - domain: {d}\n    selector: s1\n" for d in domains)
    return write_sheet(*(f"anna@{d}" for d in domains), extra=extra)


def run_mailcheck(*args: str | Path, guard: float = 120) -> subprocess.CompletedProcess[str]:
    """mailcheck in a process of its own, stopped by `guard` seconds should it hang."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT / "src"), env.get("PYTHONPATH", "")])
    command = [sys.executable, "-m", "mailcheck", *map(str, args)]
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=guard, check=False
    )


def dns_statuses(report: dict) -> set[str]:
    """The statuses of the DNS rules' findings, but for `skip` (a rule that does not apply)."""
    found = {f["status"] for f in report["findings"] if f["rule"].startswith(DNS_RULES)}
    return found - {"skip"}


def test_a_silent_name_server_ends_every_dns_finding_in_error(silent_server, write_sheet):
    sheet = many_domains_sheet(write_sheet)
    result = run_mailcheck(
        "check", sheet, "--nameserver", silent_server, "--timeout", "1", "--format", "json"
    )
    assert result.returncode == 3, result.stderr
    report = json.loads(result.stdout)
    assert dns_statuses(report) == {"error"}
    assert report["summary"]["fail"] == 0


def test_the_run_deadline_ends_a_run_whose_questions_would_wait_longer(
    silent_server, write_sheet, tmp_path
):
    """--timeout 30 per question, but the run may take 2 s: it ends then, every question not
    answered is `error`, and a recorded pass stands."""
    db = tmp_path / "state.sqlite"
    sheet = write_sheet(GOOD, extra="dkim:\n  - domain: good.senders.example\n    selector: sel\n")
    recorded = run_mailcheck("check", sheet, "--zone", ZONE, "--db", db, "--select", "sender.")
    assert recorded.returncode == 0, recorded.stderr
    slow = ["--nameserver", silent_server, "--timeout", "30", "--deadline", "2"]
    for command in (["check", sheet, "--select", "sender."], ["recheck", sheet, "--db", db]):
        result = run_mailcheck(*command, *slow, "--format", "json")
        assert result.returncode == 3, result.stderr
        assert "--deadline" in result.stderr
        assert dns_statuses(json.loads(result.stdout)) == {"error"}
    history = run_mailcheck("history", "good.senders.example", "--db", db, "--format", "json")
    states = {k["rule"]: k["status"] for k in json.loads(history.stdout)["keys"]}
    assert states["sender.mx"] == states["sender.a"] == "pass"


def test_a_dead_name_server_costs_one_timeout_not_one_per_question(silent_server, write_sheet):
    """With one question in flight at a time, each of the sheet's ~200 questions used to wait
    out its --timeout in turn (minutes); the server is down for the run after the first."""
    sheet = many_domains_sheet(write_sheet)
    result = run_mailcheck(
        "check",
        sheet,
        "--nameserver",
        silent_server,
        "--timeout",
        "1",
        "--concurrency",
        "1",
        "--format",
        "json",
        guard=90,
    )
    assert result.returncode == 3, result.stderr
    assert dns_statuses(json.loads(result.stdout)) == {"error"}
