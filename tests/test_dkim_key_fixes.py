"""dkim.key and dkim.match after review: hints that can be followed as written (the weak key the
provider issued, t=y:s, the selector to add as a YAML list item), messages that name the CNAME
target that failed, and wording of version, corrupt-key and plural messages."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from conftest import ns, statuses

ZONE = "tests/data/zones/dkim-fixes.example.zone"
DOMAIN = "dkimfix.example"
KEY_2048 = (
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvAMkq/Vu0p79b8x7YS/yYhCITvlhS9T0s6PeSh2iba00"
    "WWL2w5xOYiTUdjiOhk0BVNDnyFOcKk5uygi5iOs+o5Jlpkp9m7KfwgtSF923H5BqvyuNtSlLJekEwoaifgeAtC3u"
    "uxxeImetfz7rY7Xs6uliCiq6DMiQ0pQh3FBeU0rvApHT7GO+9mgTR+KZPkyoNekb4+Qg06R117gGhZJbX5b4Nks6"
    "8iTR1HgqWwjhGmazir7LLACCKsSXQVwF3ml2yYbm0822UK3HYFhsb4jRUlTN+k6EC1Pfs93AyNcSekQyplBALDP4"
    "1B6zBGi2cyWwZA0MhZOPbVvSKf4lnLRXXwIDAQAB"
)
KEY_1024 = (
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi"
    "Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZy"
    "VYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB"
)


def dkim_sheet(write_sheet, *selectors: str, key: str | None = None):
    lines = ["dkim:"]
    for selector in selectors:
        lines += [f"  - domain: {DOMAIN}", f"    selector: {selector}"]
        if key:
            lines.append(f"    public_key: {json.dumps(key)}")
    return write_sheet(f"anna@{DOMAIN}", extra="\n".join(lines) + "\n")


def finding(report: dict, rule: str) -> dict:
    (found,) = [f for f in report["findings"] if f["rule"] == rule]
    return found


def test_weak_key_issued_by_the_provider_asks_the_provider_for_a_longer_one(
    write_sheet, check_json, dns_args
):
    _, report = check_json(dkim_sheet(write_sheet, "weak", key=KEY_1024), *dns_args(ZONE))
    key = finding(report, "dkim.key")
    assert key["status"] == "warn"
    assert "provider" in key["hint"] and "2048" in key["hint"]
    assert KEY_1024 not in key["hint"]  # publishing the same 1024-bit key again fixes nothing
    assert statuses(report, "dkim.match") == {f"weak._domainkey.{DOMAIN}": "pass"}


def test_weak_key_with_a_2048_bit_provider_key_gives_that_record(write_sheet, check_json, dns_args):
    _, report = check_json(dkim_sheet(write_sheet, "weak", key=KEY_2048), *dns_args(ZONE))
    key = finding(report, "dkim.key")
    assert key["status"] == "warn"
    assert f"weak._domainkey.{DOMAIN}. 3600 IN TXT" in key["hint"]
    assert KEY_2048[:200] in key["hint"]


def test_leaving_testing_mode_keeps_the_other_flags_of_t(write_sheet, check_json, dns_args):
    _, report = check_json(dkim_sheet(write_sheet, "strict"), *dns_args(ZONE))
    key = finding(report, "dkim.key")
    assert key["status"] == "warn"
    record = key["hint"].split(" IN TXT ", 1)[1]
    assert record.startswith('"v=DKIM1; k=rsa; t=s; p=MIIB')


def test_testing_flags_removed_drops_only_y():
    from mailcheck.dkim.key import testing_flags_removed

    assert testing_flags_removed({"v": "DKIM1", "t": "y:s", "p": "x"}) == {
        "v": "DKIM1",
        "t": "s",
        "p": "x",
    }
    assert testing_flags_removed({"v": "DKIM1", "t": "y", "p": "x"}) == {"v": "DKIM1", "p": "x"}


def test_missing_selector_hint_is_a_list_item_to_paste_under_dkim(
    write_sheet, check_json, tmp_path
):
    sheet = write_sheet(
        f"anna@{DOMAIN}",
        "bob@good.senders.example",
        extra=f"dkim:\n  - domain: {DOMAIN}\n    selector: alias\n",
    )
    zones = ["--zone", ZONE, "--zone", "tests/data/zones/senders.example.zone"]
    code, report = check_json(sheet, *zones)
    assert code == 1
    hint = next(
        f["hint"]
        for f in report["findings"]
        if f["subject"] == "good.senders.example" and f["rule"] == "dkim.key"
    )
    item = re.search(r"- \{domain: [^}]*\}", hint)
    assert item, hint
    # pasted under the existing dkim: (with the selector filled in) the sheet stays valid
    pasted = sheet.read_text() + "  " + item.group(0).replace("<selector>", "sel") + "\n"
    assert yaml.safe_load(pasted)["dkim"][-1] == {
        "domain": "good.senders.example",
        "selector": "sel",
    }
    sheet.write_text(pasted)
    code, report = check_json(sheet, *zones)
    assert code != 2
    assert "sel._domainkey.good.senders.example" in statuses(report, "dkim.key")


def test_key_behind_a_cname_out_of_every_zone_names_the_target(write_sheet, check_json):
    _, report = check_json(dkim_sheet(write_sheet, "away", key=KEY_2048), "--zone", ZONE)
    for rule in ("dkim.key", "dkim.match"):
        found = finding(report, rule)
        assert found["status"] == "error"
        assert f"away._domainkey.{DOMAIN} → CNAME key.esp.outside.example" in found["message"]


@pytest.mark.parametrize("fault", ["drop", "servfail"])
def test_key_behind_a_cname_whose_target_fails_names_the_target(
    dns_server, write_sheet, check_json, fault
):
    server = dns_server(ZONE)
    getattr(server, fault)(f"alias._domainkey.{DOMAIN}", "TXT")  # the CNAME itself answers
    sheet = dkim_sheet(write_sheet, "alias", key=KEY_2048)
    _, report = check_json(sheet, "--nameserver", ns(server), "--timeout", "0.3")
    for rule in ("dkim.key", "dkim.match"):
        found = finding(report, rule)
        assert found["status"] == "error"
        assert f"alias._domainkey.{DOMAIN} → CNAME key.{DOMAIN}" in found["message"]


def test_key_without_a_cname_names_only_itself(dns_server, write_sheet, check_json):
    server = dns_server(ZONE)
    server.drop(f"strict._domainkey.{DOMAIN}")
    _, report = check_json(dkim_sheet(write_sheet, "strict"), "--nameserver", ns(server),
                           "--timeout", "0.3")  # fmt: skip
    found = finding(report, "dkim.key")
    assert found["status"] == "error" and "CNAME" not in found["message"]


def test_version_not_first_says_so(write_sheet, check_json, dns_args):
    _, report = check_json(dkim_sheet(write_sheet, "late"), *dns_args(ZONE))
    key = finding(report, "dkim.key")
    assert key["status"] == "fail"
    assert "v=DKIM1 must be the first tag" in key["message"]
    assert "bad version" not in key["message"]


def test_corrupt_key_message_shows_its_start_and_length_only(write_sheet, check_json, dns_args):
    _, report = check_json(dkim_sheet(write_sheet, "corrupt"), *dns_args(ZONE))
    key = finding(report, "dkim.key")
    assert key["status"] == "fail"
    assert "corrupt" in key["message"]
    assert f"{KEY_2048[:20]}…, 300 characters" in key["message"]
    assert KEY_2048[:21] not in key["message"]
