"""The state store: recorded runs, findings with their time, and per-key clocks, in a SQLite
file or a PostgreSQL database.

`Store` reads and writes it; `exclusive()` keeps overlapping runs apart; `store_location()`
reads `--db`'s value (a path or a `postgresql://` URL); `default_path()` is where the store
lives when no `--db` or `MAILCHECK_DB` names one.
"""

from __future__ import annotations

import os
from pathlib import Path

from mailcheck.state.location import PostgresUrl, StoreLocation, store_location
from mailcheck.state.lock import StoreBusy, exclusive
from mailcheck.state.store import DnsSource, RunRecord, SheetInfo, SheetResult, Store

ENV = "MAILCHECK_DB"

__all__ = [
    "ENV",
    "DnsSource",
    "PostgresUrl",
    "RunRecord",
    "SheetInfo",
    "SheetResult",
    "Store",
    "StoreBusy",
    "StoreLocation",
    "default_path",
    "exclusive",
    "store_location",
]


def default_path() -> StoreLocation:
    """`$MAILCHECK_DB`, else the user's state directory (XDG): `~/.local/state/mailcheck/`."""
    if os.environ.get(ENV):
        return store_location(os.environ[ENV])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "mailcheck" / "state.sqlite"
