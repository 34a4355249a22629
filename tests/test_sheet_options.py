"""sheet.options: every option dependency of the service description, violated and met."""

from __future__ import annotations

import pytest

from conftest import REPO_ROOT, statuses

ZONE = str(REPO_ROOT / "tests/data/zones/senders.example.zone")
SENDER = "anna@good.senders.example"


def options_report(write_sheet, check_json, extra: str) -> tuple[int, dict]:
    sheet = write_sheet(SENDER, extra=extra)
    return check_json(sheet, "--zone", ZONE, "--select", "sheet.options")


# (subject, sheet that violates it, sheet that meets it); the violation fails unless noted.
DEPENDENCIES = [
    (
        "trace_and_recover/antivirus_multiscan",
        "options: [trace_and_recover]\n",
        "options: [trace_and_recover, antivirus_multiscan]\n",
    ),
    (
        "trace_and_recover/smtp",
        "interface: rest\noptions: [trace_and_recover, antivirus_multiscan]\n",
        "interface: smtp\noptions: [trace_and_recover, antivirus_multiscan]\n",
    ),
    (
        "trace_and_recover/envelope_from_rewriting",
        "options: [trace_and_recover, antivirus_multiscan, envelope_from_rewriting]\n",
        "options: [trace_and_recover, antivirus_multiscan]\n",
    ),
    (
        "secure_document_handling/antivirus_multiscan",
        "interface: rest\noptions: [secure_document_handling]\n",
        "interface: rest\noptions: [secure_document_handling, antivirus_multiscan]\n",
    ),
    (
        "secure_document_handling/rest",
        "interface: smtp\noptions: [secure_document_handling, antivirus_multiscan]\n",
        "interface: rest\noptions: [secure_document_handling, antivirus_multiscan]\n",
    ),
    ("open_tracking/rest", "options: [open_tracking]\n",
     "interface: rest\noptions: [open_tracking]\n"),
    ("link_tracking/rest", "options: [link_tracking]\n",
     "interface: rest\noptions: [link_tracking]\n"),
    (
        "template_rendering/rest",
        "interface: smtp\noptions: [template_rendering]\n",
        "interface: rest\noptions: [template_rendering]\n",
    ),
    (
        "cname_tracking/open_or_link_tracking",
        "interface: rest\noptions: [cname_tracking]\n",
        "interface: rest\noptions: [cname_tracking, link_tracking]\n",
    ),
    (
        "snds/dedicated_ip",
        "options: [snds]\nip_version: ipv4\n",
        "options: [snds, dedicated_ip]\ndedicated_ips: [192.0.2.10, 192.0.2.11]\n",
    ),
    (
        "snds/ipv4",
        "options: [snds, dedicated_ip]\ndedicated_ips: ['2001:db8::1', '2001:db8::2']\n",
        "options: [snds, dedicated_ip]\ndedicated_ips: [192.0.2.10, 192.0.2.11]\n",
    ),
    ("feedback_loop/ipv4", "options: [feedback_loop]\nip_version: ipv6\n",
     "options: [feedback_loop]\nip_version: dual\n"),
    ("csa/ipv4", "options: [csa]\nip_version: ipv6\n", "options: [csa]\nip_version: ipv4\n"),
    (
        "dedicated_ips",
        "options: [dedicated_ip]\ndedicated_ips: [192.0.2.10]\n",
        "options: [dedicated_ip]\ndedicated_ips: [192.0.2.10, 192.0.2.11]\n",
    ),
    ("vpn/data_centres", "options: [vpn]\ndata_centres: [fra]\n",
     "options: [vpn]\ndata_centres: [muc, fra]\n"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("subject", "violated", "met"), DEPENDENCIES, ids=[d[0] for d in DEPENDENCIES]
)
def test_each_dependency_both_ways(write_sheet, check_json, subject, violated, met):
    code, report = options_report(write_sheet, check_json, violated)
    assert statuses(report, "sheet.options")[subject] == "fail"
    (finding,) = [f for f in report["findings"] if f["subject"] == subject]
    assert finding["hint"]
    assert '"' in finding["message"] and "customer obligations" in finding["message"]
    assert code == 1
    code, report = options_report(write_sheet, check_json, met)
    assert statuses(report, "sheet.options")[subject] == "pass"
    assert code == 0


def test_dedicated_ips_recommended_from_a_million_mails(write_sheet, check_json):
    _, report = options_report(write_sheet, check_json, "volume_per_month: 1000000\n")
    assert statuses(report, "sheet.options") == {"volume_per_month": "warn"}
    extra = (
        "volume_per_month: 1000000\noptions: [dedicated_ip]\n"
        "dedicated_ips: [192.0.2.1, 192.0.2.2]\n"
    )
    _, report = options_report(write_sheet, check_json, extra)
    assert statuses(report, "sheet.options") == {
        "volume_per_month": "pass",
        "dedicated_ips": "pass",
    }
    code, report = options_report(write_sheet, check_json, "volume_per_month: 999999\n")
    assert statuses(report, "sheet.options") == {"options": "skip"}
    assert code == 0


@pytest.mark.parametrize(
    ("extra", "subject"),
    [
        ("options: [csa]\n", "csa/ipv4"),  # no ip_version and no IP on the sheet
        ("options: [vpn]\n", "vpn/data_centres"),  # no data_centres
        ("options: [dedicated_ip]\n", "dedicated_ips"),  # booked, none listed yet
    ],
)
def test_what_the_sheet_does_not_say_warns(write_sheet, check_json, extra, subject):
    _, report = options_report(write_sheet, check_json, extra)
    assert statuses(report, "sheet.options")[subject] == "warn"


def test_ip_version_is_read_from_the_listed_ips(write_sheet, check_json):
    extra = "options: [feedback_loop]\nspf:\n  sending_ips: ['2001:db8::5', 192.0.2.5]\n"
    _, report = options_report(write_sheet, check_json, extra)
    assert statuses(report, "sheet.options") == {"feedback_loop/ipv4": "pass"}
    extra = "options: [feedback_loop]\nspf:\n  sending_ips: ['2001:db8::5']\n"
    _, report = options_report(write_sheet, check_json, extra)
    assert statuses(report, "sheet.options") == {"feedback_loop/ipv4": "fail"}


def test_no_option_with_dependencies_is_skipped(write_sheet, check_json):
    _, report = options_report(write_sheet, check_json, "options: [spam_score_check]\n")
    assert statuses(report, "sheet.options") == {"options": "skip"}


def test_the_example_sheet_books_consistent_options(check_json):
    zones = [
        a for z in sorted((REPO_ROOT / "examples/acme/zones").glob("*.zone")) for a in ("--zone", z)
    ]
    _, report = check_json(REPO_ROOT / "examples/acme/sheet.yaml", *zones, "--select", "sheet.")
    assert set(statuses(report, "sheet.options").values()) == {"pass"}


@pytest.mark.parametrize(
    ("extra", "needle"),
    [("ip_version: ipv5\n", "ip_version"), ("data_centres: [ber]\n", "data_centres")],
)
def test_new_sheet_keys_are_validated(write_sheet, run_cli, extra, needle):
    sheet = write_sheet(SENDER, extra=extra)
    code, _, err = run_cli("check", sheet, "--zone", ZONE)
    assert code == 2
    assert needle in err and "Traceback" not in err


def test_findings_point_at_the_option_line(write_sheet, run_cli):
    import json

    sheet = write_sheet(
        SENDER, extra="interface: rest\noptions:\n  - antivirus_multiscan\n  - trace_and_recover\n"
    )
    lines = sheet.read_text().splitlines()
    _, out, _ = run_cli("check", sheet, "--zone", ZONE, "--select", "sheet.", "--format", "json")
    (finding,) = [
        f for f in json.loads(out)["findings"] if f["subject"] == "trace_and_recover/smtp"
    ]
    assert lines[finding["line"] - 1] == "  - trace_and_recover"


def test_every_quoted_reason_is_the_seeds_text():
    """Each dependency quotes seed 000 word for word (`…` marks a cut), and names a section the
    seed has; the interface rows quote the "Schnittstellen" table."""
    import re

    from conftest import SHARED
    from mailcheck.rules.sheet_options import DEPENDENCIES

    seed = (SHARED / "seeds/000_f1dfd2ccc29f3335.txt").read_text(encoding="utf-8")
    flat = " ".join(seed.split())
    table_row = re.compile(r"(.+): REST \(V2\) ✓, SMTP -")
    for dep in DEPENDENCIES:
        row = table_row.fullmatch(dep.quote)
        if row:
            assert f"\n{row.group(1)}\t✓\t-\n" in seed, dep.subject
            continue
        for fragment in dep.quote.split("…"):
            assert " ".join(fragment.split()) in flat, (dep.subject, fragment)
        heading = dep.section.split(",")[0].split(";")[0].strip()
        assert heading in seed, (dep.subject, heading)
