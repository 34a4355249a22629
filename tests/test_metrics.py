"""`--metrics FILE`: the node-exporter textfile format, read back with prometheus-client's own
parser, and its numbers checked against the report and the DNS server's query log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import ns
from onlyrules import keep_only
from test_recheck import AFTER, DATES, DOMAIN, stand_in
from test_shards import write_zone

DOMAINS = 30


def read_metrics(path: Path) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """{metric name: {sorted labels: value}} as prometheus-client parses the file."""
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(path.read_text()):
        for sample in family.samples:
            found.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def value(metrics, name: str, **labels: str) -> float:
    return metrics[name][tuple(sorted(labels.items()))]


def per_rule_and_status(metrics, command: str) -> dict[tuple[str, str], int]:
    return {
        (dict(labels)["rule"], dict(labels)["status"]): int(n)
        for labels, n in metrics["mailcheck_findings"].items()
        if dict(labels)["command"] == command
    }


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_domain_list_s_metrics_match_its_report_and_the_server_s_log(
    workers, run_cli, tmp_path, dns_server
):
    server = dns_server(write_zone(tmp_path / "m.zone", DOMAINS))
    server.drop("c3.example", "MX")  # one undecided finding
    listing = tmp_path / "domains.txt"
    listing.write_text("".join(f"c{n}.example\n" for n in range(DOMAINS)))
    metrics_file = tmp_path / "mailcheck.prom"
    code, out, err = run_cli(
        "domain", "--from-file", listing, "--nameserver", ns(server), "--timeout", "0.5",
        "--select", "sender.", "--workers", workers, "--format", "jsonl",
        "--metrics", metrics_file,
    )  # fmt: skip
    assert code == 3, err
    lines = [json.loads(line) for line in out.splitlines()]
    findings = [line for line in lines if "rule" in line]
    metrics = read_metrics(metrics_file)
    expected: dict[tuple[str, str], int] = {}
    for finding in findings:
        key = (finding["rule"], finding["status"])
        expected[key] = expected.get(key, 0) + 1
    assert per_rule_and_status(metrics, "domain") == expected
    assert value(metrics, "mailcheck_items_checked", command="domain") == DOMAINS
    assert value(metrics, "mailcheck_dns_queries", command="domain") == len(server.queries)
    assert value(metrics, "mailcheck_errors", command="domain", kind="undecided") == 1
    assert value(metrics, "mailcheck_run_exit_code", command="domain") == 3
    assert value(metrics, "mailcheck_run_duration_seconds", command="domain") > 0
    assert list(tmp_path.glob("*.prom*")) == [metrics_file]  # no temporary file left


def test_check_and_recheck_count_overdue_sheets_and_unreadable_ones(
    run_cli, write_sheet, tmp_path, monkeypatch
):
    from mailcheck.rules import REGISTRY

    keep_only(monkeypatch)

    async def spf(sheet, ctx):
        return [REGISTRY["spf.all"].failed(DOMAIN, "spf", "publish -all")]

    monkeypatch.setitem(REGISTRY, "spf.all", stand_in("spf.all", spf))
    late = write_sheet(f"anna@{DOMAIN}", extra=DATES, name="late.yaml")
    gone = write_sheet(f"bert@{DOMAIN}", extra=DATES, name="gone.yaml")
    db, prom = tmp_path / "state.sqlite", tmp_path / "m.prom"
    args = ["--zone", AFTER, "--db", db, "--today", "2026-11-25", "--metrics", prom]
    assert run_cli("check", late, gone, *args)[0] == 1
    metrics = read_metrics(prom)
    assert value(metrics, "mailcheck_sheets_overdue", command="check") == 2
    assert value(metrics, "mailcheck_items_checked", command="check") == 2
    assert value(metrics, "mailcheck_dns_queries", command="check") > 0  # asked of the zones
    gone.unlink()
    assert run_cli("recheck", *args)[0] == 1
    metrics = read_metrics(prom)
    assert value(metrics, "mailcheck_items_checked", command="recheck") == 1
    assert value(metrics, "mailcheck_sheets_overdue", command="recheck") == 1
    assert value(metrics, "mailcheck_errors", command="recheck", kind="unchecked") == 1


def test_metrics_in_a_folder_that_does_not_exist_is_an_input_error(run_cli, tmp_path):
    code, out, err = run_cli(
        "domain", "c1.example", "--zone", write_zone(tmp_path / "z.zone", 2),
        "--metrics", tmp_path / "no" / "m.prom",
    )  # fmt: skip
    assert code == 2
    assert str(tmp_path / "no" / "m.prom") in err
    assert "Traceback" not in out + err
    assert out == ""  # refused before anything was checked


def test_metrics_of_a_queued_round_are_the_workers(run_cli, tmp_path):
    code, _, err = run_cli("recheck", "--enqueue", "--metrics", tmp_path / "m.prom")
    assert code == 2
    assert "--metrics" in err
