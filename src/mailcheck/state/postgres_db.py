"""The store in a PostgreSQL database (the `postgres` extra: psycopg 3), for many hosts that
share one history.

The schema is the SQLite store's (`migrations.postgres_statements`); its version is the one row
of `mailcheck_schema`. The connection is in autocommit mode, and each write is one explicit
transaction, as in SQLite. Where SQLite lets one writer in at a time, writers here are kept
apart per sheet by transaction-level advisory locks, taken in one order before the run gets
its number: runs of different sheets are written side by side (many workers, one database),
while two runs of the same sheet wait for each other, so its clocks advance in the order its
runs are numbered and never two of them run open. Migrations wait on an advisory lock of
their own. `run_lock` is the whole-run lock of a `check` or `recheck` (`mailcheck.state.lock`):
a session-level advisory lock, released when the connection closes, however the process ends.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from mailcheck.core.errors import InputError
from mailcheck.state.database import Rows, Step
from mailcheck.state.location import PostgresUrl
from mailcheck.state.migrations import MIGRATIONS, postgres_statements

if TYPE_CHECKING:
    import psycopg

SCHEMA_LOCK = 0x6D61_696C_0001  # advisory lock keys: "mail" and a number
RUN_LOCK = 0x6D61_696C_0002
CONNECT_TIMEOUT = 10  # seconds
TABLES = ("runs", "run_sheets", "findings", "states", "episodes")


def driver() -> Any:
    """psycopg, or an input error that says how to install it."""
    try:
        import psycopg
    except ImportError:
        raise InputError(
            "a PostgreSQL store needs psycopg 3: pip install 'mailcheck-cli[postgres]'",
            key="--db",
        ) from None
    return psycopg


def connect(location: PostgresUrl) -> psycopg.Connection[Any]:
    connection: psycopg.Connection[Any] = driver().connect(
        location.url,
        autocommit=True,
        connect_timeout=CONNECT_TIMEOUT,
        application_name="mailcheck",
    )
    return connection


class PostgresDatabase:
    def __init__(self, connection: psycopg.Connection[Any], location: PostgresUrl) -> None:
        self.connection = connection
        self.location = location
        self.errors: tuple[type[Exception], ...] = (driver().Error,)
        self._sql: dict[str, str] = {}

    @classmethod
    def open(cls, location: PostgresUrl) -> PostgresDatabase:
        return cls(connect(location), location)

    def _translated(self, sql: str) -> str:
        """`?` parameters as psycopg's `%s` (the store's SQL has no `?` or `%` of its own)."""
        found = self._sql.get(sql)
        if found is None:
            found = self._sql[sql] = sql.replace("?", "%s")
        return found

    def execute(self, sql: str, args: Sequence[object] = ()) -> Rows:
        return self.connection.execute(self._translated(sql), tuple(args))  # type: ignore[arg-type]

    def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        with self.connection.cursor() as cursor:
            cursor.executemany(self._translated(sql), rows)  # type: ignore[arg-type]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.connection.transaction():
            yield

    def lock_schema(self) -> None:
        self.connection.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))

    def lock_sheets(self, sheets: Sequence[str]) -> None:
        # one order for every writer (the sorted keys): two runs never wait for each other
        self.connection.execute(
            "SELECT count(pg_advisory_xact_lock(k)) FROM"
            " (SELECT DISTINCT hashtextextended(s, 0) AS k FROM unnest(%s::text[]) AS s"
            "  ORDER BY k) AS keys",
            (list(sheets),),
        )

    def version(self) -> int:
        row = self.connection.execute("SELECT to_regclass('mailcheck_schema')").fetchone()
        if row is None or row[0] is None:
            return 0
        found = self.connection.execute("SELECT max(version) FROM mailcheck_schema").fetchone()
        return int(found[0] or 0) if found else 0

    def set_version(self, version: int) -> None:
        self.connection.execute(
            "CREATE TABLE IF NOT EXISTS mailcheck_schema (version INTEGER NOT NULL)"
        )
        self.connection.execute("DELETE FROM mailcheck_schema")
        self.connection.execute("INSERT INTO mailcheck_schema VALUES (%s)", (version,))

    def migration(self, version: int) -> tuple[Step, ...]:
        return postgres_statements(MIGRATIONS[version])

    def integrity(self) -> str:
        """PostgreSQL keeps its own pages whole; what is checked here is that every table
        reads to its end and that no key has two clocks running."""
        for table in TABLES:
            self.connection.execute(f"SELECT count(*) FROM {table}").fetchone()
        row = self.connection.execute(
            "SELECT count(*) FROM (SELECT 1 FROM episodes WHERE fixed_run IS NULL"
            " GROUP BY sheet, rule, subject HAVING count(*) > 1) AS twice"
        ).fetchone()
        return "ok" if row and row[0] == 0 else "a key with two open clocks"

    def reclaim(self) -> int | None:
        """Autovacuum makes the space of deleted rows free for new ones."""
        return None

    def close(self) -> None:
        self.connection.close()

    def message(self, exc: Exception) -> str:
        return scrubbed(self.location, f"{type(exc).__name__}: {exc}")


def scrubbed(location: PostgresUrl, text: str) -> str:
    """A driver's message without the URL's password, should it quote it; one line."""
    secret = location.password
    if secret:
        text = text.replace(secret, "REDACTED")
    return " ".join(text.split())


def open_error(location: PostgresUrl, exc: Exception) -> InputError:
    return InputError(
        f"cannot use the store: {scrubbed(location, str(exc))}",
        file=str(location),
    )


@contextmanager
def run_lock(
    location: PostgresUrl, busy: type[InputError], shard: str | None = None
) -> Iterator[None]:
    """Hold the store's run lock on a connection of its own, or raise `busy` at once. A whole
    run holds it alone; a run of one shard (`K/N`) shares it with the other shards' runs and
    holds its shard's lock alone."""
    try:
        connection = connect(location)
    except driver().Error as exc:
        raise open_error(location, exc) from None
    try:
        args: tuple[object, ...] = (RUN_LOCK,)
        if shard is None:
            query = "SELECT pg_try_advisory_lock(%s)"
        else:
            query = (
                "SELECT pg_try_advisory_lock_shared(%s)"
                " AND pg_try_advisory_lock(hashtextextended(%s, %s))"
            )
            args = (RUN_LOCK, shard, RUN_LOCK)
        row = connection.execute(query, args).fetchone()
        if not (row and row[0]):
            raise busy(
                "another mailcheck run holds the store; nothing was checked or recorded: "
                "try again when it has finished",
                file=str(location),
            )
        yield
    finally:
        connection.close()  # the session's lock goes with it
