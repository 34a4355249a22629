"""Recording a finished run in the state store (`--db`)."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from mailcheck.core.compliance import verdicts_of, with_compliance
from mailcheck.core.errors import InputError
from mailcheck.core.findings import exit_code
from mailcheck.core.inputs import STDIN
from mailcheck.engine.runner import CheckedSheet, all_compliance, load_sheets, now
from mailcheck.sheet.model import LoadedSheet
from mailcheck.state import (
    ENV,
    RunRecord,
    SheetInfo,
    SheetResult,
    Store,
    StoreLocation,
    default_path,
    store_location,
)


def store_to_read(db: StoreLocation | None) -> StoreLocation:
    """The store `recheck` and `history` read (`--db`, else `MAILCHECK_DB`, else the default),
    said on stderr with where its path came from: a run `check` recorded in another store (or
    in none) is then not silently missed."""
    if db is None:
        path = default_path()
        origin = f"the default; `check` records here only with --db {path} or {ENV}"
    else:
        path = db
        given = os.environ.get(ENV)
        origin = f"from {ENV}" if given and store_location(given) == db else "from --db"
    print(f"mailcheck: reading the state store {path} ({origin})", file=sys.stderr)
    return path


def load_recorded_sheets(paths: Sequence[Path]) -> list[LoadedSheet]:
    """The sheets of a run the store records: none from standard input, as a later recheck
    could not read it again."""
    if STDIN in map(str, paths):
        raise InputError(
            "a sheet from standard input cannot be recorded (recheck reads sheets again from "
            "their files): give the sheet's path",
            key="--db",
        )
    return load_sheets(paths)


def record_run(
    store: Store,
    command: str,
    started: dt.datetime,
    results: Sequence[CheckedSheet],
    today: dt.date,
    *,
    strict: bool,
    unchecked: Sequence[SheetResult] = (),
) -> int:
    """Record a finished run whole (one transaction); returns its id. `unchecked`: sheets
    that could not be checked, with what to record of them."""
    sheets = [SheetResult(SheetInfo.of(r.sheet), r.findings, r.checked_at, r.dns) for r in results]
    sheets += unchecked
    findings = [f for sheet in sheets for f in sheet.findings]
    code = exit_code(findings, strict=strict)
    record = RunRecord(
        command=command,
        started=started,
        finished=now(),
        today=today,
        exit_code=int(with_compliance(code, verdicts_of(all_compliance(results)))),
        sheets=sheets,
    )
    return store.record(record)
