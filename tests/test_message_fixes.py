"""The message rules after review: message.dkim judges keys as dkim.key does, refuses rsa-sha1,
warns on l= and on a signing domain not aligned with From, names a failing CNAME target; the
list header hints are the customer's own header fields repaired, on the sender's own domain."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import ns, statuses
from mailfactory import BILLING, DOMAIN, NEWS, TRANSACTIONAL_MAIL, Key, build, msg_zone, sign, txt

SIGNER = "signer.example"  # another organisation, signing for msg.example


def public_key(key: Key) -> str:
    return key.record.split("p=", 1)[1]


@pytest.fixture
def zones(tmp_path_factory: pytest.TempPathFactory, dkim_keys) -> list[Path]:
    """msg.example with competing, odd and aliased key records, and the zone of SIGNER."""
    rsa, ed = dkim_keys["sel"], dkim_keys["ed"]
    pub = public_key(rsa)
    extra = "\n".join(
        [
            f"two._domainkey IN TXT {txt(rsa.record)}",
            f"two._domainkey IN TXT {txt(ed.record)}",
            f"late._domainkey IN TXT {txt('k=rsa; v=DKIM1; p=' + pub)}",
            f"unknownk._domainkey IN TXT {txt('v=DKIM1; k=dsa; p=' + pub)}",
            f"sha1only._domainkey IN TXT {txt('v=DKIM1; k=rsa; h=sha1; p=' + pub)}",
            f"notemail._domainkey IN TXT {txt('v=DKIM1; k=rsa; s=tlsrpt; p=' + pub)}",
            "alias._domainkey IN CNAME sel._domainkey.msg.example.",
            "away._domainkey IN CNAME key.esp.outside.example.",
            "mail IN A 127.0.0.1",
        ]
    )
    folder = tmp_path_factory.mktemp("msg-fixes")
    msg = folder / "msg-fixes.msg.example.zone"
    msg.write_text(msg_zone(dkim_keys.values(), extra), encoding="utf-8")
    signer = folder / "msg-fixes.signer.example.zone"
    signer.write_text(
        f"$ORIGIN {SIGNER}.\n$TTL 300\n@ IN SOA ns.{SIGNER}. h.{SIGNER}. 1 7200 900 1209600 300\n"
        f"@ IN NS ns.{SIGNER}.\nsel._domainkey IN TXT {txt(rsa.record)}\n",
        encoding="utf-8",
    )
    return [msg, signer]


@pytest.fixture
def check_samples(write_sheet, check_json, dns_args, zones, tmp_path):
    """Check samples through a sheet with list mail from NEWS; returns the JSON report."""

    def run(samples: dict[str, bytes], dkim: str = "") -> dict:
        for name, content in samples.items():
            (tmp_path / name).write_bytes(content)
        extra = f"samples: {json.dumps(list(samples))}\n" + dkim
        sheet = write_sheet((NEWS, "list"), (BILLING, "transactional"), extra=extra)
        _, report = check_json(sheet, *dns_args(*zones))
        return report

    return run


def only(report: dict, rule: str) -> dict:
    (found,) = [f for f in report["findings"] if f["rule"] == rule]
    return found


def dkim_entries(*selectors: str, key: str | None = None) -> str:
    lines = ["dkim:"]
    for selector in selectors:
        lines += [f"  - domain: {DOMAIN}", f"    selector: {selector}"]
        if key:
            lines.append(f"    public_key: {key}")
    return "\n".join(lines) + "\n"


# --- one key judgement for dkim.key and message.dkim ----------------------------------------------

FAILING_KEYS = ["two", "late", "unknownk", "sha1only", "notemail", "revoked", "broken", "missing"]


def test_message_dkim_fails_every_key_dkim_key_fails(check_samples, dkim_keys):
    private = dkim_keys["sel"].private
    samples = {f"{s}.eml": sign(build(), Key(s, private, "")) for s in FAILING_KEYS}
    report = check_samples(samples, dkim_entries(*FAILING_KEYS))
    key_statuses = statuses(report, "dkim.key")
    assert {s: key_statuses[f"{s}._domainkey.{DOMAIN}"] for s in FAILING_KEYS} == dict.fromkeys(
        FAILING_KEYS, "fail"
    )
    assert statuses(report, "message.dkim") == {f"{s}.eml": "fail" for s in FAILING_KEYS}


def test_competing_key_records_fail_message_dkim(check_samples, dkim_keys):
    """The first record would verify; with two, verifiers may pick either (as dkim.key says)."""
    report = check_samples({"m.eml": sign(build(), Key("two", dkim_keys["sel"].private, ""))})
    found = only(report, "message.dkim")
    assert found["status"] == "fail"
    assert f"two._domainkey.{DOMAIN}. 3600 IN TXT" in found["hint"]


def test_key_hint_is_the_sheets_key_or_the_shared_placeholder(check_samples, dkim_keys):
    rsa = dkim_keys["sel"]
    signed = sign(build(), Key("revoked", rsa.private, ""))
    known = only(check_samples({"m.eml": signed}, dkim_entries("revoked", key=public_key(rsa))),
                 "message.dkim")  # fmt: skip
    assert known["status"] == "fail"
    assert f'revoked._domainkey.{DOMAIN}. 3600 IN TXT "v=DKIM1; k=rsa; p=' in known["hint"]
    assert public_key(rsa)[:200] in known["hint"]
    unknown = only(check_samples({"m.eml": signed}), "message.dkim")
    assert "p=<the public key your provider gives you>" in unknown["hint"]


def test_placeholder_for_an_ed25519_signature_has_k_ed25519(check_samples, dkim_keys):
    signed = sign(build(), Key("missing", dkim_keys["ed"].private, "", b"ed25519-sha256"))
    found = only(check_samples({"m.eml": signed}), "message.dkim")
    assert found["status"] == "fail"
    assert '"v=DKIM1; k=ed25519; p=<' in found["hint"]


# --- rsa-sha1, l= and alignment -------------------------------------------------------------------


def test_rsa_sha1_signature_fails(check_samples, dkim_keys):
    found = only(
        check_samples({"m.eml": sign(build(), dkim_keys["sel"], algorithm=b"rsa-sha1")}),
        "message.dkim",
    )
    assert found["status"] == "fail"
    assert "rsa-sha256" in found["hint"] and "ed25519-sha256" in found["hint"]


def test_rsa_sha256_signature_next_to_an_rsa_sha1_one_passes(check_samples, dkim_keys):
    once = sign(build(), dkim_keys["sel"], algorithm=b"rsa-sha1")
    report = check_samples({"m.eml": sign(once, dkim_keys["sel"])})
    assert statuses(report, "message.dkim") == {"m.eml": "pass"}


def test_body_length_tag_warns(check_samples, dkim_keys):
    found = only(
        check_samples({"m.eml": sign(build(), dkim_keys["sel"], body_length=True)}),
        "message.dkim",
    )
    assert found["status"] == "warn"
    assert "l=" in found["hint"]


def test_signature_of_another_organisation_warns(check_samples, dkim_keys):
    signed = sign(build(), dkim_keys["sel"], domain=SIGNER)
    found = only(check_samples({"m.eml": signed}), "message.dkim")
    assert found["status"] == "warn"
    assert f"d={DOMAIN}" in found["hint"]
    with_selector = only(check_samples({"m.eml": signed}, dkim_entries("sel")), "message.dkim")
    assert f"d={DOMAIN} s=sel" in with_selector["hint"]


def test_aligned_signature_is_preferred_to_an_unaligned_one(check_samples, dkim_keys):
    both = sign(sign(build(), dkim_keys["sel"], domain=SIGNER), dkim_keys["sel"])
    assert statuses(check_samples({"m.eml": both}), "message.dkim") == {"m.eml": "pass"}


@pytest.mark.parametrize(("dmarc", "status"), [("v=DMARC1; p=none", "pass"), (None, "warn")])
def test_relaxed_alignment_accepts_the_organisational_domain(
    message_json, zones, dkim_keys, tmp_path, dmarc, status
):
    """d=msg.example on mail from mail.msg.example: msg.example's DMARC record makes it the
    organisational domain of both (RFC 9989 tree walk); without any record each name is its own,
    and the parent's signature is not aligned."""
    zone = tmp_path / "msg.example.zone"
    record = f'\n_dmarc IN TXT "{dmarc}"\n' if dmarc else ""
    zone.write_text(zones[0].read_text(encoding="utf-8") + record, encoding="utf-8")
    message = build(changes={"From": f"Muster <news@mail.{DOMAIN}>"})
    path = tmp_path / "m.eml"
    path.write_bytes(sign(message, dkim_keys["sel"]))  # d=msg.example
    _, report = message_json(path, "--zone", zone, "--zone", zones[1])
    assert statuses(report, "message.dkim") == {str(path): status}


# --- CNAME targets in errors ----------------------------------------------------------------------


def test_key_behind_a_cname_out_of_every_zone_names_the_target(
    write_sheet, check_json, zones, dkim_keys, tmp_path
):
    (tmp_path / "m.eml").write_bytes(sign(build(), Key("away", dkim_keys["sel"].private, "")))
    sheet = write_sheet((NEWS, "list"), extra="samples: [m.eml]\n")
    _, report = check_json(sheet, "--zone", zones[0], "--zone", zones[1])
    found = only(report, "message.dkim")
    assert found["status"] == "error"
    assert f"away._domainkey.{DOMAIN} → CNAME key.esp.outside.example" in found["message"]


def test_key_behind_a_cname_whose_target_times_out_names_the_target(
    write_sheet, check_json, dns_server, zones, dkim_keys, tmp_path
):
    server = dns_server(*zones)
    server.drop(f"alias._domainkey.{DOMAIN}", "TXT")
    (tmp_path / "m.eml").write_bytes(sign(build(), Key("alias", dkim_keys["sel"].private, "")))
    sheet = write_sheet((NEWS, "list"), extra="samples: [m.eml]\n")
    _, report = check_json(sheet, "--nameserver", ns(server), "--timeout", "0.3")
    found = only(report, "message.dkim")
    assert found["status"] == "error"
    assert f"alias._domainkey.{DOMAIN} → CNAME sel._domainkey.{DOMAIN}" in found["message"]


# --- list header hints ----------------------------------------------------------------------------

MADE_UP = re.compile(r"example\.com|YOUR-|unsubscribe\.example")


@pytest.fixture
def message_finding(message_json, zones, tmp_path):
    """The finding of one rule on one message checked with `mailcheck message` (offline)."""

    def run(message: bytes, rule: str, *flags: str) -> dict:
        path = tmp_path / "m.eml"
        path.write_bytes(message)
        _, report = message_json(path, "--zone", zones[0], *flags)
        found = only(report, rule)
        assert not MADE_UP.search(found["hint"] or ""), found["hint"]
        return found

    return run


@pytest.mark.parametrize(
    ("value", "repaired"),
    [
        ("<https://acme.example/u?x=1", "<https://acme.example/u?x=1>"),  # missing '>'
        ("https://acme.example/u?x=1>", "<https://acme.example/u?x=1>"),  # missing '<'
        ("<https://acme.example/u?id=47 11>", "<https://acme.example/u?id=4711>"),  # a space
        ("https://acme.example/u?id=47\n 11", "<https://acme.example/u?id=4711>"),  # bare, folded
        (
            "https://acme.example/u?id=47 11 mailto:u@acme.example",
            "<https://acme.example/u?id=4711>, <mailto:u@acme.example>",
        ),
        ("<https://acme.example/u?x=1> click here", "<https://acme.example/u?x=1>"),
        (
            "=?utf-8?Q?=3Chttps=3A=2F=2Facme=2Eexample=2Fu=3E?=",  # RFC 2047 encoded-word
            "<https://acme.example/u>",
        ),
        (
            "<mailto:u@acme.example>, https://acme.example/u",
            "<https://acme.example/u>, <mailto:u@acme.example>",
        ),
        ("<http://acme.example/u?x=1>", "<https://acme.example/u?x=1>"),  # http: raised
    ],
)
def test_list_unsubscribe_hint_repairs_the_customers_uri(message_finding, value, repaired):
    message = build(changes={"List-Unsubscribe": value})
    found = message_finding(message, "message.list-unsubscribe", "--list")
    assert found["status"] == "fail"
    assert f"List-Unsubscribe: {repaired}" in found["hint"]
    assert "List-Unsubscribe-Post" not in found["hint"]  # it is there and right


def test_list_unsubscribe_hint_adds_one_click_when_missing(message_finding):
    message = build(
        changes={"List-Unsubscribe": "<https://acme.example/u?x=1", "List-Unsubscribe-Post": None}
    )
    hint = message_finding(message, "message.list-unsubscribe", "--list")["hint"]
    assert "List-Unsubscribe: <https://acme.example/u?x=1>" in hint
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in hint


def test_list_unsubscribe_hint_keeps_percent_encoded_8bit_bytes(message_finding):
    message = build().replace(b"u?id=4711", "u?id=\u00e4".encode())
    hint = message_finding(message, "message.list-unsubscribe", "--list")["hint"]
    assert "<https://unsub.msg.example/u?id=%C3%A4>" in hint


def test_missing_list_unsubscribe_hint_uses_the_senders_domain(message_finding):
    message = build(changes={"List-Unsubscribe": None})
    for rule in ("message.list-unsubscribe", "message.list-header"):
        found = message_finding(message, rule, "--list")
        assert found["status"] == "fail"
        assert f"List-Unsubscribe: <https://{DOMAIN}/" in found["hint"]
        assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in found["hint"]


def test_host_less_https_uri_says_it_has_no_host(message_finding):
    found = message_finding(
        build(changes={"List-Unsubscribe": "<https:/u>"}), "message.list-unsubscribe", "--list"
    )
    assert found["status"] == "fail"
    assert "no host" in found["message"] and "(only https:)" not in found["message"]


def test_missing_list_help_hint_is_the_senders_mailbox(message_finding):
    bare = build(TRANSACTIONAL_MAIL, {"List-Help": None})
    found = message_finding(bare, "message.list-header", "--transactional")
    assert found["status"] == "fail"
    assert f"List-Help: <mailto:{BILLING}?subject=help>" in found["hint"]
    with_unsubscribe = build(
        TRANSACTIONAL_MAIL, {"List-Help": None, "List-Unsubscribe": "<mailto:u@msg.example>"}
    )
    found = message_finding(with_unsubscribe, "message.list-help", "--transactional")
    assert found["status"] == "fail"
    assert f"List-Help: <mailto:{BILLING}?subject=help>" in found["hint"]


@pytest.mark.parametrize(
    ("value", "repaired"),
    [
        ("mailto:hilfe@msg.example", "<mailto:hilfe@msg.example>"),
        ("=?utf-8?B?PG1haWx0bzpoaWxmZUBtc2cuZXhhbXBsZT4=?=", "<mailto:hilfe@msg.example>"),
        ("<http://www.msg.example/hilfe>", "<https://www.msg.example/hilfe>"),
    ],
)
def test_list_help_hint_repairs_the_customers_uri(message_finding, value, repaired):
    found = message_finding(build(TRANSACTIONAL_MAIL, {"List-Help": value}), "message.list-help")
    assert found["status"] == "fail"
    assert f"List-Help: {repaired}" in found["hint"]


def test_size_hint_says_one_byte(message_finding, tmp_path):
    message = build()
    padded = message + b"x" * (20 * 1024 * 1024 + 1 - len(message))
    found = message_finding(padded, "message.size")
    assert found["status"] == "fail"
    assert "at least 1 byte:" in found["hint"]


@pytest.mark.parametrize("port", ["0", "65536", "x"])
def test_https_uri_with_a_port_no_server_has_fails(message_finding, port):
    uri = f"<https://unsub.msg.example:{port}/u?id=1>"
    found = message_finding(
        build(changes={"List-Unsubscribe": uri}), "message.list-unsubscribe", "--list"
    )
    assert found["status"] == "fail"


def test_https_uri_with_a_real_port_passes(message_finding):
    uri = "<https://unsub.msg.example:8443/u?id=1>"
    found = message_finding(
        build(changes={"List-Unsubscribe": uri}), "message.list-unsubscribe", "--list"
    )
    assert found["status"] == "pass"
