"""sender.syntax, sender.role, sender.mx, sender.a: pass and fail cases, offline and over DNS."""

from __future__ import annotations

import pytest

from conftest import REPO_ROOT, ns, statuses

ZONE = "tests/data/zones/senders.example.zone"


@pytest.fixture
def zone_args():
    return ["--zone", REPO_ROOT / ZONE]


@pytest.mark.parametrize(
    ("address", "status"),
    [
        ("anna.schmidt@good.senders.example", "pass"),
        ("news@good.senders.example", "fail"),  # RFC 2142 NEWS
        ("Postmaster+x@good.senders.example", "fail"),
        ("POSTMASTER@good.senders.example", "fail"),
        ("mailer-daemon@good.senders.example", "fail"),
        ("Admin@good.senders.example", "fail"),
        ("administration@good.senders.example", "pass"),
        ("infos@good.senders.example", "pass"),
    ],
)
def test_role_accounts(write_sheet, check_json, zone_args, address, status):
    _, report = check_json(write_sheet(address), *zone_args)
    assert statuses(report, "sender.role") == {address: status}


def test_role_list_is_configurable(write_sheet, check_json, zone_args):
    extra = "roles:\n  add: [Bestellung]\n  allow: [news]\n"
    sheet = write_sheet(
        "news@good.senders.example", "bestellung+x@good.senders.example", extra=extra
    )
    _, report = check_json(sheet, *zone_args)
    assert statuses(report, "sender.role") == {
        "news@good.senders.example": "pass",
        "bestellung+x@good.senders.example": "fail",
    }


@pytest.mark.parametrize(
    ("address", "status"),
    [
        ("anna@good.senders.example", "pass"),
        ("anna@bücher.senders.example", "pass"),
        ("jürgen@good.senders.example", "pass"),  # RFC 6531 local part
        ("anna.good.senders.example", "fail"),
        ("anna@@good.senders.example", "fail"),
        ("anna@good..senders.example", "fail"),
        ("anna smith@good.senders.example", "fail"),
    ],
)
def test_syntax(write_sheet, check_json, zone_args, address, status):
    _, report = check_json(write_sheet(address), *zone_args)
    assert statuses(report, "sender.syntax") == {address: status}


def test_no_sender_fails_syntax(write_sheet, check_json, zone_args):
    code, report = check_json(write_sheet(), *zone_args)
    assert list(statuses(report, "sender.syntax").values()) == ["fail"]
    assert code == 1


@pytest.mark.parametrize(
    ("domain", "mx", "a"),
    [
        ("good.senders.example", "pass", "pass"),
        ("nomx.senders.example", "fail", "pass"),
        ("nullmx.senders.example", "fail", "pass"),
        ("mxnoaddr.senders.example", "fail", "pass"),
        ("noa.senders.example", "pass", "fail"),
        ("missing.senders.example", "fail", "fail"),
        ("xn--bcher-kva.senders.example", "pass", "pass"),
        ("mxoutside.senders.example", "error", "pass"),
        ("mxliteral.senders.example", "fail", "pass"),
        ("mxalias.senders.example", "warn", "pass"),
        ("other.example", "error", "error"),  # outside every zone
    ],
)
def test_mx_and_a(dns_args, write_sheet, check_json, domain, mx, a):
    _, report = check_json(write_sheet(f"anna@{domain}"), *dns_args(ZONE))
    assert statuses(report, "sender.mx") == {domain: mx}
    assert statuses(report, "sender.a") == {domain: a}


def test_idn_domain_is_checked_in_ascii(write_sheet, check_json, zone_args):
    _, report = check_json(write_sheet("anna@Bücher.senders.example"), *zone_args)
    assert statuses(report, "sender.mx") == {"xn--bcher-kva.senders.example": "pass"}


def test_failing_dns_rules_carry_the_record_to_publish(write_sheet, check_json, zone_args):
    _, report = check_json(write_sheet("anna@nomx.senders.example"), *zone_args)
    (mx,) = [f for f in report["findings"] if f["rule"] == "sender.mx"]
    assert "IN MX" in mx["hint"]


@pytest.mark.parametrize("fault", ["servfail", "drop"])
def test_dns_faults_are_errors_not_failures(dns_server, write_sheet, check_json, fault):
    server = dns_server(ZONE, "tests/data/zones/dkim-good.zone", "tests/data/zones/dmarc-good.zone")
    getattr(server, fault)("good.senders.example.")
    dkim = "dkim:\n  - domain: good.senders.example\n    selector: sel\n"
    sheet = write_sheet("anna@good.senders.example", extra=dkim)
    code, report = check_json(sheet, "--nameserver", ns(server), "--timeout", "0.5")
    assert statuses(report, "sender.mx") == {"good.senders.example": "error"}
    assert statuses(report, "sender.a") == {"good.senders.example": "error"}
    assert code == 3


def test_fault_on_an_mx_host_is_an_error(dns_server, write_sheet, check_json):
    server = dns_server(ZONE)
    server.servfail("mx.good.senders.example.")
    server.servfail("mx6.good.senders.example.")
    sheet = write_sheet("anna@good.senders.example")
    _, report = check_json(sheet, "--nameserver", ns(server))
    assert statuses(report, "sender.mx") == {"good.senders.example": "error"}


def test_one_finding_per_domain_and_no_question_twice(dns_server, write_sheet, check_json):
    server = dns_server(ZONE)
    sheet = write_sheet(
        "anna@good.senders.example", "bob@good.senders.example", "carl@mxnoaddr.senders.example"
    )
    _, report = check_json(sheet, "--nameserver", ns(server))
    assert len(statuses(report, "sender.mx")) == 2
    asked = [(name, rdtype) for name, rdtype, _ in server.queries]
    assert len(asked) == len(set(asked))  # mx.good is shared by both domains: asked once


def test_invalid_addresses_are_skipped_by_the_domain_rules(write_sheet, check_json, zone_args):
    _, report = check_json(write_sheet("not an address"), *zone_args)
    assert statuses(report, "sender.syntax") == {"not an address": "fail"}
    for rule in ("sender.role", "sender.mx", "sender.a"):
        assert statuses(report, rule) == {"not an address": "skip"}


def test_quoted_local_part_is_valid(write_sheet, check_json, zone_args):
    address = '"anna smith"@good.senders.example'
    _, report = check_json(write_sheet(address), *zone_args)
    assert statuses(report, "sender.syntax") == {address: "pass"}
