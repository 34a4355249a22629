"""Recording a finished run in the state store (`--db`), and what `recheck` and the queue's
workers record of a sheet they could not check."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from mailcheck.core.compliance import verdicts_of, with_compliance
from mailcheck.core.errors import InputError, one_line
from mailcheck.core.findings import Finding, Status, exit_code
from mailcheck.core.inputs import STDIN
from mailcheck.engine.runner import CheckedSheet, all_compliance, load_sheets, now
from mailcheck.engine.settings import RunSettings
from mailcheck.sheet.model import LoadedSheet
from mailcheck.state import (
    ENV,
    DnsSource,
    RunRecord,
    SheetInfo,
    SheetResult,
    Store,
    StoreLocation,
    default_path,
    store_location,
)


def store_to_read(db: StoreLocation | None, doing: str = "reading") -> StoreLocation:
    """The store `recheck`, `history` and `prune` work on (`--db`, else `MAILCHECK_DB`, else
    the default), said on stderr with where its path came from (`doing`: what the command does
    with it): a run `check` recorded in another store (or in none) is then not silently
    missed."""
    if db is None:
        path = default_path()
        origin = f"the default; `check` records here only with --db {path} or {ENV}"
    else:
        path = db
        given = os.environ.get(ENV)
        origin = f"from {ENV}" if given and store_location(given) == db else "from --db"
    print(one_line(f"mailcheck: {doing} the state store {path} ({origin})"), file=sys.stderr)
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
    job: str | None = None,
) -> int:
    """Record a finished run whole (one transaction); returns its id. `unchecked`: sheets
    that could not be checked, with what to record of them; `job`: the queue job the run is
    made for (one run per job)."""
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
        job=job,
    )
    return store.record(record)


@dataclass(frozen=True)
class UnreadableSheet:
    """A recorded sheet this run could not check, and why."""

    sheet: str  # its key in the store: the absolute path
    problem: str

    def announce(self) -> None:
        print(f"mailcheck: warning: not re-checked: {one_line(self.problem)}", file=sys.stderr)


def undecided(
    store: Store, unchecked: UnreadableSheet, moment: dt.datetime, rule_ids: set[str]
) -> SheetResult:
    """What is recorded of a sheet that could not be checked: every rule (of `rule_ids`, those
    the run checks) and subject of its last run as `error`, with what it knew of the sheet and
    its DNS source, so its decided statuses, its clocks and the source of its next re-check
    stay as they were."""
    findings = [
        Finding(rule, Status.ERROR, subject, f"not re-checked: {unchecked.problem}")
        for rule, subject in store.last_keys(unchecked.sheet)
        if rule in rule_ids
    ]
    info = store.sheet_info(unchecked.sheet) or SheetInfo(unchecked.sheet)
    return SheetResult(info, findings, moment, store.dns_source(unchecked.sheet))


def asking(source: DnsSource, settings: RunSettings) -> RunSettings:
    """`settings` asking the zone files or name servers a sheet was last checked against."""
    zones = tuple(Path(z) for z in source.zones)
    return replace(settings, dns=replace(settings.dns, zones=zones, nameservers=source.nameservers))
