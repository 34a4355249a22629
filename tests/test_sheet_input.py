"""Hostile sheets through the command line: every problem is exit 2 with `file:line: key`, no
traceback, no file outside the sheet's folder read, and no bad value echoed at length."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import REPO_ROOT

ZONE = str(REPO_ROOT / "tests/data/zones/senders.example.zone")
HEAD = "version: 1\ncustomer: Test GmbH\n"  # a value on line 3 is the first after these


def check(run_cli, sheet: Path, *args: str) -> tuple[int, str, str]:
    return run_cli("check", sheet, "--zone", ZONE, "--format", "json", *args)


def assert_input_error(result: tuple[int, str, str], *needles: str) -> str:
    code, out, err = result
    assert code == 2, err
    assert "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1
    for needle in needles:
        assert needle in err
    return err


# --- YAML tags -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tagged", ["!!timestamp abc", '!!int ""', "!!bool maybe", "!!binary '###'", "!!set {a}"]
)
def test_odd_tags_exit_2_at_their_line(run_cli, tmp_path, tagged):
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text(f"{HEAD}dates:\n  contract_signed: {tagged}\n")
    assert_input_error(check(run_cli, sheet), f"{sheet}:4", "dates.contract_signed")


# --- samples stay in the sheet's folder ------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The sheet's folder, with a message beside it; a secret lies next to the folder."""
    (tmp_path / "secret.eml").write_text("List-Unsubscribe: <https://attacker.example/x>\n\n")
    inside = tmp_path / "customer"
    inside.mkdir()
    (inside / "mail.eml").write_text("From: a@senders.example\nSubject: x\n\nbody\n")
    return inside


def sheet_with_sample(folder: Path, sample: str) -> Path:
    sheet = folder / "sheet.yaml"
    sheet.write_text(f"{HEAD}samples:\n  - mail.eml\n  - {sample!r}\n")
    return sheet


@pytest.mark.parametrize(
    "sample",
    ["../secret.eml", "../../../../../../etc/passwd", "/etc/passwd", "/proc/self/environ"],
)
def test_a_sample_outside_the_folder_is_refused(run_cli, folder, sample):
    sheet = sheet_with_sample(folder, sample)
    err = assert_input_error(check(run_cli, sheet), f"{sheet}:5", "samples[1]")
    assert "root:" not in err


def test_a_symlink_out_of_the_folder_is_refused(run_cli, folder):
    (folder / "link.eml").symlink_to(folder.parent / "secret.eml")
    sheet = sheet_with_sample(folder, "link.eml")
    assert_input_error(check(run_cli, sheet), f"{sheet}:5", "samples[1]")


def test_a_symlinked_folder_out_of_the_folder_is_refused(run_cli, folder):
    (folder / "samples").symlink_to(folder.parent)
    sheet = sheet_with_sample(folder, "samples/secret.eml")
    assert_input_error(check(run_cli, sheet), f"{sheet}:5", "samples[1]")


def test_a_symlink_loop_is_refused(run_cli, folder):
    (folder / "a.eml").symlink_to(folder / "b.eml")
    (folder / "b.eml").symlink_to(folder / "a.eml")
    sheet = sheet_with_sample(folder, "a.eml")
    assert_input_error(check(run_cli, sheet), f"{sheet}:5", "samples[1]")


def test_symlinks_that_stay_inside_are_read(run_cli, folder):
    (folder / "samples").mkdir()
    (folder / "samples" / "link.eml").symlink_to(folder / "mail.eml")
    sheet = sheet_with_sample(folder, "samples/../samples/link.eml")
    code, out, err = check(run_cli, sheet, "--select", "message.size")
    assert code == 0, err
    assert '"status": "pass"' in out


def test_a_sheet_reached_through_a_symlink_keeps_its_folder(run_cli, folder, tmp_path):
    sheet = sheet_with_sample(folder, "mail.eml")
    link = tmp_path / "link.yaml"
    link.symlink_to(sheet)
    # the folder is the one the path names: the samples beside the link are read
    (tmp_path / "mail.eml").write_text("From: a@senders.example\n\nbody\n")
    code, _out, err = check(run_cli, link, "--select", "message.size")
    assert code == 0, err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_pipe_as_sample_is_refused_without_hanging(folder):
    os.mkfifo(folder / "pipe.eml")
    sheet = sheet_with_sample(folder, "pipe.eml")
    done = subprocess.run(
        [sys.executable, "-m", "mailcheck", "check", str(sheet), "--zone", ZONE],
        capture_output=True,
        text=True,
        timeout=60,  # a guard against hanging on the pipe, not a speed requirement
        check=False,
    )
    assert_input_error((done.returncode, done.stdout, done.stderr), f"{sheet}:5", "samples[1]")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_sample_that_became_a_pipe_is_an_error_finding(tmp_path):
    from mailcheck.messages.sample import read_sample

    os.mkfifo(tmp_path / "pipe.eml")
    found = []
    reader = threading.Thread(
        target=lambda: found.append(read_sample(tmp_path / "pipe.eml", "pipe.eml")), daemon=True
    )
    reader.start()
    reader.join(timeout=30)  # a guard against hanging on the pipe
    assert found and found[0].problem and found[0].size is None


# --- bad values are quoted short -------------------------------------------------------------

LONG = "x" * 900_000  # with the rest of the sheet, just under the 1 MiB a sheet may have
HALF = LONG[:400_000]

# (the sheet, the line and key the error names); each would echo a value if it could
LONG_VALUES = {
    "unknown key": (f"{HEAD}? {LONG}\n: 1\n", 3, "xxxxx"),
    "duplicate key": (f"{HEAD}? {HALF}\n: 1\n? {HALF}\n: 2\n", 5, "xxxxx"),
    "tag that does not fit": (f"{HEAD}volume_per_month: !!int {LONG}\n", 3, "volume_per_month"),
    "unknown tag": (f"{HEAD}customer: !{LONG} x\n", 3, "customer"),
    "wrong type": (f"{HEAD}volume_per_month: {LONG}\n", 3, "volume_per_month"),
    "bad enum": (f"{HEAD}interface: {LONG}\n", 3, "interface"),
    "bad date": (f"{HEAD}dates: {{dns_requested: '{LONG}'}}\n", 3, "dates.dns_requested"),
    "bad version": (f"customer: x\nversion: {LONG}\n", 2, "version"),
    "bad domain": (f"{HEAD}mail_from: [{LONG}.example]\n", 3, "mail_from[0]"),
    "bad IP": (f"{HEAD}dedicated_ips: [{LONG}]\n", 3, "dedicated_ips[0]"),
    "list expected": (f"{HEAD}mail_from: {LONG}\n", 3, "mail_from"),
    "unknown region": (f"{HEAD}region: {LONG}\n", 3, "region"),
    "unknown rule": (
        f"{HEAD}exemptions: [{{rule: {LONG}, subject: s, reason: r}}]\n",
        3,
        "exemptions[0].rule",
    ),
    "missing sample": (f"{HEAD}samples: [{'a/' * 1000}{HALF}]\n", 3, "samples[0]"),
    "long integer": (f"{HEAD}volume_per_month: {'9' * 100_000}\n", 3, "volume_per_month"),
    "undefined tag handle": (f"{HEAD}customer: !{LONG}!x y\n", 3, None),
}


@pytest.mark.parametrize(("text", "line", "key"), LONG_VALUES.values(), ids=LONG_VALUES.keys())
def test_a_long_bad_value_is_quoted_short(run_cli, tmp_path, text, line, key):
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text(text)
    err = assert_input_error(check(run_cli, sheet), f"{sheet}:{line}", *([key] if key else []))
    assert "x" * 100 not in err and "9" * 100 not in err and "a/" * 50 not in err


# --- `-` reads standard input ----------------------------------------------------------------


@pytest.fixture
def stdin(monkeypatch):
    """Give the command line these bytes as its standard input."""

    def feed(data: bytes) -> None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))

    return feed


def test_a_sheet_from_stdin_reads_its_samples_in_the_working_folder(
    run_cli, stdin, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mail.eml").write_text("From: a@senders.example\nSubject: x\n\nbody\n")
    stdin(f"{HEAD}samples: [mail.eml]\n".encode())
    code, out, err = run_cli("check", "-", "--zone", ZONE, "--format", "json")
    assert code in (0, 1), err
    (size,) = [f for f in json.loads(out)["findings"] if f["rule"] == "message.size"]
    assert (size["status"], size["subject"], size["sheet"], size["line"]) == (
        "pass",
        "mail.eml",
        "-",
        3,
    )


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (f"{HEAD}customer: !!int x\n", "-:3: customer"),
        (f"{HEAD}samples: [../outside.eml]\n", "-:3: samples[0]"),
        (HEAD + "#" * (1024 * 1024), "-: "),
        ("", "-:1"),
    ],
)
def test_a_bad_sheet_from_stdin_is_an_input_error(run_cli, stdin, tmp_path, text, needle):
    stdin(text.encode())
    assert_input_error(run_cli("check", "-", "--zone", ZONE), needle)


def test_a_message_from_stdin(run_cli, stdin):
    stdin(b"From: a@senders.example\nList-Help: <mailto:help@senders.example>\n\nbody\n")
    code, out, err = run_cli("message", "-", "--zone", ZONE, "--format", "json")
    assert code in (0, 1), err
    findings = {f["rule"]: f for f in json.loads(out)["findings"]}
    assert findings["message.list-help"]["status"] == "pass"
    assert {f["subject"] for f in findings.values()} == {"-"}


def test_a_message_piped_in_by_another_process(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "mailcheck", "message", "-", "--zone", ZONE, "--format", "json"],
        input=b"From: a@senders.example\nSubject: x\n\nbody\n",
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode in (0, 1, 3), done.stderr
    assert {f["subject"] for f in json.loads(done.stdout)["findings"]} == {"-"}


def test_stdin_over_the_limit_is_an_input_error(stdin):
    from mailcheck.core.errors import InputError
    from mailcheck.messages.sample import kept_stdin

    stdin(b"x" * 3000)
    with pytest.raises(InputError) as caught, kept_stdin(limit=2048):
        pass
    assert caught.value.file == "-"
    stdin(b"x" * 2048)
    with kept_stdin(limit=2048) as kept:
        assert kept.stat().st_size == 2048


@pytest.mark.parametrize("command", [["check", "--db"], ["recheck", "--db"]])
def test_a_sheet_from_stdin_is_not_recorded(run_cli, stdin, tmp_path, command):
    """recheck reads a recorded sheet again from its file: one from stdin has none."""
    stdin(f"{HEAD}".encode())
    db = tmp_path / "state.sqlite"
    code, out, err = run_cli(command[0], "-", "--zone", ZONE, command[1], db)
    assert code == 2 and out == "" and "--db" in err and "Traceback" not in err
    assert not db.exists() or not sqlite3.connect(db).execute("SELECT * FROM runs").fetchall()


def test_a_sender_address_no_mail_system_takes_is_an_input_error(run_cli, tmp_path):
    """Every finding about a sender repeats its address: a megabyte one is refused at load."""
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text(f"{HEAD}senders:\n  - address: {'a' * 1_000_000}@senders.example\n")
    code, out, err = run_cli("check", sheet, "--zone", ZONE)
    assert code == 2 and out == "" and "Traceback" not in err
    assert f"{sheet}:" in err and "senders[0].address" in err and len(err) < 1000
