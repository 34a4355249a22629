"""`mailcheck check`: the rules on sheets; many at once (or streamed) go through the batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from mailcheck.engine.runner import (
    RunOptions,
    all_compliance,
    all_findings,
    check_loaded,
    exemption_notes,
    load_sheets,
    now,
    record_run,
    today_of,
    write_report,
)
from mailcheck.state import Store, exclusive


def run_check(sheet_paths: Sequence[Path], options: RunOptions) -> int:
    sheets = load_sheets(sheet_paths, recorded=options.db is not None)
    if any(sheet.from_stdin for sheet in sheets):
        options = replace(options, workers=1)  # a worker process could not read stdin again
    from mailcheck.engine import batch  # a single sheet does without the batch's modules

    if batch.wanted(options, len(sheets)):  # streamed (jsonl) or across worker processes
        return batch.run_sheets(sheets, options)
    if options.db is None:
        results = check_loaded(sheets, options)
    else:
        with exclusive(options.db), Store.open(options.db) as store:
            started = now()
            results = check_loaded(sheets, options)
            record_run(store, "check", started, results, options)
    notes = exemption_notes(results)
    return write_report(
        all_findings(results),
        today_of(options),
        options,
        notes=notes,
        compliance=all_compliance(results),
    )
