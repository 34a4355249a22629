"""No address is mailed again after a complaint or an unsubscribe.

From a delivery report (`mailcheck hygiene REPORT.csv`): a recipient who marks a mail as spam
(a complaint, e.g. from a feedback loop) or withdraws consent (an unsubscribe, opt-out) must
leave the mailing lists. Every send to such an address later than its first complaint or
unsubscribe fails, one finding per address: the subject is the address, the finding points at
the report line of the first such send and names the opt-out. It passes when no address was
mailed after its opt-out. Without a delivery report (as in `mailcheck check`) the rule is
skipped. Reports need not be sorted by time. At most 50 addresses are listed one by one; one
more finding counts the rest. At most 200,000 addresses with a hard bounce, complaint or
unsubscribe are followed; the opt-outs of further addresses end in one `error` finding.
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


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    analysis = analysis_or_skip(RULE, ctx)
    if isinstance(analysis, Finding):
        return [analysis]
    findings = capped(
        analysis.mailed_after_opt_out,
        _mailed_after,
        lambda count, _status: in_report(
            RULE.failed(
                analysis.subject,
                f"and {plural(count, 'more address')} mailed after a complaint or unsubscribe",
                "remove every address from your lists as soon as it complains or unsubscribes",
            ),
            analysis,
        ),
    )
    if analysis.unfollowed_opt_outs:
        what = "complaint/unsubscribe"
        findings.append(unfollowed(RULE, analysis, analysis.unfollowed_opt_outs, what))
    return findings or [_passed(analysis)]


def _mailed_after(mailed: MailedAfter) -> Finding:
    finding = RULE.failed(
        mailed.address,
        f"mailed {plural(mailed.sends, 'time')} after its {mailed.cause} "
        f"({where(mailed.since)}), first {at_moment(mailed.first)}",
        f"remove {mailed.address} from every mailing list now and keep it on your suppression "
        "list; process complaints and unsubscribes automatically",
    )
    return at(finding, mailed.first)


def _passed(analysis: DeliveryAnalysis) -> Finding:
    complaints = analysis.events.get(Event.COMPLAINT, 0)
    unsubscribes = analysis.events.get(Event.UNSUBSCRIBE, 0)
    passed = RULE.passed(
        analysis.subject,
        f"no address mailed after a complaint or unsubscribe ({plural(complaints, 'complaint')}, "
        f"{plural(unsubscribes, 'unsubscribe')})",
    )
    return in_report(passed, analysis)


RULE = Rule(
    id="hygiene.complaints",
    title="Addresses removed after a complaint or an unsubscribe",
    checks="no address mailed after a complaint or an unsubscribe (fail per address)",
    obligation="Der Kunde muss Email-Adressen von den entsprechenden Mailinglisten entfernen, "
    "wenn der Empfänger die Email als SPAM einstuft (complaint) oder die Einwilligung in den "
    "Versand von Emails widerruft.",
    source="seed 000, Mitwirkungspflichten, Technische Konfiguration",
    check=check,
    doc=__doc__ or "",
    subject=Subject.RECIPIENT,
    inputs=frozenset({Input.DELIVERY_REPORT}),
)
