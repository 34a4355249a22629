"""`Store.matching` (what `mailcheck history` reads) through `findings_by_subject_reversed`, on
a real SQLite file and a real PostgreSQL database: the same findings, in the same order, as the
`LIKE '%...'` query it replaced (kept here as the oracle), an index search instead of a read of
the whole table, and a store of schema version 5 migrated with its findings' history intact."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from mailcheck.core.findings import Finding, Status
from mailcheck.state import RunRecord, SheetInfo, SheetResult, Store, migrations, store_location
from mailcheck.state.migrations import LATEST, subject_key
from mailcheck.state.store import Recorded, sheet_key

INDEX = "findings_by_subject_reversed"
SHEET_A = SheetInfo("/srv/sheets/acme.yaml", "ACME", "DE-BY", "mon-fri")
SHEET_B = SheetInfo("/srv/sheets/acme.example", "ACME", "DE-BY", "mon-fri")  # named as a domain
SUBJECTS = [
    "acme.example",
    "ACME.Example",
    "acme.example.",
    "a@acme.example",
    "News@ACME.EXAMPLE",
    "x.acme.example",
    "esp2026._domainkey.acme.example",
    "198.51.100.10 for bounce.acme.example",
    "192.0.2.7 for news@acme.example",
    "192.0.2.8 FOR mail.acme.example",
    " for acme.example",
    "t@notacme.example",
    "notacme.example",
    "acme.example.evil",
    "acme.example@evil.example",
    "acme-example",
    "acmeXexample",
    "100%.example",
    "a@100%.example",
    "x.100%.example",
    "100x.example",
    "a_me.example",
    "x.a_me.example",
    "acme.example_",
    "a\\cme.example",
    "x.a\\cme.example",
    "bücher.example",
    "x@bücher.example",
    "/srv/sheets/acme.yaml",
    "",
    "@",
    ".",
]
QUERIES = [
    "acme.example",
    "ACME.EXAMPLE.",
    "Acme.Example",
    "a@acme.example",
    "news@acme.example",
    "x.acme.example",
    "bounce.acme.example",
    "notacme.example",
    "acme.example.evil",
    "example",
    "100%.example",
    "%.example",
    "%",
    "_",
    "a_me.example",
    "a\\cme.example",
    "bücher.example",
    "198.51.100.10 for bounce.acme.example",
    "/srv/sheets/acme.yaml",
    "/srv/sheets/acme.example",
    "nowhere.example",
    ".",
    "",
]


def like_oracle(store: Store, subject: str) -> list[Recorded]:
    """`matching` as it was: five `LIKE '%...'` patterns of the lower-cased subject."""
    sheet = sheet_key(Path(subject))
    name = subject.lower().rstrip(".")
    escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    patterns = [
        form.format(escaped) for form in ("%@{}", "%.{}", "% for {}", "% for %@{}", "% for %.{}")
    ]
    likes = " OR ".join("lower(f.subject) LIKE ? ESCAPE '\\'" for _ in patterns)
    found = store._select(
        f"WHERE f.sheet = ? OR lower(f.subject) = ? OR {likes} ORDER BY f.id",
        (sheet, name, *patterns),
    )
    return sorted(found, key=lambda r: (r.sheet, r.rule, r.subject))


def run_of(info: SheetInfo, day: int, status: Status) -> RunRecord:
    moment = dt.datetime(2026, 11, day, 6, 0, tzinfo=dt.UTC)
    findings = [Finding("spf.authorizes", status, s, status.value) for s in SUBJECTS]
    findings += [Finding("sender.mx", Status.PASS, s, "ok") for s in SUBJECTS[::3]]
    return RunRecord(
        "check", moment, moment, moment.date(), 0, [SheetResult(info, findings, moment)]
    )


def filled(at: str) -> None:
    """Two sheets, three runs: every subject several times, with a clock that starts and stops."""
    with Store.open(store_location(at)) as store:
        store.record(run_of(SHEET_A, 2, Status.FAIL))
        store.record(run_of(SHEET_B, 3, Status.PASS))
        store.record(run_of(SHEET_A, 4, Status.PASS))


def test_matching_finds_exactly_what_the_like_query_found(store_at):
    filled(store_at)
    with Store.open(store_location(store_at)) as store:
        for query in QUERIES:
            assert store.matching(query) == like_oracle(store, query), query
        # what both find, spelled out
        assert {r.subject for r in store.matching("acme.example")} == {
            "acme.example",
            "ACME.Example",
            "a@acme.example",
            "News@ACME.EXAMPLE",
            "x.acme.example",
            "esp2026._domainkey.acme.example",
            "198.51.100.10 for bounce.acme.example",
            "192.0.2.7 for news@acme.example",
            "192.0.2.8 FOR mail.acme.example",
            " for acme.example",
        }
        assert {r.sheet for r in store.matching(SHEET_B.path)} == {SHEET_B.path}
        assert {r.subject for r in store.matching("notacme.example")} == {
            "t@notacme.example",
            "notacme.example",
        }


def test_every_recorded_finding_has_its_reversed_subject(store_at):
    filled(store_at)
    with Store.open(store_location(store_at)) as store:
        rows = store.db.execute("SELECT subject, subject_reversed FROM findings").fetchall()
    assert rows
    assert all(reversed_ == subject_key(subject) for subject, reversed_ in rows)
    assert subject_key("News@ACME.Example") == "elpmaxe.emca@swen"


def matching_sql(store: Store, subject: str) -> tuple[str, tuple[object, ...]]:
    """The query `matching` sends to the database, caught on its way there."""
    sent: list[tuple[str, tuple[object, ...]]] = []
    execute = store.db.execute

    def remembered(sql: str, args=()):
        sent.append((sql, tuple(args)))
        return execute(sql, args)

    store.db.execute = remembered  # type: ignore[method-assign]
    try:
        store.matching(subject)
    finally:
        store.db.execute = execute  # type: ignore[method-assign]
    (query,) = sent
    return query


def test_sqlite_searches_the_index_and_never_scans_the_findings(tmp_path):
    at = str(tmp_path / "state.sqlite")
    filled(at)
    with Store.open(store_location(at)) as store:
        sql, args = matching_sql(store, "acme.example")
        plan = [row[3] for row in store.db.execute("EXPLAIN QUERY PLAN " + sql, args)]
    assert sum(INDEX in step for step in plan) == 4, plan  # the subject and three suffixes
    assert not [step for step in plan if step.startswith("SCAN")], plan


def test_postgres_searches_the_index(postgres_url):
    filled(postgres_url)
    with Store.open(store_location(postgres_url)) as store:
        sql, args = matching_sql(store, "acme.example")
        store.db.execute("SET enable_seqscan = off")
        plan = [row[0] for row in store.db.execute("EXPLAIN " + sql, args)]
    searches = [s for s in plan if f"Index Scan on {INDEX}" in s or f"Scan using {INDEX}" in s]
    assert len(searches) == 4, plan  # the subject and three suffixes


def unmigrated(at: str) -> Store:
    """The store at `at`, opened as it is: an older schema stays as it was."""
    from mailcheck.state.postgres_db import PostgresDatabase
    from mailcheck.state.sqlite_db import SqliteDatabase

    location = store_location(at)
    if isinstance(location, Path):
        return Store(SqliteDatabase.open(location))
    return Store(PostgresDatabase.open(location))


def to_version_5(at: str) -> None:
    """The store as schema version 5 made it: no reversed subjects, no index of them."""
    with Store.open(store_location(at)) as store, store.transaction():
        store.db.execute(f"DROP INDEX {INDEX}")
        store.db.execute("ALTER TABLE findings DROP COLUMN subject_reversed")
        store.db.set_version(5)


def history(run_cli, at: str, subject: str, *args: str) -> str:
    code, out, err = run_cli("history", subject, "--db", at, *args)
    assert code in (0, 1), err
    return out


def test_a_version_5_store_is_migrated_and_history_is_the_same(store_at, run_cli, monkeypatch):
    filled(store_at)
    queries = ["acme.example", "notacme.example", "100%.example", SHEET_A.path]
    before = {
        q: [history(run_cli, store_at, q, *f) for f in ([], ["--format", "json"])] for q in queries
    }
    to_version_5(store_at)
    with unmigrated(store_at) as old:
        assert old.db.version() == 5
        columns = old.db.execute("SELECT * FROM findings").description
        assert "subject_reversed" not in [column[0] for column in columns]
    monkeypatch.setattr(migrations, "SUBJECTS_PER_BATCH", 2)  # many batches, none skipped
    after = {
        q: [history(run_cli, store_at, q, *f) for f in ([], ["--format", "json"])] for q in queries
    }
    assert after == before
    assert json.loads(before["acme.example"][1])["keys"]
    with Store.open(store_location(store_at)) as store:
        assert store.db.version() == LATEST >= 6
        rows = store.db.execute("SELECT subject, subject_reversed FROM findings").fetchall()
        assert all(reversed_ == subject_key(subject) for subject, reversed_ in rows)
        for query in QUERIES:
            assert store.matching(query) == like_oracle(store, query), query


@pytest.mark.parametrize("query", ["acme.example", "%", "x.100%.example"])
def test_a_migrated_store_matches_what_the_like_query_found_before(store_at, query):
    filled(store_at)
    to_version_5(store_at)
    with unmigrated(store_at) as old:
        expected = like_oracle(old, query)  # asked of the version 5 store
    with Store.open(store_location(store_at)) as store:
        assert store.matching(query) == expected
