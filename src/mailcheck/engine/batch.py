"""Batches: many sheets or domains in one run, streamed as they finish, on every core that pays.

A batch is `mailcheck check` with many sheets, `mailcheck domain --from-file`, or the sheets
`mailcheck recheck` checks against one DNS source (`check_sheets`). Its items are checked a
bounded number at a time through one resolver, so every (name, type) shared by several items
(an ESP's SPF include tree, a shared MX host, a DKIM CNAME target) is asked once; each item is
checked in a scope of the resolver's cache, so the answers only it needed are let go when it
is done (`mailcheck.dnsclient.cache`). With `--format jsonl` each item's findings are written and
flushed as soon as it is done and then dropped: only the counts per status stay, for the
summary and the exit code.

Parsing DNS responses costs CPU (dnspython takes a good part of a millisecond per answer), so a
large batch (`WORKER_THRESHOLD` items or more) is split across worker processes, one per core
up to `MAX_AUTO_WORKERS` (`--workers N` chooses; see `mailcheck.engine.workers`). Items are grouped
by organisational domain, so the names a customer's domains share are asked by one worker;
each worker has its own resolver, and claims a name outside the item's own domains (the
provider's include tree) from the parent before asking it, so that no two ask the same.
`--concurrency` is divided among the processes. Workers send each item's findings to the
parent as soon as it is done; the parent hands them on (`Batch.check`), so an item's lines
stay together. How a batch's report is written is the commands' business
(`mailcheck.commands._batch`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace

from mailcheck.core.defaults import MAX_AUTO_WORKERS, WORKER_THRESHOLD
from mailcheck.engine.batchitems import Done, OnDone, built_sheets, check_in_process
from mailcheck.engine.checker import Tick
from mailcheck.engine.domainfile import ItemSource
from mailcheck.engine.runner import CheckedSheet
from mailcheck.engine.settings import RunLimits, RunSettings
from mailcheck.rules.base import Rule
from mailcheck.sheet.model import LoadedSheet


def worker_count(limits: RunLimits, items: int) -> int:
    """Worker processes for a batch of `items`; 1: none, the batch is checked in this process.
    Each worker needs a question in flight of its own, so `--concurrency` caps them:
    `--concurrency 1` checks in one process."""
    if limits.workers is not None:
        wanted = min(limits.workers, items)
    elif items < WORKER_THRESHOLD:
        return 1
    else:
        wanted = min(MAX_AUTO_WORKERS, os.cpu_count() or 1)
    workers = min(wanted, limits.concurrency)
    return workers if workers >= 2 else 1


def check_sheets(
    sheets: Sequence[LoadedSheet],
    rules: Sequence[Rule],
    settings: RunSettings,
    on_done: Callable[[CheckedSheet], None] | None = None,
    tick: Tick | None = None,
) -> list[CheckedSheet]:
    """Check loaded sheets as a batch — in worker processes when there are many (see
    `worker_count`), else in this process — and return them in the order given. `on_done`
    runs here for each sheet as soon as it is done, wherever it was checked; `tick` is told
    of the work done (`Batch.check`)."""
    batch = Batch.of_sheets(sheets, rules, settings)

    def keep(done: Done) -> None:
        batch.kept.append(done)
        if on_done is not None:
            on_done(batch.checked(done))

    batch.check(keep, tick=tick)
    return batch.checked_sheets()


class Batch:
    """The items of one run (sheets, or the lines of a domain list), checked chunk by chunk."""

    def __init__(
        self,
        chunks: Iterable[Sequence[ItemSource]],
        rule_ids: tuple[str, ...],
        settings: RunSettings,
        sheets: Sequence[LoadedSheet] | None = None,
        size: int | None = None,
    ) -> None:
        self.settings = settings
        self.chunks = chunks  # checked one after the other; items numbered across them
        self.rule_ids = rule_ids
        self.sheets = sheets
        self.kept: list[Done] = []
        """The items kept by whoever handed them on (`check`'s `on_done`), for the store."""
        self.dns = settings.dns.source
        self.size = len(sheets) if size is None and sheets is not None else size
        """The number of items, when known before they are checked."""

    @property
    def units(self) -> int | None:
        """The batch's work in the units `check`'s `tick` counts: a rule on an item."""
        return None if self.size is None else self.size * len(self.rule_ids)

    @classmethod
    def of_sheets(
        cls, sheets: Sequence[LoadedSheet], rules: Sequence[Rule], settings: RunSettings
    ) -> Batch:
        sources: list[ItemSource] = [sheet.path for sheet in sheets]
        return cls([sources], tuple(rule.id for rule in rules), settings, sheets=sheets)

    def checked(self, done: Done) -> CheckedSheet:
        """A checked item of a batch of sheets, as the store records it."""
        assert self.sheets is not None
        sheet = self.sheets[done.index]
        return CheckedSheet(
            sheet,
            done.findings,
            done.checked_at,
            self.dns,
            done.compliance,
            done.plan,
            queries=done.queries,
        )

    def checked_sheets(self) -> list[CheckedSheet]:
        """The kept items of a batch of sheets, in the order of the input."""
        return [self.checked(done) for done in sorted(self.kept, key=lambda done: done.index)]

    def check(self, on_done: OnDone, *, render: bool = False, tick: Tick | None = None) -> None:
        """Check every item; with `render`, workers send JSON Lines instead of findings.
        `tick` is told of the work done (`units`): of each rule on an item checked here, of
        all of an item's rules at once when a worker process reports it done."""
        offset = 0
        for chunk in self.chunks:
            self._check_chunk(chunk, _shifted(on_done, offset), render, tick)
            offset += len(chunk)

    def _check_chunk(
        self, sources: Sequence[ItemSource], on_done: OnDone, render: bool, tick: Tick | None
    ) -> None:
        workers = worker_count(self.settings.limits, len(sources))
        if workers > 1:
            from mailcheck.engine.workers import check_in_workers

            sheets = self.sheets
            check_in_workers(
                sources,
                self.rule_ids,
                self.settings,
                workers,
                _ticking(on_done, tick, len(self.rule_ids)),
                render=render,
                local=None if sheets is None else sheets.__getitem__,
            )
        else:
            items = self._by_customer(sources)
            check_in_process(items, self.rule_ids, self.settings, on_done, tick=tick)

    def _by_customer(self, sources: Sequence[ItemSource]) -> Iterator[tuple[int, LoadedSheet]]:
        """The items, a customer's one after the other (`mailcheck.engine.grouping`), else in input
        order: the names within the customer's domains are asked once, then let go."""
        from mailcheck.engine.grouping import groups

        sheets = self.sheets
        order = groups(sources, sheets.__getitem__ if sheets else None, largest_first=False)
        items = ((index, source) for group in order for index, source in group)
        return built_sheets(items, sheets.__getitem__ if sheets else None)


def _ticking(on_done: OnDone, tick: Tick | None, units: int) -> OnDone:
    """`on_done`, telling `tick` of an item's `units` as well."""
    if tick is None:
        return on_done

    def done_and_tick(done: Done) -> None:
        on_done(done)
        tick(units)

    return done_and_tick


def _shifted(on_done: OnDone, offset: int) -> OnDone:
    """`on_done` for a chunk whose first item is the batch's item `offset`."""
    if not offset:
        return on_done
    return lambda done: on_done(replace(done, index=done.index + offset))
