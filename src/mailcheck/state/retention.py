"""Pruning the store: the findings of old runs go, the statuses and clocks stay.

What is deleted is counted by (run, sheet): a sheet's record in a run (`run_sheets`) with its
findings goes when the run finished before the cut-off and the sheet has at least `keep_last`
newer runs, so every sheet keeps its newest runs — what `history` shows last, and what
`recheck` asks again (the sheet's DNS source, what it knew of the sheet, its last keys) —
however long ago they were. A run (`runs`) goes once none of its sheets is left and no status
or clock names it: `states` and `episodes` point at the runs that started and last decided a
status and that started and stopped a clock, and are never touched. Such a run keeps only its
row (number, dates, exit code); its findings go by age like the others, or a store re-checked
whole every night would keep all of them (each run starts some key's status).

Everything is deleted in short transactions of at most `ROWS_PER_TRANSACTION` findings, or
`PAIRS_PER_PAGE` sheets of runs, or `RUNS_PER_PAGE` runs, oldest first, and read page by page:
the store is never held for long, memory stays flat, and a prune stopped half-way leaves a
consistent store (what it deleted is gone, the rest is as it was; the next prune goes on).
Findings of a sheet go before its record in the run, a run's sheets before the run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from mailcheck.core.errors import InputError
from mailcheck.state.store import Store

ROWS_PER_TRANSACTION = 10_000
PAIRS_PER_PAGE = 500
RUNS_PER_PAGE = 1_000

Pair = tuple[int, str]
"""(run id, sheet): a sheet's record in one run."""

_NEWER = (  # at least `keep_last` runs of the same sheet are newer (OFFSET keep_last - 1)
    "EXISTS (SELECT 1 FROM run_sheets newer WHERE newer.sheet = rs.sheet"
    " AND newer.run_id > rs.run_id ORDER BY newer.run_id LIMIT 1 OFFSET ?)"
)
OLD_PAIRS = (
    "SELECT rs.run_id, rs.sheet FROM run_sheets rs JOIN runs r ON r.id = rs.run_id"
    " WHERE r.finished < ? AND rs.run_id <= ? AND (rs.run_id, rs.sheet) > (?, ?)"
    f" AND {_NEWER} ORDER BY rs.run_id, rs.sheet LIMIT ?"
)
_UNNAMED = (  # no status and no clock names the run
    " AND NOT EXISTS (SELECT 1 FROM states WHERE since_run = r.id)"
    " AND NOT EXISTS (SELECT 1 FROM states WHERE last_run = r.id)"
    " AND NOT EXISTS (SELECT 1 FROM episodes WHERE failed_run = r.id)"
    " AND NOT EXISTS (SELECT 1 FROM episodes WHERE fixed_run = r.id)"
)
OLD_RUNS = "SELECT id FROM runs WHERE finished < ? AND id > ? ORDER BY id LIMIT ?"
# Of a page of old runs (ids from, to), those to delete: looked up run by run in the indexes
EMPTY_RUNS = (  # left without a sheet
    "SELECT r.id FROM runs r WHERE r.id BETWEEN ? AND ? AND r.finished < ?"
    " AND NOT EXISTS (SELECT 1 FROM run_sheets rs WHERE rs.run_id = r.id)"
    f"{_UNNAMED}"
)
EMPTIED_RUNS = (  # that a prune would leave without a sheet (a dry run's count)
    "SELECT r.id FROM runs r WHERE r.id BETWEEN ? AND ? AND r.finished < ?"
    f" AND NOT EXISTS (SELECT 1 FROM run_sheets rs WHERE rs.run_id = r.id AND NOT {_NEWER})"
    f"{_UNNAMED}"
)


@dataclass(frozen=True)
class Pruned:
    """The rows deleted, by kind (in a dry run: those that would be)."""

    runs: int
    run_sheets: int
    findings: int
    dry_run: bool = False
    free_bytes: int | None = None
    """Bytes left free inside a SQLite file, which its next runs fill again; None for a
    PostgreSQL store (autovacuum frees them) and for a dry run."""


def cutoff(today: dt.date, days: int) -> dt.datetime:
    """The start (UTC) of the day `days` days before `today`: runs that finished before it
    are old. Raises OverflowError before the calendar's first day."""
    return dt.datetime.combine(today - dt.timedelta(days=days), dt.time(), dt.UTC)


def prune(store: Store, before: dt.datetime, keep_last: int, *, dry_run: bool = False) -> Pruned:
    """Delete (or with `dry_run` only count) what runs that finished before `before` recorded,
    keeping each sheet's newest `keep_last` runs (at least 1) and every run a status or a
    clock names."""
    if keep_last < 1:
        raise ValueError("a sheet keeps at least its newest run")
    pruning = _Pruning(store, _stored(before), keep_last, dry_run)
    try:
        pruning.sheets()
        pruning.runs()
        free = None if dry_run else store.db.reclaim()
    except store.db.errors as exc:
        raise InputError(
            f"the state store failed: {store.db.message(exc)}; what was pruned before stays "
            "pruned, the rest is as it was",
            file=str(store.path),
        ) from None
    return Pruned(
        pruning.deleted_runs, pruning.deleted_pairs, pruning.deleted_findings, dry_run, free
    )


def _stored(moment: dt.datetime) -> str:
    """A moment as the store writes `runs.finished`, so the two compare as text."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


class _Pruning:
    def __init__(self, store: Store, before: str, keep_last: int, dry_run: bool) -> None:
        self.db = store.db
        self.before = before
        self.offset = keep_last - 1
        self.dry_run = dry_run
        self.deleted_findings = self.deleted_pairs = self.deleted_runs = 0
        self._doomed: list[int] = []  # ids of findings to delete, fewer than a transaction's

    def sheets(self) -> None:
        """Every old (run, sheet) but a sheet's newest, page by page, oldest first."""
        row = self.db.execute("SELECT max(id) FROM runs WHERE finished < ?", (self.before,))
        last_old = row.fetchone()[0]
        if last_old is None:
            return
        cursor: Pair = (0, "")
        while True:
            args = (self.before, last_old, *cursor, self.offset, PAIRS_PER_PAGE)
            pairs: list[Pair] = [(int(r), str(s)) for r, s in self.db.execute(OLD_PAIRS, args)]
            if not pairs:
                return
            for pair in pairs:
                self._findings_of(pair)
            self._delete_findings(flush=True)
            self._delete_pairs(pairs)
            cursor = pairs[-1]

    def runs(self) -> None:
        """Old runs left without a sheet (or that would be), unless a status or clock names
        them; in the real prune, also those an earlier prune kept for a name since moved on."""
        query = EMPTIED_RUNS if self.dry_run else EMPTY_RUNS
        offset = (self.offset,) if self.dry_run else ()
        cursor = 0
        while True:
            page = self.db.execute(OLD_RUNS, (self.before, cursor, RUNS_PER_PAGE)).fetchall()
            if not page:
                return
            first, cursor = int(page[0][0]), int(page[-1][0])
            args = (first, cursor, self.before, *offset)
            ids = [int(row[0]) for row in self.db.execute(query, args)]
            if ids and not self.dry_run:
                with self.db.transaction():
                    self.db.executemany("DELETE FROM runs WHERE id = ?", [(i,) for i in ids])
            self.deleted_runs += len(ids)

    def _findings_of(self, pair: Pair) -> None:
        run_id, sheet = pair
        where = " FROM findings WHERE sheet = ? AND run_id = ?"
        if self.dry_run:
            self.deleted_findings += int(
                self.db.execute("SELECT count(*)" + where, (sheet, run_id)).fetchone()[0]
            )
            return
        found = self.db.execute("SELECT id" + where, (sheet, run_id))
        self._doomed += [int(row[0]) for row in found]
        self._delete_findings()

    def _delete_findings(self, *, flush: bool = False) -> None:
        """The findings gathered, a transaction's worth at a time (the rest too if `flush`)."""
        while len(self._doomed) >= ROWS_PER_TRANSACTION or (flush and self._doomed):
            batch = self._doomed[:ROWS_PER_TRANSACTION]
            del self._doomed[:ROWS_PER_TRANSACTION]
            with self.db.transaction():
                self.db.executemany("DELETE FROM findings WHERE id = ?", [(i,) for i in batch])
            self.deleted_findings += len(batch)

    def _delete_pairs(self, pairs: Sequence[Pair]) -> None:
        if not self.dry_run:
            with self.db.transaction():
                self.db.executemany(
                    "DELETE FROM run_sheets WHERE run_id = ? AND sheet = ?", list(pairs)
                )
        self.deleted_pairs += len(pairs)
