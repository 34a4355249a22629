"""A run's findings with what every format shows about them: summary and exit code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from mailcheck.core.findings import ExitCode, Finding, exit_code, summarize


@dataclass(frozen=True, slots=True)
class Note:
    """A problem with the input that did not stop the run, e.g. a malformed report line."""

    file: str
    line: int | None
    message: str

    def as_dict(self) -> dict[str, str | int | None]:
        return {"file": self.file, "line": self.line, "message": self.message}

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    today: dt.date
    strict: bool = False
    notes: tuple[Note, ...] = ()
    """Input problems that did not stop the run (shown by every format)."""

    @property
    def summary(self) -> dict[str, int]:
        return summarize(self.findings)

    @property
    def exit_code(self) -> ExitCode:
        return exit_code(self.findings, strict=self.strict)

    def summary_line(self) -> str:
        counts = ", ".join(f"{n} {status}" for status, n in self.summary.items())
        return f"{counts}; exit code {int(self.exit_code)}"
