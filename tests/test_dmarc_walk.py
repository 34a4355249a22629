"""The RFC 9989 DNS tree walk: the names asked and their bound, counted on a real DNS server on
loopback; policy discovery and organisational domains (the RFC's own examples); which
unanswered questions leave the result undecided; and the two rules over loopback DNS."""

from __future__ import annotations

import asyncio

import pytest

from conftest import ns, statuses
from mailcheck.dmarc import (
    MAX_WALK_QUERIES,
    discover_policy,
    organisational_domain,
    walk_domains,
)
from mailcheck.dnsclient import Outcome
from mailcheck.rules.context import build_resolver

WALK = {
    "walk.example.": """
_dmarc 300 IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@walk.example"
_dmarc.own 300 IN TXT "v=DMARC1; p=quarantine"
_dmarc.mid 300 IN TXT "v=DMARC1; p=none; psd=n"
_dmarc.c.d.e.f.g.h.i.j 300 IN TXT "v=DMARC1; p=none; psd=n"
_dmarc.np 300 IN TXT "v=DMARC1; p=reject; np=quarantine; psd=n"
np 300 IN MX 10 mx.np
"""
}
# RFC 9989's examples: bank.example publishes as a public suffix, giant.bank.example a record
BANK = {
    "bank.example.": """
_dmarc 300 IN TXT "v=DMARC1; p=reject; psd=y"
_dmarc.giant 300 IN TXT "v=DMARC1; p=quarantine"
""",
    "example.com.": """
_dmarc 300 IN TXT "v=DMARC1; p=reject"
_dmarc.signing 300 IN TXT "v=DMARC1; p=none"
""",
}
LONG = "a.b.c.d.e.f.g.h.i.j.walk.example"


def serve(dns_server, zones):
    server = dns_server.from_text(zones)
    return server, build_resolver(nameservers=[ns(server)], timeout=1.0)


def dmarc_questions(server) -> list[str]:
    return [name.rstrip(".") for name, rdtype, _ in server.queries if rdtype == "TXT"]


def test_the_walk_names_of_the_rfc_example():
    """RFC 9989 §4.10: eight queries for a twelve-label name, the intermediate names skipped."""
    assert walk_domains("a.b.c.d.e.f.g.h.i.j.mail.example.com") == [
        "a.b.c.d.e.f.g.h.i.j.mail.example.com",
        "g.h.i.j.mail.example.com",
        "h.i.j.mail.example.com",
        "i.j.mail.example.com",
        "j.mail.example.com",
        "mail.example.com",
        "example.com",
        "com",
    ]


@pytest.mark.parametrize("labels", range(1, 40))
def test_no_walk_asks_more_than_eight_names(labels):
    domain = ".".join(f"l{n}" for n in range(labels))
    names = walk_domains(domain)
    assert len(names) == min(labels, MAX_WALK_QUERIES)
    assert names[0] == domain and names[-1] == f"l{labels - 1}"
    assert all(domain.endswith(name) for name in names)


def test_a_long_name_costs_eight_questions_on_the_wire(dns_server):
    """The record at eight labels (psd=n) is skipped: the walk goes on to walk.example."""
    server, resolver = serve(dns_server, WALK)
    found = asyncio.run(discover_policy(LONG, resolver))
    assert dmarc_questions(server) == [f"_dmarc.{name}" for name in walk_domains(LONG)]
    assert len(dmarc_questions(server)) == MAX_WALK_QUERIES
    assert found.undecided is None  # _dmarc.example is refused: a public suffix, taken as empty
    assert found.level is not None and found.level.domain == "walk.example"
    assert found.policy() == "reject"


def test_a_domain_with_its_own_record_costs_one_question(dns_server):
    server, resolver = serve(dns_server, WALK)
    found = asyncio.run(discover_policy("own.walk.example", resolver))
    assert dmarc_questions(server) == ["_dmarc.own.walk.example"]
    assert found.own and found.policy() == "quarantine"


def test_psd_n_stops_the_walk(dns_server):
    server, resolver = serve(dns_server, WALK)
    found = asyncio.run(discover_policy("x.y.mid.walk.example", resolver))
    assert dmarc_questions(server) == [
        "_dmarc.x.y.mid.walk.example",
        "_dmarc.y.mid.walk.example",
        "_dmarc.mid.walk.example",
    ]
    assert found.level is not None and found.level.domain == "mid.walk.example"
    assert found.policy() == "none"


def test_the_organisational_domain_walk_starts_at_the_name_itself(dns_server):
    """Unlike policy discovery, it goes on past the name's own record to the shortest one."""
    server, resolver = serve(dns_server, WALK)
    org = asyncio.run(organisational_domain("own.walk.example", resolver))
    assert org.name == "walk.example"
    assert dmarc_questions(server) == [
        "_dmarc.own.walk.example",
        "_dmarc.walk.example",
        "_dmarc.example",
    ]


@pytest.mark.parametrize(
    ("domain", "org"),
    [
        ("giant.bank.example", "giant.bank.example"),  # one below the psd=y record
        ("mail.giant.bank.example", "giant.bank.example"),
        ("mail.mega.bank.example", "mega.bank.example"),  # no record of its own: still one below
        ("example.com", "example.com"),
        ("signing.example.com", "example.com"),  # the record with the fewest labels
        ("nothing.example.org", "nothing.example.org"),  # no record anywhere: the name itself
    ],
)
def test_organisational_domains_of_the_rfc_examples(dns_server, domain, org):
    server, resolver = serve(dns_server, BANK)
    server.refuse("_dmarc.nothing.example.org.")  # as if outside: example.org is no zone here
    found = asyncio.run(organisational_domain(domain, resolver))
    if domain.startswith("nothing."):
        assert found.undecided is not None and found.name is None
    else:
        assert found.undecided is None and found.name == org


def test_a_public_suffix_record_applies_when_the_organisation_has_none(dns_server):
    _, resolver = serve(dns_server, BANK)
    mega = asyncio.run(discover_policy("mail.mega.bank.example", resolver))
    assert mega.from_public_suffix and mega.policy() == "reject"
    giant = asyncio.run(discover_policy("mail.giant.bank.example", resolver))
    assert giant.level is not None and giant.level.domain == "giant.bank.example"
    assert not giant.from_public_suffix and giant.policy() == "quarantine"


def test_np_asks_whether_the_domain_exists(dns_server):
    server, resolver = serve(dns_server, WALK)
    ghost = asyncio.run(discover_policy("ghost.np.walk.example", resolver))
    assert ghost.exists is False and ghost.policy() == "quarantine"
    assert server.count("ghost.np.walk.example.", "MX") == 1
    there = asyncio.run(discover_policy("np.walk.example", resolver))
    assert there.own and there.policy() == "reject"
    server.reset_log()
    sub = asyncio.run(discover_policy("sub.own.walk.example", resolver))
    assert sub.policy() == "reject"  # walk.example's record, the organisational domain's
    assert [q for q in server.queries if q[1] == "MX"] == []  # no np= there: nothing to ask


def test_an_unanswered_existence_question_is_undecided(dns_server):
    server, resolver = serve(dns_server, WALK)
    server.servfail("ghost.np.walk.example.", "MX")
    found = asyncio.run(discover_policy("ghost.np.walk.example", resolver))
    assert found.undecided is not None and found.undecided.rdtype == "MX"
    assert found.policy() is None


def test_an_unanswered_question_below_the_public_suffixes_is_undecided(dns_server):
    server, resolver = serve(dns_server, WALK)
    server.servfail("_dmarc.walk.example.")
    found = asyncio.run(discover_policy("news.walk.example", resolver))
    assert found.undecided is not None and found.undecided.name.startswith("_dmarc.walk.example")
    assert found.level is None and found.policy() is None


def test_offline_the_names_above_every_zone_are_taken_as_empty(tmp_path):
    zone = tmp_path / "walk.example.zone"
    zone.write_text(
        "$ORIGIN walk.example.\n$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n"
        '@ IN NS ns\n_dmarc IN TXT "v=DMARC1; p=reject"\n'
    )
    resolver = build_resolver(zones=[zone])
    found = asyncio.run(discover_policy("news.walk.example", resolver))
    assert found.undecided is None and found.policy() == "reject"
    assert found.walk.levels[-1].answer.outcome is Outcome.OUTSIDE
    assert found.walk.levels[-1].assumed_empty
    outside = asyncio.run(discover_policy("elsewhere.example", resolver))
    assert outside.undecided is not None  # the customer's own name: never assumed


def test_the_rules_over_loopback_dns(dns_server, write_sheet, check_json):
    zones = {
        **BANK,
        "walk.example.": WALK["walk.example."]
        + 'ext 300 IN TXT "x"\n_dmarc.ext 300 IN TXT "v=DMARC1; p=reject; '
        'rua=mailto:r@reports.bank.example"\n',
    }
    server = dns_server.from_text(zones)
    sheet = write_sheet("anna@" + LONG, "bob@mail.mega.bank.example", "eve@ext.walk.example")
    _, report = check_json(sheet, "--nameserver", ns(server), "--timeout", "0.5")
    assert statuses(report, "dmarc.record") == {
        LONG: "pass",
        "mail.mega.bank.example": "warn",  # only the public suffix's record
        "ext.walk.example": "pass",
    }
    assert statuses(report, "dmarc.reports") == {
        LONG: "pass",
        "mail.mega.bank.example": "skip",
        "ext.walk.example": "fail",  # reports.bank.example: another organisation, no consent
    }


@pytest.mark.parametrize(
    ("suffix_record", "policy"),
    [
        ("v=DMARC1; p=reject; psd=y", "reject"),
        ("v=DMARC1; p=none; sp=quarantine; psd=y", "quarantine"),
    ],
)
def test_below_a_public_suffix_the_hint_keeps_the_policy_that_applies(
    dns_server, write_sheet, check_json, suffix_record, policy
):
    """Only the public suffix's psd=y record applies: the record of the domain's own that the
    hint proposes starts from the policy receivers apply now, never from p=none."""
    from mailcheck.dmarc.record import parse_dmarc

    server = dns_server.from_text({"bank.example.": f'_dmarc 300 IN TXT "{suffix_record}"\n'})
    sheet = write_sheet("bob@mail.mega.bank.example")
    _, report = check_json(sheet, "--nameserver", ns(server), "--select", "dmarc.record")
    (found,) = report["findings"]
    assert found["status"] == "warn"
    name, _, quoted = found["hint"].rpartition(" 3600 IN TXT ")
    assert name.rpartition(" ")[2] == "_dmarc.mega.bank.example."
    assert parse_dmarc(quoted.strip('"')).policy == policy


def test_an_unanswered_authorisation_question_is_an_error(dns_server, write_sheet, check_json):
    shop = '_dmarc.shop 300 IN TXT "v=DMARC1; p=reject; rua=mailto:r@vendor.walk.example"\n'
    zones = {"walk.example.": shop + '_dmarc.vendor 300 IN TXT "v=DMARC1; p=none"\n'}
    server = dns_server.from_text(zones)
    server.servfail("shop.walk.example._report._dmarc.vendor.walk.example.")
    sheet = write_sheet("anna@shop.walk.example")
    _, report = check_json(sheet, "--nameserver", ns(server), "--timeout", "0.5")
    assert statuses(report, "dmarc.reports") == {"shop.walk.example": "error"}
