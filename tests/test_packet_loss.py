"""Lost packets are never failures: through a proxy that drops a share of the questions (the
benchmark's `bench/udpproxy.py`), every finding is what it is without loss, or `error` when no
retry got through in time — never `fail`."""

from __future__ import annotations

import json
import sys

import pytest

from conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "bench"))
from udpproxy import ProxyThread

DOMAINS = 40


def hostport(address: tuple[str, int]) -> str:
    return f"{address[0]}:{address[1]}"


def zone_text() -> str:
    lines = [
        "$ORIGIN example.",
        "$TTL 300",
        "@ IN SOA ns.example. hostmaster.example. 1 3600 600 86400 300",
        "@ IN NS ns.example.",
        "ns IN A 127.0.0.1",
    ]
    for n in range(DOMAINS):
        lines += [f"l{n} IN MX 10 mx.l{n}", f"mx.l{n} IN A 127.0.1.{n + 1}"]
        lines += [f"l{n} IN A 127.0.2.{n + 1}", f'l{n} IN TXT "v=spf1 mx -all"']
        lines.append(f'_dmarc.l{n} IN TXT "v=DMARC1; p=reject; rua=mailto:d@l{n}.example"')
    return "\n".join(lines) + "\n"


def statuses(run_cli, listing, server: str, timeout: str) -> tuple[int, dict]:
    code, out, err = run_cli(
        "domain", "--from-file", listing, "--nameserver", server, "--timeout", timeout,
        "--select", "sender.,spf.,dmarc.record", "--format", "jsonl",
    )  # fmt: skip
    assert "Traceback" not in err
    found = {}
    for line in out.splitlines():
        finding = json.loads(line)
        if "rule" in finding:
            found[(finding["rule"], finding["subject"])] = finding["status"]
    return code, found


@pytest.fixture
def lossy(dns_server, tmp_path):
    zone = tmp_path / "example.zone"
    zone.write_text(zone_text())
    server = dns_server(zone)
    listing = tmp_path / "domains.txt"
    listing.write_text("".join(f"l{n}.example\n" for n in range(DOMAINS)))
    return server, listing


def test_a_lost_packet_is_asked_again_never_a_failure(run_cli, lossy):
    server, listing = lossy
    code, clean = statuses(run_cli, listing, hostport(server.address), "3")
    assert code == 0 and set(clean.values()) == {"pass"}
    with ProxyThread(server.address, delay=0.005, drop=0.3) as proxy:
        code, lossy_run = statuses(run_cli, listing, hostport(proxy.address), "3")
    assert proxy.counters.dropped > 20  # the proxy did lose packets
    assert lossy_run.keys() == clean.keys()
    assert "fail" not in lossy_run.values()
    assert {s for s in lossy_run.values()} <= {"pass", "error"}
    assert list(lossy_run.values()).count("pass") >= 0.9 * len(clean)  # the retries got through
    assert code in (0, 3)


def test_when_every_packet_is_lost_everything_is_undecided(run_cli, lossy):
    server, listing = lossy
    with ProxyThread(server.address, delay=0.0, drop=1.0) as proxy:
        code, found = statuses(run_cli, listing, hostport(proxy.address), "0.5")
    assert proxy.counters.forwarded == 0
    assert code == 3  # undecided, not failing
    assert "fail" not in found.values()
    assert "error" in found.values()
