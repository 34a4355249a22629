"""Rule metadata carries what a rule id's prefix once did; nothing outside the registry reads it.

The commands choose their rules, findings are anchored in the sheet, Markdown lists deadlines and
the deadline clocks run by the metadata each rule module declares (`rules/base.py`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import REPO_ROOT

SOURCE = REPO_ROOT / "src" / "mailcheck"
REGISTRY_PACKAGE = SOURCE / "rules"
# `--select spf.` is the user naming rules by prefix, a documented feature: not an internal test.
USER_PREFIXES = SOURCE / "commands" / "_selection.py"


def test_every_rule_declares_every_metadata_field():
    from mailcheck.engine.locate import SUBJECT_KEYS
    from mailcheck.rules import REGISTRY

    for rule in REGISTRY.values():
        assert rule.title and rule.obligation and rule.source and rule.doc.strip(), rule.id
        assert rule.subject is not None, rule.id
        assert rule.subject in SUBJECT_KEYS, rule.id  # its findings can be placed on the sheet
        assert rule.inputs, rule.id
        if rule.clock is not None:  # a rule judging a deadline is due by it
            assert rule.deadline is rule.clock, rule.id
        assert rule.phase and rule.metadata_text(), rule.id


def test_every_subject_kind_names_the_sheet_keys_declaring_it():
    from mailcheck.engine.locate import SUBJECT_KEYS
    from mailcheck.rules.base import Subject

    assert set(SUBJECT_KEYS) == set(Subject)


def test_the_commands_run_the_rules_they_ran_when_chosen_by_id():
    """The metadata chooses exactly the rules the id prefixes used to."""
    from mailcheck.rules import (
        REGISTRY,
        covered_by_dns_deadline,
        domain_rules,
        message_rules,
        report_rules,
        spf_rules,
    )

    assert [r.id for r in domain_rules()] == [
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
    ]
    assert [r.id for r in spf_rules()] == ["spf.record", "spf.all", "spf.lookups"]
    assert {r.id for r in report_rules()} == {
        rule_id for rule_id in REGISTRY if rule_id.split(".")[0] in ("hygiene", "capacity")
    }
    assert {r.id for r in message_rules()} == {
        rule_id for rule_id in REGISTRY if rule_id.split(".")[0] in ("message", "unsubscribe")
    }
    covered = {rule_id for rule_id in REGISTRY if covered_by_dns_deadline(rule_id)}
    # spf.offboarded wants an entry gone after the service ended: no onboarding deadline covers it
    onboarding = {rule_id for rule_id in REGISTRY if rule_id.split(".")[0] in ("spf", "dkim")}
    assert covered == onboarding - {"spf.offboarded"}


def test_a_rule_is_chosen_by_its_metadata_not_its_id(monkeypatch):
    from mailcheck.rules import REGISTRY, covered_by_dns_deadline, message_rules, report_rules
    from mailcheck.rules.base import Input, Rule, Subject
    from mailcheck.sheet.due_dates import Kind

    async def check(sheet, ctx):
        return []

    def rule(rule_id: str, inputs: set[Input], **more) -> Rule:
        return Rule(rule_id, "-", "-", "-", check, subject=Subject.SAMPLE, inputs=inputs, **more)

    monkeypatch.setitem(REGISTRY, "zz.samples", rule("zz.samples", {Input.SAMPLES}))
    monkeypatch.setitem(REGISTRY, "zz.report", rule("zz.report", {Input.DELIVERY_REPORT}))
    monkeypatch.setitem(REGISTRY, "spf.other", rule("spf.other", {Input.DNS}))
    monkeypatch.setitem(REGISTRY, "zz.dns", rule("zz.dns", {Input.DNS}, deadline=Kind.DNS))
    assert "zz.samples" in {r.id for r in message_rules()}
    assert "zz.report" in {r.id for r in report_rules()}
    assert not covered_by_dns_deadline("spf.other")
    assert covered_by_dns_deadline("zz.dns")


def test_explain_shows_the_metadata(run_cli):
    code, out, _ = run_cli("explain", "spf.all")
    assert code == 0
    assert "Subject: mail_from" in out
    assert "dns" in out.split("Needs:", 1)[1].split("\n", 1)[0]
    assert "Due by:" in out


def _areas() -> list[str]:
    from mailcheck.rules import REGISTRY

    return sorted({rule.area for rule in REGISTRY.values()})


def _prefix_tests(text: str) -> list[str]:
    """Lines that read meaning into a rule id's prefix: `startswith("spf.")`, a `"dkim."`
    literal (a tuple of prefixes), or the part of a rule id before its first dot."""
    areas = "|".join(re.escape(area) for area in _areas())
    patterns = [
        re.compile(rf"""["'](?:{areas})\.["']"""),
        re.compile(rf"""startswith\(\s*\(?\s*["'](?:{areas})\."""),
        re.compile(r"""rule\w*(?:\.\w+)*\.(?:partition\(\s*["']\.["']\s*\)|split\(\s*["']\.)"""),
    ]
    return [line for line in text.splitlines() if any(p.search(line) for p in patterns)]


def test_the_prefix_check_sees_what_it_looks_for():
    assert _prefix_tests('    deadlines = [f for f in fs if f.rule.startswith("deadline.")]')
    assert _prefix_tests('RULE_AREAS = ("hygiene.", "capacity.")')
    assert _prefix_tests('        area = AREA_KEYS.get(rule.partition(".")[0], ())')
    assert _prefix_tests('    return [r for r in rules if rule.id.split(".", 1)[0] in AREAS]')
    assert not _prefix_tests('    if finding.subject.startswith("dates."):')


@pytest.mark.parametrize(
    "path",
    sorted(
        path
        for path in SOURCE.rglob("*.py")
        if REGISTRY_PACKAGE not in path.parents and path != USER_PREFIXES
    ),
    ids=lambda path: str(path.relative_to(SOURCE)),
)
def test_no_module_outside_the_registry_tests_a_rule_id_prefix(path: Path):
    assert _prefix_tests(path.read_text(encoding="utf-8")) == []


def test_the_domain_rules_are_read_when_the_command_runs(monkeypatch):
    """Not when its module is imported: a registry changed for one test must not stay changed."""
    from mailcheck.commands.domain import domain_rule_ids
    from mailcheck.rules import REGISTRY

    monkeypatch.delitem(REGISTRY, "dmarc.record")
    assert "dmarc.record" not in domain_rule_ids()
    monkeypatch.undo()
    assert "dmarc.record" in domain_rule_ids()
