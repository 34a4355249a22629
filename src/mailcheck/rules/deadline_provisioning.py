"""The provider made the service available within 1 working day of the order.

The provider's own deadline: "Nach Beauftragung wird eine Verfügbarkeit des Systems innerhalb
eines Werktages gewährleistet" (seed 004, 2.2); the relay of seed 002 estimates "1 Tag (nach
Eingang der Bestellung …)". The service is due at the end of the first working day after
`dates.ordered` (the order's day does not count), in the working days of the sheet's `region` and
`working_week` — the calendar of every other deadline. It passes when `dates.provisioned` is on
or before the due date and fails when it is after it, or when the service is still missing once
the due date has passed. While it is missing and the due date has not passed it warns, with the
due date. Without an order date it is skipped. A later date agreed with the provider (seed 004:
"nach Absprache zu einem späteren Zeitpunkt") is an exemption of this rule with its reason.
`--today` pins the date the check is made on. While the service is missing, the change set asks
the provider for it (now, or by the due date), and holds the date to record as a task.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailcheck.core.findings import Finding
from mailcheck.core.fixes import PROVIDER
from mailcheck.rules._dated import Wording, judge_dated
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.due_dates import Kind as DeadlineKind
from mailcheck.sheet.due_dates import provisioning_deadline
from mailcheck.sheet.model import LoadedSheet

SUBJECT = "dates.provisioned"
RECORD_IT = "record the day it became available as dates.provisioned"


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    deadline = provisioning_deadline(sheet.sheet)
    if deadline is None:
        return [RULE.skipped(SUBJECT, "no dates.ordered: no provisioning deadline to track")]
    return [judge_dated(RULE, deadline, ctx.today, WORDING)]


WORDING = Wording(
    subject=SUBJECT,
    started="ordered",
    met="provisioned",
    missing="the service has not been provisioned",
    act_now=f"ask the provider to make the service available now and {RECORD_IT}",
    act_by="the provider makes it available by {due}; " + RECORD_IT,
    late="nothing left to do: the late provisioning is on record, for the customer to take up "
    "with the provider",
    within="within 1 working day",
    deed="make the service available",
    record_it=RECORD_IT,
    doer=PROVIDER,
)


RULE = Rule(
    id="deadline.provisioning",
    title="Service provisioned within 1 working day of the order",
    checks=(
        "the provider makes the service available within 1 working day of `dates.ordered` "
        "(`dates.provisioned`): warn while missing before the due date, fail when late or "
        "missing after it"
    ),
    obligation="Nach Beauftragung wird eine Verfügbarkeit des Systems innerhalb eines "
    "Werktages gewährleistet.",
    source="seed 004, 2.2 Bereitstellung; seed 002, Bereitstellung des Dienstes (Geschätzte "
    "Zeit für die Bereitstellung: 1 Tag)",
    check=check,
    doc=__doc__ or "",
    subject=Subject.DATE,
    inputs=frozenset({Input.DATES}),
    deadline=DeadlineKind.PROVISIONING,
    clock=DeadlineKind.PROVISIONING,
)
