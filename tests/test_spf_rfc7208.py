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
    from mailcheck.context import build_resolver

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
