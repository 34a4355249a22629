"""Reading one sample message: its size, its raw header fields and a bounded parse of its body.

The header fields are kept as the bytes in the file (folding and 8-bit bytes included), because
RFC 2369 syntax is judged on the raw value: the stdlib `email` package would decode RFC 2047
encoded-words and repair brackets a receiver will not repair. The body is read only up to
`BODY_LIMIT` for the text checks; the size comes from `os.stat`, so a 30 MB message is neither
loaded whole nor read twice here (DKIM verification reads it once more, in full, when it must).
Reading never raises: a sample that cannot be read carries a `problem` and its rules say `error`.
"""

from __future__ import annotations

import email.header
import email.parser
import email.policy
import errno
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import BinaryIO

from mailcheck.core.inputs import copy_stdin

HEAD_LIMIT = 1024 * 1024
"""A header section longer than this is not a message mailcheck judges."""
BODY_LIMIT = 4 * 1024 * 1024
"""Body bytes read for the text checks (the imprint); a longer body is judged on its start."""
PARSED_FIELD_LIMIT = 8 * 1024
"""Characters of a header field value (Content-Type, of any MIME part) the text checks read:
what decides a part's type and charset stands at the start."""

STDIN_LIMIT = 64 * 1024 * 1024
"""Bytes of a message read from standard input: as many as DKIM verification reads of a file."""

_FIELD_NAME = re.compile(rb"^([\x21-\x39\x3b-\x7e]+)[ \t]*:")
_FOLD = re.compile(rb"\r?\n(?=[ \t])")


@dataclass(frozen=True, slots=True)
class HeaderField:
    """One header field as written: its name and its raw value, folding kept."""

    name: str
    raw: bytes

    @property
    def key(self) -> str:
        return self.name.lower()

    def unfolded(self) -> bytes:
        """The value with folding removed (RFC 5322 §2.2.3) and the ends stripped."""
        return _FOLD.sub(b"", self.raw).strip(b" \t\r\n")

    def text(self) -> str:
        """The unfolded value, one character per byte: 8-bit bytes stay visible as such."""
        return self.unfolded().decode("latin-1")


@dataclass(frozen=True)
class Sample:
    """A sample message as the message rules see it."""

    subject: str
    """The sample path as written in the sheet: the subject of its findings."""
    path: Path
    size: int | None = None
    """Bytes on disk (os.stat); None when the file cannot be read."""
    fields: tuple[HeaderField, ...] = ()
    message: Message | None = field(default=None, repr=False)
    """Header section and the first BODY_LIMIT body bytes, parsed (`_PARSING`)."""
    truncated: bool = False
    """The body is longer than what was read for the text checks."""
    problem: str | None = None
    """Why the sample cannot be judged as a message; None when it can."""

    def all(self, name: str) -> list[HeaderField]:
        key = name.lower()
        return [f for f in self.fields if f.key == key]

    def first(self, name: str) -> HeaderField | None:
        found = self.all(name)
        return found[0] if found else None

    def has(self, name: str) -> bool:
        return self.first(name) is not None


def open_regular(path: Path) -> BinaryIO:
    """Open a file for reading only if it is a regular file: a pipe or a device put where a
    sample was checked would otherwise block the run or never end (`OSError` if it is one)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # opening a FIFO must not wait
    stream = os.fdopen(descriptor, "rb")
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        stream.close()
        raise OSError(errno.EINVAL, "not a regular file")
    return stream


@contextmanager
def kept_stdin(limit: int = STDIN_LIMIT) -> Iterator[Path]:
    """Standard input kept in a temporary file while the run lasts, so the message rules read
    it as they read any sample (its head first, the whole of it for DKIM). More than `limit`
    bytes is an input error: an endless stream must not fill the disk."""
    with tempfile.TemporaryDirectory(prefix="mailcheck-") as folder:
        path = Path(folder) / "stdin.eml"
        with path.open("wb") as kept:
            copy_stdin(kept, limit=limit, kind="a message")
        yield path


def read_sample(path: Path, subject: str) -> Sample:
    """Read a sample once: size, header fields and a bounded parse. Never raises."""
    try:
        with open_regular(path) as stream:
            size = os.fstat(stream.fileno()).st_size
            data = stream.read(HEAD_LIMIT + BODY_LIMIT)
    except OSError as exc:
        return Sample(subject, path, problem=f"cannot read the file: {exc.strerror or exc}")
    head, body = _split(data)
    if head is None:
        problem = f"no end of the header section in the first {HEAD_LIMIT // 1024} KiB"
        return Sample(subject, path, size, problem=f"not an email message: {problem}")
    fields = _header_fields(head)
    if not fields:
        return Sample(subject, path, size, problem="not an email message: no header fields")
    return Sample(
        subject,
        path,
        size,
        fields,
        message=_parse(head + body),
        truncated=size > len(data),
    )


def _split(data: bytes) -> tuple[bytes | None, bytes]:
    """(header section with its final line break, body); head None when it does not end."""
    blank_line = re.search(rb"\r?\n\r?\n", data[:HEAD_LIMIT])
    if blank_line:
        return data[: blank_line.end()], data[blank_line.end() :]
    if len(data) < HEAD_LIMIT:
        return data, b""  # a message may consist of header fields only
    return None, b""


def _header_fields(head: bytes) -> tuple[HeaderField, ...]:
    fields: list[tuple[str, list[bytes]]] = []
    lines = head.split(b"\n")
    if lines and lines[0].startswith(b"From "):
        lines = lines[1:]  # an mbox separator line, not a header field
    for line in lines:
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1][1].append(line)
            continue
        match = _FIELD_NAME.match(line)
        if match:
            name = match.group(1).decode("ascii")
            fields.append((name, [line[match.end() :]]))
        # any other line (garbage, the blank line ending the section) belongs to no field
    return tuple(HeaderField(name, b"\n".join(parts)) for name, parts in fields)


class _BoundedFields(email.policy.Compat32):
    """The stdlib's plain-text header policy, every value read cut to `PARSED_FIELD_LIMIT`.

    `email.policy.default` parses a structured field in time that grows with the square of its
    length (a 56 KB Content-Type took seconds, a megabyte would take an hour); the text checks
    need only a part's type, disposition, charset and transfer encoding, which the plain-text
    policy reads with simple string operations.
    """

    def header_fetch_parse(self, name: str, value: str) -> str | email.header.Header:  # type: ignore[override]
        return super().header_fetch_parse(name, value[:PARSED_FIELD_LIMIT])


_PARSING = _BoundedFields()


def _parse(data: bytes) -> Message | None:
    parser = email.parser.BytesParser(policy=_PARSING)
    try:
        return parser.parsebytes(data)
    except Exception:  # the stdlib parser is lenient; a crash still must not end the run
        return None
