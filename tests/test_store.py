"""The state store on a real SQLite file and a real PostgreSQL database (`store_at`): clocks,
errors, whole runs, overlapping processes. What is SQLite's alone (WAL, the lock file next to
it, a read-only file) is tested on SQLite."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from conftest import REPO_ROOT, ns
from mailcheck.core.errors import InputError
from mailcheck.core.findings import Finding, Status
from mailcheck.state import (
    RunRecord,
    SheetInfo,
    SheetResult,
    Store,
    exclusive,
    store_location,
)
from mailcheck.state.lock import EX_TEMPFAIL, lock_path
from mailcheck.state.migrations import LATEST
from mailcheck.state.store import State
from onlyrules import keep_only

BEFORE = "tests/data/zones/deadline-shop-before.zone"
AFTER = "tests/data/zones/deadline-shop-after.zone"
DOMAIN = "shop.deadline.example"
SHEET_INFO = SheetInfo("/srv/sheets/acme.yaml", "ACME", "DE-BY", "mon-fri")
KEY = (SHEET_INFO.path, "spf.all", "bounce.acme.example")


@pytest.fixture(autouse=True)
def _only_sender_and_deadline_rules(monkeypatch):
    keep_only(monkeypatch)


def record(store: Store, day: dt.date, *statuses: Status) -> int:
    findings = [Finding("spf.all", s, "bounce.acme.example", s.value) for s in statuses]
    moment = dt.datetime.now(dt.UTC)
    result = SheetResult(SHEET_INFO, findings, moment)
    return store.record(RunRecord("check", moment, moment, day, 0, [result]))


def day(n: int) -> dt.date:
    return dt.date(2026, 11, n)


def opened(at: str | Path) -> Store:
    return Store.open(store_location(at))


def count(at: str | Path, table: str) -> int:
    with opened(at) as store:
        return int(store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def integrity(at: str | Path) -> str:
    with opened(at) as store:
        return store.integrity()


def open_clocks_per_key(at: str | Path) -> list[int]:
    with opened(at) as store:
        rows = store.db.execute(
            "SELECT count(*) FROM episodes WHERE fixed_run IS NULL GROUP BY sheet, rule, subject"
        ).fetchall()
    return [int(row[0]) for row in rows]


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT / "src"), env.get("PYTHONPATH", "")])
    return env


# --- schema ------------------------------------------------------------------------------------


def test_a_new_sqlite_store_is_migrated_and_in_wal_mode(tmp_path):
    db = tmp_path / "state" / "store.sqlite"
    Store.open(db).close()
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == LATEST
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    Store.open(db).close()  # reopening migrates nothing twice


def test_a_new_store_is_migrated_once(store_at):
    with opened(store_at) as store:
        assert store.db.version() == LATEST
        assert store.runs() == []
    with opened(store_at) as store:  # reopening migrates nothing twice
        assert store.db.version() == LATEST


def schema_of(store: Store) -> dict[str, list[str]]:
    """{table: its columns in order} of a store, asked of the database itself."""
    from mailcheck.state.postgres_db import TABLES

    if isinstance(store.path, Path):
        return {t: [row[1] for row in store.db.execute(f"PRAGMA table_info({t})")] for t in TABLES}
    rows = store.db.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
    )
    found: dict[str, list[str]] = {}
    for table, column in rows:
        if table in TABLES:
            found.setdefault(table, []).append(column)
    return found


def test_both_stores_have_the_same_tables_and_columns(tmp_path, postgres_url):
    with opened(tmp_path / "s.sqlite") as lite, opened(postgres_url) as pg:
        assert schema_of(lite) == schema_of(pg)
        assert "job" in schema_of(pg)["runs"]


def test_a_store_from_a_newer_mailcheck_is_refused(store_at):
    with opened(store_at) as store:
        store.db.set_version(LATEST + 1)
    with pytest.raises(InputError, match="newer"):
        opened(store_at)


def test_a_file_that_is_not_a_store_is_an_input_error(run_cli, tmp_path, write_sheet):
    db = tmp_path / "notes.txt"
    db.write_text("not a database, just text that is long enough to have a header" * 20)
    sheet = write_sheet(f"anna@{DOMAIN}")
    code, out, err = run_cli("check", sheet, "--zone", REPO_ROOT / AFTER, "--db", db)
    assert code == 2
    assert str(db) in err
    assert "Traceback" not in out + err


def test_history_without_a_store_is_an_input_error(run_cli, tmp_path):
    code, _, err = run_cli("history", DOMAIN, "--db", tmp_path / "none.sqlite")
    assert code == 2
    assert f"--db {tmp_path / 'none.sqlite'}" in err  # how to create it
    assert not (tmp_path / "none.sqlite").exists()


# --- clocks --------------------------------------------------------------------------------------


def test_a_fix_stops_the_clock_and_a_new_failure_starts_another(store_at):
    with opened(store_at) as store:
        record(store, day(2), Status.FAIL)
        record(store, day(3), Status.FAIL)
        assert store.episodes(KEY)[0].failed_on == day(2)
        assert store.episodes(KEY)[0].fixed_on is None
        record(store, day(5), Status.PASS)
        record(store, day(6), Status.PASS)
        (episode,) = store.episodes(KEY)
        assert (episode.failed_on, episode.fixed_on) == (day(2), day(5))
        record(store, day(9), Status.FAIL)
        assert [(e.failed_on, e.fixed_on) for e in store.episodes(KEY)] == [
            (day(2), day(5)),
            (day(9), None),
        ]
        assert store.state(KEY).status is Status.FAIL
        assert store.state(KEY).since == day(9)


def test_an_error_neither_stops_nor_starts_a_clock(store_at):
    with opened(store_at) as store:
        record(store, day(2), Status.FAIL)
        record(store, day(3), Status.ERROR)  # a timeout is not a fix
        assert store.episodes(KEY)[0].fixed_on is None
        assert store.state(KEY).status is Status.FAIL
        record(store, day(4), Status.PASS)
        record(store, day(5), Status.ERROR)  # ... and not a new failure
        (episode,) = store.episodes(KEY)
        assert (episode.failed_on, episode.fixed_on) == (day(2), day(4))
        assert store.state(KEY).status is Status.PASS
        assert store.state(KEY).since == day(4)
        assert len(store.matching("bounce.acme.example")) == 4  # every finding is kept


def test_a_skip_neither_stops_nor_starts_a_clock_nor_replaces_the_status(store_at):
    with opened(store_at) as store:
        record(store, day(2), Status.SKIP)  # did not apply: nothing decided yet
        assert store.state(KEY) is None
        assert store.episodes(KEY) == []
        record(store, day(3), Status.FAIL)
        record(store, day(4), Status.SKIP)  # left out, or exempted: not a fix
        assert store.state(KEY) == State(Status.FAIL, day(3))
        assert [(e.failed_on, e.fixed_on) for e in store.episodes(KEY)] == [(day(3), None)]
        record(store, day(5), Status.PASS)
        record(store, day(6), Status.SKIP)
        record(store, day(9), Status.PASS)
        assert store.state(KEY) == State(Status.PASS, day(5))
        assert [(e.failed_on, e.fixed_on) for e in store.episodes(KEY)] == [(day(3), day(5))]
        assert [r.previous for r in store.matching("bounce.acme.example")] == [
            None,
            None,
            Status.FAIL,
            Status.FAIL,
            Status.PASS,
            Status.PASS,
        ]


def test_history_finds_subjects_naming_the_domain_after_for(store_at):
    subjects = [
        "198.51.100.10 for bounce.acme.example",  # spf.authorizes
        "192.0.2.7 for news@acme.example",
        "192.0.2.8 for mail.bounce.acme.example",
        "198.51.100.10 for notacme.example",
        "198.51.100.10 for acme.example.org",
    ]
    findings = [Finding("spf.authorizes", Status.FAIL, s, "m", "h") for s in subjects]
    moment = dt.datetime.now(dt.UTC)
    run = RunRecord("check", moment, moment, day(2), 1, [SheetResult(SHEET_INFO, findings, moment)])
    with opened(store_at) as store:
        store.record(run)
        assert {r.subject for r in store.matching("acme.example")} == set(subjects[:3])
        assert {r.subject for r in store.matching("bounce.acme.example")} == {
            subjects[0],
            subjects[2],
        }
        assert {r.subject for r in store.matching("news@acme.example")} == {subjects[1]}


def test_a_store_error_is_an_input_error_and_records_nothing(store_at):
    moment = dt.datetime.now(dt.UTC)
    result = SheetResult(SHEET_INFO, [], moment)
    twice = RunRecord("check", moment, moment, day(2), 0, [result, result])
    with opened(store_at) as store:
        with pytest.raises(InputError) as caught:
            store.record(twice)  # the same sheet twice in one run breaks a key
        assert caught.value.file == str(store_location(store_at))
        assert "s3cret" not in str(caught.value)
        assert store.runs() == []


def test_the_same_sheet_given_twice_is_checked_and_recorded_once(
    run_cli, write_sheet, store_at, monkeypatch
):
    db = store_at
    sheet = write_sheet(f"anna@{DOMAIN}")
    monkeypatch.chdir(sheet.parent)
    zone = ["--zone", REPO_ROOT / AFTER, "--db", db]
    code, out, err = run_cli(
        "check", sheet.name, f"./{sheet.name}", sheet, *zone, "--format", "json"
    )
    assert code == 0, err
    assert "Traceback" not in out + err
    mx = [f for f in json.loads(out)["findings"] if f["rule"] == "sender.mx"]
    assert len(mx) == 1
    code, out, err = run_cli("recheck", sheet.name, f"./{sheet.name}", *zone, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["sheets"] == [sheet.name]
    assert count(db, "run_sheets") == 2


def raw_database(at: str):
    """The database of a store location, opened without migrating it."""
    from mailcheck.state.postgres_db import PostgresDatabase
    from mailcheck.state.sqlite_db import SqliteDatabase

    location = store_location(at)
    if isinstance(location, Path):
        return SqliteDatabase.open(location)
    return PostgresDatabase.open(location)


def test_a_version_1_store_is_migrated_and_its_dns_source_is_unknown(store_at):
    database = raw_database(store_at)
    with database.transaction():
        for statement in database.migration(0):
            database.execute(statement)
        database.set_version(1)
        database.execute("INSERT INTO runs VALUES (1, 'check', 's', 'f', '2026-11-02', 0)")
        database.execute(
            "INSERT INTO run_sheets VALUES"
            " (1, '/old.yaml', NULL, 'DE', 'mon-fri', NULL, NULL, NULL)"
        )
    database.close()
    with opened(store_at) as store:
        assert store.dns_source("/old.yaml") is None
        assert store.sheet_info("/old.yaml") == SheetInfo("/old.yaml")
        assert store.db.version() == LATEST >= 4
        assert store.run_of_job("round-1:/old.yaml") is None


def test_a_postgres_store_that_cannot_be_reached_is_an_input_error_without_its_password(
    run_cli, write_sheet, postgres_server
):
    from pgserver import PASSWORD

    sheet = write_sheet(f"anna@{DOMAIN}")
    wrong = postgres_server.url("postgres", password="wrong-" + PASSWORD)
    for url in (wrong, postgres_server.url("no_such_database")):
        code, out, err = run_cli("check", sheet, "--zone", REPO_ROOT / AFTER, "--db", url)
        assert code == 2, err
        assert err.startswith("mailcheck: error: postgresql://mailcheck:REDACTED@127.0.0.1:")
        assert PASSWORD not in out + err
        assert "Traceback" not in out + err
        assert len(err.strip().splitlines()) == 1


def test_a_postgres_store_is_named_without_its_password(run_cli, write_sheet, postgres_url):
    from pgserver import PASSWORD

    sheet = write_sheet(f"anna@{DOMAIN}")
    assert run_cli("check", sheet, "--zone", REPO_ROOT / AFTER, "--db", postgres_url)[0] == 0
    for command in (["recheck", "--format", "json"], ["history", DOMAIN, "--format", "json"]):
        code, out, err = run_cli(*command, "--db", postgres_url)
        assert code == 0, err
        assert "reading the state store postgresql://mailcheck:REDACTED@" in err
        assert PASSWORD not in out + err


def test_a_timeout_does_not_erase_a_recorded_pass(dns_server, run_cli, write_sheet, store_at):
    server = dns_server(AFTER)
    db = store_at
    sheet = write_sheet(f"anna@{DOMAIN}")
    args = ["--nameserver", ns(server), "--timeout", "0.3", "--db", db]
    assert run_cli("check", sheet, *args, "--today", "2026-11-17")[0] == 0
    server.drop(DOMAIN, "MX")
    assert run_cli("check", sheet, *args, "--today", "2026-11-18")[0] == 3
    code, out, _ = run_cli("history", DOMAIN, "--db", db, "--format", "json")
    assert code == 3  # the last check could not be decided
    (mx,) = [k for k in json.loads(out)["keys"] if k["rule"] == "sender.mx"]
    assert (mx["status"], mx["since"]) == ("pass", "2026-11-17")
    assert [t["status"] for t in mx["timeline"]] == ["pass", "error"]
    assert mx["clocks"] == []
    code, out, _ = run_cli("recheck", *args, "--today", "2026-11-19", "--format", "json")
    report = json.loads(out)
    (undecided,) = report["changes"]["undecided"]
    assert (undecided["rule"], undecided["previous"]) == ("sender.mx", "pass")
    assert report["changes"]["newly_failing"] == report["changes"]["fixed"] == []
    assert code == 3


# --- whole runs and overlapping processes ------------------------------------------------------

KILLED_WRITER = textwrap.dedent(
    """
    import datetime as dt, sys, time
    from pathlib import Path
    from mailcheck.core.findings import Finding, Status
    from mailcheck.state import RunRecord, SheetInfo, SheetResult, Store, store_location

    db, marker = store_location(sys.argv[1]), Path(sys.argv[2])

    def findings(block):
        for i in range(50):
            if block and i == 25:
                marker.write_text("half-way")
                time.sleep(60)
            yield Finding("sender.mx", Status.FAIL, f"d{i}.example", "no MX", "publish one")

    def run(block):
        now = dt.datetime.now(dt.UTC)
        sheets = [
            SheetResult(SheetInfo(f"/s{j}.yaml"), findings(block and j == 1), now)
            for j in range(2)
        ]
        return RunRecord("recheck", now, now, dt.date(2026, 11, 2), 1, sheets)

    with Store.open(db) as store:
        store.record(run(False))
        store.record(run(True))  # killed half-way through its second sheet
    """
)


def test_a_run_killed_half_way_is_not_recorded_at_all(tmp_path, store_at):
    db, marker, script = store_at, tmp_path / "marker", tmp_path / "writer.py"
    script.write_text(KILLED_WRITER)
    process = subprocess.Popen(
        [sys.executable, str(script), str(db), str(marker)], env=subprocess_env()
    )
    try:
        deadline = time.monotonic() + 20
        while not marker.exists():
            assert process.poll() is None, "the writer ended before it was killed"
            assert time.monotonic() < deadline, "the writer never got half-way"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    with opened(db) as store:  # opening recovers from the write-ahead log
        assert store.integrity() == "ok"
        assert [run.id for run in store.runs()] == [1]
    assert integrity(db) == "ok"
    assert count(db, "run_sheets") == 2
    assert count(db, "findings") == 100
    assert count(db, "episodes") == 100


CONCURRENT_WRITER = textwrap.dedent(
    """
    import datetime as dt, sys
    from pathlib import Path
    from mailcheck.core.findings import Finding, Status
    from mailcheck.state import RunRecord, SheetInfo, SheetResult, Store, store_location

    with Store.open(store_location(sys.argv[1])) as store:
        for n in range(15):
            now = dt.datetime.now(dt.UTC)
            status = Status.FAIL if n % 2 else Status.PASS
            found = [Finding("spf.all", status, f"d{i}.example", "m") for i in range(20)]
            sheets = [SheetResult(SheetInfo("/shared.yaml"), found, now)]
            store.record(RunRecord("check", now, now, dt.date(2026, 11, 2), 0, sheets))
    """
)


def test_concurrent_writers_wait_for_each_other(tmp_path, store_at):
    db, script = store_at, tmp_path / "writer.py"
    script.write_text(CONCURRENT_WRITER)
    opened(db).close()
    processes = [
        subprocess.Popen([sys.executable, str(script), str(db)], env=subprocess_env())
        for _ in range(2)
    ]
    assert [p.wait(timeout=60) for p in processes] == [0, 0]
    assert integrity(db) == "ok"
    assert count(db, "runs") == 30
    assert count(db, "findings") == 600
    assert set(open_clocks_per_key(db)) <= {1}  # never two open clocks for one key


def test_a_second_run_refuses_while_the_store_is_held(run_cli, write_sheet, store_at):
    db = store_at
    sheet = write_sheet(f"anna@{DOMAIN}")
    with exclusive(store_location(db)):
        code, out, err = run_cli("check", sheet, "--zone", REPO_ROOT / AFTER, "--db", db)
    assert code == EX_TEMPFAIL  # busy, not invalid input (2): cron may simply try again
    assert err.startswith("mailcheck: busy:")
    assert "another mailcheck run" in err
    assert str(store_location(db)) in err
    assert "s3cret" not in err
    assert "Traceback" not in out + err
    with opened(db) as store:
        assert store.runs() == []


def _held(path: Path) -> bool:
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _run_lock_held(at: str, pid: int) -> bool:
    """Whether the process `pid` holds the store's run lock, seen without taking the lock (a
    look that took it, however briefly, could make that process find the store busy)."""
    location = store_location(at)
    if isinstance(location, Path):
        path = lock_path(location)
        return path.exists() and path.read_text().strip() == str(pid)
    from mailcheck.state.postgres_db import RUN_LOCK

    with opened(at) as store:
        row = store.db.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = ? AND objid = ? AND objsubid = 1",
            (RUN_LOCK >> 32, RUN_LOCK & 0xFFFFFFFF),
        ).fetchone()
    return bool(row and row[0])


def test_concurrent_recheck_processes(dns_server, run_cli, write_sheet, store_at):
    server = dns_server(AFTER)
    db = store_at
    sheet = write_sheet(f"anna@{DOMAIN}")
    args = ["--nameserver", ns(server), "--timeout", "5", "--db", str(db)]
    assert run_cli("check", sheet, *args)[0] == 0
    server.delay(DOMAIN, 1.5, "MX")  # the first re-check is still running when the second starts
    command = [sys.executable, "-m", "mailcheck", "recheck", *args, "--format", "json"]
    run = dict(env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = subprocess.Popen(command, **run)
    deadline = time.monotonic() + 20
    while not _run_lock_held(db, first.pid):
        assert first.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    second = subprocess.run(command, timeout=30, check=False, **run)
    out, err = first.communicate(timeout=30)
    # Subprocesses run every registered rule: any exit code of a finished check (0, 1, 3) will do.
    assert first.returncode not in (2, EX_TEMPFAIL), err
    assert json.loads(out)["run"]["id"] == 2
    assert second.returncode == EX_TEMPFAIL
    assert "another mailcheck run" in second.stderr
    assert "Traceback" not in second.stderr
    assert integrity(db) == "ok"
    assert count(db, "runs") == 2  # the check and one re-check: nothing double-recorded
    server.clear_faults()
    third = subprocess.run(command, timeout=30, check=False, **run)
    assert third.returncode not in (2, EX_TEMPFAIL), (
        third.stderr
    )  # the lock went with the first process
    assert json.loads(third.stdout)["run"]["id"] == 3
    assert count(db, "runs") == 3


@pytest.mark.parametrize("spelling", ["symlink", "dotdot", "hardlink"])
def test_the_lock_belongs_to_the_store_not_to_its_name(spelling, run_cli, write_sheet, tmp_path):
    db = tmp_path / "state.sqlite"
    sheet = write_sheet(f"anna@{DOMAIN}")
    zone = ["--zone", str(REPO_ROOT / AFTER)]
    assert run_cli("check", sheet, *zone, "--db", db)[0] == 0
    (tmp_path / "sub").mkdir()
    other = {
        "symlink": tmp_path / "link.sqlite",
        "dotdot": tmp_path / "sub" / ".." / "state.sqlite",
        "hardlink": tmp_path / "sub" / "other-name.sqlite",
    }[spelling]
    if spelling == "symlink":
        other.symlink_to(db)
    elif spelling == "hardlink":
        os.link(db, other)
    for held, used in ((db, other), (other, db)):  # either run may be the first
        with exclusive(held):
            code, out, err = run_cli("check", sheet, *zone, "--db", used)
        assert code == EX_TEMPFAIL, err
        assert err.startswith("mailcheck: busy:")
        assert "Traceback" not in out + err
    assert count(db, "runs") == 1  # only the first, unlocked run was recorded


def test_two_runs_through_a_symlink_overlap_and_the_second_is_busy(
    dns_server, run_cli, write_sheet, tmp_path
):
    server = dns_server(AFTER)
    db = tmp_path / "state.sqlite"
    link = tmp_path / "link.sqlite"
    link.symlink_to(db)
    sheet = write_sheet(f"anna@{DOMAIN}")
    args = ["--nameserver", ns(server), "--timeout", "5"]
    assert run_cli("check", sheet, *args, "--db", db)[0] == 0
    server.delay(DOMAIN, 1.5, "MX")  # the first run is still checking when the second starts
    command = [sys.executable, "-m", "mailcheck", "check", str(sheet), *args, "--db"]
    run = dict(env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = subprocess.Popen([*command, str(db)], **run)
    deadline = time.monotonic() + 20
    while not _held(lock_path(db)):
        assert first.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    second = subprocess.run([*command, str(link)], timeout=30, check=False, **run)
    first.communicate(timeout=30)
    assert second.returncode == EX_TEMPFAIL, second.stderr
    assert first.returncode not in (2, EX_TEMPFAIL)
    assert count(db, "runs") == 2


def _read_only(path: Path) -> list[str]:
    """The command prefix that runs a process unable to write `path`. The modes hold for anyone
    but root; under root (CI), the process gets a mount namespace of its own in which `path` is
    a read-only bind mount, so nothing outside it changes and nothing is left mounted."""
    if os.geteuid() != 0:
        return []
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("running as root without unshare: root may write any file, whatever its mode")
    remount = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    prefix = [unshare, "--mount", "--propagation", "private", "sh", "-c", remount, str(path)]
    if subprocess.run([*prefix, "true"], capture_output=True, check=False).returncode != 0:
        pytest.skip("running as root where no mount namespace can be made: root writes anything")
    return prefix


@pytest.mark.parametrize("directory_mode", [0o555, 0o777], ids=["read-only-dir", "writable-dir"])
def test_history_reads_a_store_it_may_not_write(directory_mode, run_cli, write_sheet):
    """The store file is 0444; `history` runs as a process that cannot write it."""
    directory = Path(tempfile.mkdtemp(prefix="mailcheck-ro-"))
    try:
        db = directory / "state.sqlite"
        sheet = write_sheet(f"anna@{DOMAIN}")
        assert run_cli("check", sheet, "--zone", REPO_ROOT / BEFORE, "--db", db)[0] == 1
        assert run_cli("check", sheet, "--zone", REPO_ROOT / AFTER, "--db", db)[0] == 0
        before = db.read_bytes()
        db.chmod(0o444)
        directory.chmod(directory_mode)
        history = [sys.executable, "-m", "mailcheck", "history", DOMAIN, "--db", str(db)]
        unwritable = directory if directory_mode == 0o555 else db
        with exclusive(db):  # a run holds the store meanwhile: reading needs no lock
            result = subprocess.run(
                [*_read_only(unwritable), *history, "--format", "json"],
                env=subprocess_env(),
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        assert result.returncode == 0, result.stderr
        keys = json.loads(result.stdout)["keys"]
        mx = [k for k in keys if k["rule"] == "sender.mx"]
        assert [(k["status"], len(k["clocks"])) for k in mx] == [("pass", 1)]
        assert db.read_bytes() == before  # nothing written
    finally:
        directory.chmod(0o700)
        shutil.rmtree(directory)
