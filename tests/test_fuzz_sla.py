"""Property tests: whatever an incident log, a ticket log or a terms file holds, `mailcheck sla`
ends in findings or in input errors (exit 2) naming the file, never in another exception."""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

SETTINGS = settings(max_examples=60, deadline=5000, database=None)

INCIDENT_COLUMNS = ("id", "start", "end", "services", "cause", "announced", "claimed", "Beginn",
                    "Ende", "note", "severity", "")  # fmt: skip
TICKET_COLUMNS = ("id", "channel", "opened", "answered", "Kanal", "Erste Antwort", "x", "",
                  "severity", "Paket")  # fmt: skip
VALUES = (
    "2026-04-10T10:00:00Z", "2026-04-10T12:00:00+02:00", "2026-04-10 10:00 Europe/Berlin",
    "2026-03-29 02:30 Europe/Berlin", "0001-01-01 00:30 Europe/Berlin", "9999-12-31T23:59Z",
    "2026-04-10 10:00", "2026-04-10", "10.04.2026 10:00 UTC", "2026-04-10 10:00 Mars/Olympus",
    "2026-04-10 10:00 ../../etc", "+01:00", "smtp", "api;smtp", "DDoS", "maintenance", "meteor",
    "phone", "E-Mail", "fax", "2026-05-10", "31.04.2026", '"', '""', ";", ",", "\t", "|", "",
    "critical", "Kritische Störung", "major", "blocker", "premium", "Premium Flex", "gold",
    "Kundenkomponente",
    "\x00", "ä", "x" * 200,
)  # fmt: skip

cell = st.one_of(st.sampled_from(VALUES), st.text(max_size=12))


@st.composite
def log_text(draw: st.DrawFn, columns: tuple[str, ...]) -> str:
    delimiter = draw(st.sampled_from((",", ";", "\t", "|")))
    header = draw(st.lists(st.sampled_from(columns), max_size=6))
    rows = draw(st.lists(st.lists(cell, max_size=7), max_size=10))
    return "\n".join([delimiter.join(header), *(delimiter.join(row) for row in rows)])


@st.composite
def yaml_log(draw: st.DrawFn, key: str, columns: tuple[str, ...]) -> str:
    entries = draw(
        st.lists(st.dictionaries(st.sampled_from(columns), cell, max_size=5), max_size=6)
    )
    lines = [f"{draw(st.sampled_from((key, 'other', key)))}:"]
    for entry in entries:
        fields = ", ".join(f"{name or 'x'}: {value!r}" for name, value in entry.items())
        lines.append(f"  - {{{fields}}}")
    return "\n".join(lines)


TERMS_LINES = (
    "terms: 1", "terms: 2", "title: t", "source: s", "availability:", "  target_percent: 99.9",
    "  target_percent: 101", "  time_zone: Europe/Berlin", "  time_zone: Mars", "  credit:",
    "    percent_per_period: 5", "    period_minutes: 30", "    periods: started",
    "    allowance_percent: 0.5", "  claim: {within_days: 30}", "support:", "  time_zone: UTC",
    "  opens: 7:00", "  closes: '19:00'", "  closes: 24:00", "  holidays: LU", "  holidays: XX",
    "  reaction:", "    - {channel: phone, limit: '< 15 min'}", "    - {channel: phone, limit: x}",
    "  days: [mon, fri, sun]", "  days: mon", "  - x", "&a [*a]", "",
    "severities: [{name: high, aliases: [P1]}, {name: low}]", "severities: [{name: high}, x]",
    "packages: [{name: gold}]", "packages: [{name: gold}, {name: GOLD}]",
    "  counted_severities: [high]", "  counted_severities: [none]",
    "  base: month_without_maintenance", "  base: year",
    "  maintenance: {notice: 72 h, windows: [{name: w, weekday: tue, week: 1, starts: '17:00'}]}",
    "  maintenance: {notice: soon, windows: [{weekday: tue, week: 0}]}",
    "    - {severity: high, limit: '< 1 h', clock: always}", "    - {severity: low, no_figure: x}",
    "    - {package: gold, severity: high, limit: 2 d}", "    - {severity: high, limit: 1 h}",
    "    - {limit: 1 h}", "    - {severity: low, limit: 1 h, no_figure: y}",
)  # fmt: skip


def run_sla(files: dict[str, str], *args: str) -> tuple[int, str, str]:
    from mailcheck.cli import main

    with tempfile.TemporaryDirectory() as folder:
        for name, text in files.items():
            (Path(folder) / name).write_text(text, encoding="utf-8", errors="replace")
        out, err = io.StringIO(), io.StringIO()
        arguments = [arg.format(dir=folder) for arg in args]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["sla", *arguments, "--today", "2026-05-15", "--format", "json"])
        return code, folder, err.getvalue()


def assert_findings_or_input_errors(code: int, folder: str, err: str) -> None:
    assert "Traceback" not in err
    if code == 2:
        lines = err.strip().splitlines()
        place = rf"mailcheck: error: ({re.escape(folder)}/|--package: |\.\.\. and \d+ more)"
        assert lines and all(re.match(place, line) for line in lines), err
    else:
        assert code in (0, 1, 3), err


@SETTINGS
@given(st.one_of(log_text(INCIDENT_COLUMNS), yaml_log("incidents", INCIDENT_COLUMNS)))
def test_any_incident_log(text: str) -> None:
    name = "log.yaml" if text.startswith(("incidents:", "other:")) else "log.csv"
    code, folder, err = run_sla(
        {name: text}, "--terms", "003", "--incidents", f"{{dir}}/{name}", "--month", "2026-04"
    )
    assert_findings_or_input_errors(code, folder, err)


@SETTINGS
@given(
    st.one_of(log_text(TICKET_COLUMNS), yaml_log("tickets", TICKET_COLUMNS)),
    st.sampled_from(("002", "004")),
    st.sampled_from(((), ("--package", "premium"), ("--package", "gold"))),
)
def test_any_ticket_log(text: str, terms: str, package: tuple[str, ...]) -> None:
    name = "log.yaml" if text.startswith(("tickets:", "other:")) else "log.csv"
    code, folder, err = run_sla(
        {name: text}, "--terms", terms, "--tickets", f"{{dir}}/{name}", *package
    )
    assert_findings_or_input_errors(code, folder, err)


@SETTINGS
@given(st.one_of(log_text(INCIDENT_COLUMNS), yaml_log("incidents", INCIDENT_COLUMNS)))
def test_any_incident_log_under_seed_004(text: str) -> None:
    name = "log.yaml" if text.startswith(("incidents:", "other:")) else "log.csv"
    code, folder, err = run_sla(
        {name: text}, "--terms", "004", "--incidents", f"{{dir}}/{name}", "--month", "2026-04"
    )
    assert_findings_or_input_errors(code, folder, err)


@SETTINGS
@given(st.lists(st.one_of(st.sampled_from(TERMS_LINES), st.text(max_size=10)), max_size=14))
def test_any_terms_file(lines: list[str]) -> None:
    files = {
        "terms.yaml": "\n".join(lines),
        "tickets.csv": "channel,severity,opened\nphone,P1,2026-04-10T10:00:00Z\n",
        "incidents.csv": "start,end,cause,severity,announced\n"
        "2026-04-10T10:00:00Z,2026-04-10T12:00:00Z,,low,\n"
        "2026-04-07T15:00:00Z,2026-04-07T16:00:00Z,maintenance,,2026-04-01T10:00:00Z\n",
    }
    code, folder, err = run_sla(
        files, "--terms", "{dir}/terms.yaml", "--tickets", "{dir}/tickets.csv",
        "--incidents", "{dir}/incidents.csv", "--month", "2026-04",
    )  # fmt: skip
    assert_findings_or_input_errors(code, folder, err)
