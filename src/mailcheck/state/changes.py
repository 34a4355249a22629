"""What changed since the last run, as records: each (sheet, rule, subject) of a run with how it
changed (newly failing, fixed, still failing, undecided, skipped, unchanged) and its dates.

`mailcheck.engine.run_changes` makes them from the store (it reads the rules' deadlines); the
report of `mailcheck recheck` and its webhook read them, grouped by `sections`.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mailcheck.core.findings import Status
from mailcheck.core.wording import iso
from mailcheck.sheet.due_dates import Deadline
from mailcheck.state.store import Recorded


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
    overdue: bool = False
    """An SPF/DKIM entry failing past its deadline: re-checks are billed."""

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


def sections(items: Sequence[Item]) -> dict[str, list[Item]]:
    """The changes a person or a webhook wants, by section; `overdue` overlaps the failing."""
    grouped: dict[str, list[Item]] = {change.value: [] for change in SECTIONS}
    for item in items:
        if item.change in SECTIONS:
            grouped[item.change.value].append(item)
    grouped["overdue"] = [item for item in items if item.overdue]
    return grouped
