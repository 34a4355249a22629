"""`mailcheck check`: the rules on sheets; many at once (or streamed) go through the batch.

With a store (`--db`), the whole run holds the store's lock and is recorded in one transaction
after the last sheet was checked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from mailcheck.commands._batch import report_batch
from mailcheck.commands._metrics import add_checked, finish, metrics_tally, observer
from mailcheck.commands._options import ReportOptions, Selection, in_shard
from mailcheck.commands._progress import progress
from mailcheck.commands._report import write_report
from mailcheck.commands._store import load_recorded_sheets, record_run
from mailcheck.engine.batch import Batch, worker_count
from mailcheck.engine.batchitems import Done
from mailcheck.engine.runner import (
    all_compliance,
    all_findings,
    all_milestones,
    all_plans,
    build_context,
    check_loaded,
    exemption_notes,
    load_sheets,
    now,
)
from mailcheck.engine.settings import RunSettings
from mailcheck.engine.shards import Shard, sheet_shard_key
from mailcheck.output import Format
from mailcheck.state import Store, StoreLocation, exclusive


def run_check(
    sheet_paths: Sequence[Path],
    settings: RunSettings,
    report: ReportOptions,
    selection: Selection,
    db: StoreLocation | None,
    shard: Shard | None = None,
    metrics: Path | None = None,
) -> int:
    """`db`: the state store the run is recorded in (None: not recorded); `shard`: check only
    the sheets of this shard (`mailcheck.engine.shards`); `metrics`: the file the run's
    metrics are written to."""
    tally = metrics_tally(metrics, "check")
    sheets = load_sheets(sheet_paths) if db is None else load_recorded_sheets(sheet_paths)
    sheets = in_shard(shard, sheets, sheet_shard_key, "sheet")
    if any(sheet.from_stdin for sheet in sheets):
        # a worker process could not read stdin again
        settings = replace(settings, limits=replace(settings.limits, workers=1))
    rules = selection.rules()
    if _batched(report, settings, len(sheets)):  # streamed (jsonl) or across worker processes
        batch = Batch.of_sheets(sheets, rules, settings)
        return finish(metrics, tally, _run_batch(batch, report, db, shard, observer(tally)))
    units = len(sheets) * len(rules)
    ctx = build_context(settings)
    if db is None:
        with progress("checking", units, report.color) as tick:
            results = check_loaded(sheets, rules, settings, tick=tick, ctx=ctx)
    else:
        with exclusive(db, shard), Store.open(db) as store:
            started = now()
            with progress("checking", units, report.color) as tick:
                results = check_loaded(sheets, rules, settings, tick=tick, ctx=ctx)
            record_run(store, "check", started, results, settings.today, strict=report.strict)
    add_checked(tally, results, ctx.dns.queries_sent)
    code = write_report(
        all_findings(results),
        settings,
        report,
        notes=exemption_notes(results),
        compliance=all_compliance(results),
        plans=all_plans(results),
        milestones=all_milestones(sheets),
    )
    return finish(metrics, tally, code)


def _batched(report: ReportOptions, settings: RunSettings, sheets: int) -> bool:
    """Whether `sheets` sheets go through the batch: streamed, or in worker processes."""
    return report.fmt is Format.JSONL or worker_count(settings.limits, sheets) > 1


def _run_batch(
    batch: Batch,
    report: ReportOptions,
    db: StoreLocation | None,
    shard: Shard | None,
    observe: Callable[[Done], None] | None,
) -> int:
    """The sheets as a batch; with a store, the run is recorded before the report goes out."""
    if db is None:
        return report_batch(batch, report, observe=observe)
    with exclusive(db, shard), Store.open(db) as store:
        started = now()

        def commit() -> None:
            checked = batch.checked_sheets()
            today = batch.settings.today
            record_run(store, "check", started, checked, today, strict=report.strict)

        return report_batch(batch, report, keep=True, before_report=commit, observe=observe)
