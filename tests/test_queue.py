"""Re-checking through the queue of a PostgreSQL store: `recheck --enqueue` and `mailcheck
worker` processes, against a real PostgreSQL server (the `postgres_server` fixture). Each sheet
of a round is recorded exactly once, whichever worker took it, and a worker killed in the
middle of a sheet loses nothing."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from conftest import ns
from dnssecfactory import TODAY
from smtpserver import SmtpServer
from test_metrics import read_metrics, value
from test_recheck_probes import (
    last_run_statuses,
    probing_settings,
    record_first_run,
    statuses_of,
    write_sheet,
    write_signed_zones,
)
from test_store import subprocess_env

SHEETS = 200
ZONE_ORIGIN = "q.example"


def write_zone(path: Path, count: int) -> Path:
    lines = [
        f"$ORIGIN {ZONE_ORIGIN}.",
        "$TTL 300",
        f"@ IN SOA ns.{ZONE_ORIGIN}. hostmaster.{ZONE_ORIGIN}. 1 3600 600 86400 300",
        f"@ IN NS ns.{ZONE_ORIGIN}.",
        "ns IN A 127.0.0.1",
    ]
    for n in range(count):
        lines += [f"d{n} IN MX 10 mx.d{n}", f"mx.d{n} IN A 127.0.1.{n % 250 + 1}"]
        lines.append(f"d{n} IN A 127.0.2.{n % 250 + 1}")
    path.write_text("\n".join(lines) + "\n")
    return path


def write_sheets(folder: Path, count: int) -> list[Path]:
    folder.mkdir()
    sheets = []
    for n in range(count):
        sheet = folder / f"sheet{n:03d}.yaml"
        sheet.write_text(
            f"version: 1\ncustomer: Customer {n}\nsenders:\n"
            f"  - address: anna@d{n}.{ZONE_ORIGIN}\n    mailing: transactional\n"
        )
        sheets.append(sheet)
    return sheets


def worker(url: str, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "mailcheck", "worker", "--db", url, "--until-done", *extra]
    return subprocess.Popen(
        command, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def enqueue(run_cli, url: str, *extra: str) -> str:
    code, out, err = run_cli("recheck", "--enqueue", "--db", url, "--format", "json", *extra)
    assert code == 0, err
    queued = json.loads(out)
    assert "s3cret" not in out + err
    return str(queued["round"])


def runs_per_sheet(url: str, round_name: str) -> dict[str, int]:
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT s.sheet, count(*) FROM runs r JOIN run_sheets s ON s.run_id = r.id"
            " WHERE r.job LIKE %s GROUP BY s.sheet",
            (round_name + ":%",),
        ).fetchall()
    return {sheet: int(n) for sheet, n in rows}


def jobs_left(url: str) -> int:
    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing', 'failed')"
        ).fetchone()
    return int(row[0]) if row else -1


def checked_count(stderr: str) -> int:
    found = re.search(r"worker: ([\d,]+) sheets? checked", stderr)
    assert found, stderr
    return int(found.group(1).replace(",", ""))


def test_two_workers_check_each_sheet_of_a_round_exactly_once(run_cli, tmp_path, postgres_url):
    zone = write_zone(tmp_path / "q.example.zone", SHEETS)
    sheets = write_sheets(tmp_path / "sheets", SHEETS)
    select = ["--select", "sender.mx,sender.a"]
    code, _, err = run_cli("check", *sheets, "--zone", zone, "--db", postgres_url, *select)
    assert code == 0, err
    round_name = enqueue(run_cli, postgres_url, "--zone", str(zone), *select)
    proms = [tmp_path / f"worker{n}.prom" for n in range(2)]
    workers = [worker(postgres_url, "--metrics", str(prom)) for prom in proms]
    outputs = [process.communicate(timeout=300) for process in workers]
    assert [process.returncode for process in workers] == [0, 0], outputs
    per_sheet = runs_per_sheet(postgres_url, round_name)
    assert per_sheet == {str(sheet.resolve()): 1 for sheet in sheets}
    assert sum(checked_count(err) for _, err in outputs) == SHEETS  # nobody checked one twice
    items = [
        value(read_metrics(prom), "mailcheck_items_checked", command="worker") for prom in proms
    ]
    assert sum(items) == SHEETS
    assert jobs_left(postgres_url) == 0
    for _, err in outputs:
        assert "s3cret" not in err
        assert "Traceback" not in err


def doing(url: str) -> list[tuple[int, str]]:
    """The jobs being checked: (job id, sheet)."""
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT id, args->>'sheet' FROM procrastinate_jobs WHERE status = 'doing'"
        ).fetchall()
    return [(int(job), sheet) for job, sheet in rows]


def test_a_worker_killed_in_the_middle_of_a_sheet_loses_nothing(
    run_cli, tmp_path, postgres_url, dns_server
):
    count = 10
    zone = write_zone(tmp_path / "q.example.zone", count)
    server = dns_server(zone)
    sheets = write_sheets(tmp_path / "sheets", count)
    select = ["--select", "sender.mx,sender.a"]
    dns = ["--nameserver", ns(server), "--timeout", "5"]
    assert run_cli("check", *sheets, *dns, "--db", postgres_url, *select)[0] == 0
    for n in range(count):  # each sheet takes a while: the worker is killed holding one
        server.delay(f"d{n}.{ZONE_ORIGIN}", 1.5, "MX")
    round_name = enqueue(run_cli, postgres_url, *dns, *select)
    first = worker(postgres_url, "--stalled-after", "2", "--jobs", "3")
    deadline = time.monotonic() + 60
    seen: list[tuple[int, str]] = []
    while True:  # three sheets at once, the same twice 0.3 s apart: well into their 1.5 s
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the worker never had three sheets in hand"
        now_doing = doing(postgres_url)
        if len(now_doing) == 3 and now_doing == seen:
            break
        seen = now_doing
        time.sleep(0.3)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)
    assert first.returncode == -signal.SIGKILL
    in_hand = {sheet for _job, sheet in doing(postgres_url)}  # a worker checks several at once
    recorded_before = runs_per_sheet(postgres_url, round_name)
    assert in_hand
    assert not in_hand & recorded_before.keys()  # nothing half-recorded
    second = worker(postgres_url, "--stalled-after", "2")
    _, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    per_sheet = runs_per_sheet(postgres_url, round_name)
    assert per_sheet == {str(sheet.resolve()): 1 for sheet in sheets}  # those in hand too
    assert checked_count(err) == count - len(recorded_before)
    assert jobs_left(postgres_url) == 0


def test_the_queue_needs_a_postgres_store(run_cli, tmp_path):
    db = tmp_path / "state.sqlite"
    for command in (["recheck", "--enqueue"], ["worker", "--until-done"]):
        code, out, err = run_cli(*command, "--db", db)
        assert code == 2, err
        assert "PostgreSQL" in err
        assert "Traceback" not in out + err


def test_notify_with_enqueue_is_an_input_error(run_cli, postgres_url):
    code, out, err = run_cli(
        "recheck", "--enqueue", "--db", postgres_url, "--notify", "https://hooks.example/x"
    )
    assert code == 2
    assert "--notify" in err
    assert "Traceback" not in out + err


@pytest.mark.parametrize("stalled", ["0", "-1", "nan"])
def test_stalled_after_must_be_a_time(run_cli, postgres_url, stalled):
    code, _, err = run_cli("worker", "--db", postgres_url, "--stalled-after", stalled)
    assert code == 2
    assert "Traceback" not in err


def test_an_empty_store_has_nothing_to_queue_or_re_check(run_cli, postgres_url):
    for command in (["recheck", "--enqueue"], ["recheck"]):
        code, out, err = run_cli(*command, "--db", postgres_url)
        assert code == 2, err
        assert "no recorded sheet" in err
        assert "s3cret" not in err
        assert "Traceback" not in out + err


def test_a_job_that_fails_is_said_in_one_line_and_the_worker_goes_on(run_cli, postgres_url):
    from mailcheck.state import store_location
    from mailcheck.state.queue import enqueue

    enqueue(store_location(postgres_url), [{"not_a_field": 1}])  # no worker can run it
    process = worker(postgres_url)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    failed = [line for line in err.splitlines() if "not_a_field" in line]
    assert failed and all(line.startswith("mailcheck: worker: ") for line in failed)
    with psycopg.connect(postgres_url) as connection:
        row = connection.execute("SELECT status, attempts FROM procrastinate_jobs").fetchone()
    assert row == ("failed", 3)  # tried three times, then left failed for a person to see


# --- the probes and trust anchors travel in the job ----------------------------------------------


@pytest.fixture(scope="module")
def signed_zones(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Path]:
    return write_signed_zones(tmp_path_factory.mktemp("signed"))


def queued_payloads(url: str) -> list[dict]:
    with psycopg.connect(url) as connection:
        rows = connection.execute("SELECT args FROM procrastinate_jobs ORDER BY id").fetchall()
    return [row[0] for row in rows]


def test_enqueue_puts_the_probes_and_the_anchors_in_each_job(
    run_cli, tmp_path, postgres_url, signed_zones, monkeypatch
):
    """What `recheck --enqueue` was told on the command line is what its jobs carry: the files
    as absolute paths, read on the worker's host."""
    import trustme

    from mailcheck.commands._queue import SheetJob

    files, anchor = signed_zones
    sheet = write_sheet(tmp_path, "signed.example")
    record_first_run(run_cli, sheet, files, postgres_url)
    trustme.CA().cert_pem.write_to_path(str(anchor.parent / "ca.pem"))
    monkeypatch.chdir(anchor.parent)  # both files named relative to the working folder
    options = ["--probe-smtp", "--smtp-timeout", "7.5", "--allow-private", "--probe-unsubscribe"]
    enqueue(run_cli, postgres_url, *options, "--trust-anchor", anchor.name, "--ca-file", "ca.pem")
    (payload,) = queued_payloads(postgres_url)
    job = SheetJob.of(payload)
    assert (job.probe_smtp, job.smtp_timeout, job.smtp_port) == (True, 7.5, 25)
    assert (job.allow_private, job.probe_unsubscribe) == (True, True)
    assert job.trust_anchor == str(anchor.resolve())
    assert job.ca_file == str(anchor.parent.resolve() / "ca.pem")
    plain = enqueue(run_cli, postgres_url)
    (later,) = [p for p in queued_payloads(postgres_url) if p["round"] == plain]
    assert (later["probe_smtp"], later["allow_private"], later["trust_anchor"]) == (
        False,
        False,
        None,
    )


def test_a_worker_probes_and_validates_as_the_recheck_that_queued_the_job(
    run_cli, tmp_path, postgres_url, signed_zones, capsys
):
    from mailcheck.commands._options import ReportOptions, Selection
    from mailcheck.commands.recheck import run_recheck
    from mailcheck.state import store_location

    files, anchor = signed_zones
    sheet = write_sheet(tmp_path, "signed.example", "badsig.example")
    record_first_run(run_cli, sheet, files, postgres_url)
    db = store_location(postgres_url)
    with SmtpServer("mx.signed.example", "mx.badsig.example") as smtp:
        settings = probing_settings(
            files, anchor, Path(smtp.ca_file(tmp_path / "ca.pem")), smtp.port
        )
        selection = Selection(("mx.starttls", "dnssec.signed"))
        code = run_recheck([], settings, ReportOptions(), db, None, selection, enqueue=True)
        assert code == 0
        assert smtp.commands == []  # queued, not checked
        process = worker(postgres_url)
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert smtp.commands == ["EHLO", "EHLO"]  # one probe per MX host, EHLO and no MAIL
    capsys.readouterr()
    recorded = last_run_statuses(postgres_url)
    assert {s: v for (r, s), v in recorded.items() if r == "dnssec.signed"} == {
        "signed.example": "pass",
        "badsig.example": "fail",
    }
    assert statuses_of(recorded, "mx.starttls") == {"pass"}
    assert jobs_left(postgres_url) == 0


def test_a_job_queued_by_the_previous_version_still_runs(
    run_cli, tmp_path, postgres_url, signed_zones
):
    """A payload without the probes and the trust anchor (as the version before them wrote it)
    is checked with their defaults: nothing probed, the bundled root anchor."""
    from mailcheck.state import store_location
    from mailcheck.state.queue import enqueue as put

    files, _ = signed_zones
    sheet = write_sheet(tmp_path, "signed.example")
    record_first_run(run_cli, sheet, files, postgres_url)
    old = {
        "round": "20261120T060000Z-abc123",
        "sheet": str(sheet.resolve()),
        "today": TODAY.isoformat(),
        "select": ["mx.starttls", "dnssec.signed"],
        "ignore": [],
        "timeout": 2.0,
        "zones": [str(f.resolve()) for f in files],
        "nameservers": [],
        "strict": False,
        "ca_file": None,
    }
    put(store_location(postgres_url), [old])
    process = worker(postgres_url)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert runs_per_sheet(postgres_url, old["round"]) == {old["sheet"]: 1}
    recorded = last_run_statuses(postgres_url)
    assert (
        statuses_of(recorded, "mx.starttls") == statuses_of(recorded, "dnssec.signed") == {"skip"}
    )
    assert jobs_left(postgres_url) == 0
