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
parent as soon as it is done; the parent writes them, so an item's lines stay together.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from mailcheck.core.compliance import ProfileVerdict, Verdict, verdict_counts, with_compliance
from mailcheck.core.defaults import MAX_AUTO_WORKERS, WORKER_THRESHOLD
from mailcheck.core.errors import InputError
from mailcheck.core.findings import Tally
from mailcheck.core.report import Note, Report
from mailcheck.engine.batchitems import Done, OnDone, built_sheets, check_in_process
from mailcheck.engine.domainfile import DomainLine, Source
from mailcheck.engine.runner import (
    CheckedSheet,
    RunOptions,
    announce,
    announce_deadline,
    now,
    record_run,
    today_of,
    write_report,
)
from mailcheck.engine.selection import select_rules
from mailcheck.output import Format
from mailcheck.rules import REGISTRY
from mailcheck.sheet.model import LoadedSheet
from mailcheck.state import DnsSource


def worker_count(options: RunOptions, items: int) -> int:
    """Worker processes for a batch of `items`; 1: none, the batch is checked in this process.
    Each worker needs a question in flight of its own, so `--concurrency` caps them:
    `--concurrency 1` checks in one process."""
    if options.workers is not None:
        wanted = min(options.workers, items)
    elif items < WORKER_THRESHOLD:
        return 1
    else:
        wanted = min(MAX_AUTO_WORKERS, os.cpu_count() or 1)
    workers = min(wanted, options.concurrency)
    return workers if workers >= 2 else 1


def wanted(options: RunOptions, items: int) -> bool:
    """Whether a run of `items` sheets goes through the batch path: streamed or in workers."""
    return options.fmt is Format.JSONL or worker_count(options, items) > 1


# --- the commands ------------------------------------------------------------------------------


def run_sheets(sheets: Sequence[LoadedSheet], options: RunOptions) -> int:
    """`mailcheck check` on a batch of loaded sheets; with a store, the run is recorded."""
    batch = _sheet_batch(sheets, options)
    if options.db is None:
        return batch.run()
    from mailcheck.state import Store, exclusive

    with exclusive(options.db), Store.open(options.db) as store:
        started = now()

        def commit() -> None:
            record_run(store, "check", started, batch.checked_sheets(), batch.options)

        return batch.run(keep=True, before_report=commit)


def check_sheets(
    sheets: Sequence[LoadedSheet],
    options: RunOptions,
    on_done: Callable[[CheckedSheet], None] | None = None,
) -> list[CheckedSheet]:
    """Check loaded sheets as a batch — in worker processes when there are many (see
    `worker_count`), else in this process — and return them in the order given. `on_done`
    runs here for each sheet as soon as it is done, wherever it was checked."""
    batch = _sheet_batch(sheets, options)

    def keep(done: Done) -> None:
        batch.kept.append(done)
        if on_done is not None:
            on_done(batch.checked(done))

    batch.check(keep)
    return batch.checked_sheets()


def _sheet_batch(sheets: Sequence[LoadedSheet], options: RunOptions) -> _Batch:
    rules = select_rules(REGISTRY, options.select, options.ignore)
    sources: list[Source] = [sheet.path for sheet in sheets]
    return _Batch([sources], tuple(rule.id for rule in rules), options, sheets=sheets)


def run_domains(
    chunks: Iterable[Sequence[DomainLine]], rule_ids: Sequence[str], options: RunOptions
) -> int:
    """`mailcheck domain --from-file`: the DNS rules for every domain of the list, checked one
    chunk after the other (`DomainList.chunks`), so a long list is never in memory whole."""
    return _Batch(chunks, tuple(rule_ids), options).run()


# --- one batch ---------------------------------------------------------------------------------


class _Batch:
    def __init__(
        self,
        chunks: Iterable[Sequence[Source]],
        rule_ids: tuple[str, ...],
        options: RunOptions,
        sheets: Sequence[LoadedSheet] | None = None,
    ) -> None:
        # every worker and every finding agree on one date, even across midnight
        self.options = replace(options, today=today_of(options))
        self.chunks = chunks  # checked one after the other; items numbered across them
        self.rule_ids = rule_ids
        self.sheets = sheets
        self.kept: list[Done] = []
        self.dns = DnsSource.of(options.zones, options.nameservers)

    def run(self, *, keep: bool = False, before_report: Callable[[], None] | None = None) -> int:
        """Check, write the report, return the exit code; with `keep`, `kept` holds every
        item's findings afterwards (the store records them). `before_report` runs once every
        item is checked and before the report goes out (the store's commit: a report is never
        written for a run that could not be recorded); streamed, before its closing line."""
        if self.options.fmt is Format.JSONL:
            return self._run_streamed(keep, before_report)
        self.check(self.kept.append)
        self.kept.sort(key=lambda done: done.index)  # the order of the input, as without
        if before_report is not None:
            before_report()
        findings = [f for done in self.kept for f in done.findings]
        notes = [note for done in self.kept for note in done.notes]
        compliance = [verdict for done in self.kept for verdict in done.compliance]
        today = today_of(self.options)
        return write_report(findings, today, self.options, notes=notes, compliance=compliance)

    def _run_streamed(self, keep: bool, before_report: Callable[[], None] | None) -> int:
        """`--format jsonl`: each item's lines are written as soon as it is done, and what
        needs attention is announced on stderr then (GitHub annotations under Actions)."""
        from mailcheck.output.github import running_on_github
        from mailcheck.output.jsonl import summary_line, write_compliance, write_findings

        options, today = self.options, today_of(self.options)
        tally, notes = Tally(), list[Note]()
        judged = _Judged()
        with _open_output(options.output) as stream:

            def write(done: Done) -> None:
                if done.rendered is not None:
                    stream.write(done.rendered)
                    tally.add_statuses(done.statuses)
                else:
                    write_findings(done.findings, stream)
                    tally.add(done.findings)
                write_compliance(done.compliance, stream)
                stream.flush()
                judged.add(done.compliance)
                if keep:
                    self.kept.append(done)
                item = Report(tuple(done.findings), today, notes=done.notes)
                announce(replace(item, compliance=done.compliance))
                notes.extend(done.notes)

            # annotating needs the findings themselves, not the workers' text
            self.check(write, render=not keep and not running_on_github())
            code = int(with_compliance(tally.exit_code(strict=options.strict), judged.verdicts))
            if before_report is not None:
                before_report()
            compliance = judged.counts if judged.any else None
            stream.write(summary_line(today.isoformat(), tally.summary, code, notes, compliance))
        counts = ", ".join(f"{n} {status}" for status, n in tally.summary.items())
        print(f"mailcheck: {counts}{judged.summary()}; exit code {code}", file=sys.stderr)
        announce_deadline(options)
        return code

    def checked(self, done: Done) -> CheckedSheet:
        """A checked item of a batch of sheets, as the store records it."""
        assert self.sheets is not None
        sheet = self.sheets[done.index]
        return CheckedSheet(sheet, done.findings, done.checked_at, self.dns, done.compliance)

    def checked_sheets(self) -> list[CheckedSheet]:
        """The kept items of a batch of sheets, in the order of the input."""
        return [self.checked(done) for done in sorted(self.kept, key=lambda done: done.index)]

    def check(self, on_done: OnDone, *, render: bool = False) -> None:
        """Check every item; with `render`, workers send JSON Lines instead of findings."""
        offset = 0
        for chunk in self.chunks:
            self._check_chunk(chunk, _shifted(on_done, offset), render)
            offset += len(chunk)

    def _check_chunk(self, sources: Sequence[Source], on_done: OnDone, render: bool) -> None:
        workers = worker_count(self.options, len(sources))
        if workers > 1:
            from mailcheck.engine.workers import check_in_workers

            sheets = self.sheets
            check_in_workers(
                sources,
                self.rule_ids,
                self.options,
                workers,
                on_done,
                render=render,
                local=None if sheets is None else sheets.__getitem__,
            )
        else:
            check_in_process(self._by_customer(sources), self.rule_ids, self.options, on_done)

    def _by_customer(self, sources: Sequence[Source]) -> Iterator[tuple[int, LoadedSheet]]:
        """The items, a customer's one after the other (`mailcheck.engine.grouping`), else in input
        order: the names within the customer's domains are asked once, then let go."""
        from mailcheck.engine.grouping import groups

        sheets = self.sheets
        order = groups(sources, sheets.__getitem__ if sheets else None, largest_first=False)
        items = ((index, source) for group in order for index, source in group)
        return built_sheets(items, sheets.__getitem__ if sheets else None)


class _Judged:
    """The requirement verdicts of a streamed batch, counted as items go by (the verdicts
    themselves are written and let go, like the findings)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.any = False

    def add(self, results: Sequence[ProfileVerdict]) -> None:
        if results:
            self.any = True
        for verdict, count in verdict_counts(results).items():
            self.counts[verdict] = self.counts.get(verdict, 0) + count

    @property
    def verdicts(self) -> set[Verdict]:
        return {Verdict(verdict) for verdict, count in self.counts.items() if count}

    def summary(self) -> str:
        """The counts for the line on stderr ("" when no profile was judged)."""
        if not self.any:
            return ""
        return "; requirements: " + ", ".join(
            f"{n} {Verdict(v).label}" for v, n in self.counts.items()
        )


def _shifted(on_done: OnDone, offset: int) -> OnDone:
    """`on_done` for a chunk whose first item is the batch's item `offset`."""
    if not offset:
        return on_done
    return lambda done: on_done(replace(done, index=done.index + offset))


def _open_output(path: Path | None) -> AbstractContextManager[TextIO]:
    if path is None:
        return nullcontext(sys.stdout)
    try:
        return path.open("w", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write report: {exc.strerror}", file=str(path)) from None
