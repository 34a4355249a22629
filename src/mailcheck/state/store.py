"""The state store: every recorded run, its findings, and per (sheet, rule, subject) its clock.

In a SQLite file (`sqlite_db`) or a PostgreSQL database (`postgres_db`), with one schema and
one behaviour: what follows holds for both. A run is written in one transaction: a process
killed half-way leaves the store as it was before the run. Writers that meet wait for each
other (SQLite: one at a time; PostgreSQL: per sheet), so a key never has two clocks running.

Per key the store keeps the last *decided* status (`states`) and the stretches of failing
(`episodes`: failed on, fixed on). Only `pass`, `warn` and `fail` decide. An `error` or a `skip`
finding is recorded like any other but never changes a state and never starts or stops a clock:
an outage must not erase a recorded pass or declare a failure fixed, and neither must a rule that
did not apply or was left out this time, nor an exemption (which turns a `fail` into `skip`).
Clocks count in the run's date (`--today` when pinned); each finding also keeps the real time it
was checked. Each sheet of a run also keeps where its DNS answers came from (zone files, name
servers), so `recheck` can ask the same source again.

No exception of a database driver leaves this module: each becomes an `InputError` naming the
store (a PostgreSQL URL with its password redacted).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import ParamSpec, TypeVar

from mailcheck.core.errors import InputError
from mailcheck.core.findings import Finding, Status
from mailcheck.sheet.model import LoadedSheet
from mailcheck.state.database import Database
from mailcheck.state.location import PostgresUrl, StoreLocation
from mailcheck.state.migrations import LATEST, subject_key

Key = tuple[str, str, str]
"""(sheet path, rule, subject): what a status and a clock belong to."""
DECIDING = frozenset({Status.PASS, Status.WARN, Status.FAIL})
"""The statuses that change a key's state and its clock; `error` and `skip` never do."""
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class SheetInfo:
    """What a run knew of a sheet: where it is, and enough to compute its deadlines later."""

    path: str
    customer: str | None = None
    region: str = "DE"
    working_week: str = "mon-fri"
    contract_signed: dt.date | None = None
    sheet_submitted: dt.date | None = None
    dns_requested: dt.date | None = None
    ordered: dt.date | None = None
    provisioned: dt.date | None = None

    @classmethod
    def of(cls, loaded: LoadedSheet) -> SheetInfo:
        sheet = loaded.sheet
        return cls(
            path=sheet_key(loaded.path),
            customer=sheet.customer,
            region=sheet.region,
            working_week=sheet.working_week.value,
            contract_signed=sheet.dates.contract_signed,
            sheet_submitted=sheet.dates.sheet_submitted,
            dns_requested=sheet.dates.dns_requested,
            ordered=sheet.dates.ordered,
            provisioned=sheet.dates.provisioned,
        )


@dataclass(frozen=True)
class DnsSource:
    """Where a run's DNS answers came from: zone files (absolute paths) or name servers; both
    empty means the system's resolver."""

    zones: tuple[str, ...] = ()
    nameservers: tuple[str, ...] = ()

    @classmethod
    def of(cls, zones: Iterable[Path], nameservers: Iterable[str]) -> DnsSource:
        return cls(tuple(str(Path(z).resolve()) for z in zones), tuple(nameservers))

    @property
    def is_system(self) -> bool:
        return not self.zones and not self.nameservers

    def __str__(self) -> str:
        if self.zones:
            return "zone files " + ", ".join(self.zones)
        if self.nameservers:
            return "name servers " + ", ".join(self.nameservers)
        return "the system's resolver"


@dataclass(frozen=True)
class SheetResult:
    info: SheetInfo
    findings: Iterable[Finding]
    checked_at: dt.datetime
    dns: DnsSource | None = None  # None: not known


@dataclass(frozen=True)
class RunRecord:
    command: str
    started: dt.datetime
    finished: dt.datetime
    today: dt.date
    exit_code: int
    sheets: Sequence[SheetResult]
    job: str | None = None
    """The queue job the run was made for (`recheck --enqueue`): one run per job."""


@dataclass(frozen=True)
class Run:
    id: int
    command: str
    started: str
    finished: str
    today: dt.date
    exit_code: int


@dataclass(frozen=True)
class Recorded:
    """A finding as the store holds it, with the run that made it."""

    run_id: int
    today: dt.date
    checked_at: str
    sheet: str
    rule: str
    subject: str
    status: Status
    previous: Status | None
    message: str
    hint: str | None

    @property
    def key(self) -> Key:
        return (self.sheet, self.rule, self.subject)

    def as_finding(self) -> Finding:
        return Finding(self.rule, self.status, self.subject, self.message, self.hint, self.sheet)


@dataclass(frozen=True)
class State:
    status: Status
    since: dt.date


@dataclass(frozen=True)
class Episode:
    """One stretch of failing: the clock started on `failed_on`, stopped on `fixed_on`."""

    failed_on: dt.date
    fixed_on: dt.date | None


def sheet_key(path: Path) -> str:
    """Sheets are stored by absolute path, so cron can re-run them from any directory."""
    return str(path.resolve())


def decided(statuses: Iterable[Status]) -> Status | None:
    """The worst deciding status (pass, warn, fail) among a key's findings in one run; None if
    all are `error` or `skip`: then the last decided status stands."""
    known = [s for s in statuses if s in DECIDING]
    return min(known, key=lambda s: s.rank) if known else None


def _guarded(method: Callable[P, R]) -> Callable[P, R]:
    """A database error in a store method becomes an `InputError` naming the store (exit 2)."""

    @functools.wraps(method)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        store = args[0]
        assert isinstance(store, Store)
        try:
            return method(*args, **kwargs)
        except store.db.errors as exc:
            raise InputError(
                f"the state store failed: {store.db.message(exc)}; nothing was recorded",
                file=str(store.path),
            ) from None

    return guarded


@dataclass
class _Writes:
    """The rows one sheet of a run writes, gathered to be written kind by kind."""

    findings: list[tuple[object, ...]] = field(default_factory=list)
    states: list[tuple[object, ...]] = field(default_factory=list)  # a new decided status
    held: list[tuple[object, ...]] = field(default_factory=list)  # the same status again
    failing: list[tuple[object, ...]] = field(default_factory=list)  # a clock starts
    fixed: list[tuple[object, ...]] = field(default_factory=list)  # a clock stops

    def advance(
        self, key: Key, state: State | None, status: Status, run_id: int, today: dt.date
    ) -> None:
        if state is None or state.status is not status:
            self.states.append((*key, status.value, today.isoformat(), run_id, run_id))
        else:
            self.held.append((run_id, *key))
        failing = state is not None and state.status is Status.FAIL
        if status is Status.FAIL and not failing:
            self.failing.append((*key, today.isoformat(), run_id))
        elif status is not Status.FAIL and failing:
            self.fixed.append((today.isoformat(), run_id, *key))


class Store:
    """An open store. Use `Store.open(location)`; close it (or use it as a context manager)."""

    def __init__(self, database: Database) -> None:
        self.db = database

    @property
    def path(self) -> StoreLocation:
        """Where the store is (`str()` of it never shows a password)."""
        return self.db.location

    @classmethod
    def open(cls, location: StoreLocation, *, create: bool = True) -> Store:
        if isinstance(location, PostgresUrl):
            return cls._open_postgres(location)
        path = location
        if not create and not path.exists():
            raise InputError(
                "no state store here yet: `mailcheck check` records only with --db or "
                f"MAILCHECK_DB; record a first run with `mailcheck check SHEET --db {path}` "
                "(or set MAILCHECK_DB to the store to use)",
                file=str(path),
            )
        import sqlite3

        from mailcheck.state.sqlite_db import SqliteDatabase

        try:
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
            store = cls(SqliteDatabase.open(path))
        except sqlite3.DatabaseError as exc:
            raise InputError(f"cannot use the store: {exc}", file=str(path)) from None
        except OSError as exc:
            raise InputError(f"cannot create the store: {exc.strerror}", file=str(path)) from None
        try:
            store._migrate()
        except sqlite3.DatabaseError as exc:
            store.close()
            raise InputError(f"cannot use the store: {exc}", file=str(path)) from None
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def _open_postgres(cls, location: PostgresUrl) -> Store:
        from mailcheck.state.postgres_db import PostgresDatabase, driver, open_error

        failed = driver().Error
        try:
            store = cls(PostgresDatabase.open(location))
        except failed as exc:
            raise open_error(location, exc) from None
        try:
            store._migrate()
        except failed as exc:
            store.close()
            raise open_error(location, exc) from None
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def open_readonly(cls, location: StoreLocation) -> Store:
        """Open the store only to read it (`mailcheck history`): no lock, no write, so a store
        the user may read but not write (a read-only file or directory) can be read. A store
        of an older schema is migrated first, as `open` does. A PostgreSQL store is opened as
        `open` does: who may not write it is told so by the server."""
        if isinstance(location, PostgresUrl):
            return cls.open(location, create=False)
        import sqlite3

        from mailcheck.state.sqlite_db import SqliteDatabase

        path = location
        if not path.exists():
            cls.open(path, create=False)  # raises the error that says how to make one
        try:
            store = cls(SqliteDatabase.open_readonly(path))
            version = store.db.version()
        except sqlite3.DatabaseError as exc:
            raise InputError(f"cannot read the store: {exc}", file=str(path)) from None
        if version != LATEST:
            store.close()
            if version > LATEST:
                raise _newer(version, path)
            return cls.open(path, create=False)
        return store

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- set-up --------------------------------------------------------------------------------

    def _migrate(self) -> None:
        if self.db.version() > LATEST:
            raise _newer(self.db.version(), self.path)
        while self.db.version() < LATEST:
            with self.transaction():
                self.db.lock_schema()
                version = self.db.version()  # another process may have migrated meanwhile
                if version >= LATEST:
                    break
                for step in self.db.migration(version):
                    if isinstance(step, str):
                        self.db.execute(step)
                    else:
                        step(self.db)
                self.db.set_version(version + 1)

    def transaction(self) -> AbstractContextManager[None]:
        """A write transaction, all or nothing."""
        return self.db.transaction()

    # --- writing -------------------------------------------------------------------------------

    @_guarded
    def record(self, run: RunRecord) -> int:
        """Record a whole run in one transaction; returns its id."""
        sheets = list(run.sheets)
        with self.transaction():
            self.db.lock_sheets([result.info.path for result in sheets])
            row = self.db.execute(
                "INSERT INTO runs (command, started, finished, today, exit_code, job)"
                " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    run.command,
                    _utc(run.started),
                    _utc(run.finished),
                    run.today.isoformat(),
                    run.exit_code,
                    run.job,
                ),
            ).fetchone()
            run_id = int(row[0])
            for result in sheets:
                self._record_sheet(run_id, run.today, result)
        return run_id

    def _record_sheet(self, run_id: int, today: dt.date, result: SheetResult) -> None:
        info = result.info
        dns = result.dns
        self.db.execute(
            "INSERT INTO run_sheets (run_id, sheet, customer, region, working_week,"
            " contract_signed, sheet_submitted, dns_requested, ordered, provisioned, zones,"
            " nameservers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run_id,
                info.path,
                info.customer,
                info.region,
                info.working_week,
                _date(info.contract_signed),
                _date(info.sheet_submitted),
                _date(info.dns_requested),
                _date(info.ordered),
                _date(info.provisioned),
                json.dumps(dns.zones) if dns else None,
                json.dumps(dns.nameservers) if dns else None,
            ),
        )
        by_key: dict[Key, list[Finding]] = {}
        for finding in result.findings:
            by_key.setdefault((info.path, finding.rule, finding.subject), []).append(finding)
        checked_at = _utc(result.checked_at)
        states = self._states_of(info.path)
        writes = _Writes()
        for key, findings in by_key.items():
            state = states.get(key)
            previous = state.status.value if state else None
            row = (run_id, *key, subject_key(key[2]))
            writes.findings += [
                (*row, f.status.value, previous, f.message, f.hint, checked_at) for f in findings
            ]
            status = decided(f.status for f in findings)
            if status is not None:  # an `error` or a `skip` changes no state and no clock
                writes.advance(key, state, status, run_id, today)
        self._write(writes)

    def _states_of(self, sheet: str) -> dict[Key, State]:
        """The last decided status of every key of a sheet: read at once, not key by key (a
        round trip each to a database server)."""
        rows = self.db.execute(
            "SELECT rule, subject, status, since FROM states WHERE sheet = ?", (sheet,)
        )
        return {
            (sheet, rule, subject): State(Status(status), dt.date.fromisoformat(since))
            for rule, subject, status, since in rows
        }

    def _write(self, writes: _Writes) -> None:
        """A sheet's rows, each kind in one batch."""
        statements = (
            (
                "INSERT INTO findings (run_id, sheet, rule, subject, subject_reversed, status,"
                " previous, message, hint, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                writes.findings,
            ),
            (
                "INSERT INTO states VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (sheet, rule, subject) DO UPDATE SET status = excluded.status,"
                " since = excluded.since, since_run = excluded.since_run,"
                " last_run = excluded.last_run",
                writes.states,
            ),
            (
                "UPDATE states SET last_run = ? WHERE sheet = ? AND rule = ? AND subject = ?",
                writes.held,
            ),
            (
                "INSERT INTO episodes (sheet, rule, subject, failed_on, failed_run)"
                " VALUES (?, ?, ?, ?, ?)",
                writes.failing,
            ),
            (
                "UPDATE episodes SET fixed_on = ?, fixed_run = ?"
                " WHERE sheet = ? AND rule = ? AND subject = ? AND fixed_run IS NULL",
                writes.fixed,
            ),
        )
        for statement, rows in statements:
            if rows:
                self.db.executemany(statement, rows)

    # --- reading -------------------------------------------------------------------------------

    @_guarded
    def state(self, key: Key) -> State | None:
        """The last decided status of a key and since when it holds."""
        row = self.db.execute(
            "SELECT status, since FROM states WHERE sheet = ? AND rule = ? AND subject = ?", key
        ).fetchone()
        return State(Status(row[0]), dt.date.fromisoformat(row[1])) if row else None

    @_guarded
    def episodes(self, key: Key) -> list[Episode]:
        rows = self.db.execute(
            "SELECT failed_on, fixed_on FROM episodes WHERE sheet = ? AND rule = ? AND subject = ?"
            " ORDER BY failed_run",
            key,
        )
        return [Episode(dt.date.fromisoformat(a), _parse_date(b)) for a, b in rows]

    @_guarded
    def sheets(self) -> list[str]:
        """Every sheet any run has recorded."""
        rows = self.db.execute("SELECT DISTINCT sheet FROM run_sheets")
        return sorted(row[0] for row in rows)  # by code point, whatever the database's collation

    @_guarded
    def runs(self, run_id: int | None = None) -> list[Run]:
        """Every recorded run, oldest first (or only the one with `run_id`)."""
        columns = "SELECT id, command, started, finished, today, exit_code FROM runs"
        if run_id is None:
            rows = self.db.execute(columns + " ORDER BY id")
        else:
            rows = self.db.execute(columns + " WHERE id = ?", (run_id,))
        return [Run(a, b, c, d, dt.date.fromisoformat(e), f) for a, b, c, d, e, f in rows]

    def run(self, run_id: int) -> Run:
        (run,) = self.runs(run_id)
        return run

    @_guarded
    def run_of_job(self, job: str) -> int | None:
        """The run recorded for a queue job, if one was."""
        row = self.db.execute("SELECT id FROM runs WHERE job = ?", (job,)).fetchone()
        return int(row[0]) if row else None

    @_guarded
    def sheet_info(self, sheet: str, run_id: int | None = None) -> SheetInfo | None:
        """What the given run (default: the latest that checked it) knew of a sheet."""
        row = self.db.execute(
            "SELECT sheet, customer, region, working_week, contract_signed, sheet_submitted,"
            " dns_requested, ordered, provisioned FROM run_sheets WHERE sheet = ? AND run_id <= ?"
            " ORDER BY run_id DESC LIMIT 1",
            (sheet, run_id if run_id is not None else 2**62),
        ).fetchone()
        if row is None:
            return None
        path, customer, region, week, *dates = row
        return SheetInfo(path, customer, region, week, *(_parse_date(d) for d in dates))

    @_guarded
    def dns_source(self, sheet: str) -> DnsSource | None:
        """Where the latest run that checked `sheet` got its DNS answers; None if not known."""
        row = self.db.execute(
            "SELECT zones, nameservers FROM run_sheets WHERE sheet = ?"
            " ORDER BY run_id DESC LIMIT 1",
            (sheet,),
        ).fetchone()
        if row is None or row[0] is None or row[1] is None:
            return None
        return DnsSource(tuple(json.loads(row[0])), tuple(json.loads(row[1])))

    @_guarded
    def last_keys(self, sheet: str) -> list[tuple[str, str]]:
        """The (rule, subject) pairs that the latest run to check `sheet` recorded of it."""
        rows = self.db.execute(
            "SELECT rule, subject FROM findings WHERE sheet = ? AND run_id ="
            " (SELECT max(run_id) FROM run_sheets WHERE sheet = ?)"
            " GROUP BY rule, subject ORDER BY min(id)",
            (sheet, sheet),
        )
        return [(rule, subject) for rule, subject in rows]

    def findings(self, run_id: int) -> list[Recorded]:
        return self._select("WHERE f.run_id = ? ORDER BY f.id", (run_id,))

    def matching(self, subject: str) -> list[Recorded]:
        """Findings about a domain (and its addresses and subdomains), an address, or a sheet.

        Subjects may name the domain at their end after ` for ` (`spf.authorizes`:
        `198.51.100.10 for bounce.acme.example`, or an address there): those match as well.
        Each part is a search of an index (`findings_by_key` for the sheet,
        `findings_by_subject_reversed` for the rest: a subject ending with `.name` begins with
        `eman.` reversed, a range of that column), asked apart: SQLite, knowing nothing of how
        many rows each would find, reads the whole table for five conditions joined by OR."""
        sheet = sheet_key(Path(subject))
        name = subject_key(subject.rstrip("."))
        ranges = [_prefix_range(name + end) for end in ("@", ".", " rof ")]
        ids = " UNION ALL ".join(
            [
                "SELECT id FROM findings WHERE sheet = ?",
                "SELECT id FROM findings WHERE subject_reversed = ?",
                *["SELECT id FROM findings WHERE subject_reversed >= ? AND subject_reversed < ?"]
                * len(ranges),
            ]
        )
        found = self._select(
            f"WHERE f.id IN ({ids}) ORDER BY f.id",
            (sheet, name, *(bound for pair in ranges for bound in pair)),
        )
        # by code point, whatever the database's collation; a key's findings oldest first
        return sorted(found, key=lambda r: (r.sheet, r.rule, r.subject))

    @_guarded
    def _select(self, where: str, args: tuple[object, ...]) -> list[Recorded]:
        rows = self.db.execute(
            "SELECT f.run_id, r.today, f.checked_at, f.sheet, f.rule, f.subject, f.status,"
            " f.previous, f.message, f.hint FROM findings f JOIN runs r ON r.id = f.run_id "
            + where,
            args,
        )
        return [_recorded(*row) for row in rows]

    @_guarded
    def integrity(self) -> str:
        return self.db.integrity()


def _newer(version: int, path: StoreLocation) -> InputError:
    return InputError(
        f"the store has schema version {version}, newer than this mailcheck reads ({LATEST}): "
        "upgrade mailcheck",
        file=str(path),
    )


def _recorded(
    run_id: int,
    today: str,
    checked_at: str,
    sheet: str,
    rule: str,
    subject: str,
    status: str,
    previous: str | None,
    message: str,
    hint: str | None,
) -> Recorded:
    return Recorded(
        run_id,
        dt.date.fromisoformat(today),
        checked_at,
        sheet,
        rule,
        subject,
        Status(status),
        Status(previous) if previous else None,
        message,
        hint,
    )


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _date(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _parse_date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _prefix_range(prefix: str) -> tuple[str, str]:
    """The bounds of the texts that begin with `prefix` (it ends with `@`, `.` or a space):
    from `prefix` up to, not including, `prefix` with its last character the next one."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)
