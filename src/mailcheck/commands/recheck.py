"""`mailcheck recheck`: re-run every recorded sheet (or the given ones), record, report changes.

Meant for cron. The run takes the store's lock first and holds it to the commit, so a second
overlapping run refuses at once (exit 75) instead of double-recording. Sheets recorded in the
store that can no longer be read (moved, broken) are named on stderr and left out; sheets given
on the command line must be readable (exit 2 otherwise), as for `check`. Without `--zone` or
`--nameserver`, each sheet is re-checked against the DNS source its last recorded run used
(its zone files, its name servers), so a customer checked against an unpublished zone is not
suddenly judged on live DNS. The sheets of each DNS source are checked as one batch (see
`mailcheck.batch`): in worker processes when there are many. The notification, if asked for,
is sent after the run was committed: a webhook that is down loses no result.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from mailcheck.batch import check_sheets
from mailcheck.changes import run_changes
from mailcheck.errors import InputError
from mailcheck.output import Format
from mailcheck.output.changes import RecheckReport, as_json, render_json, render_table
from mailcheck.runner import (
    CheckedSheet,
    RunOptions,
    load_sheets,
    now,
    record_run,
    today_of,
    write_output,
)
from mailcheck.sheet import LoadedSheet, load_sheet
from mailcheck.state import ENV, DnsSource, Store, default_path, exclusive
from mailcheck.state.store import sheet_key
from mailcheck.text import plural

OnDone = Callable[[CheckedSheet], None]


def run_recheck(sheet_paths: Sequence[Path], options: RunOptions) -> int:
    if options.notify:
        from mailcheck.http.notify import check_url

        check_url(options.notify)
    db = options.db or default_path()
    options = replace(options, today=today_of(options))  # one date for all groups
    if not sheet_paths and not db.exists():
        raise _no_store(db)
    with exclusive(db), Store.open(db, create=bool(sheet_paths)) as store:
        sheets = _sheets(store, sheet_paths)
        started = now()
        results = _check_with_progress(store, sheets, options)
        run_id = record_run(store, "recheck", started, results, options)
        report = RecheckReport(
            store.run(run_id),
            [s.display for s in sheets],
            run_changes(store, run_id),
            strict=options.strict,
        )
    write_output(report, options, _renderer(options.fmt))
    if options.notify:
        _notify(options.notify, report, options.timeout)
    return int(report.exit_code)


def _no_store(db: Path) -> InputError:
    return InputError(
        "no state store here, so nothing to re-check: `mailcheck check` records only with "
        f"--db or {ENV}; record the sheets first with `mailcheck check SHEET... --db {db}` "
        f"(or set {ENV}), or name the sheets to re-check (mailcheck recheck SHEET...)",
        file=str(db),
    )


def _sheets(store: Store, sheet_paths: Sequence[Path]) -> list[LoadedSheet]:
    if sheet_paths:
        return load_sheets(sheet_paths)
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


def _by_dns_source(
    store: Store, sheets: Sequence[LoadedSheet], options: RunOptions
) -> list[tuple[RunOptions, list[LoadedSheet]]]:
    """The sheets grouped by the DNS source to ask: the one given, else each sheet's last."""
    if options.zones or options.nameservers:
        return [(options, list(sheets))]
    groups: dict[DnsSource, list[LoadedSheet]] = {}
    for sheet in sheets:
        source = store.dns_source(sheet_key(sheet.path)) or DnsSource()
        groups.setdefault(source, []).append(sheet)
    for source, group in groups.items():
        if not source.is_system:
            names = _some([s.display for s in group])
            print(f"mailcheck: re-checking {names} against {source}, as last run", file=sys.stderr)
    return [
        (replace(options, zones=[Path(z) for z in source.zones], nameservers=source.nameservers), g)
        for source, g in groups.items()
    ]


def _some(names: Sequence[str], shown: int = 3) -> str:
    """A few names and how many more: one line, however many sheets a group has."""
    more = f" and {plural(len(names) - shown, 'more sheet')}" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _check(
    store: Store, sheets: Sequence[LoadedSheet], options: RunOptions, on_done: OnDone | None
) -> list[CheckedSheet]:
    results = [
        checked
        for group_options, group in _by_dns_source(store, sheets, options)
        for checked in check_sheets(group, group_options, on_done)
    ]
    order = {id(sheet): n for n, sheet in enumerate(sheets)}
    return sorted(results, key=lambda checked: order[id(checked.sheet)])


def _check_with_progress(
    store: Store, sheets: Sequence[LoadedSheet], options: RunOptions
) -> list[CheckedSheet]:
    if not sys.stderr.isatty():
        return _check(store, sheets, options, None)
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("re-checking", total=len(sheets))
        return _check(store, sheets, options, lambda _: progress.advance(task))


def _renderer(fmt: Format) -> Callable[[RecheckReport, TextIO, bool | None], None]:
    if fmt is Format.JSON:
        return lambda report, stream, _color: render_json(report, stream)
    return render_table


def _notify(url: str, report: RecheckReport, timeout: float) -> None:
    from mailcheck.http.notify import NotifyError, idempotency_key, post
    from mailcheck.urls import redact_url

    try:
        post(url, as_json(report, with_findings=False), idempotency_key(report.run), timeout)
    except NotifyError as exc:
        print(
            f"mailcheck: warning: notification to {redact_url(url)} failed: {exc}; "
            f"the run is recorded (#{report.run.id})",
            file=sys.stderr,
        )
