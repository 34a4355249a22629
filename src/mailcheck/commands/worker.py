"""`mailcheck worker`: take the sheets `recheck --enqueue` put on the queue of a PostgreSQL
store, one after the other, check each and record it in the store (see `_queue`). Run one
worker per core on as many hosts as the night needs; stop one with SIGTERM (the sheet in hand
is finished and recorded first). With `--until-done` the worker stops when no job is waiting
or running any more, so cron can run a round to its end.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

from mailcheck.commands._queue import SheetJob, check_job, postgres_store
from mailcheck.core.wording import plural
from mailcheck.state import Store, StoreLocation
from mailcheck.state.queue import WorkerOptions, work


def run_worker(db: StoreLocation, options: WorkerOptions) -> int:
    location = postgres_store(db, "mailcheck worker")
    statuses: Counter[str] = Counter()
    done = {"checked": 0, "again": 0}
    with Store.open(location) as store:

        def handle(**payload: Any) -> None:
            findings = check_job(store, SheetJob.of(payload))
            if findings is None:
                done["again"] += 1
                return
            done["checked"] += 1
            statuses.update(finding.status.value for finding in findings)

        work(location, handle, options)
    counts = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
    again = f"; {plural(done['again'], 'job')} recorded before" if done["again"] else ""
    print(
        f"mailcheck: worker: {plural(done['checked'], 'sheet')} checked and recorded"
        f"{f' ({counts})' if counts else ''}{again}",
        file=sys.stderr,
    )
    return 0
