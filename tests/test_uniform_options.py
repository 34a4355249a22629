"""Every command that produces findings takes the same options, spelled the same, and acts on
them: `--format` (every format), `-o/--output` (`-`: standard output), `--select`/`--ignore`,
`--today`, `--strict`, `-v/--verbose`, `--color`; every command takes `-h`; help shows
metavars, not Python types; the store option is `--db` wherever there is one, and the commands
that read the store say which."""

from __future__ import annotations

import itertools
import json
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import dns.zone
import pytest

from conftest import REPO_ROOT
from mailcheck.output import Format
from test_formats import validate_sarif

EXAMPLES = REPO_ROOT / "examples"
EXAMPLE = EXAMPLES / "acme"
SHEET = EXAMPLE / "sheet.yaml"
ZONES = [arg for z in sorted((EXAMPLE / "zones").glob("*.zone")) for arg in ("--zone", str(z))]
RECIPIENTS = REPO_ROOT / "tests/snapshots/inputs/recipients.txt"
TODAY = "2026-11-20"

# command -> (its arguments, a --select and an --ignore that leave some of its rules)
COMMANDS: dict[str, tuple[list[str], str, str]] = {
    "check": ([str(SHEET), *ZONES], "sender.,spf.", "spf.lookups"),
    "message": ([str(EXAMPLE / "samples/newsletter.eml"), *ZONES], "message.", "message.size"),
    "domain": (["acme.example", "--selector", "esp2026", *ZONES], "spf.,dkim.", "spf.lookups"),
    "spf": (["bounce.acme.example", *ZONES], "spf.", "spf.lookups"),
    "recheck": ([str(SHEET), *ZONES], "sender.,spf.", "spf.lookups"),
    "hygiene": ([str(EXAMPLE / "delivery-report.csv")], "hygiene.", "hygiene.complaints"),
    "deadlines": ([str(SHEET), *ZONES], "deadline.,spf.", "spf.lookups"),
    "history": (["acme.example"], "sender.,spf.", "spf.lookups"),
    "sla": (
        ["--terms", "003", "--incidents", str(EXAMPLES / "sla/incidents.csv"), "--month=2026-03"],
        "sla.",
        "sla.claim",
    ),
    "recipients": ([str(RECIPIENTS), *ZONES, "--dns-only"], "recipient.", "spf."),
    # the Git hook: the repository's zone files of the example, by a Git pathspec
    "hook": ([str(SHEET), "--zones", f"{EXAMPLE}/zones/*.zone"], "sender.,spf.", "spf.lookups"),
}
STORE_COMMANDS = ("recheck", "history")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store in which the example was checked once (what recheck and history read)."""
    from mailcheck.cli import main

    db = tmp_path_factory.mktemp("store") / "state.sqlite"
    assert main(["check", str(SHEET), *ZONES, "--db", str(db), "--today", "2026-11-17"]) == 1
    return db


def arguments(command: str, store: Path) -> list[str]:
    args, select, ignore = COMMANDS[command]
    db = ["--db", str(store)] if command in STORE_COMMANDS else []
    return [command, *args, *db, "--select", select, "--ignore", ignore]


def assert_readable(fmt: Format, text: str) -> None:
    """The report is what the format promises."""
    assert text.strip()
    if fmt is Format.JSON:
        json.loads(text)
    elif fmt is Format.SARIF:
        validate_sarif(json.loads(text))
    elif fmt is Format.JUNIT:
        assert ElementTree.fromstring(text).tag in ("testsuites", "testsuite")
    elif fmt is Format.HTML:
        assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
        assert "Verdict:" in text
    elif fmt is Format.JSONL:
        lines = [json.loads(line) for line in text.splitlines()]
        assert "exit_code" in lines[-1] and all("rule" in line for line in lines[:-1])
    elif fmt is Format.ZONE:  # a zone file: records and comments only
        assert text.startswith("; Change set")
        dns.zone.from_text(
            "@ 3600 IN SOA ns. host. 1 2 3 4 5\n@ 3600 IN NS ns.\n" + text,
            origin="example.",
            relativize=False,
            check_origin=False,
        )


@pytest.mark.parametrize("fmt", list(Format))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_findings_command_takes_the_uniform_options(run_cli, store, tmp_path, command, fmt):
    target = tmp_path / f"report.{fmt.value}"
    args = [*arguments(command, store), "--format", fmt.value, "-o", target]
    code, out, err = run_cli(*args, "--today", TODAY, "--strict")
    assert code in (0, 1, 3), err
    assert "Traceback" not in err
    assert out == ""  # the report went to the file, its summary to stderr
    assert "exit code" in err
    assert_readable(fmt, target.read_text(encoding="utf-8"))


@pytest.mark.parametrize("command", list(COMMANDS))
def test_verbose_lists_more_and_color_follows_the_choice(run_cli, store, tmp_path, command):
    """`-v` lists what needs no action too; `--color always` colours even a file, `never` not
    even a terminal would be."""
    quiet, verbose = tmp_path / "quiet.txt", tmp_path / "verbose.txt"
    base = [*arguments(command, store), "--today", TODAY]
    code, _, err = run_cli(*base, "-o", quiet, "--color", "never")
    assert code in (0, 1, 3), err
    code, _, err = run_cli(*base, "-o", verbose, "--verbose", "--color", "always")
    assert code in (0, 1, 3), err
    plain, coloured = quiet.read_text(encoding="utf-8"), verbose.read_text(encoding="utf-8")
    assert "\x1b[" not in plain and "\x1b[" in coloured
    listed, counted = len(_visible(coloured).splitlines()), len(plain.splitlines())
    # what -v adds is counted without it, and then said
    assert listed > counted if "-v lists them" in plain else listed >= counted


def _visible(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_output_dash_is_standard_output(run_cli, store, command):
    code, out, err = run_cli(*arguments(command, store), "--format", "json", "-o", "-")
    assert code in (0, 1, 3), err
    json.loads(out)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_select_and_ignore_choose_the_findings(run_cli, store, command):
    _, select, ignore = COMMANDS[command]
    code, out, err = run_cli(*arguments(command, store), "--format", "jsonl")
    assert code in (0, 1, 3), err
    rules = {json.loads(line).get("rule") for line in out.splitlines()} - {None}
    prefixes = tuple(select.split(","))
    assert rules and all(rule.startswith(prefixes) for rule in rules)
    assert ignore not in rules


@pytest.mark.parametrize("command", ["check", "domain", "deadlines", "history"])
def test_strict_makes_warnings_fail_everywhere(run_cli, store, command):
    """The example warns on dmarc.record (p=none): --strict turns that into exit 1."""
    base = {
        "check": [str(SHEET), *ZONES],
        "domain": ["acme.example", "--selector", "esp2026", *ZONES],
        "deadlines": [str(SHEET), *ZONES],
        "history": ["acme.example", "--db", str(store)],
    }[command]
    chosen = ["--select", "dmarc.record"] if command != "deadlines" else []
    lenient, _, _ = run_cli(command, *base, *chosen, "--today", TODAY)
    strict, _, _ = run_cli(command, *base, *chosen, "--today", TODAY, "--strict")
    if command == "deadlines":
        assert strict >= lenient
    else:
        assert (lenient, strict) == (0, 1)


def test_today_pins_the_clocks_of_history(run_cli, tmp_path):
    """A clock still running counts its working days to --today (default: the last run)."""
    db = tmp_path / "state.sqlite"
    assert run_cli("check", SHEET, *ZONES, "--db", db, "--today", "2026-11-17")[0] == 1

    def working_days(*today: str) -> set[int]:
        _, out, _ = run_cli("history", SHEET, "--db", db, "--format", "json", *today)
        keys = json.loads(out)["keys"]
        return {c["working_days"] for k in keys for c in k["clocks"] if c["fixed_on"] is None}

    assert working_days() == {0}  # failing since the only run, 2026-11-17 (a Tuesday)
    assert working_days("--today", "2026-11-20") == {3}


# --- help, completion, metavars -----------------------------------------------------------------


def command_names() -> list[str]:
    from mailcheck.cli import app

    return sorted(c.name or c.callback.__name__ for c in app.registered_commands if c.callback)


@pytest.mark.parametrize("command", command_names())
def test_dash_h_is_help_with_metavars_not_python_types(run_cli, command):
    code, out, _ = run_cli(command, "-h")
    assert code == 0
    assert "-h, --help" in out
    for raw in ("<list[", "<float>", "<int", "<path>", "<str>", "%Y", "<datetime"):
        assert raw not in out, f"{command}: {raw}"


@pytest.mark.parametrize("command", command_names())
def test_help_fits_60_columns_in_whole_words(run_cli, monkeypatch, command):
    monkeypatch.setenv("COLUMNS", "60")
    code, out, _ = run_cli(command, "-h")
    assert code == 0
    lines = out.splitlines()
    assert all(len(line) <= 60 for line in lines), [line for line in lines if len(line) > 60]
    for line, following in itertools.pairwise(lines):  # no word broken at a hyphen
        assert not (re.search(r"[A-Za-z]-$", line) and re.match(r"\s*[A-Za-z]", following)), line


def test_top_level_dash_h_and_shell_completion(run_cli):
    code, out, _ = run_cli("-h")
    assert code == 0
    assert "--install-completion" in out and "--show-completion" in out


def test_completion_completes_commands_and_formats(monkeypatch, capsys):
    from mailcheck.cli import main

    monkeypatch.setenv("_MAILCHECK_COMPLETE", "complete_bash")
    monkeypatch.setenv("COMP_WORDS", "mailcheck check --format sa")
    monkeypatch.setenv("COMP_CWORD", "3")
    assert main([]) == 0
    assert capsys.readouterr().out.split() == ["sarif"]
    monkeypatch.setenv("COMP_WORDS", "mailcheck rech")
    monkeypatch.setenv("COMP_CWORD", "1")
    assert main([]) == 0
    assert capsys.readouterr().out.split() == ["recheck"]


# --- the store: one option, and the commands that read it say which store ----------------------


def test_recheck_and_history_name_the_store_they_read(run_cli, store, tmp_path, monkeypatch):
    monkeypatch.delenv("MAILCHECK_DB", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    default = tmp_path / "state" / "mailcheck" / "state.sqlite"
    # check recorded into --db; recheck without it reads the default store, and says so
    code, _, err = run_cli("recheck", *ZONES)
    assert code == 2 and str(default) in err
    assert err.count("\n") == 2  # which store, then the one-line input error
    code, _, err = run_cli("recheck", *ZONES, "--db", store, "--format", "json")
    assert code in (0, 1, 3) and f"state store {store} (from --db)" in err
    monkeypatch.setenv("MAILCHECK_DB", str(store))
    code, _, err = run_cli("history", "acme.example", "--format", "json")
    assert code in (0, 1, 3) and f"state store {store} (from MAILCHECK_DB)" in err


# --- input errors: exit 2, one line, no traceback ------------------------------------------------


@pytest.mark.parametrize(
    ("command", "option"),
    [
        ("spf", "--select=dkim."),  # no SPF rule left
        ("message", "--select=spf."),
        ("domain", "--ignore=sender.,spf.,dkim.,dmarc.,mx.,mta-sts.,tls-rpt.,dnssec.,bimi."),
        ("hygiene", "--select=spf."),
        ("deadlines", "--select=spf."),  # no rule that judges a deadline
        ("check", "--select=nosuch."),
        ("recheck", "--ignore=nosuch."),
        ("history", "--select=nosuch."),
        ("history", "--select=message."),  # the example's store holds no such finding
        ("history", "--today=2026-13-01"),
        ("deadlines", "--today=tomorrow"),
    ],
)
def test_a_bad_option_is_one_line_and_exit_2(run_cli, store, command, option):
    args, _, _ = COMMANDS[command]
    db = ["--db", str(store)] if command in STORE_COMMANDS else []
    code, out, err = run_cli(command, *args, *db, option)
    assert code == 2
    assert "Traceback" not in out + err
    problems = [line for line in err.splitlines() if not line.startswith("mailcheck: reading")]
    assert len(problems) == 1 or problems[0].startswith("Usage:"), err


# --- JSON Lines of a domain list name each line's domain ------------------------------------------


@pytest.mark.parametrize("workers", ["1", "2"])
def test_jsonl_of_a_domain_list_names_each_lines_domain(run_cli, tmp_path, workers):
    domains = tmp_path / "domains.txt"
    domains.write_text("acme.example esp2026 bounce.acme.example\nacme-shop.example\n")
    code, out, err = run_cli(
        "domain", "--from-file", domains, *ZONES, "--format", "jsonl", "--workers", workers
    )
    findings = [json.loads(line) for line in out.splitlines()][:-1]
    assert code in (1, 3), err
    assert {f["domain"] for f in findings} == {"acme.example", "acme-shop.example"}
    # a finding about another name (the MAIL FROM domain, a key) names its line's domain
    mail_from = [f for f in findings if f["subject"] == "bounce.acme.example"]
    assert mail_from and {f["domain"] for f in mail_from} == {"acme.example"}


def test_a_bad_date_says_the_form_not_a_format_string(run_cli):
    code, _, err = run_cli("deadlines", SHEET, "--today", "2026-02-30")
    assert code == 2
    assert "YYYY-MM-DD" in err and "%Y" not in err


def test_a_zone_file_that_cannot_be_read_is_named_once(run_cli, tmp_path):
    missing = tmp_path / "gone.zone"
    code, _, err = run_cli("plan", SHEET, "--zone", missing)
    assert code == 2
    assert err.count(str(missing)) == 1 and "Errno" not in err
