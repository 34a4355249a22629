"""`--metrics FILE`: a run's numbers in the Prometheus text format, for node-exporter's
textfile collector (cron) or any scraper that reads files.

The file is written whole or not at all (prometheus-client writes a temporary file beside it
and renames it over the old one), so a collector never reads half a file. Every metric is a
gauge of the last run, labelled with the command that wrote it:

- `mailcheck_findings{command,rule,status}`: findings per rule and status;
- `mailcheck_items_checked{command}`: sheets or domains checked;
- `mailcheck_sheets_overdue{command}`: sheets with an SPF or DKIM entry past its deadline;
- `mailcheck_dns_queries{command}`: DNS queries sent;
- `mailcheck_errors{command,kind}`: `undecided`, findings that ended in error (a timeout, a
  SERVFAIL); `unchecked`, items that could not be checked at all (a sheet gone);
- `mailcheck_run_duration_seconds{command}`, `mailcheck_run_exit_code{command}`;
- `mailcheck_run_finished_timestamp_seconds{command}`: when it ended (alert on a stale one).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mailcheck.core.errors import InputError
from mailcheck.core.findings import Finding, Status
from mailcheck.rules import deadline_clock


@dataclass
class RunTally:
    """What a run's metrics count, added to as items are done."""

    command: str
    started: float = field(default_factory=time.monotonic)
    findings: Counter[tuple[str, str]] = field(default_factory=Counter)
    items: int = 0
    overdue: int = 0
    queries: int = 0
    unchecked: int = 0

    def add_item(self, findings: Iterable[Finding], queries: int = 0) -> None:
        """One sheet or domain checked, with its findings."""
        self.items += 1
        self.queries += queries
        late = False
        for finding in findings:
            self.findings[(finding.rule, finding.status.value)] += 1
            late = late or is_overdue(finding)
        self.overdue += late


def is_overdue(finding: Finding) -> bool:
    """A failing judgement of a billed deadline (`deadline.dns` fails only once the SPF and
    DKIM entries are overdue), by the rules' metadata."""
    if finding.status is not Status.FAIL:
        return False
    clock = deadline_clock(finding.rule)
    return clock is not None and clock.billed


def write_metrics(path: Path, tally: RunTally, exit_code: int) -> None:
    """Write the tally to `path`, atomically; an input error when prometheus-client is missing
    or the file cannot be written."""
    try:
        from prometheus_client import CollectorRegistry, Gauge, write_to_textfile
    except ImportError:
        raise InputError(
            "--metrics needs prometheus-client: pip install 'mailcheck-cli[metrics]'",
            key="--metrics",
        ) from None
    registry = CollectorRegistry()
    command = {"command": tally.command}

    def gauge(name: str, text: str, value: float, **labels: str) -> None:
        metric = Gauge(name, text, [*command, *labels], registry=registry)
        metric.labels(**command, **labels).set(value)

    found = Gauge(
        "mailcheck_findings",
        "Findings of the last run per rule and status.",
        ["command", "rule", "status"],
        registry=registry,
    )
    for (rule, status), count in sorted(tally.findings.items()):
        found.labels(tally.command, rule, status).set(count)
    errors = Gauge(
        "mailcheck_errors",
        "Findings that ended in error (undecided) and items not checked at all (unchecked).",
        ["command", "kind"],
        registry=registry,
    )
    undecided = sum(n for (_rule, status), n in tally.findings.items() if status == "error")
    errors.labels(tally.command, "undecided").set(undecided)
    errors.labels(tally.command, "unchecked").set(tally.unchecked)
    gauge("mailcheck_items_checked", "Sheets or domains checked.", tally.items)
    gauge("mailcheck_sheets_overdue", "Sheets with an SPF or DKIM entry overdue.", tally.overdue)
    gauge("mailcheck_dns_queries", "DNS queries sent.", tally.queries)
    gauge("mailcheck_run_duration_seconds", "Duration of the run.", _since(tally.started))
    gauge("mailcheck_run_exit_code", "Exit code of the run.", exit_code)
    gauge("mailcheck_run_finished_timestamp_seconds", "When the run ended.", time.time())
    try:
        write_to_textfile(str(path), registry)
    except OSError as exc:
        raise InputError(
            f"cannot write the metrics: {exc.strerror or exc}", file=str(path), key="--metrics"
        ) from None


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)
