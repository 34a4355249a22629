"""`mailcheck recheck`: re-run every recorded sheet (or the given ones), record, report changes.

Meant for cron. The run takes the store's lock first and holds it to the commit, so a second
overlapping run refuses at once (exit 75) instead of double-recording. A recorded sheet that
cannot be checked — its file moved, deleted or now invalid, or the zone files or name servers
it was last checked against gone or broken — stops only itself: it is named on stderr with its
problem, and every rule and subject its last run recorded is recorded as `error` ("not
re-checked"), so its last decided status and clocks stand and the run exits 3 (1 if another
sheet fails). When no sheet at all can be checked, nothing is recorded (exit 2). Sheets given
on the command line must be readable (exit 2 otherwise), as for `check`, and so must the
`--zone` and `--nameserver` given. Without `--zone` or
`--nameserver`, each sheet is re-checked against the DNS source its last recorded run used
(its zone files, its name servers), so a customer checked against an unpublished zone is not
suddenly judged on live DNS. The sheets of each DNS source are checked as one batch (see
`mailcheck.engine.batch`): in worker processes when there are many. The notification, if asked for,
is sent after the run was committed: a webhook that is down loses no result. The probes
(`--probe-smtp`, `--probe-unsubscribe`, `--allow-private`) and the trust anchors are those of
the command line, as for `check`: nothing is probed that this run was not told to probe.

`--shard K/N` re-checks only the sheets of one shard (`mailcheck.engine.shards`); `--enqueue`
checks nothing here but puts a round of jobs on a PostgreSQL store's queue for `mailcheck
worker` on any host (`_queue`).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from mailcheck.commands._metrics import add_checked, finish, metrics_tally
from mailcheck.commands._options import EVERY_RULE, ReportOptions, Selection, in_shard
from mailcheck.commands._progress import progress
from mailcheck.commands._report import announce_deadline, write_view
from mailcheck.commands._store import (
    UnreadableSheet,
    asking,
    load_recorded_sheets,
    record_run,
    store_to_read,
    undecided,
)
from mailcheck.core.errors import InputError, one_line
from mailcheck.core.report import Report
from mailcheck.core.wording import plural
from mailcheck.engine.batch import check_sheets
from mailcheck.engine.checker import Tick, load_sheet_for_rules
from mailcheck.engine.run_changes import run_changes
from mailcheck.engine.runner import CheckedSheet, all_plans, now
from mailcheck.engine.settings import RunSettings
from mailcheck.engine.shards import Shard, path_key, sheet_shard_key
from mailcheck.output import Format
from mailcheck.output.recheck_report import RecheckReport, as_json, render_json, render_table
from mailcheck.rules.base import Rule
from mailcheck.sheet.model import LoadedSheet
from mailcheck.state import (
    ENV,
    DnsSource,
    Store,
    StoreLocation,
    exclusive,
)
from mailcheck.state.location import exists
from mailcheck.state.store import sheet_key


def run_recheck(
    sheet_paths: Sequence[Path],
    settings: RunSettings,
    report: ReportOptions,
    db: StoreLocation | None,
    notify: str | None,
    selection: Selection = EVERY_RULE,
    *,
    enqueue: bool = False,
    shard: Shard | None = None,
    metrics: Path | None = None,
) -> int:
    """`db`: the state store (None: the default one); `notify`: the webhook for the changes;
    `selection`: the rules to re-check (the others' recorded statuses stand); `enqueue`: put
    the sheets on the store's queue for `mailcheck worker` instead of checking them here;
    `shard`: re-check only the sheets of this shard (`mailcheck.engine.shards`); `metrics`:
    the file the run's metrics are written to."""
    if enqueue and shard is not None:
        raise InputError(
            "--shard splits a run without a queue; the queue gives each worker its sheets: "
            "leave one of them out",
            key="--shard",
        )
    if enqueue and metrics is not None:
        raise InputError(
            "the metrics of a queued round are the workers': give --metrics to mailcheck worker",
            key="--metrics",
        )
    if enqueue:
        return _enqueue(sheet_paths, settings, report, db, notify, selection)
    tally = metrics_tally(metrics, "recheck")
    if notify:
        from mailcheck.http.notify import check_url

        check_url(notify)
    rules = selection.rules()
    db = store_to_read(db)
    if not sheet_paths and not exists(db):
        raise _no_store(db)
    with exclusive(db, shard), Store.open(db, create=bool(sheet_paths)) as store:
        sheets, unchecked = _sheets(store, sheet_paths)
        sheets = in_shard(shard, sheets, sheet_shard_key, "readable sheet")
        unchecked = [u for u in unchecked if shard is None or shard.holds(path_key(u.sheet))]
        started = now()
        with progress("re-checking", len(sheets) * len(rules), report.color) as tick:
            results, failed = _check(store, sheets, rules, settings, tick)
        unchecked += failed
        if not results:
            raise _nothing_checked(store)
        rule_ids = {rule.id for rule in rules}
        not_checked = [undecided(store, sheet, now(), rule_ids) for sheet in unchecked]
        # a recheck reports what changed in the findings, and exits by them: the profiles a
        # sheet names are judged by `check`, so the run is recorded without them
        results = [replace(result, compliance=()) for result in results]
        run_id = record_run(
            store,
            "recheck",
            started,
            results,
            settings.today,
            strict=report.strict,
            unchecked=not_checked,
        )
        items = run_changes(store, run_id)
        changes = RecheckReport(
            store.run(run_id),
            [r.sheet.display for r in results] + [u.sheet for u in unchecked],
            items,
            strict=report.strict,
        )
    if tally is not None:
        add_checked(tally, results, 0)
        tally.unchecked = len(unchecked)
        tally.overdue = len({item.finding.sheet for item in items if item.overdue})
    plans = tuple(all_plans(results))
    as_report = Report(
        tuple(changes.findings()), changes.run.today, strict=report.strict, plans=plans
    )
    write_view(changes, as_report, report, _renderer(report))
    announce_deadline(settings.limits)
    if notify:
        _notify(notify, changes, settings.dns.timeout)
    return finish(metrics, tally, int(changes.exit_code))


def _enqueue(
    sheet_paths: Sequence[Path],
    settings: RunSettings,
    report: ReportOptions,
    db: StoreLocation | None,
    notify: str | None,
    selection: Selection,
) -> int:
    """A new round on the queue: one job per sheet; the workers record the runs."""
    import json

    from mailcheck.commands._queue import postgres_store, recorded_sheet_keys, round_jobs
    from mailcheck.state.queue import enqueue

    if notify:
        raise InputError(
            "--notify needs the changes of a whole run, which --enqueue leaves to the workers: "
            "leave one of them out",
            key="--notify",
        )
    location = postgres_store(store_to_read(db), "recheck --enqueue")
    selection.rules()  # an unknown prefix is an input error here, not in every worker
    with Store.open(location) as store:
        sheets = recorded_sheet_keys(store, sheet_paths)
    if not sheets:
        raise _none_recorded(location)
    jobs = round_jobs(sheets, settings, selection, strict=report.strict)
    count = enqueue(location, [job.payload() for job in jobs])
    name = jobs[0].round
    print(
        f"mailcheck: {plural(count, 'sheet')} queued as round {name}; "
        "`mailcheck worker` on each host checks and records them",
        file=sys.stderr,
    )
    if report.fmt is Format.JSON:
        print(json.dumps({"round": name, "queued": count, "store": str(location)}))
    else:
        print(f"round {name}: {plural(count, 'sheet')} queued")
    return 0


def _no_store(db: StoreLocation) -> InputError:
    return InputError(
        "no state store here, so nothing to re-check: `mailcheck check` records only with "
        f"--db or {ENV}; record the sheets first with `mailcheck check SHEET... --db {db}` "
        f"(or set {ENV}), or name the sheets to re-check (mailcheck recheck SHEET...)",
        file=str(db),
    )


def _sheets(
    store: Store, sheet_paths: Sequence[Path]
) -> tuple[list[LoadedSheet], list[UnreadableSheet]]:
    """The sheets to re-check, and the recorded ones that can no longer be read."""
    if sheet_paths:
        return load_recorded_sheets(sheet_paths), []
    sheets, unchecked = [], []
    recorded_sheets = store.sheets()
    if not recorded_sheets:
        raise _none_recorded(store.path)
    for recorded in recorded_sheets:
        try:
            sheets.append(load_sheet_for_rules(recorded))
        except InputError as exc:
            unchecked.append(UnreadableSheet(recorded, str(exc)))
            unchecked[-1].announce()
    if not sheets:
        raise _nothing_checked(store)
    return sheets, unchecked


def _none_recorded(db: StoreLocation) -> InputError:
    return InputError(
        "the store has no recorded sheet yet, so nothing to re-check: record the sheets first "
        f"with `mailcheck check SHEET... --db {db}`, or name the sheets to re-check",
        file=str(db),
    )


def _nothing_checked(store: Store) -> InputError:
    return InputError(
        "no sheet could be re-checked (see the warnings above); nothing was recorded; "
        "name the sheets to re-check (mailcheck recheck SHEET...)",
        file=str(store.path),
    )


def _by_dns_source(
    store: Store, sheets: Sequence[LoadedSheet], settings: RunSettings
) -> list[tuple[RunSettings, list[LoadedSheet]]]:
    """The sheets grouped by the DNS source to ask: the one given, else each sheet's last."""
    if settings.dns.given:
        return [(settings, list(sheets))]
    groups: dict[DnsSource, list[LoadedSheet]] = {}
    for sheet in sheets:
        source = store.dns_source(sheet_key(sheet.path)) or DnsSource()
        groups.setdefault(source, []).append(sheet)
    for source, group in groups.items():
        if not source.is_system:
            names = _some([s.display for s in group])
            say = f"mailcheck: re-checking {names} against {source}, as last run"
            print(one_line(say), file=sys.stderr)
    return [(asking(source, settings), group) for source, group in groups.items()]


def _some(names: Sequence[str], shown: int = 3) -> str:
    """A few names and how many more: one line, however many sheets a group has."""
    more = f" and {plural(len(names) - shown, 'more sheet')}" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _check(
    store: Store,
    sheets: Sequence[LoadedSheet],
    rules: Sequence[Rule],
    settings: RunSettings,
    tick: Tick | None = None,
) -> tuple[list[CheckedSheet], list[UnreadableSheet]]:
    """The checked sheets in the order given, and those whose recorded DNS source failed (a
    zone file moved or broken): each group of sheets fails alone. A `--zone` or
    `--nameserver` given on the command line that fails is an input error of the run."""
    given = settings.dns.given
    results: list[CheckedSheet] = []
    unchecked: list[UnreadableSheet] = []
    for group_settings, group in _by_dns_source(store, sheets, settings):
        try:
            results += check_sheets(group, rules, group_settings, tick=tick)
        except InputError as exc:
            if given:
                raise
            for sheet in group:
                problem = f"{sheet.display}: its last DNS source cannot be asked: {exc}"
                unchecked.append(UnreadableSheet(sheet_key(sheet.path), problem))
                unchecked[-1].announce()
    order = {id(sheet): n for n, sheet in enumerate(sheets)}
    return sorted(results, key=lambda checked: order[id(checked.sheet)]), unchecked


def _renderer(options: ReportOptions) -> Callable[[RecheckReport, TextIO, bool | None], None]:
    if options.fmt is Format.JSON:
        return lambda report, stream, _color: render_json(report, stream)
    return functools.partial(render_table, verbose=options.verbose)


def _notify(url: str, report: RecheckReport, timeout: float) -> None:
    from mailcheck.core.urls import redact_url
    from mailcheck.http.notify import NotifyError, idempotency_key, post

    try:
        post(url, as_json(report, with_findings=False), idempotency_key(report.run), timeout)
    except NotifyError as exc:
        print(
            one_line(
                f"mailcheck: warning: notification to {redact_url(url)} failed: {exc}; "
                f"the run is recorded (#{report.run.id})"
            ),
            file=sys.stderr,
        )
