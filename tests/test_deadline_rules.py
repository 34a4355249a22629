"""Rules deadline.sheet and deadline.dns, and the engine's second phase they rely on."""

from __future__ import annotations

import pytest

from conftest import REPO_ROOT, statuses
from mailcheck.core.findings import Status
from onlyrules import keep_only

ZONE = str(REPO_ROOT / "tests/data/zones/senders.example.zone")
SENDER = "anna@good.senders.example"


@pytest.fixture(autouse=True)
def _only_sender_and_deadline_rules(monkeypatch):
    keep_only(monkeypatch)


def dates(**given: str) -> str:
    return "region: DE-BY\ndates:\n" + "".join(f"  {k}: {v}\n" for k, v in given.items())


def deadline_status(check_json, sheet, today: str, rule: str) -> tuple[str, dict]:
    _, report = check_json(sheet, "--zone", ZONE, "--today", today)
    (finding,) = [f for f in report["findings"] if f["rule"] == rule]
    return finding["status"], finding


# --- deadline.sheet: due 5 working days after 2026-11-02 (Monday) = 2026-11-09 ------------------


@pytest.mark.parametrize(
    ("submitted", "today", "expected"),
    [
        ("2026-11-06", "2026-11-20", "pass"),
        ("2026-11-09", "2026-11-20", "pass"),  # on the due date: in time
        ("2026-11-10", "2026-11-20", "fail"),  # one working day late
        (None, "2026-11-05", "warn"),  # missing, 2 working days left
        (None, "2026-11-09", "warn"),  # missing on the due date: still in time
        (None, "2026-11-10", "fail"),  # missing after it
    ],
)
def test_deadline_sheet(write_sheet, check_json, submitted, today, expected):
    given = {"contract_signed": "2026-11-02"}
    if submitted:
        given["sheet_submitted"] = submitted
    sheet = write_sheet(SENDER, extra=dates(**given))
    status, finding = deadline_status(check_json, sheet, today, "deadline.sheet")
    assert status == expected
    assert "2026-11-09" in finding["message"]  # the due date is always given
    assert (finding["hint"] is not None) == (expected in ("fail", "warn"))


def test_deadline_sheet_gives_working_days_left(write_sheet, check_json):
    sheet = write_sheet(SENDER, extra=dates(contract_signed="2026-11-02"))
    _, finding = deadline_status(check_json, sheet, "2026-11-05", "deadline.sheet")
    assert "2 working days left" in finding["message"]


def test_deadline_sheet_mon_sat(write_sheet, check_json):
    extra = dates(contract_signed="2026-11-02", sheet_submitted="2026-11-09")
    sheet = write_sheet(SENDER, extra=extra + "working_week: mon-sat\n")
    status, finding = deadline_status(check_json, sheet, "2026-11-20", "deadline.sheet")
    assert status == "fail"  # due Saturday 2026-11-07 when Saturdays count
    assert "2026-11-07" in finding["message"]


def test_deadline_sheet_skips_without_contract_date(write_sheet, check_json):
    sheet = write_sheet(SENDER)
    assert deadline_status(check_json, sheet, "2026-11-20", "deadline.sheet")[0] == "skip"


def test_deadline_failure_sets_the_exit_code(write_sheet, check_json):
    sheet = write_sheet(SENDER, extra=dates(contract_signed="2026-11-02"))
    code, _ = check_json(sheet, "--zone", ZONE, "--today", "2026-11-10")
    assert code == 1


# --- deadline.dns: due 10 working days after 2026-11-09 (Monday) = 2026-11-23 -------------------


@pytest.fixture
def stand_ins(monkeypatch):
    """Register stand-in SPF/DKIM rules (the real ones are separate modules) with given statuses.

    Registered after deadline.dns on purpose: the engine must still run it after them. Each
    keeps the real rule's metadata (what it is about, the deadline it is due by)."""
    import dataclasses
    import importlib

    from mailcheck.rules import REGISTRY

    def register(**by_rule: str) -> None:
        for module, status in by_rule.items():
            rule_id = module.replace("_", ".", 1).replace("_", "-")
            real = importlib.import_module(f"mailcheck.rules.{module}").RULE

            async def check(sheet, ctx, rule_id=rule_id, status=status):
                rule = REGISTRY[rule_id]
                return [rule.finding(Status(status), "bounce.senders.example", status, "fix it")]

            stand_in = dataclasses.replace(real, check=check)
            monkeypatch.setitem(REGISTRY, rule_id, stand_in)

    return register


def dns_sheet(write_sheet, extra: str = ""):
    return write_sheet(SENDER, extra=dates(dns_requested="2026-11-09") + extra)


@pytest.mark.parametrize(
    ("rules", "today", "expected"),
    [
        ({"spf_record": "pass", "dkim_key": "pass"}, "2026-11-20", "pass"),
        ({"spf_record": "pass", "dkim_key": "skip"}, "2026-11-20", "pass"),  # skip counts as met
        ({"spf_record": "warn", "dkim_key": "pass"}, "2026-12-20", "pass"),  # warn is met
        ({"spf_all": "fail", "dkim_key": "pass"}, "2026-11-20", "warn"),
        ({"spf_all": "fail", "dkim_key": "pass"}, "2026-11-23", "warn"),  # the due date itself
        ({"spf_all": "fail", "dkim_key": "pass"}, "2026-11-24", "fail"),  # overdue
        ({"spf_record": "pass", "dkim_key": "fail"}, "2026-12-01", "fail"),
        ({"spf_record": "error", "dkim_key": "pass"}, "2026-12-01", "error"),
        ({"spf_record": "error", "dkim_key": "fail"}, "2026-12-01", "fail"),  # a fail decides
        ({"spf_record": "pass", "message_dkim": "fail"}, "2026-12-01", "pass"),  # not DNS
    ],
)
def test_deadline_dns(write_sheet, check_json, stand_ins, rules, today, expected):
    stand_ins(**rules)
    status, finding = deadline_status(check_json, dns_sheet(write_sheet), today, "deadline.dns")
    assert status == expected
    assert "2026-11-23" in finding["message"]
    if expected in ("warn", "fail"):
        assert "fix it" in finding["hint"]


def test_deadline_dns_warning_gives_working_days_left(write_sheet, check_json, stand_ins):
    stand_ins(spf_all="fail")
    _, finding = deadline_status(check_json, dns_sheet(write_sheet), "2026-11-20", "deadline.dns")
    assert "1 working day left" in finding["message"]
    assert "spf.all" in finding["message"]


def test_deadline_dns_skips_without_request_date(write_sheet, check_json, stand_ins):
    stand_ins(spf_all="fail")
    sheet = write_sheet(SENDER)
    assert deadline_status(check_json, sheet, "2026-12-20", "deadline.dns")[0] == "skip"


def test_deadline_dns_skips_when_no_spf_or_dkim_check_ran(write_sheet, check_json):
    status, _ = deadline_status(check_json, dns_sheet(write_sheet), "2026-12-20", "deadline.dns")
    assert status == "skip"


def test_an_exempted_failure_counts_as_met(write_sheet, check_json, stand_ins):
    stand_ins(spf_all="fail")
    exemption = (
        "exemptions:\n  - rule: spf.all\n    subject: bounce.senders.example\n"
        "    reason: the provider rewrites the envelope-from\n"
    )
    sheet = dns_sheet(write_sheet, exemption)
    assert deadline_status(check_json, sheet, "2026-12-20", "deadline.dns")[0] == "pass"


def test_deadline_dns_overdue_fails_the_run(write_sheet, check_json, stand_ins):
    stand_ins(dkim_key="fail")
    code, report = check_json(dns_sheet(write_sheet), "--zone", ZONE, "--today", "2026-12-01")
    assert statuses(report, "deadline.dns") == {"dates.dns_requested": "fail"}
    assert code == 1


@pytest.mark.parametrize(
    "selection",
    [["--ignore", "spf."], ["--ignore", "dkim.key"], ["--select", "deadline."]],
)
def test_deadline_dns_skips_when_the_run_left_out_an_spf_or_dkim_rule(
    write_sheet, check_json, stand_ins, selection
):
    # spf.all fails; a run without it must not judge the deadline as met (nor as failed).
    stand_ins(spf_all="fail", dkim_key="pass")
    sheet = dns_sheet(write_sheet)
    _, report = check_json(sheet, "--zone", ZONE, "--today", "2026-12-01", *selection)
    assert statuses(report, "deadline.dns") == {"dates.dns_requested": "skip"}
    _, report = check_json(sheet, "--zone", ZONE, "--today", "2026-12-01")
    assert statuses(report, "deadline.dns") == {"dates.dns_requested": "fail"}


def test_a_run_without_spf_does_not_stop_the_dns_clock(
    write_sheet, run_cli, check_json, stand_ins, tmp_path
):
    import json

    stand_ins(spf_all="fail", dkim_key="pass")
    sheet, db = dns_sheet(write_sheet), tmp_path / "state.sqlite"
    base = ["--zone", ZONE, "--db", db]
    assert check_json(sheet, *base, "--today", "2026-11-24")[0] == 1  # overdue: fails
    for day, selection in (("2026-11-25", "--ignore=spf."), ("2026-11-26", "--select=deadline.")):
        code, report = check_json(sheet, *base, "--today", day, selection)
        assert statuses(report, "deadline.dns") == {"dates.dns_requested": "skip"}
    code, out, _ = run_cli("history", sheet, "--db", db, "--format", "json")
    assert code == 1  # by the last recorded findings: spf.all still fails
    keys = {(k["rule"], k["subject"]): k for k in json.loads(out)["keys"]}
    clock = keys[("deadline.dns", "dates.dns_requested")]
    assert (clock["status"], clock["since"]) == ("fail", "2026-11-24")  # skip decided nothing
    assert [(c["failed_on"], c["fixed_on"]) for c in clock["clocks"]] == [("2026-11-24", None)]
    _, out, _ = run_cli(
        "recheck", "--zone", ZONE, "--db", db, "--today", "2026-11-27", "--format", "json"
    )
    changes = json.loads(out)["changes"]
    assert changes["fixed"] == []
    assert {i["rule"] for i in changes["still_failing"]} >= {"deadline.dns", "spf.all"}


# --- the engine's second phase ---------------------------------------------------------------


def test_post_rules_see_the_first_phase_only(tmp_path):
    import asyncio
    import datetime as dt

    from mailcheck.engine.checker import check_sheet
    from mailcheck.rules.base import Rule
    from mailcheck.rules.context import Context, build_resolver
    from mailcheck.sheet.model import load_sheet

    seen: dict[str, list[str]] = {}

    async def plain(sheet, ctx):
        seen["plain"] = [f.rule for f in ctx.findings]
        return [first.passed("x", "ok")]

    async def post(sheet, ctx):
        seen["post"] = sorted(f.rule for f in ctx.findings)
        return [second.passed("x", "ok")]

    first = Rule("test.first", "-", "-", "-", plain)
    second = Rule("test.post", "-", "-", "-", post, needs_findings=True)
    other_post = Rule("test.post2", "-", "-", "-", post, needs_findings=True)
    path = tmp_path / "s.yaml"
    path.write_text("version: 1\n")
    ctx = Context(dns=build_resolver(zones=[ZONE]), today=dt.date(2026, 11, 2))
    found = asyncio.run(check_sheet(load_sheet(path), [second, first, other_post], ctx))
    assert [f.rule for f in found] == ["test.post", "test.first", "test.post"]  # registry order
    assert seen == {"plain": [], "post": ["test.first"]}


def test_post_rules_know_which_rules_the_run_ran(tmp_path):
    import asyncio
    import datetime as dt

    from mailcheck.engine.checker import check_sheet
    from mailcheck.rules.base import Rule
    from mailcheck.rules.context import Context, build_resolver
    from mailcheck.sheet.model import load_sheet

    seen: dict[str, frozenset[str]] = {}

    async def plain(sheet, ctx):
        seen["plain"] = ctx.rules_run
        return []

    async def post(sheet, ctx):
        seen["post"] = ctx.rules_run
        return []

    rules = [
        Rule("test.first", "-", "-", "-", plain),
        Rule("test.post", "-", "-", "-", post, needs_findings=True),
    ]
    path = tmp_path / "s.yaml"
    path.write_text("version: 1\n")
    ctx = Context(dns=build_resolver(zones=[ZONE]), today=dt.date(2026, 11, 2))
    asyncio.run(check_sheet(load_sheet(path), rules, ctx))
    assert seen == {"plain": frozenset(), "post": frozenset({"test.first", "test.post"})}
