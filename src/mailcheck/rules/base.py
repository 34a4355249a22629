"""What a rule is: metadata (id, title, the obligation and its source, docs) and a check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mailcheck.findings import Finding, Status
from mailcheck.urls import redact_text

if TYPE_CHECKING:
    from mailcheck.context import Context
    from mailcheck.sheet import LoadedSheet

Check = Callable[["LoadedSheet", "Context"], Awaitable[Iterable[Finding]]]


@dataclass(frozen=True)
class Rule:
    """A registered check. `id` is a public contract (SPEC.md): never rename one."""

    id: str
    title: str
    obligation: str  # the obligation enforced, quoted from its source
    source: str  # where the obligation comes from: seed file and section, or RFC clause
    check: Check = field(repr=False)
    doc: str = ""  # the rule module's docstring: shown by `mailcheck explain`
    needs_findings: bool = False
    """Run after the sheet's other rules, reading their findings from `ctx.findings`."""

    def finding(
        self, status: Status, subject: str, message: str, hint: str | None = None
    ) -> Finding:
        # Rules quote URLs from samples and sheets: their secrets go to no report and no store.
        hidden = None if hint is None else redact_text(hint)
        return Finding(self.id, status, subject, redact_text(message), hidden)

    def passed(self, subject: str, message: str) -> Finding:
        return self.finding(Status.PASS, subject, message)

    def failed(self, subject: str, message: str, hint: str) -> Finding:
        return self.finding(Status.FAIL, subject, message, hint)

    def warned(self, subject: str, message: str, hint: str | None = None) -> Finding:
        return self.finding(Status.WARN, subject, message, hint)

    def errored(self, subject: str, message: str) -> Finding:
        return self.finding(Status.ERROR, subject, message)

    def skipped(self, subject: str, message: str) -> Finding:
        return self.finding(Status.SKIP, subject, message)
