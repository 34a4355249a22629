"""Compliance profiles: the data files, how a profile judges findings, the exit code, the sheet
key, every format, batches, and the two examples (`acme` meets Gmail's stream requirements,
`broken-stream` does not; its compliance tables are in the README)."""

from __future__ import annotations

import ipaddress
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from pydantic import ValidationError

from conftest import REPO_ROOT
from mailcheck.core.compliance import ProfileName, Verdict, with_compliance
from mailcheck.core.findings import ExitCode, Finding, Status
from mailcheck.profiles import all_profiles, load_profile, profile_files
from mailcheck.profiles.definition import Profile, RuleCheck
from mailcheck.profiles.judge import judge
from mailcheck.rules import REGISTRY

EXAMPLE = REPO_ROOT / "examples/acme"
BROKEN = REPO_ROOT / "examples/broken-stream"
ZONE = str(REPO_ROOT / "tests/data/zones/senders.example.zone")
GOOD_ZONES = [
    arg
    for name in ("senders.example.zone", "dkim-good.zone", "dmarc-good.zone")
    for arg in ("--zone", str(REPO_ROOT / "tests/data/zones" / name))
]
MEETS_DNS = "dkim:\n  - domain: good.senders.example\n    selector: sel\n"

STREAM_RULES = ("dmarc.alignment", "dmarc.reports", "ip.ptr", "message.alignment")
"""The rules of the mail stream the examples are made for (and the provider profiles name)."""


def zone_args(folder: Path) -> list[str]:
    return [a for z in sorted((folder / "zones").glob("*.zone")) for a in ("--zone", str(z))]


def finding(rule: str, status: Status, subject: str = "x.example") -> Finding:
    return Finding(rule, status, subject, "-")


def profile_of(checks: str) -> Profile:
    """A one-requirement profile with these checks (YAML flow list)."""
    import yaml

    data = yaml.safe_load(
        "profile: test\ntitle: T\ndocument: D\nurl: https://example.org/p\nreviewed: 2026-12\n"
        f"scope: S\nrequirements:\n  - id: r\n    title: R\n    section: S1\n    checks: {checks}\n"
    )
    return Profile.model_validate(data)


def verdict_of(profile: Profile, findings: list[Finding], ran: set[str] | None = None) -> Verdict:
    rules_run = ran if ran is not None else {f.rule for f in findings}
    (requirement,) = judge(profile, findings, rules_run, "s", "s").requirements
    return requirement.verdict


# --- the data files ---------------------------------------------------------------------------


def test_one_file_per_profile_name_and_each_loads():
    assert profile_files() == sorted(name.value for name in ProfileName)
    assert [p.profile for p in all_profiles()] == [name.value for name in ProfileName]


def test_every_rule_a_profile_names_is_registered():
    named = {rule for profile in all_profiles() for rule in profile.rule_ids}
    unknown = named - set(REGISTRY)
    assert not unknown, f"profiles name rules that do not exist: {sorted(unknown)}"


def test_the_provider_profiles_judge_the_stream_rules():
    for name in (ProfileName.GMAIL, ProfileName.YAHOO):
        assert set(STREAM_RULES) <= load_profile(name).rule_ids, name


def test_every_requirement_has_a_source_with_a_section_and_public_ones_an_address():
    for profile in all_profiles():
        for item in (*profile.requirements, *profile.not_checked):
            source = profile.source(item)
            assert source.section and source.document
            if profile.profile != "seed" and source.reference is None:  # not the provider's
                assert source.url and source.url.startswith("https://"), (profile.profile, item.id)


def test_the_seed_profile_keeps_every_default():
    """`seed` is the obligations themselves: it must judge as the exit code does."""
    for requirement in load_profile(ProfileName.SEED).requirements:
        for check in requirement.checks:
            assert check == RuleCheck(rule=check.rule), check.rule


def test_the_stricter_profiles_say_so_per_rule():
    csa = {c.rule: c for r in load_profile(ProfileName.CSA).requirements for c in r.checks}
    gmail = {c.rule: c for r in load_profile(ProfileName.GMAIL).requirements for c in r.checks}
    assert csa["ip.ptr"].verdict(Status.WARN) is Verdict.NOT_MET  # generic PTR refused
    assert gmail["ip.ptr"].verdict(Status.WARN) is Verdict.MET  # accepted by Gmail
    assert gmail["ip.ptr"].verdict(Status.SKIP) is Verdict.UNDECIDED  # no IPs: cannot tell
    assert csa["message.impressum"].verdict(Status.WARN) is Verdict.UNDECIDED
    assert gmail["dmarc.alignment"].verdict(Status.WARN) is Verdict.MET  # one identifier aligns
    assert gmail["dmarc.reports"].verdict(Status.SKIP) is Verdict.NOT_MET  # no DMARC record


@pytest.mark.parametrize(
    ("checks", "problem"),
    [
        ("[{rule: a.b, met: [pass, error]}]", "error is never met"),
        ("[{rule: a.b, met: [pass], undecided: [pass]}]", "both met and undecided"),
        ("[{rule: a.b}, {rule: a.b}]", "listed twice"),
        ("[{rule: a.b, met: [passed]}]", "pass"),
        ("[{rule: a.b, meet: [pass]}]", "meet"),
        ("[{rule: 'not an id'}]", "rule"),
        ("[]", "checks"),
        ("[{rule: a.b, only_where: c.d}]", "not one of its checks"),
        ("[{rule: a.b, only_where: a.b}]", "itself"),
    ],
)
def test_a_broken_profile_file_is_refused(checks, problem):
    with pytest.raises(ValidationError, match=problem):
        profile_of(checks)


# --- judging -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (Status.PASS, Verdict.MET),
        (Status.WARN, Verdict.MET),
        (Status.SKIP, Verdict.MET),
        (Status.ERROR, Verdict.UNDECIDED),
        (Status.FAIL, Verdict.NOT_MET),
    ],
)
def test_by_default_a_status_means_what_it_means_for_the_exit_code(status, verdict):
    assert verdict_of(profile_of("[{rule: a.b}]"), [finding("a.b", status)]) is verdict


def test_a_narrowed_check_turns_a_warn_into_not_met_and_error_stays_undecided():
    profile = profile_of("[{rule: a.b, met: [pass], undecided: [skip]}]")
    assert verdict_of(profile, [finding("a.b", Status.WARN)]) is Verdict.NOT_MET
    assert verdict_of(profile, [finding("a.b", Status.SKIP)]) is Verdict.UNDECIDED
    assert verdict_of(profile, [finding("a.b", Status.ERROR)]) is Verdict.UNDECIDED


def test_the_worst_finding_decides_over_subjects_and_rules():
    profile = profile_of("[{rule: a.b}, {rule: c.d}]")
    met = [finding("a.b", Status.PASS, "one"), finding("c.d", Status.WARN)]
    undecided = [*met, finding("a.b", Status.ERROR, "two")]
    assert verdict_of(profile, met) is Verdict.MET
    assert verdict_of(profile, undecided) is Verdict.UNDECIDED
    assert verdict_of(profile, [*undecided, finding("c.d", Status.FAIL, "three")]) is (
        Verdict.NOT_MET
    )


def test_the_findings_behind_a_verdict_come_worst_first():
    profile = profile_of("[{rule: a.b}]")
    findings = [finding("a.b", Status.PASS, "good"), finding("a.b", Status.FAIL, "bad")]
    (requirement,) = judge(profile, findings, {"a.b"}, "s", "s").requirements
    assert [(e.subject, e.verdict) for e in requirement.evidence] == [
        ("bad", Verdict.NOT_MET),
        ("good", Verdict.MET),
    ]
    assert [e.subject for e in requirement.deciding()] == ["bad"]


def test_a_rule_that_did_not_run_is_left_out_and_named():
    profile = profile_of("[{rule: a.b}, {rule: c.d}]")
    result = judge(profile, [finding("a.b", Status.PASS)], {"a.b"}, "s", "s")
    (requirement,) = result.requirements
    assert requirement.verdict is Verdict.MET
    assert requirement.missing_rules == ("c.d",)


def test_a_requirement_none_of_whose_rules_ran_is_not_judged():
    result = judge(profile_of("[{rule: a.b}]"), [finding("x.y", Status.FAIL)], {"x.y"}, "s", "s")
    assert result.requirements == ()
    (unchecked,) = result.unchecked
    assert unchecked.rules_not_run == ("a.b",)


def test_a_rule_that_ran_without_a_finding_leaves_the_requirement_undecided():
    profile = profile_of("[{rule: a.b}, {rule: c.d}]")
    result = judge(profile, [finding("a.b", Status.PASS)], {"a.b", "c.d"}, "s", "s")
    (requirement,) = result.requirements
    assert requirement.verdict is Verdict.UNDECIDED
    assert requirement.silent_rules == ("c.d",)


def test_only_where_counts_a_rule_only_on_the_subjects_another_rule_judged():
    profile = profile_of("[{rule: a.b}, {rule: c.d, only_where: a.b}]")
    judged = [finding("a.b", Status.PASS, "list.eml"), finding("a.b", Status.SKIP, "other.eml")]
    broken_elsewhere = [*judged, finding("c.d", Status.FAIL, "other.eml")]
    assert verdict_of(profile, broken_elsewhere) is Verdict.MET
    assert verdict_of(profile, [*judged, finding("c.d", Status.FAIL, "list.eml")]) is (
        Verdict.NOT_MET
    )
    # without the rule that tells where it applies, the check is left out, that rule named
    result = judge(profile, [finding("c.d", Status.FAIL, "x.eml")], {"c.d"}, "s", "s")
    assert result.requirements == ()
    assert result.unchecked[0].rules_not_run == ("a.b", "c.d")


@pytest.mark.parametrize("name", [ProfileName.GMAIL, ProfileName.YAHOO])
def test_a_transactional_samples_broken_signature_fails_authentication_not_one_click(name):
    """A transactional sample (message.list-unsubscribe skips it) whose DKIM signature fails,
    and a list sample whose signature verifies: DKIM is not set up right, one-click is."""
    findings = [
        finding("message.list-unsubscribe", Status.SKIP, "receipt.eml"),
        finding("message.dkim", Status.FAIL, "receipt.eml"),
        finding("message.list-unsubscribe", Status.PASS, "news.eml"),
        finding("message.dkim", Status.PASS, "news.eml"),
        finding("dkim.match", Status.PASS, "sel._domainkey.x.example"),
    ]
    rules_run = {f.rule for f in findings}
    verdicts = judge(load_profile(name), findings, rules_run, "s", "s").requirements
    by_id = {r.id: r.verdict for r in verdicts}
    assert by_id == {"authentication": Verdict.NOT_MET, "one-click-unsubscribe": Verdict.MET}


@pytest.mark.parametrize("name", [ProfileName.GMAIL, ProfileName.YAHOO, ProfileName.OUTLOOK])
def test_without_sending_ips_whether_spf_passes_is_undecided(name):
    """spf.authorizes skips without sending IPs: every provider profile that asks for SPF
    leaves that undecided, whatever the other SPF and DKIM rules say."""
    findings = [
        finding("spf.record", Status.PASS, "bounce.x.example"),
        finding("spf.authorizes", Status.SKIP, "bounce.x.example"),
        finding("dkim.key", Status.PASS, "sel._domainkey.x.example"),
    ]
    rules_run = {f.rule for f in findings}
    verdicts = judge(load_profile(name), findings, rules_run, "s", "s").requirements
    spf = next(r for r in verdicts if "spf.authorizes" in {e.rule for e in r.evidence})
    assert spf.verdict is Verdict.UNDECIDED


@pytest.mark.parametrize("name", [ProfileName.GMAIL, ProfileName.YAHOO, ProfileName.OUTLOOK])
def test_a_published_key_that_is_not_the_providers_fails_dkim(name):
    findings = [finding("dkim.match", Status.FAIL, "sel._domainkey.x.example")]
    (requirement,) = judge(load_profile(name), findings, {"dkim.match"}, "s", "s").requirements
    assert requirement.verdict is Verdict.NOT_MET


@pytest.mark.parametrize(
    ("code", "verdicts", "expected"),
    [
        (ExitCode.OK, set(), ExitCode.OK),
        (ExitCode.OK, {Verdict.MET}, ExitCode.OK),
        (ExitCode.OK, {Verdict.MET, Verdict.NOT_MET}, ExitCode.FAILED),
        (ExitCode.OK, {Verdict.UNDECIDED}, ExitCode.UNDECIDED),
        (ExitCode.UNDECIDED, {Verdict.NOT_MET}, ExitCode.FAILED),
        (ExitCode.FAILED, {Verdict.MET}, ExitCode.FAILED),
        (ExitCode.UNDECIDED, {Verdict.MET}, ExitCode.UNDECIDED),
    ],
)
def test_a_requirement_not_met_fails_like_a_fail_and_undecided_is_like_an_error(
    code, verdicts, expected
):
    assert with_compliance(code, verdicts) is expected


def test_a_warn_a_profile_refuses_fails_the_report():
    """The findings alone exit 0; the CSA's verdict on a generic PTR name makes it 1."""
    import datetime as dt

    from mailcheck.core.report import Report

    findings = (finding("ip.ptr", Status.WARN, "198.51.100.20"),)
    verdicts = judge(load_profile(ProfileName.CSA), findings, {"ip.ptr"}, "s", "s")
    assert Report(findings, dt.date(2026, 12, 7)).exit_code is ExitCode.OK
    report = Report(findings, dt.date(2026, 12, 7), compliance=(verdicts,))
    assert report.exit_code is ExitCode.FAILED


# --- the command line ----------------------------------------------------------------------------


def compliance(report: dict) -> dict[str, dict[str, str]]:
    """{profile: {requirement: verdict}} of a JSON report."""
    return {
        result["profile"]: {r["id"]: r["verdict"] for r in result["requirements"]}
        for result in report["compliance"]
    }


def test_without_a_profile_the_report_has_no_compliance_key(write_sheet, check_json):
    sheet = write_sheet("anna@good.senders.example", extra=MEETS_DNS)
    code, report = check_json(sheet, *GOOD_ZONES)
    assert "compliance" not in report
    assert code == 0


def test_the_seed_profile_judges_as_the_exit_code_does(write_sheet, check_json):
    good = write_sheet("anna@good.senders.example", extra=MEETS_DNS, name="good.yaml")
    code, report = check_json(good, *GOOD_ZONES, "--profile", "seed")
    assert set(compliance(report)["seed"].values()) == {"met"}
    assert code == report["exit_code"] == 0
    role = write_sheet("postmaster@good.senders.example", extra=MEETS_DNS, name="role.yaml")
    code, report = check_json(role, *GOOD_ZONES, "--profile", "seed")
    assert compliance(report)["seed"]["senders"] == "not_met"
    assert code == 1


def test_the_example_exits_alike_with_and_without_the_seed_profile(check_json):
    plain, _ = check_json(EXAMPLE / "sheet.yaml", *zone_args(EXAMPLE))
    judged, report = check_json(EXAMPLE / "sheet.yaml", *zone_args(EXAMPLE), "--profile", "seed")
    assert judged == plain == 1
    assert "not_met" in compliance(report)["seed"].values()


@pytest.fixture
def imprintless(tmp_path) -> list[str | Path]:
    """A sheet whose only sample has no imprint, checked by message.impressum alone."""
    (tmp_path / "mail.eml").write_text(
        "From: anna@good.senders.example\nTo: x@example.org\nSubject: Hallo\n"
        "List-Help: <mailto:help@good.senders.example>\n\nNur ein kurzer Gruss.\n"
    )
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text(
        "version: 1\nsenders:\n  - address: anna@good.senders.example\nsamples: [mail.eml]\n"
    )
    return [sheet, "--select", "message.impressum", "--zone", ZONE]


def test_an_imprint_the_heuristic_misses_is_undecided_under_csa(imprintless, check_json):
    code, report = check_json(*imprintless)
    assert code == 0  # the obligations: a heuristic warns, never fails
    code, report = check_json(*imprintless, "--profile", "csa")
    assert compliance(report) == {"csa": {"imprint": "undecided"}}
    assert code == 3


def test_the_store_records_the_exit_code_the_profiles_make(imprintless, run_cli, tmp_path):
    from mailcheck.state import Store

    db = tmp_path / "state.sqlite"
    code, _, _ = run_cli("check", *imprintless, "--profile", "csa", "--db", db)
    with Store.open(db) as store:
        (recorded,) = store.runs()
    assert recorded.exit_code == code == 3


def test_the_sheet_names_profiles_and_the_command_line_adds_to_them(write_sheet, check_json):
    sheet = write_sheet("anna@good.senders.example", extra=MEETS_DNS + "profiles: [csa, gmail]\n")
    _, report = check_json(sheet, *GOOD_ZONES)
    assert [r["profile"] for r in report["compliance"]] == ["gmail", "csa"]
    _, report = check_json(sheet, *GOOD_ZONES, "--profile", "seed", "--profile", "gmail")
    assert [r["profile"] for r in report["compliance"]] == ["seed", "gmail", "csa"]


def test_an_unknown_profile_on_the_command_line_is_a_usage_error(write_sheet, run_cli):
    sheet = write_sheet("anna@good.senders.example")
    code, _, err = run_cli("check", sheet, "--profile", "aol")
    assert code == 2
    assert "aol" in err
    assert "Traceback" not in err


def test_an_unknown_profile_in_the_sheet_is_an_input_error_naming_the_line(write_sheet, run_cli):
    sheet = write_sheet("anna@good.senders.example", extra="profiles: [gmial]\n")
    code, _, err = run_cli("check", sheet, "--zone", ZONE)
    assert code == 2
    assert f"{sheet}:6: profiles[0]:" in err
    assert "gmail" in err  # did you mean
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_the_schema_offers_the_profiles(run_cli):
    code, out, _ = run_cli("schema")
    schema = json.loads(out)
    assert schema["$defs"]["ProfileName"]["enum"] == [name.value for name in ProfileName]
    titles = {item["const"]: item["title"] for item in schema["$defs"]["ProfileName"]["oneOf"]}
    assert titles["gmail"] == load_profile(ProfileName.GMAIL).title
    assert schema["properties"]["profiles"]["items"] == {"$ref": "#/$defs/ProfileName"}
    assert code == 0


DMARC_ZONES = {
    "dm.example": """
        _dmarc.none IN TXT "v=DMARC1; p=none"
        _dmarc.two  IN TXT "v=DMARC1; p=reject"
        _dmarc.two  IN TXT "v=DMARC1; p=none"
    """,
    "psd.example": """
        _dmarc      IN TXT "v=DMARC1; p=reject; psd=y"
    """,
}


@pytest.mark.parametrize(
    ("domain", "record", "reports", "verdict"),
    [
        ("none.dm.example", "warn", "warn", "met"),  # p=none, no rua=: accepted by Gmail
        ("absent.dm.example", "warn", "skip", "not_met"),  # no record at all
        ("shop.psd.example", "warn", "skip", "not_met"),  # only a public suffix's psd=y record
        ("two.dm.example", "fail", "skip", "not_met"),  # competing records: all discarded
    ],
)
def test_dmarc_reports_skips_exactly_when_no_record_of_the_domains_own_applies(
    run_cli, tmp_path, domain, record, reports, verdict
):
    """What the provider profiles assume: dmarc.record warns both for p=none and for no record,
    and dmarc.reports' skip is what tells them apart (it skips as well for a sheet without a
    sender domain, where dmarc.record skips too)."""
    zones = []
    for origin, body in DMARC_ZONES.items():
        path = tmp_path / f"{origin}.zone"
        head = f"$ORIGIN {origin}.\n$TTL 300\n@ IN SOA ns1 h 1 3600 600 86400 60\n"
        path.write_text(head + "\n".join(line.strip() for line in body.splitlines()) + "\n")
        zones += ["--zone", path]
    code, out = run(run_cli, "domain", domain, *zones, "--profile", "gmail", "--format", "json")
    report = json.loads(out)
    statuses = {f["rule"]: f["status"] for f in report["findings"]}
    assert (statuses["dmarc.record"], statuses["dmarc.reports"]) == (record, reports)
    assert compliance(report)["gmail"]["dmarc"] == verdict
    assert code == 1  # none of them has SPF or a DKIM key


def test_domain_judges_what_its_rules_can_and_lists_the_rest(run_cli):
    code, out, _ = run_cli(
        "domain",
        "acme.example",
        "--selector",
        "esp2026",
        *zone_args(EXAMPLE),
        "--profile",
        "gmail",
        "--format",
        "json",
    )
    report = json.loads(out)
    (result,) = report["compliance"]
    assert result["subject"] == "acme.example" and result["sheet"] is None
    judged = {r["id"]: r for r in result["requirements"]}
    assert judged["dmarc"]["verdict"] == "met"  # p=none
    assert "spf.authorizes" in judged["authentication"]["rules_not_run"]
    not_run = {u["id"] for u in result["not_checked"] if u["rules_not_run"]}
    assert "one-click-unsubscribe" in not_run  # mailcheck domain reads no samples
    assert code == report["exit_code"]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_domain_list_judges_every_domain(run_cli, tmp_path, workers):
    domains = tmp_path / "domains.txt"
    domains.write_text("acme.example esp2026 bounce.acme.example\nacme-shop.example\n")
    code, out = run(
        run_cli,
        "domain",
        "--from-file",
        domains,
        *zone_args(EXAMPLE),
        "--profile",
        "outlook",
        "--format",
        "jsonl",
        "--workers",
        workers,
    )
    lines = [json.loads(line) for line in out.splitlines()]
    verdicts = {x["subject"]: x["verdict"] for x in lines if "profile" in x}
    # acme-shop.example: no selector given and no key at a common selector name, so its DKIM
    # key cannot be checked (undecided), and no SPF record at the domain itself (its MAIL FROM
    # when the line names none): nothing aligns
    assert verdicts == {"acme.example": "met", "acme-shop.example": "not_met"}
    judged = [x for x in lines if "profile" in x]
    assert lines[-1]["compliance"] == {
        verdict: sum(x["counts"][verdict] for x in judged)
        for verdict in ("met", "not_met", "undecided")
    }
    (shop,) = [x for x in judged if x["subject"] == "acme-shop.example"]
    assert {r["id"]: r["verdict"] for r in shop["requirements"]} == {
        "spf": "not_met",
        "dkim": "undecided",
        "dmarc": "not_met",
    }
    assert lines[-1]["compliance"]["not_met"] == 2
    assert code == lines[-1]["exit_code"] == 1


# --- formats -------------------------------------------------------------------------------------


@pytest.fixture
def role_sheet(write_sheet):
    """A sheet whose role address breaks the seed's sender requirement."""
    return write_sheet("postmaster@good.senders.example", extra=MEETS_DNS)


def run(run_cli, *args) -> tuple[int, str]:
    code, out, err = run_cli(*args)
    assert "Traceback" not in err
    return code, out


def test_table_shows_each_requirement_and_the_finding_behind_it(role_sheet, run_cli):
    code, out = run(run_cli, "check", role_sheet, *GOOD_ZONES, "--profile", "seed")
    section = out[out.index("Compliance: ") :]
    assert "NOT MET" in section
    row = section[section.index("│ NOT MET") : section.index("│ MET")]  # its lines, wrapped
    assert "sender.role" in row and "postmaster@" in row and "fail" in row
    last = " ".join(out[out.rindex("requirements: ") :].split())
    assert last.startswith("requirements: 9 met, 1 not met →")
    assert code == 1


def test_markdown_has_a_compliance_section_with_linked_sources(role_sheet, run_cli):
    code, out = run(
        run_cli,
        "check",
        role_sheet,
        *GOOD_ZONES,
        "--profile",
        "gmail",
        "--profile",
        "seed",
        "--format",
        "markdown",
    )
    assert "## Compliance: Gmail sender guidelines" in out
    assert "(https://support.google.com/a/answer/81126)" in out
    seed = out[out.index("## Compliance: Customer obligations") :]
    assert "| ❌ not met |" in seed
    assert "`sender.role` `postmaster@good.senders.example`: fail" in seed
    assert code == 1


def test_jsonl_writes_a_line_per_profile_after_the_findings(role_sheet, run_cli):
    code, out = run(
        run_cli,
        "check",
        role_sheet,
        *GOOD_ZONES,
        "--profile",
        "seed",
        "--profile",
        "gmail",
        "--format",
        "jsonl",
    )
    lines = [json.loads(line) for line in out.splitlines()]
    kinds = ["rule" if "rule" in x else "profile" if "profile" in x else "end" for x in lines]
    assert kinds == ["rule"] * kinds.count("rule") + ["profile", "profile", "end"]
    assert [line["profile"] for line in lines if "profile" in line] == ["seed", "gmail"]
    assert lines[-1]["compliance"]["not_met"] >= 1
    assert lines[-1]["exit_code"] == code == 1


def test_sarif_carries_the_verdicts_in_the_run_properties(role_sheet, run_cli):
    from test_formats import validate_sarif

    code, out = run(
        run_cli, "check", role_sheet, *GOOD_ZONES, "--profile", "seed", "--format", "sarif"
    )
    document = json.loads(out)
    validate_sarif(document)
    (result,) = document["runs"][0]["properties"]["compliance"]
    assert result["profile"] == "seed" and result["verdict"] == "not_met"
    assert document["runs"][0]["invocations"][0]["exitCode"] == code == 1


def test_junit_has_a_suite_per_profile_with_a_case_per_requirement(role_sheet, run_cli):
    code, out = run(
        run_cli, "check", role_sheet, *GOOD_ZONES, "--profile", "seed", "--format", "junit"
    )
    root = ET.fromstring(out)
    (suite,) = [s for s in root if s.get("name") == "compliance seed"]
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {r.id for r in load_profile(ProfileName.SEED).requirements}
    assert cases["senders"].find("failure") is not None
    assert cases["dkim"].find("failure") is None
    assert int(suite.get("failures")) == sum(c.find("failure") is not None for c in cases.values())
    assert int(root.get("tests")) == sum(1 for _ in root.iter("testcase"))
    assert code == 1


def test_github_annotates_a_requirement_not_met_on_the_sheet(role_sheet, run_cli, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, _, err = run_cli(
        "check", role_sheet, *GOOD_ZONES, "--profile", "seed", "--format", "json"
    )
    (annotation,) = [line for line in err.splitlines() if "title=seed%3A" in line]
    assert annotation.startswith(f"::error file={role_sheet},title=seed%3A Sender addresses")
    assert "sender.role postmaster@good.senders.example: fail" in annotation
    assert code == 1


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_streamed_batch_judges_every_sheet(write_sheet, run_cli, workers):
    good = write_sheet("anna@good.senders.example", extra=MEETS_DNS, name="good.yaml")
    role = write_sheet(
        "postmaster@good.senders.example", extra=MEETS_DNS + "profiles: [csa]\n", name="role.yaml"
    )
    code, out = run(
        run_cli,
        "check",
        good,
        role,
        *GOOD_ZONES,
        "--profile",
        "seed",
        "--format",
        "jsonl",
        "--workers",
        workers,
    )
    lines = [json.loads(line) for line in out.splitlines()]
    judged = [line for line in lines if "profile" in line]
    assert Counter((x["sheet"], x["profile"]) for x in judged) == Counter(
        [(str(good), "seed"), (str(role), "seed"), (str(role), "csa")]
    )
    verdicts = {(x["sheet"], x["profile"]): x["verdict"] for x in judged}
    assert verdicts[str(good), "seed"] == "met"
    assert verdicts[str(role), "seed"] == "not_met"
    assert code == lines[-1]["exit_code"] == 1


def test_a_batch_in_one_report_keeps_each_sheets_verdicts(write_sheet, check_json):
    good = write_sheet("anna@good.senders.example", extra=MEETS_DNS, name="good.yaml")
    role = write_sheet("postmaster@good.senders.example", extra=MEETS_DNS, name="role.yaml")
    code, report = check_json(good, role, *GOOD_ZONES, "--profile", "seed", "--workers", "2")
    verdicts = {r["sheet"]: r["verdict"] for r in report["compliance"]}
    assert verdicts == {str(good): "met", str(role): "not_met"}
    assert code == 1


# --- the examples --------------------------------------------------------------------------------


def test_the_acme_example_meets_every_gmail_requirement(check_json):
    """The acceptance: the bundled example's streams pass the stream rules under `--profile
    gmail`, with no finding undecided. The example still fails obligations on purpose (exit 1),
    none of Gmail's."""
    code, report = check_json(EXAMPLE / "sheet.yaml", *zone_args(EXAMPLE), "--profile", "gmail")
    (gmail,) = report["compliance"]
    assert {r["id"]: r["verdict"] for r in gmail["requirements"]} == dict.fromkeys(
        [r["id"] for r in gmail["requirements"]], "met"
    )
    for rule in STREAM_RULES:  # every finding of the stream rules passes
        assert {f["status"] for f in report["findings"] if f["rule"] == rule} == {"pass"}, rule
    assert {r["id"] for r in gmail["requirements"]} == {
        r.id for r in load_profile(ProfileName.GMAIL).requirements
    }
    assert report["summary"]["error"] == 0
    assert code == 1


def resolve(example: Path, name: str, rdtype: str) -> list[str]:
    """Answers from the example's own zone files, as `--zone` gives them."""
    import asyncio

    from mailcheck.dnsclient.records import TXT, AddressRecord, Pointer
    from mailcheck.rules.context import build_resolver

    resolver = build_resolver(zones=sorted((example / "zones").glob("*.zone")))
    answer = asyncio.run(resolver.query(name, rdtype))
    texts = {AddressRecord: "address", Pointer: "target", TXT: "text"}
    return [getattr(record, texts[type(record)]) for record in answer.records]


def test_the_acme_example_is_ready_for_the_stream_rules():
    """What the stream rules read, checked in the zone files without them: every sending IP's
    PTR name resolves back to it; each DMARC report address is in the domain's own
    organisational domain or authorised; every sender domain has a DKIM key of its own and a
    MAIL FROM domain below it."""
    import yaml

    sheet = yaml.safe_load((EXAMPLE / "sheet.yaml").read_text())
    for ip in sheet["spf"]["sending_ips"]:
        (name,) = resolve(EXAMPLE, ipaddress.ip_address(ip).reverse_pointer, "PTR")
        assert resolve(EXAMPLE, name, "A") == [ip]
    domains = {s["address"].rpartition("@")[2].lower() for s in sheet["senders"]}
    assert {k["domain"] for k in sheet["dkim"]} == domains
    assert {m.partition(".")[2] for m in sheet["mail_from"]} == domains
    for domain in domains:
        (record,) = resolve(EXAMPLE, f"_dmarc.{domain}", "TXT")
        for address in re.findall(r"mailto:[^@]+@([^;,\s!]+)", record):
            if address != domain:
                assert resolve(EXAMPLE, f"{domain}._report._dmarc.{address}", "TXT") == ["v=DMARC1"]


def test_the_broken_stream_fails_gmail_and_the_csa(run_cli):
    code, out = run(
        run_cli,
        "check",
        BROKEN / "sheet.yaml",
        *zone_args(BROKEN),
        "--profile",
        "csa",
        "--format",
        "json",
    )
    report = json.loads(out)
    verdicts = compliance(report)
    assert verdicts["gmail"]["authentication"] == "not_met"  # DKIM only by the provider
    assert verdicts["csa"]["authentication"] == "not_met"
    assert verdicts["gmail"]["one-click-unsubscribe"] == "met"
    assert verdicts["gmail"]["alignment"] == "not_met"
    # a generic PTR name: Gmail accepts it, the CSA does not
    assert verdicts["gmail"]["reverse-dns"] == "met"
    assert verdicts["csa"]["reverse-dns"] == "not_met"
    statuses = {
        rule: {f["status"] for f in report["findings"] if f["rule"] == rule}
        for rule in STREAM_RULES
    }
    assert statuses == {
        "ip.ptr": {"warn"},  # resolves back, but names the address: generic
        "dmarc.reports": {"fail"},  # a third party that did not authorise the reports
        "dmarc.alignment": {"fail"},  # the provider's MAIL FROM and DKIM domain
        "message.alignment": {"fail"},  # the sample is signed by the provider only
    }
    assert code == 1


def test_the_broken_stream_is_broken_in_its_zone_files():
    """What the stream rules find, checked in the zone files without them: the PTR name is
    generic but resolves back; the report address is a third party's that does not authorise
    it; the sample is signed by the provider's domain only."""
    (name,) = resolve(BROKEN, ipaddress.ip_address("198.51.100.20").reverse_pointer, "PTR")
    assert "198-51-100-20" in name and ".pool." in name
    assert resolve(BROKEN, name, "A") == ["198.51.100.20"]
    (dmarc,) = resolve(BROKEN, "_dmarc.bluebird.example", "TXT")
    assert "rua=mailto:bluebird@reports.dmarc-analyzer.example" in dmarc
    # receivers ask under the host of the rua= address, where the service authorises others
    authorised = "._report._dmarc.reports.dmarc-analyzer.example"
    assert resolve(BROKEN, f"bluebird.example{authorised}", "TXT") == []
    assert resolve(BROKEN, f"travel-shop.example{authorised}", "TXT") == ["v=DMARC1"]
    sample = (BROKEN / "samples/angebote.eml").read_text()
    assert re.findall(r"\bd=([^;\s]+);", sample) == ["esp.example"]


# --- the README ----------------------------------------------------------------------------------

README_BLOCK = re.compile(
    r"(<!-- broken-stream compliance: [^\n]*-->\n)(.*?)"
    r"(<!-- end of the broken-stream compliance -->)",
    re.S,
)


def broken_stream_compliance() -> str:
    """The compliance part of the broken stream's Markdown report, headings one level below
    the README's section (as the README's command makes it, run from the repository root)."""
    import os

    from mailcheck.engine.runner import all_compliance, check_loaded, load_sheets
    from mailcheck.engine.settings import DnsSettings, RunSettings
    from mailcheck.output.markdown import compliance_markdown

    here = os.getcwd()
    os.chdir(REPO_ROOT)
    try:
        sheet = Path("examples/broken-stream/sheet.yaml")
        zones = sorted(Path("examples/broken-stream/zones").glob("*.zone"))
        settings = RunSettings(DnsSettings(zones=tuple(zones)), profiles=(ProfileName.CSA,))
        results = check_loaded(load_sheets([sheet]), list(REGISTRY.values()), settings)
    finally:
        os.chdir(here)
    return compliance_markdown(all_compliance(results), level=4)


def test_the_readme_shows_the_broken_streams_compliance_as_mailcheck_makes_it():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    match = README_BLOCK.search(readme)
    assert match, "the README lost its broken-stream compliance markers"
    assert match.group(2) == broken_stream_compliance() + "\n", (
        "the README's compliance tables are out of date: run `python tests/test_profiles.py`"
    )


def test_the_readme_names_every_profile_and_its_source():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    for profile in all_profiles():
        assert f"| `{profile.profile}` |" in readme
        if profile.url:
            assert profile.url in readme


@pytest.mark.parametrize("example", [EXAMPLE, BROKEN], ids=["acme", "broken-stream"])
def test_the_readmes_example_commands_run_offline_as_written(example, run_cli, monkeypatch):
    """Each example's command in the README names every zone file of the example, and runs
    with no answer missing: no finding is `error` (a name outside the zones would be)."""
    import shlex

    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    folder = example.relative_to(REPO_ROOT).as_posix()
    (command,) = re.findall(rf"mailcheck check {folder}/sheet\.yaml[^\n`]*", readme)
    args = shlex.split(command)[1:]
    named = {args[i + 1] for i, arg in enumerate(args) if arg == "--zone"}
    assert named == {f"{folder}/zones/{z.name}" for z in (example / "zones").glob("*.zone")}
    monkeypatch.chdir(REPO_ROOT)
    fmt = args.index("--format") if "--format" in args else len(args)
    code, out, err = run_cli(*args[:fmt], *args[fmt + 2 :], "--format", "json")
    report = json.loads(out)
    assert report["summary"]["error"] == 0, err
    assert code == 1  # both fail on purpose


def write_readme_block() -> None:
    """Refresh the README's broken-stream compliance block (after a rule or profile changed)."""
    path = REPO_ROOT / "README.md"
    readme = path.read_text(encoding="utf-8")
    block = broken_stream_compliance() + "\n"
    path.write_text(README_BLOCK.sub(lambda m: m.group(1) + block + m.group(3), readme))


if __name__ == "__main__":  # python tests/test_profiles.py
    write_readme_block()
