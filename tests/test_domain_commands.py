"""`mailcheck domain` (the DNS rules without a sheet) and `mailcheck spf` (the include tree)."""

from __future__ import annotations

import json

import pytest

from conftest import REPO_ROOT, ns, statuses

ZONES = "tests/data/zones"
DKIM = f"{ZONES}/dkim-check.example.zone"
SPF = f"{ZONES}/spf-check.example.zone"


def zone_args(*paths: str) -> list[str]:
    return [arg for path in paths for arg in ("--zone", str(REPO_ROOT / path))]


def domain_json(run_cli, *args: str) -> tuple[int, dict]:
    code, out, err = run_cli("domain", *args, "--format", "json")
    assert out, err
    return code, json.loads(out)


def test_domain_runs_the_dns_rules_without_a_sheet(run_cli):
    code, report = domain_json(
        run_cli,
        "dkimcheck.example",
        "--selector",
        "rsa2048",
        "--selector",
        "rsa1024",
        "--mail-from",
        "good.spfcheck.example",
        *zone_args(DKIM, SPF),
    )
    rules = {f["rule"] for f in report["findings"]}
    assert rules == {
        "sender.mx",
        "sender.a",
        "spf.record",
        "spf.all",
        "spf.lookups",
        "dkim.key",
        "dmarc.record",
        "dmarc.reports",
        "dmarc.alignment",
        "mx.starttls",
        "mta-sts.policy",
        "tls-rpt.record",
        "dnssec.signed",
        "bimi.record",
    }
    assert all(f["sheet"] is None for f in report["findings"])
    assert statuses(report, "sender.mx") == {"dkimcheck.example": "pass"}
    assert statuses(report, "spf.all") == {"good.spfcheck.example": "pass"}
    assert statuses(report, "dkim.key") == {
        "rsa2048._domainkey.dkimcheck.example": "pass",
        "rsa1024._domainkey.dkimcheck.example": "warn",
    }
    assert statuses(report, "dmarc.record") == {"dkimcheck.example": "warn"}
    # the selectors' domain is the sender's; the MAIL FROM domain is another organisation's
    assert statuses(report, "dmarc.alignment") == {"dkimcheck.example": "warn"}
    assert code == report["exit_code"] == 0


def test_domain_strict_makes_the_warnings_fail(run_cli):
    args = ["dkimcheck.example", "--selector", "rsa2048", "--mail-from", "good.spfcheck.example"]
    assert run_cli("domain", *args, *zone_args(DKIM, SPF))[0] == 0
    assert run_cli("domain", *args, *zone_args(DKIM, SPF), "--strict")[0] == 1


def test_domain_without_selector_and_no_common_one_is_undecided_with_a_hint(run_cli):
    code, report = domain_json(run_cli, "dkimcheck.example", *zone_args(DKIM))
    (finding,) = [f for f in report["findings"] if f["rule"] == "dkim.key"]
    assert finding["status"] == "error" and "--selector" in finding["hint"]
    assert statuses(report, "spf.record") == {"dkimcheck.example": "fail"}  # no SPF record
    assert code == 1


def test_domain_over_loopback_dns_with_a_servfail(dns_server, run_cli):
    server = dns_server(DKIM, SPF)
    server.servfail("good.spfcheck.example.")
    code, report = domain_json(
        run_cli,
        "dkimcheck.example",
        "--selector",
        "rsa2048",
        "--mail-from",
        "good.spfcheck.example",
        "--nameserver",
        ns(server),
    )
    assert statuses(report, "spf.record") == {"good.spfcheck.example": "error"}
    assert statuses(report, "dkim.key") == {"rsa2048._domainkey.dkimcheck.example": "pass"}
    assert code == 3


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["not a domain"], "DOMAIN"),
        (["localhost"], "DOMAIN"),
        (["example.com", "--selector", "bad selector"], "--selector"),
        (["example.com", "--mail-from", "a..b"], "--mail-from"),
    ],
)
def test_domain_input_errors(run_cli, args, named):
    code, _, err = run_cli("domain", *args, "--zone", REPO_ROOT / DKIM)
    assert code == 2
    assert named in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (("not a domain",), "domain"),
        (("example.com", ("bad selector",)), "selector"),
        (("example.com", (), "a..b"), "mail-from"),
    ],
)
def test_the_engine_names_the_sheet_field_not_the_option(args, key):
    """The option's name is the command's to give: the engine's own errors name the field."""
    from mailcheck.core.errors import InputError
    from mailcheck.engine.domainsheet import domain_sheet

    with pytest.raises(InputError) as caught:
        domain_sheet(*args)
    assert caught.value.key == key


def test_spf_names_its_argument_in_an_input_error(run_cli):
    code, _, err = run_cli("spf", "localhost", "--zone", REPO_ROOT / SPF)
    assert code == 2
    assert "DOMAIN" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_spf_shows_the_tree_with_each_terms_lookups(run_cli):
    code, out, _ = run_cli("spf", "deep.spfcheck.example", *zone_args(SPF))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("deep.spfcheck.example  v=spf1 include:mid.spfcheck.example -all")
    assert any("include:mid.spfcheck.example  2 lookups (1 + 1 in its record)" in x for x in lines)
    assert any("include:esp.spfcheck.example  1 lookup" in x for x in lines)
    assert any("ip4:198.51.100.0/26  0" in x for x in lines)
    assert any("2 DNS lookups of 10 allowed (2 include)" in x for x in lines)
    assert "spf.lookups" not in out  # it passes: counted, not listed
    _, verbose, _ = run_cli("spf", "deep.spfcheck.example", *zone_args(SPF), "-v")
    assert "PASS  spf.lookups" in verbose


def test_spf_over_the_limit(run_cli):
    code, out, _ = run_cli("spf", "wide.spfcheck.example", *zone_args(SPF))
    assert "more than 10 DNS lookups" in out
    assert "include:w12.spfcheck.example  1 lookup" in out
    assert code == 1


def test_spf_shows_mx_names_void_and_unevaluated_terms(run_cli):
    _, out, _ = run_cli("spf", "void3.spfcheck.example", *zone_args(SPF))
    assert "a:gone1.spfcheck.example  1 lookup  void (no records)" in out
    _, out, _ = run_cli("spf", "after.spfcheck.example", *zone_args(SPF))
    assert "include:esp.spfcheck.example  never evaluated (after all)" in out
    _, out, _ = run_cli("spf", "mxmany.spfcheck.example", *zone_args(SPF))
    assert "11 MX names (more than 10)" in out


def test_spf_json_has_the_tree_and_the_findings(run_cli, tmp_path):
    target = tmp_path / "spf.json"
    code, out, err = run_cli(
        "spf", "eleven.spfcheck.example", *zone_args(SPF), "--format", "json", "-o", target
    )
    assert out == "" and "exit code 1" in err
    report = json.loads(target.read_text())
    assert report["spf_tree"]["lookups"] == 11
    assert report["spf_tree"]["root"]["terms"][0]["record"]["domain"] == "mid.spfcheck.example"
    assert statuses(report, "spf.lookups") == {"eleven.spfcheck.example": "fail"}
    assert code == report["exit_code"] == 1


def test_spf_with_a_timeout_over_loopback(dns_server, run_cli):
    server = dns_server(SPF)
    server.drop("slow.spfcheck.example.")
    code, out, _ = run_cli(
        "spf", "slowinc.spfcheck.example", "--nameserver", ns(server), "--timeout", "0.3"
    )
    assert "slow.spfcheck.example  could not be fetched" in out
    assert code == 3


def test_the_example_shows_the_dns_obligations(run_cli):
    example = REPO_ROOT / "examples/acme"
    zones = [a for z in sorted((example / "zones").glob("*.zone")) for a in ("--zone", str(z))]
    code, out, _ = run_cli("check", example / "sheet.yaml", *zones, "--format", "json")
    report = json.loads(out)
    mail_from = ("bounce.acme.example", "bounce.acme-shop.example")
    for rule in ("spf.record", "spf.all", "spf.lookups", "spf.include"):
        assert statuses(report, rule) == dict.fromkeys(mail_from, "pass"), rule
    assert set(statuses(report, "spf.authorizes").values()) == {"pass"}
    keys = ("esp2026._domainkey.acme.example", "esp2026._domainkey.acme-shop.example")
    assert statuses(report, "dkim.key") == dict.fromkeys(keys, "pass")  # 2048 bits
    assert statuses(report, "dkim.match") == dict.fromkeys(keys, "pass")
    # p=none: monitoring, with the reports at ACME's own mailbox (the shop's authorised there)
    assert statuses(report, "dmarc.record") == dict.fromkeys(
        ("acme.example", "acme-shop.example"), "warn"
    )
    (no_address,) = [
        f for f in report["findings"] if f["status"] == "fail" and f["rule"] == "sender.mx"
    ]
    assert no_address["subject"] == "acme-shop.example"
    assert no_address["hint"].startswith("publish an address for it, e.g. mail.acme-shop.example.")
    assert statuses(report, "tracking.dns") == {"click.acme.example": "pass"}
    assert code == 1


# --- no --selector: the keys at common selector names ---------------------------------------------


def rsa2048_record() -> str:
    """The TXT data of a good 2048-bit key, as the dkimcheck.example zone publishes it."""
    zone = (REPO_ROOT / DKIM).read_text(encoding="utf-8")
    line = next(line for line in zone.splitlines() if line.startswith("rsa2048._domainkey"))
    return line.split("TXT", 1)[1].strip()


def probe_zone(*records: str) -> dict[str, str]:
    head = [
        "@ 300 IN SOA ns.probe.example. h.probe.example. 1 7200 900 1209600 300",
        "@ 300 IN NS ns.probe.example.",
        "@ 300 IN MX 10 mx.probe.example.",
        "mx 300 IN A 127.0.0.1",
    ]
    return {"probe.example.": "\n".join([*head, *records]) + "\n"}


def dkim_statuses(report: dict) -> dict[str, str]:
    return statuses(report, "dkim.key")


def test_domain_without_selector_finds_the_keys_at_common_names(dns_server, run_cli):
    from mailcheck.dkim.selectors import COMMON_SELECTORS, CONTROL

    key = rsa2048_record()
    server = dns_server.from_text(
        probe_zone(f"google._domainkey 300 IN TXT {key}", f"selector1._domainkey 300 IN TXT {key}")
    )
    _, report = domain_json(run_cli, "probe.example", "--nameserver", ns(server))
    assert dkim_statuses(report) == {
        "google._domainkey.probe.example": "pass",
        "selector1._domainkey.probe.example": "pass",
    }
    # each name asked once, through the run's resolver (the found keys are not asked again)
    for selector in (*COMMON_SELECTORS, CONTROL):
        assert server.count(f"{selector}._domainkey.probe.example", "TXT") == 1


def test_a_weak_key_found_by_probing_is_judged_like_a_given_one(run_cli, tmp_path):
    zone = (REPO_ROOT / DKIM).read_text(encoding="utf-8")
    weak = next(line for line in zone.splitlines() if line.startswith("rsa1024._domainkey"))
    probed = tmp_path / "dkimcheck.example.zone"
    probed.write_text(zone + weak.replace("rsa1024", "k1", 1) + "\n", encoding="utf-8")
    code, report = domain_json(run_cli, "dkimcheck.example", "--zone", str(probed))
    assert dkim_statuses(report) == {"k1._domainkey.dkimcheck.example": "warn"}
    assert code == 1  # no SPF record


def test_a_wildcard_under_domainkey_tells_nothing(dns_server, run_cli):
    server = dns_server.from_text(probe_zone(f"*._domainkey 300 IN TXT {rsa2048_record()}"))
    _, report = domain_json(run_cli, "probe.example", "--nameserver", ns(server))
    assert dkim_statuses(report) == {"probe.example": "error"}


def test_a_common_name_dns_does_not_answer_leaves_the_key_undecided(dns_server, run_cli):
    server = dns_server.from_text(probe_zone())
    server.servfail("k1._domainkey.probe.example.")
    _, report = domain_json(run_cli, "probe.example", "--nameserver", ns(server))
    assert dkim_statuses(report) == {"probe.example": "error"}


def test_a_given_selector_is_not_probed_around(dns_server, run_cli):
    from mailcheck.dkim.selectors import COMMON_SELECTORS

    server = dns_server.from_text(probe_zone(f"mine._domainkey 300 IN TXT {rsa2048_record()}"))
    _, report = domain_json(
        run_cli, "probe.example", "--selector", "mine", "--nameserver", ns(server)
    )
    assert dkim_statuses(report) == {"mine._domainkey.probe.example": "pass"}
    assert not any(server.count(f"{s}._domainkey.probe.example", "TXT") for s in COMMON_SELECTORS)
