"""Input errors: everything that ends a run with exit code 2 and one clear message."""

from __future__ import annotations


class InputError(Exception):
    """Invalid input (sheet, zone file, option): reported as `file:line: key: problem`, exit 2."""

    exit_code = 2
    label = "error"  # the word after `mailcheck:` on stderr

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        line: int | None = None,
        key: str | None = None,
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        self.file = file
        self.line = line
        self.key = key

    def __str__(self) -> str:
        where = self.file or ""
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        parts = [p for p in (where, self.key) if p]
        return ": ".join([*parts, self.problem])
