"""What changed since the last run: newly failing, fixed, still failing, overdue, undecided.

Computed from the store after a run was recorded: each finding row keeps the last decided status
before its run (`previous`), and the clocks (`episodes`) say since when a key fails and when it
was fixed. A key whose findings are all `error` is *undecided*: its last decided status stands.
A key that was only skipped (did not apply, left out, exempted) is neither fixed nor failing:
its last decided status and its clock stand too. Fixes of obligations with a deadline (SPF and
DKIM, the sheet) say whether they came in time. *Overdue* are the SPF and DKIM entries failing
past their deadline: the re-checks the contract bills (a late sheet is not billed). The records
(`Change`, `Item`) are in `mailcheck.state.changes`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from mailcheck.core.findings import Status
from mailcheck.rules import deadline_clock, deadline_kind
from mailcheck.sheet.due_dates import Deadline, rule_deadline
from mailcheck.state.changes import Change, Item
from mailcheck.state.store import Key, Recorded, SheetInfo, Store, decided


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
        overdue = is_overdue(telling, deadline, today)
        return Item(change, telling, customer, previous, since, failed_since, deadline, overdue)

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


def is_overdue(finding: Recorded, deadline: Deadline | None, today: dt.date) -> bool:
    """An SPF/DKIM entry failing past its deadline: re-checks are billed."""
    kind = deadline_kind(finding.rule)
    if finding.status is not Status.FAIL or kind is None or not kind.billed:
        return False
    if deadline_clock(finding.rule) is not None:  # `deadline.dns` fails only once overdue
        return True
    return bool(deadline and deadline.is_overdue(today))
