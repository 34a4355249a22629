"""A run's findings with what every format shows about them: summary and exit code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from mailcheck.findings import ExitCode, Finding, exit_code, summarize


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    today: dt.date
    strict: bool = False

    @property
    def summary(self) -> dict[str, int]:
        return summarize(self.findings)

    @property
    def exit_code(self) -> ExitCode:
        return exit_code(self.findings, strict=self.strict)

    def summary_line(self) -> str:
        counts = ", ".join(f"{n} {status}" for status, n in self.summary.items())
        return f"{counts}; exit code {int(self.exit_code)}"
