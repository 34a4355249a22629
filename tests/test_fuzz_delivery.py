"""Property tests: whatever a delivery report or a domain list holds, mailcheck ends in findings
or in an input error (exit 2) that names the file and line, never in another exception."""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from delivery_reports import at
from mailcheck.core.errors import InputError
from mailcheck.engine.domainfile import parse_domain_lines, read_domain_file

SETTINGS = settings(max_examples=100, deadline=3000, database=None)
REPORT_SETTINGS = settings(SETTINGS, max_examples=60)  # each runs the whole command

COLUMNS = (
    "timestamp", "time", "Datum", "Uhrzeit", "date", "recipient", "Empfänger", "email", "event",
    "status", "Ereignis", "extra", "",
)  # fmt: skip
VALUES = (
    at(1), at(7), "16.11.2026 10:05", "2026-11-16", "10:05", "1763287500", "1763287500123",
    "a@b.example", "Name <A@B.example>", "x@gmx.de", "info@c.example", "@", "a@.", "hard_bounce",
    "Hard Bounce", "delivered", "complaint", "unsubscribe", "soft", "?", '"', '""', '"a,b"', "",
    "sep=;", "\r", "\n", "\r\n", "\x00", ";", ",", "\t", "|", "\ufeff", "ä",
)  # fmt: skip
DELIMITERS = (",", ";", "\t", "|", " ")

cell = st.one_of(st.sampled_from(VALUES), st.text(max_size=12))


@st.composite
def report_text(draw: st.DrawFn) -> str:
    """A report that is nearly right: known columns and values, in any arrangement."""
    delimiter = draw(st.sampled_from(DELIMITERS))
    header = draw(st.lists(st.sampled_from(COLUMNS), min_size=0, max_size=5))
    rows = draw(st.lists(st.lists(cell, max_size=6), max_size=12))
    lines = [delimiter.join(header), *(delimiter.join(row) for row in rows)]
    return draw(st.sampled_from(("\n", "\r\n", "\r"))).join(lines)


@st.composite
def report_bytes(draw: st.DrawFn) -> bytes:
    text = draw(st.one_of(report_text(), st.text(max_size=200)))
    encoding = draw(st.sampled_from(("utf-8", "utf-8-sig", "utf-16", "cp1252")))
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()):  # a byte or two changed anywhere
        for at_byte, byte in draw(st.lists(st.tuples(st.integers(0, 400), st.integers(0, 255)))):
            if data:
                position = at_byte % len(data)
                data = data[:position] + bytes([byte]) + data[position + 1 :]
    return data


def run_hygiene_on(data: bytes, *args: str) -> tuple[int, str, str]:
    from mailcheck.cli import main

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.csv"
        path.write_bytes(data)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["hygiene", str(path), "--format", "json", *args])
        return code, str(path), err.getvalue()


def assert_findings_or_input_error(code: int, path: str, err: str) -> None:
    assert "Traceback" not in err
    if code == 2:
        assert re.match(rf"mailcheck: error: {re.escape(path)}:\d+: ", err), err
    else:
        assert code in (0, 1, 3), err


@REPORT_SETTINGS
@given(report_bytes())
def test_any_report_ends_in_findings_or_an_input_error_naming_the_line(data: bytes) -> None:
    code, path, err = run_hygiene_on(data, "--capacity", "12")
    assert_findings_or_input_error(code, path, err)


@REPORT_SETTINGS
@given(st.binary(max_size=300))
def test_any_bytes_as_a_report(data: bytes) -> None:
    code, path, err = run_hygiene_on(data)
    assert_findings_or_input_error(code, path, err)


# --- domain lists ------------------------------------------------------------------------------

NAMES = (
    "a.example", "B.example.", "Bücher.example", "xn--bcher-kva.example", "-", "", "domain",
    "s1", "s1:s2", "s1::s2", "bounce.a.example", "a..example", '"', '"a.example"', "#", "# c",
    "not a domain", "x" * 70, "é",
)  # fmt: skip


@st.composite
def domain_list_text(draw: st.DrawFn) -> str:
    separator = draw(st.sampled_from((",", ";", "\t", " ", "  ")))
    rows = draw(
        st.lists(
            st.lists(st.one_of(st.sampled_from(NAMES), st.text(max_size=8)), max_size=4),
            max_size=10,
        )
    )
    return "\n".join(separator.join(row) for row in rows)


@SETTINGS
@given(domain_list_text())
def test_any_domain_list_ends_in_domains_or_an_input_error_naming_the_line(text: str) -> None:
    lines = text.splitlines()
    try:
        domains = parse_domain_lines(lines, "list.txt")
    except InputError as error:
        assert (error.file, error.exit_code) == ("list.txt", 2)
        assert error.line is not None and 1 <= error.line <= len(lines)
        return
    assert len({d.domain for d in domains}) == len(domains)
    assert all(1 <= d.line <= len(lines) for d in domains)


@SETTINGS
@given(st.one_of(domain_list_text().map(str.encode), st.binary(max_size=200)))
def test_any_bytes_as_a_domain_list(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "domains.txt"
        path.write_bytes(data)
        try:
            with read_domain_file(path) as domains:
                assert len(list(domains)) == len(domains) > 0
        except InputError as error:
            assert error.file == str(path)
            if error.line is None:  # only a list without any domain is refused as a whole
                # lines end at "\n" only, as the file reader reads them (a lone "\r" does not)
                assert parse_domain_lines(data.decode().split("\n"), "list") == []
