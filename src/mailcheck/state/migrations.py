"""The store's schema, as numbered migrations (SQLite `PRAGMA user_version` is the number;
PostgreSQL keeps it in the table `mailcheck_schema`).

Never edit a released migration: append a new one. Each runs in its own transaction together
with the version bump, so a store is always at exactly one version. They are written in
SQLite's words; `postgres_statements` says the same to PostgreSQL (64-bit identity keys: a
nightly re-check of a million domains numbers billions of findings; `COLLATE BINARY`, order by
code point, is `COLLATE "C"` there), so both stores have the same tables, columns, constraints
and indexes. A step that is not SQL is a function of the database: it fills a new column from
Python, so that both stores hold the very same values.
"""

from __future__ import annotations

from mailcheck.state.database import Database, Step

SUBJECTS_PER_BATCH = 1_000  # distinct subjects read and filled in at a time by a backfill


def subject_key(subject: str) -> str:
    """`findings.subject_reversed`: the subject lower-cased, then reversed. A subject that ends
    with a name begins with it here, so "ends with `.acme.example`" is a range of this
    column, which a plain index answers."""
    return subject.lower()[::-1]


def fill_subject_keys(db: Database) -> None:
    """`subject_reversed` of every finding recorded before the column existed, one batch of
    distinct subjects at a time (in subject order, through `findings_by_subject`): the rows of
    one subject are updated together, through the same index."""
    batch = db.execute(
        "SELECT DISTINCT subject FROM findings ORDER BY subject LIMIT ?", (SUBJECTS_PER_BATCH,)
    ).fetchall()
    while batch:
        subjects = [row[0] for row in batch]
        db.executemany(
            "UPDATE findings SET subject_reversed = ? WHERE subject = ?",
            [(subject_key(subject), subject) for subject in subjects],
        )
        batch = db.execute(
            "SELECT DISTINCT subject FROM findings WHERE subject > ? ORDER BY subject LIMIT ?",
            (subjects[-1], SUBJECTS_PER_BATCH),
        ).fetchall()


MIGRATIONS: tuple[tuple[Step, ...], ...] = (
    # 1: runs, the sheets each run checked, every finding, and the status clocks.
    (
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            command TEXT NOT NULL,          -- check | recheck
            started TEXT NOT NULL,          -- UTC, ISO 8601
            finished TEXT NOT NULL,
            today TEXT NOT NULL,            -- the date deadlines and clocks were judged on
            exit_code INTEGER NOT NULL
        )
        """,
        """
        CREATE TABLE run_sheets (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            sheet TEXT NOT NULL,            -- absolute path: recheck runs it again from there
            customer TEXT,
            region TEXT NOT NULL,
            working_week TEXT NOT NULL,
            contract_signed TEXT,
            sheet_submitted TEXT,
            dns_requested TEXT,
            PRIMARY KEY (run_id, sheet)
        )
        """,
        """
        CREATE TABLE findings (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            sheet TEXT NOT NULL,
            rule TEXT NOT NULL,
            subject TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'warn', 'error', 'skip')),
            previous TEXT,                  -- the last decided status before this run, if any
            message TEXT NOT NULL,
            hint TEXT,
            checked_at TEXT NOT NULL        -- UTC, ISO 8601
        )
        """,
        "CREATE INDEX findings_by_key ON findings (sheet, rule, subject, run_id)",
        "CREATE INDEX findings_by_run ON findings (run_id)",
        "CREATE INDEX findings_by_subject ON findings (subject)",
        """
        CREATE TABLE states (               -- the last decided status; `error` never lands here
            sheet TEXT NOT NULL,
            rule TEXT NOT NULL,
            subject TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'warn', 'skip')),
            since TEXT NOT NULL,            -- first run date with this status in a row
            since_run INTEGER NOT NULL REFERENCES runs(id),
            last_run INTEGER NOT NULL REFERENCES runs(id),
            PRIMARY KEY (sheet, rule, subject)
        )
        """,
        """
        CREATE TABLE episodes (             -- one stretch of failing: the clock
            id INTEGER PRIMARY KEY,
            sheet TEXT NOT NULL,
            rule TEXT NOT NULL,
            subject TEXT NOT NULL,
            failed_on TEXT NOT NULL,
            failed_run INTEGER NOT NULL REFERENCES runs(id),
            fixed_on TEXT,
            fixed_run INTEGER REFERENCES runs(id)
        )
        """,
        "CREATE INDEX episodes_by_key ON episodes (sheet, rule, subject)",
        """
        CREATE UNIQUE INDEX one_open_episode ON episodes (sheet, rule, subject)
            WHERE fixed_run IS NULL
        """,
    ),
    # 2: where each sheet's DNS answers came from, so recheck asks the same source again.
    (
        "ALTER TABLE run_sheets ADD COLUMN zones TEXT",  # JSON list of absolute paths
        "ALTER TABLE run_sheets ADD COLUMN nameservers TEXT",  # JSON list; both NULL: unknown
    ),
    # 3: the provider's own deadline: when the service was ordered and when it was provisioned.
    (
        "ALTER TABLE run_sheets ADD COLUMN ordered TEXT",
        "ALTER TABLE run_sheets ADD COLUMN provisioned TEXT",
    ),
    # 4: the queue job a run was recorded for (`recheck --enqueue`): one run per job, so a job
    # a dead worker left and another took again is never recorded twice.
    (
        "ALTER TABLE runs ADD COLUMN job TEXT",
        "CREATE UNIQUE INDEX one_run_per_job ON runs (job) WHERE job IS NOT NULL",
    ),
    # 5: what `mailcheck prune` looks runs up by: their age, a sheet's newest runs, and whether
    # a status or a clock names a run. Deleting a run makes both databases look up the rows
    # whose foreign keys point at it: without these indexes, each deleted run reads `states`
    # and `episodes` whole.
    (
        "CREATE INDEX runs_by_finished ON runs (finished)",
        "CREATE INDEX run_sheets_by_sheet ON run_sheets (sheet, run_id)",
        "CREATE INDEX states_by_since_run ON states (since_run)",
        "CREATE INDEX states_by_last_run ON states (last_run)",
        "CREATE INDEX episodes_by_failed_run ON episodes (failed_run)",
        "CREATE INDEX episodes_by_fixed_run ON episodes (fixed_run)",
    ),
    # 6: what `mailcheck history` finds a domain's findings by: the subject lower-cased and
    # reversed (`subject_key`), so "ends with `@name`, `.name` or ` for name`" is a range of an
    # index instead of a `LIKE '%...'` that reads every finding. Ordered by code point in both
    # databases, whatever their collation, so the ranges mean the same. Filling it in on an
    # existing store reads and rewrites every finding once, in this one transaction.
    (
        "ALTER TABLE findings ADD COLUMN subject_reversed TEXT COLLATE BINARY",
        fill_subject_keys,
        "CREATE INDEX findings_by_subject_reversed ON findings (subject_reversed)",
    ),
)

LATEST = len(MIGRATIONS)


def postgres_statements(steps: tuple[Step, ...]) -> tuple[Step, ...]:
    """A migration in PostgreSQL's words: integer keys are 64-bit identity columns, every other
    integer 64-bit too (they hold those keys); SQLite's code-point order is the "C" collation."""
    return tuple(_postgres(step) if isinstance(step, str) else step for step in steps)


def _postgres(statement: str) -> str:
    return (
        statement.replace(
            "INTEGER PRIMARY KEY", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
        )
        .replace("INTEGER", "BIGINT")
        .replace("COLLATE BINARY", 'COLLATE "C"')
    )
