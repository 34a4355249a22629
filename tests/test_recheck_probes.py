"""`recheck` probes and validates as `check` does: `--probe-smtp` (with `--allow-private`,
`--smtp-timeout`) against aiosmtpd servers on loopback, and `--trust-anchor` with zones signed
for the session (tests/dnssecfactory.py). The sheet's domains are those of the signed tree: their
MX host is mx.<domain>, at 127.0.0.1; nothing else is ever connected to. The queue's side (the
jobs of `recheck --enqueue` carry the same options to `mailcheck worker`) is in test_queue.py.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest

from dnssecfactory import TODAY, signed_tree
from smtpserver import SmtpServer

SELECT = ("mx.starttls", "dnssec.signed")


@pytest.fixture(scope="module")
def signed_zones(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Path]:
    return write_signed_zones(tmp_path_factory.mktemp("signed"))


def write_signed_zones(folder: Path) -> tuple[list[Path], Path]:
    """The signed tree as zone files (one per zone) and the file of its trust anchor."""
    files = []
    for origin, text in signed_tree().zones.items():
        path = folder / f"{origin}zone"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    anchor = folder / "anchors.txt"
    anchor.write_text(signed_tree().anchor, encoding="utf-8")
    return files, anchor


def zone_args(files: list[Path]) -> list[str]:
    return [arg for path in files for arg in ("--zone", str(path))]


def write_sheet(folder: Path, *domains: str) -> Path:
    senders = "\n".join(f"  - address: anna@{domain}" for domain in domains)
    sheet = folder / "sheet.yaml"
    sheet.write_text(f"version: 1\ncustomer: Test\nsenders:\n{senders}\n", encoding="utf-8")
    return sheet


def last_run_statuses(db: str | Path) -> dict[tuple[str, str], str]:
    """(rule, subject) -> status, as the store's latest run recorded them."""
    from mailcheck.state import Store, store_location

    with Store.open(store_location(str(db))) as store:
        last = store.runs()[-1]
        return {(f.rule, f.subject): f.status.value for f in store.findings(last.id)}


def statuses_of(recorded: dict[tuple[str, str], str], rule: str) -> set[str]:
    return {status for (found, _subject), status in recorded.items() if found == rule}


def record_first_run(run_cli, sheet: Path, files: list[Path], db: str | Path) -> None:
    """`check --db` without probes or anchors: mx.starttls is not probed, and the chain of
    trust cannot start offline from the bundled root: both skip."""
    select = ["--select", ",".join(SELECT)]
    code, _, err = run_cli("check", sheet, *zone_args(files), "--db", db, *select, "--today", TODAY)
    assert code == 0, err
    recorded = last_run_statuses(db)
    assert (
        statuses_of(recorded, "mx.starttls") == statuses_of(recorded, "dnssec.signed") == {"skip"}
    )


def probing_settings(files: list[Path], anchor: Path, ca_file: Path, port: int):
    """The settings `recheck --probe-smtp --allow-private --trust-anchor --ca-file` makes, with
    the mail servers probed on `port` (the test's server) instead of 25."""
    from mailcheck.commands import _options as opt

    settings = opt.run_settings(
        opt.dns_settings(files, None, 2.0),
        today=dt.datetime.combine(TODAY, dt.time()),
        allow_private=True,
        ca_file=ca_file,
        smtp=opt.SmtpProbing(True, 5.0),
        trust_anchors=anchor,
    )
    return replace(settings, probing=replace(settings.probing, smtp_port=port))


@pytest.mark.parametrize(
    ("server", "expected"),
    [({"starttls": True}, "pass"), ({"starttls": False}, "fail")],
    ids=["starttls", "no-starttls"],
)
def test_recheck_probes_smtp_and_records_the_verdict(
    run_cli, tmp_path, signed_zones, capsys, server, expected
):
    from mailcheck.commands._options import ReportOptions, Selection
    from mailcheck.commands.recheck import run_recheck
    from mailcheck.output import Format

    files, anchor = signed_zones
    db = tmp_path / "state.sqlite"
    sheet = write_sheet(tmp_path, "signed.example")
    record_first_run(run_cli, sheet, files, db)
    with SmtpServer("mx.signed.example", **server) as smtp:
        settings = probing_settings(
            files, anchor, Path(smtp.ca_file(tmp_path / "ca.pem")), smtp.port
        )
        code = run_recheck([], settings, ReportOptions(Format.JSON), db, None, Selection(SELECT))
        assert smtp.commands == ["EHLO"]  # EHLO, STARTTLS (or not offered), QUIT
    report = json.loads(capsys.readouterr().out)
    assert code == report["exit_code"] == (0 if expected == "pass" else 1)
    recorded = last_run_statuses(db)
    assert statuses_of(recorded, "mx.starttls") == {expected}
    assert statuses_of(recorded, "dnssec.signed") == {"pass"}


def test_recheck_probe_smtp_comes_from_the_command_line(run_cli, tmp_path, signed_zones):
    """Without `--allow-private` the probe refuses the loopback MX host before it connects: the
    finding is undecided (error), no longer skipped as "not probed"."""
    files, _ = signed_zones
    db = tmp_path / "state.sqlite"
    sheet = write_sheet(tmp_path, "signed.example")
    record_first_run(run_cli, sheet, files, db)
    args = ["recheck", "--db", db, "--select", "mx.starttls", "--today", TODAY, "--format", "json"]
    code, _, err = run_cli(*args, "--probe-smtp", "--smtp-timeout", "2")
    assert code == 3, err
    assert statuses_of(last_run_statuses(db), "mx.starttls") == {"error"}
    code, _, err = run_cli(*args)
    assert code == 0, err
    assert statuses_of(last_run_statuses(db), "mx.starttls") == {"skip"}


def test_recheck_validates_from_the_trust_anchor(run_cli, tmp_path, signed_zones):
    files, anchor = signed_zones
    db = tmp_path / "state.sqlite"
    sheet = write_sheet(tmp_path, "signed.example", "badsig.example", "unsigned.example")
    record_first_run(run_cli, sheet, files, db)
    code, out, err = run_cli(
        "recheck", "--db", db, "--trust-anchor", anchor, "--select", "dnssec.signed",
        "--today", TODAY, "--format", "json",
    )  # fmt: skip
    assert code == 1, err
    recorded = {s: v for (r, s), v in last_run_statuses(db).items() if r == "dnssec.signed"}
    assert recorded == {
        "signed.example": "pass",
        "badsig.example": "fail",
        "unsigned.example": "warn",
    }
    newly_failing = json.loads(out)["changes"]["newly_failing"]
    assert [item["subject"] for item in newly_failing] == ["badsig.example"]


@pytest.mark.parametrize(
    "option",
    [
        ["--trust-anchor", "BAD"],
        ["--trust-anchor", "MISSING"],
        ["--smtp-timeout", "0"],
        ["--smtp-timeout", "nan"],
    ],
    ids=["anchor-without-records", "anchor-missing", "timeout-zero", "timeout-nan"],
)
def test_a_bad_probe_or_anchor_option_is_one_line_and_exit_2(
    run_cli, tmp_path, signed_zones, option
):
    files, _ = signed_zones
    db = tmp_path / "state.sqlite"
    record_first_run(run_cli, write_sheet(tmp_path, "signed.example"), files, db)
    bad = tmp_path / "anchor.txt"
    bad.write_text("example. IN A 192.0.2.1\n", encoding="utf-8")
    value = {"BAD": str(bad), "MISSING": str(tmp_path / "missing.txt")}.get(option[1], option[1])
    runs_before = len(_runs(db))
    code, out, err = run_cli("recheck", "--db", db, option[0], value, "--probe-smtp")
    assert code == 2
    assert "Traceback" not in out + err
    problems = [line for line in err.splitlines() if not line.startswith("mailcheck: reading")]
    assert len(problems) == 1 or problems[0].startswith("Usage:"), err
    assert option[0] in err
    if option[0] == "--trust-anchor":
        assert value in err  # the file is named: the option was read, not unknown
    assert len(_runs(db)) == runs_before  # nothing checked, nothing recorded


def _runs(db: Path) -> list:
    from mailcheck.state import Store

    with Store.open(db) as store:
        return store.runs()


def test_a_job_rebuilds_the_settings_of_the_recheck_that_queued_it(tmp_path, signed_zones):
    """Through the queue's JSON and back: the same probes, the same files (no PostgreSQL
    needed: the job is plain data)."""
    import trustme

    from mailcheck.commands._options import Selection
    from mailcheck.commands._queue import SheetJob, round_jobs
    from mailcheck.state import Store

    files, anchor = signed_zones
    ca_file = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(ca_file))
    settings = probing_settings(files, anchor, ca_file, 2525)
    (job,) = round_jobs(["/srv/sheet.yaml"], settings, Selection(SELECT), strict=True)
    again = SheetJob.of(json.loads(json.dumps(job.payload())))
    assert again == job
    with Store.open(tmp_path / "state.sqlite") as store:
        rebuilt = again.settings(store)
    assert rebuilt.probing == settings.probing
    assert (rebuilt.trust_anchors, rebuilt.ca_file) == (anchor.resolve(), ca_file.resolve())
    assert (rebuilt.dns.zones, rebuilt.today) == (tuple(f.resolve() for f in files), TODAY)
