"""Where the state store is: a SQLite file, or a PostgreSQL database named by a URL.

`--db` and `MAILCHECK_DB` take either. A value that starts with `postgresql://` or
`postgres://` names a PostgreSQL database (the `postgres` extra: psycopg 3); anything else is the
path of a SQLite file. A URL may hold a password: it is shown only redacted, in every message
and report (`str()` of a `PostgresUrl` is the redacted form; `url` the one to connect with).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mailcheck.core.urls import redact_url

SCHEMES = ("postgresql://", "postgres://")


@dataclass(frozen=True)
class PostgresUrl:
    """A PostgreSQL connection URL (libpq's form); shown redacted."""

    url: str = field(repr=False)

    def __str__(self) -> str:
        return redact_url(self.url)

    def __repr__(self) -> str:
        return f"PostgresUrl({str(self)!r})"

    @property
    def password(self) -> str | None:
        """The password in the URL, to be scrubbed from the database's own messages."""
        from urllib.parse import unquote, urlsplit

        try:
            secret = urlsplit(self.url).password
        except ValueError:
            return None
        return unquote(secret) if secret else None


StoreLocation = Path | PostgresUrl
"""A SQLite file or a PostgreSQL database."""


def store_location(text: str | Path) -> StoreLocation:
    """`--db`'s value as a location: a PostgreSQL URL or a file path."""
    value = str(text)
    if value.lower().startswith(SCHEMES):
        return PostgresUrl(value)
    return Path(text)


def exists(location: StoreLocation) -> bool:
    """Whether the store may hold recorded runs: a SQLite file that exists; a PostgreSQL
    database is asked when it is opened."""
    return isinstance(location, PostgresUrl) or location.exists()
