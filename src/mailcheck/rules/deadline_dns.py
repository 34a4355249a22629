"""SPF and DKIM entries were published within 10 working days of the provider's request.

The entries are due at the end of the tenth working day after `dates.dns_requested` (the request
day does not count), in the working days of the sheet's `region` and `working_week`; after that,
every re-check is billed. This rule runs after all other rules of the sheet and judges their
findings: every SPF and DKIM rule due by this deadline (not `message.dkim`, which is about
sample messages, nor `spf.offboarded`, which wants the provider's entry gone after the service
ended). It passes when none of them fails (skipped and exempted checks count as met,
and so do warnings). While one fails it warns, up to and including the due date, with the due
date and the working days left; once the due date has passed it fails: the re-check is billable.
When none fails but one could not be decided (a DNS timeout), it is an error, never a failure.
Without a request date, or when no SPF or DKIM check ran at all, it is skipped. It is skipped as
well when the run left out one of the SPF or DKIM rules (`--select`, `--ignore`): a rule that
did not run has not shown its obligation met, so the run cannot judge the deadline — and a
skip never starts or stops a clock in the state store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from mailcheck.core.findings import Finding, Status
from mailcheck.core.wording import plural
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.due_dates import Kind as DeadlineKind
from mailcheck.sheet.due_dates import dns_deadline
from mailcheck.sheet.model import LoadedSheet

SUBJECT = "dates.dns_requested"
MAX_LISTED = 5
# the failing checks give their fixes themselves: repeating them here would say each twice
FIX_HINT = (
    "publish the entries the failing SPF/DKIM checks ask for: their hints give them, and "
    "`mailcheck plan` prints every fix of the sheet as one zone file snippet"
)


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    deadline = dns_deadline(sheet.sheet)
    if deadline is None:
        return [RULE.skipped(SUBJECT, "no dates.dns_requested: no DNS deadline to track")]
    judged = ctx.due_by_dns_deadline
    left_out = [rule_id for rule_id in judged if rule_id not in ctx.rules_run]
    if left_out:
        return [
            RULE.skipped(
                SUBJECT,
                f"SPF/DKIM rules not run in this run ({_listed(left_out)}): "
                f"the deadline is not judged; {deadline.summary(ctx.today)}",
            )
        ]
    checks = [f for f in ctx.findings if f.rule in judged]
    if not checks:
        return [RULE.skipped(SUBJECT, "no SPF or DKIM check ran for this sheet")]
    failing = [f for f in checks if f.status is Status.FAIL]
    undecided = [f for f in checks if f.status is Status.ERROR]
    standing = deadline.summary(ctx.today)
    if failing:
        what = f"{plural(len(failing), 'SPF/DKIM check')} still failing: {_names(failing)}"
        hint = FIX_HINT
        if deadline.is_overdue(ctx.today):
            return [RULE.failed(SUBJECT, f"{what}; {standing}: re-checks are billed", hint)]
        return [RULE.warned(SUBJECT, f"{what}; {standing}", hint)]
    if undecided:
        return [
            RULE.errored(
                SUBJECT,
                f"no SPF/DKIM check fails, but {plural(len(undecided), 'check')} could not be "
                f"decided: {_names(undecided)}; {standing}",
            )
        ]
    if deadline.is_overdue(ctx.today):
        # Met now, but this run cannot tell since when: it may have been in time.
        late = plural(deadline.days_late(ctx.today), "working day")
        standing = f"due {deadline.due.isoformat()}; met by today, at most {late} late"
    return [RULE.passed(SUBJECT, f"SPF and DKIM entries met ({len(checks)} checks); {standing}")]


def _names(findings: Sequence[Finding]) -> str:
    return _listed([f"{f.rule} {f.subject}" for f in findings])


def _listed(names: Sequence[str]) -> str:
    listed = ", ".join(names[:MAX_LISTED])
    more = len(names) - MAX_LISTED
    return f"{listed} and {more} more" if more > 0 else listed


RULE = Rule(
    id="deadline.dns",
    title="SPF and DKIM entries published within 10 working days",
    checks=(
        "the SPF and DKIM entries are in place within 10 working days of `dates.dns_requested`: "
        "pass when no `spf.*`/`dkim.*` check fails, warn while one fails up to the due date, fail"
        " once overdue (re-checks are billed), error when one is undecided, skip when the run "
        "left out an `spf.*`/`dkim.*` rule (`--select`, `--ignore`)"
    ),
    obligation="Sollten die nötigen Einträge kundenseitig nicht innerhalb von zehn (10) "
    "Werktagen erfolgen, wird die erneute Überprüfung nach Aufwand in Rechnung gestellt.",
    source="seed 000, Mitwirkungspflichten, Technische Konfiguration (SPF and DKIM)",
    check=check,
    doc=__doc__ or "",
    needs_findings=True,
    subject=Subject.DATE,
    inputs=frozenset({Input.DATES}),
    deadline=DeadlineKind.DNS,
    clock=DeadlineKind.DNS,
)
