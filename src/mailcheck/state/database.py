"""What the store needs of a database, whichever it is (`sqlite_db`, `postgres_db`).

The store's SQL is written once, with `?` for parameters, in the part of SQL both databases
speak (`INSERT ... RETURNING`, `ON CONFLICT ... DO UPDATE`, partial unique indexes); each
database object translates what differs: parameters, the schema's types, write transactions
and how writers are kept apart, the schema version.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from mailcheck.state.location import StoreLocation


class Rows(Protocol):
    """A cursor's result: both databases' cursors are this."""

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Database(Protocol):
    @property
    def location(self) -> StoreLocation: ...

    errors: tuple[type[Exception], ...]
    """The exceptions of the database's driver: each becomes an `InputError`."""

    def execute(self, sql: str, args: Sequence[object] = ()) -> Rows: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> None: ...

    def transaction(self) -> AbstractContextManager[None]:
        """A write transaction, all or nothing."""
        ...

    def lock_schema(self) -> None:
        """Inside a transaction: wait until no other process migrates the schema."""
        ...

    def lock_sheets(self, sheets: Sequence[str]) -> None:
        """Inside a transaction: wait until no other writer records any of these sheets, so
        one sheet's clocks advance in the order its runs are numbered."""
        ...

    def version(self) -> int: ...

    def set_version(self, version: int) -> None: ...

    def migration(self, version: int) -> tuple[Step, ...]:
        """The statements (and steps) that take the schema from `version` to `version + 1`."""
        ...

    def integrity(self) -> str:
        """`ok`, or what is wrong."""
        ...

    def reclaim(self) -> int | None:
        """After a large delete: the bytes left free inside the store for its next writes
        (SQLite keeps freed pages in its file, or gives them back where the file was made
        with incremental auto-vacuum); None where the database reclaims them by itself
        (PostgreSQL's autovacuum)."""
        ...

    def close(self) -> None: ...

    def message(self, exc: Exception) -> str:
        """An error of the driver as one line, without any secret."""
        ...


Step = str | Callable[[Database], None]
"""A step of a migration: a statement, or a function that does what SQL alone cannot say the
same way to both databases."""
