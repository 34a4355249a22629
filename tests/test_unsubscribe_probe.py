"""unsubscribe.probe against a local HTTPS server (trustme CA) on 127.0.0.1 only, and the address
policy that keeps the probe out of loopback, private and metadata addresses.

No test here connects anywhere but 127.0.0.1: names resolve through the test zone
(`unsub.msg.example` and `wrong.msg.example` are 127.0.0.1), and refused addresses are never
connected to (the server counts connections).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import time

import pytest

from conftest import statuses
from httpsserver import HTTPSServer
from mailfactory import NEWS, build

HOST = "unsub.msg.example"


@pytest.fixture
def https_server():
    with HTTPSServer(HOST) as server:
        yield server


@pytest.fixture
def probe(tmp_path, write_sheet, msg_zone_file, https_server):
    """Run unsubscribe.probe on one sample whose One-Click URI is `uri`; returns the finding."""
    from mailcheck.engine.checker import check_sheet
    from mailcheck.http.probe import ProbeSettings
    from mailcheck.rules import unsubscribe_probe
    from mailcheck.rules.context import Context, build_resolver
    from mailcheck.sheet.model import load_sheet

    def run(uri: str, *, allow_private: bool = True, deadline: float = 3.0, enabled: bool = True):
        (tmp_path / "m.eml").write_bytes(build(changes={"List-Unsubscribe": f"<{uri}>"}))
        sheet = load_sheet(write_sheet((NEWS, "list"), extra="samples: [m.eml]\n"))
        settings = ProbeSettings(
            enabled=enabled,
            allow_private=allow_private,
            deadline=deadline,
            verify=https_server.client_context(),
        )
        ctx = Context(
            dns=build_resolver(zones=[msg_zone_file]), today=dt.date(2026, 11, 20), probe=settings
        )
        (finding,) = asyncio.run(check_sheet(sheet, [unsubscribe_probe.RULE], ctx))
        return finding

    return run


def url(server: HTTPSServer, path: str, host: str = HOST) -> str:
    return f"https://{host}:{server.port}{path}"


@pytest.mark.parametrize("path", ["/ok?id=4711", "/accepted"])
def test_2xx_passes(probe, https_server, path):
    assert probe(url(https_server, path)).status == "pass"
    (request,) = https_server.log.requests
    assert request.method == "POST"
    assert request.body == b"List-Unsubscribe=One-Click"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["host"] == f"{HOST}:{https_server.port}"
    assert "cookie" not in request.headers
    assert "authorization" not in request.headers
    assert https_server.log.sni == [HOST]  # connected to the checked address, named by SNI


def test_credentials_in_the_uri_are_not_sent(probe, https_server):
    finding = probe(f"https://user:secret@{HOST}:{https_server.port}/ok")
    assert finding.status == "pass"
    (request,) = https_server.log.requests
    assert "authorization" not in request.headers
    assert "secret" not in finding.message  # nor shown


@pytest.mark.parametrize("userinfo", ["user:pw-4711", "tok-4711"])
def test_no_finding_shows_a_password_or_token_of_the_uri(probe, https_server, userinfo):
    uri = f"https://{userinfo}@{HOST}:{https_server.port}/redirect?token=tok-0815&list=7"
    finding = probe(uri)
    assert finding.status == "fail"
    shown = f"{finding.message} {finding.hint}"
    assert "4711" not in shown and "tok-0815" not in shown
    assert f"{HOST}:{https_server.port}/redirect" in shown and "list=7" in shown


@pytest.mark.parametrize("port", ["0", "65536", "99999", "https"])
def test_a_port_no_receiver_can_use_is_not_probed(probe, https_server, port):
    """Such a URI is no One-Click link (message.list-unsubscribe fails it): nothing to POST to."""
    finding = probe(f"https://user:pw-4711@{HOST}:{port}/ok")
    assert finding.status == "skip"
    assert "4711" not in finding.message
    assert https_server.log.connections == 0


def test_redirect_fails_and_is_not_followed(probe, https_server):
    finding = probe(url(https_server, "/redirect"))
    assert finding.status == "fail"
    assert finding.hint
    assert len(https_server.log.requests) == 1


def test_error_status_fails(probe, https_server):
    assert probe(url(https_server, "/error")).status == "fail"


def test_slow_server_hits_the_deadline(probe, https_server):
    started = time.monotonic()
    finding = probe(url(https_server, "/slow"), deadline=0.5)
    assert finding.status == "error"
    assert time.monotonic() - started < 3


def test_certificate_for_another_name_fails(probe, https_server):
    finding = probe(url(https_server, "/ok", host="wrong.msg.example"))
    assert finding.status == "fail"
    assert not https_server.log.requests


def test_loopback_is_refused_without_allow_private(probe, https_server):
    for uri in (url(https_server, "/ok"), f"https://127.0.0.1:{https_server.port}/ok"):
        finding = probe(uri, allow_private=False)
        assert finding.status == "error"
        assert "not probed" in finding.message
    assert https_server.log.connections == 0


def test_probe_is_skipped_unless_asked_for(probe, https_server):
    assert probe(url(https_server, "/ok"), enabled=False).status == "skip"
    assert https_server.log.connections == 0


def test_host_without_address_fails_and_undecided_dns_is_error(probe):
    assert probe("https://nohost.msg.example/ok").status == "fail"
    assert probe("https://unsub.elsewhere.example/ok").status == "error"


def test_nothing_listening_is_error(probe):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert probe(f"https://{HOST}:{port}/ok").status == "error"


def test_sample_without_one_click_is_not_probed(
    write_sheet, check_json, msg_zone_file, tmp_path, https_server
):
    (tmp_path / "m.eml").write_bytes(build(changes={"List-Unsubscribe-Post": None}))
    sheet = write_sheet((NEWS, "list"), extra="samples: [m.eml]\n")
    _, report = check_json(sheet, "--zone", msg_zone_file, "--probe-unsubscribe")
    assert statuses(report, "unsubscribe.probe") == {"m.eml": "skip"}
    assert https_server.log.connections == 0


def test_cli_refuses_loopback_without_allow_private(
    write_sheet, check_json, msg_zone_file, tmp_path, https_server
):
    uri = url(https_server, "/ok")
    (tmp_path / "m.eml").write_bytes(build(changes={"List-Unsubscribe": f"<{uri}>"}))
    sheet = write_sheet((NEWS, "list"), extra="samples: [m.eml]\n")
    code, report = check_json(sheet, "--zone", msg_zone_file, "--probe-unsubscribe")
    assert statuses(report, "unsubscribe.probe") == {"m.eml": "error"}
    assert code == 1  # the sample is not DKIM-signed
    assert https_server.log.connections == 0
    # with --allow-private it connects; the system trust store rejects the test certificate
    _, report = check_json(sheet, "--zone", msg_zone_file, "--probe-unsubscribe", "--allow-private")
    assert statuses(report, "unsubscribe.probe") == {"m.eml": "fail"}
    assert https_server.log.connections == 1
    assert not https_server.log.requests


# --- the address policy ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "::1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1",
        "169.254.169.254", "fd00:ec2::254", "fe80::1", "fc00::1", "0.0.0.0", "::",
        "224.0.0.1", "ff02::1", "ff0e::1", "240.0.0.1", "255.255.255.255", "192.0.2.2",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
        "2002:7f00:1::", "2002:a9fe:a9fe::",  # 6to4 of loopback and metadata
        "64:ff9b::7f00:1", "64:ff9b::a00:1",  # NAT64 of loopback and private
        "64:ff9b:1::1", "::127.0.0.1", "fec0::1", "2001:db8::1", "2001::1",
    ],
)  # fmt: skip
def test_non_public_addresses_are_refused(address):
    from mailcheck.http.netpolicy import why_not_public

    assert why_not_public(address)


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "2606:4700::1", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::"]
)
def test_public_addresses_are_allowed(address):
    from mailcheck.http.netpolicy import why_not_public

    assert why_not_public(address) is None


def test_one_non_public_address_refuses_the_host():
    from ipaddress import ip_address

    from mailcheck.http.netpolicy import refused_addresses

    mixed = [ip_address("8.8.8.8"), ip_address("::1")]
    assert refused_addresses(mixed) == ["::1 (loopback)"]
    assert refused_addresses([ip_address("8.8.8.8")]) == []


@pytest.mark.parametrize("port", ["0", "65536", "https"])
def test_the_probe_itself_refuses_a_port_no_server_has(https_server, port):
    """Whoever calls the probe directly gets the same answer as the rule gives the URI."""
    from mailcheck.http.probe import ProbeSettings, probe_one_click
    from mailcheck.rules.context import build_resolver

    settings = ProbeSettings(enabled=True, allow_private=True, deadline=2.0)
    uri = f"https://user:pw-4711@{HOST}:{port}/ok"
    result = asyncio.run(
        probe_one_click(uri, build_resolver(nameservers=["127.0.0.1:9"]), settings)
    )
    assert result.status == "fail" and "4711" not in result.message
    assert https_server.log.connections == 0
