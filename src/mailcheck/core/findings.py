"""Findings: the typed, immutable result records every rule produces."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from mailcheck.core.fixes import Fix


class Status(enum.StrEnum):
    """The outcome of one check on one subject (SPEC.md, "Statuses")."""

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    ERROR = "error"
    SKIP = "skip"

    @property
    def rank(self) -> int:
        """Sort key: what needs attention first."""
        return _RANK[self]


_RANK = {Status.FAIL: 0, Status.ERROR: 1, Status.WARN: 2, Status.PASS: 3, Status.SKIP: 4}


@dataclass(frozen=True, slots=True)
class Finding:
    """One verdict of one rule about one subject."""

    rule: str
    status: Status
    subject: str
    message: str
    hint: str | None = None
    sheet: str | None = None
    file: str | None = field(default=None, compare=False)
    """The file `line` is in when it is not the sheet (e.g. a delivery report)."""
    line: int | None = field(default=None, compare=False)
    """1-based line that declares the subject: in `file`, else in the sheet."""
    fixes: tuple[Fix, ...] = field(default=(), compare=False)
    """The fix as data (`mailcheck.core.fixes`), for the change set that merges every
    finding's fixes; the hint says the same in words."""

    def as_dict(self) -> dict[str, str | int | None]:
        return {
            "rule": self.rule,
            "status": self.status.value,
            "subject": self.subject,
            "message": self.message,
            "hint": self.hint,
            "sheet": self.sheet,
            "file": self.location_file,
            "line": self.line,
        }

    @property
    def location_file(self) -> str | None:
        """The file the finding points at: its own file, else its sheet."""
        return self.file or self.sheet

    def with_sheet(self, sheet: str | None) -> Finding:
        return self if sheet == self.sheet else replace(self, sheet=sheet)

    def with_fixes(self, *fixes: Fix) -> Finding:
        """The same finding, with these fixes besides its own."""
        return replace(self, fixes=(*self.fixes, *fixes))

    def at(self, file: str | None, line: int | None) -> Finding:
        """The same finding, pointing at `line` of `file` (None: the sheet)."""
        return replace(self, file=file, line=line)


class ExitCode(enum.IntEnum):
    """Process exit codes (SPEC.md, "Statuses and exit codes")."""

    OK = 0
    FAILED = 1
    USAGE = 2
    UNDECIDED = 3


def summarize(findings: Iterable[Finding]) -> dict[str, int]:
    """Count findings per status, every status present (zero included)."""
    counts = Counter(f.status for f in findings)
    return {status.value: counts.get(status, 0) for status in Status}


def exit_code(findings: Iterable[Finding], *, strict: bool = False) -> ExitCode:
    """1 on any fail (or warn under strict), else 3 on any error, else 0."""
    return exit_code_of({f.status for f in findings}, strict=strict)


class Tally:
    """Counts per status of the findings seen so far: a streamed run's summary and exit code,
    without keeping its findings."""

    def __init__(self) -> None:
        self.counts: Counter[Status] = Counter()

    def add(self, findings: Iterable[Finding]) -> None:
        self.counts.update(f.status for f in findings)

    def add_statuses(self, statuses: Iterable[str]) -> None:
        self.counts.update(Status(status) for status in statuses)

    @property
    def summary(self) -> dict[str, int]:
        return {status.value: self.counts.get(status, 0) for status in Status}

    def exit_code(self, *, strict: bool = False) -> ExitCode:
        return exit_code_of({s for s, n in self.counts.items() if n}, strict=strict)


def exit_code_of(statuses: set[Status], *, strict: bool = False) -> ExitCode:
    if Status.FAIL in statuses or (strict and Status.WARN in statuses):
        return ExitCode.FAILED
    if Status.ERROR in statuses:
        return ExitCode.UNDECIDED
    return ExitCode.OK
