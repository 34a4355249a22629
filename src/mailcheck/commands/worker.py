"""`mailcheck worker`: take the sheets `recheck --enqueue` put on the queue of a PostgreSQL
store, one after the other, check each and record it in the store (see `_queue`). Run one
worker per core on as many hosts as the night needs; stop one with SIGTERM (the sheet in hand
is finished and recorded first). With `--until-done` the worker stops when no job is waiting
or running any more, so cron can run a round to its end. `--jobs N` sheets are checked at once
(their DNS questions overlap; one core's worth of checking). `--metrics FILE` is written every
`METRICS_EVERY` seconds while jobs come, and when the worker stops.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from mailcheck.commands._metrics import finish, metrics_tally
from mailcheck.commands._queue import JobRunner, SheetJob, postgres_store
from mailcheck.core.wording import plural
from mailcheck.output.metrics import RunTally, write_metrics
from mailcheck.state import Store, StoreLocation
from mailcheck.state.queue import WorkerOptions, work

METRICS_EVERY = 10.0  # seconds


def run_worker(db: StoreLocation, options: WorkerOptions, metrics: Path | None = None) -> int:
    location = postgres_store(db, "mailcheck worker")
    tally = metrics_tally(metrics, "worker") or RunTally("worker")
    again = 0
    written = [time.monotonic()]
    with Store.open(location) as store:
        runner = JobRunner(store, tally)

        def handle(**payload: Any) -> None:
            nonlocal again
            if not runner.run(SheetJob.of(payload)):
                with runner.lock:
                    again += 1
            with runner.lock:
                if metrics is not None and time.monotonic() - written[0] >= METRICS_EVERY:
                    write_metrics(metrics, tally, 0)
                    written[0] = time.monotonic()

        work(location, handle, options)
    print(f"mailcheck: worker: {_summary(tally, again)}", file=sys.stderr)
    return finish(metrics, tally, 0)


def _summary(tally: RunTally, again: int) -> str:
    statuses: dict[str, int] = {}
    for (_rule, status), count in tally.findings.items():
        statuses[status] = statuses.get(status, 0) + count
    counts = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
    text = f"{plural(tally.items, 'sheet')} checked and recorded"
    text += f" ({counts})" if counts else ""
    return text + (f"; {plural(again, 'job')} recorded before" if again else "")
