"""The fixes each rule attaches as data (`mailcheck.core.fixes`), as the change set holds them.

For each rule a small zone and sheet make it fail or warn; the test finds the rule's fix in the
plan — a record, a request to the provider or another party, a task for the customer — and where
the fix is a record, applies the plan (blanks filled as the customer would) and checks that the
rule passes afterwards.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mailcheck.core.fixes import MAIL_SERVER_BLANK, PROVIDER
from mailcheck.engine.runner import PlannedSheet
from mailcheck.spf.room import Ownership, make_room
from test_plan import apply_records, plan_of, write_zone

HEAD = """$ORIGIN {origin}.
@        3600 IN SOA ns.{origin}. hostmaster.{origin}. 1 7200 900 1209600 3600
@        3600 IN NS  ns.{origin}.
ns       3600 IN A   192.0.2.53
"""
PROVIDER_ZONE = """$ORIGIN esp.example.
@        3600 IN SOA ns.esp.example. hostmaster.esp.example. 1 7200 900 1209600 3600
@        3600 IN NS  ns.esp.example.
ns       3600 IN A   192.0.2.54
spf      3600 IN TXT "v=spf1 ip4:198.51.100.0/26 -all"
"""


def zones(tmp_path: Path, body: str, origin: str = "fix.example") -> list[Path]:
    own = write_zone(tmp_path, origin, HEAD.format(origin=origin) + body)
    return [own, write_zone(tmp_path, "esp.example", PROVIDER_ZONE)]


def status(planned: PlannedSheet, rule: str, subject: str | None = None) -> str:
    found = {f.status.value for f in planned.findings if f.rule == rule}
    if subject is not None:
        found = {
            f.status.value for f in planned.findings if f.rule == rule and f.subject == subject
        }
    assert len(found) == 1, (rule, found)
    return found.pop()


def record(planned: PlannedSheet, name: str, rtype: str, rule: str):
    found = planned.plan.record_for(name, rtype)
    assert found is not None, f"no {name} {rtype} in {planned.plan.records}"
    assert rule in found.rules
    return found


def round_trip(sheet: Path, zone_files: list[Path], planned: PlannedSheet, **blanks: str):
    """The plan's records for now, with these blanks filled, added to the zones (those left
    with a blank are not); checked again."""
    filled = [r.filled(blanks) for r in planned.plan.records if r.when is None]
    apply_records([r for r in filled if not r.blanks], zone_files)
    return plan_of(sheet, zone_files)


# --- sender.mx -------------------------------------------------------------------------------

MX_HOST = "mx    3600 IN A 192.0.2.25\n@ 3600 IN A 192.0.2.10\n"


def test_no_mx_gets_the_mx_record(write_sheet, tmp_path):
    zone_files = zones(tmp_path, MX_HOST)
    sheet = write_sheet("anna@fix.example")
    planned = plan_of(sheet, zone_files)
    assert status(planned, "sender.mx") == "fail"
    mx = record(planned, "fix.example", "MX", "sender.mx")
    assert mx.blanks == [MAIL_SERVER_BLANK]
    after = round_trip(sheet, zone_files, planned, **{MAIL_SERVER_BLANK: "mx.fix.example"})
    assert status(after, "sender.mx") == "pass"


def test_an_address_given_as_mx_becomes_a_host_with_that_address(write_sheet, tmp_path):
    zone_files = zones(tmp_path, "@ 3600 IN A 192.0.2.10\n@ 3600 IN MX 10 192.0.2.25.\n")
    sheet = write_sheet("anna@fix.example")
    planned = plan_of(sheet, zone_files)
    assert status(planned, "sender.mx") == "fail"
    mx = record(planned, "fix.example", "MX", "sender.mx")
    assert (mx.value, mx.replaces) == ("10 mx.fix.example.", ("10 192.0.2.25.",))
    host = record(planned, "mx.fix.example", "A", "sender.mx")
    assert host.value == "192.0.2.25" and host.ready
    assert status(round_trip(sheet, zone_files, planned), "sender.mx") == "pass"


def test_a_null_mx_is_replaced(write_sheet, tmp_path):
    zone_files = zones(tmp_path, MX_HOST + "@ 3600 IN MX 0 .\n")
    sheet = write_sheet("anna@fix.example")
    planned = plan_of(sheet, zone_files)
    assert record(planned, "fix.example", "MX", "sender.mx").replaces == ("0 .",)
    after = round_trip(sheet, zone_files, planned, **{MAIL_SERVER_BLANK: "mx.fix.example"})
    assert status(after, "sender.mx") == "pass"


def test_an_mx_host_that_is_an_alias_is_named_by_its_target(write_sheet, tmp_path):
    body = MX_HOST + "@ 3600 IN MX 10 mail\nmail 3600 IN CNAME mx\n"
    zone_files = zones(tmp_path, body)
    sheet = write_sheet("anna@fix.example")
    planned = plan_of(sheet, zone_files)
    assert status(planned, "sender.mx") == "warn"
    mx = record(planned, "fix.example", "MX", "sender.mx")
    assert (mx.value, mx.replaces) == ("10 mx.fix.example.", ("10 mail.fix.example.",))
    assert status(round_trip(sheet, zone_files, planned), "sender.mx") == "pass"


def test_a_domain_that_does_not_exist_is_a_task(write_sheet, tmp_path):
    sheet = write_sheet("anna@gone.fix.example")
    planned = plan_of(sheet, zones(tmp_path, MX_HOST))
    assert status(planned, "sender.mx") == "fail"
    assert any("sender.mx" in task.rules for task in planned.plan.tasks)


# --- spf.lookups and the merged SPF record -------------------------------------------------------


def own_includes(count: int, hosts: int = 2) -> tuple[str, str]:
    """`count` includes of the customer's own, each `hosts` a-terms deep: (terms, zone lines)."""
    terms = " ".join(f"include:_s{i}.fix.example" for i in range(count))
    lines = ""
    for i in range(count):
        names = " ".join(f"a:h{i}{j}.fix.example" for j in range(hosts))
        lines += f'_s{i} 3600 IN TXT "v=spf1 {names} -all"\n'
        for j in range(hosts):
            lines += f"h{i}{j} 3600 IN A 192.0.2.{10 * i + j + 1}\n"
            lines += f"h{i}{j} 3600 IN AAAA 2001:db8::{10 * i + j + 1}\n"
    return terms, lines


SPF_SHEET = "mail_from: [bounce.fix.example]\nspf:\n  required_include: spf.esp.example\n"


def test_too_many_lookups_flatten_the_customers_own_includes(write_sheet, tmp_path):
    terms, lines = own_includes(4)  # 4 x 3 lookups + the provider's 1 = 13
    body = MX_HOST + f'bounce 3600 IN TXT "v=spf1 include:spf.esp.example {terms} -all"\n' + lines
    zone_files = zones(tmp_path, body)
    sheet = write_sheet("anna@fix.example", extra=SPF_SHEET)
    planned = plan_of(sheet, zone_files)
    assert status(planned, "spf.lookups") == "fail"
    spf = record(planned, "bounce.fix.example", "TXT", "spf.lookups")
    assert "include:spf.esp.example" in spf.value.split()  # the provider's entry stays
    assert "include:_s0.fix.example" not in spf.value.split()  # flattened: exactly which
    assert {"ip4:192.0.2.1", "ip6:2001:db8::1", "ip4:192.0.2.2"} <= set(spf.value.split())
    hint = next(f.hint for f in planned.findings if f.rule == "spf.lookups")
    assert hint is not None and spf.line() in hint
    after = round_trip(sheet, zone_files, planned)
    for rule in ("spf.lookups", "spf.include", "spf.record", "spf.all"):
        assert status(after, rule) == "pass", rule


def test_the_merged_record_makes_room_for_the_providers_include(write_sheet, tmp_path):
    """Ten lookups already, and the provider's include missing: adding it would take the record
    to 11, so the plan flattens one of the customer's own includes to make room."""
    terms, lines = own_includes(5, hosts=1)  # 5 x 2 = 10
    body = MX_HOST + f'bounce 3600 IN TXT "v=spf1 {terms} -all"\n' + lines
    zone_files = zones(tmp_path, body)
    sheet = write_sheet("anna@fix.example", extra=SPF_SHEET)
    planned = plan_of(sheet, zone_files)
    assert (status(planned, "spf.lookups"), status(planned, "spf.include")) == ("pass", "fail")
    spf = record(planned, "bounce.fix.example", "TXT", "spf.include")
    assert "spf.lookups" in spf.rules and not planned.plan.conflicts
    after = round_trip(sheet, zone_files, planned)
    for rule in ("spf.lookups", "spf.include"):
        assert status(after, rule) == "pass", rule


def test_making_room_drops_duplicates_and_includes_reached_anyway(write_sheet, tmp_path):
    """A term written twice and an include another include reaches cost lookups and authorise
    nothing more: they go before anything is flattened."""
    terms, lines = own_includes(3)  # 9
    body = (
        MX_HOST
        + f'bounce 3600 IN TXT "v=spf1 {terms} include:_s0.fix.example include:o.fix.example'
        + ' -all"\n'
        + 'o 3600 IN TXT "v=spf1 include:_s1.fix.example -all"\n'
        + lines
    )  # 9 + 3 (the duplicate) + 4 (outer) = 16
    zone_files = zones(tmp_path, body)
    sheet = write_sheet("anna@fix.example", extra="mail_from: [bounce.fix.example]\n")
    planned = plan_of(sheet, zone_files)
    tree = _tree(zone_files, "bounce.fix.example")
    room = make_room(tree, Ownership.of_domain("fix.example"))
    assert room is not None and room.lookups <= 10
    dropped = [c.term for c in room.cuts if c.ranges is None]
    assert sorted(dropped) == ["include:_s0.fix.example", "include:_s1.fix.example"]
    assert room.record.split().count("include:_s0.fix.example") == 1
    assert status(round_trip(sheet, zone_files, planned), "spf.lookups") == "pass"


def test_nothing_is_flattened_that_is_not_known_exactly(write_sheet, tmp_path):
    """A fail qualifier, an exists or a ptr inside an include: its ranges are not what it
    matches, so no room is made with it, and no record is proposed: the hint says what each
    term costs."""
    records = [
        "-ip4:192.0.2.1 ip4:192.0.2.0/24 include:spf.esp.example",  # a fail inside
        "exists:%{i}.x.fix.example",  # depends on the message
        "ptr:fix.example",  # stands for names, not addresses
    ]
    body = "".join(f'_s{i} 3600 IN TXT "v=spf1 {r} -all"\n' for i, r in enumerate(records * 2))
    includes = " ".join(f"include:_s{i}.fix.example" for i in range(6))
    body += f'bounce 3600 IN TXT "v=spf1 {includes} -all"\n'
    zone_files = zones(tmp_path, body)
    tree = _tree(zone_files, "bounce.fix.example")
    assert tree.lookup_count > 10
    assert make_room(tree, Ownership.of_domain("fix.example")) is None
    planned = plan_of(write_sheet("anna@fix.example", extra=SPF_SHEET), zone_files)
    [found] = [f for f in planned.findings if f.rule == "spf.lookups"]
    assert found.status == "fail" and not found.fixes and found.hint
    assert planned.plan.record_for("bounce.fix.example", "TXT") is None


def _tree(zone_files: list[Path], domain: str):
    import asyncio

    from mailcheck.engine.runner import build_context
    from mailcheck.engine.settings import DnsSettings, RunSettings
    from mailcheck.spf.tree import build_tree

    ctx = build_context(RunSettings(dns=DnsSettings(zones=tuple(zone_files))))
    return asyncio.run(build_tree(domain, ctx.dns))


# --- spf.record: ptr -------------------------------------------------------------------------


def test_ptr_in_the_own_record_is_a_task_and_in_an_included_one_a_request(write_sheet, tmp_path):
    body = (
        MX_HOST
        + 'bounce 3600 IN TXT "v=spf1 ptr include:spf.esp.example -all"\n'
        + 'other 3600 IN TXT "v=spf1 include:legacy.fix.example -all"\n'
        + 'legacy 3600 IN TXT "v=spf1 ptr:fix.example -all"\n'
    )
    sheet = write_sheet(
        "anna@fix.example", extra="mail_from: [bounce.fix.example, other.fix.example]\n"
    )
    planned = plan_of(sheet, zones(tmp_path, body))
    assert status(planned, "spf.record", "bounce.fix.example") == "warn"
    assert status(planned, "spf.record", "other.fix.example") == "warn"
    [task] = [t for t in planned.plan.tasks if "spf.record" in t.rules]
    assert "ptr" in task.text and "bounce.fix.example" in task.text
    [ask] = [r for r in planned.plan.requests if "spf.record" in r.rules]
    assert ask.party == "legacy.fix.example" and "ptr:fix.example" in ask.text


# --- tracking.dns ----------------------------------------------------------------------------


def test_an_alias_replaces_the_addresses_of_a_tracking_name(write_sheet, tmp_path):
    body = MX_HOST + "track 3600 IN A 192.0.2.80\ntrackers 3600 IN A 192.0.2.81\n"
    zone_files = zones(tmp_path, body)
    extra = "tracking:\n  domain: track.fix.example\n  target: trackers.fix.example\n"
    sheet = write_sheet("anna@fix.example", extra=extra)
    planned = plan_of(sheet, zone_files)
    assert status(planned, "tracking.dns") == "fail"
    alias = record(planned, "track.fix.example", "CNAME", "tracking.dns")
    assert alias.removes == ("A 192.0.2.80",)
    assert status(round_trip(sheet, zone_files, planned), "tracking.dns") == "pass"


def test_an_address_replaces_the_alias_of_a_tracking_name(write_sheet, tmp_path):
    body = MX_HOST + "track 3600 IN CNAME elsewhere\nelsewhere 3600 IN A 192.0.2.80\n"
    zone_files = zones(tmp_path, body)
    extra = "tracking:\n  domain: track.fix.example\n  target: 192.0.2.81\n"
    sheet = write_sheet("anna@fix.example", extra=extra)
    planned = plan_of(sheet, zone_files)
    address = record(planned, "track.fix.example", "A", "tracking.dns")
    assert address.removes == ("CNAME elsewhere.fix.example.",)
    assert status(round_trip(sheet, zone_files, planned), "tracking.dns") == "pass"


# --- spf.offboarded --------------------------------------------------------------------------


def test_after_the_service_ended_the_plan_removes_the_providers_entry(write_sheet, tmp_path):
    body = MX_HOST + 'bounce 3600 IN TXT "v=spf1 mx include:spf.esp.example -all"\n'
    zone_files = zones(tmp_path, body)
    extra = SPF_SHEET + "dates:\n  terminated: 2026-10-31\n"
    sheet = write_sheet("anna@fix.example", extra=extra)
    planned = plan_of(sheet, zone_files)
    assert status(planned, "spf.offboarded") == "fail"
    spf = record(planned, "bounce.fix.example", "TXT", "spf.offboarded")
    assert spf.value == "v=spf1 mx -all"
    after = round_trip(sheet, zone_files, planned)
    assert status(after, "spf.offboarded") == "pass"
    assert not [f for f in after.findings if f.rule.startswith("spf.") and f.status == "fail"]


# --- deadline.provisioning, deadline.sheet -----------------------------------------------------


@pytest.mark.parametrize(("ordered", "expected"), [("2026-11-02", "fail"), ("2026-11-19", "warn")])
def test_a_missing_service_is_asked_of_the_provider(write_sheet, tmp_path, ordered, expected):
    sheet = write_sheet("anna@fix.example", extra=f"dates:\n  ordered: {ordered}\n")
    planned = plan_of(sheet, zones(tmp_path, MX_HOST))
    assert status(planned, "deadline.provisioning") == expected
    [ask] = [r for r in planned.plan.requests if "deadline.provisioning" in r.rules]
    assert ask.party == PROVIDER
    assert ("2026-11-20" in ask.text) == (expected == "warn")  # the due date, while it is ahead
    assert any("dates.provisioned" in t.text for t in planned.plan.tasks)


def test_a_sheet_not_returned_is_the_customers_task(write_sheet, tmp_path):
    sheet = write_sheet("anna@fix.example", extra="dates:\n  contract_signed: 2026-11-02\n")
    planned = plan_of(sheet, zones(tmp_path, MX_HOST))
    assert status(planned, "deadline.sheet") == "fail"
    texts = [t.text for t in planned.plan.tasks if "deadline.sheet" in t.rules]
    assert len(texts) == 2  # return the sheet, and record the day it was returned
    assert any("dates.sheet_submitted" in text for text in texts)


# --- dmarc.reports ---------------------------------------------------------------------------


def test_a_report_address_too_long_to_authorise_becomes_the_domains_own(write_sheet, tmp_path):
    host = ".".join(["r" * 60] * 3 + ["r" * 40]) + ".far.example"  # its authorisation: 262
    value = f"v=DMARC1; p=none; rua=mailto:d@{host}"
    body = MX_HOST + f'_dmarc 3600 IN TXT "{value[:200]}" "{value[200:]}"\n'
    far = write_zone(tmp_path, "far.example", HEAD.format(origin="far.example"))
    sheet = write_sheet("anna@fix.example")
    planned = plan_of(sheet, [*zones(tmp_path, body), far])
    assert status(planned, "dmarc.reports") == "fail"
    dmarc = record(planned, "_dmarc.fix.example", "TXT", "dmarc.reports")
    assert dmarc.value == "v=DMARC1; p=none; rua=mailto:dmarc-reports@fix.example"


# --- ip.ptr ----------------------------------------------------------------------------------


def test_a_sending_ip_without_ptr_gets_a_name_and_the_request_for_its_ptr(write_sheet, tmp_path):
    reverse = write_zone(
        tmp_path, "2.0.192.in-addr.arpa", HEAD.format(origin="2.0.192.in-addr.arpa")
    )
    zone_files = [*zones(tmp_path, MX_HOST), reverse]
    extra = "spf:\n  sending_ips: [192.0.2.25]\n"
    sheet = write_sheet("anna@fix.example", extra=extra)
    planned = plan_of(sheet, zone_files)
    assert status(planned, "ip.ptr") == "fail"
    name = record(planned, "mailout1.fix.example", "A", "ip.ptr")
    assert name.value == "192.0.2.25" and name.operator is None
    [ask] = [r for r in planned.plan.requests if "ip.ptr" in r.rules]
    ptr = "25.2.0.192.in-addr.arpa. 3600 IN PTR mailout1.fix.example."
    assert ask.party == PROVIDER and ptr in ask.text
    # the customer publishes the name, the provider the PTR record: then it passes
    apply_records([name], zone_files)
    reverse.write_text(reverse.read_text() + "25 3600 IN PTR mailout1.fix.example.\n")
    assert status(plan_of(sheet, zone_files), "ip.ptr") == "pass"


# --- cert.* ----------------------------------------------------------------------------------


def test_a_certificate_to_deliver_is_the_customers_task(tmp_path):
    (tmp_path / "mail.pem").write_text("not a certificate\n")
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text(
        "version: 1\ncustomer: Cert GmbH\ncertificate: {domain: mail.fix.example, file: mail.pem}\n"
    )
    planned = plan_of(sheet, [])
    assert {status(planned, rule) for rule in ("cert.domain", "cert.chain")} == {"fail"}
    [task] = planned.plan.tasks
    assert {"cert.domain", "cert.validity", "cert.chain", "cert.key"} <= set(task.rules)


def test_today_is_pinned():
    """The cases above judge dates against the day the plan tests pin."""
    from test_plan import TODAY

    assert dt.date(2026, 11, 20) == TODAY
