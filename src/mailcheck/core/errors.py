"""Input errors: everything that ends a run with exit code 2 and one clear message."""

from __future__ import annotations

from collections.abc import Sequence

from mailcheck.core.urls import redact_text

QUOTE_LIMIT = 80  # characters of a bad value an error message shows
PROBLEM_LIMIT = 500  # characters of a whole problem: a last guard against echoing a megabyte
MAX_SHOWN_ERRORS = 20  # input errors reported one by one; the rest are counted


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """The value as `repr` shows it, secrets in URLs hidden, cut to `limit` characters: how an
    error names bad input."""
    return clip(redact_text(repr(value)), limit)


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, the cut marked."""
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def one_line(text: str) -> str:
    """`text` with its control characters written as escapes (`\\n`): a report line stays one
    line, and a file name with a new line cannot start a line of its own (which GitHub Actions,
    say, would read as a workflow command). An escape sequence (`\\x1b[31m`, `\\x9b`), a `\\r`
    or a bidirectional override from a user's file is shown, never acted on by a terminal."""
    if text.isprintable():  # the common case, at C speed: reports can have 100,000 lines
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def printable(text: str) -> str:
    """`text` with its control characters written as escapes like `one_line` does, but its
    line breaks kept: a text of several lines (a table cell, a worker's traceback)."""
    if text.isprintable():
        return text
    return "\n".join(one_line(part) for part in text.split("\n"))


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

    def reported(self) -> list[str]:
        """The lines that report the error: one, `file:line: key: problem`."""
        return [one_line(str(self))]


class InputErrors(InputError):
    """Several input errors found in one pass (a sheet's every bad key, every bad sheet of a
    run), so that one run names them all: each is reported on a line of its own, the first
    `MAX_SHOWN_ERRORS` of them, and the others are counted. Where one line must do (a sheet
    that stops only itself in `recheck`), it is the first error and the count of the others."""

    def __init__(self, errors: Sequence[InputError], unlisted: int = 0) -> None:
        first = errors[0]
        super().__init__(first.problem, file=first.file, line=first.line, key=first.key)
        self.errors = tuple(errors)
        self.unlisted = unlisted  # further errors counted, not kept (a list of a million lines)

    def __str__(self) -> str:
        more = len(self.errors) - 1 + self.unlisted
        return f"{self.errors[0]} (and {more} more problem{'s' if more > 1 else ''})"

    def reported(self) -> list[str]:
        shown = [one_line(str(error)) for error in self.errors[:MAX_SHOWN_ERRORS]]
        hidden = len(self.errors) - len(shown) + self.unlisted
        if hidden:
            shown.append(f"... and {hidden} more problem{'s' if hidden > 1 else ''}")
        return shown


class FoundErrors:
    """The input errors of a long input, gathered while it is read on: the first
    `MAX_SHOWN_ERRORS` kept, the others only counted, so memory stays bounded."""

    def __init__(self) -> None:
        self.kept: list[InputError] = []
        self.unlisted = 0

    def add(self, error: InputError) -> None:
        for each in _each(error):
            if len(self.kept) < MAX_SHOWN_ERRORS:
                self.kept.append(each)
            else:
                self.unlisted += 1

    def __bool__(self) -> bool:
        return bool(self.kept)

    def raise_any(self) -> None:
        if len(self.kept) == 1 and not self.unlisted:
            raise self.kept[0]
        if self.kept:
            raise InputErrors(self.kept, self.unlisted)


def raise_all(errors: Sequence[InputError]) -> None:
    """Raise the errors found, if any: one as itself, several as one `InputErrors`."""
    if errors:
        raise combined(errors)


def combined(errors: Sequence[InputError]) -> InputError:
    """The errors as one to raise: one as itself, several as one `InputErrors`."""
    flat = [each for error in errors for each in _each(error)]
    if not flat:
        raise ValueError("combined needs at least one error")
    return flat[0] if len(flat) == 1 else InputErrors(flat)


def _each(error: InputError) -> tuple[InputError, ...]:
    return error.errors if isinstance(error, InputErrors) else (error,)
