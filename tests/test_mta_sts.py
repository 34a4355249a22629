"""mta-sts.policy and tls-rpt.record: the record and policy grammar (RFC 8461, RFC 8460), and the
policy fetched from a local HTTPS server (trustme CA) on 127.0.0.1 — hostile answers included: a
policy of 10 MB, a redirect, the wrong media type, a certificate for another name.

Names resolve through an offline zone to 127.0.0.1; nothing else is ever connected to.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path

import pytest

from httpsserver import File, HTTPSServer

DOMAIN = "good.tls.example"
POLICY_HOST = f"mta-sts.{DOMAIN}"
POLICY_PATH = "/.well-known/mta-sts.txt"
ZONE = """$ORIGIN tls.example.
$TTL 300
@ IN SOA ns hostmaster 1 3600 600 604800 60
@ IN NS ns
ns IN A 127.0.0.1
good IN MX 10 mx1.good
good IN MX 20 mx2.good
mx1.good IN A 127.0.0.1
mx2.good IN A 127.0.0.1
_mta-sts.good IN TXT "v=STSv1; id=20261120"
mta-sts.good IN A 127.0.0.1
_smtp._tls.good IN TXT "v=TLSRPTv1; rua=mailto:tls@good.tls.example,https://r.good.tls.example/"
"""
ENFORCE = (
    b"version: STSv1\r\nmode: enforce\r\nmx: mx1.good.tls.example\r\n"
    b"mx: *.good.tls.example\r\nmax_age: 604800\r\n"
)


@pytest.fixture
def zone_file(tmp_path: Path):
    def write(extra: str = "", replace: tuple[str, str] | None = None) -> Path:
        text = ZONE if replace is None else ZONE.replace(*replace)
        path = tmp_path / "tls.example.zone"
        path.write_text(text + extra, encoding="utf-8")
        return path

    return write


@pytest.fixture
def policy_server():
    with HTTPSServer(POLICY_HOST) as server:
        yield server


@pytest.fixture
def judge(tmp_path, write_sheet, zone_file, policy_server):
    """Run one rule for anna@good.tls.example; returns its finding."""
    from mailcheck.engine.checker import check_sheet
    from mailcheck.http.fetch import FetchSettings
    from mailcheck.rules import REGISTRY
    from mailcheck.rules.context import Context, build_resolver
    from mailcheck.sheet.model import load_sheet

    def run(rule_id: str = "mta-sts.policy", *, zone: Path | None = None, deadline: float = 3.0):
        sheet = load_sheet(write_sheet(f"anna@{DOMAIN}"))
        fetch = FetchSettings(
            allow_private=True,
            deadline=deadline,
            port=policy_server.port,
            verify=policy_server.client_context(),
        )
        ctx = Context(
            dns=build_resolver(zones=[zone or zone_file()]),
            today=dt.date(2026, 11, 20),
            fetch=fetch,
        )
        (finding,) = asyncio.run(check_sheet(sheet, [REGISTRY[rule_id]], ctx))
        return finding

    return run


def serve(server: HTTPSServer, body: bytes | int, status: int = 200, kind: str = "text/plain"):
    server.files[POLICY_PATH] = File(status, kind, body)


# --- the policy over HTTPS -------------------------------------------------------------------


def test_an_enforced_policy_covering_every_mx_passes(judge, policy_server):
    serve(policy_server, ENFORCE)
    finding = judge()
    assert finding.status == "pass"
    (request,) = policy_server.log.requests
    assert request.method == "GET" and request.path == POLICY_PATH
    assert request.headers["host"] == f"{POLICY_HOST}:{policy_server.port}"
    assert policy_server.log.sni == [POLICY_HOST]


def test_a_policy_of_10_mb_is_refused_after_64_kib(judge, policy_server):
    serve(policy_server, 10 * 1024 * 1024)
    started = time.monotonic()
    assert judge().status == "fail"
    assert time.monotonic() - started < 2.5  # not read on to the end


def test_a_redirect_is_not_followed(judge, policy_server):
    serve(policy_server, b"", status=301)
    assert judge().status == "fail"
    assert len(policy_server.log.requests) == 1


def test_a_policy_served_as_html_fails(judge, policy_server):
    serve(policy_server, ENFORCE, kind="text/html")
    assert judge().status == "fail"


def test_a_missing_policy_fails(judge, policy_server):
    assert judge().status == "fail"  # 404


def test_a_certificate_for_another_host_fails(judge, zone_file):
    with HTTPSServer("other.example") as other:
        other.files[POLICY_PATH] = File(200, "text/plain", ENFORCE)
        finding = _judge_with(other, zone_file())
    assert finding.status == "fail"
    assert other.log.requests == []  # the handshake failed: no request was sent


def _judge_with(server: HTTPSServer, zone: Path):
    from mailcheck.engine.checker import check_sheet
    from mailcheck.http.fetch import FetchSettings
    from mailcheck.rules import mta_sts_policy
    from mailcheck.rules.context import Context, build_resolver
    from mailcheck.sheet.model import LoadedSheet, Sheet

    sheet = LoadedSheet.in_memory(
        Sheet.model_validate({"version": 1, "senders": [{"address": f"anna@{DOMAIN}"}]}), DOMAIN
    )
    fetch = FetchSettings(True, 3.0, server.port, server.client_context())
    ctx = Context(dns=build_resolver(zones=[zone]), today=dt.date(2026, 11, 20), fetch=fetch)
    (finding,) = asyncio.run(check_sheet(sheet, [mta_sts_policy.RULE], ctx))
    return finding


def test_an_mx_host_no_pattern_matches_fails(judge, policy_server):
    serve(policy_server, ENFORCE.replace(b"*.good.tls.example", b"mx3.good.tls.example"))
    assert judge().status == "fail"


@pytest.mark.parametrize(
    "policy",
    [
        ENFORCE.replace(b"enforce", b"testing"),
        ENFORCE.replace(b"604800", b"300"),
        b"version: STSv1\nmode: none\nmax_age: 86400\n",
    ],
    ids=["testing", "short-max-age", "none"],
)
def test_weak_policies_warn(judge, policy_server, policy):
    serve(policy_server, policy)
    assert judge().status == "warn"


def test_a_policy_that_does_not_answer_in_time_is_undecided(judge, policy_server):
    policy_server.files[POLICY_PATH] = File(200, "text/plain", 10 * 1024 * 1024)
    # a deadline too short for the handshake: what cannot be pinned on the server is an error
    assert judge(deadline=0.001).status == "error"


def test_without_allow_private_the_policy_host_is_not_connected_to(
    zone_file, policy_server, write_sheet
):
    from mailcheck.engine.checker import check_sheet
    from mailcheck.http.fetch import FetchSettings
    from mailcheck.rules import mta_sts_policy
    from mailcheck.rules.context import Context, build_resolver
    from mailcheck.sheet.model import load_sheet

    serve(policy_server, ENFORCE)
    fetch = FetchSettings(port=policy_server.port, verify=policy_server.client_context())
    ctx = Context(dns=build_resolver(zones=[zone_file()]), today=dt.date(2026, 11, 20), fetch=fetch)
    sheet = load_sheet(write_sheet(f"anna@{DOMAIN}"))
    (finding,) = asyncio.run(check_sheet(sheet, [mta_sts_policy.RULE], ctx))
    assert finding.status == "error"
    assert policy_server.log.connections == 0


# --- grammar ---------------------------------------------------------------------------------


def test_policy_grammar():
    from mailcheck.tlspolicy.sts import StsMode, StsProblem, parse_policy

    policy = parse_policy(ENFORCE.decode())
    assert policy.mode is StsMode.ENFORCE and policy.max_age == 604800
    assert policy.matching("MX1.good.tls.example.") == "mx1.good.tls.example"
    assert policy.matching("a.b.good.tls.example") is None  # * is one label
    assert policy.matching("good.tls.example") is None
    for broken in (
        "mode: enforce\nmx: a.example\nmax_age: 1\n",  # no version
        "version: STSv1\nmode: strict\nmx: a.example\nmax_age: 1\n",
        "version: STSv1\nmode: enforce\nmax_age: 1\n",  # no mx
        "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 99999999999\n",
        "version: STSv1\nmode: enforce\nmx: *.*.example\nmax_age: 1\n",
        "version: STSv1\nmode: enforce\nmx: a.example\n",  # no max_age
        "<html>",
    ):
        with pytest.raises(StsProblem):
            parse_policy(broken)


def test_record_grammar():
    from mailcheck.tlspolicy.sts import StsProblem, parse_record

    assert parse_record("v=STSv1; id=20160831085700Z;").id == "20160831085700Z"
    assert parse_record("v=STSv1;id=a1; ext=value").id == "a1"
    for broken in (
        "v=STSv1;",
        "v=STSv1; id=",
        "v=STSv1; id=a-b",
        "id=1; v=STSv1",
        "v=STSv1; id=1; id=2",
    ):
        with pytest.raises(StsProblem):
            parse_record(broken)


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ("", "pass"),
        ('_mta-sts.good IN TXT "v=STSv1; id=2027"\n', "fail"),  # two records: ignored by senders
    ],
)
def test_two_records_fail(judge, policy_server, zone_file, extra, status):
    serve(policy_server, ENFORCE)
    assert judge(zone=zone_file(extra)).status == status


def test_no_record_is_skipped(judge, zone_file, policy_server):
    zone = zone_file(replace=('_mta-sts.good IN TXT "v=STSv1; id=20261120"', ""))
    assert judge(zone=zone).status == "skip"
    assert policy_server.log.connections == 0


# --- tls-rpt.record --------------------------------------------------------------------------


def test_tls_reporting_record(judge, zone_file):
    assert judge("tls-rpt.record").status == "pass"
    two = zone_file('_smtp._tls.good IN TXT "v=TLSRPTv1; rua=mailto:b@good.tls.example"\n')
    assert judge("tls-rpt.record", zone=two).status == "fail"


def test_tlsrpt_grammar():
    from mailcheck.tlspolicy.tlsrpt import TlsRptProblem, parse_tlsrpt, uri_problem

    record = parse_tlsrpt("v=TLSRPTv1; rua=mailto:a@example.com, https://r.example.com/x")
    assert record.rua == ("mailto:a@example.com", "https://r.example.com/x")
    assert uri_problem("http://r.example.com/") is not None
    assert uri_problem("mailto:not an address") is not None
    for broken in ("v=TLSRPTv1;", "v=TLSRPTv1; rua=", "rua=mailto:a@b.example; v=TLSRPTv1"):
        with pytest.raises(TlsRptProblem):
            parse_tlsrpt(broken)


def test_the_ca_file_of_the_run_is_trusted_for_the_policy(
    tmp_path, zone_file, policy_server, write_sheet
):
    """--ca-file reaches the HTTPS fetch, as it reaches the STARTTLS probe: a policy served
    under a private CA passes with it and fails on the certificate without it."""
    from dataclasses import replace

    from mailcheck.engine.checker import check_sheet
    from mailcheck.engine.runner import build_context
    from mailcheck.engine.settings import DnsSettings, Probing, RunSettings
    from mailcheck.rules import mta_sts_policy
    from mailcheck.sheet.model import load_sheet

    serve(policy_server, ENFORCE)
    ca_file = tmp_path / "ca.pem"
    policy_server.ca.cert_pem.write_to_path(str(ca_file))
    sheet = load_sheet(write_sheet(f"anna@{DOMAIN}"))

    def status(ca: Path | None) -> str:
        settings = RunSettings(
            dns=DnsSettings(zones=(zone_file(),)),
            probing=Probing(allow_private=True),
            today=dt.date(2026, 11, 20),
            ca_file=ca,
        )
        ctx = build_context(settings)
        ctx = replace(ctx, fetch=replace(ctx.fetch, port=policy_server.port))
        (finding,) = asyncio.run(check_sheet(sheet, [mta_sts_policy.RULE], ctx))
        return str(finding.status)

    assert status(ca_file) == "pass"
    assert status(None) == "fail"
