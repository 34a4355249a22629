"""The network client: answers matched to their questions, failover between servers, TCP."""

from __future__ import annotations

import asyncio

import dns.name
import dns.rdatatype
import pytest

from conftest import REPO_ROOT
from mailcheck.dns import Outcome
from mailcheck.dns import client as client_module
from mailcheck.dns.client import Client, ServerFailure, _Socket, read_answer
from mailcheck.dns.network import NetworkBackend
from mailcheck.dns.resolver import Resolver

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
    assert response.answer and response.answer[0].rdtype == dns.rdatatype.MX
    assert server.count("sample.example", "MX") == 1


def test_servfail_moves_on_to_the_next_server(dns_server):
    failing, working = dns_server(SAMPLE), dns_server(SAMPLE)
    failing.servfail("sample.example.")
    response = ask([failing, working], "sample.example.", "MX")
    assert response.answer
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
    assert response.answer
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
    assert response.answer


def test_only_header_question_and_answer_are_read(dns_server):
    import dns.message
    import dns.rrset

    query = dns.message.make_query("sample.example.", "MX")
    response = dns.message.make_response(query)
    response.answer.append(
        dns.rrset.from_text("sample.example.", 300, "IN", "MX", "10 mx.sample.example.")
    )
    response.authority.append(
        dns.rrset.from_text("sample.example.", 300, "IN", "NS", "ns.sample.example.")
    )
    read = read_answer(response.to_wire())
    assert read.answer == response.answer and not read.authority and not read.additional
