"""A queue of sheets to re-check, shared by many hosts, in the PostgreSQL store's database.

The queue is procrastinate's (a maintained PostgreSQL job queue: jobs are rows, a worker takes
one with `FOR UPDATE SKIP LOCKED`, so no two workers ever take the same job). `enqueue` puts
one job per sheet (what to check it with, as JSON); `work` runs a worker that hands each job
to the given function (`jobs` at once, each in a thread), until it is stopped (SIGTERM,
Ctrl-C) or, with `until_done`, until no job of the queue is left waiting or running.

A worker sends a heartbeat every third of `stalled_after` seconds. A worker killed in the middle
of a job (SIGKILL, a host that died) sends none: once `stalled_after` seconds have passed, any
worker puts that job back, and one of them takes it again. What the first one had checked was
never recorded (a run is recorded in one transaction, with the job's key: see
`Store.run_of_job`), so nothing is lost and nothing is recorded twice.

procrastinate's tables (`procrastinate_*`) are created in the database the first time a queue
is used, under an advisory lock, beside the store's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mailcheck.core.errors import InputError
from mailcheck.state.location import PostgresUrl
from mailcheck.state.postgres_db import connect, driver, open_error

QUEUE = "mailcheck-recheck"
TASK = "mailcheck.recheck_sheet"
INSTALL_LOCK = 0x6D61_696C_0003
BATCH = 1000  # jobs put in one statement
ATTEMPTS = 3  # a job whose function raised (the store unreachable) is tried again this often
Handler = Callable[..., None]


@dataclass(frozen=True)
class WorkerOptions:
    stalled_after: float = 30.0
    """Seconds without a heartbeat after which a worker's job is taken again."""
    until_done: bool = False
    """Stop when no job is waiting or running (else: run until stopped)."""
    poll: float = 1.0
    """Seconds between looks at the queue while other workers still run jobs."""
    jobs: int = 8
    """Jobs run at once, each in a thread of its own (their waits for DNS overlap)."""


def _procrastinate() -> Any:
    try:
        import procrastinate
    except ImportError:
        raise InputError(
            "the queue needs procrastinate: pip install 'mailcheck-cli[postgres]'", key="--db"
        ) from None
    return procrastinate


def _app(location: PostgresUrl, handler: Handler | None = None) -> Any:
    procrastinate = _procrastinate()
    connector = procrastinate.PsycopgConnector(conninfo=location.url, min_size=1, max_size=4)
    app = procrastinate.App(connector=connector)
    app.task(name=TASK, queue=QUEUE, retry=ATTEMPTS - 1)(handler or _elsewhere)
    return app


def _elsewhere(**_job: Any) -> None:
    raise RuntimeError("jobs are run by `work`")


def install(location: PostgresUrl) -> None:
    """Create the queue's tables unless they are there (one host at a time)."""
    schema = _procrastinate().schema.SchemaManager.get_schema()
    try:
        with connect(location) as connection, connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (INSTALL_LOCK,))
            row = connection.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
            if row is None or row[0] is None:
                connection.execute(schema)
    except driver().Error as exc:
        raise open_error(location, exc) from None


def enqueue(location: PostgresUrl, jobs: Sequence[dict[str, Any]]) -> int:
    """Put the jobs on the queue; returns how many."""
    install(location)

    async def put() -> None:
        app = _app(location)
        async with app.open_async():
            task = app.tasks[TASK]
            for start in range(0, len(jobs), BATCH):
                await task.batch_defer_async(*jobs[start : start + BATCH])

    try:
        asyncio.run(put())
    except driver().Error as exc:
        raise open_error(location, exc) from None
    return len(jobs)


def work(location: PostgresUrl, handler: Handler, options: WorkerOptions) -> None:
    """Run jobs with `handler(**job)` until stopped, or with `until_done` until none is left."""
    _say_in_one_line()
    install(location)
    try:
        asyncio.run(_serve(location, handler, options))
    except driver().Error as exc:
        raise open_error(location, exc) from None


class _OneLine(logging.Formatter):
    """The queue's warnings and errors (a job that failed and will be tried again) as one line
    on stderr, with the exception's message but no traceback."""

    def format(self, record: logging.LogRecord) -> str:
        text = f"mailcheck: worker: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            text += f": {type(error).__name__}: {error}"
        return " ".join(text.split())


def _say_in_one_line() -> None:
    logger = logging.getLogger("procrastinate")
    if not any(isinstance(h.formatter, _OneLine) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(_OneLine())
        handler.setLevel(logging.WARNING)
        logger.addHandler(handler)
        logger.propagate = False


class _Serving:
    """One worker process: procrastinate's worker, run again and again when `until_done`, and
    the putting back of the jobs of workers that stopped sending heartbeats."""

    def __init__(self, app: Any, options: WorkerOptions) -> None:
        self.app = app
        self.options = options
        self.stop = asyncio.Event()
        self.worker: Any = None

    def stop_now(self) -> None:
        self.stop.set()
        if self.worker is not None:
            self.worker.stop()  # the job being run is finished and recorded first

    def new_worker(self, wait: bool) -> Any:
        from procrastinate.worker import Worker

        stalled = self.options.stalled_after
        self.worker = Worker(
            self.app,
            queues=[QUEUE],
            wait=wait,
            install_signal_handlers=False,
            update_heartbeat_interval=stalled / 3,
            stalled_worker_timeout=stalled,
            fetch_job_polling_interval=self.options.poll,
            delete_jobs="successful",
            concurrency=self.options.jobs,
        )
        return self.worker

    async def put_back_stalled(self) -> int:
        manager = self.app.job_manager
        stalled = await manager.get_stalled_jobs(
            queue=QUEUE, seconds_since_heartbeat=self.options.stalled_after
        )
        for job in stalled:
            await manager.retry_job(job)
        return len(stalled)

    async def unfinished(self) -> int:
        row = await self.app.connector.execute_query_one_async(
            "SELECT count(*) AS n FROM procrastinate_jobs"
            " WHERE queue_name = %(queue)s AND status IN ('todo', 'doing')",
            queue=QUEUE,
        )
        return int(row["n"])

    async def until_done(self) -> None:
        while not self.stop.is_set():
            await self.put_back_stalled()
            await self.new_worker(wait=False).run()
            if self.stop.is_set() or not await self.unfinished():
                return
            # others still run jobs: one of them may die and leave its job
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), self.options.poll)

    async def forever(self) -> None:
        async def put_back() -> None:
            while not self.stop.is_set():
                await self.put_back_stalled()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop.wait(), self.options.stalled_after / 3)

        keeper = asyncio.create_task(put_back())
        try:
            await self.new_worker(wait=True).run()
        finally:
            self.stop.set()
            await keeper


async def _serve(location: PostgresUrl, handler: Handler, options: WorkerOptions) -> None:
    app = _app(location, handler)
    async with app.open_async():
        serving = _Serving(app, options)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, serving.stop_now)
        try:
            await (serving.until_done() if options.until_done else serving.forever())
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
