"""Judging a profile from one sheet's findings.

Each requirement is judged by its checks (`definition.py`): a check's verdict is the worst verdict
of its rule's findings for the sheet (`not_met` before `undecided` before `met`), of those on
the subjects its `only_where` rule judged when it names one; a rule that ran but said nothing
about the sheet is `undecided`. The requirement's verdict is the worst of its checks. A check
whose rule did not run (left out by `--select`/`--ignore`, or not one of the command's rules:
`mailcheck domain` reads no samples) is left out and named, and so is one whose `only_where`
rule did not run (that rule is named); a requirement none of whose rules ran is listed as not
checked, not counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence

from mailcheck.core.compliance import (
    Evidence,
    ProfileVerdict,
    RequirementVerdict,
    Unchecked,
    Verdict,
    worst,
)
from mailcheck.core.findings import Finding, Status
from mailcheck.profiles.definition import Profile, Requirement, RuleCheck


def judge(
    profile: Profile,
    findings: Iterable[Finding],
    rules_run: Collection[str],
    subject: str,
    sheet: str | None,
) -> ProfileVerdict:
    """`profile` judged from the findings of one sheet (or domain), `subject` naming it."""
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_rule[finding.rule].append(finding)
    judged, unchecked = [], []
    for requirement in profile.requirements:
        checks = [
            c
            for c in requirement.checks
            if c.rule in rules_run and (c.only_where is None or c.only_where in rules_run)
        ]
        if checks:
            judged.append(_requirement(profile, requirement, checks, by_rule, rules_run))
        else:
            unchecked.append(_not_run(profile, requirement))
    unchecked += [
        Unchecked(item.id, item.title, profile.source(item), item.why)
        for item in profile.not_checked
    ]
    return ProfileVerdict(
        profile.profile, profile.title, subject, sheet, tuple(judged), tuple(unchecked)
    )


def _requirement(
    profile: Profile,
    requirement: Requirement,
    checks: Sequence[RuleCheck],
    by_rule: dict[str, list[Finding]],
    rules_run: Collection[str],
) -> RequirementVerdict:
    evidence = [
        Evidence(f.rule, f.subject, f.status, check.verdict(f.status))
        for check in checks
        for f in _counted(check, by_rule)
    ]
    silent = [c.rule for c in checks if not by_rule.get(c.rule)]
    verdicts = [e.verdict for e in evidence] + [Verdict.UNDECIDED] * len(silent)
    missing = tuple(c.rule for c in requirement.checks if c.rule not in rules_run)
    return RequirementVerdict(
        id=requirement.id,
        title=requirement.title,
        source=profile.source(requirement),
        verdict=worst(verdicts),
        evidence=tuple(sorted(evidence, key=lambda e: e.verdict.rank)),
        missing_rules=missing,
        silent_rules=tuple(silent),
    )


def _counted(check: RuleCheck, by_rule: dict[str, list[Finding]]) -> list[Finding]:
    """The check's findings; with `only_where`, those on subjects that rule did not skip."""
    found = by_rule.get(check.rule, [])
    if check.only_where is None:
        return found
    applies = {f.subject for f in by_rule.get(check.only_where, ()) if f.status is not Status.SKIP}
    return [f for f in found if f.subject in applies]


def _not_run(profile: Profile, requirement: Requirement) -> Unchecked:
    rules = tuple(check.rule for check in requirement.checks)
    why = f"{', '.join(rules)} did not run"
    return Unchecked(requirement.id, requirement.title, profile.source(requirement), why, rules)
