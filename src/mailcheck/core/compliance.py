"""Compliance with a published sender profile: the verdict per requirement, and the findings
behind it.

A profile (`mailcheck.profiles`) is a list of requirements a mailbox provider or a
certification body publishes, each judged from the findings of some rules. What every report
format shows of it are the records below; how they are judged lives with the profiles.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mailcheck.core.findings import ExitCode, Status
from mailcheck.core.sources import cite, cited_alone, documents_in


class ProfileName(enum.StrEnum):
    """The profiles shipped with mailcheck (`--profile`, the sheet's `profiles:`)."""

    SEED = "seed"
    GMAIL = "gmail"
    YAHOO = "yahoo"
    OUTLOOK = "outlook"
    CSA = "csa"


class Verdict(enum.StrEnum):
    """Whether a requirement is met. `undecided`: a finding behind it could not be decided
    (`error`), or the profile does not count its status either way."""

    MET = "met"
    NOT_MET = "not_met"
    UNDECIDED = "undecided"

    @property
    def rank(self) -> int:
        """Sort key: what needs attention first."""
        return _RANK[self]

    @property
    def label(self) -> str:
        """The verdict as people read it."""
        return self.value.replace("_", " ")


_RANK = {Verdict.NOT_MET: 0, Verdict.UNDECIDED: 1, Verdict.MET: 2}


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    """The verdict of several parts that must all be met: met only when nothing says otherwise."""
    return min(verdicts, key=lambda verdict: verdict.rank, default=Verdict.MET)


@dataclass(frozen=True, slots=True)
class Source:
    """Where a requirement is published: a document, the section in it, its address, as people
    read them (`mailcheck.core.sources.cite`); `reference`: the same with the provider's
    document ids (`seed 000, Mitwirkungspflichten`), for machines, when it cites one."""

    document: str
    section: str
    url: str | None = None
    reference: str | None = None

    @classmethod
    def cited(cls, document: str, section: str, url: str | None = None) -> Source:
        """The source of a document and section as written, with their ids named."""
        raw = f"{document}, {section}"
        reference = raw if documents_in(raw) else None
        return cls(cited_alone(document), cite(section), url, reference)

    def as_dict(self) -> dict[str, str | None]:
        return {
            "document": self.document,
            "section": self.section,
            "url": self.url,
            "reference": self.reference,
        }

    def __str__(self) -> str:
        where = f"{self.document}, {self.section}"
        return f"{where} ({self.url})" if self.url else where


@dataclass(frozen=True, slots=True)
class Evidence:
    """A finding behind a requirement's verdict, and what the profile makes of its status."""

    rule: str
    subject: str
    status: Status
    verdict: Verdict

    def as_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "subject": self.subject,
            "status": self.status.value,
            "verdict": self.verdict.value,
        }

    def __str__(self) -> str:
        return f"{self.rule} {self.subject}: {self.status.value}"


@dataclass(frozen=True, slots=True)
class RequirementVerdict:
    """One requirement of a profile, judged for one sheet (or domain)."""

    id: str
    title: str
    source: Source
    verdict: Verdict
    evidence: tuple[Evidence, ...]
    """The findings behind the verdict, the ones that decided it first."""
    missing_rules: tuple[str, ...] = ()
    """Rules the requirement names that did not run (not selected, or not in this command):
    the verdict rests on the others."""
    silent_rules: tuple[str, ...] = ()
    """Rules that ran but said nothing about the sheet: each makes the verdict undecided."""

    def deciding(self) -> tuple[Evidence, ...]:
        """The findings that made the verdict what it is (all of them when it is met)."""
        if self.verdict is Verdict.MET:
            return self.evidence
        return tuple(e for e in self.evidence if e.verdict is self.verdict)

    def status_counts(self) -> dict[str, str]:
        """Per rule, its findings counted by status: `{"dkim.key": "2 pass, 1 warn"}`."""
        counts: dict[str, Counter[Status]] = {}
        for e in self.evidence:
            counts.setdefault(e.rule, Counter())[e.status] += 1
        return {
            rule: ", ".join(f"{n} {s.value}" for s, n in sorted(c.items(), key=lambda i: i[0].rank))
            for rule, c in counts.items()
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "source": self.source.as_dict(),
            "verdict": self.verdict.value,
            "findings": [e.as_dict() for e in self.evidence],
            "rules_not_run": list(self.missing_rules),
            "rules_without_findings": list(self.silent_rules),
        }


@dataclass(frozen=True, slots=True)
class Unchecked:
    """A requirement of a profile that no rule of this run can judge (a spam rate, TLS on
    the sending connection, or a rule outside the command): listed, never counted."""

    id: str
    title: str
    source: Source
    why: str
    rules_not_run: tuple[str, ...] = ()
    """The rules that would judge it but did not run (empty: no rule can)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "source": self.source.as_dict(),
            "why": self.why,
            "rules_not_run": list(self.rules_not_run),
        }


@dataclass(frozen=True, slots=True)
class ProfileVerdict:
    """A profile judged for one sheet (or one domain of `mailcheck domain`)."""

    profile: str
    title: str
    subject: str
    """The sheet's path as given, or the domain checked without a sheet."""
    sheet: str | None
    """The sheet's path, as findings name it (None without a sheet)."""
    requirements: tuple[RequirementVerdict, ...]
    unchecked: tuple[Unchecked, ...] = ()

    @property
    def verdict(self) -> Verdict:
        return worst(r.verdict for r in self.requirements)

    def counts(self) -> dict[str, int]:
        """Requirements per verdict, every verdict present."""
        return {v.value: sum(1 for r in self.requirements if r.verdict is v) for v in Verdict}

    def as_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "title": self.title,
            "subject": self.subject,
            "sheet": self.sheet,
            "verdict": self.verdict.value,
            "counts": self.counts(),
            "requirements": [r.as_dict() for r in self.requirements],
            "not_checked": [u.as_dict() for u in self.unchecked],
        }


def verdict_counts(results: Iterable[ProfileVerdict]) -> dict[str, int]:
    """Requirements per verdict over several profile verdicts."""
    totals = dict.fromkeys((v.value for v in Verdict), 0)
    for result in results:
        for verdict, count in result.counts().items():
            totals[verdict] += count
    return totals


def verdicts_of(results: Iterable[ProfileVerdict]) -> set[Verdict]:
    """Every requirement verdict of several profile verdicts."""
    return {r.verdict for result in results for r in result.requirements}


def with_compliance(code: ExitCode, verdicts: set[Verdict]) -> ExitCode:
    """The exit code once the requested profiles are judged: a requirement not met fails the
    run like a `fail` (1); one undecided is like an `error` (3) unless something fails."""
    if code is ExitCode.FAILED or Verdict.NOT_MET in verdicts:
        return ExitCode.FAILED
    if code is ExitCode.UNDECIDED or Verdict.UNDECIDED in verdicts:
        return ExitCode.UNDECIDED
    return code
