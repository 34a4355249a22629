"""`mailcheck recheck`: re-run every recorded sheet (or the given ones), record, report changes.

Meant for cron. The run holds the store's lock from start to commit, so a second overlapping run
refuses at once instead of double-recording. Sheets recorded in the store that can no longer be
read (moved, broken) are named on stderr and left out; sheets given on the command line must be
readable (exit 2 otherwise), as for `check`. The notification, if asked for, is sent after the
run was committed: a webhook that is down loses no result.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from mailcheck.changes import run_changes
from mailcheck.errors import InputError
from mailcheck.output import Format
from mailcheck.output.changes import RecheckReport, as_json, render_json, render_table
from mailcheck.runner import CheckedSheet, RunOptions, check_loaded, now, record_run
from mailcheck.sheet import LoadedSheet, load_sheet
from mailcheck.state import Store, default_path, exclusive


def run_recheck(sheet_paths: Sequence[Path], options: RunOptions) -> int:
    if options.notify:
        from mailcheck.notify import check_url

        check_url(options.notify)
    db = options.db or default_path()
    with Store.open(db, create=bool(sheet_paths)) as store, exclusive(db):
        sheets = _sheets(store, sheet_paths)
        started = now()
        results = _check_with_progress(sheets, options)
        run_id = record_run(store, "recheck", started, results, options)
        report = RecheckReport(
            store.run(run_id),
            [s.display for s in sheets],
            run_changes(store, run_id),
            strict=options.strict,
        )
    _write(report, options)
    if options.notify:
        _notify(options.notify, report)
    return int(report.exit_code)


def _sheets(store: Store, sheet_paths: Sequence[Path]) -> list[LoadedSheet]:
    if sheet_paths:
        return [load_sheet(p) for p in sheet_paths]
    sheets = []
    for recorded in store.sheets():
        try:
            sheets.append(load_sheet(recorded))
        except InputError as exc:
            print(f"mailcheck: warning: not re-checked: {exc}", file=sys.stderr)
    if not sheets:
        raise InputError(
            "no sheet to re-check: the store records none that can be read; "
            "name the sheets (mailcheck recheck SHEET...)",
            file=str(store.path),
        )
    return sheets


def _check_with_progress(sheets: Sequence[LoadedSheet], options: RunOptions) -> list[CheckedSheet]:
    if not sys.stderr.isatty():
        return check_loaded(sheets, options)
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("re-checking", total=len(sheets))
        return check_loaded(sheets, options, on_done=lambda _: progress.advance(task))


def _write(report: RecheckReport, options: RunOptions) -> None:
    if options.output is None:
        _render(report, options.fmt, sys.stdout, options.color)
    else:
        try:
            with options.output.open("w", encoding="utf-8") as stream:
                _render(report, options.fmt, stream, False)
        except OSError as exc:
            problem = f"cannot write report: {exc.strerror}"
            raise InputError(problem, file=str(options.output)) from None
    if options.output is not None or options.fmt is not Format.TABLE:
        print(f"mailcheck: {report.summary_line()}", file=sys.stderr)


def _render(report: RecheckReport, fmt: Format, stream: TextIO, color: bool | None) -> None:
    if fmt is Format.JSON:
        render_json(report, stream)
    else:
        render_table(report, stream, color=color)


def _notify(url: str, report: RecheckReport) -> None:
    from mailcheck.notify import NotifyError, post

    try:
        post(url, as_json(report, with_findings=False))
    except NotifyError as exc:
        print(
            f"mailcheck: warning: notification to {url} failed: {exc}; "
            f"the run is recorded (#{report.run.id})",
            file=sys.stderr,
        )
