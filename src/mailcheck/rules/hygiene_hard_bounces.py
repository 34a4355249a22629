"""No address is mailed again after its third hard bounce; role recipients are counted.

From a delivery report (`mailcheck hygiene REPORT.csv`): an address must leave the mailing lists
at the latest after its third hard bounce, so every send to it (delivered, bounced) later than its
third hard bounce fails, one finding per address: the subject is the address, the finding points
at the report line of the first such send and names the third bounce. Three hard bounces alone
are no failure; mailing on after them is. It passes when no address was mailed after its third
hard bounce. Role recipients (postmaster@, info@, … — the role list of rule sender.role, adjusted
by the sheet's `roles`) are dropped by the provider: sends to them warn, with their number and
examples. Without a delivery report (as in `mailcheck check`) the rule is skipped. Reports need
not be sorted by time. At most 50 addresses are listed one by one; one more finding counts the
rest. Memory is bounded: at most 200,000 addresses with a hard bounce, complaint or unsubscribe
are followed; the hard bounces of further addresses end in one `error` finding (not decided),
never in a pass.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailcheck.core.findings import Finding
from mailcheck.core.wording import plural
from mailcheck.delivery.analysis import DeliveryAnalysis, MailedAfter
from mailcheck.delivery.reader import Event
from mailcheck.rules._delivery import (
    analysis_or_skip,
    at,
    at_moment,
    capped,
    in_report,
    unfollowed,
    where,
)
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet

ROLE_SUBJECT = "role recipients"


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    analysis = analysis_or_skip(RULE, ctx)
    if isinstance(analysis, Finding):
        return [analysis]
    findings = capped(
        analysis.mailed_after_bounces,
        _mailed_after,
        lambda count, _status: in_report(
            RULE.failed(
                analysis.subject,
                f"and {plural(count, 'more address')} mailed after their third hard bounce",
                "remove every address from your lists at the latest after its third hard bounce",
            ),
            analysis,
        ),
    )
    if analysis.unfollowed_bounces:
        findings.append(unfollowed(RULE, analysis, analysis.unfollowed_bounces, "hard-bounce"))
    if not findings:
        findings.append(_passed(analysis))
    if analysis.role_sends:
        findings.append(_roles(analysis))
    return findings


def _mailed_after(mailed: MailedAfter) -> Finding:
    finding = RULE.failed(
        mailed.address,
        f"mailed {plural(mailed.sends, 'time')} after its third hard bounce "
        f"({where(mailed.since)}), first {at_moment(mailed.first)}",
        f"remove {mailed.address} from every mailing list now, and suppress addresses "
        "automatically at the latest after their third hard bounce",
    )
    return at(finding, mailed.first)


def _passed(analysis: DeliveryAnalysis) -> Finding:
    bounces = analysis.events.get(Event.HARD_BOUNCE, 0)
    passed = RULE.passed(
        analysis.subject,
        f"no address mailed after its third hard bounce ({plural(bounces, 'hard bounce')} "
        f"to {plural(analysis.bounced_addresses, 'address')} in {plural(analysis.rows, 'event')})",
    )
    return in_report(passed, analysis)


def _roles(analysis: DeliveryAnalysis) -> Finding:
    examples = ", ".join(analysis.role_examples)
    more = analysis.role_recipients - len(analysis.role_examples)
    listed = f"{examples} and {more:,} more" if more > 0 else examples
    recipients = plural(analysis.role_recipients, "role recipient")
    if analysis.role_recipients_capped:
        recipients = f"more than {recipients}"
    finding = RULE.warned(
        ROLE_SUBJECT,
        f"{plural(analysis.role_sends, 'send')} to {recipients} ({listed}): the provider drops "
        "mail to role addresses",
        "remove role addresses (postmaster@, info@, …) from your mailing lists",
    )
    return at(finding, analysis.role_first)


RULE = Rule(
    id="hygiene.hard-bounces",
    title="Addresses removed at the latest after three hard bounces",
    checks=(
        "no address mailed after its third hard bounce (fail per address); sends to role "
        "recipients, which the provider drops, warn"
    ),
    obligation="Der Kunde muss Email-Adressen unverzüglich von den entsprechenden Mailinglisten "
    "entfernen, wenn nach dem Beschicken dieser Adressen die Nichtexistenz des Postfachs erkannt "
    "wird, spätestens jedoch, wenn drei Hard-Bounces erfolgt sind.",
    source="seed 000, Mitwirkungspflichten, Technische Konfiguration",
    check=check,
    doc=__doc__ or "",
    subject=Subject.RECIPIENT,
    inputs=frozenset({Input.DELIVERY_REPORT, Input.SHEET_DETAILS}),
)
