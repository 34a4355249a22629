"""`mailcheck domain --from-file FILE`: the domains of a batch, one per line.

    # domain          selectors     mail-from
    acme.example      esp2026       bounce.acme.example
    shop.example      s1:s2
    brand.example     -             bounce.brand.example
    other.example,,bounce.other.example

The first column is the domain; the second its DKIM selectors (several joined by `:`, which no
selector contains); the third its MAIL FROM domain. An empty column or `-` gives none, and then
the selectors and MAIL FROM domain given for the whole list apply.

Each line picks its separator, so the exports of spreadsheets read as they are: a comma when
the line has one (CSV), else a semicolon (the CSV of locales whose decimal mark is a comma),
else a tab (tab-separated values), else spaces. A comma, semicolon or tab ends exactly one
column, so an empty column keeps its place (`a.example<TAB><TAB>bounce.a.example` gives no
selectors), and fields may be quoted as in CSV (`"acme.example","esp2026",""`); a run of
spaces is one separator. A UTF-8 byte order mark at the start (Excel's "CSV UTF-8") is ignored.

`#` starts a comment (no domain or selector contains one, so it ends the line even inside
quotes); blank lines are skipped, and so is a header line whose first column is `domain`. `-`
as FILE reads standard input. Every problem (bad quoting, a fourth column, a bad name, a domain
listed twice, text that is not UTF-8, a line longer than `MAX_LINE_CHARS`) is an input error
naming the file and line, found before any DNS question is asked.

A list of millions of lines is not held in memory: it is read line by line, and the validated
lines go to a temporary SQLite database (on disk, deleted when the run ends), which finds a
domain listed twice and gives the lines back in chunks of `CHUNK_LINES` for the batch to check
one after the other (`DomainList.chunks`).
"""

from __future__ import annotations

import csv
import sqlite3
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

from mailcheck.core.errors import FoundErrors, InputError
from mailcheck.core.inputs import STDIN, bounded_lines
from mailcheck.engine.domainsheet import check_selector, domain_name

COLUMNS = ("domain", "selector", "mail-from")
SEPARATORS = (",", ";", "\t")  # in this order of precedence; otherwise white space
BOM = "\ufeff"
MAX_LINE_CHARS = 64 * 1024
"""Longest line read: three names and a comment; a longer one is no domain list (and csv
would refuse its field at 131,072 characters anyway)."""
CHUNK_LINES = 50_000
"""Lines checked as one part of a batch: grouped by customer within it
(`mailcheck.engine.grouping`)."""


@dataclass(frozen=True, slots=True)
class DomainLine:
    """One domain of the batch, validated, with the defaults of the command line applied."""

    domain: str
    selectors: tuple[str, ...]
    mail_from: str | None
    line: int


ItemSource = Path | DomainLine
"""An item of a batch as a worker process rebuilds it: a sheet's path or a line of a domain
list."""


class DomainList:
    """The validated lines of a domain list, kept in a temporary database instead of memory;
    close it (or use it as a context manager) when the batch is done."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.count = 0
        # "": a private temporary database, written to disk once it outgrows its cache
        self._db = sqlite3.connect("")
        self._db.execute("PRAGMA cache_size = -8000")  # KiB: what the database may hold in memory
        self._db.execute(
            "CREATE TABLE line (number INTEGER PRIMARY KEY, domain TEXT NOT NULL UNIQUE, "
            "selectors TEXT NOT NULL, mail_from TEXT)"
        )

    def __enter__(self) -> DomainList:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[DomainLine]:
        for chunk in self.chunks():
            yield from chunk

    def add(self, entries: Sequence[DomainLine]) -> list[InputError]:
        """Keep `entries` (in the order of the file); a domain listed before is not kept but
        returned as an input error."""
        before = self._db.total_changes
        self._db.executemany(
            "INSERT OR IGNORE INTO line VALUES (?, ?, ?, ?)",
            ((e.line, e.domain, ":".join(e.selectors), e.mail_from) for e in entries),
        )
        kept = self._db.total_changes - before
        self.count += kept
        return self._duplicates(entries) if kept != len(entries) else []

    def _duplicates(self, entries: Sequence[DomainLine]) -> list[InputError]:
        found = []
        for entry in entries:  # in line order: those not kept are the duplicates
            query = "SELECT number FROM line WHERE domain = ?"
            (first,) = self._db.execute(query, (entry.domain,)).fetchone()
            if first != entry.line:
                problem = f"{entry.domain} is listed twice (first on line {first})"
                found.append(InputError(problem, file=self.display, line=entry.line, key="domain"))
        return found

    def chunks(self, size: int | None = None) -> Iterator[list[DomainLine]]:
        """The lines in the order of the file, `size` (default `CHUNK_LINES`) at a time."""
        size = size or CHUNK_LINES
        cursor = self._db.execute(
            "SELECT domain, selectors, mail_from, number FROM line ORDER BY number"
        )
        while rows := cursor.fetchmany(size):
            yield [
                DomainLine(domain, tuple(selectors.split(":")) if selectors else (), envelope, n)
                for domain, selectors, envelope, n in rows
            ]


def read_domain_file(
    path: Path, selectors: Sequence[str] = (), mail_from: str | None = None
) -> DomainList:
    """Every domain of the file; `selectors` and `mail_from` apply where a line gives none."""
    display = str(path)
    domains = collect_domain_lines(_lines(path, display), display, selectors, mail_from)
    if not domains:
        domains.close()
        raise InputError("no domain in the file", file=display)
    return domains


def _lines(path: Path, display: str) -> Iterator[str]:
    """The file's lines, decoded one by one (so a bad byte is named by its line)."""
    if display == STDIN:
        binary = getattr(sys.stdin, "buffer", None)
        yield from _decoded(binary, display) if binary is not None else sys.stdin
        return
    try:
        stream = path.open("rb")
    except OSError as exc:
        problem = "file not found" if isinstance(exc, FileNotFoundError) else exc.strerror
        raise InputError(f"cannot read the domain list: {problem}", file=display) from None
    with stream:
        yield from _decoded(stream, display)


def _decoded(stream: IO[bytes], display: str) -> Iterator[str]:
    lines = bounded_lines(stream, MAX_LINE_CHARS, display, unit="bytes", kind="a domain list")
    for number, raw in enumerate(_readable(lines, display), start=1):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("not UTF-8 text", file=display, line=number) from None


def _readable(lines: Iterator[bytes], display: str) -> Iterator[bytes]:
    """The lines, with a read error said as an input error (a directory, a vanished mount)."""
    try:
        yield from lines
    except OSError as exc:
        raise InputError(f"cannot read the domain list: {exc.strerror}", file=display) from None


def parse_domain_lines(
    lines: Iterable[str],
    display: str,
    selectors: Sequence[str] = (),
    mail_from: str | None = None,
) -> list[DomainLine]:
    """The domains of a short list, in memory."""
    with collect_domain_lines(lines, display, selectors, mail_from) as domains:
        return list(domains)


def collect_domain_lines(
    lines: Iterable[str],
    display: str,
    selectors: Sequence[str] = (),
    mail_from: str | None = None,
) -> DomainList:
    """Validate every line into a `DomainList`; the input errors of all lines are reported
    together, each naming its line (the first `MAX_SHOWN_ERRORS`, the rest counted). A line
    that cannot be read at all (too long, not UTF-8 where reading cannot go on) ends the
    reading. The defaults are checked too, under the column's name (the command checks its
    options first)."""
    default_from = domain_name(mail_from, "mail-from") if mail_from else None
    for selector in selectors:
        check_selector(selector, "selector")
    domains = DomainList(display)
    errors = FoundErrors()
    try:
        pending: list[DomainLine] = []
        seen_any = False
        try:
            for number, raw in enumerate(lines, 1):
                try:
                    columns = _line_columns(raw, number, display)
                    if not columns or (columns[0].lower() == "domain" and not seen_any):
                        continue  # blank, a comment, or the header line
                    seen_any = True
                    entry = _line_entry(columns, number, display, selectors, default_from)
                except InputError as exc:
                    errors.add(exc)
                    continue
                pending.append(entry)
                if len(pending) >= CHUNK_LINES:
                    for duplicate in domains.add(pending):
                        errors.add(duplicate)
                    pending = []
        except InputError as exc:  # the file itself cannot be read on
            errors.add(exc)
        for duplicate in domains.add(pending):
            errors.add(duplicate)
        errors.raise_any()
    except BaseException:
        domains.close()
        raise
    return domains


def _line_columns(raw: str, number: int, display: str) -> list[str]:
    text = raw.removeprefix(BOM) if number == 1 else raw
    try:
        return _columns(text.rstrip("\r\n"))
    except InputError as exc:
        raise InputError(exc.problem, file=display, line=number) from None


def _line_entry(
    columns: list[str],
    number: int,
    display: str,
    selectors: Sequence[str],
    default_from: str | None,
) -> DomainLine:
    try:
        return _entry(columns, number, selectors, default_from)
    except InputError as exc:
        raise InputError(exc.problem, file=display, line=number, key=exc.key) from None


def _columns(raw: str) -> list[str]:
    """The columns of a line (none for a blank or comment line), by the line's separator."""
    text = raw.split("#", 1)[0].rstrip()  # trailing white space ends the line, tabs too
    if not text.strip():
        return []
    separator = next((sep for sep in SEPARATORS if sep in text), None)
    if separator is None:
        return text.split()
    reader = csv.reader([text], delimiter=separator, skipinitialspace=True, strict=True)
    try:
        row = next(reader)
    except csv.Error as exc:
        unclosed = text.count('"') % 2 == 1
        raise InputError("a quote is not closed" if unclosed else f"bad quoting: {exc}") from None
    return [column.strip() for column in row]


def _entry(
    columns: list[str], number: int, selectors: Sequence[str], default_from: str | None
) -> DomainLine:
    if len(columns) > len(COLUMNS):
        raise InputError(
            f"{len(columns)} columns; expected at most {len(COLUMNS)}: {', '.join(COLUMNS)}"
        )
    domain, given_selectors, given_from = [*columns, "", ""][:3]
    if domain in ("", "-"):
        raise InputError("the first column must be a domain", key="domain")
    name = domain_name(domain, "domain")
    chosen = _given(given_selectors).split(":") if _given(given_selectors) else list(selectors)
    if _given(given_selectors):
        for selector in chosen:
            check_selector(selector, "selector")
    envelope = domain_name(given_from, "mail-from") if _given(given_from) else default_from
    return DomainLine(name, tuple(dict.fromkeys(chosen)), envelope, number)


def _given(column: str) -> str:
    return "" if column in ("", "-") else column
