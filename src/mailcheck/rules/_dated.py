"""What the deadline rules met by a date in the sheet share (`deadline.sheet`,
`deadline.provisioning`): missing before the due date warns, missing after it or met late
fails, met in time passes. Each rule says it in its own words (`Wording`), and gives the fix as
data too: what is to be done by whom (a request to the provider, else a task of the
customer's) and the date to record in the sheet once it is done."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from mailcheck.core.findings import Finding
from mailcheck.core.fixes import Fix, Request, Task
from mailcheck.rules.base import Rule
from mailcheck.sheet.due_dates import Deadline


@dataclass(frozen=True)
class Wording:
    subject: str  # the sheet key that records the date meeting the deadline
    started: str  # the event the clock starts at: `contract signed`
    met: str  # what meeting it is called: `returned`
    missing: str  # `the sheet has not been returned`
    act_now: str  # the hint once the due date has passed
    act_by: str  # the hint before it, with `{due}` for the due date
    late: str  # the hint when it was met late: nothing left to do, and why
    within: str  # `within 5 working days`
    deed: str  # what meets it: `return the completed implementation sheet`
    record_it: str  # the date to record once it is met: `record ... as dates.sheet_submitted`
    doer: str | None = None  # who does the deed (`PROVIDER`); None: the customer

    def fixes(self, when: str) -> tuple[Fix, ...]:
        """The deed, to be done `when` (`now`, `by 2026-11-20`), and the date to record."""
        deed = f"{self.deed} {when}"
        return (Request(self.doer, deed) if self.doer else Task(deed), Task(self.record_it))


def judge_dated(rule: Rule, deadline: Deadline, today: dt.date, say: Wording) -> Finding:
    started = f"{say.started} {deadline.start.isoformat()}"
    summary = deadline.summary(today)
    met_on = deadline.met_on
    if met_on is None:
        if deadline.is_overdue(today):
            return rule.failed(
                say.subject, f"{say.missing}; {summary} ({started})", say.act_now
            ).with_fixes(*say.fixes("now"))
        due = deadline.due.isoformat()
        return rule.warned(
            say.subject, f"{say.missing} yet; {summary} ({started})", say.act_by.format(due=due)
        ).with_fixes(*say.fixes(f"by {due}"))
    when = f"{say.met} {met_on.isoformat()}, {started}"
    if deadline.is_overdue(met_on):
        return rule.failed(say.subject, f"{summary} ({when})", say.late)
    return rule.passed(say.subject, f"{summary}, {say.within} ({when})")
