"""`mailcheck recheck` as a batch: its sheets checked in worker processes (`--workers`,
`--concurrency`), each group of sheets against its own recorded DNS source; and what the batch
path of `check` records for a later recheck."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO_ROOT, ns
from onlyrules import keep_only

BEFORE = REPO_ROOT / "tests/data/zones/deadline-shop-before.zone"  # no MX yet
AFTER = REPO_ROOT / "tests/data/zones/deadline-shop-after.zone"
DOMAIN = "shop.deadline.example"
DATES = "region: DE-BY\ndates:\n  contract_signed: 2026-11-02\n  dns_requested: 2026-11-09\n"
LOCALS = ("anna", "info", "bob")  # info@ is a role account: its findings differ


@pytest.fixture(autouse=True)
def _only_sender_and_deadline_rules(monkeypatch):
    keep_only(monkeypatch)


@pytest.fixture
def worker_calls(monkeypatch) -> list[int]:
    """The worker count of every batch that went to worker processes (the real ones run)."""
    import mailcheck.engine.workers

    calls: list[int] = []
    real = mailcheck.engine.workers.check_in_workers

    def spy(sources, rule_ids, options, workers, on_done, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(workers)
        real(sources, rule_ids, options, workers, on_done, **kwargs)

    monkeypatch.setattr(mailcheck.engine.workers, "check_in_workers", spy)
    return calls


def sheets_of(write_sheet, group: str) -> list[Path]:
    return [
        write_sheet(f"{local}@{DOMAIN}", extra=DATES, name=f"{group}-{local}.yaml")
        for local in LOCALS
    ]


def decided(findings: list) -> list[tuple]:
    """Rule, subject and status of each finding: the wording may differ in a worker, whose
    registry is whole (the parent's lost rules to `keep_only`, which deadline.dns names)."""
    return [(f.rule, f.subject, f.status) for f in findings]


def keys(items: list[dict]) -> list[tuple]:
    """What a recheck decided about each finding, without its times and wording."""
    return [
        (i["sheet"], i["rule"], i["subject"], i["status"], i["change"], i["previous"], i["since"])
        for i in items
    ]


def test_recheck_in_workers_records_what_one_process_records(
    run_cli, write_sheet, dns_server, tmp_path, worker_calls
):
    """Two groups of sheets, each last checked against another DNS source: a zone file that
    has changed since (the MX record is published now) and a loopback name server. In worker
    processes, each group is still re-checked against its own source, with the same findings,
    changes and exit code as in one process."""
    zone = tmp_path / "shop.zone"
    shutil.copyfile(BEFORE, zone)
    server = dns_server(AFTER)
    by_zone, by_server = sheets_of(write_sheet, "zone"), sheets_of(write_sheet, "ns")
    dbs = {workers: tmp_path / f"state-{workers}.sqlite" for workers in ("1", "2")}
    for db in dbs.values():
        today = ["--today", "2026-11-17", "--db", db]
        assert run_cli("check", *by_zone, "--zone", zone, *today)[0] == 1  # no MX
        assert run_cli("check", *by_server, "--nameserver", ns(server), *today)[0] == 1  # late
    shutil.copyfile(AFTER, zone)
    server.reset_log()

    reports = {}
    for workers, db in dbs.items():
        args = ["--db", db, "--today", "2026-11-18", "--format", "json", "--workers", workers]
        code, out, err = run_cli("recheck", *args)
        assert "Traceback" not in err and "failed worker" not in err
        assert str(zone.resolve()) in err and ns(server) in err  # each group's own source
        reports[workers] = (code, json.loads(out))
    assert worker_calls == [2, 2]  # --workers 2: both groups in two processes; --workers 1: none
    assert server.count(f"{DOMAIN}.", "MX") >= 2  # the server's group asked the server

    (one_code, one), (two_code, two) = reports["1"], reports["2"]
    assert two_code == one_code == 1  # the sheets are still late (deadline.sheet)
    assert keys(two["findings"]) == keys(one["findings"])
    assert {k: keys(v) for k, v in two["changes"].items()} == {
        k: keys(v) for k, v in one["changes"].items()
    }
    assert two["sheets"] == one["sheets"]
    mx = {i["sheet"]: i["change"] for i in two["findings"] if i["rule"] == "sender.mx"}
    assert {sheet: mx[str(sheet.resolve())] for sheet in by_zone} == dict.fromkeys(by_zone, "fixed")
    assert {mx[str(sheet.resolve())] for sheet in by_server} == {"unchanged"}
    # the sheets in the order they are recorded, as in one process
    sheet_order = [i["sheet"] for i in two["findings"]]
    assert sheet_order == sorted(sheet_order, key=two["sheets"].index)


def test_recheck_of_few_sheets_stays_in_one_process(run_cli, write_sheet, tmp_path, worker_calls):
    db = tmp_path / "state.sqlite"
    sheets = sheets_of(write_sheet, "few")
    assert run_cli("check", *sheets, "--zone", AFTER, "--db", db, "--today", "2026-11-17")[0] == 1
    code, out, _ = run_cli("recheck", "--db", db, "--today", "2026-11-18", "--format", "json")
    assert code == 1
    assert json.loads(out)["sheets"] == sorted(str(sheet.resolve()) for sheet in sheets)
    assert worker_calls == []  # fewer than 200 sheets and no --workers


def test_check_sheets_hands_on_each_sheet_and_returns_them_in_order(
    write_sheet, dns_server, worker_calls
):
    """The one way batches of sheets are checked (check --db, recheck): `on_done` runs once
    per sheet in this process also when workers checked them, and the result keeps the input
    order and the DNS source for the store."""
    from mailcheck.engine.batch import check_sheets
    from mailcheck.engine.settings import DnsSettings, RunLimits, RunSettings
    from mailcheck.rules import REGISTRY
    from mailcheck.sheet.model import load_sheet
    from mailcheck.state import DnsSource

    server = dns_server(AFTER)
    sheets = [load_sheet(path) for path in sheets_of(write_sheet, "direct")]
    rules = list(REGISTRY.values())
    dns = DnsSettings(nameservers=(ns(server),))
    settings = RunSettings(dns, RunLimits(workers=2))
    done: list[str] = []
    results = check_sheets(sheets, rules, settings, lambda c: done.append(c.sheet.display))
    assert worker_calls == [2]
    assert sorted(done) == sorted(sheet.display for sheet in sheets)
    assert [result.sheet for result in results] == sheets
    assert {result.dns for result in results} == {DnsSource((), (ns(server),))}
    assert all(result.findings for result in results)
    one = check_sheets(sheets, rules, RunSettings(dns, RunLimits(workers=1)))
    assert [decided(r.findings) for r in one] == [decided(r.findings) for r in results]


@pytest.mark.parametrize("option", ["--workers", "--concurrency"])
def test_recheck_options_must_be_positive(run_cli, write_sheet, tmp_path, option):
    sheet = write_sheet(f"anna@{DOMAIN}")
    code, out, err = run_cli("recheck", sheet, "--db", tmp_path / "s.sqlite", option, "0")
    assert code == 2 and option in err
    assert "Traceback" not in out + err
    assert not (tmp_path / "s.sqlite").exists()


# --- the batch path of check, as recheck reads it ---------------------------------------------


@pytest.mark.parametrize("batch", [["--workers", "2"], ["--format", "jsonl"]])
def test_check_in_a_batch_records_its_dns_source(run_cli, write_sheet, tmp_path, batch):
    """A recheck without --zone asks the zone files the last check used, also when that check
    ran as a batch (streamed, or in worker processes)."""
    db = tmp_path / "state.sqlite"
    sheets = sheets_of(write_sheet, "batch")
    assert run_cli("check", *sheets, "--zone", BEFORE, "--db", db, *batch)[0] == 1
    code, out, err = run_cli("recheck", "--db", db, "--format", "json")
    report = json.loads(out)
    assert code == 1 and str(BEFORE) in err
    mx = [i for i in report["findings"] if i["rule"] == "sender.mx"]
    assert [i["change"] for i in mx] == ["still_failing"] * len(sheets)  # the zone: no MX


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_check_in_a_batch_runs_only_the_selected_rules(run_cli, write_sheet, fmt):
    sheets = sheets_of(write_sheet, "select")
    args = ["check", *sheets, "--zone", AFTER, "--select", "sender.", "--ignore", "sender.role"]
    code, out, _ = run_cli(*args, "--workers", "2", "--format", fmt)
    if fmt == "json":
        findings = json.loads(out)["findings"]
    else:
        *findings, _summary = [json.loads(line) for line in out.splitlines()]
    rules = {finding["rule"] for finding in findings}
    assert "sender.mx" in rules and "sender.role" not in rules
    assert all(rule.startswith("sender.") for rule in rules)
    assert code == 0  # without the role account's and the late sheets' findings


def test_the_dns_source_line_names_a_few_sheets_and_counts_the_rest():
    from mailcheck.commands.recheck import _some

    assert _some(["a.yaml", "b.yaml"]) == "a.yaml, b.yaml"
    assert (
        _some([f"s{n}.yaml" for n in range(250)]) == "s0.yaml, s1.yaml, s2.yaml and 247 more sheets"
    )
