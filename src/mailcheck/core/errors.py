"""Input errors: everything that ends a run with exit code 2 and one clear message."""

from __future__ import annotations

from collections.abc import Sequence

from mailcheck.core.urls import redact_text

QUOTE_LIMIT = 80  # characters of a bad value an error message shows
PROBLEM_LIMIT = 500  # characters of a whole problem: a last guard against echoing a megabyte


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """The value as `repr` shows it, secrets in URLs hidden, cut to `limit` characters: how an
    error names bad input."""
    return clip(redact_text(repr(value)), limit)


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, the cut marked."""
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


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
        # a URL quoted without `quote` keeps no secret either
        problem = clip(redact_text(problem), PROBLEM_LIMIT)
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

    def reports(self) -> list[str]:
        """What is said on stderr, one line each: this one problem."""
        return [str(self)]


class InputProblems(InputError):
    """Several problems of one input (a user-written data file), each with its position: all
    are said, one a line, up to `MAX_SAID`; the first is the error's own message."""

    MAX_SAID = 20

    def __init__(self, problems: Sequence[InputError]) -> None:
        if not problems:
            raise ValueError("InputProblems needs at least one problem")
        first = problems[0]
        super().__init__(first.problem, file=first.file, line=first.line, key=first.key)
        self.problems = tuple(problems)

    def reports(self) -> list[str]:
        said = [str(problem) for problem in self.problems[: self.MAX_SAID]]
        rest = len(self.problems) - len(said)
        if rest:
            said.append(f"{self.file or 'input'}: and {rest} more problem{'s' if rest > 1 else ''}")
        return said
