"""spf.record, spf.all, spf.lookups, spf.include, spf.authorizes: pass, fail and error cases,
offline (zone files) and over a loopback DNS server, including timeouts and SERVFAIL."""

from __future__ import annotations

import asyncio

import pytest

from conftest import ns, statuses

ZONE = "tests/data/zones/spf-check.example.zone"
SPF_RULES = ("spf.record", "spf.all", "spf.lookups", "spf.include", "spf.authorizes")


def spf_sheet(write_sheet, *domains: str, include: str | None = None, ips: tuple = ()) -> object:
    lines = [f"mail_from: [{', '.join(domains)}]"]
    if include or ips:
        lines.append("spf:")
        if include:
            lines.append(f"  required_include: {include}")
        if ips:
            lines.append(f"  sending_ips: [{', '.join(ips)}]")
    return write_sheet("anna@good.senders.example", extra="\n".join(lines) + "\n")


def finding(report: dict, rule: str, subject: str) -> dict:
    (found,) = [f for f in report["findings"] if f["rule"] == rule and f["subject"] == subject]
    return found


@pytest.mark.parametrize(
    ("name", "record", "policy", "lookups"),
    [
        ("good", "pass", "pass", "pass"),
        ("soft", "pass", "pass", "pass"),
        ("split", "pass", "pass", "pass"),  # strings of one TXT record are joined
        ("redirect", "pass", "pass", "pass"),  # the redirect target's -all counts
        ("deep", "pass", "pass", "pass"),
        ("macro", "pass", "pass", "pass"),
        ("neutral", "pass", "fail", "pass"),
        ("plusall", "pass", "fail", "pass"),
        ("noall", "pass", "fail", "pass"),
        ("after", "pass", "fail", "pass"),
        ("redirweak", "pass", "fail", "pass"),
        ("redirnone", "fail", "fail", "pass"),
        ("badinclude", "fail", "pass", "pass"),
        ("nospf", "fail", "fail", "skip"),
        ("othertxt", "fail", "fail", "skip"),
        ("missing", "fail", "fail", "skip"),  # NXDOMAIN
        ("two", "fail", "fail", "skip"),
        ("syntax", "fail", "fail", "skip"),
        ("badmacro", "fail", "fail", "skip"),
        ("ten", "warn", "pass", "pass"),  # ptr: SHOULD NOT be used
        ("eleven", "warn", "pass", "fail"),
        ("wide", "pass", "pass", "fail"),
        ("loop1", "pass", "pass", "fail"),
        ("selfloop", "pass", "fail", "fail"),
        ("void2", "pass", "pass", "pass"),
        ("void3", "pass", "pass", "fail"),
        ("mxmany", "pass", "pass", "fail"),
        ("outside", "error", "pass", "error"),
    ],
)
def test_record_policy_and_lookups(
    dns_args, write_sheet, check_json, name, record, policy, lookups
):
    domain = f"{name}.spfcheck.example"
    _, report = check_json(spf_sheet(write_sheet, domain), *dns_args(ZONE))
    assert statuses(report, "spf.record") == {domain: record}
    assert statuses(report, "spf.all") == {domain: policy}
    assert statuses(report, "spf.lookups") == {domain: lookups}
    for found in report["findings"]:
        if found["rule"].startswith("spf.") and found["status"] == "fail":
            assert found["hint"], found


def test_weak_all_hint_is_the_record_with_the_policy_replaced(write_sheet, check_json):
    sheet = spf_sheet(write_sheet, "neutral.spfcheck.example")
    _, report = check_json(sheet, "--zone", ZONE)
    hint = finding(report, "spf.all", "neutral.spfcheck.example")["hint"]
    expected = '"v=spf1 include:esp.spfcheck.example ~all"'
    assert hint.endswith(f"neutral.spfcheck.example. 3600 IN TXT {expected}")


def test_syntax_error_names_the_term_and_hint_drops_it(write_sheet, check_json):
    _, report = check_json(spf_sheet(write_sheet, "syntax.spfcheck.example"), "--zone", ZONE)
    found = finding(report, "spf.record", "syntax.spfcheck.example")
    assert "ip4:192.0.2.300" in found["message"]
    assert '"v=spf1 include:esp.spfcheck.example -all"' in found["hint"]


def test_two_records_are_merged_in_the_hint_keeping_the_stricter_policy(write_sheet, check_json):
    _, report = check_json(spf_sheet(write_sheet, "two.spfcheck.example"), "--zone", ZONE)
    hint = finding(report, "spf.record", "two.spfcheck.example")["hint"]
    assert '"v=spf1 include:esp.spfcheck.example ip4:192.0.2.1 -all"' in hint  # -all + ~all


def test_too_many_lookups_says_more_than_10_with_a_breakdown(write_sheet, check_json):
    _, report = check_json(spf_sheet(write_sheet, "eleven.spfcheck.example"), "--zone", ZONE)
    message = finding(report, "spf.lookups", "eleven.spfcheck.example")["message"]
    assert "more than 10" in message
    assert "11" in message and "2 include" in message and "4 mx" in message


def test_lookup_count_in_the_pass_message(write_sheet, check_json):
    _, report = check_json(spf_sheet(write_sheet, "ten.spfcheck.example"), "--zone", ZONE)
    assert finding(report, "spf.lookups", "ten.spfcheck.example")["message"].startswith(
        "10 DNS lookups of 10"
    )


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("good", "pass"),
        ("deep", "pass"),  # through another include
        ("redirect", "pass"),  # through redirect=
        ("noinclude", "fail"),
        ("after", "fail"),  # after all: never evaluated
        ("nospf", "fail"),
        ("outside", "error"),
    ],
)
def test_required_include(dns_args, write_sheet, check_json, name, status):
    domain = f"{name}.spfcheck.example"
    sheet = spf_sheet(write_sheet, domain, include="esp.spfcheck.example")
    _, report = check_json(sheet, *dns_args(ZONE))
    assert statuses(report, "spf.include") == {domain: status}


def test_missing_include_hint_adds_it_before_all(write_sheet, check_json):
    sheet = spf_sheet(write_sheet, "noinclude.spfcheck.example", include="esp.spfcheck.example")
    _, report = check_json(sheet, "--zone", ZONE)
    hint = finding(report, "spf.include", "noinclude.spfcheck.example")["hint"]
    assert '"v=spf1 ip4:192.0.2.10 include:esp.spfcheck.example -all"' in hint


def test_without_required_include_or_ips_the_rules_skip(write_sheet, check_json):
    _, report = check_json(spf_sheet(write_sheet, "good.spfcheck.example"), "--zone", ZONE)
    assert statuses(report, "spf.include") == {"good.spfcheck.example": "skip"}
    assert statuses(report, "spf.authorizes") == {"good.spfcheck.example": "skip"}


def test_without_mail_from_every_spf_rule_skips(write_sheet, check_json):
    _, report = check_json(write_sheet("anna@good.senders.example"), "--zone", ZONE)
    for rule in SPF_RULES:
        assert set(statuses(report, rule).values()) == {"skip"}, rule


@pytest.mark.parametrize(
    ("name", "ip", "status"),
    [
        ("good", "198.51.100.10", "pass"),
        ("good", "192.0.2.10", "pass"),
        ("good", "2001:db8:e5b::1", "pass"),
        ("redirect", "198.51.100.10", "pass"),
        ("macro", "198.51.100.10", "pass"),
        ("soft", "203.0.113.9", "fail"),  # softfail
        ("good", "203.0.113.9", "fail"),  # fail
        ("neutral", "203.0.113.9", "fail"),  # neutral
        ("noinclude", "198.51.100.10", "fail"),
        ("nospf", "198.51.100.10", "fail"),  # none
        ("syntax", "198.51.100.10", "fail"),  # permerror
        ("outside", "198.51.100.10", "error"),  # temperror
    ],
)
def test_sending_ips_must_pass(dns_args, write_sheet, check_json, name, ip, status):
    domain = f"{name}.spfcheck.example"
    sheet = spf_sheet(write_sheet, domain, ips=(ip,))
    _, report = check_json(sheet, *dns_args(ZONE))
    assert statuses(report, "spf.authorizes") == {f"{ip} for {domain}": status}


def test_unauthorised_ip_hint_adds_the_missing_include(write_sheet, check_json):
    sheet = spf_sheet(
        write_sheet,
        "noinclude.spfcheck.example",
        include="esp.spfcheck.example",
        ips=("198.51.100.10",),
    )
    _, report = check_json(sheet, "--zone", ZONE)
    hint = finding(report, "spf.authorizes", "198.51.100.10 for noinclude.spfcheck.example")
    assert '"v=spf1 ip4:192.0.2.10 include:esp.spfcheck.example -all"' in hint["hint"]


def test_unauthorised_ip_hint_adds_the_ip(write_sheet, check_json):
    sheet = spf_sheet(write_sheet, "soft.spfcheck.example", ips=("203.0.113.9",))
    _, report = check_json(sheet, "--zone", ZONE)
    hint = finding(report, "spf.authorizes", "203.0.113.9 for soft.spfcheck.example")["hint"]
    assert '"v=spf1 include:esp.spfcheck.example ip4:203.0.113.9 ~all"' in hint


@pytest.mark.parametrize("fault", ["servfail", "drop"])
def test_unresolvable_include_is_error_for_the_rules_that_depend_on_it(
    dns_server, write_sheet, check_json, fault
):
    server = dns_server(ZONE)
    getattr(server, fault)("slow.spfcheck.example.")
    domain = "slowinc.spfcheck.example"
    sheet = spf_sheet(write_sheet, domain, include="esp.spfcheck.example", ips=("198.51.100.10",))
    _, report = check_json(sheet, "--nameserver", ns(server), "--timeout", "0.3")
    assert statuses(report, "spf.record") == {domain: "error"}
    assert statuses(report, "spf.lookups") == {domain: "error"}
    assert statuses(report, "spf.include") == {domain: "error"}
    assert statuses(report, "spf.authorizes") == {f"198.51.100.10 for {domain}": "error"}
    assert statuses(report, "spf.all") == {domain: "pass"}  # its own -all decides


@pytest.mark.parametrize("fault", ["servfail", "drop"])
def test_unresolvable_record_is_error_never_fail(dns_server, write_sheet, check_json, fault):
    server = dns_server(ZONE)
    getattr(server, fault)("good.spfcheck.example.")
    domain = "good.spfcheck.example"
    sheet = spf_sheet(write_sheet, domain, include="esp.spfcheck.example", ips=("198.51.100.10",))
    _, report = check_json(sheet, "--nameserver", ns(server), "--timeout", "0.3")
    for rule in ("spf.record", "spf.all", "spf.lookups", "spf.include"):
        assert statuses(report, rule) == {domain: "error"}, rule
    assert statuses(report, "spf.authorizes") == {f"198.51.100.10 for {domain}": "error"}
    spf_failures = [
        f for f in report["findings"] if f["rule"].startswith("spf.") and f["status"] == "fail"
    ]
    assert not spf_failures


def test_over_the_limit_is_a_fail_even_with_an_undecided_part(dns_server, write_sheet, check_json):
    server = dns_server(ZONE)
    server.servfail("w12.spfcheck.example.")
    _, report = check_json(
        spf_sheet(write_sheet, "wide.spfcheck.example"), "--nameserver", ns(server)
    )
    assert statuses(report, "spf.lookups") == {"wide.spfcheck.example": "fail"}


def test_the_tree_is_built_once_and_no_question_is_asked_twice(
    dns_server, write_sheet, check_json, monkeypatch
):
    import mailcheck.rules.context as context_module

    built: list[str] = []
    original = context_module.build_tree

    async def counting(domain, resolver):
        built.append(domain)
        return await original(domain, resolver)

    monkeypatch.setattr(context_module, "build_tree", counting)
    server = dns_server(ZONE)
    sheet = spf_sheet(
        write_sheet,
        "deep.spfcheck.example",
        include="esp.spfcheck.example",
        ips=("198.51.100.10", "198.51.100.11"),
    )
    _, report = check_json(sheet, "--nameserver", ns(server))
    assert set(statuses(report, "spf.authorizes").values()) == {"pass"}
    assert built == ["deep.spfcheck.example"]
    asked = [(name, rdtype) for name, rdtype, _ in server.queries]
    assert len(asked) == len(set(asked))


def test_run_memo_joins_concurrent_callers():
    from mailcheck.core.memo import RunMemo

    calls = []

    async def compute():
        calls.append(1)
        await asyncio.sleep(0)
        return "tree"

    async def run():
        memo = RunMemo()
        return await asyncio.gather(*(memo.once("k", compute) for _ in range(5)))

    assert asyncio.run(run()) == ["tree"] * 5
    assert calls == [1]


def test_several_sheets_evaluate_spf_concurrently_with_their_own_answers(
    dns_server, write_sheet, check_json, tmp_path
):
    server = dns_server(ZONE)
    first = spf_sheet(write_sheet, "good.spfcheck.example", ips=("198.51.100.10",))
    second = write_sheet(
        "anna@good.senders.example",
        extra="mail_from: [nospf.spfcheck.example]\nspf:\n  sending_ips: [198.51.100.10]\n",
        name="second.yaml",
    )
    _, report = check_json(first, second, "--nameserver", ns(server))
    assert statuses(report, "spf.authorizes") == {
        "198.51.100.10 for good.spfcheck.example": "pass",
        "198.51.100.10 for nospf.spfcheck.example": "fail",
    }


PTR_ZONES = {
    "ptrcheck.example.": "\n".join(
        [
            '@ 300 IN TXT "v=spf1 ptr -all"',
            "good 300 IN A 203.0.113.9",
            "other 300 IN A 198.51.100.1",
            "slow 300 IN A 203.0.113.11",
        ]
    ),
    "113.0.203.in-addr.arpa.": "\n".join(
        [
            "9 300 IN PTR good.ptrcheck.example.",
            "10 300 IN PTR other.ptrcheck.example.",
            "11 300 IN PTR slow.ptrcheck.example.",
        ]
    ),
}


@pytest.mark.parametrize(
    ("ip", "result"),
    [
        ("203.0.113.9", "pass"),  # the PTR name's address is the client's
        ("203.0.113.10", "fail"),  # it is another address
        ("203.0.113.11", "temperror"),  # it went unanswered: a pass is still possible
    ],
)
def test_a_ptr_name_whose_address_went_unanswered_is_undecided_not_fail(dns_server, ip, result):
    """RFC 7208 §5.5 skips such a name, so check_host() may say fail; an onboarding check
    must not fail a sender on a timeout."""
    from mailcheck.rules.context import build_resolver
    from mailcheck.spf.checkhost import check_host

    server = dns_server.from_text(PTR_ZONES)
    server.drop("slow.ptrcheck.example.", "A")
    resolver = build_resolver(nameservers=[ns(server)], timeout=0.5)
    verdict = asyncio.run(check_host(resolver, ip, sender="anna@ptrcheck.example"))
    assert verdict.result == result, verdict
