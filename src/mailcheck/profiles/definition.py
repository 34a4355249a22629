"""A profile file, as it is written: requirements, their sources, and the checks that judge them.

A check names one rule and says what its statuses mean under the profile:

- `met`: the statuses that meet the requirement. Default `[pass, warn, skip]`, which is what
  the exit code already makes of them (SPEC.md: `warn` is "met, but weak", `skip` "does not
  apply"), so a check that lists nothing judges exactly as the obligations do.
- `undecided`: the statuses that neither meet nor break it. Default `[error]`; `error` is
  always undecided (a check that could not be decided is never "not met", never "met").
- every other status breaks the requirement (`not_met`).
- `only_where`: another rule of the same requirement; the check then counts only the findings
  on subjects that rule judged (did not skip). One-click unsubscribe needs a valid DKIM
  signature over the list headers of the samples that offer unsubscription
  (`message.dkim` `only_where: message.list-unsubscribe`), not of every sample: a transactional
  message's signature is the authentication requirement's business. When that rule did not
  run, which subjects it applies to is not known, and the check is left out like a rule that
  did not run.

A profile that asks more than the obligations narrows `met` (the CSA refuses a generic PTR
name: `ip.ptr` `met: [pass]`, so its `warn` is not met) or moves a status to `undecided` (Gmail
asks for reverse DNS: without sending IPs in the sheet, `ip.ptr` skips, and the requirement
cannot be shown to be met). That is the only way a profile changes severities: the findings
themselves keep their status, and the profile's verdicts are reported beside them.
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from mailcheck.core.compliance import Source, Verdict
from mailcheck.core.findings import Status

TrimmedText = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+\.[a-z0-9-]+$")]
Url = Annotated[str, StringConstraints(pattern=r"^https://\S+$")]

DEFAULT_MET = (Status.PASS, Status.WARN, Status.SKIP)
DEFAULT_UNDECIDED = (Status.ERROR,)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleCheck(_Model):
    """One rule behind a requirement, and what its statuses mean under the profile."""

    rule: RuleId
    met: tuple[Status, ...] = DEFAULT_MET
    undecided: tuple[Status, ...] = DEFAULT_UNDECIDED
    only_where: RuleId | None = None
    """Count only findings on subjects this rule (of the same requirement) did not skip."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if Status.ERROR in self.met:
            raise ValueError(f"{self.rule}: error is never met (it could not be decided)")
        both = set(self.met) & set(self.undecided)
        if both:
            raise ValueError(f"{self.rule}: {sorted(both)} both met and undecided")
        return self

    def verdict(self, status: Status) -> Verdict:
        if status in self.met:
            return Verdict.MET
        if status is Status.ERROR or status in self.undecided:
            return Verdict.UNDECIDED
        return Verdict.NOT_MET


class Requirement(_Model):
    """A requirement as its publisher states it (in our words) and the checks that judge it."""

    id: Slug
    title: TrimmedText
    section: TrimmedText
    """The section of the source document that states it."""
    url: Url | None = None
    """The requirement's own address, when it is not the profile's."""
    document: TrimmedText | None = None
    """The document, when it is not the profile's."""
    note: TrimmedText | None = None
    """How the checks read the requirement: where they ask more or less than the obligations."""
    checks: tuple[RuleCheck, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_rule_once(self) -> Self:
        rules = [check.rule for check in self.checks]
        if len(rules) != len(set(rules)):
            raise ValueError(f"requirement {self.id}: a rule is listed twice")
        for check in self.checks:
            if check.only_where is not None and check.only_where not in rules:
                raise ValueError(
                    f"requirement {self.id}: {check.rule} only_where names {check.only_where}, "
                    "which is not one of its checks"
                )
            if check.only_where == check.rule:
                raise ValueError(f"requirement {self.id}: {check.rule} only_where names itself")
        return self


class NotChecked(_Model):
    """A requirement no rule can judge from a sheet, DNS and samples (a spam rate, TLS on the
    sending connection): listed so the profile is complete, never counted."""

    id: Slug
    title: TrimmedText
    section: TrimmedText
    url: Url | None = None
    document: TrimmedText | None = None
    why: TrimmedText


class Profile(_Model):
    """A published set of sender requirements."""

    profile: Slug
    title: TrimmedText
    document: TrimmedText
    """The document the requirements come from, as its publisher names it."""
    url: Url | None = None
    """Its public address (None for the provider's own service description)."""
    reviewed: TrimmedText
    """When the requirements were last compared with the source (YYYY-MM)."""
    scope: TrimmedText
    """Whom the requirements apply to."""
    requirements: tuple[Requirement, ...] = Field(min_length=1)
    not_checked: tuple[NotChecked, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        ids = [r.id for r in self.requirements] + [n.id for n in self.not_checked]
        if len(ids) != len(set(ids)):
            raise ValueError(f"profile {self.profile}: a requirement id is used twice")
        return self

    def source(self, item: Requirement | NotChecked) -> Source:
        """Where `item` is stated: its own document (with its own address, if any), else the
        profile's document at the item's address or the profile's."""
        if item.document is not None:
            return Source.cited(item.document, item.section, item.url)
        return Source.cited(self.document, item.section, item.url or self.url)

    @property
    def rule_ids(self) -> frozenset[str]:
        """Every rule the profile's requirements name."""
        return frozenset(check.rule for r in self.requirements for check in r.checks)
