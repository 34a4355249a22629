"""The network client: answers matched to their questions, failover between servers, TCP."""

from __future__ import annotations

import asyncio

import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from conftest import REPO_ROOT
from mailcheck.dnsclient import Outcome
from mailcheck.dnsclient import client as client_module
from mailcheck.dnsclient.client import Client, ServerFailure, Unreachable, _Socket, read_response
from mailcheck.dnsclient.network import NetworkBackend, classify
from mailcheck.dnsclient.resolver import Resolver

SAMPLE = REPO_ROOT / "tests" / "data" / "zones" / "sample.example.zone"


def ask(servers, name: str, rdtype: str, timeout: float = 2.0):
    client = Client([server.address for server in servers], timeout)
    qname, qtype = dns.name.from_text(name), dns.rdatatype.from_text(rdtype)
    try:
        return asyncio.run(client.ask(qname, qtype))
    finally:
        client.close()


def test_an_answer_is_read(dns_server):
    server = dns_server(SAMPLE)
    response = ask([server], "sample.example.", "MX")
    assert [rdtype for _, rdtype, _ in response.records] == [dns.rdatatype.MX] * 2
    assert server.count("sample.example", "MX") == 1


def test_servfail_moves_on_to_the_next_server(dns_server):
    failing, working = dns_server(SAMPLE), dns_server(SAMPLE)
    failing.servfail("sample.example.")
    response = ask([failing, working], "sample.example.", "MX")
    assert response.records
    assert failing.count("sample.example") == working.count("sample.example") == 1


def test_every_server_failing_is_a_server_failure(dns_server):
    first, second = dns_server(SAMPLE), dns_server(SAMPLE)
    first.servfail("sample.example.")
    second.refuse("sample.example.")
    with pytest.raises(ServerFailure, match="SERVFAIL"):
        ask([first, second], "sample.example.", "MX")


def test_a_question_without_answer_is_sent_again_to_the_next_server(dns_server, monkeypatch):
    monkeypatch.setattr(client_module, "RETRY_AFTER", 0.1)
    silent, working = dns_server(SAMPLE), dns_server(SAMPLE)
    silent.drop("sample.example.")
    response = ask([silent, working], "sample.example.", "MX")
    assert response.records
    assert silent.count("sample.example") == 1 and working.count("sample.example") == 1


def test_no_answer_at_all_is_a_timeout_after_the_budget(dns_server, monkeypatch):
    monkeypatch.setattr(client_module, "RETRY_AFTER", 0.1)
    server = dns_server(SAMPLE)
    server.drop("sample.example.")
    resolver = Resolver(NetworkBackend([server.address], 0.35), timeout=0.35)
    answer = asyncio.run(resolver.query("sample.example", "MX"))
    assert answer.outcome is Outcome.TIMEOUT
    assert 2 <= server.count("sample.example") <= 4  # sent again every 0.1 s within 0.35 s


def test_a_datagram_with_another_question_or_id_is_not_the_answer(dns_server):
    server = dns_server(SAMPLE)

    async def run() -> tuple[bool, bool]:
        loop = asyncio.get_running_loop()
        sock = _Socket(server.address, loop)
        try:
            question = dns.name.from_text("sample.example.").to_wire() + b"\x00\x0f\x00\x01"
            wire = bytearray(client_module._QUERY_HEADER + question + client_module._OPT)
            qid, future = sock.ask(wire, question)
            other = dns.name.from_text("other.example.").to_wire() + b"\x00\x0f\x00\x01"
            header = qid.to_bytes(2, "big") + b"\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00"
            sock._received(header + other)  # right id, wrong question
            wrong_id = ((qid + 1) % 65536).to_bytes(2, "big") + header[2:]
            sock._received(wrong_id + question)  # right question, wrong id
            spoofed = future.done()
            answer = await asyncio.wait_for(future, 2)  # the server's own answer still counts
            return spoofed, answer is not None
        finally:
            sock.close()

    spoofed, answered = asyncio.run(run())
    assert not spoofed and answered


def test_question_names_match_whatever_their_case(dns_server):
    server = dns_server(SAMPLE)
    response = ask([server], "SAMPLE.Example.", "MX")
    assert response.records


def response_to(name: str, rdtype: str, *answers: str, rcode=dns.rcode.NOERROR):
    """A response to (name, rdtype) from the given answer records ("owner ttl class type
    data"), in wire format, and its question's length."""
    query = dns.message.make_query(name, rdtype)
    response = dns.message.make_response(query)
    response.set_rcode(rcode)
    for text in answers:
        owner, ttl, rdclass, kind, data = text.split(" ", 4)
        response.answer.append(dns.rrset.from_text(owner, int(ttl), rdclass, kind, data))
    response.authority.append(dns.rrset.from_text(name, 300, "IN", "NS", "ns.sample.example."))
    return response.to_wire(), len(query.question[0].name.to_wire()) + 4


def classified(name: str, rdtype: str, *answers: str, rcode=dns.rcode.NOERROR):
    wire, question = response_to(name, rdtype, *answers, rcode=rcode)
    qname, qtype = dns.name.from_text(name), dns.rdatatype.from_text(rdtype)
    return classify(qname, qtype, read_response(wire, question))


def test_the_answer_section_is_read_and_nothing_after_it():
    wire, question = response_to("sample.example.", "MX", "sample.example. 300 IN MX 10 mx.x.")
    response = read_response(wire, question)
    assert response.rcode == dns.rcode.NOERROR
    assert [(owner.to_text(), rdtype) for owner, rdtype, _ in response.records] == [
        ("sample.example.", dns.rdatatype.MX)
    ]  # the NS record of the authority section is not read


@pytest.mark.parametrize(
    "garble",
    [
        lambda wire: wire[:2] + bytes([wire[2] & 0x7F]) + wire[3:],  # QR unset: a query
        lambda wire: wire[:2] + bytes([wire[2] | 0x20]) + wire[3:],  # opcode UPDATE
        lambda wire: wire[:4] + b"\x00\x02" + wire[6:],  # two questions
        lambda wire: wire[:40],  # cut inside the answer record
        lambda wire: wire[:10],  # shorter than a header
    ],
)
def test_what_is_not_a_well_formed_response_is_unreadable(garble):
    wire, question = response_to("sample.example.", "MX", "sample.example. 300 IN MX 10 mx.x.")
    with pytest.raises(dns.exception.FormError):
        read_response(garble(wire), question)


def test_an_unreadable_answer_moves_on_to_the_next_server(dns_server):
    garbling, working = dns_server(SAMPLE), dns_server(SAMPLE)
    garbling.garble("sample.example.")
    assert ask([garbling, working], "sample.example.", "MX").records
    with pytest.raises(ServerFailure, match="unreadable"):
        ask([garbling], "sample.example.", "MX")


def test_a_cname_chain_in_the_answer_is_followed_to_its_records():
    answer = classified(
        "www.sample.example.",
        "A",
        "www.sample.example. 300 IN CNAME web.sample.example.",
        "WEB.sample.example. 300 IN CNAME host.other.example.",
        "host.other.example. 300 IN A 127.0.0.9",
        "unrelated.example. 300 IN A 127.0.0.10",
    )
    assert answer.outcome is Outcome.ANSWER
    assert answer.addresses() == ["127.0.0.9"] and answer.canonical == "host.other.example."


def test_a_record_repeated_in_the_answer_counts_once():
    spf = '"v=spf1 -all"'
    answer = classified(
        "sample.example.",
        "TXT",
        f"sample.example. 300 IN TXT {spf}",
        f"sample.example. 60 IN TXT {spf}",
    )
    assert answer.texts() == ["v=spf1 -all"]


def test_records_of_another_class_are_not_answers():
    answer = classified("sample.example.", "TXT", 'sample.example. 300 CH TXT "chaos"')
    assert answer.outcome is Outcome.NODATA


@pytest.mark.parametrize(
    ("answers", "rcode", "outcome"),
    [
        ([], dns.rcode.NXDOMAIN, Outcome.NXDOMAIN),
        (
            ["a.sample.example. 300 IN CNAME gone.sample.example."],
            dns.rcode.NXDOMAIN,
            Outcome.NXDOMAIN,
        ),
        (["a.sample.example. 300 IN CNAME b.sample.example."], dns.rcode.NOERROR, Outcome.NODATA),
        (["a.sample.example. 300 IN A 127.0.0.1"], dns.rcode.NXDOMAIN, Outcome.SERVFAIL),
        (
            [f"{n}.sample.example. 300 IN CNAME {n + 1}.sample.example." for n in range(17)],
            dns.rcode.NOERROR,
            Outcome.CNAME_LOOP,  # a chain too long
        ),
        (
            [
                "a.sample.example. 300 IN CNAME b.sample.example.",
                "b.sample.example. 300 IN CNAME a.sample.example.",
            ],
            dns.rcode.NOERROR,
            Outcome.CNAME_LOOP,  # a loop
        ),
    ],
)
def test_what_a_response_without_records_means(answers, rcode, outcome):
    name = answers[0].split()[0] if answers else "a.sample.example."
    assert classified(name, "A", *answers, rcode=rcode).outcome is outcome


def _datagrams(sock) -> int:
    """How many datagrams wait on a bound UDP socket nobody answers from (read and dropped)."""
    count = 0
    sock.setblocking(False)
    while True:
        try:
            sock.recv(65535)
        except BlockingIOError:
            return count
        count += 1


def test_a_server_that_never_answered_is_down_for_the_run(monkeypatch):
    import socket

    monkeypatch.setattr(client_module, "RETRY_AFTER", 0.1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        client = Client([silent.getsockname()], 0.3)

        async def twice() -> None:
            for name in ("first.example.", "second.example."):
                with pytest.raises(dns.exception.Timeout):
                    await client.ask(dns.name.from_text(name), dns.rdatatype.A)
                sent.append(_datagrams(silent))

        sent: list[int] = []
        try:
            asyncio.run(twice())
        finally:
            client.close()
    first, second = sent
    assert first >= 2  # asked, and asked again, for the whole budget
    assert second == 0  # then no more: the second question ended at once


def answered_then_dropped(client: Client, dropped: int) -> None:
    """`client` asks sample.example MX (answered), then `dropped` times www.sample.example A,
    which the server drops: each ends as a timeout."""

    async def questions() -> None:
        await client.ask(dns.name.from_text("sample.example."), dns.rdatatype.MX)
        for _ in range(dropped):
            with pytest.raises(dns.exception.Timeout):
                await client.ask(dns.name.from_text("www.sample.example."), dns.rdatatype.A)

    try:
        asyncio.run(questions())
    finally:
        client.close()


def test_a_server_that_answered_is_asked_again_after_a_timeout(dns_server, monkeypatch):
    monkeypatch.setattr(client_module, "RETRY_AFTER", 0.1)
    server = dns_server(SAMPLE)
    server.drop("www.sample.example.")
    answered_then_dropped(Client([server.address], 0.3), dropped=2)
    assert server.count("www.sample.example") >= 4  # each of the two was sent, and again


def test_a_server_that_answered_quickly_is_asked_again_after_a_few_round_trips(dns_server):
    """Once a server has answered, a lost question waits its retransmission timeout (RFC 6298:
    the smoothed round trip and its variation, at least MIN_RETRY, doubled at each sending),
    not the second of a server never measured."""
    server = dns_server(SAMPLE)
    server.drop("www.sample.example.")
    answered_then_dropped(Client([server.address], 1.4), dropped=1)
    # sent at 0, 0.25 and 0.75 s, the next due at 1.75 (the timeout doubles at each sending):
    # a fixed RETRY_AFTER (1 s) would send it twice, a timeout that did not double six times
    assert server.count("www.sample.example") == 3


def test_the_retransmission_timeout_follows_the_round_trips_within_its_bounds():
    estimate = client_module._RoundTrip(0.05, 0.025)
    assert estimate.timeout == client_module.MIN_RETRY  # 50 ms + 4 x 25 ms is below the floor
    for _ in range(20):
        estimate.sample(0.4)
    assert client_module.MIN_RETRY < estimate.timeout < client_module.RETRY_AFTER
    for _ in range(20):
        estimate.sample(3.0)
    assert estimate.timeout == client_module.RETRY_AFTER


def test_a_server_the_system_cannot_send_to_is_unreachable_not_servfail(dns_server):
    """The system refuses to send to a broadcast address (EACCES): no question went out, so it
    is neither a server failure nor a timeout; a reachable server after it still answers."""
    broadcast = ("255.255.255.255", 53)
    client = Client([broadcast], 1.0)
    try:
        with pytest.raises(Unreachable):
            asyncio.run(client.ask(dns.name.from_text("sample.example."), dns.rdatatype.MX))
    finally:
        client.close()
    backend = NetworkBackend([broadcast], 1.0)
    answer = asyncio.run(backend.lookup(dns.name.from_text("sample.example."), dns.rdatatype.MX))
    assert answer.outcome is Outcome.UNREACHABLE and not answer.decided
    server = dns_server(SAMPLE)
    both = NetworkBackend([broadcast, server.address], 1.0)
    answer = asyncio.run(both.lookup(dns.name.from_text("sample.example."), dns.rdatatype.MX))
    assert answer.outcome is Outcome.ANSWER
