"""No value from a user's files changes what the terminal or a report shows.

A sheet (customer name, exemption reason, sample file name), a sample message (subject, From
display name), a DNS answer (a TXT record) and a ticket log carry escape sequences (colour,
an OSC 8 hyperlink), `\\r`, BEL, rich markup (`[bold]`, `[link=...]`), `|`, a line break and
`<script>`. Every command that shows them, coloured or not, must show them as text: the
sequences escaped (`\\x1b`), the markup as written, a Markdown table row whole, and the exit
code that of a twin sheet with a tame value in the same places.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT

ACME = REPO_ROOT / "examples" / "acme"
ZONE_NAMES = ("acme.example", "acme-shop.example", "esp.example", "100.51.198.in-addr.arpa")
TODAY = ["--today", "2026-11-20"]

HOSTILE = (
    "\x1b[31mRED\x1b[0m\r[bold]B[/] [link=https://evil]x[/] a|b\nc\x07"
    "\x1b]8;;https://evil\x1b\\y\x1b]8;;\x1b\\ <script> \x9b7mC1 \u202eLTR"
)
"""Colour, a carriage return, markup, a pipe, a line break, BEL, a hyperlink, an HTML tag, a
C1 control sequence introducer (CSI) and a right-to-left override."""
ONE_LINE_HOSTILE = "\x1b[31mRED\x1b[0m[bold]B[/] [link=https://evil]x[/] a|b\x07"
"""What a mail header line can carry (no line break, no carriage return)."""
HOSTILE_FILE = "in\x1b[31mRED [bold]B|x.eml"  # no `/`: a path separator
TAME = "ACME GmbH"

RAW = ("\x1b[31mRED", "\x1b]8;;https://evil", "\x07", "\r", "\x9b", "\u202e")
"""What the values would do to a terminal if written as they are."""
SHOWN = ("\\x1b[31mRED", "[bold]B[/]", "[link=https://evil]x[/]")
"""What a person sees instead: the escape written out, the markup as written."""


@dataclass(frozen=True)
class Sheets:
    hostile: Path
    tame: Path
    zones: list[str]


def _sample(source: Path, target: Path, subject: str, display: str) -> None:
    message = source.read_bytes()
    message = re.sub(rb"(?m)^Subject: .*$", f"Subject: {subject}".encode(), message, count=1)
    message = re.sub(rb"(?m)^From: [^<\n]*<", f'From: "{display}" <'.encode(), message, count=1)
    target.write_bytes(message)


def _sheet(folder: Path, value: str, one_line_value: str, sample_name: str) -> Path:
    folder.mkdir()
    (folder / "samples").mkdir()
    shutil.copy(ACME / "samples" / "newsletter.eml", folder / "samples" / "newsletter.eml")
    _sample(
        ACME / "samples" / "invoice.eml",
        folder / "samples" / sample_name,
        one_line_value,
        one_line_value,
    )
    data = yaml.safe_load((ACME / "sheet.yaml").read_text(encoding="utf-8"))
    data["customer"] = value
    data["samples"] = ["samples/newsletter.eml", f"samples/{sample_name}"]
    data["exemptions"] = [
        {"rule": "sender.role", "subject": "Info+shop@acme-shop.example", "reason": value}
    ]
    path = folder / "sheet.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=False), encoding="utf-8")
    return path


@pytest.fixture
def sheets(tmp_path, monkeypatch) -> Sheets:
    for name in ("NO_COLOR", "FORCE_COLOR", "GITHUB_ACTIONS", "MAILCHECK_DB"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # long values stay on one line: easy to find
    zones = [arg for zone in ZONE_NAMES for arg in ("--zone", str(ACME / "zones" / f"{zone}.zone"))]
    return Sheets(
        hostile=_sheet(tmp_path / "hostile", HOSTILE, ONE_LINE_HOSTILE, HOSTILE_FILE),
        tame=_sheet(tmp_path / "tame", TAME, "Invoice", "invoice-copy.eml"),
        zones=zones,
    )


def assert_harmless(output: str, *, coloured: bool) -> None:
    """Nothing of the hostile values acts on a terminal; without colour no escape at all is
    written (so every escape in the coloured output is the view's own styling)."""
    for raw in RAW:
        assert raw not in output, repr(raw)
    if not coloured:
        assert "\x1b" not in output


def assert_shown(output: str) -> None:
    for text in SHOWN:
        assert text in output, text


def _views(sheets: Sheets, sheet: Path, db: Path) -> dict[str, list[str | Path]]:
    """The commands that show a sheet's values to people, with their arguments."""
    return {
        "check": ["check", sheet, *sheets.zones, *TODAY, "-v", "--profile", "gmail"],
        "deadlines": ["deadlines", sheet, *sheets.zones, *TODAY, "-v"],
        "recheck": ["recheck", "--db", db, *sheets.zones, *TODAY, "-v"],
        "history": ["history", "acme-shop.example", "--db", db, "-v"],
        "plan": ["plan", sheet, *sheets.zones, *TODAY],
    }


def _recorded(run_cli, sheets: Sheets, sheet: Path, db: Path) -> None:
    code, _, err = run_cli("check", sheet, *sheets.zones, "--today", "2026-11-16", "--db", db)
    assert code == 1, err


@pytest.mark.parametrize("view", ["check", "deadlines", "recheck", "history", "plan"])
def test_a_view_shows_hostile_values_as_text_coloured_or_not(run_cli, sheets, tmp_path, view):
    codes = {}
    for name, sheet in (("tame", sheets.tame), ("hostile", sheets.hostile)):
        db = tmp_path / f"{name}.sqlite"
        _recorded(run_cli, sheets, sheet, db)
        args = _views(sheets, sheet, db)[view]
        colour = [] if view == "plan" else ["--color", "always"]
        codes[name], coloured, err = run_cli(*args, *colour)
        assert "Traceback" not in err
        if name == "hostile":
            assert_harmless(coloured + err, coloured=bool(colour))
            assert_shown(coloured)
            if colour:
                code, plain, err = run_cli(*args, "--color", "never")
                assert code == codes[name]
                assert_harmless(plain + err, coloured=False)
                assert_shown(plain)
    assert codes["hostile"] == codes["tame"]


def test_a_sample_file_name_is_shown_escaped(run_cli, sheets):
    _, out, _ = run_cli("check", sheets.hostile, *sheets.zones, *TODAY, "--color", "always")
    assert_harmless(out, coloured=True)
    assert "in\\x1b[31mRED [bold]B|x.eml" in out


def test_a_line_break_in_a_value_does_not_start_a_line_of_its_own(run_cli, sheets):
    _, out, _ = run_cli("deadlines", sheets.hostile, *sheets.zones, *TODAY, "-v")
    assert "a|b\\nc" in out
    assert not any(line.startswith("c") for line in out.splitlines())


def _table_rows(markdown: str) -> list[list[str]]:
    """Each Markdown table as its rows, each row as its cells (an escaped `\\|` is no cell
    border)."""
    tables, current = [], []
    for line in [*markdown.splitlines(), ""]:
        if line.startswith("|"):
            current.append(re.split(r"(?<!\\)\|", line))
        elif current:
            tables.append(current)
            current = []
    return tables


def test_markdown_keeps_hostile_values_inside_their_cells(run_cli, sheets):
    code, out, _ = run_cli("check", sheets.hostile, *sheets.zones, *TODAY, "--format", "markdown")
    tame_code, _, _ = run_cli("check", sheets.tame, *sheets.zones, *TODAY, "--format", "markdown")
    assert code == tame_code
    assert_harmless(out, coloured=False)
    assert "\\[bold\\]B\\[/\\]" in out  # markup of neither Markdown nor rich
    assert "\\<script\\>" in out and "<script>" not in out.replace("`", "")
    tables = _table_rows(out)
    assert tables
    for rows in tables:
        assert len({len(row) for row in rows}) == 1, rows  # no `|` or line break split a row
    reason = next(line for line in out.splitlines() if "exempted" in line)
    assert "a\\|b c" in reason  # the line break flattened, the pipe escaped


def test_json_keeps_the_value_as_data_and_writes_no_raw_escape(run_cli, sheets):
    code, out, _ = run_cli("check", sheets.hostile, *sheets.zones, *TODAY, "--format", "json")
    tame_code, _, _ = run_cli("check", sheets.tame, *sheets.zones, *TODAY, "--format", "json")
    assert code == tame_code
    assert_harmless(out, coloured=False)
    exempted = [
        f
        for f in json.loads(out)["findings"]
        if f["rule"] == "sender.role" and f["subject"] == "Info+shop@acme-shop.example"
    ]
    assert exempted and HOSTILE in exempted[0]["message"]  # the data itself, unchanged


@pytest.mark.parametrize(
    ("command", "fmt"), [("deadlines", "json"), ("check", "json"), ("check", "jsonl")]
)
def test_json_keeps_the_customer_as_written_and_escapes_what_a_terminal_acts_on(
    run_cli, sheets, command, fmt
):
    """JSON escapes C0 controls itself; C1 controls, DEL and bidirectional overrides are
    escaped as well (`\\u009b`): the same data, harmless when shown."""
    _, out, _ = run_cli(command, sheets.hostile, *sheets.zones, *TODAY, "--format", fmt)
    assert_harmless(out, coloured=False)
    if command == "deadlines" and fmt == "json":
        assert {row["customer"] for row in json.loads(out)["deadlines"]} == {HOSTILE}
    else:
        lines = out.splitlines() if fmt == "jsonl" else [out]
        assert HOSTILE in _texts([json.loads(line) for line in lines])


def test_github_annotations_escape_what_the_job_log_would_colour(run_cli, sheets, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    _, _, err = run_cli("check", sheets.hostile, *sheets.zones, *TODAY, "--format", "sarif")
    annotations = [line for line in err.splitlines() if line.startswith("::")]
    assert annotations
    assert_harmless(err, coloured=False)
    assert any("in\\x1b[31mRED" in line for line in annotations)


def test_sarif_writes_no_raw_escape_and_keeps_the_value_as_data(run_cli, sheets):
    _, out, _ = run_cli("check", sheets.hostile, *sheets.zones, *TODAY, "--format", "sarif")
    assert "\x1b" not in out
    assert f"samples/{HOSTILE_FILE}" in _texts(json.loads(out))  # the sample's name, as data


def _texts(data: object) -> str:
    """Every string in a JSON document, one after the other."""
    if isinstance(data, str):
        return data
    if isinstance(data, dict):
        return "".join(_texts(value) for value in data.values())
    if isinstance(data, list):
        return "".join(_texts(value) for value in data)
    return ""


def test_html_escapes_the_values(run_cli, sheets):
    _, out, _ = run_cli("check", sheets.hostile, *sheets.zones, *TODAY, "--format", "html")
    _, tame, _ = run_cli("check", sheets.tame, *sheets.zones, *TODAY, "--format", "html")
    assert out.count("<script") == tame.count("<script")  # the report's own, if any
    assert "&lt;script&gt;" in out


# --- values from DNS and from a ticket log --------------------------------------------------


@pytest.fixture
def hostile_zones(tmp_path) -> list[str]:
    """The example zones, the shop's SPF record with an escape sequence, markup and a pipe
    (RFC 1035 zone files write a byte as `\\DDD`)."""
    args = []
    for zone in ZONE_NAMES:
        text = (ACME / "zones" / f"{zone}.zone").read_text(encoding="utf-8")
        if zone == "acme-shop.example":
            text = text.replace(
                '"v=spf1 include:spf.esp.example ~all"',
                '"v=spf1 include:spf.esp.example \\027[31mRED[bold]B[/]|x ~all"',
            )
        path = tmp_path / f"{zone}.zone"
        path.write_text(text, encoding="utf-8")
        args += ["--zone", str(path)]
    return args


@pytest.mark.parametrize("command", ["spf", "domain"])
def test_a_txt_record_from_dns_is_shown_as_text(run_cli, hostile_zones, command, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    args = [command, "bounce.acme-shop.example", *hostile_zones]
    code, out, err = run_cli(*args, "--color", "always")
    assert code == 1, err
    assert "\x1b[31mRED" not in out
    assert "\\x1b[31mRED[bold]B[/]|x" in out
    plain_code, plain, _ = run_cli(*args, "--color", "never")
    assert plain_code == code and "\x1b" not in plain


def test_a_ticket_id_with_markup_is_shown_as_written(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    tickets = (REPO_ROOT / "examples" / "sla" / "tickets.csv").read_text(encoding="utf-8")
    log = tmp_path / "tickets.csv"
    log.write_text(tickets.replace("\nT-2;", "\n[link=https://evil]T-2[/]|x;"), encoding="utf-8")
    args = ["sla", "--terms", "002", "--tickets", log, *TODAY, "-v"]
    code, out, _ = run_cli(*args, "--color", "always")
    assert code == 1
    assert "[link=https://evil]T-2[/]|x" in out
    assert "\x1b]8;;" not in out


def test_a_control_character_in_a_ticket_log_is_a_one_line_input_error(run_cli, tmp_path):
    log = tmp_path / "tickets.csv"
    log.write_text(
        "id;channel;opened;answered\n"
        "T\x1b[31m1;E-Mail;2026-03-13T18:55:00+01:00;2026-03-16T07:20:00+01:00\n",
        encoding="utf-8",
    )
    code, out, err = run_cli("sla", "--terms", "002", "--tickets", log, *TODAY)
    assert code == 2 and not out
    assert len(err.strip().splitlines()) == 1
    assert "\x1b" not in err and "\\x1b[31m" in err


def _own_terms(tmp_path: Path, source: str) -> Path:
    text = (REPO_ROOT / "examples" / "sla" / "own-terms.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^source: .*$", lambda _: f"source: {json.dumps(source)}", text)
    path = tmp_path / "own-terms.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_markup_in_the_terms_is_shown_as_written(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    terms = _own_terms(tmp_path, "[link=https://evil]contract[/] |B [bold]x[/]")
    tickets = REPO_ROOT / "examples" / "sla" / "tickets-own.csv"
    args = ["sla", "--terms", terms, "--tickets", tickets, *TODAY]
    code, out, _ = run_cli(*args, "--color", "always")
    assert code == 1
    assert "[link=https://evil]contract[/] |B [bold]x[/]" in out and "\x1b]8;;" not in out
    code, markdown, _ = run_cli(*args, "--format", "markdown")
    assert code == 1
    assert "\\[link=https://evil\\]contract\\[/\\] \\|B \\[bold\\]x\\[/\\]" in markdown


def test_a_control_character_in_the_terms_is_a_one_line_input_error(run_cli, tmp_path):
    terms = _own_terms(tmp_path, "contract \x1b[31mRED\r")
    tickets = REPO_ROOT / "examples" / "sla" / "tickets-own.csv"
    code, out, err = run_cli("sla", "--terms", terms, "--tickets", tickets, *TODAY)
    assert code == 2 and not out
    assert len(err.strip().splitlines()) == 1
    assert "\x1b" not in err and "\r" not in err and "\\x1b[31mRED" in err


# --- the helpers every view uses ------------------------------------------------------------


def test_a_styled_line_keeps_its_styles_when_its_text_is_escaped():
    from rich.text import Text

    from mailcheck.output.layout import safe_text

    line = Text("\x1b[31m", style="dim")
    line.append("FAIL", style="bold red")
    line.append(" x\x1b]8;;")
    safe = safe_text(line)
    assert safe.plain == "\\x1b[31mFAIL x\\x1b]8;;"
    assert safe.style == "dim"
    assert [(safe.plain[s.start : s.end], str(s.style)) for s in safe.spans] == [
        ("FAIL", "bold red")
    ]


def test_json_text_is_the_same_data_with_nothing_a_terminal_acts_on():
    from mailcheck.output.json import json_text

    data = {"name": "Grüße \x9b7m \u202eLTR \x7f \U000e0001 \u2028", "n": [1, "\x1b"]}
    text = json_text(data, indent=2)
    assert json.loads(text) == data
    assert "Grüße" in text  # printable text stays as written
    assert all(char.isprintable() or char == "\n" for char in text)


def test_the_notice_naming_the_state_store_escapes_its_path(run_cli, sheets, tmp_path):
    codes = []
    for name in ("state.sqlite", "state\x1b[31mRED[bold]B[/].sqlite"):
        _recorded(run_cli, sheets, sheets.tame, tmp_path / name)
        code, _, err = run_cli("history", "acme-shop.example", "--db", tmp_path / name)
        codes.append(code)
    assert codes[0] == codes[1]
    assert_harmless(err, coloured=False)
    assert "state\\x1b[31mRED[bold]B[/].sqlite" in err
