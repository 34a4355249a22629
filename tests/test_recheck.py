"""check --db, recheck, history, deadlines and --notify, end to end through the CLI."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import REPO_ROOT, read_terminal
from onlyrules import keep_only


def stand_in(rule_id, check):
    """The rule with another check: its metadata (the deadline it is due by) stays. Its module is
    named after the id; `keep_only` may have taken the rule out of the registry."""
    import dataclasses
    import importlib

    module = rule_id.replace(".", "_").replace("-", "_")
    real = importlib.import_module(f"mailcheck.rules.{module}").RULE
    return dataclasses.replace(real, check=check)


BEFORE = str(REPO_ROOT / "tests/data/zones/deadline-shop-before.zone")
AFTER = str(REPO_ROOT / "tests/data/zones/deadline-shop-after.zone")
DOMAIN = "shop.deadline.example"
DATES = "region: DE-BY\ndates:\n  contract_signed: 2026-11-02\n  dns_requested: 2026-11-09\n"


@pytest.fixture(autouse=True)
def _only_sender_and_deadline_rules(monkeypatch):
    keep_only(monkeypatch)


@pytest.fixture
def sheet(write_sheet):
    return write_sheet(f"anna@{DOMAIN}", extra=DATES)


def by_rule(items: list[dict], rule: str) -> dict:
    (item,) = [i for i in items if i["rule"] == rule]
    return item


def test_check_twice_then_history_and_recheck_show_the_fix(run_cli, sheet, tmp_path, monkeypatch):
    db = tmp_path / "state.sqlite"
    assert run_cli("check", sheet, "--zone", BEFORE, "--db", db, "--today", "2026-11-17")[0] == 1
    assert run_cli("check", sheet, "--zone", AFTER, "--db", db, "--today", "2026-11-19")[0] == 1

    code, out, _ = run_cli("history", DOMAIN, "--db", db, "--format", "json")
    assert code == 0
    mx = by_rule(json.loads(out)["keys"], "sender.mx")
    assert [(t["date"], t["status"]) for t in mx["timeline"]] == [
        ("2026-11-17", "fail"),
        ("2026-11-19", "pass"),
    ]
    assert (mx["status"], mx["since"]) == ("pass", "2026-11-19")
    (clock,) = mx["clocks"]
    assert (clock["failed_on"], clock["fixed_on"], clock["working_days"]) == (
        "2026-11-17",
        "2026-11-19",
        2,
    )
    monkeypatch.setenv("COLUMNS", "60")  # narrow: each key's lines one below the other
    code, out, _ = run_cli("history", DOMAIN, "--db", db)
    words = " ".join(out.split())
    assert "2026-11-17" in out and "2026-11-19" in out and "fixed 2026-11-19" in words
    monkeypatch.delenv("COLUMNS")

    code, out, _ = run_cli(
        "recheck", "--zone", AFTER, "--db", db, "--today", "2026-11-20", "--format", "json"
    )
    report = json.loads(out)
    assert code == report["exit_code"] == 1  # the sheet is still overdue (deadline.sheet)
    mx = by_rule(report["findings"], "sender.mx")
    assert (mx["status"], mx["change"], mx["since"]) == ("pass", "unchanged", "2026-11-19")
    late_sheet = by_rule(report["changes"]["still_failing"], "deadline.sheet")
    assert late_sheet["since"] == "2026-11-17"
    assert report["changes"]["overdue"] == []  # a late sheet is not a billed re-check
    assert report["run"]["today"] == "2026-11-20"


def test_recheck_reports_a_fix_with_its_dates(run_cli, sheet, tmp_path):
    db = tmp_path / "state.sqlite"
    run_cli("check", sheet, "--zone", BEFORE, "--db", db, "--today", "2026-11-17")
    code, out, _ = run_cli(
        "recheck", "--zone", AFTER, "--db", db, "--today", "2026-11-19", "--format", "json"
    )
    fixed = by_rule(json.loads(out)["changes"]["fixed"], "sender.mx")
    assert (fixed["failed_since"], fixed["since"], fixed["previous"]) == (
        "2026-11-17",
        "2026-11-19",
        "fail",
    )
    code, out, _ = run_cli("recheck", "--zone", AFTER, "--db", db, "--today", "2026-11-19")
    assert code == 1
    assert "Still failing" in out and "sender.mx" not in out


def test_recheck_reports_newly_failing(run_cli, sheet, tmp_path):
    db = tmp_path / "state.sqlite"
    run_cli("check", sheet, "--zone", AFTER, "--db", db, "--today", "2026-11-05")
    code, out, _ = run_cli("recheck", "--zone", BEFORE, "--db", db, "--today", "2026-11-06")
    assert code == 1
    assert "Newly failing" in out and "sender.mx" in out


def test_a_fix_of_a_dns_obligation_says_how_late_it_came(run_cli, sheet, tmp_path, monkeypatch):
    from mailcheck.core.findings import Status
    from mailcheck.rules import REGISTRY

    state = {"status": Status.FAIL}

    async def spf(sheet, ctx):
        return [REGISTRY["spf.all"].finding(state["status"], DOMAIN, "spf", "publish -all")]

    monkeypatch.setitem(REGISTRY, "spf.all", stand_in("spf.all", spf))
    db = tmp_path / "state.sqlite"
    run_cli("check", sheet, "--zone", AFTER, "--db", db, "--today", "2026-11-20")
    state["status"] = Status.PASS
    # Due 2026-11-23 (10 working days after 2026-11-09); fixed on Wednesday 2026-11-25.
    _, out, _ = run_cli(
        "recheck", "--zone", AFTER, "--db", db, "--today", "2026-11-25", "--format", "json"
    )
    fixed = by_rule(json.loads(out)["changes"]["fixed"], "spf.all")
    assert (fixed["due"], fixed["working_days_late"]) == ("2026-11-23", 2)
    _, out, _ = run_cli("history", DOMAIN, "--db", db, "--format", "json")
    (clock,) = by_rule(json.loads(out)["keys"], "spf.all")["clocks"]
    assert (clock["fixed_on"], clock["due"], clock["working_days_late"]) == (
        "2026-11-25",
        "2026-11-23",
        2,
    )


def test_the_provisioning_deadline_is_recorded_for_recheck_and_history(
    run_cli, write_sheet, tmp_path
):
    # Ordered on Monday 2026-11-02: due at the end of Tuesday 2026-11-03 (DE-BY).
    ordered = "region: DE-BY\ndates:\n  ordered: 2026-11-02\n"
    sheet = write_sheet(f"anna@{DOMAIN}", extra=ordered)
    db = tmp_path / "state.sqlite"
    run_cli("check", sheet, "--zone", AFTER, "--db", db, "--today", "2026-11-05")
    _, out, _ = run_cli(
        "recheck", "--zone", AFTER, "--db", db, "--today", "2026-11-06", "--format", "json"
    )
    missing = by_rule(json.loads(out)["changes"]["still_failing"], "deadline.provisioning")
    assert (missing["due"], missing["since"]) == ("2026-11-03", "2026-11-05")
    sheet.write_text(sheet.read_text() + "  provisioned: 2026-11-04\n", encoding="utf-8")
    run_cli("recheck", "--zone", AFTER, "--db", db, "--today", "2026-11-09")
    from mailcheck.state.store import Store

    with Store.open(db) as store:
        info = store.sheet_info(str(sheet.resolve()))
    assert info is not None
    assert (info.ordered, info.provisioned) == (dt.date(2026, 11, 2), dt.date(2026, 11, 4))
    _, out, _ = run_cli("history", str(sheet), "--db", db, "--format", "json")
    (clock,) = by_rule(json.loads(out)["keys"], "deadline.provisioning")["clocks"]
    assert (clock["failed_on"], clock["due"]) == ("2026-11-05", "2026-11-03")


def test_only_spf_and_dkim_entries_are_billed_as_overdue(run_cli, sheet, tmp_path, monkeypatch):
    from mailcheck.rules import REGISTRY

    async def spf(sheet, ctx):
        return [REGISTRY["spf.all"].failed(DOMAIN, "spf", "publish -all")]

    monkeypatch.setitem(REGISTRY, "spf.all", stand_in("spf.all", spf))
    db = tmp_path / "state.sqlite"
    run_cli("check", sheet, "--zone", AFTER, "--db", db, "--today", "2026-11-20")
    code, out, _ = run_cli(
        "recheck", "--zone", AFTER, "--db", db, "--today", "2026-11-25", "--format", "json"
    )
    changes = json.loads(out)["changes"]
    assert code == 1
    assert {i["rule"] for i in changes["overdue"]} == {"spf.all", "deadline.dns"}
    assert "deadline.sheet" in {i["rule"] for i in changes["still_failing"]}  # late, not billed


def test_an_exemption_is_not_a_fix(run_cli, write_sheet, tmp_path, monkeypatch):
    from mailcheck.rules import REGISTRY

    async def spf(sheet, ctx):
        return [REGISTRY["spf.all"].failed(DOMAIN, "spf", "publish -all")]

    monkeypatch.setitem(REGISTRY, "spf.all", stand_in("spf.all", spf))
    db = tmp_path / "state.sqlite"
    sheet = write_sheet(f"anna@{DOMAIN}", extra=DATES)
    run_cli("check", sheet, "--zone", AFTER, "--db", db, "--today", "2026-11-20")
    exempt = f"exemptions:\n  - rule: spf.all\n    subject: {DOMAIN}\n    reason: rewritten\n"
    write_sheet(f"anna@{DOMAIN}", extra=DATES + exempt)
    code, out, _ = run_cli(
        "recheck", "--zone", AFTER, "--db", db, "--today", "2026-11-25", "--format", "json"
    )
    report = json.loads(out)
    assert code == 1  # the sheet is late
    spf_all = by_rule(report["findings"], "spf.all")
    assert (spf_all["status"], spf_all["change"]) == ("skip", "skipped")
    assert "spf.all" not in {i["rule"] for i in report["changes"]["fixed"]}
    _, out, _ = run_cli("history", DOMAIN, "--db", db, "--format", "json")
    (clock,) = by_rule(json.loads(out)["keys"], "spf.all")["clocks"]
    assert clock["fixed_on"] is None


def test_recheck_without_a_store_or_sheets_is_an_input_error(run_cli, tmp_path):
    code, out, err = run_cli("recheck", "--db", tmp_path / "none.sqlite")
    assert code == 2
    assert "Traceback" not in out + err


def test_recheck_without_a_store_says_how_to_make_one(run_cli, tmp_path, monkeypatch):
    monkeypatch.delenv("MAILCHECK_DB", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    default = tmp_path / "state" / "mailcheck" / "state.sqlite"
    code, _, err = run_cli("recheck")
    assert code == 2
    assert f"--db {default}" in err and "MAILCHECK_DB" in err
    assert not (tmp_path / "state").exists()  # neither the store nor its lock was made


def test_recheck_takes_the_lock_before_it_touches_the_store(run_cli, sheet, tmp_path):
    from mailcheck.state import exclusive
    from mailcheck.state.lock import EX_TEMPFAIL

    db = tmp_path / "state.sqlite"
    with exclusive(db):
        code, _, err = run_cli("recheck", sheet, "--zone", AFTER, "--db", db)
    assert code == EX_TEMPFAIL, err
    assert not db.exists()  # not created, not migrated while another run holds it


def test_recheck_asks_the_dns_source_of_the_last_run(run_cli, write_sheet, tmp_path):
    db = tmp_path / "state.sqlite"
    before = write_sheet(f"anna@{DOMAIN}", name="before.yaml")
    after = write_sheet(f"bob@{DOMAIN}", name="after.yaml")
    assert run_cli("check", before, "--zone", BEFORE, "--db", db)[0] == 1  # no MX yet
    assert run_cli("check", after, "--zone", AFTER, "--db", db)[0] == 0
    code, out, err = run_cli("recheck", "--db", db, "--format", "json")  # no --zone
    report = json.loads(out)
    mx = {f["sheet"]: f for f in report["findings"] if f["rule"] == "sender.mx"}
    assert mx[str(before.resolve())]["change"] == "still_failing"  # the zone, not live DNS
    assert mx[str(after.resolve())]["status"] == "pass"
    assert code == 1
    assert BEFORE in err and AFTER in err  # says which zone files it used
    # given DNS options win over the recorded ones
    code, out, _ = run_cli("recheck", before, "--zone", AFTER, "--db", db, "--format", "json")
    assert (code, by_rule(json.loads(out)["findings"], "sender.mx")["change"]) == (0, "fixed")
    # ... and are recorded for the next run
    code, out, _ = run_cli("recheck", before, "--db", db, "--format", "json")
    assert by_rule(json.loads(out)["findings"], "sender.mx")["status"] == "pass"


def test_recheck_uses_mailcheck_db_and_skips_unreadable_sheets(
    run_cli, write_sheet, tmp_path, monkeypatch
):
    db = tmp_path / "env.sqlite"
    monkeypatch.setenv("MAILCHECK_DB", str(db))
    kept = write_sheet(f"anna@{DOMAIN}", name="kept.yaml")
    gone = write_sheet(f"bob@{DOMAIN}", name="gone.yaml")
    assert run_cli("check", kept, gone, "--zone", AFTER)[0] == 0
    gone.unlink()
    code, out, err = run_cli("recheck", "--zone", AFTER, "--format", "json")
    assert code == 3  # the gone sheet is undecided; the kept one was checked and passes
    assert "gone.yaml" in err and "not re-checked" in err
    report = json.loads(out)
    assert report["sheets"] == [str(kept.resolve()), str(gone.resolve())]
    by_sheet = {f["sheet"]: f["status"] for f in report["findings"] if f["rule"] == "sender.mx"}
    assert by_sheet == {str(kept.resolve()): "pass", str(gone.resolve()): "error"}


def test_history_of_a_sheet_shows_what_changed_and_counts_the_rest(run_cli, sheet, tmp_path):
    db = tmp_path / "state.sqlite"
    run_cli("check", sheet, "--zone", BEFORE, "--db", db, "--today", "2026-11-05")
    run_cli("check", sheet, "--zone", AFTER, "--db", db, "--today", "2026-11-06")
    code, out, _ = run_cli("history", sheet, "--db", db)
    assert code == 0
    assert out.count(str(sheet)) == 2  # the heading and one table, not one per rule and subject
    assert "sender.mx" in out  # failed, then fixed
    assert "deadline.sheet" in out  # still warns
    assert "sender.a " not in out and "sender.role" not in out  # passed every time: counted


def test_history_of_a_sheet_and_of_an_unknown_subject(run_cli, sheet, tmp_path):
    db = tmp_path / "state.sqlite"
    run_cli("check", sheet, "--zone", AFTER, "--db", db, "--today", "2026-11-05")
    code, out, _ = run_cli("history", sheet, "--db", db, "--format", "json")
    rules = {k["rule"] for k in json.loads(out)["keys"]}
    assert {"sender.mx", "deadline.sheet", "deadline.dns"} <= rules
    code, out, _ = run_cli("history", f"anna@{DOMAIN}", "--db", db, "--format", "json")
    assert {k["subject"] for k in json.loads(out)["keys"]} == {f"anna@{DOMAIN}"}
    code, _, err = run_cli("history", "elsewhere.example", "--db", db)
    assert code == 2
    assert "nothing recorded" in err


# --- deadlines ---------------------------------------------------------------------------------


def test_deadlines_table_of_every_customer(run_cli, write_sheet, tmp_path):
    late = write_sheet(f"anna@{DOMAIN}", extra=DATES, name="late.yaml")
    ontime = write_sheet(
        f"bob@{DOMAIN}",
        extra=DATES.replace("2026-11-02\n", "2026-11-02\n  sheet_submitted: 2026-11-04\n"),
        name="ontime.yaml",
    )
    args = ["--zone", AFTER, "--today", "2026-11-12"]
    code, out, _ = run_cli("deadlines", late, ontime, *args, "--format", "json")
    assert code == 1
    rows = json.loads(out)["deadlines"]
    overdue = [r for r in rows if r["sheet"] == str(late) and r["rule"] == "deadline.sheet"]
    assert overdue[0]["due"] == "2026-11-09"
    assert overdue[0]["working_days_overdue"] == 3
    assert overdue[0]["still_failing"][0]["rule"] == "deadline.sheet"
    met = [r for r in rows if r["sheet"] == str(ontime) and r["rule"] == "deadline.sheet"]
    assert met[0]["met"] and met[0]["still_failing"] == []
    assert rows[0]["status"] == "fail"  # what needs attention first
    code, out, _ = run_cli("deadlines", late, ontime, *args)
    assert code == 1 and "2026-11-09" in out


def test_deadlines_of_a_sheet_returned_late(run_cli, write_sheet):
    returned = DATES.replace("2026-11-02\n", "2026-11-02\n  sheet_submitted: 2026-11-20\n")
    sheet = write_sheet(f"anna@{DOMAIN}", extra=returned)
    code, out, _ = run_cli(
        "deadlines", sheet, "--zone", AFTER, "--today", "2026-12-15", "--format", "json"
    )
    row = by_rule(json.loads(out)["deadlines"], "deadline.sheet")
    assert (row["status"], row["due"], row["met_on"]) == ("fail", "2026-11-09", "2026-11-20")
    assert row["working_days_late"] == 9  # returned late: not overdue by 26 working days
    assert row["working_days_overdue"] is None and row["working_days_left"] is None
    assert row["still_failing"] == []  # nothing left to do
    assert code == 1


def test_deadlines_lists_the_failing_dns_checks(run_cli, write_sheet, monkeypatch):
    from mailcheck.rules import REGISTRY

    async def dkim(sheet, ctx):
        return [REGISTRY["dkim.key"].failed(f"esp._domainkey.{DOMAIN}", "no key", "publish")]

    monkeypatch.setitem(REGISTRY, "dkim.key", stand_in("dkim.key", dkim))
    sheet = write_sheet(f"anna@{DOMAIN}", extra=DATES)
    code, out, _ = run_cli(
        "deadlines", sheet, "--zone", AFTER, "--today", "2026-11-18", "--format", "json"
    )
    assert code == 1  # the sheet itself is overdue (due 2026-11-09); DNS only warns
    row = by_rule(json.loads(out)["deadlines"], "deadline.dns")
    assert (row["status"], row["working_days_left"]) == ("warn", 3)
    assert [f["rule"] for f in row["still_failing"]] == ["dkim.key"]


# --- --notify ----------------------------------------------------------------------------------


class Hook:
    """A webhook on 127.0.0.1 answering with the given statuses in turn (then 200), each after
    the given delay in seconds (then at once)."""

    def __init__(self, *answers: int, delays: tuple[float, ...] = ()) -> None:
        self.answers = list(answers)
        self.delays = list(delays)
        self.bodies: list[dict] = []
        self.keys: list[str | None] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.bodies.append(json.loads(body))
                hook.keys.append(self.headers.get("Idempotency-Key"))
                if hook.delays:
                    time.sleep(hook.delays.pop(0))
                self.send_response(hook.answers.pop(0) if hook.answers else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[type[Hook]]:
    started: list[Hook] = []

    def start(*answers: int, delays: tuple[float, ...] = ()) -> Hook:
        started.append(Hook(*answers, delays=delays))
        return started[-1]

    yield start  # type: ignore[misc]
    for one in started:
        one.close()


@pytest.fixture
def quick_retries(monkeypatch):
    import mailcheck.http.notify

    monkeypatch.setattr(mailcheck.http.notify, "BACKOFF", 0.01)


def test_notify_posts_the_changes(run_cli, sheet, tmp_path, hook):
    server = hook()
    db = tmp_path / "state.sqlite"
    run_cli("check", sheet, "--zone", AFTER, "--db", db, "--today", "2026-11-05")
    code, _, err = run_cli(
        "recheck", "--zone", BEFORE, "--db", db, "--today", "2026-11-06", "--notify", server.url
    )
    assert code == 1
    (body,) = server.bodies
    assert by_rule(body["changes"]["newly_failing"], "sender.mx")["since"] == "2026-11-06"
    assert body["exit_code"] == 1 and "findings" not in body
    assert "notification" not in err


def test_notify_retries_server_errors(hook):
    from mailcheck.http.notify import NotifyError, post

    server = hook(503, 502)
    assert post(server.url, {"x": 1}, "k", backoff=0.01) == 200
    assert len(server.bodies) == 3
    refusing = hook(400)
    with pytest.raises(NotifyError, match="400"):
        post(refusing.url, {"x": 1}, "k", backoff=0.01)
    assert len(refusing.bodies) == 1  # a client error is final


def test_notify_retries_only_what_surely_did_not_arrive(hook):
    from mailcheck.http.notify import NotifyError, post

    for status in (500, 400, 422):
        server = hook(status)
        with pytest.raises(NotifyError, match=str(status)):
            post(server.url, {"x": 1}, "k", backoff=0.01)
        assert len(server.bodies) == 1  # the webhook may have acted: never twice
    busy = hook(429, 504)
    assert post(busy.url, {"x": 1}, "run-7", backoff=0.01) == 200
    assert busy.keys == ["run-7", "run-7", "run-7"]  # one key: the webhook can drop repeats


def test_a_read_timeout_is_not_retried(hook):
    from mailcheck.http.notify import NotifyError, post

    slow = hook(delays=(1.0,))
    with pytest.raises(NotifyError, match=r"(?i)timeout"):
        post(slow.url, {"x": 1}, "k", 0.2, backoff=0.01)
    assert len(slow.bodies) == 1  # it arrived: a second POST would be a duplicate


def test_notify_uses_the_timeout_option_and_an_idempotency_key(run_cli, sheet, tmp_path, hook):
    slow = hook(delays=(1.0,))
    db = tmp_path / "state.sqlite"
    run_cli("check", sheet, "--zone", AFTER, "--db", db, "--today", "2026-11-05")
    args = ["recheck", "--zone", BEFORE, "--db", db, "--today", "2026-11-06"]
    code, _, err = run_cli(*args, "--notify", slow.url, "--timeout", "0.2")
    assert code == 1
    assert "notification" in err and "failed" in err  # waited 0.2 s, not 10
    assert len(slow.bodies) == 1
    quick = hook()
    run_cli(*args, "--notify", quick.url)
    run_cli(*args, "--notify", quick.url)
    assert len(quick.keys) == 2 and None not in quick.keys
    assert quick.keys[0] != quick.keys[1]  # one key per run


def test_a_failed_notification_loses_no_result(run_cli, sheet, tmp_path, quick_retries):
    with socket.socket() as probe:  # a loopback port with nobody listening
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/hook"
    db = tmp_path / "state.sqlite"
    run_cli("check", sheet, "--zone", AFTER, "--db", db, "--today", "2026-11-05")
    code, _, err = run_cli(
        "recheck", "--zone", BEFORE, "--db", db, "--today", "2026-11-06", "--notify", url
    )
    assert code == 1  # as without --notify
    assert "notification" in err and "failed" in err and "#2" in err
    code, out, _ = run_cli("history", DOMAIN, "--db", db, "--format", "json")
    assert by_rule(json.loads(out)["keys"], "sender.mx")["status"] == "fail"


def test_notify_needs_an_http_url(run_cli, sheet, tmp_path):
    code, _, err = run_cli("recheck", sheet, "--db", tmp_path / "s.sqlite", "--notify", "ftp://x")
    assert code == 2
    assert "--notify" in err


# --- the progress bar ------------------------------------------------------------------------


def test_progress_bar_only_on_a_terminal(run_cli, sheet, tmp_path):
    import os
    import pty
    import subprocess
    import sys

    db = tmp_path / "state.sqlite"
    code, _, err = run_cli("recheck", sheet, "--zone", AFTER, "--db", db, "--format", "json")
    assert code == 1  # the sheet is overdue
    assert "re-checking" not in err  # stderr is not a terminal here
    leader, follower = pty.openpty()
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT / "src"), COLUMNS="100")
    command = [sys.executable, "-m", "mailcheck", "recheck", "--zone", AFTER, "--db", str(db)]
    with subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=follower, env=env, close_fds=True
    ) as process:
        os.close(follower)
        shown = read_terminal(leader)
    os.close(leader)
    assert process.returncode != 2
    assert b"re-checking" in shown


# --- one broken sheet stops only itself --------------------------------------------------------


def _states(db, sheet) -> dict[tuple[str, str], str]:
    import sqlite3

    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT rule, subject, status FROM states WHERE sheet = ?", (str(sheet.resolve()),)
        ).fetchall()
    return {(rule, subject): status for rule, subject, status in rows}


@pytest.mark.parametrize(
    "breakage", ["zone-moved", "zone-broken", "sheet-deleted", "sheet-invalid"]
)
def test_a_broken_sheet_does_not_stop_the_others(breakage, run_cli, write_sheet, tmp_path):
    import shutil

    db = tmp_path / "state.sqlite"
    zone = tmp_path / "zones" / "shop.zone"
    zone.parent.mkdir()
    shutil.copy(AFTER, zone)
    broken = write_sheet(f"anna@{DOMAIN}", name="broken.yaml")
    healthy = write_sheet(f"bob@{DOMAIN}", name="healthy.yaml")
    assert run_cli("check", broken, "--zone", zone, "--db", db)[0] == 0
    assert run_cli("check", healthy, "--zone", AFTER, "--db", db)[0] == 0
    recorded = _states(db, broken)
    if breakage == "zone-moved":
        zone.rename(tmp_path / "elsewhere.zone")
    elif breakage == "zone-broken":
        zone.write_text("this is not a zone\n", encoding="utf-8")
    elif breakage == "sheet-deleted":
        broken.unlink()
    else:
        broken.write_text("version: 1\nsenders: [\n", encoding="utf-8")
    code, out, err = run_cli("recheck", "--db", db, "--format", "json")
    assert code == 3, err
    assert "Traceback" not in err
    (warning,) = [line for line in err.splitlines() if "not re-checked" in line]
    assert "broken.yaml" in warning
    report = json.loads(out)
    statuses = {}
    for finding in report["findings"]:
        statuses.setdefault(finding["sheet"], set()).add(finding["status"])
    assert statuses[str(broken.resolve())] == {"error"}  # never fail
    assert statuses[str(healthy.resolve())] >= {"pass"}
    assert _states(db, broken) == recorded  # its decided statuses stand
    # the sheet comes back, against the DNS source it was last checked against
    shutil.copy(AFTER, zone)
    if breakage.startswith("sheet"):
        write_sheet(f"anna@{DOMAIN}", name="broken.yaml")
    code, out, err = run_cli("recheck", "--db", db, "--format", "json")
    assert code == 0, err
    assert str(zone) in err  # asked its own zone file again


def test_recheck_of_nothing_that_can_be_checked_records_nothing(run_cli, write_sheet, tmp_path):
    db = tmp_path / "state.sqlite"
    zone = tmp_path / "shop.zone"
    zone.write_bytes(REPO_ROOT.joinpath(AFTER).read_bytes())
    sheet = write_sheet(f"anna@{DOMAIN}")
    assert run_cli("check", sheet, "--zone", zone, "--db", db)[0] == 0
    zone.unlink()
    code, _, err = run_cli("recheck", "--db", db, "--format", "json")
    assert code == 2, err
    assert "not re-checked" in err and "nothing was recorded" in err
    code, out, _ = run_cli("history", str(sheet), "--db", db, "--format", "json")
    assert {len(k["timeline"]) for k in json.loads(out)["keys"]} == {1}  # one run only


def test_a_zone_given_on_the_command_line_must_be_readable(run_cli, write_sheet, tmp_path):
    db = tmp_path / "state.sqlite"
    sheet = write_sheet(f"anna@{DOMAIN}")
    assert run_cli("check", sheet, "--zone", AFTER, "--db", db)[0] == 0
    code, _, err = run_cli("recheck", "--db", db, "--zone", tmp_path / "missing.zone")
    assert code == 2, err
