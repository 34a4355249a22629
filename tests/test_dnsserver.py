"""Tests of the loopback test DNS server (tests/dnsserver.py), with dnspython as the client."""

from __future__ import annotations

import asyncio
import socket
import time

import dns.asyncresolver
import dns.flags
import dns.message
import dns.nameserver
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver
import pytest

from dnsserver import ZoneServer

SAMPLE = "tests/data/zones/sample.example.zone"
OTHER = "tests/data/zones/other.example.zone"


@pytest.fixture
def server(dns_server, zones_dir) -> ZoneServer:
    return dns_server(SAMPLE, zones_dir / "other.example.zone")


def resolver(server: ZoneServer, lifetime: float = 2.0) -> dns.resolver.Resolver:
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = [dns.nameserver.Do53Nameserver(*server.address)]
    res.lifetime = lifetime
    return res


def async_resolve(server: ZoneServer, name: str, rdtype: str) -> dns.resolver.Answer:
    res = dns.asyncresolver.Resolver(configure=False)
    res.nameservers = [dns.nameserver.Do53Nameserver(*server.address)]
    res.lifetime = 2.0
    return asyncio.run(res.resolve(name, rdtype))


def udp(server: ZoneServer, name: str, rdtype: str, **kwargs) -> dns.message.Message:
    host, port = server.address
    return dns.query.udp(dns.message.make_query(name, rdtype, **kwargs), host, 2, port)


def tcp(server: ZoneServer, name: str, rdtype: str) -> dns.message.Message:
    host, port = server.address
    return dns.query.tcp(dns.message.make_query(name, rdtype), host, 2, port)


def texts(answer) -> list[str]:
    return sorted(rdata.to_text() for rdata in answer)


def test_answers_are_authoritative_and_echo_the_query(server):
    query = dns.message.make_query("Sample.Example.", "A")
    host, port = server.address
    response = dns.query.udp(query, host, 2, port)
    assert response.id == query.id
    assert response.question == query.question
    assert response.flags & dns.flags.AA
    assert response.flags & dns.flags.RD
    assert not response.flags & dns.flags.RA
    assert response.rcode() == dns.rcode.NOERROR
    assert texts(response.answer[0]) == ["192.0.2.10"]


def test_record_types_through_the_async_resolver(server):
    assert texts(async_resolve(server, "sample.example", "AAAA")) == ["2001:db8::10"]
    mx = async_resolve(server, "sample.example", "MX")
    assert texts(mx) == ["10 mx1.sample.example.", "20 mx2.sample.example."]
    assert texts(async_resolve(server, "nullmx.sample.example", "MX")) == ["0 ."]
    (txt,) = async_resolve(server, "sample.example", "TXT")
    assert txt.strings == (b"v=spf1 ", b"include:_spf.other.example ", b"-all")


def test_nxdomain_and_nodata_are_distinguished(server):
    res = resolver(server)
    with pytest.raises(dns.resolver.NXDOMAIN):
        res.resolve("nope.sample.example", "A")
    with pytest.raises(dns.resolver.NoAnswer):
        res.resolve("mx1.sample.example", "MX")
    with pytest.raises(dns.resolver.NoAnswer):  # empty non-terminal exists
        res.resolve("_domainkey.sample.example", "TXT")
    for name, rcode in [("nope.sample.example", "NXDOMAIN"), ("mx1.sample.example", "NOERROR")]:
        response = udp(server, name, "MX")
        assert dns.rcode.to_text(response.rcode()) == rcode
        assert response.answer == []
        (soa,) = response.authority
        assert soa.rdtype == dns.rdatatype.SOA
        assert soa.name.to_text() == "sample.example."
        assert soa.ttl == 120  # min(SOA TTL, MINIMUM), RFC 2308


def test_cname_chain_is_chased_into_another_served_zone(server):
    answer = resolver(server).resolve("www.sample.example", "A")
    assert texts(answer) == ["192.0.2.40"]
    assert answer.canonical_name.to_text() == "host.other.example."
    response = udp(server, "www.sample.example", "A")
    assert [rrset.rdtype for rrset in response.answer] == [
        dns.rdatatype.CNAME,
        dns.rdatatype.CNAME,
        dns.rdatatype.A,
    ]


def test_cname_ends_in_nxdomain_or_outside_the_served_zones(server):
    response = udp(server, "dangling.sample.example", "A")
    assert response.rcode() == dns.rcode.NXDOMAIN
    assert texts(response.answer[0]) == ["missing.sample.example."]
    response = udp(server, "external.sample.example", "A")
    assert response.rcode() == dns.rcode.NOERROR
    assert [texts(rrset) for rrset in response.answer] == [["host.elsewhere.invalid."]]
    assert texts(resolver(server).resolve("www.sample.example", "CNAME")) == ["web.sample.example."]


def test_wildcards(server):
    res = resolver(server)
    answer = res.resolve("anything.wild.sample.example", "A")
    assert texts(answer) == ["192.0.2.99"]
    assert answer.rrset.name.to_text() == "anything.wild.sample.example."
    assert texts(res.resolve("a.b.wild.sample.example", "TXT")) == ['"from the wildcard"']
    with pytest.raises(dns.resolver.NoAnswer):  # wildcard exists, no MX there
        res.resolve("x.wild.sample.example", "MX")
    with pytest.raises(dns.resolver.NoAnswer):  # existing name: no wildcard for it
        res.resolve("blocker.wild.sample.example", "A")
    with pytest.raises(dns.resolver.NXDOMAIN):  # closer encloser blocks the wildcard
        res.resolve("x.blocker.wild.sample.example", "A")
    with pytest.raises(dns.resolver.NoAnswer):  # the empty non-terminal above the wildcard
        res.resolve("wild.sample.example", "A")


def test_big_txt_is_truncated_over_udp_and_complete_over_tcp(server):
    response = udp(server, "big.sample.example", "TXT")
    assert response.flags & dns.flags.TC
    assert response.answer == []
    response = udp(server, "big.sample.example", "TXT", use_edns=0, payload=1232)
    assert response.flags & dns.flags.TC
    response = udp(server, "big.sample.example", "TXT", use_edns=0, payload=4096)
    assert not response.flags & dns.flags.TC
    (txt,) = tcp(server, "big.sample.example", "TXT").answer[0]
    assert len(b"".join(txt.strings)) == 3000

    server.reset_log()
    (txt,) = resolver(server).resolve("big.sample.example", "TXT")
    assert len(b"".join(txt.strings)) == 3000
    assert [transport for *_, transport in server.queries] == ["udp", "tcp"]


def test_several_queries_on_one_tcp_connection(server):
    host, port = server.address
    with socket.create_connection((host, port), timeout=2) as sock:
        for name in ["sample.example.", "mx1.sample.example.", "host.other.example."]:
            response = dns.query.tcp(dns.message.make_query(name, "A"), host, 2, sock=sock)
            assert response.rcode() == dns.rcode.NOERROR
            assert response.answer


def test_foreign_names_are_refused(server):
    assert udp(server, "example.com", "A").rcode() == dns.rcode.REFUSED
    assert tcp(server, "example", "A").rcode() == dns.rcode.REFUSED
    with pytest.raises(dns.resolver.NoNameservers):
        resolver(server).resolve("example.org", "A")


def test_servfail_and_refuse_faults_per_name_and_type(server):
    res = resolver(server)
    server.servfail("SAMPLE.example", "TXT")
    with pytest.raises(dns.resolver.NoNameservers):
        res.resolve("sample.example", "TXT")
    assert texts(res.resolve("sample.example", "A")) == ["192.0.2.10"]
    server.refuse("mx1.sample.example.")
    assert udp(server, "mx1.sample.example", "A").rcode() == dns.rcode.REFUSED
    server.clear_faults()
    assert len(res.resolve("sample.example", "TXT")) == 1


def test_dropped_queries_time_out(server):
    server.drop("sample.example")
    with pytest.raises(dns.resolver.LifetimeTimeout):
        resolver(server, lifetime=0.5).resolve("sample.example", "A")
    assert server.count("sample.example", "A") >= 1
    assert texts(resolver(server).resolve("mx1.sample.example", "A")) == ["192.0.2.25"]


def test_delay_holds_one_name_only(server):
    server.delay("sample.example", 0.4)
    started = time.monotonic()
    assert texts(async_resolve(server, "sample.example", "A")) == ["192.0.2.10"]
    assert time.monotonic() - started >= 0.4

    async def both():
        res = dns.asyncresolver.Resolver(configure=False)
        res.nameservers = [dns.nameserver.Do53Nameserver(*server.address)]
        slow = asyncio.create_task(res.resolve("sample.example", "A"))
        fast = await res.resolve("mx1.sample.example", "A")
        assert not slow.done()  # the delayed answer did not block the other one
        await slow
        return fast

    assert texts(asyncio.run(both())) == ["192.0.2.25"]


def test_query_log(server):
    res = resolver(server)
    res.resolve("sample.example", "A")
    res.resolve("Sample.Example.", "MX")
    assert server.queries == [
        ("sample.example.", "A", "udp"),
        ("sample.example.", "MX", "udp"),
    ]
    assert server.count("SAMPLE.EXAMPLE") == 2
    assert server.count("sample.example", "MX") == 1
    server.reset_log()
    assert server.queries == []


def test_zone_from_text_without_soa_or_ns(dns_server):
    server = dns_server.from_text({"acme.example.": "@ 300 IN MX 10 mx.acme.example.\n"})
    response = udp(server, "nope.acme.example", "A")
    assert response.rcode() == dns.rcode.NXDOMAIN
    assert response.authority[0].name.to_text() == "acme.example."
    assert response.authority[0].rdtype == dns.rdatatype.SOA
    assert texts(resolver(server).resolve("acme.example", "MX")) == ["10 mx.acme.example."]


def test_context_manager_and_file_origin_from_name(zones_dir):
    with ZoneServer.from_files(zones_dir / "other.example.zone") as server:
        assert texts(resolver(server).resolve("host.other.example", "A")) == ["192.0.2.40"]
        assert server.address[0] == "127.0.0.1"
