"""dkim.key and dkim.match: the third-party key records of the corpus, every situation of the
test zone offline and over loopback DNS, and timeouts and SERVFAIL as errors."""

from __future__ import annotations

import json

import pytest

from conftest import SHARED, ns, statuses

ZONE = "tests/data/zones/dkim-check.example.zone"
DOMAIN = "dkimcheck.example"
CORPUS = SHARED / "corpora/dkim"
ACME_KEY = (
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvAMkq/Vu0p79b8x7YS/yYhCITvlhS9T0s6PeSh2iba00WWL2"
    "w5xOYiTUdjiOhk0BVNDnyFOcKk5uygi5iOs+o5Jlpkp9m7KfwgtSF923H5BqvyuNtSlLJekEwoaifgeAtC3uuxxeIm"
    "etfz7rY7Xs6uliCiq6DMiQ0pQh3FBeU0rvApHT7GO+9mgTR+KZPkyoNekb4+Qg06R117gGhZJbX5b4Nks68iTR1Hgq"
    "WwjhGmazir7LLACCKsSXQVwF3ml2yYbm0822UK3HYFhsb4jRUlTN+k6EC1Pfs93AyNcSekQyplBALDP41B6zBGi2cy"
    "WwZA0MhZOPbVvSKf4lnLRXXwIDAQAB"
)

# the key 11qYAYKx... as a PEM SubjectPublicKeyInfo (RFC 8410), as providers hand keys out
ED25519_PEM = (
    "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    "-----END PUBLIC KEY-----\n"
)


def dkim_sheet(write_sheet, *selectors: str, domain: str = DOMAIN, key: str | None = None):
    lines = ["dkim:"]
    for selector in selectors:
        lines += [f"  - domain: {domain}", f"    selector: {selector}"]
        if key:
            lines.append(f"    public_key: {json.dumps(key)}")
    return write_sheet(f"anna@{domain}", extra="\n".join(lines) + "\n")


@pytest.mark.parametrize(
    ("file", "status"),
    [
        ("dkimpy/test.txt", "warn"),  # valid RSA, 1024 bits
        ("dkimpy/test2.txt", "warn"),  # no k=: RSA by default, 1024 bits
        ("dkimpy/badversion.txt", "fail"),  # v=DKIM1: is not v=DKIM1
        ("dkimpy/badk.txt", "fail"),  # unknown k=
        ("dkimpy/test_bad.txt", "fail"),  # corrupt p=
        ("dkimpy/ed25519test.dns", "pass"),
    ],
)
def test_corpus_key_records_are_classified(file, status):
    from mailcheck.dkim.key import judge_key

    text = (CORPUS / file).read_text().strip()
    verdict = judge_key("x._domainkey.example.com", text)
    assert verdict.status.value == status, verdict.message


def test_corpus_classification_names_the_reason():
    from mailcheck.dkim.key import judge_key

    def message(file: str) -> str:
        return judge_key("x", (CORPUS / "dkimpy" / file).read_text().strip()).message

    assert "1024 bits" in message("test.txt")
    assert "version" in message("badversion.txt")
    assert "k=ed25519-sha256" in message("badk.txt")
    assert "corrupt" in message("test_bad.txt")
    assert "ed25519" in message("ed25519test.dns")


def test_rfc8463_keys_are_accepted():
    from mailcheck.dkim.key import judge_key

    records = json.loads((CORPUS / "rfc8463-ed25519/dns.json").read_text())
    verdicts = {
        name: judge_key(name, "".join(data["TXT"][0]))
        for name, data in records.items()
        if "_domainkey" in name
    }
    assert verdicts["brisbane._domainkey.football.example.com"].status.value == "pass"
    # the RSA example key of RFC 8463 is 1024 bits: accepted, with the RFC 8301 warning
    rsa = verdicts["test._domainkey.football.example.com"]
    assert rsa.status.value == "warn" and rsa.bits == 1024


def test_corpus_records_served_over_dns(dns_server, write_sheet, check_json):
    """The same records published in a zone and judged by the rule through the resolver."""
    records = json.loads((CORPUS / "rfc8463-ed25519/dns.json").read_text())
    lines = ["@ 300 IN A 127.0.0.40", "@ 300 IN MX 10 @"]
    files = {
        "rsa": "test.txt",
        "nok": "test2.txt",
        "badv": "badversion.txt",
        "badk": "badk.txt",
        "bad": "test_bad.txt",
        "ed": "ed25519test.dns",
    }
    for selector, file in files.items():
        text = (CORPUS / "dkimpy" / file).read_text().strip()
        chunks = " ".join(f'"{text[i : i + 200]}"' for i in range(0, len(text), 200))
        lines.append(f"{selector}._domainkey 300 IN TXT {chunks}")
    for name in ("brisbane", "test"):
        strings = records[f"{name}._domainkey.football.example.com"]["TXT"][0]
        lines.append(f"{name}._domainkey 300 IN TXT " + " ".join(f'"{s}"' for s in strings))
    server = dns_server.from_text({"corpus.example.": "\n".join(lines)})
    sheet = dkim_sheet(write_sheet, *files, "brisbane", "test", domain="corpus.example")
    _, report = check_json(sheet, "--nameserver", ns(server))
    found = {s.split(".")[0]: v for s, v in statuses(report, "dkim.key").items()}
    assert found == {
        "rsa": "warn",
        "nok": "warn",
        "badv": "fail",
        "badk": "fail",
        "bad": "fail",
        "ed": "pass",
        "brisbane": "pass",
        "test": "warn",
    }


@pytest.mark.parametrize(
    ("selector", "status"),
    [
        ("rsa2048", "pass"),
        ("ed25519", "pass"),
        ("nok", "pass"),
        ("alias", "pass"),  # CNAME followed
        ("rsa1024", "warn"),
        ("testing", "warn"),  # t=y
        ("rsa512", "fail"),
        ("revoked", "fail"),
        ("unknownk", "fail"),
        ("corrupt", "fail"),
        ("badversion", "fail"),
        ("sha1only", "fail"),
        ("notemail", "fail"),
        ("two", "fail"),
        ("nokey", "fail"),  # NXDOMAIN
        ("nodata", "fail"),  # the name exists, no TXT
    ],
)
def test_dkim_key(dns_args, write_sheet, check_json, selector, status):
    _, report = check_json(dkim_sheet(write_sheet, selector), *dns_args(ZONE))
    assert statuses(report, "dkim.key") == {f"{selector}._domainkey.{DOMAIN}": status}
    found = next(f for f in report["findings"] if f["rule"] == "dkim.key")
    if status == "fail":
        assert f"{selector}._domainkey.{DOMAIN}. 3600 IN TXT" in found["hint"]


def test_key_behind_a_cname_out_of_every_zone_is_error(write_sheet, check_json):
    _, report = check_json(dkim_sheet(write_sheet, "away"), "--zone", ZONE)
    assert statuses(report, "dkim.key") == {f"away._domainkey.{DOMAIN}": "error"}


def test_sender_domain_without_selector_fails_with_the_entry_to_add(write_sheet, check_json):
    sheet = write_sheet(
        "anna@dkimcheck.example",
        "bob@good.senders.example",
        extra="dkim:\n  - domain: dkimcheck.example\n    selector: rsa2048\n",
    )
    code, report = check_json(sheet, "--zone", ZONE)
    assert statuses(report, "dkim.key") == {
        "good.senders.example": "fail",
        "rsa2048._domainkey.dkimcheck.example": "pass",
    }
    hint = next(
        f["hint"]
        for f in report["findings"]
        if f["subject"] == "good.senders.example" and f["rule"] == "dkim.key"
    )
    assert "selector" in hint and "good.senders.example" in hint
    assert code == 1


def test_missing_key_hint_is_the_exact_record_when_the_key_is_known(write_sheet, check_json):
    _, report = check_json(dkim_sheet(write_sheet, "nokey", key=ACME_KEY), "--zone", ZONE)
    hint = next(f["hint"] for f in report["findings"] if f["rule"] == "dkim.key")
    assert "nokey._domainkey.dkimcheck.example. 3600 IN TXT" in hint
    assert '"v=DKIM1; k=rsa; p=' + ACME_KEY[:100] in hint


@pytest.mark.parametrize(
    ("selector", "key", "status"),
    [
        ("rsa2048", ACME_KEY, "pass"),
        ("alias", ACME_KEY, "pass"),
        ("rsa2048", "\n".join(ACME_KEY[i : i + 64] for i in range(0, len(ACME_KEY), 64)), "pass"),
        (
            "rsa2048",
            f"-----BEGIN PUBLIC KEY-----\n{ACME_KEY}\n-----END PUBLIC KEY-----\n",
            "pass",
        ),
        ("other2048", ACME_KEY, "fail"),
        ("nokey", ACME_KEY, "fail"),
        ("revoked", ACME_KEY, "fail"),
        ("ed25519", "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "pass"),
        ("ed25519", ED25519_PEM, "pass"),  # the same key as PEM: p= holds its raw 32 bytes
    ],
)
def test_dkim_match(dns_args, write_sheet, check_json, selector, key, status):
    _, report = check_json(dkim_sheet(write_sheet, selector, key=key), *dns_args(ZONE))
    assert statuses(report, "dkim.match") == {f"{selector}._domainkey.{DOMAIN}": status}


def test_mismatch_hint_is_the_record_with_the_providers_key(write_sheet, check_json):
    _, report = check_json(dkim_sheet(write_sheet, "other2048", key=ACME_KEY), "--zone", ZONE)
    hint = next(f["hint"] for f in report["findings"] if f["rule"] == "dkim.match")
    expected_value = f"v=DKIM1; k=rsa; p={ACME_KEY}"
    chunks = [expected_value[i : i + 255] for i in range(0, len(expected_value), 255)]
    expected = " ".join(f'"{c}"' for c in chunks)
    assert hint.endswith(f"other2048._domainkey.dkimcheck.example. 3600 IN TXT {expected}")


def test_the_hint_publishes_an_ed25519_key_given_in_pem_as_ed25519(
    dns_server, write_sheet, check_json
):
    """A provider's Ed25519 key in PEM (SubjectPublicKeyInfo): the hint's record says k=ed25519
    and holds the raw key (RFC 8463 §4.2); published, it passes dkim.key and dkim.match."""
    import re

    zone = {"keys.example.": 'sel._domainkey 300 IN TXT "v=DKIM1; k=ed25519; p="\n'}
    sheet = write_sheet(
        "anna@keys.example",
        extra="dkim:\n  - domain: keys.example\n    selector: sel\n    public_key: |\n"
        + "".join(f"      {line}\n" for line in ED25519_PEM.splitlines()),
    )
    args = ("--select", "dkim.key,dkim.match")
    _, report = check_json(sheet, "--nameserver", ns(dns_server.from_text(zone)), *args)
    hints = {f["rule"]: f["hint"] for f in report["findings"]}
    records = {re.search(r'IN TXT "([^"]*)"', hint).group(1) for hint in hints.values()}
    assert records == {"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="}
    (record,) = records
    zone = {"keys.example.": f'sel._domainkey 300 IN TXT "{record}"\n'}
    _, report = check_json(sheet, "--nameserver", ns(dns_server.from_text(zone)), *args)
    assert {f["rule"]: f["status"] for f in report["findings"]} == {
        "dkim.key": "pass",
        "dkim.match": "pass",
    }


def test_dkim_match_skips_without_a_public_key(write_sheet, check_json):
    _, report = check_json(dkim_sheet(write_sheet, "rsa2048"), "--zone", ZONE)
    assert statuses(report, "dkim.match") == {"rsa2048._domainkey.dkimcheck.example": "skip"}


@pytest.mark.parametrize("fault", ["servfail", "drop"])
def test_dns_faults_are_errors(dns_server, write_sheet, check_json, fault):
    server = dns_server(ZONE)
    getattr(server, fault)("rsa2048._domainkey.dkimcheck.example.")
    sheet = dkim_sheet(write_sheet, "rsa2048", key=ACME_KEY)
    _, report = check_json(sheet, "--nameserver", ns(server), "--timeout", "0.3")
    assert statuses(report, "dkim.key") == {"rsa2048._domainkey.dkimcheck.example": "error"}
    assert statuses(report, "dkim.match") == {"rsa2048._domainkey.dkimcheck.example": "error"}
