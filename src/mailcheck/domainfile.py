"""`mailcheck domain --from-file FILE`: the domains of a batch, one per line.

    # domain          selectors     mail-from
    acme.example      esp2026       bounce.acme.example
    shop.example      s1:s2
    brand.example     -             bounce.brand.example
    other.example,,bounce.other.example

The first column is the domain; the second its DKIM selectors (several joined by `:`, which no
selector contains); the third its MAIL FROM domain. An empty column or `-` gives none, and then
`--selector` and `--mail-from` apply.

Each line picks its separator, so the exports of spreadsheets read as they are: a comma when
the line has one (CSV), else a semicolon (the CSV of locales whose decimal mark is a comma),
else a tab (tab-separated values), else spaces. A comma, semicolon or tab ends exactly one
column, so an empty column keeps its place (`a.example<TAB><TAB>bounce.a.example` gives no
selectors), and fields may be quoted as in CSV (`"acme.example","esp2026",""`); a run of
spaces is one separator. A UTF-8 byte order mark at the start (Excel's "CSV UTF-8") is ignored.

`#` starts a comment (no domain or selector contains one, so it ends the line even inside
quotes); blank lines are skipped, and so is a header line whose first column is `domain`. `-`
as FILE reads standard input. Every problem (bad quoting, a fourth column, a bad name, a domain
listed twice) is an input error naming the file and line, found before any DNS question is
asked.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mailcheck.commands.domain import check_selector, domain_name
from mailcheck.errors import InputError

COLUMNS = ("domain", "selector", "mail-from")
SEPARATORS = (",", ";", "\t")  # in this order of precedence; otherwise white space
BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class DomainLine:
    """One domain of the batch, validated, with the defaults of the command line applied."""

    domain: str
    selectors: tuple[str, ...]
    mail_from: str | None
    line: int


def read_domain_file(
    path: Path, selectors: Sequence[str] = (), mail_from: str | None = None
) -> list[DomainLine]:
    """Every domain of the file; `selectors` and `mail_from` apply where a line gives none."""
    display = str(path)
    try:
        text = sys.stdin.read() if display == "-" else path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=display) from None
    except OSError as exc:
        problem = "file not found" if isinstance(exc, FileNotFoundError) else exc.strerror
        raise InputError(f"cannot read the domain list: {problem}", file=display) from None
    text = text.removeprefix(BOM)
    domains = parse_domain_lines(text.splitlines(), display, selectors, mail_from)
    if not domains:
        raise InputError("no domain in the file", file=display)
    return domains


def parse_domain_lines(
    lines: Iterable[str],
    display: str,
    selectors: Sequence[str] = (),
    mail_from: str | None = None,
) -> list[DomainLine]:
    default_from = domain_name(mail_from, "--mail-from") if mail_from else None
    for selector in selectors:
        check_selector(selector, "--selector")
    seen: dict[str, int] = {}
    domains: list[DomainLine] = []
    for number, raw in enumerate(lines, 1):
        try:
            columns = _columns(raw)
        except InputError as exc:
            raise InputError(exc.problem, file=display, line=number) from None
        if not columns or (not domains and not seen and columns[0].lower() == "domain"):
            continue
        try:
            entry = _entry(columns, number, selectors, default_from)
        except InputError as exc:
            raise InputError(exc.problem, file=display, line=number, key=exc.key) from None
        if entry.domain in seen:
            problem = f"{entry.domain} is listed twice (first on line {seen[entry.domain]})"
            raise InputError(problem, file=display, line=number, key="domain")
        seen[entry.domain] = number
        domains.append(entry)
    return domains


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
