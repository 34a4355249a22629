"""The RFC 7208 conformance suite through the project's DNS layer: all 203 cases.

Every scenario's zone data is served by the loopback DNS server (TIMEOUT names: dropped queries),
and every case's client IP, MAIL FROM and HELO go through `check_host()` (pyspf over the run's
resolver). The result must be one of the suite's expected results.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from conftest import SHARED
from dnsserver import ZoneServer
from spfsuite import Case, Scenario, load_suite

SUITE = load_suite(SHARED / "corpora/spf-rfc7208/rfc7208-tests.yml")
CASES = [case for scenario in SUITE for case in scenario.cases]
TIMEOUT = 0.3


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, ZoneServer]]:
    """One running server per scenario, started when a case of it first runs."""
    started: dict[str, ZoneServer] = {}
    yield started
    for server in started.values():
        server.stop()


def serve(scenario: Scenario, servers: dict[str, ZoneServer]) -> ZoneServer:
    if scenario.description not in servers:
        server = ZoneServer(scenario.zone).start()
        for name, types in scenario.timeouts.items():
            for rdtype in types:
                server.drop(name, rdtype)
        servers[scenario.description] = server
    return servers[scenario.description]


def resolver_for(server: ZoneServer):
    from mailcheck.rules.context import build_resolver

    host, port = server.address
    return build_resolver(nameservers=[f"{host}:{port}"], timeout=TIMEOUT)


def test_the_whole_suite_is_here():
    assert len(CASES) == 203
    assert len({case.id for case in CASES}) == 203
    assert len(SUITE) == 16


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_check_host(case: Case, servers):
    from mailcheck.spf.checkhost import check_host

    scenario = next(s for s in SUITE if s.description == case.scenario)
    resolver = resolver_for(serve(scenario, servers))
    verdict = asyncio.run(
        check_host(
            resolver, case.host, sender=case.mailfrom, helo=case.helo, default_explanation="DEFAULT"
        )
    )
    assert verdict.result in case.results, f"{case.spec}: {verdict}"
    if case.explanation is not None and verdict.result == "fail":
        assert verdict.explanation == case.explanation


def test_processing_limits_scenario_fails_exactly_the_records_over_the_limits(servers):
    """spf.lookups on every record of the "Processing limits" scenario: loops (e1, e2/e3), 11
    MX names (e4), 11 lookups (e7, e8, e9) and 3 void lookups (e11) fail. e6 and inc pass for
    IPv4 clients, but their hosts have no AAAA records: for an IPv6 client every `a` and `mx`
    is a void lookup, over the limit (see the next test). The rest pass."""
    from mailcheck.rules.spf_lookups import judge
    from mailcheck.spf.tree import build_tree

    scenario = next(s for s in SUITE if s.description == "Processing limits")
    resolver = resolver_for(serve(scenario, servers))
    domains = [f"e{n}.example.com" for n in range(1, 13)] + ["inc.example.com"]

    async def judge_all():
        trees = await asyncio.gather(*(build_tree(domain, resolver) for domain in domains))
        return {tree.domain: (judge(tree).status.value, tree) for tree in trees}

    verdicts = asyncio.run(judge_all())
    over = {f"e{n}.example.com" for n in (1, 2, 3, 4, 6, 7, 8, 9, 11)} | {"inc.example.com"}
    assert {d for d, (status, _) in verdicts.items() if status == "fail"} == over
    assert all(verdicts[d][0] == "pass" for d in set(domains) - over)
    for domain in ("e6.example.com", "inc.example.com"):
        tree = verdicts[domain][1]
        assert tree.lookup_count <= 10 and not tree.void_lookups(4)
        assert tree.void_family == 6 and len(tree.void_lookups(6)) > 2


@pytest.mark.parametrize(
    ("domain", "ip", "result"),
    [
        ("e6.example.com", "2001:db8::99", "permerror"),  # 9 a/mx without AAAA: void limit
        ("inc.example.com", "2001:db8::99", "permerror"),
        ("e12.example.com", "2001:db8::99", "neutral"),  # 2 void lookups: at the limit
    ],
)
def test_void_lookups_per_client_family_are_what_receivers_see(servers, domain, ip, result):
    from mailcheck.spf.checkhost import check_host

    scenario = next(s for s in SUITE if s.description == "Processing limits")
    resolver = resolver_for(serve(scenario, servers))
    verdict = asyncio.run(check_host(resolver, ip, sender=f"foo@{domain}"))
    assert verdict.result == result, verdict


def test_the_static_worst_case_is_what_receivers_see(servers):
    """e8 ("include-at-limit") stays at 10 lookups only for the suite's client, whose address
    matches before the last `mx`; any other client costs 11 lookups: permerror."""
    from mailcheck.spf.checkhost import check_host

    scenario = next(s for s in SUITE if s.description == "Processing limits")
    resolver = resolver_for(serve(scenario, servers))
    verdict = asyncio.run(check_host(resolver, "192.0.2.99", sender="foo@e8.example.com"))
    assert verdict.result == "permerror"
