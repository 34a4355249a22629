"""message.dkim: signatures made here with dkimpy, keys published in a test zone, checked both
through a loopback DNS server and offline (--zone)."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import ns, statuses
from mailfactory import BILLING, NEWS, SIGNED, TRANSACTIONAL_MAIL, Key, build, sign, sign_dated
from onlyrules import keep_only

WITHOUT_POST = tuple(h for h in SIGNED if h != b"list-unsubscribe-post")
WITHOUT_UNSUBSCRIBE = tuple(h for h in SIGNED if h != b"list-unsubscribe")


@pytest.fixture
def dkim_status(write_sheet, check_json, dns_args, msg_zone_file, tmp_path):
    """The message.dkim status of one sample, checked through the sheet."""

    def run(message: bytes) -> str:
        (tmp_path / "m.eml").write_bytes(message)
        sheet = write_sheet((NEWS, "list"), (BILLING, "transactional"), extra="samples: [m.eml]\n")
        _, report = check_json(sheet, *dns_args(msg_zone_file))
        return statuses(report, "message.dkim")["m.eml"]

    return run


def test_covering_signature_passes(dkim_status, dkim_keys):
    assert dkim_status(sign(build(), dkim_keys["sel"])) == "pass"


def test_ed25519_signature_passes(dkim_status, dkim_keys):
    assert dkim_status(sign(build(), dkim_keys["ed"])) == "pass"


def test_mail_without_list_headers_needs_only_a_valid_signature(dkim_status, dkim_keys):
    message = build(TRANSACTIONAL_MAIL)
    assert dkim_status(sign(message, dkim_keys["sel"], [b"from", b"to", b"subject"])) == "pass"


def test_folded_list_headers_with_simple_canonicalization(dkim_status, dkim_keys):
    import dkim

    message = build(
        changes={
            "List-Unsubscribe": "\n\t<https://unsub.msg.example/u?id=1>,\n\t<mailto:u@msg.example>"
        }
    )
    key = dkim_keys["sel"]
    signature = dkim.sign(
        message, b"sel", b"msg.example", key.private, include_headers=list(SIGNED),
        canonicalize=(b"simple", b"simple"), linesep=b"\n",
    )  # fmt: skip
    assert dkim_status(signature + message) == "pass"


@pytest.mark.parametrize(
    "include",
    [WITHOUT_POST, WITHOUT_UNSUBSCRIBE, None],  # None: dkimpy's defaults leave out -post
    ids=["without-post", "without-unsubscribe", "dkimpy-defaults"],
)
def test_signature_that_leaves_out_a_list_header_fails(dkim_status, dkim_keys, include):
    assert dkim_status(sign(build(), dkim_keys["sel"], include)) == "fail"


def test_no_signature_fails(dkim_status):
    assert dkim_status(build()) == "fail"


def test_body_changed_after_signing_fails(dkim_status, dkim_keys):
    signed = sign(build(), dkim_keys["sel"])
    assert dkim_status(signed.replace(b"Neuigkeiten", b"Neuheiten")) == "fail"


def test_signed_header_changed_after_signing_fails(dkim_status, dkim_keys):
    signed = sign(build(), dkim_keys["sel"])
    assert dkim_status(signed.replace(b"Neu im November", b"Neu im Dezember")) == "fail"


def test_list_header_added_after_signing_fails(dkim_status, dkim_keys):
    # signed before List-Unsubscribe-Post existed: h= names it, the added one breaks b=
    signed = sign(build(changes={"List-Unsubscribe-Post": None}), dkim_keys["sel"])
    assert dkim_status(signed) == "pass"
    added = signed.replace(b"\n\n", b"\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\n\n", 1)
    assert dkim_status(added) == "fail"


@pytest.mark.parametrize("selector", ["missing", "revoked", "broken", "notdkim"])
def test_key_not_published_revoked_or_invalid_fails(dkim_status, dkim_keys, selector):
    key = Key(selector, dkim_keys["sel"].private, "")
    assert dkim_status(sign(build(), key)) == "fail"


def test_malformed_signature_fails(dkim_status):
    header = (
        "DKIM-Signature: v=1; a=rsa-sha256; d=msg.example; s=sel;\n"
        " h=from:list-unsubscribe:list-unsubscribe-post\n"  # no bh= and no b=
    )
    assert dkim_status(header.encode() + build()) == "fail"


def test_one_good_signature_among_bad_ones_passes(dkim_status, dkim_keys):
    once = sign(build(), Key("missing", dkim_keys["sel"].private, ""))
    assert dkim_status(sign(once, dkim_keys["sel"])) == "pass"


def test_key_outside_the_zones_is_error(
    write_sheet, check_json, msg_zone_file, tmp_path, dkim_keys, monkeypatch
):
    keep_only(monkeypatch, "message.dkim")  # the exit code is about message.dkim alone
    (tmp_path / "m.eml").write_bytes(sign(build(), dkim_keys["sel"], domain="elsewhere.example"))
    sheet = write_sheet((NEWS, "list"), extra="samples: [m.eml]\n")
    code, report = check_json(sheet, "--zone", msg_zone_file)
    assert statuses(report, "message.dkim") == {"m.eml": "error"}
    assert code == 3


@pytest.mark.parametrize("fault", ["drop", "servfail"])
def test_key_lookup_timeout_or_servfail_is_error(
    write_sheet, check_json, dns_server, msg_zone_file, tmp_path, dkim_keys, fault, monkeypatch
):
    keep_only(monkeypatch, "message.dkim")  # the exit code is about message.dkim alone
    server = dns_server(msg_zone_file)
    getattr(server, fault)("sel._domainkey.msg.example")
    (tmp_path / "m.eml").write_bytes(sign(build(), dkim_keys["sel"]))
    sheet = write_sheet((NEWS, "list"), extra="samples: [m.eml]\n")
    code, report = check_json(sheet, "--nameserver", ns(server), "--timeout", "0.5")
    assert statuses(report, "message.dkim") == {"m.eml": "error"}
    assert code == 3


def test_left_out_header_fails_even_when_the_key_is_undecided(
    write_sheet, check_json, msg_zone_file, tmp_path, dkim_keys
):
    signed = sign(build(), dkim_keys["sel"], WITHOUT_POST, domain="elsewhere.example")
    (tmp_path / "m.eml").write_bytes(signed)
    sheet = write_sheet((NEWS, "list"), extra="samples: [m.eml]\n")
    _, report = check_json(sheet, "--zone", msg_zone_file)
    (finding,) = [f for f in report["findings"] if f["rule"] == "message.dkim"]
    assert finding["status"] == "fail"
    assert "List-Unsubscribe-Post" in finding["message"]
    assert "list-unsubscribe-post" in finding["hint"]


def test_the_key_is_fetched_through_the_run_resolver_once(
    write_sheet, check_json, dns_server, msg_zone_file, tmp_path, dkim_keys
):
    server = dns_server(msg_zone_file)
    signed = sign(build(), dkim_keys["sel"])
    for name in ("a.eml", "b.eml"):
        (tmp_path / name).write_bytes(signed)
    sheet = write_sheet((NEWS, "list"), extra="samples: [a.eml, b.eml]\n")
    _, report = check_json(sheet, "--nameserver", ns(server))
    assert statuses(report, "message.dkim") == {"a.eml": "pass", "b.eml": "pass"}
    assert server.count("sel._domainkey.msg.example", "TXT") == 1


# --- x= (signature expiry) is judged by the run's date, --today, not by the wall clock ----------


def at_noon(day: str) -> int:
    return int(dt.datetime.fromisoformat(f"{day}T12:00:00+00:00").timestamp())


@pytest.fixture
def status_on(write_sheet, check_json, msg_zone_file, tmp_path):
    """The message.dkim status of one sample checked offline with `--today` (None: not given)."""

    def run(message: bytes, today: str | None) -> str:
        (tmp_path / "m.eml").write_bytes(message)
        sheet = write_sheet((NEWS, "list"), extra="samples: [m.eml]\n")
        pinned = ["--today", today] if today else []
        _, report = check_json(sheet, "--zone", msg_zone_file, *pinned)
        return statuses(report, "message.dkim")["m.eml"]

    return run


def test_an_old_signature_is_judged_on_the_pinned_date(status_on, dkim_keys):
    signed = sign_dated(build(), dkim_keys["sel"], at_noon("2020-01-01"), at_noon("2020-01-08"))
    assert status_on(signed, "2020-01-05") == "pass"  # the wall clock says: long expired
    assert status_on(signed, "2020-01-08") == "pass"  # valid on the day it ends
    assert status_on(signed, "2020-01-09") == "fail"
    assert status_on(signed, None) == "fail"  # today


def test_a_signature_valid_now_expires_by_the_pinned_date(status_on, dkim_keys):
    today = dt.datetime.now(dt.UTC).date()
    signed = sign_dated(
        build(), dkim_keys["sel"], at_noon(str(today)), at_noon(str(today + dt.timedelta(days=3)))
    )
    assert status_on(signed, None) == "pass"
    assert status_on(signed, str(today + dt.timedelta(days=10))) == "fail"


def test_an_expiry_before_the_signing_time_is_malformed(status_on, dkim_keys):
    signed = sign_dated(build(), dkim_keys["sel"], at_noon("2020-01-08"), at_noon("2020-01-06"))
    assert status_on(signed, "2020-01-05") == "fail"


def test_a_signing_time_that_is_no_time_is_malformed(status_on, dkim_keys):
    signed = sign_dated(build(), dkim_keys["sel"], 10**13)  # 14 digits: RFC 6376 allows 12
    assert status_on(signed, "2020-01-05") == "fail"
