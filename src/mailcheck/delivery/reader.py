"""Reading delivery reports (CSV) line by line, whatever their dialect.

A report is a CSV file with a header line. Three columns are needed, found by name
(case-insensitive; spaces, `_`, `-` and umlauts do not matter):

- time: a column that names an instant (`timestamp`, `Timestamp (UTC)`, `datetime`, `sent_at`,
  `created_at`, `zeitstempel`, `zeitpunkt`, …); else a date column (`date`, `datum`, `day`,
  `tag`, …) together with a time-of-day column (`time`, `uhrzeit`, `zeit`, `sendezeit`, …),
  read as one time; else one of them alone. Values: ISO 8601 (`2026-11-16T10:05:00Z`,
  `2026-11-16 10:05`), Unix seconds or milliseconds, or `16.11.2026 10:05[:00]`; a split pair
  as `2026-11-16` + `10:05[:00]` or `16.11.2026` + `10:05`. Times without a zone are taken as
  they are (as UTC); times with an offset are converted to UTC. A date without a time of day
  (`2026-11-16`, `16.11.2026`) is kept as a date: it orders events only by day and does not
  count for the 5-minute capacity intervals.
- recipient: `recipient`, `rcpt`, `to`, `email`, `email_address`, `address`, `empfänger`, …
  (`Name <a@b.example>` is read as `a@b.example`; addresses are compared in lower case).
- event: `event`, `event_type`, `type`, `status`, `result`, `ereignis`, … with the values
  `delivered`, `hard_bounce`, `soft_bounce`, `complaint`, `unsubscribe` and common spellings
  (`Hard Bounce`, `hardbounce`, `bounce`/`bounced` = hard bounce, `spam`, `abuse`, `fbl`,
  `opt-out`, `unsubscribed`, `zugestellt`, `Beschwerde`, `Abmeldung`, …).

Other columns are ignored. The delimiter is read from the header line (`;`, `,`, tab or `|`;
an Excel `sep=;` first line is honoured); the encoding is UTF-8 (with or without BOM), UTF-16
with BOM, or else Windows-1252. `.gz` files and `.zip` archives (every `.csv` member, in name
order) are read as they stream; `-` reads standard input (plain or gzip-compressed). A line that
cannot be read (too few columns, an unreadable time, an unknown event, no address) is
`Malformed` with its line number; reading goes on. What is no CSV at all ends the run with an
input error naming the line: a field longer than the csv module's limit (131,072 characters,
e.g. from a quote that is never closed) or a line longer than `MAX_LINE_CHARS`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import enum
import gzip
import io
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NamedTuple, cast

from mailcheck.core.errors import InputError, quote
from mailcheck.core.inputs import STDIN, bounded_lines, copy_stdin

SNIFF_BYTES = 64 * 1024
MAX_LINE_CHARS = 1024 * 1024
"""Longest physical line read: csv bounds a field, this bounds what is read to find its end."""
MAX_ADDRESS = 254  # RFC 5321 §4.5.3.1.3: a path holds at most 256 octets, with its brackets
GZIP_MAGIC = b"\x1f\x8b"
Binary = IO[bytes]
DELIMITERS = (";", ",", "\t", "|")


class Event(enum.StrEnum):
    DELIVERED = "delivered"
    HARD_BOUNCE = "hard_bounce"
    SOFT_BOUNCE = "soft_bounce"
    COMPLAINT = "complaint"
    UNSUBSCRIBE = "unsubscribe"


SENDS = frozenset({Event.DELIVERED, Event.HARD_BOUNCE, Event.SOFT_BOUNCE})
"""Events that are a mail sent to the recipient (each counts as one send)."""
OPT_OUTS = frozenset({Event.COMPLAINT, Event.UNSUBSCRIBE})


def _name(text: str) -> str:
    """Column names and event values compared without case, spacing, punctuation or umlauts."""
    text = text.strip().lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    return re.sub(r"[^a-z0-9]", "", text)


# Time columns, each in order of preference. A column that names an instant wins; else a date
# column with a time-of-day column; else either alone (its values say whether they hold a time).
INSTANTS = (
    "timestamp", "timestamputc", "timestampgmt", "datetime", "datetimeutc", "eventtimestamp",
    "sentat", "sendat", "deliveredat", "createdat", "processedat", "ts", "zeitstempel",
    "zeitstempelutc", "datumuhrzeit", "zeitpunkt", "sendezeitpunkt", "versandzeitpunkt",
)  # fmt: skip
DATES = (
    "date", "dateutc", "eventdate", "sentdate", "senddate", "deliverydate", "day", "datum",
    "tag", "sendedatum", "versanddatum",
)  # fmt: skip
TIMES = (  # a time of day next to a date column, else often a whole timestamp
    "time", "timeutc", "eventtime", "senttime", "sendtime", "deliverytime", "zeit",
    "sendezeit", "versandzeit", "zustellzeit",
)  # fmt: skip
TIMES_OF_DAY = ("uhrzeit", "timeofday", "tageszeit")  # never a whole timestamp

COLUMNS: dict[str, tuple[str, ...]] = {
    # In order of preference, when a report has several matching columns.
    "time": (*INSTANTS, *TIMES, *DATES),
    "recipient": (
        "recipient", "recipientaddress", "recipientemail", "rcpt", "rcptto", "to", "toaddress",
        "email", "emailaddress", "address", "mail", "empfaenger", "empfaengeradresse",
        "empfaengeremail",
    ),
    "event": (
        "event", "eventtype", "type", "status", "result", "state", "ereignis", "typ",
    ),
}  # fmt: skip

EVENTS: dict[str, Event] = {
    **dict.fromkeys(
        ("delivered", "delivery", "success", "successful", "zugestellt"), Event.DELIVERED
    ),
    **dict.fromkeys(
        ("hardbounce", "hardbounced", "hard", "bounce", "bounced", "permanentbounce",
         "permanentfailure", "permfail"),
        Event.HARD_BOUNCE,
    ),
    **dict.fromkeys(
        ("softbounce", "softbounced", "soft", "transientbounce", "temporaryfailure",
         "transientfailure", "tempfail"),
        Event.SOFT_BOUNCE,
    ),
    **dict.fromkeys(
        ("complaint", "complained", "spamcomplaint", "spamreport", "spam", "abuse",
         "abusereport", "fbl", "beschwerde"),
        Event.COMPLAINT,
    ),
    **dict.fromkeys(
        ("unsubscribe", "unsubscribed", "unsub", "optout", "optedout", "listunsubscribe",
         "abmeldung", "abgemeldet", "austragung"),
        Event.UNSUBSCRIBE,
    ),
}  # fmt: skip


class ReportRow(NamedTuple):
    line: int
    time: float  # POSIX seconds (a date alone: its midnight, UTC)
    recipient: str  # lower case
    event: Event
    timed: bool = True  # False: the report gives only the date


class Malformed(NamedTuple):
    line: int
    problem: str


@dataclass(frozen=True)
class CsvStream:
    """One CSV stream: a file, a `.gz` file, or a member of a `.zip` archive."""

    display: str
    open: Callable[[], AbstractContextManager[Binary]]


def open_sources(path: Path) -> list[CsvStream]:
    """The CSV streams of a report path; unreadable files are input errors (exit 2)."""
    display = str(path)
    if display == STDIN:
        return [_stdin_source()]
    if not path.is_file():
        problem = "is a directory, not a report" if path.is_dir() else "file not found"
        raise InputError(problem, file=display)
    if path.suffix.lower() == ".zip":
        return _zip_sources(path, display)
    if path.suffix.lower() == ".gz":
        return [CsvStream(display, lambda: _gunzip(path))]
    return [CsvStream(display, lambda: path.open("rb"))]


def _zip_sources(path: Path, display: str) -> list[CsvStream]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = sorted(n for n in archive.namelist() if n.lower().endswith(".csv"))
    except (OSError, zipfile.BadZipFile) as exc:
        raise InputError(f"cannot read the ZIP archive: {exc}", file=display) from None
    if not names:
        raise InputError("the ZIP archive holds no .csv file", file=display)

    def member(name: str) -> Callable[[], AbstractContextManager[Binary]]:
        @contextmanager
        def opener() -> Iterator[Binary]:
            with zipfile.ZipFile(path) as archive, archive.open(name) as stream:
                yield stream

        return opener

    return [CsvStream(f"{display}{MEMBER_SEPARATOR}{name}", member(name)) for name in names]


MEMBER_SEPARATOR = ":"
_MEMBER = re.compile(r"(.+?\.zip):(.+)", re.IGNORECASE)


def split_member(display: str) -> tuple[str, str | None]:
    """`report.zip:part1.csv` -> (`report.zip`, `part1.csv`); any other file -> (file, None)."""
    match = _MEMBER.fullmatch(display)
    if match is None or not match.group(2).lower().endswith(".csv"):
        return display, None
    return match.group(1), match.group(2)


def _stdin_source() -> CsvStream:
    """Standard input, kept in a temporary file: a report is read more than once (its encoding
    first; a second pass when it is not in time order)."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (open while the run reads it)
    copy_stdin(spool, limit=None, kind="a delivery report")
    spool.seek(0)
    compressed = spool.read(2) == GZIP_MAGIC

    @contextmanager
    def opener() -> Iterator[Binary]:
        # each reader closes what it gets: a duplicate descriptor, so the spool stays open
        with os.fdopen(os.dup(spool.fileno()), "rb") as stream:
            stream.seek(0)
            if compressed:
                with gzip.open(stream, "rb") as unpacked:
                    yield cast(Binary, unpacked)
            else:
                yield stream

    return CsvStream(STDIN, opener)


@contextmanager
def _gunzip(path: Path) -> Iterator[Binary]:
    with gzip.open(path, "rb") as stream:
        yield cast(Binary, stream)  # a GzipFile reads like any binary file


# --- the layout of one stream ----------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    encoding: str
    delimiter: str
    columns: dict[str, int]  # role -> column index; "time_of_day" when split from the date
    width: int  # number of header columns


def read_rows(source: CsvStream) -> Iterator[ReportRow | Malformed]:
    """Every data line of the stream, parsed, in file order; blank lines are skipped."""
    try:
        with source.open() as binary:
            encoding = _encoding(binary.read(SNIFF_BYTES))
        with (
            source.open() as binary,
            io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="") as text,
        ):
            yield from _rows(text, source.display, encoding)
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise InputError(f"cannot read the report: {exc}", file=source.display) from None


def _encoding(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"  # what spreadsheet programs write on German Windows
    return "utf-8-sig"


def _rows(text: IO[str], display: str, encoding: str) -> Iterator[ReportRow | Malformed]:
    lines = bounded_lines(
        text, MAX_LINE_CHARS, display, unit="characters", kind="a delivery report"
    )
    layout, consumed = _layout(lines, display, encoding)
    reader = csv.reader(lines, delimiter=layout.delimiter)
    time_at, recipient_at, event_at = (layout.columns[c] for c in ("time", "recipient", "event"))
    of_day_at = layout.columns.get("time_of_day")
    needed = max(layout.columns.values()) + 1
    times, events = _TimeParser(), _EventParser()
    previous = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # a field over csv's limit: usually a quote never closed, which swallowed the lines
            # after it; what follows cannot be trusted, so the report is refused
            raise InputError(
                f"not CSV: {exc}", file=display, line=consumed + previous + 1
            ) from None
        line = consumed + previous + 1
        previous = reader.line_num
        if len(fields) < needed:
            if len(fields) > 1 or (fields and fields[0].strip()):
                yield Malformed(line, f"{len(fields)} column(s), the header has {layout.width}")
            continue
        time_texts: tuple[str, ...] = (fields[time_at],)
        if of_day_at is not None:
            # `2026-11-16` + `10:05`; a column that holds whole timestamps still reads alone
            date, of_day = fields[time_at].strip(), fields[of_day_at].strip()
            time_texts = (f"{date} {of_day}", of_day, date)
        yield _row(line, time_texts, fields[recipient_at], fields[event_at], times, events)


def _row(
    line: int,
    time_texts: tuple[str, ...],
    recipient_text: str,
    event_text: str,
    times: _TimeParser,
    events: _EventParser,
) -> ReportRow | Malformed:
    event = events.parse(event_text)
    if event is None:
        return Malformed(line, f"unknown event {quote(event_text.strip(), 40)}")
    recipient = parse_recipient(recipient_text)
    if recipient is None:
        return Malformed(line, f"not an address: {quote(recipient_text.strip())}")
    time = times.parse(time_texts[0])
    if time is None:
        # the alternatives of a split date and time count only when they are whole timestamps
        time = next((t for t in map(parse_time, time_texts[1:]) if t and t.timed), None)
    if time is None:
        return Malformed(line, f"unreadable time {quote(time_texts[0].strip(), 40)}")
    return ReportRow(line, time.seconds, recipient, event, time.timed)


def _layout(lines: Iterator[str], display: str, encoding: str) -> tuple[Layout, int]:
    """Read up to the header line; returns the layout and the lines consumed."""
    consumed = 0
    delimiter = None
    for raw in lines:
        consumed += 1
        line = raw.strip("\r\n")
        if not line.strip():
            continue
        if line.lower().startswith("sep=") and len(line) == 5:
            delimiter = line[4]
            continue
        delimiter = delimiter or _sniff(line)
        try:
            header = next(csv.reader([line], delimiter=delimiter))
        except csv.Error as exc:
            raise InputError(
                f"header line is not CSV: {exc}", file=display, line=consumed
            ) from None
        columns = _columns(header, display, consumed)
        return Layout(encoding, delimiter, columns, len(header)), consumed
    raise InputError("the report is empty: expected a header line", file=display, line=1)


def _sniff(header: str) -> str:
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _columns(header: list[str], display: str, line: int) -> dict[str, int]:
    names = [_name(h) for h in header]
    found = _time_columns(names, header, display, line)
    for role in ("recipient", "event"):
        at = _first_of(names, COLUMNS[role])
        if at is None:
            raise _missing(role, COLUMNS[role], header, display, line)
        found[role] = at
    return found


def _time_columns(names: list[str], header: list[str], display: str, line: int) -> dict[str, int]:
    """`{"time": i}`, or `{"time": date column, "time_of_day": j}` for a split date and time."""
    instant = _first_of(names, INSTANTS)
    if instant is not None:
        return {"time": instant}
    date, of_day = _first_of(names, DATES), _first_of(names, (*TIMES_OF_DAY, *TIMES))
    if date is not None and of_day is not None:
        return {"time": date, "time_of_day": of_day}
    alone = _first_of(names, TIMES) if date is None else date
    if alone is not None:
        return {"time": alone}
    if of_day is not None:
        raise InputError(
            f"column {header[of_day].strip()!r} gives the time of day, but no column gives the "
            f"date; name it one of: {', '.join(DATES[:6])}",
            file=display,
            line=line,
        )
    raise _missing("time", ("timestamp", "date + time", "datum + uhrzeit", *INSTANTS[3:6]),
                   header, display, line)  # fmt: skip


def _first_of(names: list[str], aliases: tuple[str, ...]) -> int | None:
    return next((names.index(alias) for alias in aliases if alias in names), None)


def _missing(
    role: str, aliases: tuple[str, ...], header: list[str], display: str, line: int
) -> InputError:
    shown = ", ".join(quote(h.strip(), 30) for h in header[:12]) or "none"
    return InputError(
        f"no {role} column in the header (columns: {shown}); "
        f"name it one of: {', '.join(aliases[:6])}",
        file=display,
        line=line,
    )


# --- values ----------------------------------------------------------------------------------


_SPACE = re.compile(r"\s")


def parse_recipient(text: str) -> str | None:
    """`Name <A@B.example>` -> `a@b.example`; None when it is not an address."""
    text = text.strip()
    if "<" in text and text.endswith(">"):
        text = text[text.rindex("<") + 1 : -1].strip()
    if len(text) > MAX_ADDRESS or _SPACE.search(text):
        return None
    address = text.lower()
    local, at, domain = address.rpartition("@")
    if not (local and at and "." in domain) or domain[0] == "." or domain[-1] == ".":
        return None
    return address


class _EventParser:
    """Event values to `Event`; a report uses few spellings, so each is looked up once."""

    MAX_REMEMBERED = 1000
    MAX_REMEMBERED_CHARS = 64  # a longer text is no event's spelling: not worth remembering

    def __init__(self) -> None:
        self.known: dict[str, Event | None] = {}

    def parse(self, text: str) -> Event | None:
        try:
            return self.known[text]
        except KeyError:
            event = EVENTS.get(_name(text))
            if len(self.known) < self.MAX_REMEMBERED and len(text) <= self.MAX_REMEMBERED_CHARS:
                self.known[text] = event
            return event


_GERMAN = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S.%f")
_GERMAN_DATES = ("%d.%m.%Y", "%d.%m.%y")


class Time(NamedTuple):
    seconds: float  # POSIX seconds; a date alone: its midnight, UTC
    timed: bool  # False when the value is a date without a time of day


class _TimeParser:
    """Times to POSIX seconds; remembers the last text, as reports repeat the same second."""

    def __init__(self) -> None:
        self.last_text = ""
        self.last_value: Time | None = None

    def parse(self, text: str) -> Time | None:
        if text != self.last_text:
            self.last_text, self.last_value = text, parse_time(text)
        return self.last_value


def parse_time(text: str) -> Time | None:
    """A report's time value; None when it is not one."""
    text = text.strip()
    if not text:
        return None
    if text.replace(".", "", 1).isdigit() and len(text.partition(".")[0]) in (9, 10, 12, 13):
        seconds = _epoch(text)
        return Time(seconds, True) if seconds is not None else None
    date = _date_only(text)
    if date is not None:
        return Time(dt.datetime.combine(date, dt.time(), dt.UTC).timestamp(), False)
    try:
        value: dt.datetime | None = dt.datetime.fromisoformat(text)
    except ValueError:
        value = _german(text)
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return Time(value.timestamp(), True)


def _date_only(text: str) -> dt.date | None:
    """`2026-11-16` or `16.11.2026`: a date with no time of day."""
    if len(text) == 10 and text[4] == "-":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None
    for pattern in _GERMAN_DATES:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _epoch(text: str) -> float | None:
    seconds = float(text)
    if len(text.partition(".")[0]) >= 12:  # milliseconds
        seconds /= 1000
    return seconds if seconds > 0 else None


def _german(text: str) -> dt.datetime | None:
    for pattern in _GERMAN:
        try:
            return dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None
