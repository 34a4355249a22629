"""The state store: recorded runs, findings with their time, and per-key clocks (SQLite).

`Store` reads and writes the file; `exclusive()` keeps overlapping runs apart; `default_path()`
is where the store lives when no `--db` or `MAILCHECK_DB` names one.
"""

from __future__ import annotations

import os
from pathlib import Path

from mailcheck.state.lock import StoreBusy, exclusive
from mailcheck.state.store import DnsSource, RunRecord, SheetInfo, SheetResult, Store

ENV = "MAILCHECK_DB"

__all__ = [
    "ENV",
    "DnsSource",
    "RunRecord",
    "SheetInfo",
    "SheetResult",
    "Store",
    "StoreBusy",
    "default_path",
    "exclusive",
]


def default_path() -> Path:
    """`$MAILCHECK_DB`, else the user's state directory (XDG): `~/.local/state/mailcheck/`."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "mailcheck" / "state.sqlite"
