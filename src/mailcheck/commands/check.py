"""`mailcheck check`: the rules on sheets; many at once (or streamed) go through the batch.

With a store (`--db`), the whole run holds the store's lock and is recorded in one transaction
after the last sheet was checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from mailcheck.commands._batch import report_batch
from mailcheck.commands._options import RunOptions
from mailcheck.commands._report import write_report
from mailcheck.commands._store import load_recorded_sheets, record_run
from mailcheck.engine.batch import Batch, worker_count
from mailcheck.engine.runner import all_findings, check_loaded, exemption_notes, load_sheets, now
from mailcheck.engine.selection import select_rules
from mailcheck.engine.settings import RunSettings
from mailcheck.output import Format
from mailcheck.rules import REGISTRY
from mailcheck.rules.base import Rule
from mailcheck.sheet.model import LoadedSheet
from mailcheck.state import Store, exclusive


def run_check(sheet_paths: Sequence[Path], options: RunOptions) -> int:
    sheets = load_sheets(sheet_paths) if options.db is None else load_recorded_sheets(sheet_paths)
    settings = options.settings
    if any(sheet.from_stdin for sheet in sheets):
        # a worker process could not read stdin again
        settings = replace(settings, limits=replace(settings.limits, workers=1))
    rules = select_rules(REGISTRY, options.select, options.ignore)
    if _batched(options, settings, len(sheets)):  # streamed (jsonl) or across worker processes
        return _run_batch(sheets, rules, settings, options)
    if options.db is None:
        results = check_loaded(sheets, rules, settings)
    else:
        with exclusive(options.db), Store.open(options.db) as store:
            started = now()
            results = check_loaded(sheets, rules, settings)
            record_run(store, "check", started, results, settings.today, strict=options.strict)
    notes = exemption_notes(results)
    findings = all_findings(results)
    return write_report(findings, settings.today, settings.limits, options, notes=notes)


def _batched(options: RunOptions, settings: RunSettings, sheets: int) -> bool:
    """Whether `sheets` sheets go through the batch: streamed, or in worker processes."""
    return options.fmt is Format.JSONL or worker_count(settings.limits, sheets) > 1


def _run_batch(
    sheets: Sequence[LoadedSheet], rules: Sequence[Rule], settings: RunSettings, options: RunOptions
) -> int:
    """The sheets as a batch; with a store, the run is recorded before the report goes out."""
    batch = Batch.of_sheets(sheets, rules, settings)
    if options.db is None:
        return report_batch(batch, options)
    with exclusive(options.db), Store.open(options.db) as store:
        started = now()

        def commit() -> None:
            checked = batch.checked_sheets()
            record_run(store, "check", started, checked, settings.today, strict=options.strict)

        return report_batch(batch, options, keep=True, before_report=commit)
