"""What changed since the last run: newly failing, fixed, still failing, overdue, undecided.

Computed from the store after a run was recorded: each finding row keeps the last decided status
before its run (`previous`), and the clocks (`episodes`) say since when a key fails and when it
was fixed. A key whose findings are all `error` is *undecided*: its last decided status stands.
A key that was only skipped (did not apply, left out, exempted) is neither fixed nor failing:
its last decided status and its clock stand too. Fixes of obligations with a deadline (SPF and
DKIM, the sheet) say whether they came in time. *Overdue* are the SPF and DKIM entries failing
past their deadline: the re-checks the contract bills (a late sheet is not billed).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mailcheck.core.findings import Status
from mailcheck.core.wording import iso
from mailcheck.rules import deadline_clock, deadline_kind
from mailcheck.sheet.due_dates import Deadline, rule_deadline
from mailcheck.state.store import Key, Recorded, SheetInfo, Store, decided


class Change(enum.StrEnum):
    NEWLY_FAILING = "newly_failing"
    FIXED = "fixed"
    STILL_FAILING = "still_failing"
    UNDECIDED = "undecided"
    SKIPPED = "skipped"  # only skipped this run: nothing decided, the last status stands
    UNCHANGED = "unchanged"


SECTIONS = (Change.NEWLY_FAILING, Change.FIXED, Change.STILL_FAILING, Change.UNDECIDED)


@dataclass(frozen=True)
class Item:
    """One (sheet, rule, subject) in a run, with how it changed and its dates."""

    change: Change
    finding: Recorded  # the most telling finding of the key in this run
    customer: str | None
    previous: Status | None
    since: dt.date | None  # failing since / fixed on / in this status since
    failed_since: dt.date | None = None  # for a fix: when the failing began
    deadline: Deadline | None = None
    today: dt.date | None = None

    @property
    def overdue(self) -> bool:
        """An SPF/DKIM entry failing past its deadline: re-checks are billed."""
        kind = deadline_kind(self.finding.rule)
        if self.finding.status is not Status.FAIL or kind is None or not kind.billed:
            return False
        if deadline_clock(self.finding.rule) is not None:  # `deadline.dns` fails only once overdue
            return True
        return bool(self.deadline and self.today and self.deadline.is_overdue(self.today))

    @property
    def late_by(self) -> int | None:
        """For a fix of an obligation with a deadline: working days after it (0: in time)."""
        if self.change is not Change.FIXED or self.deadline is None or self.since is None:
            return None
        return self.deadline.days_late(self.since)

    def timing(self) -> str | None:
        """For a fix of an obligation with a deadline: `fixed in time`, `fixed 2 working days
        late`; None otherwise."""
        if self.change is not Change.FIXED or self.deadline is None or self.since is None:
            return None
        return self.deadline.timing(self.since, "fixed")

    def as_dict(self) -> dict[str, Any]:
        f = self.finding
        return {
            "rule": f.rule,
            "status": f.status.value,
            "subject": f.subject,
            "message": f.message,
            "hint": f.hint,
            "sheet": f.sheet,
            "customer": self.customer,
            "change": self.change.value,
            "previous": self.previous.value if self.previous else None,
            "since": iso(self.since),
            "failed_since": iso(self.failed_since),
            "due": iso(self.deadline.due) if self.deadline else None,
            "overdue": self.overdue,
            "working_days_late": self.late_by,
            "checked_at": f.checked_at,
        }


def run_changes(store: Store, run_id: int) -> list[Item]:
    """Every key the run checked, classified against the runs before it."""
    today = store.run(run_id).today
    by_key: dict[Key, list[Recorded]] = {}
    for row in store.findings(run_id):
        by_key.setdefault(row.key, []).append(row)
    infos: dict[str, SheetInfo | None] = {}
    items = []
    for key, rows in by_key.items():
        if key[0] not in infos:
            infos[key[0]] = store.sheet_info(key[0], run_id)
        items.append(_item(store, key, rows, infos[key[0]], today))
    return items


def _item(
    store: Store, key: Key, rows: Sequence[Recorded], info: SheetInfo | None, today: dt.date
) -> Item:
    status = decided(r.status for r in rows)
    previous = rows[0].previous
    episodes = store.episodes(key)
    last = episodes[-1] if episodes else None

    def item(change: Change, since: dt.date | None, failed_since: dt.date | None = None) -> Item:
        telling = min(rows, key=lambda r: r.status.rank)
        customer = info.customer if info else None
        deadline = rule_deadline(deadline_kind(key[1]), info) if info else None
        return Item(change, telling, customer, previous, since, failed_since, deadline, today)

    if status is None:
        undecided = any(r.status is Status.ERROR for r in rows)
        return item(Change.UNDECIDED if undecided else Change.SKIPPED, None)
    if status is Status.FAIL:
        change = Change.STILL_FAILING if previous is Status.FAIL else Change.NEWLY_FAILING
        return item(change, last.failed_on if last else today)
    if previous is Status.FAIL and last is not None:
        return item(Change.FIXED, last.fixed_on, last.failed_on)
    state = store.state(key)
    return item(Change.UNCHANGED, state.since if state else today)


def sections(items: Sequence[Item]) -> dict[str, list[Item]]:
    """The changes a person or a webhook wants, by section; `overdue` overlaps the failing."""
    grouped: dict[str, list[Item]] = {change.value: [] for change in SECTIONS}
    for item in items:
        if item.change in SECTIONS:
            grouped[item.change.value].append(item)
    grouped["overdue"] = [item for item in items if item.overdue]
    return grouped
