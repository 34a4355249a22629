"""`mailcheck prune` on a real SQLite file and a real PostgreSQL database (`store_at`): old runs
go with their sheets and findings, each sheet keeps its newest runs, statuses and clocks stay,
`history` and `recheck` read the store as before, the run lock keeps it from a running
re-check, and a bad option is one line and exit 2."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from mailcheck.core.findings import Finding, Status
from mailcheck.state import (
    RunRecord,
    SheetInfo,
    SheetResult,
    Store,
    exclusive,
    retention,
    store_location,
)
from mailcheck.state.lock import EX_TEMPFAIL, lock_path
from mailcheck.state.retention import prune
from mailcheck.state.store import DnsSource
from onlyrules import keep_only

SHEET_A = SheetInfo("/srv/sheets/a.yaml", "A GmbH", "DE", "mon-fri")
SHEET_B = SheetInfo("/srv/sheets/b.yaml", "B GmbH", "DE", "mon-fri")
TABLES = ("runs", "run_sheets", "findings", "states", "episodes")
TODAY = "2026-11-25"  # with --older-than 30: runs that finished before 2026-10-26 are old
ZONE = REPO_ROOT / "tests/data/zones/deadline-shop-after.zone"


def moment(month: int, day: int) -> dt.datetime:
    return dt.datetime(2026, month, day, 6, 0, tzinfo=dt.UTC)


def record(store: Store, finished: dt.datetime, **sheets: Status) -> int:
    """A run of the given sheets (`a`, `b`), each with two findings of one status."""
    info = {"a": SHEET_A, "b": SHEET_B}
    results = [
        SheetResult(
            info[name],
            [
                Finding("sender.mx", status, f"{name}.example", status.value),
                Finding("sender.address", status, f"news@{name}.example", status.value),
            ],
            finished,
            DnsSource((f"/srv/zones/{name}.zone",), ()),
        )
        for name, status in sheets.items()
    ]
    return store.record(RunRecord("recheck", finished, finished, finished.date(), 0, results))


def recorded(at: str) -> None:
    """Runs 1-4 finished in October, run 5 in November. Sheet a fails in run 1 and passes
    from run 2 on (a clock from run 1 to run 2); sheet b is in runs 1 and 2 only, its second
    check undecided (its status still that of run 1)."""
    with Store.open(store_location(at)) as store:
        record(store, moment(10, 1), a=Status.FAIL, b=Status.PASS)
        record(store, moment(10, 2), a=Status.PASS, b=Status.ERROR)
        record(store, moment(10, 3), a=Status.PASS)
        record(store, moment(10, 20), a=Status.PASS)
        record(store, moment(11, 20), a=Status.PASS)


def rows(at: str, table: str) -> list[tuple[object, ...]]:
    with Store.open(store_location(at)) as store:
        return sorted(tuple(row) for row in store.db.execute(f"SELECT * FROM {table}"))


def counts(at: str) -> dict[str, int]:
    return {table: len(rows(at, table)) for table in TABLES}


def pruned_json(run_cli, at: str, *args: str) -> dict:
    code, out, err = run_cli("prune", "--db", at, "--today", TODAY, "--format", "json", *args)
    assert code == 0, err
    assert "Traceback" not in out + err
    return json.loads(out)


def test_old_runs_go_and_each_sheet_keeps_its_newest(run_cli, store_at):
    recorded(store_at)
    report = pruned_json(run_cli, store_at, "--older-than", "30")
    # a's records in runs 1-4 and b's in run 1; runs 3 and 4 are left empty and go, while
    # run 1 (b's status and a's clock started there) and run 2 (b's newest) stay
    assert report["deleted"] == {"runs": 2, "run_sheets": 5, "findings": 10}
    assert [row[0] for row in rows(store_at, "runs")] == [1, 2, 5]
    assert sorted((run, sheet) for run, sheet, *_ in rows(store_at, "run_sheets")) == [
        (2, SHEET_B.path),
        (5, SHEET_A.path),
    ]
    assert {row[1] for row in rows(store_at, "findings")} == {2, 5}
    assert report["keep_last"] == 1 and report["dry_run"] is False
    assert report["finished_before"] == "2026-10-26T00:00:00+00:00"
    again = pruned_json(run_cli, store_at, "--older-than", "30")
    assert again["deleted"] == {"runs": 0, "run_sheets": 0, "findings": 0}


def test_keep_last_keeps_more_runs_per_sheet(run_cli, store_at):
    recorded(store_at)
    report = pruned_json(run_cli, store_at, "--older-than", "30", "--keep-last", "2")
    assert report["deleted"] == {"runs": 1, "run_sheets": 3, "findings": 6}
    assert [row[0] for row in rows(store_at, "runs")] == [1, 2, 4, 5]


def test_nothing_old_enough_deletes_nothing(run_cli, store_at):
    recorded(store_at)
    before = counts(store_at)
    report = pruned_json(run_cli, store_at, "--older-than", "400")
    assert report["deleted"] == {"runs": 0, "run_sheets": 0, "findings": 0}
    assert counts(store_at) == before


def test_states_and_episodes_are_never_touched(run_cli, store_at):
    recorded(store_at)
    states, episodes = rows(store_at, "states"), rows(store_at, "episodes")
    assert episodes  # the clock of sheet a, started in run 1 and stopped in run 2
    pruned_json(run_cli, store_at, "--older-than", "0")
    assert rows(store_at, "states") == states
    assert rows(store_at, "episodes") == episodes
    with Store.open(store_location(store_at)) as store:
        assert store.integrity() == "ok"


def history_of(run_cli, at: str, subject: str) -> tuple[int, list[tuple[object, ...]]]:
    """`history`'s exit code and, per key, its status now, since when, its clocks and its
    last check."""
    code, out, err = run_cli("history", subject, "--db", at, "--format", "json")
    assert code in (0, 1, 3), err
    keys = json.loads(out)["keys"]
    last = [k["timeline"][-1]["status"] for k in keys]
    return code, [
        (
            k["rule"],
            k["subject"],
            k["status"],
            k["since"],
            json.dumps(k["clocks"]),
            k["last_checked"],
            s,
        )
        for k, s in zip(keys, last, strict=True)
    ]


def test_history_and_recheck_read_the_store_as_before(run_cli, store_at):
    recorded(store_at)
    with Store.open(store_location(store_at)) as store:
        sheets = store.sheets()
        before = {s: (store.dns_source(s), store.sheet_info(s), store.last_keys(s)) for s in sheets}
    histories = [history_of(run_cli, store_at, s.path) for s in (SHEET_A, SHEET_B)]
    pruned_json(run_cli, store_at, "--older-than", "0")
    assert [history_of(run_cli, store_at, s.path) for s in (SHEET_A, SHEET_B)] == histories
    with Store.open(store_location(store_at)) as store:
        assert store.sheets() == sheets
        after = {s: (store.dns_source(s), store.sheet_info(s), store.last_keys(s)) for s in sheets}
    assert after == before


def test_a_dry_run_counts_and_deletes_nothing(run_cli, store_at):
    recorded(store_at)
    before = {table: rows(store_at, table) for table in TABLES}
    dry = pruned_json(run_cli, store_at, "--older-than", "30", "--dry-run")
    assert dry["dry_run"] is True
    assert dry["free_bytes"] is None
    assert {table: rows(store_at, table) for table in TABLES} == before
    real = pruned_json(run_cli, store_at, "--older-than", "30")
    assert real["deleted"] == dry["deleted"] == {"runs": 2, "run_sheets": 5, "findings": 10}


def test_the_human_view_is_one_line_per_kind_of_row(run_cli, store_at):
    recorded(store_at)
    code, out, err = run_cli("prune", "--older-than", "30", "--today", TODAY, "--db", store_at)
    assert code == 0, err
    assert [line.split(":")[0] for line in out.splitlines()] == ["runs", "run_sheets", "findings"]
    assert [line.split()[1] for line in out.splitlines()] == ["2", "5", "10"]
    assert f"the state store {store_location(store_at)} (from --db)" in err
    assert "pg-s3cret" not in out + err


def test_batches_are_bounded_and_give_the_same_result(run_cli, store_at, monkeypatch):
    with Store.open(store_location(store_at)) as store:
        for day in range(1, 8):
            record(store, moment(10, day), a=Status.PASS, b=Status.PASS)
    monkeypatch.setattr(retention, "ROWS_PER_TRANSACTION", 3)
    monkeypatch.setattr(retention, "PAIRS_PER_PAGE", 2)
    monkeypatch.setattr(retention, "RUNS_PER_PAGE", 1)
    written: list[int] = []
    with Store.open(store_location(store_at)) as store:
        executemany = store.db.executemany

        def counted(sql: str, batch) -> None:
            written.append(len(batch))
            executemany(sql, batch)

        monkeypatch.setattr(store.db, "executemany", counted)
        pruned = prune(store, moment(10, 30), 1)
    assert (pruned.runs, pruned.run_sheets, pruned.findings) == (5, 12, 24)
    assert written and max(written) <= 3
    assert [row[0] for row in rows(store_at, "runs")] == [1, 7]  # run 1 started the statuses


def test_a_held_lock_is_busy_and_deletes_nothing(run_cli, store_at):
    recorded(store_at)
    before = counts(store_at)
    with exclusive(store_location(store_at)):
        code, out, err = run_cli("prune", "--older-than", "0", "--db", store_at)
    assert code == EX_TEMPFAIL
    assert err.splitlines()[-1].startswith("mailcheck: busy:")
    assert "Traceback" not in out + err
    assert counts(store_at) == before


@pytest.mark.parametrize(
    "option",
    [
        ["--older-than", "-1"],
        ["--older-than", "ten"],
        ["--older-than", "1.5"],
        ["--older-than", ""],
        ["--older-than", "99999999999"],  # before the calendar's first day
        ["--older-than", "1", "--keep-last", "0"],
        ["--older-than", "1", "--keep-last", "many"],
        ["--older-than", "1", "--keep-last", "10000000"],
        ["--older-than", "1", "--format", "sarif"],
    ],
)
def test_a_bad_option_is_one_line_and_exit_2(run_cli, tmp_path, option):
    db = tmp_path / "state.sqlite"
    recorded(str(db))
    before = counts(str(db))
    code, out, err = run_cli("prune", *option, "--db", db)
    assert code == 2
    assert "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1 and err.startswith("mailcheck: error:"), err
    assert out == ""
    assert counts(str(db)) == before


def test_no_store_is_an_input_error_and_makes_nothing(run_cli, tmp_path):
    db = tmp_path / "none.sqlite"
    code, out, err = run_cli("prune", "--older-than", "30", "--db", db)
    assert code == 2
    assert "Traceback" not in out + err
    assert not db.exists() and not lock_path(db).exists()


def test_a_sqlite_file_keeps_the_space_or_gives_it_back_with_incremental_vacuum(run_cli, tmp_path):
    plain, incremental = str(tmp_path / "plain.sqlite"), str(tmp_path / "incremental.sqlite")
    for at in (plain, incremental):
        with Store.open(store_location(at)) as store:
            for day in range(1, 30):
                record(store, moment(10, day), a=Status.PASS, b=Status.PASS)
    with sqlite3.connect(incremental, isolation_level=None) as connection:
        connection.execute("PRAGMA auto_vacuum = INCREMENTAL")
        connection.execute("VACUUM")  # the setting takes effect when the file is rewritten
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = Path(incremental).stat().st_size
    report = pruned_json(run_cli, plain, "--older-than", "0")
    assert report["deleted"]["run_sheets"] == 56
    assert report["free_bytes"] > 0  # inside the file, for the next runs
    report = pruned_json(run_cli, incremental, "--older-than", "0")
    assert report["deleted"]["run_sheets"] == 56
    assert report["free_bytes"] == 0
    with sqlite3.connect(incremental, isolation_level=None) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert Path(incremental).stat().st_size < size


def test_a_postgres_store_reclaims_by_itself(run_cli, postgres_url):
    recorded(postgres_url)
    report = pruned_json(run_cli, postgres_url, "--older-than", "30")
    assert report["deleted"]["findings"] == 10
    assert report["free_bytes"] is None
    assert report["store"].startswith("postgresql://mailcheck:REDACTED@")


def test_runs_recorded_by_check_are_pruned_end_to_end(run_cli, write_sheet, store_at, monkeypatch):
    keep_only(monkeypatch)
    sheet = write_sheet("anna@shop.deadline.example")
    args = [sheet, "--zone", ZONE, "--db", store_at]
    for day in ("2026-11-17", "2026-11-18", "2026-11-19"):
        assert run_cli("check", *args, "--today", day)[0] == 0
    before = history_of(run_cli, store_at, str(sheet))
    code, out, err = run_cli(
        "prune", "--older-than", "0", "--today", "2099-01-01", "--db", store_at, "--format", "json"
    )
    assert code == 0, err
    deleted = json.loads(out)["deleted"]
    assert deleted["run_sheets"] == 2 and deleted["findings"] > 0
    assert history_of(run_cli, store_at, str(sheet)) == before
    code, out, err = run_cli(
        "recheck", "--db", store_at, "--today", "2026-11-20", "--format", "json"
    )
    assert code == 0, err
    assert json.loads(out)["run"]["id"] == 4


def test_schema_5_indexes_what_prune_looks_up(store_at):
    wanted = {
        "runs_by_finished",
        "run_sheets_by_sheet",
        "states_by_since_run",
        "states_by_last_run",
        "episodes_by_failed_run",
        "episodes_by_fixed_run",
    }
    location = store_location(store_at)
    with Store.open(location) as store:
        if isinstance(location, Path):
            query = "SELECT name FROM sqlite_master WHERE type = 'index'"
        else:
            query = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
        names = {row[0] for row in store.db.execute(query)}
    assert wanted <= names
