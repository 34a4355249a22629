"""The DNS layer: outcomes told apart, one question per (name, type), both backends alike."""

from __future__ import annotations

import asyncio
import pickle

import pytest

from conftest import ns
from mailcheck.core.errors import InputError
from mailcheck.dnsclient import MX, TXT, AddressRecord, Other, Outcome, Pointer
from mailcheck.dnsclient.network import parse_nameserver
from mailcheck.rules.context import build_resolver

ZONE = "tests/data/zones/sample.example.zone"


def ask(resolver, name: str, rdtype: str):
    return asyncio.run(resolver.query(name, rdtype))


@pytest.mark.parametrize(
    ("name", "rdtype", "outcome"),
    [
        ("sample.example", "MX", Outcome.ANSWER),
        ("nothing.sample.example", "A", Outcome.NXDOMAIN),
        ("sample.example", "CNAME", Outcome.NODATA),
        ("_domainkey.sample.example", "TXT", Outcome.NODATA),  # empty non-terminal
        ("anything.wild.sample.example", "A", Outcome.ANSWER),  # wildcard
        ("x.blocker.wild.sample.example", "A", Outcome.NXDOMAIN),  # closer encloser blocks it
    ],
)
def test_outcomes(make_resolver, name, rdtype, outcome):
    resolver, _ = make_resolver(ZONE)
    assert ask(resolver, name, rdtype).outcome is outcome


def test_txt_strings_are_joined(make_resolver):
    resolver, _ = make_resolver(ZONE)
    answer = ask(resolver, "sample.example.", "TXT")
    assert answer.texts() == ["v=spf1 include:_spf.other.example -all"]


@pytest.mark.parametrize(
    ("name", "rdtype", "records"),
    [
        ("sample.example", "MX", {MX(10, "mx1.sample.example"), MX(20, "mx2.sample.example")}),
        ("sample.example", "A", {AddressRecord("192.0.2.10")}),
        ("sample.example", "AAAA", {AddressRecord("2001:db8::10")}),
        ("sample.example", "NS", {Pointer("ns1.sample.example")}),
        ("www.sample.example", "CNAME", {Pointer("web.sample.example")}),
        ("sel1._domainkey.sample.example", "TXT", {TXT((b"v=DKIM1; k=rsa; p=MIIBIjAN",))}),
    ],
)
def test_records_are_our_own_types(make_resolver, name, rdtype, records):
    """Both backends hand out our frozen records, never dnspython's (they also cross from one
    worker process to another, so they pickle)."""
    resolver, _ = make_resolver(ZONE)
    answer = ask(resolver, name, rdtype)
    assert set(answer.records) == records
    assert pickle.loads(pickle.dumps(answer)) == answer


def test_a_record_of_another_type_keeps_its_text(make_resolver):
    resolver, _ = make_resolver(ZONE)
    (soa,) = ask(resolver, "sample.example", "SOA").records
    assert isinstance(soa, Other) and soa.rdtype == "SOA"
    assert soa.text.startswith("ns1.sample.example. hostmaster.sample.example. 2024010101")


def test_the_null_mx_is_told_by_its_record(make_resolver):
    resolver, _ = make_resolver(ZONE)
    (null,) = ask(resolver, "nullmx.sample.example", "MX").of(MX)
    assert null == MX(0, ".") and null.is_null
    assert not any(mx.is_null for mx in ask(resolver, "sample.example", "MX").of(MX))


def test_large_txt_record_arrives_whole(make_resolver):
    resolver, _ = make_resolver(ZONE)
    assert len(ask(resolver, "big.sample.example", "TXT").texts()[0]) == 3000


def test_cname_chain_is_followed(make_resolver):
    resolver, _ = make_resolver(ZONE, "tests/data/zones/other.example.zone")
    answer = ask(resolver, "www.sample.example", "A")
    assert answer.exists
    assert answer.canonical == "host.other.example."


def test_name_outside_every_zone_is_undecided(make_resolver):
    resolver, _ = make_resolver(ZONE)
    answer = ask(resolver, "example.org", "A")
    assert not answer.decided
    assert answer.outcome in (Outcome.OUTSIDE, Outcome.SERVFAIL)  # the server says REFUSED


def test_idn_names_are_asked_in_ascii(dns_server):
    server = dns_server.from_text({"xn--bcher-kva.example.": "@ 300 IN A 127.0.0.7"})
    resolver = build_resolver(nameservers=[ns(server)])
    assert ask(resolver, "Bücher.example", "A").addresses() == ["127.0.0.7"]
    assert server.count("xn--bcher-kva.example.", "A") == 1


def test_each_question_is_sent_once_even_when_concurrent(dns_server):
    server = dns_server(ZONE)
    server.delay("sample.example.", 0.2)
    resolver = build_resolver(nameservers=[ns(server)])

    async def many():
        return await asyncio.gather(*(resolver.query("SAMPLE.example.", "MX") for _ in range(20)))

    answers = asyncio.run(many())
    assert {a.outcome for a in answers} == {Outcome.ANSWER}
    assert server.count("sample.example.", "MX") == 1
    assert resolver.queries_sent == 1


def test_timeout_is_an_undecided_outcome(dns_server):
    server = dns_server(ZONE)
    server.drop("sample.example.")
    resolver = build_resolver(nameservers=[ns(server)], timeout=0.5)
    answer = ask(resolver, "sample.example", "A")
    assert answer.outcome is Outcome.TIMEOUT
    assert not answer.decided


def test_servfail_is_an_undecided_outcome(dns_server):
    server = dns_server(ZONE)
    server.servfail("sample.example.", "MX")
    resolver = build_resolver(nameservers=[ns(server)])
    assert ask(resolver, "sample.example", "MX").outcome is Outcome.SERVFAIL
    assert ask(resolver, "sample.example", "A").outcome is Outcome.ANSWER


def test_a_slow_server_is_cut_off_by_the_budget(dns_server):
    server = dns_server(ZONE)
    server.delay("sample.example.", 2.0)
    resolver = build_resolver(nameservers=[ns(server)], timeout=0.3)
    assert ask(resolver, "sample.example", "A").outcome is Outcome.TIMEOUT


def test_invalid_names_are_not_asked(make_resolver):
    resolver, _ = make_resolver(ZONE)
    answer = ask(resolver, "a" * 64 + ".example", "A")
    assert answer.outcome is Outcome.INVALID
    assert resolver.queries_sent == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1", ("127.0.0.1", 53)),
        ("127.0.0.1:5353", ("127.0.0.1", 5353)),
        ("::1", ("::1", 53)),
        ("[::1]", ("::1", 53)),
        ("[2001:db8::1]:5300", ("2001:db8::1", 5300)),
    ],
)
def test_nameserver_forms(text, expected):
    assert parse_nameserver(text) == expected


@pytest.mark.parametrize("text", ["ns.example", "127.0.0.1:x", "[::1", "[::1]x", "1.2.3.4:70000"])
def test_bad_nameserver_is_an_input_error(text):
    with pytest.raises(InputError) as caught:
        parse_nameserver(text)
    assert caught.value.key == "--nameserver"


def test_zone_file_syntax_error_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.example.zone"
    bad.write_text("$ORIGIN bad.example.\n@ 300 IN A 127.0.0.1\nwww 300 IN A 999.1.1.1\n")
    with pytest.raises(InputError) as caught:
        build_resolver(zones=[bad])
    assert caught.value.file == str(bad)
    assert caught.value.line is not None


def test_the_bound_on_questions_holds_in_one_event_loop_after_another(dns_server):
    """A batch's parent checks its share in one event loop and a failed worker's items in the
    next, with the same resolver: questions that wait for a free slot work in both."""
    server = dns_server(ZONE)
    resolver = build_resolver(nameservers=[ns(server)], concurrency=1)

    async def several(rdtype: str) -> list:
        names = ["sample.example", "mx1.sample.example", "mx2.sample.example"]
        return await asyncio.gather(*(resolver.query(name, rdtype) for name in names))

    for rdtype in ("A", "AAAA"):
        outcomes = {answer.outcome for answer in asyncio.run(several(rdtype))}
        assert outcomes <= {Outcome.ANSWER, Outcome.NODATA}
