"""What a person at a terminal gets: colour as `--color`, `NO_COLOR` and `FORCE_COLOR` say,
a progress bar on stderr while a long command runs, and every input error at once."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT, read_terminal

ACME = REPO_ROOT / "examples" / "acme"
ZONES = [
    arg
    for zone in ("acme.example", "acme-shop.example", "esp.example", "100.51.198.in-addr.arpa")
    for arg in ("--zone", str(ACME / "zones" / f"{zone}.zone"))
]
TODAY = ["--today", "2026-11-20"]
SLA = ACME.parent / "sla"
ESCAPE = "\x1b"


@pytest.fixture
def plain_environment(monkeypatch):
    for name in ("NO_COLOR", "FORCE_COLOR", "GITHUB_ACTIONS", "MAILCHECK_DB"):
        monkeypatch.delenv(name, raising=False)


def printing_commands(db: Path) -> list[list[str]]:
    """Every command that prints for people, with arguments that make it print something."""
    sheet = str(ACME / "sheet.yaml")
    return [
        ["check", sheet, *ZONES, *TODAY, "-v", "--profile", "gmail"],
        ["message", str(ACME / "samples" / "invoice.eml"), *ZONES],
        ["domain", "acme-shop.example", "--selector", "esp2026", *ZONES],
        ["spf", "bounce.acme.example", *ZONES],
        ["hygiene", str(ACME / "delivery-report.csv"), "--sheet", sheet, *TODAY],
        ["deadlines", sheet, *ZONES, *TODAY],
        ["recheck", "--db", str(db), *ZONES, *TODAY],
        ["history", "acme-shop.example", "--db", str(db), "-v"],
        ["sla", "--terms", "002", "--tickets", str(SLA / "tickets.csv"), *TODAY, "-v"],
        ["rules"],
        ["explain", "hygiene.bounce-rate"],
    ]


@pytest.fixture
def recorded(run_cli, tmp_path) -> Path:
    db = tmp_path / "state.sqlite"
    code, _, err = run_cli(
        "check", ACME / "sheet.yaml", *ZONES, "--today", "2026-11-16", "--db", db
    )
    assert code == 1, err
    return db


# --- colour ---------------------------------------------------------------------------------


def test_force_color_colours_every_view_and_no_color_removes_every_escape(
    run_cli, monkeypatch, recorded, plain_environment
):
    for args in printing_commands(recorded):
        monkeypatch.setenv("FORCE_COLOR", "1")
        monkeypatch.delenv("NO_COLOR", raising=False)
        _, coloured, _ = run_cli(*args)
        assert f"{ESCAPE}[" in coloured, args[0]
        monkeypatch.setenv("NO_COLOR", "1")  # wins over FORCE_COLOR
        _, plain, _ = run_cli(*args)
        assert ESCAPE not in plain, args[0]
        assert plain.strip(), args[0]


def test_without_a_terminal_there_is_no_colour(run_cli, plain_environment):
    _, out, _ = run_cli("check", ACME / "sheet.yaml", *ZONES, *TODAY)
    assert ESCAPE not in out


def test_an_empty_no_color_changes_nothing(run_cli, monkeypatch, plain_environment):
    monkeypatch.setenv("NO_COLOR", "")  # no-color.org: only a non-empty value counts
    monkeypatch.setenv("FORCE_COLOR", "1")
    _, out, _ = run_cli("check", ACME / "sheet.yaml", *ZONES, *TODAY)
    assert f"{ESCAPE}[" in out


def test_the_color_option_wins_over_the_environment(run_cli, monkeypatch, plain_environment):
    monkeypatch.setenv("NO_COLOR", "1")
    _, out, _ = run_cli("check", ACME / "sheet.yaml", *ZONES, *TODAY, "--color", "always")
    assert f"{ESCAPE}[" in out
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    _, out, _ = run_cli("check", ACME / "sheet.yaml", *ZONES, *TODAY, "--color", "never")
    assert ESCAPE not in out


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "markdown", "jsonl"])
def test_no_format_but_the_table_is_ever_coloured(run_cli, fmt, plain_environment):
    _, out, _ = run_cli(
        "check", ACME / "sheet.yaml", *ZONES, *TODAY, "--format", fmt, "--color", "always"
    )
    assert ESCAPE not in out and out.strip()


def test_a_report_file_is_coloured_only_when_asked(run_cli, tmp_path, plain_environment):
    target = tmp_path / "report.txt"
    run_cli("check", ACME / "sheet.yaml", *ZONES, *TODAY, "-o", target)
    assert ESCAPE not in target.read_text()
    run_cli("check", ACME / "sheet.yaml", *ZONES, *TODAY, "-o", target, "--color", "always")
    assert f"{ESCAPE}[" in target.read_text()


def test_a_bad_color_choice_is_a_usage_error(run_cli):
    code, _, err = run_cli("check", ACME / "sheet.yaml", "--color", "sometimes")
    assert code == 2 and "--color" in err and "Traceback" not in err


# --- widths ---------------------------------------------------------------------------------


def test_columns_sets_the_width_of_a_file_or_pipe(run_cli, monkeypatch, plain_environment):
    from rich.cells import cell_len

    for width in (40, 200):
        monkeypatch.setenv("COLUMNS", str(width))
        _, out, _ = run_cli("check", ACME / "sheet.yaml", *ZONES, *TODAY, "-v")
        assert max(cell_len(line) for line in out.splitlines()) <= width
        if width == 200:  # nothing needs breaking: the longest line is longer than 120
            assert max(cell_len(line) for line in out.splitlines()) > 120


def test_verbose_lists_what_passed_and_did_not_apply(run_cli, plain_environment):
    from mailcheck.cli import main  # noqa: F401  (the registry as the command sees it)

    _, report = _json(run_cli, "check", ACME / "sheet.yaml", *ZONES, *TODAY)
    _, quiet, _ = run_cli("check", ACME / "sheet.yaml", *ZONES, *TODAY)
    _, verbose, _ = run_cli("check", ACME / "sheet.yaml", *ZONES, *TODAY, "-v")

    def listed(out: str, status: str) -> int:
        return sum(1 for line in out.splitlines() if line.startswith(f"  {status.upper()} "))

    for status in ("pass", "skip"):
        assert listed(quiet, status) == 0
        assert listed(verbose, status) == report["summary"][status] > 0
    for status in ("fail", "warn"):
        assert listed(quiet, status) == listed(verbose, status) == report["summary"][status]


def _json(run_cli, *args):
    code, out, _ = run_cli(*args, "--format", "json")
    return code, json.loads(out)


# --- progress -------------------------------------------------------------------------------


def _on_a_terminal(args: list[str]) -> tuple[int, bytes, bytes]:
    """Run mailcheck with stderr on a pseudo-terminal and stdout to a pipe."""
    leader, follower = pty.openpty()
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT / "src"), COLUMNS="100")
    for name in ("NO_COLOR", "FORCE_COLOR", "GITHUB_ACTIONS"):
        env.pop(name, None)
    command = [sys.executable, "-m", "mailcheck", *args]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=follower, env=env, close_fds=True, cwd=REPO_ROOT
    ) as process:
        os.close(follower)
        shown = read_terminal(leader)
        out = process.stdout.read() if process.stdout else b""
    os.close(leader)
    return process.returncode, out, shown


def test_a_long_command_shows_progress_on_a_terminal_and_keeps_it_out_of_the_report():
    code, out, shown = _on_a_terminal(["check", str(ACME / "sheet.yaml"), *ZONES, *TODAY])
    assert code == 1
    assert b"checking" in shown
    assert b"checking" not in out and b"\x1b" not in out
    assert b"FAIL" in out


def test_plan_shows_progress_on_a_terminal_and_keeps_the_snippet_clean():
    code, out, shown = _on_a_terminal(["plan", str(ACME / "sheet.yaml"), *ZONES, *TODAY])
    assert code == 1
    assert b"planning" in shown
    assert b"planning" not in out and b"\x1b" not in out
    assert out.startswith(b"; Change set")


def test_without_a_terminal_no_progress_is_drawn(run_cli, plain_environment):
    _, out, err = run_cli("check", ACME / "sheet.yaml", *ZONES, *TODAY)
    assert "checking" not in err and "checking" not in out


def test_a_single_sheet_advances_rule_by_rule():
    """The bar's unit is a rule on a sheet: one sheet does not sit at 0 % until the end."""
    from mailcheck.commands import _options as opt
    from mailcheck.engine.runner import check_loaded, load_sheets
    from mailcheck.rules import REGISTRY

    settings = opt.run_settings(opt.dns_settings([Path(z) for z in ZONES[1::2]], None, 2.0))
    ticks: list[int] = []
    rules = list(REGISTRY.values())
    check_loaded(load_sheets([ACME / "sheet.yaml"]), rules, settings, tick=ticks.append)
    assert len(ticks) == len(rules) and sum(ticks) == len(rules)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_batch_counts_every_rule_of_every_item(tmp_path, workers):
    from mailcheck.commands import _options as opt
    from mailcheck.engine.batch import Batch
    from mailcheck.engine.domainfile import read_domain_file
    from mailcheck.rules import domain_rules

    listing = tmp_path / "domains.txt"
    listing.write_text("acme.example esp2026\nacme-shop.example esp2026\n")
    dns = opt.dns_settings([Path(z) for z in ZONES[1::2]], None, 2.0)
    settings = opt.run_settings(dns, opt.limits(None, 8, workers))
    ticks: list[int] = []
    done: list[int] = []
    ids = tuple(rule.id for rule in domain_rules())
    with read_domain_file(listing) as domains:
        batch = Batch(domains.chunks(), ids, settings, size=len(domains))
        batch.check(lambda item: done.append(item.index), tick=ticks.append)
    assert sorted(done) == [0, 1]
    assert batch.units == sum(ticks) == 2 * len(ids)


# --- every input error at once --------------------------------------------------------------


def _errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("mailcheck: error: ")]


def test_every_problem_of_a_sheet_is_named_with_its_line(run_cli, tmp_path):
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text(
        "version: 1\ninterface: smtpp\nregion: DE\nsender: []\n"
        "dates:\n  contract_signed: 2026-02-30\noptions: [foo]\n"
    )
    code, out, err = run_cli("check", sheet)
    assert code == 2 and "Traceback" not in out + err
    lines = _errors(err)
    assert len(lines) == len(err.strip().splitlines()) == 4
    for line, key in zip(
        lines, ("2: interface", "4: sender", "6: dates", "7: options[0]"), strict=True
    ):
        assert f"{sheet}:{key}" in line


def test_the_samples_region_and_exemptions_are_named_together(run_cli, tmp_path):
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text(
        "version: 1\nregion: XX\nsamples: [a.eml, b.eml]\n"
        "exemptions:\n  - {rule: sender.nope, subject: x, reason: y}\n"
    )
    code, _, err = run_cli("check", sheet)
    lines = _errors(err)
    assert code == 2 and len(lines) == 4
    assert [line.split(": ")[3] for line in lines] == [
        "samples[0]",
        "samples[1]",
        "region",
        "exemptions[0].rule",
    ]


def test_the_certificate_files_are_named_with_the_other_problems(run_cli, tmp_path):
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text(
        "version: 1\nsamples: [a.eml]\n"
        "certificate: {domain: acme.example, file: cert.pem, key_file: ../key.pem}\n"
    )
    code, _, err = run_cli("check", sheet)
    lines = _errors(err)
    assert code == 2 and "Traceback" not in err
    assert [line.split(": ")[3] for line in lines] == [
        "samples[0]",
        "certificate.file",
        "certificate.key_file",
    ]


def test_every_bad_line_of_a_ticket_log_is_named_and_counted(run_cli, tmp_path):
    from mailcheck.core.errors import MAX_SHOWN_ERRORS

    log = tmp_path / "tickets.csv"
    bad = "".join(f"T-{n};E-Mail;not a time;\n" for n in range(MAX_SHOWN_ERRORS + 5))
    log.write_text("id;channel;opened;answered\n" + bad)
    code, _, err = run_cli("sla", "--terms", "002", "--tickets", log)
    lines = _errors(err)
    assert code == 2 and "Traceback" not in err
    assert [f"{log}:{n}:" in line for n, line in zip(range(2, 22), lines, strict=False)] == [
        True
    ] * MAX_SHOWN_ERRORS
    assert lines[-1].endswith("and 5 more problems")


def test_the_errors_of_every_sheet_are_named(run_cli, tmp_path):
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text("version: 1\ninterface: smtpp\n")
    second.write_text("version: 1\nregion: XX\n")
    code, _, err = run_cli("check", first, second, tmp_path / "missing.yaml")
    lines = _errors(err)
    assert code == 2 and len(lines) == 3
    assert str(first) in lines[0] and str(second) in lines[1] and "missing.yaml" in lines[2]


def test_many_errors_are_capped_and_counted(run_cli, tmp_path):
    from mailcheck.core.errors import MAX_SHOWN_ERRORS

    sheet = tmp_path / "sheet.yaml"
    sheet.write_text("version: 1\n" + "".join(f"unknown{n}: x\n" for n in range(30)))
    code, _, err = run_cli("check", sheet)
    lines = _errors(err)
    assert code == 2 and "Traceback" not in err
    assert len(lines) == MAX_SHOWN_ERRORS + 1
    assert lines[-1].endswith(f"and {30 - MAX_SHOWN_ERRORS} more problems")


def test_every_bad_line_of_a_domain_list_is_named(run_cli, tmp_path):
    listing = tmp_path / "domains.txt"
    lines = ["good.example", "bad..example", "x.example a b c d", "good.example", "ok.example"]
    listing.write_text("\n".join(lines) + "\n")
    code, _, err = run_cli("domain", "--from-file", listing, *ZONES)
    found = _errors(err)
    assert code == 2 and len(found) == 3
    assert [f":{n}:" in line for n, line in zip((2, 3, 4), found, strict=True)] == [True] * 3


def test_a_long_domain_list_keeps_only_the_first_errors(run_cli, tmp_path):
    from mailcheck.core.errors import MAX_SHOWN_ERRORS

    listing = tmp_path / "domains.txt"
    listing.write_text("".join(f"bad{n}..example\n" for n in range(1000)))
    code, _, err = run_cli("domain", "--from-file", listing, *ZONES)
    found = _errors(err)
    assert code == 2 and len(found) == MAX_SHOWN_ERRORS + 1
    assert found[-1].endswith(f"and {1000 - MAX_SHOWN_ERRORS} more problems")


def test_every_bad_zone_file_is_named(run_cli, tmp_path):
    broken = tmp_path / "broken.example.zone"
    broken.write_text("@ 3600 IN MX not-a-number mx.example.\n")
    code, _, err = run_cli(
        "check", ACME / "sheet.yaml", "--zone", broken, "--zone", tmp_path / "none.zone"
    )
    found = _errors(err)
    assert code == 2 and len(found) == 2
    assert "broken.example.zone" in found[0] and "none.zone" in found[1]


# --- where a finding is acted on ------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "subject", "place"),
    [
        ("sender.mx", "acme.example", "acme.example"),
        ("sender.role", "Info+shop@shop.acme.co.uk", "acme.co.uk"),
        ("spf.all", "bounce.acme.example", "acme.example"),
        ("spf.authorizes", "198.51.100.10 for bounce.acme.example", "acme.example"),
        ("dkim.key", "esp2026._domainkey.acme.example", "acme.example"),
        ("tracking.dns", "click.acme.example", "acme.example"),
        ("ip.ptr", "198.51.100.10", "198.51.100.10"),
        ("message.list-header", "samples/invoice.eml", "samples/invoice.eml"),
        ("hygiene.complaints", "a@b.example", "report.csv"),
        ("deadline.sheet", "dates.sheet_submitted", "sheet.yaml"),
        ("sheet.options", "trace_and_recover/smtp", "sheet.yaml"),
        ("dkim.key", "sheet.yaml/crashed", "sheet.yaml/crashed"),  # not a DNS name: as it is
    ],
)
def test_a_finding_is_grouped_by_the_place_to_change(rule, subject, place):
    from mailcheck.core.findings import Finding, Status
    from mailcheck.output.sites import site_of

    report = "report.csv" if place == "report.csv" else None  # a delivery report's finding
    finding = Finding(rule, Status.FAIL, subject, "m", sheet="sheet.yaml", file=report)
    assert site_of(finding).name == place
    assert site_of(finding, several_sheets=True).sheet == "sheet.yaml"
