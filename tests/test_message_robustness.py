"""Malformed, truncated, non-UTF-8, 8-bit and unreadable samples: findings or `error` for that
sample, never a crash; every sample is read once per run, whatever the number of rules."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import statuses
from mailfactory import LIST_MAIL, NEWS, build

MESSAGE_RULES = {
    "message.list-header", "message.list-unsubscribe", "message.list-help", "message.dkim",
    "message.alignment", "message.sender", "message.size", "message.impressum",
    "unsubscribe.probe",
}  # fmt: skip
TRUNCATED_MULTIPART = (
    b"From: newsletter@msg.example\nList-Unsubscribe: <https://unsub.msg.example/u>\n"
    b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\n"
    b'Content-Type: multipart/mixed; boundary="zz"\n\n--zz\nContent-Type: text/plain\n'
    b"Content-Transfer-Encoding: base64\n\nSW1wcmVzc3VtOiBNdXN0ZXIgR21iSC"  # cut mid-base64
)
SAMPLES = {
    "empty": b"",
    "binary": bytes(range(256)) * 64,
    "cut-in-a-header": b"From: newsletter@msg.example\nList-Unsubscribe: <https://uns",
    "headers-only": b"From: newsletter@msg.example\nSubject: nur Kopf\n",
    "truncated-multipart": TRUNCATED_MULTIPART,
    "latin-1": build(
        changes={"Subject": "Gr\u00fc\u00dfe", "Content-Type": "text/plain; charset=iso-8859-1"}
    )
    .replace("ü".encode(), b"\xfc")
    .replace("ß".encode(), b"\xdf"),
    "bad-utf-8": build().replace(b"Neuigkeiten", b"Neuigkeit\xe9\xff\xfe"),
    "unknown-charset": build(changes={"Content-Type": "text/plain; charset=x-no-such-charset"}),
    "8bit-headers": build(changes={"From": "M\u00fcller <newsletter@msg.example>"}),
    "garbage-lines": build().replace(b"\nSubject:", b"\nthis line is no header\nSubject:"),
    "mbox-from-line": b"From someone Thu Nov 19 09:30:00 2026\n" + build(),
    "nul-bytes": build() + b"\x00" * 1000,
    "broken-dkim-signature": b"DKIM-Signature: v=1; ===; ;;\n" + build(),
    "bad-base64-part": build(changes={"Content-Transfer-Encoding": "base64"}, body="!!!***"),
    "deep-nesting": b"From: newsletter@msg.example\n"
    + b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i) for i in range(200)
    ),
    "endless-header": b"From: newsletter@msg.example\nX-Long: " + b"a" * (2 * 1024 * 1024),
}


@pytest.mark.parametrize("name", SAMPLES)
def test_odd_samples_never_crash_the_run(message_json, msg_zone_file, tmp_path, name):
    path = tmp_path / f"{name}.eml"
    path.write_bytes(SAMPLES[name])
    code, report = message_json(path, "--zone", msg_zone_file)
    assert code in (0, 1, 3)
    found = {f["rule"]: f for f in report["findings"]}
    assert set(found) == MESSAGE_RULES  # one finding per rule for the one sample
    for finding in found.values():
        assert "internal error" not in finding["message"], finding
        if finding["status"] == "fail":
            assert finding["hint"]
    assert found["message.size"]["status"] == "pass"  # every one has a size


@pytest.mark.parametrize("name", ["empty", "binary", "endless-header"])
def test_what_is_no_message_is_error_for_that_sample_only(
    write_sheet, check_json, msg_zone_file, tmp_path, name
):
    (tmp_path / "bad.eml").write_bytes(SAMPLES[name])
    (tmp_path / "good.eml").write_bytes(build())
    sheet = write_sheet((NEWS, "list"), extra="samples: [bad.eml, good.eml]\n")
    code, report = check_json(sheet, "--zone", msg_zone_file)
    assert statuses(report, "message.list-header") == {"bad.eml": "error", "good.eml": "pass"}
    assert code == 1  # good.eml is not signed
    assert statuses(report, "message.size") == {"bad.eml": "pass", "good.eml": "pass"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads anything")
def test_unreadable_sample_is_error(message_json, msg_zone_file, tmp_path):
    path = tmp_path / "locked.eml"
    path.write_bytes(build())
    path.chmod(0)
    code, report = message_json(path, "--zone", msg_zone_file)
    assert {f["status"] for f in report["findings"]} == {"error"}
    assert code == 3


def test_each_sample_is_read_once_per_run(
    write_sheet, check_json, msg_zone_file, tmp_path, monkeypatch
):
    import mailcheck.messages.sample_store as store

    reads: list[str] = []
    real = store.read_sample

    def counting(path, subject):
        reads.append(subject)
        return real(path, subject)

    monkeypatch.setattr(store, "read_sample", counting)
    for name in ("a.eml", "b.eml"):
        (tmp_path / name).write_bytes(build(LIST_MAIL))
    sheet = write_sheet((NEWS, "list"), extra="samples: [a.eml, b.eml]\n")
    _, report = check_json(sheet, "--zone", msg_zone_file)
    assert len({f["rule"] for f in report["findings"]} & MESSAGE_RULES) == len(MESSAGE_RULES)
    assert sorted(reads) == ["a.eml", "b.eml"]


# Header fields of hundreds of kilobytes: the stdlib parses some of them (addresses, structured
# fields, RFC 2047 encoded-words) in time that grows with the square of their length.
HUGE_FIELDS = {  # together just under the 1 MiB of a header section mailcheck reads
    "From": b"a b c, " * 20_000,
    "Content-Type": b"text/plain; " + b"a b c, " * 20_000,
    "List-Unsubscribe": b"=?utf-8?q?a?= " * 20_000,
    "List-Help": b"<https://help.msg.example/" + b"a" * 300_000 + b">",
}


def test_huge_header_fields_are_judged_quickly_and_quoted_short(msg_zone_file, tmp_path):
    head = b"".join(b"%s: %s\n" % (name.encode(), value) for name, value in HUGE_FIELDS.items())
    path = tmp_path / "huge.eml"
    path.write_bytes(head + b"Subject: x\n\nbody\n")
    command = ["message", str(path), "--zone", str(msg_zone_file), "--format", "json"]
    done = subprocess.run(
        [sys.executable, "-m", "mailcheck", *command],
        capture_output=True,
        timeout=120,  # a guard against a parse that takes hours, not a speed requirement
        check=False,
    )
    assert done.returncode in (0, 1, 3), done.stderr
    findings = json.loads(done.stdout)["findings"]
    assert {f["rule"] for f in findings} == MESSAGE_RULES
    assert {f["status"] for f in findings if f["rule"] == "message.list-help"} != {"error"}
    for finding in findings:
        assert "internal error" not in finding["message"], finding
        assert len(finding["message"]) + len(finding["hint"] or "") < 2000, finding["rule"]
