"""ip.ptr beyond its case file: a real DNS server that fails or stays silent, the bound on the
names followed, the sheet line of a finding, and which names look generic."""

from __future__ import annotations

import ipaddress

import pytest

from conftest import ns, statuses

REVERSE = "2.0.192.in-addr.arpa."
FORWARD = "ptr.example."


def zones(reverse: str, forward: str = "mailout1 IN A 192.0.2.25") -> dict[str, str]:
    return {REVERSE: f"$TTL 300\n{reverse}\n", FORWARD: f"$TTL 300\n{forward}\n"}


def sheet_with_ips(write_sheet, *ips: str, dedicated: tuple[str, ...] = ()):
    extra = f"spf:\n  sending_ips: [{', '.join(ips)}]\n"
    if dedicated:
        extra += f"dedicated_ips: [{', '.join(dedicated)}]\n"
    return write_sheet("anna@ptr.example", extra=extra)


@pytest.mark.parametrize("fault", ["servfail", "drop"])
@pytest.mark.parametrize("failing", ["25.2.0.192.in-addr.arpa.", "mailout1.ptr.example."])
def test_a_failed_question_is_error_not_fail(dns_server, write_sheet, check_json, fault, failing):
    server = dns_server.from_text(zones("25 IN PTR mailout1.ptr.example."))
    getattr(server, fault)(failing)
    sheet = sheet_with_ips(write_sheet, "192.0.2.25")
    args = ("--nameserver", ns(server), "--timeout", "0.3", "--select", "ip.ptr")
    _, report = check_json(sheet, *args)
    assert statuses(report, "ip.ptr") == {"192.0.2.25": "error"}
    server.clear_faults()
    _, report = check_json(sheet, *args)
    assert statuses(report, "ip.ptr") == {"192.0.2.25": "pass"}


def test_only_the_first_ten_names_are_followed(dns_server, write_sheet, check_json):
    names = [f"n{index:02d}.ptr.example." for index in range(1, 12)]  # n11 comes last
    reverse = "\n".join(f"25 IN PTR {name}" for name in names)
    server = dns_server.from_text(zones(reverse, "n11 IN A 192.0.2.25"))
    sheet = sheet_with_ips(write_sheet, "192.0.2.25")
    _, report = check_json(sheet, "--nameserver", ns(server), "--select", "ip.ptr")
    assert statuses(report, "ip.ptr") == {"192.0.2.25": "fail"}
    assert server.count("n11.ptr.example.", "A") == 0
    assert server.count("n10.ptr.example.", "A") == 1


def test_a_finding_sits_on_the_line_that_lists_its_ip(dns_server, write_sheet, check_json):
    server = dns_server.from_text(zones("25 IN PTR mailout1.ptr.example."))
    sheet = sheet_with_ips(write_sheet, "192.0.2.25", dedicated=("192.0.2.26",))
    _, report = check_json(sheet, "--nameserver", ns(server), "--select", "ip.ptr")
    lines = {f["subject"]: f["line"] for f in report["findings"] if f["rule"] == "ip.ptr"}
    text = sheet.read_text(encoding="utf-8").splitlines()
    assert "sending_ips" in text[lines["192.0.2.25"] - 1]
    assert "dedicated_ips" in text[lines["192.0.2.26"] - 1]


def test_following_every_hint_gives_each_address_a_name_of_its_own(
    dns_server, write_sheet, check_json
):
    """Two addresses without PTR and one with a generic name: each hint proposes a mail server
    name, numbered in the sheet's order, whose forward record points back at its address."""
    import re

    forward = "192-0-2-27.dyn IN A 192.0.2.27"
    server = dns_server.from_text(zones("27 IN PTR 192-0-2-27.dyn.ptr.example.", forward))
    sheet = sheet_with_ips(write_sheet, "192.0.2.25", "192.0.2.26", dedicated=("192.0.2.27",))
    _, report = check_json(sheet, "--nameserver", ns(server), "--select", "ip.ptr")
    assert statuses(report, "ip.ptr") == {
        "192.0.2.25": "fail",
        "192.0.2.26": "fail",
        "192.0.2.27": "warn",
    }
    names = {}
    for found in report["findings"]:
        (ptr,) = re.findall(r"\. \d+ IN PTR (\S+)\.", found["hint"])
        (forward_name, address) = re.findall(r"(\S+)\. \d+ IN A (\S+)", found["hint"])[0]
        assert (forward_name, address) == (ptr, found["subject"])
        names[found["subject"]] = ptr
    assert len(set(names.values())) == 3
    assert names["192.0.2.25"].startswith("mailout1.")
    assert names["192.0.2.27"].startswith("mailout3.")


def test_reverse_names():
    from mailcheck.dnsclient.names import reverse_name

    assert reverse_name("192.0.2.25") == "25.2.0.192.in-addr.arpa"
    assert reverse_name(ipaddress.ip_address("2001:db8::25")) == (
        "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
    )


GENERIC = [
    ("192-0-2-25.static.isp.example", "192.0.2.25"),
    ("ip192.0.2.25.isp.example", "192.0.2.25"),
    ("25-2-0-192.isp.example", "192.0.2.25"),
    ("host192-000-002-025.isp.example", "192.0.2.25"),
    ("c192000002025.isp.example", "192.0.2.25"),
    ("c0000219.isp.example", "192.0.2.25"),
    ("mail.dsl.isp.example", "192.0.2.25"),
    ("dyn-7.isp.example", "192.0.2.25"),
    ("a1.dhcp.pool.isp.example", "192.0.2.25"),
    ("cable123.isp.example", "192.0.2.25"),
    ("broadband.isp.co.example", "192.0.2.25"),
    ("2001-db8--25.isp.example", "2001:db8::25"),
    ("2001-0db8-0000-0000-0000-0000-0000-0025.isp.example", "2001:db8::25"),
    ("20010db8000000000000000000000025.isp.example", "2001:db8::25"),
    (
        "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.isp.example",
        "2001:db8::25",
    ),
    ("client-2001-db8-1--7.isp.example", "2001:db8:1::8"),
]
NAMED = [
    ("mailout1.acme.example", "192.0.2.25"),
    ("mail25.acme.example", "192.0.2.25"),
    ("192-0-2-251.acme.example", "192.0.2.25"),  # another address
    ("1192-0-2-25.acme.example", "192.0.2.25"),
    ("mail.dyn.example", "192.0.2.25"),  # the registered domain is not the host's name
    ("carpool.acme.example", "192.0.2.25"),  # a word inside another word
    ("clients-mail.acme.example", "192.0.2.25"),
    ("mx6.acme.example", "2001:db8::25"),
    ("2001-db8--250.acme.example", "2001:db8::25"),
]


@pytest.mark.parametrize(("name", "address"), GENERIC)
def test_generic_names(name, address):
    from mailcheck.rules._rdns import generic_signs

    assert generic_signs(name, ipaddress.ip_address(address))


@pytest.mark.parametrize(("name", "address"), NAMED)
def test_names_that_are_not_generic(name, address):
    from mailcheck.rules._rdns import generic_signs

    assert generic_signs(name, ipaddress.ip_address(address)) == []
