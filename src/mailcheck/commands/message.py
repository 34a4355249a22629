"""`mailcheck message`: the message rules on messages without a sheet."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path

from mailcheck.commands._options import EVERY_RULE, ReportOptions, Selection, selected_within
from mailcheck.commands._progress import progress
from mailcheck.commands._report import write_report
from mailcheck.core.errors import InputError
from mailcheck.core.inputs import STDIN
from mailcheck.engine.runner import all_findings, all_plans, check_loaded
from mailcheck.engine.settings import RunSettings
from mailcheck.messages.sample import kept_stdin
from mailcheck.rules import message_rules
from mailcheck.sheet.model import LoadedSheet, Mailing


def mailing_of(*, as_list: bool, as_transactional: bool) -> Mailing | None:
    """`--list` or `--transactional`; None: the message tells (List-Unsubscribe,
    Precedence: bulk)."""
    if as_list and as_transactional:
        raise InputError("--list and --transactional exclude each other", key="--list")
    return Mailing.LIST if as_list else Mailing.TRANSACTIONAL if as_transactional else None


def run_message(
    paths: Sequence[Path],
    mailing: Mailing | None,
    settings: RunSettings,
    report: ReportOptions,
    selection: Selection = EVERY_RULE,
) -> int:
    """Check messages without a sheet: the message rules (those `selection` leaves) on an
    in-memory sheet of samples; `-` is the message on standard input."""
    rules = selected_within(selection, message_rules(), "message")
    stdin = kept_stdin() if STDIN in map(str, paths) else nullcontext(None)
    with stdin as stdin_file:
        sheet = LoadedSheet.for_messages(paths, mailing, stdin_file)
        with progress("checking", len(rules), report.color) as tick:
            results = check_loaded([sheet], rules, settings, tick=tick)
    # without a sheet, each finding points at the message it is about (SARIF needs a file)
    findings = [f if f.file else f.at(f.subject, 1) for f in all_findings(results)]
    return write_report(findings, settings, report, plans=all_plans(results))
