"""A run's findings with what every format shows about them: summary and exit code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from mailcheck.core.changeset import Plan
from mailcheck.core.compliance import (
    ProfileVerdict,
    Verdict,
    verdict_counts,
    verdicts_of,
    with_compliance,
)
from mailcheck.core.findings import ExitCode, Finding, exit_code, summarize
from mailcheck.core.milestones import Milestone


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
    compliance: tuple[ProfileVerdict, ...] = ()
    """The requested profiles, judged per sheet (empty when none was requested)."""
    plans: tuple[Plan, ...] = ()
    """Each checked sheet's change set (`mailcheck.engine.planner`), where the command made
    one: the formats that show it take it from here."""
    milestones: tuple[Milestone, ...] = ()
    """The checked sheets' dated events and due dates, for the formats that draw a timeline."""

    @property
    def summary(self) -> dict[str, int]:
        return summarize(self.findings)

    @property
    def exit_code(self) -> ExitCode:
        code = exit_code(self.findings, strict=self.strict)
        return with_compliance(code, verdicts_of(self.compliance))

    @property
    def verdict(self) -> str:
        """The run's outcome in words, as the exit code says it."""
        if self.exit_code is ExitCode.UNDECIDED:
            return "some checks undecided"
        if not self.compliance:
            return "obligations met" if self.exit_code is ExitCode.OK else "obligations not met"
        if self.exit_code is ExitCode.OK:
            return "obligations and requirements met"
        return "obligations or requirements not met"

    def summary_line(self) -> str:
        counts = ", ".join(f"{n} {status}" for status, n in self.summary.items())
        if self.compliance:
            judged = verdict_counts(self.compliance)
            counts += "; requirements: " + ", ".join(
                f"{n} {Verdict(v).label}" for v, n in judged.items()
            )
        return f"{counts}; exit code {int(self.exit_code)}"
