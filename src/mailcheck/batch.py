"""Batches: many sheets or domains in one run, streamed as they finish, on every core that pays.

A batch is `mailcheck check` with many sheets or `mailcheck domain --from-file`. Its items are
checked a bounded number at a time through one resolver, so every (name, type) shared by
several items (an ESP's SPF include tree, a shared MX host, a DKIM CNAME target) is asked
once. With `--format jsonl` each item's findings are written and flushed as soon as it is
done and then dropped: only the counts per status stay, for the summary and the exit code.

Parsing DNS responses costs CPU (dnspython takes a good part of a millisecond per answer), so a
large batch (`WORKER_THRESHOLD` items or more) is split across worker processes, one per core
up to `MAX_AUTO_WORKERS` (`--workers N` chooses). Items are sharded by organisational domain,
so the names a customer's domains share stay in one worker; each worker has its own resolver,
and a name shared across shards (the provider's include tree) is asked at most once per
worker. `--concurrency` is divided among the workers. Workers send each item's findings to
the parent as soon as it is done; the parent writes them, so an item's lines stay together.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import queue
import sys
import traceback
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from mailcheck.domainfile import DomainLine
from mailcheck.engine import check_sheet
from mailcheck.errors import InputError
from mailcheck.findings import Finding, Tally
from mailcheck.output import Format
from mailcheck.rules import REGISTRY
from mailcheck.rules.base import Rule
from mailcheck.runner import (
    MAX_SHEETS_AT_ONCE,
    CheckedSheet,
    RunOptions,
    build_context,
    now,
    record_run,
    today_of,
    write_report,
)
from mailcheck.sheet import LoadedSheet, load_sheet

WORKER_THRESHOLD = 200  # items from which a second process pays for its start (~0.5 s)
MAX_AUTO_WORKERS = 2

Source = Path | DomainLine
"""What a worker process rebuilds an item from: a sheet's path or a line of a domain list."""


@dataclass(frozen=True)
class Done:
    """One item checked: its place in the batch and its findings."""

    index: int
    findings: list[Finding]
    checked_at: dt.datetime


OnDone = Callable[[Done], None]


def worker_count(options: RunOptions, items: int) -> int:
    if options.workers is not None:
        return max(1, min(options.workers, items))
    if items < WORKER_THRESHOLD:
        return 1
    return max(1, min(MAX_AUTO_WORKERS, os.cpu_count() or 1))


def wanted(options: RunOptions, items: int) -> bool:
    """Whether a run of `items` sheets goes through the batch path: streamed or in workers."""
    return options.fmt is Format.JSONL or worker_count(options, items) > 1


def items_at_once(concurrency: int) -> int:
    """Items checked at once: enough to keep `concurrency` questions in flight (an item asks a
    handful at a time), never fewer than the runner's own bound."""
    return max(MAX_SHEETS_AT_ONCE, concurrency // 2)


# --- the commands ------------------------------------------------------------------------------


def run_sheets(sheets: Sequence[LoadedSheet], options: RunOptions) -> int:
    """`mailcheck check` on a batch of loaded sheets; with a store, the run is recorded."""
    sources: list[Source] = [sheet.path for sheet in sheets]
    batch = _Batch(sources, tuple(REGISTRY), options, sheets=sheets)
    if options.db is None:
        return batch.run()
    from mailcheck.state import Store, exclusive

    with exclusive(options.db), Store.open(options.db) as store:
        started = now()
        code = batch.run(keep=True)
        results = [CheckedSheet(sheets[d.index], d.findings, d.checked_at) for d in batch.kept]
        record_run(store, "check", started, results, options)
    return code


def run_domains(lines: Sequence[DomainLine], rule_ids: Sequence[str], options: RunOptions) -> int:
    """`mailcheck domain --from-file`: the DNS rules for every domain of the list."""
    return _Batch(list(lines), tuple(rule_ids), options).run()


# --- one batch ---------------------------------------------------------------------------------


class _Batch:
    def __init__(
        self,
        sources: Sequence[Source],
        rule_ids: tuple[str, ...],
        options: RunOptions,
        sheets: Sequence[LoadedSheet] | None = None,
    ) -> None:
        # every worker and every finding agree on one date, even across midnight
        self.options = replace(options, today=today_of(options))
        self.sources = sources
        self.rule_ids = rule_ids
        self.sheets = sheets
        self.kept: list[Done] = []

    def run(self, *, keep: bool = False) -> int:
        options = self.options
        if options.fmt is not Format.JSONL:
            self._check(self.kept.append)
            self.kept.sort(key=lambda done: done.index)  # the order of the input, as without
            findings = [f for done in self.kept for f in done.findings]
            return write_report(findings, today_of(options), options)
        tally = Tally()
        with _open_output(options.output) as stream:

            def write(done: Done) -> None:
                from mailcheck.output.jsonl import write_findings

                write_findings(done.findings, stream)
                tally.add(done.findings)
                if keep:
                    self.kept.append(done)

            self._check(write)
            from mailcheck.output.jsonl import summary_line

            code = int(tally.exit_code(strict=options.strict))
            stream.write(summary_line(today_of(options).isoformat(), tally.summary, code))
        counts = ", ".join(f"{n} {status}" for status, n in tally.summary.items())
        print(f"mailcheck: {counts}; exit code {code}", file=sys.stderr)
        return code

    def _check(self, on_done: OnDone) -> None:
        workers = worker_count(self.options, len(self.sources))
        if workers > 1:
            check_in_workers(self.sources, self.rule_ids, self.options, workers, on_done)
        elif self.sheets is not None:
            check_in_process(enumerate(self.sheets), self.rule_ids, self.options, on_done)
        else:
            check_in_process(_built(enumerate(self.sources)), self.rule_ids, self.options, on_done)


def _open_output(path: Path | None) -> AbstractContextManager[TextIO]:
    if path is None:
        return nullcontext(sys.stdout)
    try:
        return path.open("w", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write report: {exc.strerror}", file=str(path)) from None


def build_sheet(source: Source) -> LoadedSheet:
    if isinstance(source, Path):
        return load_sheet(source)
    from mailcheck.domaincheck import domain_sheet

    return domain_sheet(source.domain, source.selectors, source.mail_from)


def _built(sources: Iterable[tuple[int, Source]]) -> Iterator[tuple[int, LoadedSheet]]:
    """Sheets built as they are needed, so a long list never exists as sheets all at once."""
    return ((index, build_sheet(source)) for index, source in sources)


# --- in this process ---------------------------------------------------------------------------


def check_in_process(
    items: Iterable[tuple[int, LoadedSheet]],
    rule_ids: Sequence[str],
    options: RunOptions,
    on_done: OnDone,
) -> None:
    ctx = build_context(options)
    rules = [REGISTRY[rule_id] for rule_id in rule_ids]
    asyncio.run(_stream(iter(items), rules, ctx, on_done, items_at_once(options.concurrency)))


async def _stream(
    items: Iterator[tuple[int, LoadedSheet]],
    rules: Sequence[Rule],
    ctx: object,
    on_done: OnDone,
    at_once: int,
) -> None:
    """A fixed number of lanes, each taking the next item when its last one is done: no task
    per item waits in memory, and finished items are handed on at once."""
    from mailcheck.context import Context

    assert isinstance(ctx, Context)

    async def lane() -> None:
        for index, sheet in items:  # one shared iterator: every item is taken once
            on_done(Done(index, await check_sheet(sheet, rules, ctx), now()))

    await asyncio.gather(*(lane() for _ in range(at_once)))


# --- in worker processes -----------------------------------------------------------------------


def shards(sources: Sequence[Source], count: int) -> list[list[tuple[int, Source]]]:
    """Items grouped by organisational domain, groups dealt to the least loaded shard (largest
    first), each shard in the order of the input."""
    groups: dict[str, list[tuple[int, Source]]] = {}
    for index, source in enumerate(sources):
        groups.setdefault(_shard_key(source), []).append((index, source))
    dealt: list[list[tuple[int, Source]]] = [[] for _ in range(count)]
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), zlib.crc32(kv[0].encode())))
    for _key, group in ordered:
        min(dealt, key=len).extend(group)
    return [sorted(shard, key=lambda item: item[0]) for shard in dealt if shard]


def _shard_key(source: Source) -> str:
    from mailcheck.dmarc import organisational_domain

    if isinstance(source, DomainLine):
        return organisational_domain(source.domain)
    return str(source)


def check_in_workers(
    sources: Sequence[Source],
    rule_ids: Sequence[str],
    options: RunOptions,
    workers: int,
    on_done: OnDone,
) -> None:
    """Check the sources in `workers` spawned processes; `on_done` runs here, in the parent."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # no inherited threads or event loop
    results = context.Queue()
    share = replace(options, concurrency=max(1, options.concurrency // workers), workers=1)
    parts = shards(sources, workers)
    processes = [
        context.Process(target=_worker, args=(part, tuple(rule_ids), share, results), daemon=True)
        for part in parts
    ]
    for process in processes:
        process.start()
    missing = {index for part in parts for index, _ in part}
    try:
        _collect(results, processes, missing, on_done)
    finally:
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
    if missing:  # a worker died: its unfinished items are checked here
        print(f"mailcheck: a worker process failed; checking {len(missing)} item(s) again", file=sys.stderr)
        leftover = _built((index, sources[index]) for index in sorted(missing))
        check_in_process(leftover, rule_ids, replace(share, concurrency=options.concurrency), on_done)


def _collect(
    results: object, processes: list[object], missing: set[int], on_done: OnDone
) -> None:
    import multiprocessing.process

    running = len(processes)
    while running:
        try:
            message = results.get(timeout=0.5)  # type: ignore[attr-defined]
        except queue.Empty:
            alive = [p for p in processes if p.is_alive()]  # type: ignore[attr-defined]
            if len(alive) < running and results.empty():  # type: ignore[attr-defined]
                running = len(alive)
            continue
        kind = message[0]
        if kind == "done":
            _, index, findings, checked_at = message
            missing.discard(index)
            on_done(Done(index, findings, checked_at))
        elif kind == "failed":
            print(f"mailcheck: worker process failed:\n{message[1]}", file=sys.stderr)
            running -= 1
        else:  # "end"
            running -= 1
    del multiprocessing.process


def _worker(
    part: list[tuple[int, Source]], rule_ids: tuple[str, ...], options: RunOptions, results: object
) -> None:
    """A worker process: check its shard, sending each item's findings as soon as it is done."""

    def send(done: Done) -> None:
        results.put(("done", done.index, done.findings, done.checked_at))  # type: ignore[attr-defined]

    try:
        check_in_process(_built(part), rule_ids, options, send)
    except BaseException:
        results.put(("failed", traceback.format_exc()))  # type: ignore[attr-defined]
        raise
    results.put(("end",))  # type: ignore[attr-defined]
