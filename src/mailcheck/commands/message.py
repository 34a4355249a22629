"""`mailcheck message`: the message rules on messages without a sheet."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path

from mailcheck.commands._options import RunOptions
from mailcheck.commands._report import write_report
from mailcheck.engine.runner import all_findings, check_loaded
from mailcheck.messages.sample import kept_stdin
from mailcheck.rules import message_rules
from mailcheck.sheet.model import STDIN, LoadedSheet, Mailing


def run_message(paths: Sequence[Path], mailing: Mailing | None, options: RunOptions) -> int:
    """Check messages without a sheet: the message rules on an in-memory sheet of samples;
    `-` is the message on standard input."""
    settings = options.settings
    stdin = kept_stdin() if STDIN in map(str, paths) else nullcontext(None)
    with stdin as stdin_file:
        sheet = LoadedSheet.for_messages(paths, mailing, stdin_file)
        results = check_loaded([sheet], message_rules(), settings)
    # without a sheet, each finding points at the message it is about (SARIF needs a file)
    findings = [f if f.file else f.at(f.subject, 1) for f in all_findings(results)]
    return write_report(findings, settings.today, settings.limits, options)
