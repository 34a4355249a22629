"""`mailcheck prune --older-than DAYS`: delete what old runs recorded, so the store stops
growing; the statuses and clocks stay (`mailcheck.state.retention` says what goes and
what stays).

Meant for cron, after the night's re-check. It takes the store's run lock as `recheck` does, so
it never runs beside a re-check (exit 75 when one holds the store); `--dry-run` only counts,
reads like `history` and takes no lock. A run is old when it finished before the day DAYS days
before `--today` (default: today) began, in UTC. The human view is one line per kind of row;
in a SQLite file the space of the deleted rows stays free inside it for the next runs, and
stderr says how much and how to give it back (`VACUUM`).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import TextIO

from mailcheck.commands._options import ReportOptions
from mailcheck.commands._report import open_output
from mailcheck.commands._store import store_to_read
from mailcheck.core.errors import InputError, one_line, quote
from mailcheck.output import Format
from mailcheck.state import Store, StoreLocation, exclusive
from mailcheck.state.location import exists
from mailcheck.state.retention import Pruned, cutoff, prune

MAX_KEEP_LAST = 1_000_000
FORMATS = (Format.TABLE, Format.JSON)
MIB = 1024 * 1024


def run_prune(
    db: StoreLocation | None,
    older_than: str,
    keep_last: str,
    report: ReportOptions,
    today: dt.date | None = None,
    *,
    dry_run: bool = False,
) -> int:
    """`db`: the state store (None: the default one); `older_than` and `keep_last`: the
    options' text, read here so a bad one is a one-line input error; `today`: the date the
    days count back from (None: today)."""
    days = whole_number(older_than, "--older-than", 0)
    keep = whole_number(keep_last, "--keep-last", 1, MAX_KEEP_LAST)
    if report.fmt not in FORMATS:
        raise InputError(
            f"prune reports counts, not findings: {report.fmt.value} is not one of table, json",
            key="--format",
        )
    day = today or dt.date.today()
    try:
        before = cutoff(day, days)
    except OverflowError:
        raise InputError(
            f"{days} days before {day.isoformat()} is before the calendar's first day",
            key="--older-than",
        ) from None
    location = store_to_read(db, "reading" if dry_run else "pruning")
    if not exists(location):
        raise InputError("no state store here, so nothing to prune", file=str(location))
    pruned = _pruned(location, before, keep, dry_run)
    with open_output(report.output) as stream:
        if report.fmt is Format.JSON:
            _render_json(pruned, location, before, keep, stream)
        else:
            _render_lines(pruned, stream)
    _announce(pruned, location, before, keep)
    return 0


def whole_number(text: str, option: str, minimum: int, maximum: int | None = None) -> int:
    """An option's value as a whole number within its bounds, or a one-line input error."""
    bounds = f"from {minimum} to {maximum}" if maximum is not None else f"of {minimum} or more"
    try:
        value = int(text.strip())
    except ValueError:
        value = None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        raise InputError(f"{quote(text)} is not a whole number {bounds}", key=option)
    return value


def _pruned(location: StoreLocation, before: dt.datetime, keep: int, dry_run: bool) -> Pruned:
    if dry_run:  # only reads: no lock, a store it may not write will do
        with Store.open_readonly(location) as store:
            return prune(store, before, keep, dry_run=True)
    with exclusive(location), Store.open(location, create=False) as store:
        return prune(store, before, keep)


def _counts(pruned: Pruned) -> dict[str, int]:
    return {"runs": pruned.runs, "run_sheets": pruned.run_sheets, "findings": pruned.findings}


def _render_lines(pruned: Pruned, stream: TextIO) -> None:
    done = "to delete (dry run)" if pruned.dry_run else "deleted"
    for kind, count in _counts(pruned).items():
        stream.write(f"{kind}: {count} {done}\n")


def _render_json(
    pruned: Pruned, location: StoreLocation, before: dt.datetime, keep: int, stream: TextIO
) -> None:
    data = {
        "store": str(location),
        "dry_run": pruned.dry_run,
        "finished_before": before.isoformat(timespec="seconds"),
        "keep_last": keep,
        "deleted": _counts(pruned),
        "free_bytes": pruned.free_bytes,
    }
    json.dump(data, stream, indent=2)
    stream.write("\n")


def _announce(pruned: Pruned, location: StoreLocation, before: dt.datetime, keep: int) -> None:
    """On stderr: what counted as old, and the space a SQLite file keeps free."""
    kept = "its newest run" if keep == 1 else f"its newest {keep} runs"
    print(
        f"mailcheck: runs that finished before {before.date().isoformat()} (UTC) are old; "
        f"each sheet keeps {kept}, every status and clock stays",
        file=sys.stderr,
    )
    if pruned.free_bytes:
        size = f"{pruned.free_bytes / MIB:.1f} MiB"
        print(
            one_line(
                f"mailcheck: {size} free inside {location} for the next runs to fill; "
                f"`sqlite3 {location} VACUUM` gives them back to the file system (it rewrites "
                "the whole file: it needs as much room again, and runs wait for it)"
            ),
            file=sys.stderr,
        )
