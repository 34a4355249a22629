"""The sender domain has an A record.

Besides its MX record, the domain of every sender address must carry a valid A record (an IPv4
address). An AAAA record alone does not meet the obligation. A timeout or SERVFAIL is `error`.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailcheck.core.findings import Finding
from mailcheck.core.fixes import WEB_SERVER_BLANK, RecordFix
from mailcheck.core.hints import record
from mailcheck.dnsclient import Outcome
from mailcheck.rules._senders import per_sender_domain
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    addresses = (s.address for s in sheet.sheet.senders)
    return await per_sender_domain(RULE, addresses, lambda domain: _judge(domain, ctx))


async def _judge(domain: str, ctx: Context) -> Finding:
    answer = await ctx.dns.query(domain, "A")
    if answer.exists:
        return RULE.passed(domain, f"A {', '.join(answer.addresses())}")
    if not answer.decided:
        return RULE.errored(domain, f"A record could not be checked: {answer.why_undecided()}")
    why = "does not exist in DNS" if answer.outcome is Outcome.NXDOMAIN else "has no A record"
    return RULE.failed(
        domain,
        f"the sender domain {why}",
        "publish an A record for the domain, e.g. " + record(domain, "A", WEB_SERVER_BLANK),
    ).with_fixes(RecordFix(domain, "A", WEB_SERVER_BLANK))


RULE = Rule(
    id="sender.a",
    title="Sender domain has a valid A record",
    checks="the sender domain has an A record",
    obligation="Die Absenderdomain muss zudem über einen validen DNS-A-Record verfügen.",
    source="seed 000, Mitwirkungspflichten, Technische Konfiguration",
    check=check,
    doc=__doc__ or "",
    subject=Subject.DOMAIN,
    inputs=frozenset({Input.SENDERS, Input.DNS}),
)
