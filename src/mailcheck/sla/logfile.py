"""Reading an incident or ticket log: CSV with a header line, or YAML with a list of entries.

Both are read whole, bounded: at most `MAX_BYTES` and `MAX_ENTRIES` entries, so a hostile file
is refused before its entries are judged. CSV columns are found by name (case, spaces, `_`, `-`
and umlauts do not matter; each field has a few spellings, other columns are ignored); the
delimiter (`;`, `,`, tab or `|`) is read from the header line; the encoding is UTF-8 (with or
without BOM), else Windows-1252. YAML is a mapping whose one key (`incidents:` or `tickets:`)
lists the entries, each a mapping of the fields' own names; an unknown key there is a problem,
as a misspelt key would silently drop a value. A `.yaml` or `.yml` file is YAML, any other is
CSV; `-` reads standard input, YAML when its first line is the list's key.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailcheck.core.errors import InputError, quote
from mailcheck.core.inputs import STDIN
from mailcheck.core.yamlsafe import a_noun, decode, parse, read_bounded
from mailcheck.core.yamlsafe import kind as kind_of
from mailcheck.sla.vocabulary import plain

MAX_BYTES = 16 * 1024 * 1024
MAX_ENTRIES = 100_000
DELIMITERS = (";", ",", "\t", "|")
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class LogLayout:
    """What a log holds: its kind (for messages), the YAML list's key, and each field's
    spellings as a CSV column (the first is the field's own name, the YAML key)."""

    what: str  # "incident log"
    list_key: str  # "incidents"
    fields: Mapping[str, tuple[str, ...]]
    required: frozenset[str]
    meanings: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """What each field holds, in a sentence: its JSON Schema's description."""
    lists: frozenset[str] = frozenset()
    """The fields a YAML log may give as a list (`services: [api, smtp]`)."""

    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema of the log written as YAML, for editors and CI."""
        entry = {
            "type": "object",
            "additionalProperties": False,
            "required": sorted(self.required),
            "properties": {name: self._property(name) for name in self.fields},
        }
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": self.what,
            "type": "object",
            "additionalProperties": False,
            "required": [self.list_key],
            "properties": {self.list_key: {"type": "array", "items": entry}},
        }

    def _property(self, name: str) -> dict[str, Any]:
        text: dict[str, Any] = {"type": ["string", "number"]}
        value = {"anyOf": [text, {"type": "array", "items": text}]} if name in self.lists else text
        spellings = self.fields[name][1:]
        also = f" CSV column also: {', '.join(spellings)}." if spellings else ""
        return {**value, "description": self.meanings.get(name, "") + also}


@dataclass(frozen=True)
class LogEntry:
    """One entry: its line, and each field it gives (CSV text; YAML text, number or list)."""

    line: int
    values: Mapping[str, object]


def read_log(path: Path, layout: LogLayout) -> tuple[list[LogEntry], list[InputError]]:
    """The entries of the log at `path`, and the problem of each entry of a YAML log that is no
    mapping or has an unknown key (said with the problems of its values, not before them);
    what is no such log at all is an input error."""
    display = str(path)
    too_big = f"more than {MAX_BYTES // 1024 // 1024} MiB: not {a_noun(layout.what)}"
    data = read_bounded(path, display, layout.what, MAX_BYTES, too_big)
    if _is_yaml(path, data, layout):
        return _yaml_entries(decode(data, display, layout.what), display, layout)
    return _csv_entries(_text(data), display, layout), []


def id_problem(text: str, longest: int) -> str | None:
    """Why `text` cannot name an entry in findings, or None: an id is shown as it is, so a
    control character in it (a terminal escape) is refused, as is a very long one."""
    if len(text) > longest:
        return f"an id longer than {longest} characters"
    if not text.isprintable():
        return f"an id with a control character: {quote(text)}"
    return None


def by_line(problems: list[InputError]) -> list[InputError]:
    """The problems in the order of the log's lines (those of an entry's shape and of its values
    read in two passes)."""
    return sorted(problems, key=lambda problem: problem.line or 0)


def _is_yaml(path: Path, data: bytes, layout: LogLayout) -> bool:
    if str(path) != STDIN:
        return path.suffix.lower() in YAML_SUFFIXES
    for raw in data[:4096].splitlines():
        line = raw.strip()
        if line and not line.startswith(b"#"):
            return line.startswith(f"{layout.list_key}:".encode())
    return False


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # spreadsheets on German Windows


# --- YAML ------------------------------------------------------------------------------------


def _yaml_entries(
    text: str, display: str, layout: LogLayout
) -> tuple[list[LogEntry], list[InputError]]:
    data, lines = parse(text, display, layout.what)
    key = layout.list_key
    unknown = [k for k in data if k != key]
    if unknown:
        problem = f"unknown key {quote(unknown[0])}: the entries are listed under {key}:"
        raise InputError(problem, file=display, line=lines.get((unknown[0],)))
    items = data.get(key)
    if not isinstance(items, list):
        found = "nothing" if key not in data else kind_of(items)
        raise InputError(f"expected a list under {key}:, got {found}", file=display, line=1)
    _check_count(len(items), display, layout)
    problems: list[InputError] = []
    entries = []
    for index, item in enumerate(items):
        line = lines.get((key, index))
        if not isinstance(item, dict):
            problems.append(InputError(f"expected a mapping, got {kind_of(item)}", file=display,
                                       line=line, key=f"{key}[{index}]"))  # fmt: skip
            continue
        for name in item:
            if name not in layout.fields:
                problems.append(_unknown_key(name, layout, display, lines.get((key, index, name))))
        values = {name: value for name, value in item.items() if name in layout.fields}
        entries.append(LogEntry(line or 0, values))
    return entries, problems


def _unknown_key(name: str, layout: LogLayout, display: str, line: int | None) -> InputError:
    known = ", ".join(layout.fields)
    return InputError(f"unknown key {quote(name)}; known: {known}", file=display, line=line)


# --- CSV -------------------------------------------------------------------------------------


def _csv_entries(text: str, display: str, layout: LogLayout) -> list[LogEntry]:
    lines = io.StringIO(text, newline="")
    header_line, delimiter, header = _header(lines, display, layout)
    columns = _columns(header, display, header_line, layout)
    reader = csv.reader(lines, delimiter=delimiter)
    entries: list[LogEntry] = []
    while True:
        line = header_line + reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return entries
        except csv.Error as exc:  # a field over csv's limit: a quote never closed
            raise InputError(f"not CSV: {exc}", file=display, line=line) from None
        if not any(field.strip() for field in fields):
            continue
        values = {name: fields[at].strip() for name, at in columns.items() if at < len(fields)}
        entries.append(LogEntry(line, values))
        _check_count(len(entries), display, layout)


def _header(lines: io.StringIO, display: str, layout: LogLayout) -> tuple[int, str, list[str]]:
    """The header's line number, the delimiter it uses and its column names."""
    for number, raw in enumerate(lines, start=1):
        line = raw.strip("\r\n")
        if line.strip() and not line.lstrip().startswith("#"):
            delimiter = _delimiter(line)
            try:
                return number, delimiter, next(csv.reader([line], delimiter=delimiter))
            except csv.Error as exc:
                problem = f"header line is not CSV: {exc}"
                raise InputError(problem, file=display, line=number) from None
    raise InputError(f"the {layout.what} is empty: expected a header line", file=display, line=1)


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _columns(header: list[str], display: str, line: int, layout: LogLayout) -> dict[str, int]:
    names = [plain(h) for h in header]
    found = {}
    for field, spellings in layout.fields.items():
        at = next((names.index(plain(s)) for s in spellings if plain(s) in names), None)
        if at is not None:
            found[field] = at
        elif field in layout.required:
            shown = ", ".join(quote(h.strip(), 30) for h in header[:12]) or "none"
            raise InputError(
                f"no {field} column in the header (columns: {shown}); name it one of: "
                f"{', '.join(spellings[:6])}",
                file=display,
                line=line,
            )
    return found


def _check_count(count: int, display: str, layout: LogLayout) -> None:
    if count > MAX_ENTRIES:
        problem = f"more than {MAX_ENTRIES:,} entries: split the {layout.what} (e.g. per year)"
        raise InputError(problem, file=display)
