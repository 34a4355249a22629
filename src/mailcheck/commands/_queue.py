"""Re-checking through the queue of a PostgreSQL store (`recheck --enqueue`, `mailcheck
worker`): one job per sheet, and how a worker checks and records it.

A round is one `recheck --enqueue`: its name (UTC time and a random tag) and the sheet make the
key of each job. A worker records the sheet's run with that key, in the one transaction of the
run, and looks for it before it checks: a job taken again after its worker died is recorded
once, whatever happened. Everything the check depends on travels in the job — the round's date
(so every host judges on the same day), the rules chosen, the DNS source given (else each sheet
is asked of the source its last run used, as `recheck` does), the time allowed per question,
the probes allowed (unsubscribe, STARTTLS and its time per host), the trusted roots and the
DNSSEC trust anchors (absolute paths) — and the sheet and those files are read from their paths
on the worker's host (a file system every host sees). A payload queued by an earlier version,
without the later fields, is read with their defaults.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from mailcheck.commands._options import Selection
from mailcheck.commands._store import UnreadableSheet, asking, record_run, undecided
from mailcheck.core.errors import InputError
from mailcheck.dnsclient.zones import ZoneBackend
from mailcheck.engine.checker import load_sheet_for_rules
from mailcheck.engine.runner import build_context, check_loaded, now
from mailcheck.engine.settings import DnsSettings, Probing, RunSettings
from mailcheck.output.metrics import RunTally
from mailcheck.state import DnsSource, PostgresUrl, Store, StoreLocation
from mailcheck.state.store import sheet_key


@dataclass(frozen=True)
class SheetJob:
    """What a worker needs to re-check one sheet, as the queue carries it (JSON)."""

    round: str
    sheet: str  # the store's key: the absolute path
    today: str
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    timeout: float = 5.0
    zones: tuple[str, ...] = ()
    nameservers: tuple[str, ...] = ()
    strict: bool = False
    ca_file: str | None = None
    # the probes and the trust anchors (absent from the payloads of earlier versions: defaults)
    probe_unsubscribe: bool = False
    allow_private: bool = False
    probe_smtp: bool = False
    smtp_timeout: float = 20.0
    smtp_port: int = 25
    trust_anchor: str | None = None

    @property
    def key(self) -> str:
        """The job's key in the store: one run per round and sheet."""
        return f"{self.round}:{self.sheet}"

    def payload(self) -> dict[str, Any]:
        return {name: list(v) if isinstance(v, tuple) else v for name, v in asdict(self).items()}

    @classmethod
    def of(cls, payload: dict[str, Any]) -> SheetJob:
        fields: dict[str, Any] = {
            name: tuple(value) if isinstance(value, list) else value
            for name, value in payload.items()
        }
        return cls(**fields)

    def settings(self, store: Store) -> RunSettings:
        """The run's settings: the DNS source given, else the sheet's last one; the probes and
        the trust anchors of the `recheck` that queued the job."""
        zones = tuple(Path(zone) for zone in self.zones)
        dns = DnsSettings(zones, self.nameservers, self.timeout)
        settings = RunSettings(
            dns=dns,
            probing=self.probing(),
            today=dt.date.fromisoformat(self.today),
            ca_file=Path(self.ca_file) if self.ca_file else None,
            trust_anchors=Path(self.trust_anchor) if self.trust_anchor else None,
        )
        if dns.given:
            return settings
        return asking(store.dns_source(self.sheet) or DnsSource(), settings)

    def probing(self) -> Probing:
        return Probing(
            unsubscribe=self.probe_unsubscribe,
            allow_private=self.allow_private,
            smtp=self.probe_smtp,
            smtp_timeout=self.smtp_timeout,
            smtp_port=self.smtp_port,
        )


def postgres_store(db: StoreLocation, what: str) -> PostgresUrl:
    """The store, which must be a PostgreSQL database for the queue."""
    if not isinstance(db, PostgresUrl):
        raise InputError(
            f"{what} needs a PostgreSQL store, where every host finds the queue and the "
            "history: give --db postgresql://... (or set MAILCHECK_DB to one)",
            file=str(db),
        )
    return db


def new_round() -> str:
    return now().strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def round_jobs(
    sheets: Sequence[str],
    settings: RunSettings,
    selection: Selection,
    *,
    strict: bool,
) -> list[SheetJob]:
    """One job per sheet (its key in the store), all of one new round."""
    name = new_round()
    dns, probing = settings.dns, settings.probing
    return [
        SheetJob(
            round=name,
            sheet=sheet,
            today=settings.today.isoformat(),
            select=selection.select,
            ignore=selection.ignore,
            timeout=dns.timeout,
            zones=tuple(str(zone.resolve()) for zone in dns.zones),
            nameservers=dns.nameservers,
            strict=strict,
            ca_file=str(settings.ca_file) if settings.ca_file else None,
            probe_unsubscribe=probing.unsubscribe,
            allow_private=probing.allow_private,
            probe_smtp=probing.smtp,
            smtp_timeout=probing.smtp_timeout,
            smtp_port=probing.smtp_port,
            trust_anchor=str(settings.trust_anchors) if settings.trust_anchors else None,
        )
        for sheet in sheets
    ]


class ParsedZones:
    """A worker's zone files, parsed once for all its jobs (a file changed is parsed again),
    the last `KEPT` sets of them. Answers from name servers are asked anew for every job."""

    KEPT = 8

    def __init__(self) -> None:
        self._parsed: dict[tuple[tuple[str, int, int], ...], ZoneBackend] = {}

    def backend(self, zones: Sequence[Path]) -> ZoneBackend | None:
        """A backend of the files' zones with a query count of its own (None: no files)."""
        if not zones:
            return None
        try:
            key = tuple((str(z), z.stat().st_mtime_ns, z.stat().st_size) for z in zones)
        except OSError:
            return None  # reading it says what is wrong
        found = self._parsed.pop(key, None) or ZoneBackend.from_files(zones)
        self._parsed[key] = found  # the most recent last
        while len(self._parsed) > self.KEPT:
            del self._parsed[next(iter(self._parsed))]
        return found.sharing()


class JobRunner:
    """How a worker process checks its jobs: through one store connection, with its parsed
    zone files, counted in its tally. A worker runs several jobs at once, each in a thread of
    its own: the store, the zone files and the tally are used by one job at a time, while the
    jobs' DNS questions overlap."""

    def __init__(self, store: Store, tally: RunTally) -> None:
        self.store = store
        self.tally = tally
        self.zones = ParsedZones()
        self.lock = threading.Lock()

    def run(self, job: SheetJob) -> bool:
        """Check and record the job's sheet; False when the job's run was recorded already (a
        job taken again after its worker died)."""
        with self.lock:
            if self.store.run_of_job(job.key) is not None:
                return False
            settings = job.settings(self.store)
        rules = Selection(job.select, job.ignore).rules()
        started = now()
        try:
            sheet = load_sheet_for_rules(Path(job.sheet))
            with self.lock:
                backend = self.zones.backend(settings.dns.zones)
            ctx = build_context(settings, backend)
            results = check_loaded([sheet], rules, settings, ctx=ctx)
        except InputError as exc:  # the sheet or its DNS source is gone or broken: this job only
            self._not_checked(job, exc, started, settings.today, {rule.id for rule in rules})
            return True
        results = [replace(result, compliance=()) for result in results]  # as `recheck` does
        with self.lock:
            record_run(
                self.store, "recheck", started, results, settings.today, strict=job.strict,
                job=job.key,
            )  # fmt: skip
            for result in results:
                self.tally.add_item(result.findings)
            self.tally.queries += ctx.dns.queries_sent
        return True

    def _not_checked(
        self, job: SheetJob, exc: InputError, started: dt.datetime, today: dt.date, rules: set[str]
    ) -> None:
        unread = UnreadableSheet(job.sheet, f"{job.sheet}: {exc}")
        unread.announce()
        with self.lock:
            result = undecided(self.store, unread, now(), rules)
            record_run(
                self.store, "recheck", started, [], today, strict=job.strict,
                unchecked=[result], job=job.key,
            )  # fmt: skip
            self.tally.unchecked += 1
            self.tally.add_item(result.findings)


def recorded_sheet_keys(store: Store, paths: Sequence[Path]) -> list[str]:
    """The sheets a round re-checks: those given (each must be readable here), else every
    sheet the store has recorded."""
    if paths:
        return [sheet_key(load_sheet_for_rules(path).path) for path in paths]
    return store.sheets()
