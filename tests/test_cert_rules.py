"""The `cert.*` rules beyond their case files: no key material in any output, files the sheet
names confined like samples, a certificate gone before the check, `--ca-file`, wildcard
matching, and the time a certificate is judged at."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from certfactory import (
    certificate_pem,
    key_pem,
    name,
    new_key,
    session_pki,
    write_certificates,
)
from conftest import statuses
from mailcheck.output import Format

CERT_RULES = ("cert.domain", "cert.validity", "cert.chain", "cert.key")
TODAY = "2026-11-20"
PEM_LINE = re.compile(rb"^[A-Za-z0-9+/=]{16,}$", re.MULTILINE)


def write_sheet_with(folder: Path, certificate: str) -> Path:
    sheet = folder / "sheet.yaml"
    sheet.write_text(f"version: 1\ncustomer: Cert GmbH\ncertificate: {certificate}\n")
    return sheet


def secret_lines(*pems: bytes) -> list[str]:
    """The base64 lines of PEM blocks: no output may hold one of them."""
    return [line.decode() for pem in pems for line in PEM_LINE.findall(pem)]


# --- key material ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [fmt.value for fmt in Format])
@pytest.mark.parametrize("key_file", ["mail.key", "stray.key", "broken.key"])
def test_no_key_material_in_any_output_format(run_cli, tmp_path, monkeypatch, fmt, key_file):
    """Neither a delivered key nor the certificates are shown, whatever the verdict (a key that
    matches, one of another certificate, a damaged one), in any format, and under GitHub
    Actions (annotations on stderr)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    pki = session_pki()
    key = new_key("ec-p256")
    leaf = pki.leaf(["mail.case.example"], key=key)
    key_text = key_pem(key)
    # a customer's habit: the key bundled into the certificate file too
    bundle = certificate_pem(leaf) + key_text + pki.pem("intermediate")
    (tmp_path / "mail.pem").write_bytes(bundle)
    (tmp_path / "mail.key").write_bytes(key_text)
    stray = key_pem(new_key("rsa-2048"))
    (tmp_path / "stray.key").write_bytes(stray)
    broken = key_text.replace(b"\n", b"\n!", 3)  # the key's lines, damaged
    (tmp_path / "broken.key").write_bytes(broken)
    sheet = write_sheet_with(
        tmp_path, f"{{domain: mail.case.example, file: mail.pem, key_file: {key_file}}}"
    )
    code, out, err = run_cli("check", sheet, "--select", "cert.", "--today", TODAY, "--format", fmt)
    assert code in (0, 1), err
    output = out + err
    assert "PRIVATE KEY" not in output and "BEGIN" not in output
    for line in secret_lines(bundle, stray, broken):
        assert line not in output, "a line of a PEM block is in the output"


def test_key_verdicts_behind_the_no_leak_test(check_json, tmp_path):
    """The leak test's keys give the verdicts it claims: match, another key, a damaged one."""
    pki = session_pki()
    key = new_key("ec-p256")
    (tmp_path / "mail.pem").write_bytes(certificate_pem(pki.leaf(["m.case.example"], key=key)))
    (tmp_path / "mail.key").write_bytes(key_pem(key))
    (tmp_path / "stray.key").write_bytes(key_pem(new_key("ec-p256")))
    (tmp_path / "broken.key").write_bytes(key_pem(key).replace(b"\n", b"\n!", 3))
    expected = {"mail.key": "pass", "stray.key": "fail", "broken.key": "fail"}
    for key_file, status in expected.items():
        sheet = write_sheet_with(
            tmp_path, f"{{domain: m.case.example, file: mail.pem, key_file: {key_file}}}"
        )
        _, report = check_json(sheet, "--select", "cert.key", "--today", TODAY)
        assert statuses(report, "cert.key") == {"mail.pem": status}, key_file


# --- the files a sheet names -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("certificate", "line"),
    [
        ("{domain: a.example, file: missing.pem}", 3),
        ("{domain: a.example, file: ../outside.pem}", 3),
        ("{domain: a.example, file: link.pem}", 3),
        ("{domain: a.example, file: folder}", 3),
        ("{domain: a.example, file: huge.pem}", 3),
        ("{domain: a.example, file: mail.pem, key_file: missing.key}", 3),
        ("{domain: a.example, file: mail.pem, key_file: /etc/passwd}", 3),
        ("\n  domain: a.example\n  file: mail.pem\n  key_file: ../secret.key", 6),
    ],
)
def test_a_file_the_sheet_cannot_name_is_an_input_error(run_cli, tmp_path, certificate, line):
    """Missing, outside the sheet's folder (`..`, absolute, a symlink out), a directory, or
    larger than a PEM file can be: exit 2 at the key's line, one line, no traceback."""
    folder = tmp_path / "customer"
    folder.mkdir()
    (tmp_path / "outside.pem").write_bytes(b"x")
    (tmp_path / "secret.key").write_bytes(b"x")
    (folder / "link.pem").symlink_to(tmp_path / "outside.pem")
    (folder / "folder").mkdir()
    (folder / "huge.pem").write_bytes(b"-" * (1024 * 1024 + 1))
    (folder / "mail.pem").write_bytes(b"x")
    sheet = write_sheet_with(folder, certificate)
    code, out, err = run_cli("check", sheet, "--select", "cert.")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"sheet.yaml:{line}:" in err and "certificate." in err


@pytest.mark.parametrize(
    "content", [None, b"", b"not a certificate\n", b"-----BEGIN CERTIFICATE-----\nAAAA\n"]
)
def test_a_ca_file_without_roots_is_an_input_error(run_cli, tmp_path, content):
    ca_file = tmp_path / "roots.pem"
    if content is not None:
        ca_file.write_bytes(content)
    write_certificates({"mail.pem": {"names": ["mail.case.example"]}}, tmp_path)
    sheet = write_sheet_with(tmp_path, "{domain: mail.case.example, file: mail.pem}")
    code, out, err = run_cli("check", sheet, "--ca-file", ca_file)
    assert code == 2
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert "--ca-file" in err


def test_the_ca_file_decides_the_chain_in_worker_processes_too(run_cli, tmp_path):
    """A batch over worker processes gets the trusted roots like a run in one process."""
    import json

    write_certificates({"root.pem": "root"}, tmp_path)
    sheets = []
    for number in range(3):
        folder = tmp_path / f"customer{number}"
        folder.mkdir()
        write_certificates({"mail.pem": {"names": ["mail.case.example"]}}, folder)
        sheets.append(write_sheet_with(folder, "{domain: mail.case.example, file: mail.pem}"))
    args = ["--ca-file", tmp_path / "root.pem", "--select", "cert.chain", "--today", TODAY]
    code, out, err = run_cli("check", *sheets, *args, "--workers", "2", "--format", "jsonl")
    found = [json.loads(line) for line in out.splitlines()]
    assert [f["status"] for f in found if f.get("rule") == "cert.chain"] == ["pass"] * 3, err
    assert code == 0


# --- a certificate gone before the check -------------------------------------------------------


def test_a_certificate_file_gone_before_the_check_is_error(tmp_path):
    """The sheet was loaded with its certificate; by the time the rules read it, it is gone:
    undecided (`error`), not a missing certificate (`fail`)."""
    from mailcheck.engine.runner import check_loaded, load_sheets
    from mailcheck.engine.settings import RunSettings
    from mailcheck.rules import REGISTRY

    write_certificates({"mail.pem": {"names": ["mail.case.example"]}}, tmp_path)
    sheet = write_sheet_with(tmp_path, "{domain: mail.case.example, file: mail.pem}")
    loaded = load_sheets([sheet])
    (tmp_path / "mail.pem").unlink()
    rules = [REGISTRY[rule_id] for rule_id in CERT_RULES]
    (result,) = check_loaded(loaded, rules, RunSettings(today=dt.date(2026, 11, 20)))
    assert {(f.rule, f.status.value) for f in result.findings} == {
        (rule_id, "error") for rule_id in CERT_RULES
    }


def test_the_certificate_file_is_read_once_per_run(check_json, tmp_path, monkeypatch):
    import mailcheck.certs.pemfile as pemfile

    reads: list[Path] = []
    real = pemfile.read_certificate_file

    def counting(path: Path):
        reads.append(path)
        return real(path)

    monkeypatch.setattr(pemfile, "read_certificate_file", counting)
    write_certificates({"mail.pem": {"names": ["mail.case.example"]}}, tmp_path)
    sheet = write_sheet_with(tmp_path, "{domain: mail.case.example, file: mail.pem}")
    _, report = check_json(sheet, "--select", "cert.", "--today", TODAY)
    assert {f["rule"] for f in report["findings"]} == set(CERT_RULES)
    assert len(reads) == 1


# --- names and times ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("presented", "reference", "covered"),
    [
        ("mail.acme.example", "mail.acme.example", True),
        ("*.acme.example", "mail.acme.example", True),
        ("*.acme.example", "acme.example", False),  # one label below, not the domain itself
        ("*.acme.example", "a.mail.acme.example", False),  # exactly one label
        ("*.example", "acme.example", False),  # not directly above a top-level domain
        ("m*.acme.example", "mail.acme.example", False),  # partial wildcards cover nothing
        ("*l.acme.example", "mail.acme.example", False),
        ("mail.*.example", "mail.acme.example", False),
        ("*.*.example", "a.acme.example", False),
        ("*.acme.example", "xn--bcher-kva.acme.example", True),
        ("mail.acme.example", "mail.acme.example.org", False),
    ],
)
def test_wildcards_cover_exactly_one_left_most_label(presented, reference, covered):
    from mailcheck.certs.identity import covers

    assert covers(presented, reference) is covered


def test_an_international_domain_is_compared_as_its_a_label():
    from mailcheck.certs.identity import covering_name

    assert covering_name(["*.xn--mller-kva.example"], "post.müller.example") == (
        "*.xn--mller-kva.example"
    )
    assert covering_name(["www.müller.example"], "post.müller.example") is None


@pytest.mark.parametrize(
    ("ends", "expected"),
    [
        (dt.datetime(2026, 11, 20, 23, 59, 58, tzinfo=dt.UTC), "fail"),  # ends before the day
        (dt.datetime(2026, 11, 20, 23, 59, 59, tzinfo=dt.UTC), "warn"),  # valid to its last second
        (dt.datetime(2026, 11, 21, 0, 0, tzinfo=dt.UTC), "warn"),  # valid all day, 1 day left
    ],
)
def test_validity_is_judged_at_the_end_of_the_day(check_json, tmp_path, ends, expected):
    authority = session_pki().authorities["intermediate"]
    key = new_key()
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name("mail.case.example"))
        .issuer_name(authority.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(ends)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("mail.case.example")]), critical=False
        )
        .sign(authority.key, hashes.SHA256())
    )
    (tmp_path / "mail.pem").write_bytes(certificate_pem(leaf))
    sheet = write_sheet_with(tmp_path, "{domain: mail.case.example, file: mail.pem}")
    _, report = check_json(sheet, "--select", "cert.validity", "--today", TODAY)
    assert statuses(report, "cert.validity") == {"mail.pem": expected}


def test_the_findings_point_at_the_certificate_section(check_json, tmp_path):
    write_certificates({"mail.pem": {"names": ["other.case.example"]}}, tmp_path)
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text(
        "version: 1\ncustomer: Cert GmbH\ncertificate:\n  domain: mail.case.example\n"
        "  file: mail.pem\n"
    )
    _, report = check_json(sheet, "--select", "cert.domain", "--today", TODAY)
    (finding,) = report["findings"]
    assert finding["status"] == "fail"
    assert Path(finding["file"]).name == "sheet.yaml" and finding["line"] == 5
