"""Worker processes for a large batch (see `mailcheck.engine.batch`).

On Linux the workers are forked from the parent once it has read its input and imported all a
worker needs (`mailcheck.engine.warmup`): they start at once, share those pages, and no process
imports anything twice. Nothing else runs in the parent when it forks (no thread, no event
loop), so nothing half-done is copied. Elsewhere they are spawned and import for themselves. The
parent puts the items, grouped by customer (`mailcheck.engine.grouping`), on a queue; each
worker takes group after group until none is left, so the workers finish together even when one
of them gets less of the CPU. Each worker sends the findings of every item as soon as it is
done; the parent hands them on in the order they arrive. Names outside the items' own domains
are claimed from the parent before a worker asks them (`mailcheck.dnsclient.exchange`), so no
two workers ask the same one. A worker that dies leaves its unfinished items to the parent,
which checks them itself."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import queue
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from multiprocessing.context import ForkContext, SpawnContext
from multiprocessing.queues import Queue
from typing import TYPE_CHECKING, Any

from mailcheck.core.errors import printable

if TYPE_CHECKING:
    from mailcheck.dnsclient.exchange import Reply
    from mailcheck.engine.batchitems import Done, OnDone
    from mailcheck.engine.domainfile import ItemSource
    from mailcheck.engine.settings import RunSettings
    from mailcheck.sheet.model import LoadedSheet

POLL = 0.5  # seconds between checks that the workers still live
TAKE_WAIT = 5.0  # seconds a worker waits to take more work before it stops


def _context() -> ForkContext | SpawnContext:
    if sys.platform == "linux":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")  # macOS: fork is unsafe there; Windows: none


@dataclass(frozen=True)
class _Job:
    """What a worker gets: its number and how to check the items it takes."""

    number: int
    rule_ids: tuple[str, ...]
    settings: RunSettings
    render: bool
    cwd: str  # the parent's: sheets, samples and zone files may be given relative to it


def check_in_workers(
    sources: Sequence[ItemSource],
    rule_ids: Sequence[str],
    settings: RunSettings,
    workers: int,
    on_done: OnDone,
    *,
    render: bool = False,
    local: Callable[[int], LoadedSheet] | None = None,
) -> None:
    """Check `sources` in `workers` processes; `on_done` runs here, in the parent. With
    `render` the workers send each item's findings as JSON Lines, written in the parent as
    they are: the parent's share of the work is then copying text. The items of a worker that
    fails are checked here. `local` gives an item's sheet as the parent has it (default: built
    from its source)."""
    import mailcheck.engine.warmup  # noqa: F401  (what every worker needs: forked workers inherit it)
    from mailcheck.engine.batchitems import built_sheets, check_in_process
    from mailcheck.engine.grouping import groups
    from mailcheck.engine.runner import build_context

    share = _share(settings, workers)
    ctx = build_context(share)  # a bad zone file or name server: an input error, here and now
    missing = set(range(len(sources)))

    def done_here(done: Done) -> None:
        missing.discard(done.index)
        on_done(done)

    job = _Job(0, tuple(rule_ids), share, render, os.getcwd())
    with _Pool(groups(sources, local), workers, job) as pool:
        pool.collect(done_here)
    if missing:
        print(
            f"mailcheck: checking {len(missing)} item(s) of a failed worker here", file=sys.stderr
        )
        leftover = built_sheets(((index, sources[index]) for index in sorted(missing)), local)
        check_in_process(leftover, rule_ids, share, on_done, ctx=ctx)


def _stop(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _share(settings: RunSettings, workers: int) -> RunSettings:
    """The settings of each worker (and of the parent, which checks the items of a worker that
    failed once the others are done): its part of `--concurrency`, no workers of its own."""
    limits = settings.limits
    share = replace(limits, concurrency=max(1, limits.concurrency // workers), workers=1)
    return replace(settings, limits=share)


class _Pool:
    """The worker processes of one batch, the queues between them and the parent, and the
    parent's side of their exchange of shared answers."""

    def __init__(self, work: list[list[tuple[int, ItemSource]]], workers: int, job: _Job) -> None:
        from mailcheck.dnsclient.exchange import AnswerExchange

        context = _context()
        self.results: Queue[tuple[Any, ...]] = context.Queue()
        self.replies: list[Queue[tuple[Any, ...]]] = [context.Queue() for _ in range(workers)]
        self.tasks: Queue[list[tuple[int, ItemSource]] | None] = context.Queue()
        self._work = work
        self.exchange = AnswerExchange()
        self.processes = [
            context.Process(
                target=_worker,
                args=(replace(job, number=n), self.tasks, self.results, self.replies[n]),
                daemon=True,
            )
            for n in range(workers)
        ]
        self._on_term: signal.Handlers | Callable[[int, Any], Any] | int | None = None

    def __enter__(self) -> _Pool:
        # a forked worker inherits what waits in the parent's output buffers: written once, now
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            for process in self.processes:
                process.start()
            # after the forks: putting starts the queue's feeder thread, which no worker inherits
            for group in self._work:
                self.tasks.put(group)
            for _ in self.processes:
                self.tasks.put(None)  # no more work
        except BaseException:
            self.__exit__(RuntimeError)
            raise
        # a run told to stop (cron's timeout, a cancelled CI job) stops its workers first
        if threading.current_thread() is threading.main_thread():
            self._on_term = signal.signal(signal.SIGTERM, _stop)
        return self

    def __exit__(self, failed: type[BaseException] | None, *exc: object) -> None:
        """Wait for the workers, or stop them at once if the run failed (the output closed,
        Ctrl-C); what the parent queued for them is dropped, never waited for at exit."""
        if self._on_term is not None:
            signal.signal(signal.SIGTERM, self._on_term)
        self.tasks.cancel_join_thread()
        for replies in self.replies:
            replies.cancel_join_thread()
        for process in self.processes:
            if process.pid is None:  # never started
                continue
            if failed is None:
                process.join(timeout=5)
            if process.is_alive():
                process.terminate()

    def reply(self, replies: list[Reply]) -> None:
        for worker, key, answer in replies:
            self.replies[worker].put((key, answer))

    def collect(self, on_done: OnDone) -> None:
        """Hand on each item's findings as they arrive and settle the workers' claims on shared
        names, until every worker ended or died."""
        running = set(range(len(self.processes)))
        while running:
            try:
                message = self.results.get(timeout=POLL)
            except queue.Empty:
                alive = {n for n in running if self.processes[n].is_alive()}
                for number in running - alive:
                    self.reply(self.exchange.gone(number))
                running = alive
                continue
            kind, number, *rest = message
            if kind == "claim":
                self.reply(self.exchange.claim(number, rest[0]))
            elif kind == "tell":
                self.reply(self.exchange.tell(number, rest[0], rest[1]))
            elif kind in ("done", "text"):
                on_done(_done(kind, rest))
            else:  # "end" or "failed"
                if kind == "failed":
                    failed = printable(rest[0])
                    print(f"mailcheck: a worker process failed:\n{failed}", file=sys.stderr)
                running.discard(number)
                self.reply(self.exchange.gone(number))


def _done(kind: str, rest: list[Any]) -> Done:
    from mailcheck.engine.batchitems import Done

    if kind == "done":
        index, findings, checked_at, notes, compliance, domain, plan, queries = rest
        return Done(
            index,
            findings,
            checked_at,
            notes=notes,
            compliance=compliance,
            domain=domain,
            plan=plan,
            queries=queries,
        )
    index, lines, statuses, checked_at, notes, compliance, domain, queries = rest
    return Done(
        index,
        [],
        checked_at,
        rendered=lines,
        statuses=statuses,
        notes=notes,
        compliance=compliance,
        domain=domain,
        queries=queries,
    )


def _worker(
    job: _Job,
    tasks: Queue[list[tuple[int, ItemSource]] | None],
    results: Queue[tuple[Any, ...]],
    replies: Queue[tuple[Any, ...]],
) -> None:
    """A worker: take groups of items until there are none, sending each item's findings as
    soon as it is done. Taking work as it goes keeps both workers busy to the end."""
    from mailcheck.dnsclient.exchange import ExchangeClient
    from mailcheck.engine.batchitems import built_sheets, check_in_process
    from mailcheck.engine.runner import build_context
    from mailcheck.output.jsonl import finding_line

    number = job.number

    def send(done: Done) -> None:
        if job.render:
            lines = "".join(finding_line(f, done.domain) for f in done.findings)
            statuses = tuple(f.status.value for f in done.findings)
            text = (done.index, lines, statuses, done.checked_at, done.notes, done.compliance)
            results.put(("text", number, *text, done.domain, done.queries))
        else:
            found = (done.index, done.findings, done.checked_at, done.notes, done.compliance)
            results.put(("done", number, *found, done.domain, done.plan, done.queries))

    _exit_with_parent()
    try:
        os.chdir(job.cwd)
        ctx = build_context(job.settings)
        wait = 2 * job.settings.dns.timeout + 1  # the claimant's question, retries and all
        ctx.dns.peers = ExchangeClient(number, results.put, replies, wait)
        check_in_process(built_sheets(_taken(tasks)), job.rule_ids, job.settings, send, ctx=ctx)
    except KeyboardInterrupt:  # Ctrl-C reached the whole process group: the parent reports
        os._exit(130)
    except BaseException:
        results.put(("failed", number, traceback.format_exc()))
        raise
    results.put(("end", number))


def _exit_with_parent() -> None:
    """A worker stops at once when its parent is gone (killed): nobody would read its findings,
    and its questions would go on."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch(sentinel: int) -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(1)

    threading.Thread(target=watch, args=(parent.sentinel,), daemon=True).start()


def _taken(tasks: Queue[list[tuple[int, ItemSource]] | None]) -> Iterator[tuple[int, ItemSource]]:
    """The items of the groups taken from the queue, whole groups. The queue is filled as the
    workers start, so taking never waits long; who cannot take a group in `TAKE_WAIT` seconds
    (a worker died holding the queue's lock) stops, and the parent checks what is left."""
    while True:
        try:
            group = tasks.get(timeout=TAKE_WAIT)
        except queue.Empty:
            return
        if group is None:
            tasks.put(None)  # the end of the work: left there for the others to see
            return
        yield from group
