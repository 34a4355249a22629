"""The end of the service (`dates.terminated`): from that day on, what the provider set up for
the customer — its SPF entry, its sending IPs, the identifiers it signs and sends with — is no
longer expected, and the rules that judge it are skipped with the day it ended."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from mailcheck.core.findings import Finding
from mailcheck.rules.base import Rule
from mailcheck.sheet.model import Sheet


def service_ended(sheet: Sheet, today: dt.date) -> dt.date | None:
    """The day the service ended (`dates.terminated`) once it has come, else None. From that
    day on, the relay's onboarding entries no longer apply, and spf.offboarded wants them gone
    (seed 002, Beendigung des Dienstes)."""
    ended = sheet.dates.terminated
    return ended if ended is not None and ended <= today else None


def fixing_sheet(sheet: Sheet, today: dt.date) -> Sheet:
    """The sheet the SPF fixes are made from: once the service ended, without the provider's
    entry and IPs, so that no fix puts back what spf.offboarded wants gone."""
    if service_ended(sheet, today) is None:
        return sheet
    spf = sheet.spf.model_copy(update={"required_include": None, "sending_ips": ()})
    return sheet.model_copy(update={"spf": spf, "dedicated_ips": ()})


def ended_skips(
    rule: Rule, subjects: Sequence[str], ended: dt.date, why: str = "see spf.offboarded"
) -> list[Finding]:
    """The findings of a rule about the provider's set-up after the service ended: one `skip`
    per subject, saying when it ended and `why` it no longer applies."""
    reason = f"the service ended on {ended.isoformat()} (dates.terminated): {why}"
    return [rule.skipped(subject, reason) for subject in subjects]
