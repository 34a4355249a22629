"""dmarc.record and tracking.dns: pass, warn, fail and error cases, offline and over loopback
DNS, including timeouts and SERVFAIL."""

from __future__ import annotations

import pytest

from conftest import ns, statuses

DMARC = "tests/data/zones/dmarc-check.example.zone"
DMARC_ORG = "tests/data/zones/dmarc-org.example.zone"
DMARC_FIX = "tests/data/zones/dmarc-fix.example.zone"
TRACKING = "tests/data/zones/tracking-check.example.zone"


@pytest.mark.parametrize(
    ("domain", "status"),
    [
        ("reject.dmarccheck.example", "pass"),
        ("quarantine.dmarccheck.example", "warn"),  # pct= and ri=, removed by RFC 9989
        ("none.dmarccheck.example", "warn"),
        ("missing.dmarccheck.example", "warn"),
        ("notfirst.dmarccheck.example", "fail"),  # meant as DMARC, discarded by receivers
        ("other.dmarccheck.example", "warn"),
        ("badpolicy.dmarccheck.example", "fail"),
        ("nopolicy.dmarccheck.example", "warn"),  # no p=, valid rua=: as p=none
        ("badrua.dmarccheck.example", "warn"),  # receivers ignore the invalid rua=
        ("badpct.dmarccheck.example", "warn"),  # and pct=150: p=reject stands
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


def dmarc_finding(check_json, write_sheet, domain: str, *zones: str) -> dict:
    _, report = check_json(
        write_sheet(f"anna@{domain}"), *(a for z in zones for a in ("--zone", z))
    )
    (found,) = [f for f in report["findings"] if f["rule"] == "dmarc.record"]
    return found


def hinted_dmarc(hint: str) -> tuple[str, str]:
    """(name, record) of a hint that publishes a DMARC TXT record."""
    name, _, quoted = hint.rpartition(" 3600 IN TXT ")
    return name.rpartition(" ")[2].rstrip("."), quoted.strip('"')


@pytest.mark.parametrize(
    ("domain", "status", "name", "expected"),
    [
        # broken (a repeated tag), duplicate, no p=, discarded: fixed at the subdomain's own
        # name, never by p=none at the organisational domain, and never weaker than what was meant
        (
            "broken.dmarcfix.example",
            "fail",
            "_dmarc.broken.dmarcfix.example",
            "v=DMARC1; p=reject; rua=mailto:dmarc@dmarcfix.example",
        ),
        # an invalid value receivers discard (RFC 9989 §4.8): the record stands, the hint drops
        # the value (a URI list keeps its valid URIs)
        (
            "badpct.dmarcfix.example",
            "warn",
            "_dmarc.badpct.dmarcfix.example",
            "v=DMARC1; p=reject; rua=mailto:dmarc@dmarcfix.example",
        ),
        (
            "badrua.dmarcfix.example",
            "warn",
            "_dmarc.badrua.dmarcfix.example",
            "v=DMARC1; p=quarantine; rua=mailto:dmarc@dmarcfix.example",
        ),
        (
            "dup.dmarcfix.example",
            "fail",
            "_dmarc.dup.dmarcfix.example",
            "v=DMARC1; p=reject; rua=mailto:dmarc@dmarcfix.example",
        ),
        # no p= at all reads as p=none (RFC 9989 §4.7): enforced at the subdomain's own name
        (
            "nop.dmarcfix.example",
            "warn",
            "_dmarc.nop.dmarcfix.example",
            "v=DMARC1; p=quarantine; adkim=s",
        ),
        ("nosemi.dmarcfix.example", "fail", "_dmarc.nosemi.dmarcfix.example", "v=DMARC1; p=reject"),
        (
            "lower.dmarcfix.example",
            "fail",
            "_dmarc.lower.dmarcfix.example",
            "v=DMARC1; p=quarantine",
        ),
        # no valid p= but a valid rua=: receivers act as if p=none (RFC 7489 §6.6.3 step 6)
        (
            "badp.dmarcfix.example",
            "warn",
            "_dmarc.badp.dmarcfix.example",
            "v=DMARC1; p=quarantine; rua=mailto:dmarc@dmarcfix.example",
        ),
        # the organisational domain's sp=none rules the subdomain: p=reject stays, sp is raised
        (
            "sub.dmarcfix.example",
            "warn",
            "_dmarc.dmarcfix.example",
            "v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc@dmarcfix.example",
        ),
    ],
)
def test_dmarc_hints_fix_the_record_where_it_was_found(
    write_sheet, check_json, domain, status, name, expected
):
    from mailcheck.dmarc.record import parse_dmarc

    found = dmarc_finding(check_json, write_sheet, domain, DMARC_FIX)
    assert found["status"] == status
    assert hinted_dmarc(found["hint"]) == (name, expected)
    parse_dmarc(expected)


def test_an_ignored_subdomain_record_is_reported_not_replaced_by_the_org_record(
    write_sheet, check_json
):
    found = dmarc_finding(check_json, write_sheet, "nosemi.dmarcfix.example", DMARC_FIX)
    assert found["status"] == "fail"
    assert "_dmarc.nosemi.dmarcfix.example" in found["message"]
    assert "separated by ';'" in found["message"]


@pytest.mark.parametrize(
    "domain",
    [
        "none.dmarccheck.example",
        "nopolicy.dmarccheck.example",
        "sub.dmarcorg.example",
        "sub.dmarcfix.example",
        "badp.dmarcfix.example",
    ],
)
def test_the_enforcing_hint_never_weakens_and_enforces_where_it_applies(
    write_sheet, check_json, domain
):
    from mailcheck.dmarc.record import POLICIES, parse_dmarc

    found = dmarc_finding(check_json, write_sheet, domain, DMARC, DMARC_ORG, DMARC_FIX)
    assert found["status"] == "warn"
    name, text = hinted_dmarc(found["hint"])
    record = parse_dmarc(text)
    subdomain = name != f"_dmarc.{domain}"
    assert record.policy_for(subdomain) in ("quarantine", "reject")
    published = {"sub.dmarcorg.example": "reject", "sub.dmarcfix.example": "reject"}
    assert POLICIES.index(record.policy) >= POLICIES.index(published.get(domain, "none"))


def test_a_record_without_a_valid_p_but_with_rua_counts_as_p_none():
    from mailcheck.dmarc.record import DmarcError, parse_dmarc

    assert parse_dmarc("v=DMARC1; p=block; rua=mailto:d@example.com").policy == "none"
    assert parse_dmarc("v=DMARC1; p=reject; sp=never; rua=mailto:d@example.com").policy == "none"
    assert parse_dmarc("v=DMARC1; p=reject; np=never; rua=mailto:d@example.com").policy == "none"
    with pytest.raises(DmarcError, match="p="):
        parse_dmarc("v=DMARC1; p=block; adkim=s")
    with pytest.raises(DmarcError, match="np="):
        parse_dmarc("v=DMARC1; p=reject; np=never")


def test_a_record_without_p_reads_as_p_none_and_keeps_its_subdomain_policies():
    """RFC 9989 §4.7: a missing p= is p=none; sp= and np= still rule the subdomains."""
    from mailcheck.dmarc.record import parse_dmarc

    record = parse_dmarc("v=DMARC1; sp=reject; np=quarantine")
    assert record.policy == "none" and record.defaulted is None
    assert record.policy_for(subdomain=True) == "reject"
    assert record.policy_for(subdomain=True, exists=False) == "quarantine"


@pytest.mark.parametrize(
    ("text", "subdomain", "exists", "policy", "tag"),
    [
        ("v=DMARC1; p=reject; sp=quarantine; np=none", False, True, "reject", "p"),
        ("v=DMARC1; p=reject; sp=quarantine; np=none", True, True, "quarantine", "sp"),
        ("v=DMARC1; p=reject; sp=quarantine; np=none", True, False, "none", "np"),
        ("v=DMARC1; p=reject; sp=quarantine", True, False, "quarantine", "sp"),  # no np=: sp=
        ("v=DMARC1; p=none; np=reject", True, True, "none", "p"),  # np= only if it does not exist
        ("v=DMARC1; p=none; np=reject", True, False, "reject", "np"),
    ],
)
def test_the_policy_for_a_domain_that_exists_or_not(text, subdomain, exists, policy, tag):
    from mailcheck.dmarc.record import parse_dmarc

    record = parse_dmarc(text)
    assert record.policy_for(subdomain, exists) == policy
    assert record.applied_tag(subdomain, exists) == tag


@pytest.mark.parametrize(
    ("text", "removed", "unknown"),
    [
        ("v=DMARC1; p=reject; pct=100; rf=afrf; ri=86400", ("pct", "rf", "ri"), ()),
        ("v=DMARC1; p=reject; psd=n; t=n; np=reject", (), ()),
        ("v=DMARC1; p=reject; xyz=1; report=yes", (), ("xyz", "report")),
    ],
)
def test_removed_and_unknown_tags_are_read_and_named(text, removed, unknown):
    from mailcheck.dmarc.record import cleaned, parse_dmarc

    record = parse_dmarc(text)
    assert (record.removed_tags, record.unknown_tags) == (removed, unknown)
    assert parse_dmarc(cleaned(record)).tags.keys().isdisjoint({*removed, *unknown})


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
def test_registrable_domain_from_the_public_suffix_list(domain, org):
    from mailcheck.dmarc.suffixes import registrable_domain

    assert registrable_domain(domain) == org


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("v=DMARC1; p=reject; sp=all", "sp="),
        ("v=DMARC1; p=reject; p=none", "twice"),
        ("v=DMARC1 p=reject", "separated by ';'"),
        ("p=reject; v=DMARC1", "start with v=DMARC1"),
        ("v=DMARC1; p=maybe", "p="),
        ("v=DMARC1; p=reject; np=all", "np="),
        ("v=DMARC1; p=maybe; rua=dmarc.example", "p="),  # no valid URI: not read as p=none
    ],
)
def test_dmarc_parse_errors(text, problem):
    """What makes receivers apply no policy from the record."""
    from mailcheck.dmarc.record import DmarcError, parse_dmarc

    with pytest.raises(DmarcError, match=problem):
        parse_dmarc(text)


@pytest.mark.parametrize(
    ("text", "tag", "kept"),
    [
        ("v=DMARC1; p=reject; adkim=x", "adkim", {}),
        ("v=DMARC1; p=reject; aspf=strict", "aspf", {}),
        ("v=DMARC1; p=reject; fo=2", "fo", {}),
        ("v=DMARC1; p=reject; ruf=mailto:", "ruf", {}),
        ("v=DMARC1; p=reject; psd=maybe", "psd", {}),
        ("v=DMARC1; p=reject; t=yes", "t", {}),
        ("v=DMARC1; p=reject; pct=150", "pct", {}),  # removed, but RFC 7489 receivers read it
        ("v=DMARC1; p=reject; pct=abc", "pct", {}),
        ("v=DMARC1; p=reject; rua=mailto:a@x.example, x", "rua", {"rua": "mailto:a@x.example"}),
    ],
)
def test_invalid_values_receivers_discard_leave_the_record_standing(text, tag, kept):
    """RFC 9989 §4.8: a syntax error in the rest of the record is discarded in favour of the
    tag's default; the policy stays."""
    from mailcheck.dmarc.record import parse_dmarc

    record = parse_dmarc(text)
    assert record.policy == "reject"
    assert [name for name, _ in record.invalid] == [tag]
    assert {k: v for k, v in record.tags.items() if k not in ("v", "p")} == kept


def test_an_invalid_policy_with_a_valid_uri_among_invalid_ones_reads_as_none():
    from mailcheck.dmarc.record import parse_dmarc

    record = parse_dmarc("v=DMARC1; p=block; rua=x, mailto:a@x.example")
    assert record.policy == "none" and record.defaulted


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
