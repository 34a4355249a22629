"""dnssec.signed: zones signed for the session with dnspython's signer (tests/dnssecfactory.py),
served by the loopback DNS server and read offline from zone files, validated from the test's
own trust anchor (`--trust-anchor`): secure, unsigned, signed without DS, and bogus variants —
a bad signature, expired RRSIGs, a DS without a matching DNSKEY."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ns
from dnssecfactory import TODAY, signed_tree

EXPECTED = {
    "signed.example": "pass",
    "unsigned.example": "warn",
    "island.example": "warn",
    "badsig.example": "fail",
    "expired.example": "fail",
    "nokey.example": "fail",
    "missing.example": "skip",
}


@pytest.fixture(scope="module")
def tree_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Path]:
    """The signed tree as zone files (one per zone) and the anchor file."""
    folder = tmp_path_factory.mktemp("signed")
    tree = signed_tree()
    files = []
    for origin, text in tree.zones.items():
        path = folder / f"{origin}zone"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    anchor = folder / "anchors.txt"
    anchor.write_text(tree.anchor, encoding="utf-8")
    return files, anchor


@pytest.fixture(params=["loopback", "zonefile"])
def dns_args(request, dns_server, tree_files) -> list[str]:
    files, anchor = tree_files
    if request.param == "zonefile":
        return [arg for f in files for arg in ("--zone", str(f))] + ["--trust-anchor", str(anchor)]
    server = dns_server.from_zones(*signed_tree().zone_objects())
    return ["--nameserver", ns(server), "--timeout", "1", "--trust-anchor", str(anchor)]


def write_sheet(folder: Path) -> Path:
    senders = "\n".join(f"  - address: anna@{domain}" for domain in EXPECTED)
    sheet = folder / "sheet.yaml"
    sheet.write_text(f"version: 1\ncustomer: Test\nsenders:\n{senders}\n", encoding="utf-8")
    return sheet


def test_each_variant_gets_its_verdict(run_cli, tmp_path, dns_args):
    code, out, err = run_cli(
        "check", write_sheet(tmp_path), *dns_args, "--select", "dnssec.", "--format", "json",
        "--today", TODAY.isoformat(),
    )  # fmt: skip
    found = {f["subject"]: f["status"] for f in json.loads(out)["findings"]}
    assert found == EXPECTED, err
    assert code == 1


def test_the_bogus_answer_is_named(tmp_path, tree_files):
    """The failing name and type are in the finding (the verdict's fields, not its words)."""
    import asyncio

    from mailcheck.dnsclient.dnssec import Security, load_anchors, validate_domain
    from mailcheck.dnsclient.dnssec import validation_time as at
    from mailcheck.rules.context import build_resolver

    files, anchor = tree_files
    resolver = build_resolver(zones=files)
    anchors = load_anchors(anchor)

    def verdict(domain: str):
        return asyncio.run(validate_domain(domain, resolver, anchors, at(TODAY)))

    bad = verdict("badsig.example")
    assert (bad.security, bad.name, bad.rdtype) == (Security.BOGUS, "badsig.example", "MX")
    expired = verdict("expired.example")
    assert (expired.security, expired.rdtype) == (Security.BOGUS, "DNSKEY")
    nokey = verdict("nokey.example")
    assert (nokey.security, nokey.rdtype) == (Security.BOGUS, "DNSKEY")
    assert verdict("mx.signed.example").zone == "signed.example"  # a name inside the zone


def test_before_the_signatures_expired_the_zone_was_secure(run_cli, tmp_path, tree_files):
    files, anchor = tree_files
    zones = [arg for f in files for arg in ("--zone", str(f))]
    sheet = tmp_path / "s.yaml"
    sheet.write_text("version: 1\nsenders: [{address: anna@expired.example}]\n")
    args = ["check", sheet, *zones, "--trust-anchor", anchor, "--select", "dnssec.", "--format"]
    _, out, _ = run_cli(*args, "json", "--today", "2026-03-01")
    assert [f["status"] for f in json.loads(out)["findings"]] == ["pass"]


def test_the_bundled_root_anchor_needs_the_root_offline(run_cli, tmp_path, tree_files):
    """Offline, the chain from the root cannot be followed: not checked, and the run's exit
    code is the one of the records in the zone files."""
    files, _ = tree_files
    sheet = tmp_path / "s.yaml"
    sheet.write_text("version: 1\nsenders: [{address: anna@signed.example}]\n")
    zones = [arg for f in files for arg in ("--zone", str(f))]
    code, out, _ = run_cli("check", sheet, *zones, "--select", "dnssec.", "--format", "json")
    assert [f["status"] for f in json.loads(out)["findings"]] == ["skip"]
    assert code == 0


def test_the_root_anchors_are_the_published_ones():
    from mailcheck.dnsclient.dnssec import load_anchors

    anchors = load_anchors(None)
    ((zone, records),) = anchors.by_zone
    assert zone.to_text() == "."
    assert sorted(record.key_tag for record in records) == [20326, 38696]


@pytest.mark.parametrize(
    "content",
    ["", "example. IN A 192.0.2.1\n", "example. IN DS not a record\n", b"\xff\xfe" * 10],
    ids=["empty", "no-anchor", "bad-record", "binary"],
)
def test_a_bad_trust_anchor_file_is_an_input_error(run_cli, tmp_path, content):
    anchor = tmp_path / "anchor.txt"
    anchor.write_bytes(content if isinstance(content, bytes) else content.encode())
    sheet = tmp_path / "s.yaml"
    sheet.write_text("version: 1\nsenders: [{address: anna@signed.example}]\n")
    code, _, err = run_cli("check", sheet, "--trust-anchor", anchor, "--zone", sheet)
    assert code == 2
    assert "--trust-anchor" in err and "Traceback" not in err


def test_a_timeout_on_the_way_is_undecided(run_cli, tmp_path, dns_server, tree_files):
    _, anchor = tree_files
    server = dns_server.from_zones(*signed_tree().zone_objects())
    server.drop("signed.example.", "DS")
    sheet = tmp_path / "s.yaml"
    sheet.write_text("version: 1\nsenders: [{address: anna@signed.example}]\n")
    args = ["--nameserver", ns(server), "--timeout", "0.3", "--trust-anchor", anchor]
    code, out, _ = run_cli("check", sheet, *args, "--select", "dnssec.", "--format", "json")
    assert [f["status"] for f in json.loads(out)["findings"]] == ["error"]
    assert code == 3
