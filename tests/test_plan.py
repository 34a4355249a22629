"""The change set (`mailcheck plan`): every fix merged per DNS name and type.

The round trip is the acceptance test: for each bundled example, the plan's records are added to
copies of its zone files (the records they replace removed), the blanks a customer fills in are
filled with what the provider would answer, the sheet entries the provider's requests lead to are
added, and checking again leaves no failing DNS rule. The other tests merge proposals that would
contradict each other: three SPF rules failing on one record, DMARC policy and reports on one
record, and a case that no one record can satisfy.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.zone
import pytest
import yaml

from conftest import REPO_ROOT, statuses
from mailcheck.core.changeset import Plan, PlannedRecord
from mailcheck.core.fixes import (
    IPV4_BLANK,
    KEY_BLANK,
    MAIL_SERVER_BLANK,
    SELECTOR_BLANK,
    WEB_SERVER_BLANK,
)
from mailcheck.engine.runner import PlannedSheet, load_sheets, plan_loaded
from mailcheck.engine.settings import DnsSettings, RunSettings
from mailcheck.rules import REGISTRY
from mailcheck.rules.base import Input
from mailcheck.sheet.due_dates import Kind as DeadlineKind

TODAY = dt.date(2026, 11, 20)


def dns_rules() -> set[str]:
    """The rules a DNS change can satisfy: they ask DNS and judge no sample message; and the
    deadline of the DNS entries."""
    return {
        rule.id
        for rule in REGISTRY.values()
        if (Input.DNS in rule.inputs and Input.SAMPLES not in rule.inputs)
        or rule.clock is DeadlineKind.DNS
    }


def plan_of(sheet: Path, zones: Iterable[Path]) -> PlannedSheet:
    settings = RunSettings(dns=DnsSettings(zones=tuple(zones)), today=TODAY)
    [planned] = plan_loaded(load_sheets([sheet]), list(REGISTRY.values()), settings)
    return planned


def failing(planned: PlannedSheet, rules: set[str]) -> list[str]:
    return [
        f"{f.rule} {f.subject}" for f in planned.findings if f.rule in rules and f.status == "fail"
    ]


# --- applying a plan, as a customer and the provider would -----------------------------------


def apply_records(records: Iterable[PlannedRecord], zone_files: list[Path]) -> None:
    """Add each record to the zone file that holds its name, removing what it replaces and
    the records of other types it says must go."""
    zones = {
        path: dns.zone.from_file(str(path), relativize=False, check_origin=False)
        for path in zone_files
    }
    for record in records:
        name = dns.name.from_text(record.name)
        holders = [p for p in zones if name.is_subdomain(zones[p].origin)]
        assert holders, f"no zone file holds {record.name}"
        zone = zones[max(holders, key=lambda p: len(zones[p].origin))]
        rdtype = dns.rdatatype.from_text(record.rtype)
        node = zone.find_node(name, create=True)
        for removed in record.removes:  # records of other types the name must no longer hold
            removed_type, removed_data = removed.split(maxsplit=1)
            other = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.from_text(removed_type))
            for old in [rd for rd in other or () if rd.to_text() == removed_data]:
                other.discard(old)
            if other is not None and not other:
                node.delete_rdataset(dns.rdataclass.IN, other.rdtype)
        rdataset = node.find_rdataset(dns.rdataclass.IN, rdtype, create=True)
        for old in [rd for rd in rdataset if _value(rd) in record.replaces]:
            rdataset.discard(old)
        rdata_text = record.line().split(maxsplit=4)[4]
        rdataset.add(dns.rdata.from_text(dns.rdataclass.IN, rdtype, rdata_text), 3600)
    for path, zone in zones.items():
        zone.to_file(str(path), relativize=False, want_origin=True)


def _value(rdata: dns.rdata.Rdata) -> str:
    strings = getattr(rdata, "strings", None)
    return b"".join(strings).decode() if strings is not None else rdata.to_text()


def apply_sheet_entries(plan: Plan, sheet: Path, blanks: Mapping[str, str]) -> None:
    """What the sheet records once the provider did what it was asked."""
    data = yaml.safe_load(sheet.read_text(encoding="utf-8"))
    for request in plan.requests:
        if request.sheet is not None:
            item = request.sheet.item
            for blank, value in blanks.items():
                item = item.replace(blank, value)
            data.setdefault(request.sheet.key, []).append(yaml.safe_load(item))
    sheet.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def provider_answers(sheet: Path) -> dict[str, str]:
    """The values a customer fills in: what the provider answers (its selector and key, from
    the sheet's own DKIM entry) and addresses of the customer's servers."""
    data = yaml.safe_load(sheet.read_text(encoding="utf-8"))
    entry = data["dkim"][0]
    return {
        SELECTOR_BLANK: entry["selector"],
        KEY_BLANK: entry["public_key"],
        IPV4_BLANK: "192.0.2.25",
        WEB_SERVER_BLANK: "192.0.2.80",
        MAIL_SERVER_BLANK: "mx.example",
    }


def apply_plan(planned: PlannedSheet, sheet: Path, zones: list[Path], *, later: bool) -> None:
    blanks = provider_answers(sheet)
    now = [r for r in planned.plan.records if r.when is None]
    apply_records([r.filled(blanks) for r in now], zones)
    if later:
        apply_records([r for r in planned.plan.records if r.when is not None], zones)
    apply_sheet_entries(planned.plan, sheet, blanks)


@pytest.mark.parametrize("example", ["broken-stream", "acme"])
@pytest.mark.parametrize("later", [False, True], ids=["now", "now-and-later"])
def test_applying_the_plan_leaves_no_failing_dns_rule(
    example: str, later: bool, tmp_path: Path
) -> None:
    folder = shutil.copytree(REPO_ROOT / "examples" / example, tmp_path / example)
    sheet, zones = folder / "sheet.yaml", sorted((folder / "zones").glob("*.zone"))
    before = plan_of(sheet, zones)
    assert failing(before, dns_rules()), "the example has nothing to fix: the test proves nothing"
    assert not before.plan.conflicts
    apply_plan(before, sheet, zones, later=later)
    after = plan_of(sheet, zones)
    assert failing(after, dns_rules()) == []
    # what was to be published now is published: the next plan has nothing left for now
    assert [r.name for r in after.plan.records if r.when is None] == []
    if later:
        assert not after.plan.records


# --- merging ---------------------------------------------------------------------------------

SPF_ZONE = """
$ORIGIN merge.example.
@        3600 IN SOA ns.merge.example. hostmaster.merge.example. 1 7200 900 1209600 3600
@        3600 IN NS  ns.merge.example.
ns       3600 IN A   192.0.2.53
@        3600 IN A   192.0.2.10
@        3600 IN MX  10 mx.merge.example.
mx       3600 IN A   192.0.2.25
bounce   3600 IN TXT "v=spf1 ip4:192.0.2.1 ?all"
bounce   3600 IN TXT "google-site-verification=keep-me"
"""
PROVIDER_ZONE = """
$ORIGIN esp.example.
@        3600 IN SOA ns.esp.example. hostmaster.esp.example. 1 7200 900 1209600 3600
@        3600 IN NS  ns.esp.example.
ns       3600 IN A   192.0.2.54
spf      3600 IN TXT "v=spf1 ip4:198.51.100.0/26 -all"
"""
SPF_SHEET = """mail_from: [bounce.merge.example]
spf:
  required_include: spf.esp.example
  sending_ips: [198.51.100.10, 203.0.113.5]
"""


def write_zone(tmp_path: Path, origin: str, text: str) -> Path:
    path = tmp_path / f"{origin}.zone"
    path.write_text(text.lstrip(), encoding="utf-8")
    return path


def spf_setup(write_sheet, tmp_path: Path, record: str = "") -> tuple[Path, list[Path]]:
    own = SPF_ZONE if not record else SPF_ZONE.replace('"v=spf1 ip4:192.0.2.1 ?all"', record)
    zones = [
        write_zone(tmp_path, "merge.example", own),
        write_zone(tmp_path, "esp.example", PROVIDER_ZONE),
    ]
    return write_sheet("anna@merge.example", extra=SPF_SHEET), zones


def test_three_spf_rules_failing_on_one_record_get_one_record(write_sheet, tmp_path, check_json):
    sheet, zones = spf_setup(write_sheet, tmp_path)
    planned = plan_of(sheet, zones)
    failed = {f.rule for f in planned.findings if f.status == "fail"}
    assert {"spf.all", "spf.include", "spf.authorizes"} <= failed
    spf_records = [r for r in planned.plan.records if r.name == "bounce.merge.example"]
    assert len(spf_records) == 1
    [merged] = spf_records
    assert {"spf.all", "spf.include", "spf.authorizes"} <= set(merged.rules)
    assert merged.replaces == ("v=spf1 ip4:192.0.2.1 ?all",)  # the other TXT record stays
    # every SPF hint, in every format, shows that one record
    hints = {f.hint for f in planned.findings if f.rule.startswith("spf.") and f.status == "fail"}
    assert hints and all(merged.line() in hint for hint in hints if hint)
    _, report = check_json(sheet, *[a for z in zones for a in ("--zone", z)])
    json_hints = [
        f["hint"] for f in report["findings"] if f["rule"].startswith("spf.") and f["hint"]
    ]
    assert json_hints and all(merged.line() in hint for hint in json_hints)
    # published, it satisfies all of them at once
    apply_records([merged], zones)
    _, report = check_json(sheet, *[a for z in zones for a in ("--zone", z)])
    for rule in ("spf.record", "spf.all", "spf.include", "spf.authorizes", "spf.lookups"):
        assert set(statuses(report, rule).values()) == {"pass"}, rule


def test_a_record_that_cannot_hold_the_include_is_a_conflict(write_sheet, tmp_path):
    """Nine lookups already, none of them to flatten exactly (each included record excludes an
    address first), and the provider's include is required: no one record satisfies
    spf.include and the lookup limit; the plan says so instead of a record that breaks one."""
    includes = " ".join(f"include:n{i}.merge.example" for i in range(9))
    extra = "".join(
        f'n{i}     3600 IN TXT "v=spf1 -ip4:192.0.2.{i}9 ip4:192.0.2.{i} -all"\n' for i in range(9)
    )
    sheet, zones = spf_setup(write_sheet, tmp_path, f'"v=spf1 {includes} ~all"')
    zones[0].write_text(zones[0].read_text() + extra, encoding="utf-8")
    zones[1].write_text(
        PROVIDER_ZONE.lstrip().replace(
            'spf      3600 IN TXT "v=spf1 ip4:198.51.100.0/26 -all"',
            'spf      3600 IN TXT "v=spf1 include:a.esp.example include:b.esp.example -all"\n'
            'a        3600 IN TXT "v=spf1 ip4:198.51.100.0/26 -all"\n'
            'b        3600 IN TXT "v=spf1 ip4:203.0.113.0/24 -all"',
        ),
        encoding="utf-8",
    )
    planned = plan_of(sheet, zones)
    assert planned.plan.record_for("bounce.merge.example", "TXT") is None
    conflict = planned.plan.conflict_for("bounce.merge.example", "TXT")
    assert conflict is not None
    assert {"spf.include", "spf.lookups"} <= set(conflict.rules)
    include = next(f for f in planned.findings if f.rule == "spf.include")
    assert include.status == "fail" and conflict.text in (include.hint or "")


DMARC_ZONE = """
$ORIGIN policy.example.
@        3600 IN SOA ns.policy.example. hostmaster.policy.example. 1 7200 900 1209600 3600
@        3600 IN NS  ns.policy.example.
ns       3600 IN A   192.0.2.53
@        3600 IN A   192.0.2.10
@        3600 IN MX  10 mx.policy.example.
mx       3600 IN A   192.0.2.25
_dmarc   3600 IN TXT "v=DMARC1; p=none; pct=50; rua=mailto:r@policy.example,https://r.example/"
"""


def test_dmarc_policy_and_reports_fixes_make_one_record_now_and_one_later(write_sheet, tmp_path):
    """dmarc.reports needs the rua= mended now; dmarc.record asks to enforce, later: the plan
    mends the record now and gives the enforcing record (with the mended rua=) for later, and
    the two rules' hints no longer contradict each other."""
    zones = [write_zone(tmp_path, "policy.example", DMARC_ZONE)]
    sheet = write_sheet("anna@policy.example")
    planned = plan_of(sheet, zones)
    now = planned.plan.record_for("_dmarc.policy.example", "TXT")
    later = planned.plan.record_for("_dmarc.policy.example", "TXT", later=True)
    assert now is not None and later is not None and now.when is None and later.when
    assert now.value == "v=DMARC1; p=none; pct=50; rua=mailto:r@policy.example"
    assert later.value == "v=DMARC1; p=quarantine; rua=mailto:r@policy.example"
    hints = {f.rule: f.hint or "" for f in planned.findings if f.rule.startswith("dmarc.")}
    assert later.line() in hints["dmarc.record"]
    assert now.line() in hints["dmarc.reports"]


def test_a_repaired_dmarc_record_keeps_the_mended_report_address(write_sheet, tmp_path):
    """A bad rua= value (no mailto:) is ignored by receivers, so dmarc.record only asks to
    enforce, later; dmarc.reports mends the address now: the one record keeps the mended
    address."""
    zone = DMARC_ZONE.replace(
        "rua=mailto:r@policy.example,https://r.example/", "rua=r@policy.example"
    )
    zones = [write_zone(tmp_path, "policy.example", zone)]
    planned = plan_of(write_sheet("anna@policy.example"), zones)
    statuses = {f.rule: f.status for f in planned.findings if f.rule.startswith("dmarc.")}
    assert (statuses["dmarc.record"], statuses["dmarc.reports"]) == ("warn", "fail")
    record = planned.plan.record_for("_dmarc.policy.example", "TXT")
    assert record is not None and not planned.plan.conflicts
    assert record.value == "v=DMARC1; p=none; pct=50; rua=mailto:r@policy.example"
    apply_records([record], zones)
    after = plan_of(write_sheet("anna@policy.example"), zones)
    assert {f.status for f in after.findings if f.rule == "dmarc.reports"} == {"pass"}
    assert {f.status for f in after.findings if f.rule == "dmarc.record"} == {"warn"}  # p=none


def test_merging_spf_proposals() -> None:
    from mailcheck.spf.advice import combined
    from mailcheck.spf.syntax import parse_record

    published = parse_record("v=spf1 a:void.example ip4:192.0.2.1 ?all exp=explain.example")
    merged = combined(
        published,
        [
            "v=spf1 a:void.example ip4:192.0.2.1 ~all exp=explain.example",  # the policy
            "v=spf1 ip4:192.0.2.7 ip4:192.0.2.1 ~all exp=explain.example",  # void a replaced
            "v=spf1 a:void.example ip4:192.0.2.1 include:spf.esp.example -all exp=explain.example",
        ],
        ["v=spf1 include:spf.esp.example ip4:198.51.100.1 ~all"],  # added to, drops nothing
    )
    # each added term where its proposal has it: the void a's address in its place
    assert merged == (
        "v=spf1 ip4:192.0.2.7 ip4:192.0.2.1 include:spf.esp.example ip4:198.51.100.1 -all "
        "exp=explain.example"
    )
    assert combined(None, ["v=spf1 include:a.example ~all", "v=spf1 ip4:192.0.2.1 ~all"]) == (
        "v=spf1 include:a.example ip4:192.0.2.1 ~all"
    )


def test_merging_dmarc_proposals() -> None:
    from mailcheck.dmarc.record import combined

    published = "v=DMARC1; p=none; pct=50; rua=mailto:a@x.example"
    merged, clashes = combined(
        published,
        [
            "v=DMARC1; p=quarantine; rua=mailto:a@x.example",  # enforce, drop pct
            "v=DMARC1; p=none; pct=50; rua=mailto:a@x.example,mailto:b@x.example",
        ],
    )
    assert clashes == []
    assert merged == "v=DMARC1; p=quarantine; rua=mailto:a@x.example,mailto:b@x.example"
    _, clashes = combined(
        published, ["v=DMARC1; p=quarantine; pct=50", "v=DMARC1; p=reject; pct=50"]
    )
    assert clashes  # two values for p=: a person decides
    merged, clashes = combined(None, ["v=DMARC1; p=none; rua=mailto:d@x.example"])
    assert (merged, clashes) == ("v=DMARC1; p=none; rua=mailto:d@x.example", [])


def test_two_values_for_one_record_are_a_conflict(write_sheet, tmp_path) -> None:
    """The MX host of the sender domain is also the tracking domain, which must be an alias of
    the provider's tracking server: an address record and an alias cannot share one name."""
    zone = write_zone(
        tmp_path,
        "clash.example",
        """
$ORIGIN clash.example.
@        3600 IN SOA ns.clash.example. hostmaster.clash.example. 1 7200 900 1209600 3600
@        3600 IN NS  ns.clash.example.
ns       3600 IN A   192.0.2.53
@        3600 IN A   192.0.2.10
@        3600 IN MX  10 mail.clash.example.
""",
    )
    sheet = write_sheet(
        "anna@clash.example",
        extra="tracking:\n  domain: mail.clash.example\n  target: track.clash.example\n",
    )
    planned = plan_of(sheet, [zone])
    conflict = planned.plan.conflict_for("mail.clash.example", "CNAME")
    assert conflict is not None and {"sender.mx", "tracking.dns"} <= set(conflict.rules)
    assert not [r for r in planned.plan.records if r.name == "mail.clash.example"]


@pytest.mark.parametrize(
    "text",
    [
        "v=spf1 " + " ".join(f"include:w{i}.spfcheck.example" for i in range(12)) + " -all",
        "v=DKIM1; k=rsa; p=" + "A" * 400,  # a word longer than a string: cut every 255
        'v=spf1 exp="quoted" ' + "x" * 250,
        "",
    ],
)
def test_a_long_txt_record_is_split_between_words_where_it_can_be(text):
    from mailcheck.core.hints import txt_record

    line = txt_record("long.example", text)
    rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, line.split(maxsplit=4)[4])
    strings = [s.decode() for s in rdata.strings]
    assert "".join(strings) == text and all(len(s) <= 255 for s in strings)
    if text.startswith("v=spf1 include"):  # words all shorter than a string
        assert all(s.endswith(" ") for s in strings[:-1])  # no word cut in two


# --- the command -----------------------------------------------------------------------------


def example_args(example: str) -> list[str]:
    folder = REPO_ROOT / "examples" / example
    zones = sorted((folder / "zones").glob("*.zone"))
    return [str(folder / "sheet.yaml"), *[a for z in zones for a in ("--zone", str(z))]]


def test_the_snippet_is_a_zone_file_of_the_records_ready_now(run_cli) -> None:
    code, out, err = run_cli("plan", *example_args("broken-stream"), "--today", "2026-11-20")
    assert code == 1, err  # as check: something fails
    planned = plan_of(
        REPO_ROOT / "examples/broken-stream/sheet.yaml",
        sorted((REPO_ROOT / "examples/broken-stream/zones").glob("*.zone")),
    )
    records = [line for line in out.splitlines() if line and not line.startswith(";")]
    assert records == [r.line() for r in planned.plan.records if r.ready]
    # the whole output is a valid zone file: everything else is a comment
    zone = dns.zone.from_text(
        "@ 3600 IN SOA ns. host. 1 2 3 4 5\n@ 3600 IN NS ns.\n" + out,
        origin="example.",
        relativize=False,
        check_origin=False,
    )
    assert len(list(zone.iterate_rdatas())) == 2 + len(records)
    held = [line for line in out.splitlines() if line.startswith(";") and " IN " in line]
    assert any(SELECTOR_BLANK in line for line in held)  # blanks stay commented out


def test_plan_writes_to_a_file(run_cli, tmp_path: Path) -> None:
    target = tmp_path / "plan.zone"
    code, out, err = run_cli("plan", *example_args("acme"), "-o", target, "--today", "2026-11-20")
    assert code == 1 and out == ""
    assert target.read_text(encoding="utf-8").startswith(";")
    assert "exit code 1" in err


def test_nothing_to_change_exits_0(run_cli, tmp_path) -> None:
    zone = write_zone(
        tmp_path,
        "fine.example",
        """
$ORIGIN fine.example.
@        3600 IN SOA ns.fine.example. hostmaster.fine.example. 1 7200 900 1209600 3600
@        3600 IN NS  ns.fine.example.
ns       3600 IN A   192.0.2.53
@        3600 IN A   192.0.2.10
@        3600 IN MX  10 mx.fine.example.
mx       3600 IN A   192.0.2.25
_dmarc   3600 IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@fine.example"
""",
    )
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text("version: 1\nsenders:\n  - address: anna@fine.example\n    mailing: list\n")
    code, out, _ = run_cli(
        "plan", sheet, "--zone", zone, "--select", "sender.,dmarc.record,dmarc.reports"
    )
    assert code == 0
    assert [line for line in out.splitlines() if line and not line.startswith(";")] == []


@pytest.mark.parametrize(
    "args",
    [
        ["missing.yaml"],
        ["{sheet}", "--zone", "missing.zone"],
        ["{sheet}", "--select", "nosuchrule."],
        ["{sheet}", "-o", "{tmp}/no/such/folder/plan.zone"],
    ],
    ids=["no-sheet", "no-zone", "unknown-rule", "unwritable-output"],
)
def test_input_errors_exit_2(run_cli, tmp_path, args) -> None:
    sheet = REPO_ROOT / "examples/acme/sheet.yaml"
    filled = [a.format(sheet=sheet, tmp=tmp_path) for a in args]
    code, out, err = run_cli("plan", *filled)
    assert code == 2
    assert out == ""
    assert err.startswith("mailcheck: ") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


# --- the README ------------------------------------------------------------------------------

README_BLOCK = re.compile(
    r"(<!-- broken-stream plan: [^\n]*-->\n)(.*?)(<!-- end of the broken-stream plan -->)", re.S
)


def broken_stream_plan() -> str:
    """The broken stream's change set as the README's command prints it (from the repository
    root), in a code block."""
    import io
    import os

    from mailcheck.output.zonefile import render_plans

    here = os.getcwd()
    os.chdir(REPO_ROOT)
    try:
        zones = sorted(Path("examples/broken-stream/zones").glob("*.zone"))
        planned = plan_of(Path("examples/broken-stream/sheet.yaml"), zones)
    finally:
        os.chdir(here)
    out = io.StringIO()
    render_plans([planned.plan], out)
    return f"```text\n{out.getvalue()}```\n"


def test_the_readme_shows_the_broken_streams_plan_as_mailcheck_makes_it():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    match = README_BLOCK.search(readme)
    assert match, "the README lost its broken-stream plan markers"
    assert match.group(2) == broken_stream_plan(), (
        "the README's plan is out of date: run `python tests/test_plan.py`"
    )


def write_readme_block() -> None:
    """Refresh the README's broken-stream plan (after a rule's fix changed)."""
    path = REPO_ROOT / "README.md"
    readme = path.read_text(encoding="utf-8")
    block = broken_stream_plan()
    path.write_text(README_BLOCK.sub(lambda m: m.group(1) + block + m.group(3), readme))


if __name__ == "__main__":  # python tests/test_plan.py
    write_readme_block()
