"""Reading what the user hands over: standard input by its usual name, and lines of bounded
length, so that a file of one endless line is refused instead of read whole."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import IO, AnyStr, BinaryIO

from mailcheck.core.errors import InputError

STDIN = "-"
"""The path that means standard input, as for most tools (a file named - is `./-`)."""
CHUNK = 1024 * 1024


def bounded_lines(
    stream: IO[AnyStr], limit: int, display: str, *, unit: str, kind: str
) -> Iterator[AnyStr]:
    """The stream's physical lines; one longer than `limit` (characters or bytes, as `unit`
    says) is an input error at its line: the file is no `kind`."""
    number = 0
    while line := stream.readline(limit + 1):
        number += 1
        if len(line) > limit:
            problem = f"a line longer than {limit:,} {unit}: not {kind}"
            raise InputError(problem, file=display, line=number)
        yield line


def copy_stdin(into: BinaryIO, *, limit: int | None, kind: str) -> int:
    """Copy standard input into a file, returning its size. More than `limit` bytes (when one
    is set) is an input error: an endless stream must not fill the disk."""
    size = 0
    try:
        while (limit is None or size <= limit) and (chunk := sys.stdin.buffer.read(CHUNK)):
            into.write(chunk)
            size += len(chunk)
    except OSError as exc:
        raise InputError(f"cannot read standard input: {exc.strerror}", file=STDIN) from None
    if limit is not None and size > limit:
        problem = f"more than {limit // 1024 // 1024} MiB on standard input: not {kind}"
        raise InputError(problem, file=STDIN)
    return size
