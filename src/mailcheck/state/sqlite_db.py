"""The store in a SQLite file: WAL mode (readers never block the writer), a busy timeout for
writers that meet, and `BEGIN IMMEDIATE`, so a writer takes the one write lock before it reads
what it will change. The schema version is `PRAGMA user_version`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from mailcheck.state.database import Rows, Step
from mailcheck.state.migrations import MIGRATIONS

BUSY_TIMEOUT_MS = 30_000
INCREMENTAL = 2  # `PRAGMA auto_vacuum`: freed pages are given back on `incremental_vacuum`
RECLAIM_PAGES = 10_000  # pages given back per write transaction: the store is never held long

READONLY_DIRECTORY = ("SQLITE_READONLY_DIRECTORY", "SQLITE_READONLY_CANTINIT", "SQLITE_CANTOPEN")
"""SQLite cannot make the shared-memory file (`-shm`) a WAL store needs to be read, because
the directory is read-only (on a read-only file system SQLite says it cannot open the file):
only an `immutable` connection reads such a store."""


class SqliteDatabase:
    errors: tuple[type[Exception], ...] = (sqlite3.Error,)

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.connection = connection
        self.location = path

    @classmethod
    def open(cls, path: Path) -> SqliteDatabase:
        connection = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1e3)
        database = cls(connection, path)
        try:
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA foreign_keys = ON")
            if connection.execute("PRAGMA journal_mode = WAL").fetchone()[0] != "wal":
                raise sqlite3.DatabaseError("WAL mode unavailable (a network file system?)")
        except BaseException:
            connection.close()
            raise
        return database

    @classmethod
    def open_readonly(cls, path: Path) -> SqliteDatabase:
        return cls(_connect_readonly(path), path)

    def execute(self, sql: str, args: Sequence[object] = ()) -> Rows:
        return self.connection.execute(sql, args)

    def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        self.connection.executemany(sql, rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.connection.execute("BEGIN IMMEDIATE")  # the write lock, at once
        try:
            yield
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def lock_schema(self) -> None:
        """`BEGIN IMMEDIATE` holds the one write lock already."""

    def lock_sheets(self, sheets: Sequence[str]) -> None:
        """`BEGIN IMMEDIATE` holds the one write lock already."""

    def version(self) -> int:
        return int(self.connection.execute("PRAGMA user_version").fetchone()[0])

    def set_version(self, version: int) -> None:
        self.connection.execute(f"PRAGMA user_version = {int(version)}")

    def migration(self, version: int) -> tuple[Step, ...]:
        return MIGRATIONS[version]

    def integrity(self) -> str:
        return str(self.connection.execute("PRAGMA integrity_check").fetchone()[0])

    def reclaim(self) -> int | None:
        """Freed pages stay in the file and the next runs fill them again, so a store pruned
        every night stops growing; `VACUUM` would rewrite the whole file, holding the store
        for as long. A file made with `auto_vacuum = INCREMENTAL` gives them back here, a few
        thousand at a time."""
        if self._pragma("auto_vacuum") == INCREMENTAL:
            free = self._pragma("freelist_count")
            while free:
                self.connection.execute(f"PRAGMA incremental_vacuum({RECLAIM_PAGES})").fetchall()
                free, left = self._pragma("freelist_count"), free
                if free >= left:  # nothing more to give back
                    break
        return self._pragma("freelist_count") * self._pragma("page_size")

    def _pragma(self, name: str) -> int:
        return int(self.connection.execute(f"PRAGMA {name}").fetchone()[0])

    def close(self) -> None:
        self.connection.close()

    def message(self, exc: Exception) -> str:
        return f"{type(exc).__name__}: {exc}"


def _connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection (`mode=ro`). Where the store's directory is read-only too, SQLite
    cannot make its `-shm` file: then the file is read as immutable, only when no `-wal` file
    holds commits not yet in it. Immutable reading never writes; should a user who may write
    there record a run at the same moment, the read may fail (an input error), never the store."""
    uri = path.resolve().as_uri() + "?mode=ro"
    connection = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opens the file
        return connection
    except sqlite3.OperationalError as exc:
        connection.close()
        wal = path.with_name(path.name + "-wal")
        if exc.sqlite_errorname not in READONLY_DIRECTORY or wal.exists():
            raise
    return sqlite3.connect(uri + "&immutable=1", uri=True, isolation_level=None)
