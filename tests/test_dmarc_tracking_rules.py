"""dmarc.record and tracking.dns: pass, warn, fail and error cases, offline and over loopback
DNS, including timeouts and SERVFAIL."""

from __future__ import annotations

import pytest

from conftest import ns, statuses

DMARC = "tests/data/zones/dmarc-check.example.zone"
DMARC_ORG = "tests/data/zones/dmarc-org.example.zone"
TRACKING = "tests/data/zones/tracking-check.example.zone"


@pytest.mark.parametrize(
    ("domain", "status"),
    [
        ("reject.dmarccheck.example", "pass"),
        ("quarantine.dmarccheck.example", "pass"),
        ("none.dmarccheck.example", "warn"),
        ("missing.dmarccheck.example", "warn"),
        ("notfirst.dmarccheck.example", "warn"),  # not a DMARC record: ignored
        ("other.dmarccheck.example", "warn"),
        ("badpolicy.dmarccheck.example", "fail"),
        ("nopolicy.dmarccheck.example", "fail"),
        ("badrua.dmarccheck.example", "fail"),
        ("badpct.dmarccheck.example", "fail"),
        ("twice.dmarccheck.example", "fail"),
        ("dmarcorg.example", "pass"),
        ("sub.dmarcorg.example", "warn"),  # the organisational domain's sp=none applies
        ("strict.dmarcorg.example", "pass"),  # its own record wins
        ("elsewhere.example", "error"),  # outside every zone
    ],
)
def test_dmarc_record(dns_args, write_sheet, check_json, domain, status):
    _, report = check_json(write_sheet(f"anna@{domain}"), *dns_args(DMARC, DMARC_ORG))
    assert statuses(report, "dmarc.record") == {domain: status}
    found = next(f for f in report["findings"] if f["rule"] == "dmarc.record")
    if status in ("fail", "warn"):
        assert "_dmarc." in found["hint"] and "IN TXT" in found["hint"]


def test_missing_dmarc_hint_is_a_starting_record_at_the_organisational_domain(
    write_sheet, check_json
):
    _, report = check_json(write_sheet("anna@missing.dmarccheck.example"), "--zone", DMARC)
    hint = next(f["hint"] for f in report["findings"] if f["rule"] == "dmarc.record")
    assert hint.endswith(
        '_dmarc.dmarccheck.example. 3600 IN TXT "v=DMARC1; p=none; '
        'rua=mailto:dmarc-reports@dmarccheck.example"'
    )


def test_policy_none_hint_enforces_and_keeps_the_other_tags(write_sheet, check_json):
    _, report = check_json(write_sheet("anna@none.dmarccheck.example"), "--zone", DMARC)
    hint = next(f["hint"] for f in report["findings"] if f["rule"] == "dmarc.record")
    assert '"v=DMARC1; p=quarantine; rua=mailto:dmarc@dmarccheck.example"' in hint


@pytest.mark.parametrize("fault", ["servfail", "drop"])
def test_dmarc_dns_faults_are_errors(dns_server, write_sheet, check_json, fault):
    server = dns_server(DMARC)
    getattr(server, fault)("_dmarc.missing.dmarccheck.example.")
    sheet = write_sheet("anna@missing.dmarccheck.example")
    _, report = check_json(sheet, "--nameserver", ns(server), "--timeout", "0.3")
    assert statuses(report, "dmarc.record") == {"missing.dmarccheck.example": "error"}


@pytest.mark.parametrize(
    ("domain", "org"),
    [
        ("mail.shop.example.co.uk", "example.co.uk"),
        ("example.co.uk", "example.co.uk"),
        ("news.acme.example", "acme.example"),
        ("a.b.c.example.com", "example.com"),
        ("user.github.io", "user.github.io"),  # a private suffix of the list
    ],
)
def test_organisational_domain_from_the_public_suffix_list(domain, org):
    from mailcheck.dmarc import organisational_domain

    assert organisational_domain(domain) == org


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("v=DMARC1; p=reject; sp=all", "sp="),
        ("v=DMARC1; p=reject; adkim=x", "adkim="),
        ("v=DMARC1; p=reject; p=none", "twice"),
        ("v=DMARC1; p=reject; fo=2", "fo="),
        ("v=DMARC1; p=reject; ruf=mailto:", "ruf="),
        ("v=DMARC1 p=reject", "separated by ';'"),
    ],
)
def test_dmarc_parse_errors(text, problem):
    from mailcheck.dmarc import DmarcError, parse_dmarc

    with pytest.raises(DmarcError, match=problem):
        parse_dmarc(text)


def tracking_sheet(write_sheet, domain: str, target: str):
    return write_sheet(
        "anna@good.senders.example", extra=f"tracking:\n  domain: {domain}\n  target: {target}\n"
    )


@pytest.mark.parametrize(
    ("domain", "target", "status"),
    [
        ("click-a", "198.51.100.7", "pass"),
        ("click-viacname", "198.51.100.7", "pass"),  # A through the CNAME
        ("click-cname", "track.trackcheck.example", "pass"),
        ("click-a", "track.trackcheck.example", "pass"),  # the same addresses as the target
        ("click-wrong", "198.51.100.7", "fail"),
        ("click-other", "track.trackcheck.example", "fail"),
        ("click-none", "198.51.100.7", "fail"),
        ("click-missing", "track.trackcheck.example", "fail"),
    ],
)
def test_tracking_dns(dns_args, write_sheet, check_json, domain, target, status):
    name = f"{domain}.trackcheck.example"
    _, report = check_json(tracking_sheet(write_sheet, name, target), *dns_args(TRACKING))
    assert statuses(report, "tracking.dns") == {name: status}
    found = next(f for f in report["findings"] if f["rule"] == "tracking.dns")
    if status == "fail":
        rdtype = "A" if target[0].isdigit() else "CNAME"
        assert f"{name}. 3600 IN {rdtype} {target}" in found["hint"]


def test_tracking_outside_the_zones_is_error(write_sheet, check_json):
    sheet = tracking_sheet(write_sheet, "click-outside.trackcheck.example", "198.51.100.7")
    _, report = check_json(sheet, "--zone", TRACKING)
    assert statuses(report, "tracking.dns") == {"click-outside.trackcheck.example": "error"}


@pytest.mark.parametrize("fault", ["servfail", "drop"])
@pytest.mark.parametrize("target", ["198.51.100.7", "track.trackcheck.example"])
def test_tracking_dns_faults_are_errors(dns_server, write_sheet, check_json, fault, target):
    server = dns_server(TRACKING)
    getattr(server, fault)("click-a.trackcheck.example.")
    sheet = tracking_sheet(write_sheet, "click-a.trackcheck.example", target)
    _, report = check_json(sheet, "--nameserver", ns(server), "--timeout", "0.3")
    assert statuses(report, "tracking.dns") == {"click-a.trackcheck.example": "error"}


def test_without_tracking_the_rule_skips(write_sheet, check_json):
    _, report = check_json(write_sheet("anna@good.senders.example"), "--zone", TRACKING)
    assert set(statuses(report, "tracking.dns").values()) == {"skip"}
