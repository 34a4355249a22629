"""`mailcheck init [DOMAIN]`: a sheet template that is a valid sheet as it stands, pre-filled
from the domain's DNS (over a loopback server and from zone files), hostile DNS text kept in
its comments, and a file it would overwrite refused."""

from __future__ import annotations

import pytest

from conftest import REPO_ROOT, ns
from mailcheck.sheet.model import load_sheet

EXAMPLE_ZONES = [
    arg
    for zone in sorted((REPO_ROOT / "examples/acme/zones").glob("*.zone"))
    for arg in ("--zone", str(zone))
]


def key_record() -> str:
    zone = (REPO_ROOT / "tests/data/zones/dkim-check.example.zone").read_text(encoding="utf-8")
    line = next(line for line in zone.splitlines() if line.startswith("rsa2048._domainkey"))
    return line.split("TXT", 1)[1].strip()


def zone(*records: str) -> dict[str, str]:
    head = [
        "@ 300 IN SOA ns.init.example. h.init.example. 1 7200 900 1209600 300",
        "@ 300 IN NS ns.init.example.",
    ]
    return {"init.example.": "\n".join([*head, *records]) + "\n"}


@pytest.fixture
def init_sheet(run_cli, tmp_path):
    """Run `mailcheck init ARGS -o FILE`; returns the sheet loaded from FILE."""

    def run(*args: str):
        path = tmp_path / "sheet.yaml"
        path.unlink(missing_ok=True)
        code, out, err = run_cli("init", *args, "-o", path)
        assert code == 0, err
        assert out == ""
        return load_sheet(path)

    return run


def test_the_template_is_a_valid_sheet_that_check_runs_on(run_cli, tmp_path, init_sheet):
    sheet = init_sheet().sheet
    assert sheet.senders and sheet.mail_from and sheet.dkim == ()
    code, _, err = run_cli("check", tmp_path / "sheet.yaml", *EXAMPLE_ZONES)
    assert code in (1, 3), err  # it runs, and says what is missing


def test_the_template_goes_to_standard_output(run_cli):
    code, out, _ = run_cli("init")
    assert code == 0 and out.startswith("#") and "version: 1" in out


def test_a_domain_fills_in_what_its_dns_publishes(dns_server, init_sheet):
    server = dns_server.from_text(
        zone(
            "@ 300 IN MX 10 mx.init.example.",
            "mx 300 IN A 127.0.0.1",
            'bounce 300 IN TXT "v=spf1 include:spf.provider.example -all"',
            'news 300 IN TXT "some verification"',
            f"google._domainkey 300 IN TXT {key_record()}",
            f"selector1._domainkey 300 IN TXT {key_record()}",
        )
    )
    sheet = init_sheet("init.example", "--nameserver", ns(server)).sheet
    assert sheet.mail_from == ("bounce.init.example",)
    assert {(k.domain, k.selector) for k in sheet.dkim} == {
        ("init.example", "google"),
        ("init.example", "selector1"),
    }
    assert {s.address.rpartition("@")[2] for s in sheet.senders} == {"init.example"}


def test_the_bundled_example_offline(init_sheet):
    sheet = init_sheet("acme.example", *EXAMPLE_ZONES).sheet
    assert sheet.mail_from == ("bounce.acme.example",)


def test_hostile_or_unanswered_dns_stays_in_comments(dns_server, init_sheet, tmp_path):
    long = " ".join(f'"{"x" * 200}"' for _ in range(10))  # 2,000 characters in one record
    server = dns_server.from_text(
        zone(f'@ 300 IN TXT "v=spf1 \\010senders: [evil] \\013" {long} "-all"')
    )
    server.servfail("init.example.", "MX")
    sheet = init_sheet("init.example", "--nameserver", ns(server), "--timeout", "0.5")
    assert sheet.sheet.mail_from == ("init.example",)  # one SPF record there, however odd
    text = (tmp_path / "sheet.yaml").read_text(encoding="utf-8")
    assert max(len(line) for line in text.splitlines()) < 250
    assert "evil" not in str(sheet.sheet.senders)


def test_an_existing_file_is_not_overwritten(run_cli, tmp_path):
    path = tmp_path / "sheet.yaml"
    path.write_text("mine\n", encoding="utf-8")
    code, out, err = run_cli("init", "-o", path)
    assert code == 2 and str(path) in err and "Traceback" not in out + err
    assert path.read_text(encoding="utf-8") == "mine\n"


def test_a_bad_domain_is_an_input_error(run_cli):
    code, _, err = run_cli("init", "not a domain", *EXAMPLE_ZONES)
    assert code == 2 and "DOMAIN" in err and len(err.strip().splitlines()) == 1
