"""`mailcheck recipients FILE`: the recipient domains to judge, from a list or a delivery report.

A list has one recipient domain a line (an address counts by its domain); `#` starts a comment,
blank lines and a header line `domain` are skipped, a UTF-8 byte order mark is ignored, and a
domain listed again is counted once. A delivery report (a `.csv`, `.csv.gz` or `.zip` file, or a
file whose first line holds a `,`, `;`, tab or `|`) is read as `mailcheck hygiene` reads it, and
its recipients' domains are taken, each with the number of its addresses. Every bad line of a
list is an input error naming it, found before any question is asked; more than
`MAX_RECIPIENT_DOMAINS` distinct domains are too.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mailcheck.core.errors import FoundErrors, InputError
from mailcheck.core.inputs import STDIN, bounded_lines
from mailcheck.core.report import Note
from mailcheck.engine.domainsheet import domain_name

MAX_RECIPIENT_DOMAINS = 100_000
"""Domains judged in one run at most: each costs DNS questions and a probe of its MX hosts."""
MAX_LINE_BYTES = 4096
REPORT_SUFFIXES = (".csv", ".gz", ".zip")
DELIMITERS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class RecipientDomains:
    domains: tuple[str, ...]  # in the order first met
    addresses: dict[str, int]  # per domain, the addresses of a delivery report (empty: a list)
    notes: tuple[Note, ...] = ()  # the report's lines that could not be read


def read_recipient_domains(path: Path) -> RecipientDomains:
    display = str(path)
    if display != STDIN and not path.is_file():
        problem = "is a directory, not a list" if path.is_dir() else "file not found"
        raise InputError(problem, file=display)
    if display != STDIN and _is_report(path):
        return _from_report(path)
    found = _from_list(_lines(path, display), display)
    if not found:
        raise InputError("no recipient domain in the file", file=display)
    return RecipientDomains(tuple(found), {})


def _is_report(path: Path) -> bool:
    if path.suffix.lower() in REPORT_SUFFIXES:
        return True
    try:
        with path.open("rb") as stream:
            first = stream.readline(MAX_LINE_BYTES).decode("utf-8", "replace")
    except OSError:
        return False
    return any(delimiter in first.split("#", 1)[0] for delimiter in DELIMITERS)


def _from_report(path: Path) -> RecipientDomains:
    from mailcheck.delivery.reader import Malformed, open_sources, read_rows

    counts: Counter[str] = Counter()
    notes: list[Note] = []
    for source in open_sources(path):
        for row in read_rows(source):
            if isinstance(row, Malformed):
                if len(notes) < 20:
                    notes.append(Note(source.display, row.line, row.problem))
                continue
            counts[row.recipient.rpartition("@")[2]] += 1
            _check_count(len(counts), str(path))
    if not counts:
        raise InputError("no recipient in the delivery report", file=str(path))
    return RecipientDomains(tuple(counts), dict(counts), tuple(notes))


def _from_list(lines: Iterator[str], display: str) -> list[str]:
    domains: dict[str, None] = {}
    errors = FoundErrors()
    for number, raw in enumerate(lines, start=1):
        text = raw.removeprefix("\ufeff").split("#", 1)[0].strip()
        if not text or (text.lower() == "domain" and not domains):
            continue
        try:
            name = domain_name(text.rpartition("@")[2], "domain")
        except InputError as exc:
            errors.add(InputError(exc.problem, file=display, line=number))
            continue
        domains.setdefault(name)
        _check_count(len(domains), display)
    errors.raise_any()
    return list(domains)


def _check_count(count: int, display: str) -> None:
    if count > MAX_RECIPIENT_DOMAINS:
        problem = f"more than {MAX_RECIPIENT_DOMAINS:,} recipient domains: split the list"
        raise InputError(problem, file=display)


def _lines(path: Path, display: str) -> Iterator[str]:
    try:
        stream = sys.stdin.buffer if display == STDIN else path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read the list: {exc.strerror}", file=display) from None
    with stream:
        lines = bounded_lines(stream, MAX_LINE_BYTES, display, unit="bytes", kind="a domain list")
        for number, raw in enumerate(lines, start=1):
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError("not UTF-8 text", file=display, line=number) from None
