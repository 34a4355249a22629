"""Findings anchored to the sheet line that declares their subject."""

from __future__ import annotations

import pytest

SHEET = """\
version: 1
customer: ACME GmbH
dates:
  dns_requested: 2026-11-09
senders:
  - address: news@acme.example
  - address: Info@shop.example
mail_from: [bounce.acme.example]
spf:
  required_include: spf.esp.example
  sending_ips: [198.51.100.10, "2001:DB8::1"]
dkim:
  - domain: shop.example
    selector: s1
  - domain: acme.example
    selector: esp2026
tracking:
  domain: click.acme.example
  target: 198.51.100.7
options: [antivirus_multiscan, trace_and_recover]
samples: [mail.eml]
"""


@pytest.fixture
def index(tmp_path):
    from mailcheck.engine.locate import SheetIndex
    from mailcheck.sheet.model import load_sheet

    (tmp_path / "mail.eml").write_text("Subject: x\n\nbody\n")
    path = tmp_path / "sheet.yaml"
    path.write_text(SHEET)
    return SheetIndex.of(load_sheet(path))


def line_of(text: str) -> int:
    return next(n for n, line in enumerate(SHEET.splitlines(), 1) if text in line)


@pytest.mark.parametrize(
    ("rule", "subject", "declared_by"),
    [
        ("sender.role", "Info@shop.example", "Info@shop.example"),
        ("sender.mx", "acme.example", "news@acme.example"),  # the sender, not the DKIM entry
        ("sender.mx", "shop.example", "Info@shop.example"),
        ("spf.record", "bounce.acme.example", "mail_from"),
        ("dkim.key", "esp2026._domainkey.acme.example", "selector: esp2026"),
        ("dkim.key", "shop.example", "domain: shop.example"),
        ("dmarc.record", "_dmarc.acme.example", "news@acme.example"),
        ("tracking.dns", "click.acme.example", "domain: click.acme.example"),
        ("message.size", "mail.eml", "samples"),
        # an IP is the sending_ips item, never a sender whose domain ends like the MAIL FROM
        ("spf.authorizes", "198.51.100.10 for bounce.acme.example", "sending_ips"),
        ("spf.authorizes", "2001:db8::1 for bounce.acme.example", "sending_ips"),
        ("spf.authorizes", "203.0.113.5 for bounce.acme.example", "mail_from"),  # not listed
        ("spf.authorizes", "198.51.100.10", "sending_ips"),
        # only a domain lies under a domain: on label boundaries, and not an IP or a file
        ("spf.record", "notacme.example", "mail_from"),
        ("sender.mx", "10.0.0.1", "senders:"),
        ("dmarc.record", "_dmarc.shop.example", "Info@shop.example"),
        ("deadline.dns", "dates.dns_requested", "dns_requested"),
        ("sheet.options", "trace_and_recover/smtp", "options"),
        ("deadline.sheet", "dates.contract_signed", "dates:"),  # not written: its area
        ("capacity.interval", "capacity_per_hour", "version: 1"),  # nothing at all: line 1
    ],
)
def test_line_for_subject(index, rule, subject, declared_by):
    assert index.line_for(rule, subject) == line_of(declared_by)


def test_findings_about_other_files_keep_their_place(index):
    from mailcheck.core.findings import Finding, Status
    from mailcheck.engine.locate import locate_findings

    sheet = index.sheet
    on_sheet = Finding("sender.role", Status.FAIL, "Info@shop.example", "m", "h", sheet.display)
    in_report = on_sheet.at("report.csv", 17)
    elsewhere = Finding("sender.role", Status.FAIL, "Info@shop.example", "m", "h", "other.yaml")
    located = locate_findings([on_sheet, in_report, elsewhere], [sheet])
    assert [(f.file, f.line) for f in located] == [
        (None, line_of("Info@shop.example")),
        ("report.csv", 17),
        (None, None),
    ]
    assert located[0] == on_sheet  # location is not part of a finding's identity


def test_example_sending_ip_finding_points_at_sending_ips(tmp_path, check_json):
    """The example with a sending IP its SPF record does not authorise: the failure is on the
    `sending_ips` line, not on a sender whose domain ends like the MAIL FROM domain."""
    import shutil

    from conftest import REPO_ROOT

    example = tmp_path / "acme"
    shutil.copytree(REPO_ROOT / "examples/acme", example)
    sheet = example / "sheet.yaml"
    text = sheet.read_text(encoding="utf-8")
    sheet.write_text(
        text.replace("sending_ips: [198.51.100.10, 198.51.100.11]", "sending_ips: [203.0.113.5]"),
        encoding="utf-8",
    )
    zones = [arg for z in sorted((example / "zones").glob("*.zone")) for arg in ("--zone", z)]
    _code, report = check_json(sheet, *zones)
    findings = [f for f in report["findings"] if f["rule"] == "spf.authorizes"]
    assert len(findings) == 2  # one per MAIL FROM domain of the example
    for finding in findings:
        assert finding["status"] == "fail"
        declared = sheet.read_text(encoding="utf-8").splitlines()[finding["line"] - 1]
        assert "sending_ips: [203.0.113.5]" in declared
