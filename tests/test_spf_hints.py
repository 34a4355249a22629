"""The fixes the spf.* rules give are whole fixes: every hinted record parses, ends in `-all` or
`~all`, and once published it makes spf.record and spf.all pass and the hinting rule stop
failing. Also: void lookups per client family, the provider's include that does not cover an
address, the advice on too many lookups, `ptr`, and the wording of counts."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from conftest import REPO_ROOT, ns, statuses

ZONE = REPO_ROOT / "tests/data/zones/spf-check.example.zone"
ORIGIN = "spfcheck.example"
_TXT_LINE = re.compile(r"(\S+)\. 3600 IN TXT (.+)$")


def zone_labels() -> list[str]:
    """Every name of the fixture zone that has a TXT record: each is a MAIL FROM to check."""
    labels = []
    for line in ZONE.read_text().splitlines():
        fields = line.split()
        if len(fields) > 2 and fields[1:3] == ["IN", "TXT"] and fields[0] not in labels:
            labels.append(fields[0])
    return labels


def sheet_for(write_sheet, domains: list[str], include: str, ips: tuple[str, ...]) -> Path:
    extra = (
        f"mail_from: [{', '.join(domains)}]\n"
        f"spf:\n  required_include: {include}\n  sending_ips: [{', '.join(ips)}]\n"
    )
    return write_sheet("anna@good.senders.example", extra=extra)


def hinted_txt(hint: str) -> tuple[str, str] | None:
    """(name, record text) of a hint that publishes a TXT record, else None."""
    match = _TXT_LINE.search(hint)
    if match is None:
        return None
    name, quoted = match.groups()
    return name, "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', quoted))


def assert_whole_record(text: str) -> None:
    from mailcheck.spf.syntax import parse_record

    record = parse_record(text)
    mechanisms = [t for t in record.terms if not t.modifier]
    assert mechanisms and mechanisms[-1].is_all, text
    assert mechanisms[-1].qualifier in "-~", text
    assert record.redirect is None, text
    assert sum(t.is_all for t in mechanisms) == 1, text


def zone_with(record_name: str, text: str, tmp_path: Path) -> Path:
    from mailcheck.core.hints import txt_record

    """The fixture zone with the name's TXT records replaced by the hinted record."""
    label = record_name.removesuffix(f".{ORIGIN}")
    kept = [
        line
        for line in ZONE.read_text().splitlines()
        if not (line.split()[:1] == [label] and " TXT " in line)
    ]
    path = tmp_path / f"{label}.fixed.zone"
    path.write_text("\n".join([*kept, txt_record(record_name, text), ""]))
    return path


@pytest.mark.parametrize(
    ("include", "ips"),
    [
        ("esp.spfcheck.example", ("198.51.100.10", "2001:db8::1")),
        ("esp24.spfcheck.example", ("198.51.100.200",)),
    ],
)
def test_every_hinted_spf_record_is_a_whole_fix(write_sheet, check_json, tmp_path, include, ips):
    domains = [f"{label}.{ORIGIN}" for label in zone_labels()]
    _, report = check_json(sheet_for(write_sheet, domains, include, ips), "--zone", ZONE)
    hinted = [
        (f, hinted_txt(f["hint"]))
        for f in report["findings"]
        if f["rule"].startswith("spf.") and f["status"] == "fail"
    ]
    assert len(hinted) > 30
    fixes: dict[tuple[str, str], list[dict]] = {}
    for found, published in hinted:
        assert found["hint"], found
        fix = found["hint"].split(" (but: ")[0]  # a conflict the change set names is no fix
        record = published[1] if published else fix.rpartition(": ")[2]
        if record.startswith("v=spf1"):
            assert_whole_record(record)
        if published is not None:
            fixes.setdefault(published, []).append(found)
    for (name, text), findings in fixes.items():  # publish each fix once, check again
        sheet = sheet_for(write_sheet, [name], include, ips)
        _, after = check_json(sheet, "--zone", zone_with(name, text, tmp_path), "--select", "spf.")
        assert statuses(after, "spf.record")[name] in ("pass", "warn"), (text, findings)
        assert statuses(after, "spf.all")[name] == "pass", (text, findings)
        for found in findings:
            assert statuses(after, found["rule"])[found["subject"]] != "fail", (text, found)


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("typo", "v=spf1 include:esp.spfcheck.example -all"),  # -al: the -all meant
        ("typoonly", "v=spf1 include:esp.spfcheck.example ~all"),  # nothing left: the provider
        # the hint is the change set's one record: with the include spf.include asks for
        ("redirgone", "v=spf1 ip4:192.0.2.5 include:esp.spfcheck.example ~all"),
        ("badinclude", "v=spf1 include:esp.spfcheck.example -all"),
        ("twostrict", "v=spf1 ip4:192.0.2.1 include:esp.spfcheck.example -all"),
    ],
)
def test_hints_keep_the_records_own_policy_or_add_softfail(
    write_sheet, check_json, label, expected
):
    domain = f"{label}.{ORIGIN}"
    sheet = sheet_for(write_sheet, [domain], "esp.spfcheck.example", ("198.51.100.10",))
    _, report = check_json(sheet, "--zone", ZONE)
    (found,) = [f for f in report["findings"] if f["rule"] == "spf.record"]
    assert found["status"] == "fail"
    assert hinted_txt(found["hint"]) == (domain, expected)


@pytest.mark.parametrize("label", ["redirloop", "selfloop"])
def test_a_redirect_loop_is_fixed_by_a_record_with_its_own_all(write_sheet, check_json, label):
    domain = f"{label}.{ORIGIN}"
    sheet = sheet_for(write_sheet, [domain], "esp.spfcheck.example", ("198.51.100.10",))
    _, report = check_json(sheet, "--zone", ZONE)
    for rule in ("spf.all", "spf.lookups"):
        (found,) = [f for f in report["findings"] if f["rule"] == rule]
        assert found["status"] == "fail"
        published = hinted_txt(found["hint"])
        assert published is not None and published[0] == domain
        assert_whole_record(published[1])


@pytest.mark.parametrize("label", ["two", "syntax", "twobroken"])
def test_spf_all_points_at_spf_record_when_there_is_no_usable_record(
    write_sheet, check_json, label
):
    domain = f"{label}.{ORIGIN}"
    sheet = sheet_for(write_sheet, [domain], "esp.spfcheck.example", ("198.51.100.10",))
    _, report = check_json(sheet, "--zone", ZONE)
    by_rule = {f["rule"]: f for f in report["findings"]}
    assert by_rule["spf.record"]["status"] == by_rule["spf.all"]["status"] == "fail"
    assert "spf.record" in by_rule["spf.all"]["message"]
    assert by_rule["spf.all"]["message"] != by_rule["spf.record"]["message"]
    published = hinted_txt(by_rule["spf.all"]["hint"])
    assert published is not None and published[0] == domain
    assert_whole_record(published[1])


def test_an_include_that_does_not_cover_the_address_is_not_suggested(write_sheet, check_json):
    ips = ("198.51.100.10", "2001:db8::1")
    domains = [f"noinclude.{ORIGIN}", f"uses24.{ORIGIN}"]
    sheet = sheet_for(write_sheet, domains, "esp24.spfcheck.example", ips)
    _, report = check_json(sheet, "--zone", ZONE)
    found = {f["subject"]: f for f in report["findings"] if f["rule"] == "spf.authorizes"}
    assert {s: f["status"] for s, f in found.items()} == {
        f"198.51.100.10 for noinclude.{ORIGIN}": "fail",
        f"2001:db8::1 for noinclude.{ORIGIN}": "fail",
        f"198.51.100.10 for uses24.{ORIGIN}": "pass",
        f"2001:db8::1 for uses24.{ORIGIN}": "fail",
    }
    # the covered address gets the include, the other one its own ip6: term; the hints give
    # the change set's one record, which does both
    both = (
        f"noinclude.{ORIGIN}",
        "v=spf1 ip4:192.0.2.10 include:esp24.spfcheck.example ip6:2001:db8::1 -all",
    )
    assert hinted_txt(found[f"198.51.100.10 for noinclude.{ORIGIN}"]["hint"]) == both
    for domain, expected in [
        ("noinclude", both[1]),
        ("uses24", "v=spf1 include:esp24.spfcheck.example ip6:2001:db8::1 -all"),
    ]:
        uncovered = found[f"2001:db8::1 for {domain}.{ORIGIN}"]
        assert hinted_txt(uncovered["hint"]) == (f"{domain}.{ORIGIN}", expected)
        assert "include:esp24.spfcheck.example does not cover" in uncovered["message"]


def test_an_include_that_would_break_the_lookup_limit_comes_with_room_made(
    write_sheet, check_json, tmp_path
):
    """Ten lookups already, and the provider's include missing: the one record the hints give
    has the include, and room made for it (each a: and mx: written twice dropped, the rest of
    the customer's own terms flattened), so that it passes every SPF rule at once."""
    domain = f"tenflat.{ORIGIN}"
    sheet = sheet_for(write_sheet, [domain], "esp24.spfcheck.example", ("198.51.100.200",))
    _, report = check_json(sheet, "--zone", ZONE)
    failed = {f["rule"]: f for f in report["findings"] if f["status"] == "fail"}
    assert {"spf.authorizes", "spf.include"} <= set(failed)
    published = {hinted_txt(failed[rule]["hint"]) for rule in ("spf.authorizes", "spf.include")}
    assert len(published) == 1
    [(name, text)] = published
    assert "include:esp24.spfcheck.example" in text.split()
    assert text.split().count("a:host.spfcheck.example") <= 1
    _, after = check_json(sheet, "--zone", zone_with(name, text, tmp_path), "--select", "spf.")
    for rule in ("spf.authorizes", "spf.include", "spf.lookups", "spf.record"):
        assert set(statuses(after, rule).values()) <= {"pass", "skip"}, rule


@pytest.mark.parametrize(
    ("label", "status", "family"),
    [
        ("v6only", "fail", 4),  # 3 a terms with AAAA only: void for every IPv4 client
        ("v4only", "fail", 6),  # 3 a terms with A only: void for every IPv6 client
        ("v6two", "pass", 4),  # 2: at the limit
        ("voidown", "fail", 4),  # 2 void for everyone, 1 more for IPv4 clients
        ("void2", "pass", 4),
    ],
)
def test_void_lookups_are_counted_per_client_family(
    dns_args, write_sheet, check_json, label, status, family
):
    domain = f"{label}.{ORIGIN}"
    _, report = check_json(
        write_sheet("anna@good.senders.example", extra=f"mail_from: [{domain}]\n"), *dns_args(ZONE)
    )
    assert statuses(report, "spf.lookups") == {domain: status}
    (found,) = [f for f in report["findings"] if f["rule"] == "spf.lookups"]
    if status == "fail":
        assert f"IPv{family} clients" in found["message"]


@pytest.mark.parametrize(
    ("label", "ip", "result"),
    [
        ("v6only", "203.0.113.9", "permerror"),
        ("v4only", "2001:db8::99", "permerror"),
        ("v6two", "203.0.113.9", "fail"),
    ],
)
def test_the_void_count_per_family_is_what_check_host_does(label, ip, result):
    from mailcheck.rules.context import build_resolver
    from mailcheck.spf.checkhost import check_host

    resolver = build_resolver(zones=[ZONE], timeout=1.0)
    verdict = asyncio.run(check_host(resolver, ip, sender=f"postmaster@{label}.{ORIGIN}"))
    assert verdict.result == result, verdict


def test_void_hint_replaces_a_names_by_their_addresses(write_sheet, check_json):
    domain = f"v6only.{ORIGIN}"
    _, report = check_json(
        write_sheet("anna@good.senders.example", extra=f"mail_from: [{domain}]\n"), "--zone", ZONE
    )
    (found,) = [f for f in report["findings"] if f["rule"] == "spf.lookups"]
    assert hinted_txt(found["hint"]) == (
        domain,
        "v=spf1 ip6:2001:db8:6::a ip6:2001:db8:6::b ip6:2001:db8:6::c "
        "include:esp.spfcheck.example -all",
    )


def test_the_lookup_fix_is_the_record_with_exactly_what_goes_gone(write_sheet, check_json):
    domains = [f"eleven.{ORIGIN}", f"wide.{ORIGIN}"]
    extra = f"mail_from: [{', '.join(domains)}]\n"
    _, report = check_json(write_sheet("anna@good.senders.example", extra=extra), "--zone", ZONE)
    hints = {f["subject"]: f["hint"] for f in report["findings"] if f["rule"] == "spf.lookups"}
    records = {subject: hinted_txt(hint) for subject, hint in hints.items()}
    # the terms written twice go first, nothing else: the include of mid stays
    [(_, eleven)] = [records[f"eleven.{ORIGIN}"]]
    terms = eleven.split()
    assert terms.count("a:host.spfcheck.example") == terms.count("mx:host.spfcheck.example") == 1
    assert "include:mid.spfcheck.example" in terms
    # twelve includes of equal cost: the first two are flattened into their addresses
    [(_, wide)] = [records[f"wide.{ORIGIN}"]]
    terms = wide.split()
    assert "include:w1.spfcheck.example" not in terms and "ip4:192.0.3.1" in terms
    assert "include:w3.spfcheck.example" in terms


@pytest.mark.parametrize(
    ("label", "owner"), [("ten", None), ("ptrinc", "ptrprov.spfcheck.example")]
)
def test_ptr_warns_with_a_replacement_hint(write_sheet, check_json, label, owner):
    domain = f"{label}.{ORIGIN}"
    _, report = check_json(
        write_sheet("anna@good.senders.example", extra=f"mail_from: [{domain}]\n"), "--zone", ZONE
    )
    (found,) = [f for f in report["findings"] if f["rule"] == "spf.record"]
    assert found["status"] == "warn"
    assert "ip4:/ip6:" in found["hint"]
    if owner:
        assert owner in found["hint"]


def test_counts_are_worded_in_singular_and_plural(dns_server, write_sheet, check_json, run_cli):
    _, report = check_json(
        write_sheet("anna@good.senders.example", extra=f"mail_from: [soft.{ORIGIN}]\n"),
        "--zone",
        ZONE,
    )
    (found,) = [f for f in report["findings"] if f["rule"] == "spf.lookups"]
    assert found["message"].startswith("1 DNS lookup of 10")
    assert "0 void lookups of 2" in found["message"]
    server = dns_server(ZONE)
    server.servfail(f"slow.{ORIGIN}.")
    sheet = write_sheet(
        "anna@good.senders.example", extra=f"mail_from: [slowinc.{ORIGIN}]\n", name="slow.yaml"
    )
    _, report = check_json(sheet, "--nameserver", ns(server), "--timeout", "0.3")
    (found,) = [f for f in report["findings"] if f["rule"] == "spf.lookups"]
    assert found["status"] == "error"
    assert found["message"].startswith("1 DNS lookup counted")
    _, out, _ = run_cli("spf", f"wide.{ORIGIN}", "--zone", ZONE)
    assert "more than 10 DNS lookups (at most 10 allowed" in " ".join(out.split())
    assert "of 10 allowed" not in " ".join(out.split()).split("more than 10 DNS lookups")[1][:30]
