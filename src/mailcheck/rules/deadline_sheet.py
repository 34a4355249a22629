"""The implementation sheet came back within 5 working days of the contract.

The sheet is due at the end of the fifth working day after `dates.contract_signed` (the signing
day does not count), in the working days of the sheet's `region` and `working_week`. It passes
when `dates.sheet_submitted` is on or before the due date, and fails when the sheet was returned
after it or is still missing once it has passed. While the sheet is missing and the due date has
not passed, it warns with the due date and the working days left. Without a contract date there
is no deadline to track and the rule is skipped. `--today` pins the date the check is made on.
While the sheet is missing, returning it and recording the date are tasks of the change set.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailcheck.core.findings import Finding
from mailcheck.core.sources import cite
from mailcheck.rules._dated import Wording, judge_dated
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.due_dates import SHEET_DAYS, sheet_deadline
from mailcheck.sheet.due_dates import Kind as DeadlineKind
from mailcheck.sheet.model import LoadedSheet

SUBJECT = "dates.sheet_submitted"
RECORD_IT = "record the date it was returned as dates.sheet_submitted"


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    deadline = sheet_deadline(sheet.sheet)
    if deadline is None:
        return [RULE.skipped(SUBJECT, "no dates.contract_signed: no sheet deadline to track")]
    return [judge_dated(RULE, deadline, ctx.today, WORDING)]


WORDING = Wording(
    subject=SUBJECT,
    started="contract signed",
    met="returned",
    missing="the sheet has not been returned",
    act_now=f"return the completed implementation sheet now and {RECORD_IT}",
    act_by="return the completed implementation sheet by {due} and " + RECORD_IT,
    late="nothing left to publish: the late return is on record, and costs it caused are the "
    f"customer's ({cite('seed 000, Mitwirkungspflichten')})",
    within=f"within {SHEET_DAYS} working days",
    deed="return the completed implementation sheet",
    record_it=RECORD_IT,
)


RULE = Rule(
    id="deadline.sheet",
    title="Implementation sheet returned within 5 working days",
    checks=(
        "the sheet is returned within 5 working days of `dates.contract_signed`: warn while "
        "missing before the due date, fail when late or missing after it"
    ),
    obligation="Der Kunde wird daher das ihm nach Vertragsabschluss zugesandte "
    "Implementation-Sheet innerhalb von fünf (5) Werktagen ausgefüllt zurücksenden",
    source="seed 000, Mitwirkungspflichten",
    check=check,
    doc=__doc__ or "",
    subject=Subject.DATE,
    inputs=frozenset({Input.DATES}),
    deadline=DeadlineKind.SHEET,
    clock=DeadlineKind.SHEET,
)
