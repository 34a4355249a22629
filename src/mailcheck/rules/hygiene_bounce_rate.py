"""The hard-bounce rate per receiving ISP stays at or below 1.0 %.

From a delivery report (`mailcheck hygiene REPORT.csv`): for each receiving ISP the rule divides
the hard bounces by the sends (delivered, hard- and soft-bounced mails). Recipient domains of one
large provider count together (gmail.com with googlemail.com; outlook.com with hotmail.*, live.*
and msn.com; yahoo.* with aol.*; gmx.*; web.de; t-online.de; …: the table below); every other domain
is its own receiver. Above
1.0 % fails; above 0.8 % warns (close to the limit); otherwise it passes — one finding per ISP,
its subject the provider's main domain or the domain. A rate is only meaningful with enough
mail: receivers with fewer than 100 sends are judged together as `other receivers` (and skipped
when even together they have fewer than 100). Without a delivery report (as in `mailcheck check`)
the rule is skipped; so it is when the report has no sends.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailcheck.core.findings import Finding, Status
from mailcheck.core.wording import plural
from mailcheck.delivery.analysis import OTHER_DOMAINS, DeliveryAnalysis, Receiver
from mailcheck.delivery.providers import __doc__ as PROVIDERS_TABLE
from mailcheck.rules._delivery import analysis_or_skip, capped, in_report
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet

LIMIT_PER_MILLE = 10  # 1.0 %
WARN_ABOVE_PER_MILLE = 8  # 0.8 %
MIN_SENDS = 100
POOL = "other receivers"


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    analysis = analysis_or_skip(RULE, ctx)
    if isinstance(analysis, Finding):
        return [analysis]
    if not analysis.sends:
        return [in_report(RULE.skipped(analysis.subject, "the report has no sends"), analysis)]
    findings = capped(
        _receivers(analysis),
        _judge,
        lambda count, status: RULE.finding(
            status,
            analysis.subject,
            f"and {plural(count, 'more receiving ISP')} with the same verdict ({status.value})",
            _HINT if status is Status.FAIL else None,
        ),
    )
    return [in_report(f, analysis) for f in findings]


def _receivers(analysis: DeliveryAnalysis) -> list[Receiver]:
    """Receivers with enough sends, then all the others as one."""
    judged = [r for r in analysis.receivers if r.sends >= MIN_SENDS and r.key != OTHER_DOMAINS]
    small = [r for r in analysis.receivers if r not in judged]
    if small:
        judged.append(
            Receiver(
                POOL,
                f"{POOL} ({plural(len(small), 'receiver')} with fewer than {MIN_SENDS} sends each)",
                sum(r.sends for r in small),
                sum(r.hard_bounces for r in small),
            )
        )
    return judged


_HINT = (
    "remove the hard-bouncing addresses from your lists now, and keep lists clean (confirmed "
    f"opt-in, removal after hard bounces): the hard-bounce rate per ISP must not exceed "
    f"{LIMIT_PER_MILLE / 10} %"
)


def _judge(receiver: Receiver) -> Finding:
    rate = 100 * receiver.hard_bounces / receiver.sends
    text = (
        f"{receiver.name}: {plural(receiver.hard_bounces, 'hard bounce')} in "
        f"{plural(receiver.sends, 'send')} = {rate:.2f} % (limit {LIMIT_PER_MILLE / 10} %)"
    )
    if receiver.sends < MIN_SENDS:
        return RULE.skipped(receiver.key, f"{text}: too few sends to judge a rate")
    # Integer comparisons: exactly 1.0 % is within the limit.
    if receiver.hard_bounces * 1000 > receiver.sends * LIMIT_PER_MILLE:
        return RULE.failed(receiver.key, text, _HINT)
    if receiver.hard_bounces * 1000 > receiver.sends * WARN_ABOVE_PER_MILLE:
        return RULE.warned(receiver.key, f"{text}: close to the limit", _HINT)
    return RULE.passed(receiver.key, text)


RULE = Rule(
    id="hygiene.bounce-rate",
    title="Hard-bounce rate per ISP at most 1.0 %",
    checks=(
        "hard-bounce rate per receiving ISP at most 1.0 % (fail above, warn above 0.8 %); a "
        "provider's domains count together"
    ),
    obligation="Insgesamt darf die Hard-Bounce-Rate pro ISP 1,0 % grundsätzlich nicht übersteigen.",
    source="seed 000, Mitwirkungspflichten, Technische Konfiguration",
    check=check,
    doc=(__doc__ or "") + "\n" + (PROVIDERS_TABLE or "").split("\n\n", 1)[-1],
    subject=Subject.RECIPIENT,
    inputs=frozenset({Input.DELIVERY_REPORT}),
)
