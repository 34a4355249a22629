"""The items of a batch checked in one process: the parent's, or each worker's
(`mailcheck.engine.workers`), a bounded number at a time through one resolver
(see `mailcheck.engine.batch`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from mailcheck.core.changeset import Plan
from mailcheck.core.compliance import ProfileName, ProfileVerdict
from mailcheck.core.findings import Finding
from mailcheck.core.memo import RunMemo
from mailcheck.core.report import Note
from mailcheck.engine.checker import Tick, load_sheet_for_rules
from mailcheck.engine.domainfile import ItemSource
from mailcheck.engine.domainsheet import domain_sheet
from mailcheck.engine.grouping import own_domains
from mailcheck.engine.profile_verdicts import judge_sheet
from mailcheck.engine.runner import (
    MAX_SHEETS_AT_ONCE,
    build_context,
    check_located_and_plan,
    now,
    sheet_notes,
)
from mailcheck.engine.settings import RunSettings
from mailcheck.rules import REGISTRY
from mailcheck.rules.base import Rule
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet


@dataclass(frozen=True)
class Done:
    """One item checked: its place in the batch and its findings."""

    index: int
    findings: list[Finding]
    checked_at: dt.datetime
    rendered: str | None = None
    """The findings already written as JSON Lines by a worker process (`findings` is then
    empty and `statuses` counts them), so the parent only copies text."""
    statuses: tuple[str, ...] = ()
    notes: tuple[Note, ...] = ()
    """Exemptions of the item's sheet that matched no finding."""
    compliance: tuple[ProfileVerdict, ...] = ()
    """The item's profiles (the run's and its sheet's own), judged from its findings."""
    domain: str | None = None
    """The domain of a domain list's line, in ASCII (None for a sheet file)."""
    plan: Plan | None = None
    """The item's change set (None when a worker sent its findings as JSON Lines)."""
    queries: int = 0
    """DNS queries its process sent since the item before it was done: summed over a batch,
    the batch's queries (for `--metrics`)."""


OnDone = Callable[[Done], None]
BATCH_GC_THRESHOLDS = (500_000, 20, 20)


def items_at_once(concurrency: int) -> int:
    """Items checked at once: twice `concurrency`, never fewer than the runner's own bound. An
    item waits for an answer most of its time, asking a question or two at a time, so many more
    items than questions keep the questions in flight and each round of the event loop full
    (measured on 1,000 domains: about a tenth faster than half as many items as questions)."""
    return max(MAX_SHEETS_AT_ONCE, 2 * concurrency)


def build_sheet(source: ItemSource) -> LoadedSheet:
    if isinstance(source, Path):
        return load_sheet_for_rules(source)
    return domain_sheet(source.domain, source.selectors, source.mail_from)


def built_sheets(
    sources: Iterable[tuple[int, ItemSource]], loaded: Callable[[int], LoadedSheet] | None = None
) -> Iterator[tuple[int, LoadedSheet]]:
    """Each item's sheet: the one `loaded` already (by the item's index), else built from its
    source as it is needed, so a long list never exists as sheets all at once."""
    if loaded is not None:
        return ((index, loaded(index)) for index, _source in sources)
    return ((index, build_sheet(source)) for index, source in sources)


def check_in_process(
    items: Iterable[tuple[int, LoadedSheet]],
    rule_ids: Sequence[str],
    settings: RunSettings,
    on_done: OnDone,
    ctx: Context | None = None,
    tick: Tick | None = None,
) -> None:
    """Check `items` in this process, through one resolver (`ctx`'s, else a new one); `tick`
    is told of each rule done on an item."""
    ctx = ctx or build_context(settings)
    rules = [REGISTRY[rule_id] for rule_id in rule_ids]
    at_once = items_at_once(settings.limits.concurrency)
    with fewer_collections():
        asyncio.run(_stream(iter(items), rules, ctx, on_done, at_once, settings.profiles, tick))


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect cyclic garbage less often while a batch runs.

    A batch makes many short-lived objects and keeps thousands of DNS answers; with the
    default thresholds the collector scans that cache again and again, a quarter of the time of
    10,000 domains. Objects that exist before the batch (the imported modules) are frozen out of
    its sight and young collections wait for 500,000 new objects instead of 700: the garbage
    still goes, a little later, and memory stays the same (measured: 1,000 domains took 6-8 %
    less CPU than with 50,000, at the same peak RSS; most objects are freed by their reference
    counts, only cycles wait for the collector).
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*BATCH_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


async def _stream(
    items: Iterator[tuple[int, LoadedSheet]],
    rules: Sequence[Rule],
    ctx: Context,
    on_done: OnDone,
    at_once: int,
    profiles: Sequence[ProfileName] = (),
    tick: Tick | None = None,
) -> None:
    """A fixed number of lanes, each taking the next item when its last one is done: no task
    per item waits in memory, and finished items are handed on at once."""
    rules_run = frozenset(rule.id for rule in rules)
    reported = [ctx.dns.queries_sent]

    def sent() -> int:
        """The queries sent since the last item was done."""
        total = ctx.dns.queries_sent
        since, reported[0] = total - reported[0], total
        return since

    async def lane() -> None:
        for index, sheet in items:  # one shared iterator: every item is taken once
            # a memo of its own per item, dropped with it: derived results (SPF trees) are
            # cheap to derive again from the resolver's cache, and would grow with the batch
            own = replace(ctx, memo=RunMemo())
            with ctx.dns.cache.scope(own_domains(sheet.sheet)):
                findings, plan = await check_located_and_plan(sheet, rules, own, tick)
            notes = tuple(sheet_notes(sheet, findings))
            compliance = judge_sheet(sheet, findings, rules_run, profiles)
            domain = None if sheet.from_file else sheet.display
            done = Done(index, findings, now(), notes=notes, compliance=compliance, domain=domain)
            on_done(replace(done, plan=plan, queries=sent()))

    await asyncio.gather(*(lane() for _ in range(at_once)))
