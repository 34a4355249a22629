"""dmarc.alignment and message.alignment over loopback DNS: a DMARC record lost to SERVFAIL or a
timeout is `error` only when relaxed and strict alignment disagree; and the fixes the hints give,
once applied to the sheet and the zone, align the stream."""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import ns, statuses

KEY = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
ZONE = f"""
_dmarc 300 IN TXT "v=DMARC1; p=reject"
sel._domainkey 300 IN TXT "{KEY}"
"""
PROVIDER = """
spf 300 IN TXT "v=spf1 ip4:198.51.100.0/26 -all"
"""
SPF_SETTINGS = "spf: {required_include: spf.esp.example, sending_ips: [198.51.100.10]}\n"
TXT_LINE = re.compile(r'(\S+)\. 3600 IN TXT "([^"]*)"')
SHEET_ITEM = re.compile(r"- (\{domain: [^}]*\})")


def signed_sample(from_address: str, signing_domain: str) -> str:
    """A message with a well-formed DKIM-Signature by `signing_domain` (never verified here)."""
    return (
        f"DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d={signing_domain}; s=sel;\n"
        " h=from:to:subject; bh=PKSJ1PSF5grLfyiiyz0k+GYouQk4tWHZTREERJ3gaVc=; b=AAAA\n"
        f"From: {from_address}\nTo: kunde@example.org\nSubject: Hallo\n\nHallo.\n"
    )


@pytest.mark.parametrize(
    ("sender", "status"),
    [
        ("news@mail.align.example", "error"),  # the parent's d= aligns only when relaxed
        ("news@align.example", "warn"),  # d= is the From domain: aligned either way
    ],
)
def test_dmarc_alignment_with_the_dmarc_record_lost(
    dns_server, write_sheet, check_json, sender, status
):
    # SERVFAIL, not a timeout: a server that never answered is down for the rest of the run,
    # and the key would then be undecided too
    server = dns_server.from_text({"align.example.": ZONE})
    from_domain = sender.partition("@")[2]
    server.servfail(f"_dmarc.{from_domain}")
    sheet = write_sheet(
        sender,
        extra="mail_from: [bounce.esp.example]\ndkim: [{domain: align.example, selector: sel}]\n",
    )
    code, report = check_json(
        sheet, "--nameserver", ns(server), "--timeout", "0.5", "--select", "dmarc.alignment"
    )
    assert statuses(report, "dmarc.alignment") == {from_domain: status}
    assert code == (3 if status == "error" else 0)


@pytest.mark.parametrize("fault", ["servfail", "drop"])
@pytest.mark.parametrize(
    ("sender", "signer", "status"),
    [
        ("news@mail.align.example", "align.example", "error"),
        ("news@align.example", "align.example", "pass"),
        ("news@align.example", "esp.example", "fail"),  # another organisation either way
    ],
)
def test_message_alignment_with_the_dmarc_record_lost(
    dns_server, write_sheet, check_json, tmp_path, fault, sender, signer, status
):
    server = dns_server.from_text({"align.example.": ZONE})
    from_domain = sender.partition("@")[2]
    getattr(server, fault)(f"_dmarc.{from_domain}")
    (tmp_path / "m.eml").write_text(signed_sample(sender, signer), encoding="utf-8")
    sheet = write_sheet(sender, extra="samples: [m.eml]\n")
    code, report = check_json(
        sheet, "--nameserver", ns(server), "--timeout", "0.5", "--select", "message.alignment"
    )
    assert statuses(report, "message.alignment") == {"m.eml": status}
    assert code == {"error": 3, "pass": 0, "fail": 1}[status]


@pytest.mark.parametrize(
    ("signer", "dmarc", "provider_named"),
    [
        ("align.example", "v=DMARC1; p=reject; adkim=s", False),  # the parent, strict
        ("esp.example", "v=DMARC1; p=reject", True),  # another organisation's domain
    ],
)
def test_the_message_alignment_hint_says_what_the_signing_domain_is(
    dns_server, write_sheet, check_json, tmp_path, signer, dmarc, provider_named
):
    """Signed with the customer's parent domain under adkim=s, the hint does not call d= the
    provider's; signed by another organisation, it does. Both name the d= they replace."""
    zones = {"align.example.": ZONE.replace("v=DMARC1; p=reject", dmarc)}
    server = dns_server.from_text(zones)
    sender = "news@mail.align.example"
    (tmp_path / "m.eml").write_text(signed_sample(sender, signer), encoding="utf-8")
    sheet = write_sheet(sender, extra="samples: [m.eml]\n")
    _, report = check_json(sheet, "--nameserver", ns(server), "--select", "message.alignment")
    (found,) = report["findings"]
    assert found["status"] == "fail"
    assert f"d={signer}" in found["hint"]
    assert ("provider" in found["hint"]) is provider_named


@pytest.mark.parametrize(
    ("dmarc", "mail_from"),
    [
        ("v=DMARC1; p=reject", "bounce.align.example"),
        ("v=DMARC1; p=reject; aspf=s", "align.example"),  # strict: the From domain itself
    ],
)
def test_following_the_spf_hint_aligns_the_mail_from(
    dns_server, write_sheet, check_json, dmarc, mail_from
):
    """DKIM aligned, MAIL FROM on the provider's domain: warn; the hint's MAIL FROM and record,
    applied, make the stream pass."""
    zones = {"align.example.": ZONE.replace("v=DMARC1; p=reject", dmarc), "esp.example.": PROVIDER}
    dkim = "dkim: [{domain: align.example, selector: sel}]\n"
    sheet = write_sheet("anna@align.example", extra=f"mail_from: [bounce.esp.example]\n{dkim}")
    sheet.write_text(sheet.read_text() + SPF_SETTINGS, encoding="utf-8")
    status, hint = _alignment(check_json, sheet, dns_server.from_text(zones))
    assert status == "warn"
    name, record = TXT_LINE.search(hint).groups()
    assert name == mail_from
    zones["align.example."] += f'{name}. 300 IN TXT "{record}"\n'
    sheet = write_sheet("anna@align.example", extra=f"mail_from: [{name}]\n{dkim}{SPF_SETTINGS}")
    assert _alignment(check_json, sheet, dns_server.from_text(zones))[0] == "pass"


def test_without_a_dmarc_record_the_spf_hint_publishes_one(dns_server, write_sheet, check_json):
    """No DMARC record anywhere: under the RFC 9989 tree walk bounce.align.example would be an
    organisational domain of its own, so the hint adds a first DMARC record to the MAIL FROM's
    SPF record; both applied, the stream passes."""
    zones = {
        "align.example.": ZONE.replace('_dmarc 300 IN TXT "v=DMARC1; p=reject"\n', ""),
        "esp.example.": PROVIDER,
    }
    dkim = "dkim: [{domain: align.example, selector: sel}]\n"
    sheet = write_sheet("anna@align.example", extra=f"mail_from: [bounce.esp.example]\n{dkim}")
    sheet.write_text(sheet.read_text() + SPF_SETTINGS, encoding="utf-8")
    status, hint = _alignment(check_json, sheet, dns_server.from_text(zones))
    assert status == "warn"
    records = TXT_LINE.findall(hint)
    assert [name for name, _ in records] == ["bounce.align.example", "_dmarc.align.example"]
    zones["align.example."] += "".join(f'{name}. 300 IN TXT "{text}"\n' for name, text in records)
    sheet = write_sheet(
        "anna@align.example", extra=f"mail_from: [bounce.align.example]\n{dkim}{SPF_SETTINGS}"
    )
    assert _alignment(check_json, sheet, dns_server.from_text(zones))[0] == "pass"


@pytest.mark.parametrize(
    ("mail_from", "after"),
    [
        ("bounce.align.example", "pass"),  # DKIM and MAIL FROM on the parent
        ("bounce.mail.align.example", "pass"),  # below the From domain: kept apart as well
        ("bounce.esp.example", "warn"),  # the provider's MAIL FROM never aligns
    ],
)
def test_when_only_the_missing_dmarc_record_splits_them_the_hint_is_that_record(
    dns_server, write_sheet, check_json, mail_from, after
):
    """From news@mail.align.example, DKIM d= (and MAIL FROM) on align.example, no DMARC record
    anywhere: each name is its own organisational domain. A first record at _dmarc.align.example
    aligns the identifiers that work already: the hint is that record, and nothing else."""
    zones = {
        "align.example.": ZONE.replace('_dmarc 300 IN TXT "v=DMARC1; p=reject"\n', "")
        + 'bounce 300 IN TXT "v=spf1 ip4:198.51.100.10 -all"\n'
        + 'bounce.mail 300 IN TXT "v=spf1 ip4:198.51.100.10 -all"\n',
        "esp.example.": PROVIDER,
    }
    extra = f"mail_from: [{mail_from}]\ndkim: [{{domain: align.example, selector: sel}}]\n"
    sheet = write_sheet("news@mail.align.example", extra=extra)
    sheet.write_text(sheet.read_text() + SPF_SETTINGS, encoding="utf-8")
    found, hint = _alignment(check_json, sheet, dns_server.from_text(zones))
    assert found == "fail"
    records = TXT_LINE.findall(hint)
    assert [name for name, _ in records] == ["_dmarc.align.example"]
    assert not SHEET_ITEM.search(hint)  # the sheet stays as it is
    zones["align.example."] += "".join(f'{name}. 300 IN TXT "{text}"\n' for name, text in records)
    assert _alignment(check_json, sheet, dns_server.from_text(zones))[0] == after


def test_when_only_the_missing_record_keeps_the_mail_from_apart_the_warn_hint_is_that_record(
    dns_server, write_sheet, check_json
):
    """DKIM d= is the From domain itself (aligned), MAIL FROM on the parent: warn, and the
    missing half is the DMARC record, not another MAIL FROM."""
    zones = {
        "align.example.": ZONE.replace('_dmarc 300 IN TXT "v=DMARC1; p=reject"\n', "")
        + f'sel._domainkey.mail 300 IN TXT "{KEY}"\n'
        + 'bounce 300 IN TXT "v=spf1 ip4:198.51.100.10 -all"\n',
    }
    extra = (
        "mail_from: [bounce.align.example]\ndkim: [{domain: mail.align.example, selector: sel}]\n"
    )
    sheet = write_sheet("news@mail.align.example", extra=extra)
    sheet.write_text(sheet.read_text() + SPF_SETTINGS, encoding="utf-8")
    found, hint = _alignment(check_json, sheet, dns_server.from_text(zones))
    assert found == "warn"
    records = TXT_LINE.findall(hint)
    assert [name for name, _ in records] == ["_dmarc.align.example"]
    zones["align.example."] += "".join(f'{name}. 300 IN TXT "{text}"\n' for name, text in records)
    assert _alignment(check_json, sheet, dns_server.from_text(zones))[0] == "pass"


def test_following_the_dkim_hint_aligns_the_signature(dns_server, write_sheet, check_json):
    """Signed by the provider, MAIL FROM aligned: warn; the hint's dkim item, with the
    provider's selector and its key published, makes the stream pass."""
    zones = {"align.example.": ZONE + 'bounce 300 IN TXT "v=spf1 -all"\n'}
    sheet = write_sheet(
        "anna@align.example",
        extra="mail_from: [bounce.align.example]\ndkim: [{domain: esp.example, selector: sel}]\n",
    )
    status, hint = _alignment(check_json, sheet, dns_server.from_text(zones))
    assert status == "warn"
    item = yaml.safe_load(SHEET_ITEM.search(hint).group(1).replace("<selector>", "sel"))
    assert item == {"domain": "align.example", "selector": "sel"}
    entry = yaml.safe_dump(item, default_flow_style=True).strip()
    sheet = write_sheet(
        "anna@align.example", extra=f"mail_from: [bounce.align.example]\ndkim: [{entry}]\n"
    )
    assert _alignment(check_json, sheet, dns_server.from_text(zones))[0] == "pass"


def _alignment(check_json, sheet, server) -> tuple[str, str]:
    _, report = check_json(sheet, "--nameserver", ns(server), "--select", "dmarc.alignment")
    (found,) = [f for f in report["findings"] if f["rule"] == "dmarc.alignment"]
    return found["status"], found["hint"] or ""
