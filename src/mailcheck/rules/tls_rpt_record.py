"""The sender domain publishes where TLS failures are reported (SMTP TLS reporting, RFC 8460).

Mail servers that deliver to the domain with MTA-STS or DANE report each day how many sessions
to its MX hosts failed TLS, and why, to the destinations of a TXT record at
`_smtp._tls.<domain>`: `v=TLSRPTv1; rua=mailto:tls-reports@example.com` (`mailto:` or `https:`
URIs, comma-separated). Without it a broken certificate or a policy that no longer matches goes
unnoticed until mail is lost.

Passes with exactly one valid record whose every `rua` URI is `mailto:` with a valid address or
`https:` with a host. Fails with several records (senders then send no report), bad syntax, no
`rua`, or a destination reports cannot be sent to. Without a record it warns when the domain
publishes an MTA-STS record (whose failures then go unreported), and is skipped when it does
not. `error` when DNS does not answer.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailcheck.core.findings import Finding
from mailcheck.core.hints import txt_record
from mailcheck.rules._senders import per_sender_domain
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet
from mailcheck.tlspolicy.sts import sts_records
from mailcheck.tlspolicy.tlsrpt import TlsRptProblem, parse_tlsrpt, tlsrpt_records, uri_problem


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    addresses = (s.address for s in sheet.sheet.senders)
    return await per_sender_domain(RULE, addresses, lambda domain: _judge(domain, ctx))


def _hint(domain: str) -> str:
    example = txt_record(f"_smtp._tls.{domain}", f"v=TLSRPTv1; rua=mailto:tls-reports@{domain}")
    return f"publish one record: {example}"


async def _judge(domain: str, ctx: Context) -> Finding:
    name = f"_smtp._tls.{domain}"
    answer = await ctx.dns.query(name, "TXT")
    if not answer.decided:
        return RULE.errored(domain, f"TXT could not be checked: {answer.why_undecided()}")
    records = tlsrpt_records(answer.texts())
    if not records:
        return await _judge_absence(domain, name, ctx)
    if len(records) > 1:
        why = f"{len(records)} TLS reporting records at {name}: senders send no report"
        return RULE.failed(domain, why, _hint(domain))
    try:
        parsed = parse_tlsrpt(records[0])
    except TlsRptProblem as exc:
        return RULE.failed(domain, f"the record at {name} is invalid: {exc}", _hint(domain))
    problems = [problem for uri in parsed.rua if (problem := uri_problem(uri))]
    if problems:
        return RULE.failed(domain, f"reports cannot be sent to {problems[0]}", _hint(domain))
    return RULE.passed(domain, f"TLS reports go to {', '.join(parsed.rua)}")


async def _judge_absence(domain: str, name: str, ctx: Context) -> Finding:
    """No record: it matters where the domain asks senders for TLS (MTA-STS)."""
    sts = await ctx.dns.query(f"_mta-sts.{domain}", "TXT")
    if not sts.decided:
        return RULE.errored(domain, f"TXT could not be checked: {sts.why_undecided()}")
    if not sts_records(sts.texts()):
        return RULE.skipped(domain, f"no TLS reporting record at {name}, and no MTA-STS policy")
    return RULE.warned(
        domain,
        f"an MTA-STS policy, but no TLS reporting record at {name}: senders that fail to "
        "deliver over TLS tell nobody",
        _hint(domain),
    )


RULE = Rule(
    id="tls-rpt.record",
    title="TLS reporting record names where TLS failures are reported",
    checks=(
        "exactly one `v=TLSRPTv1` record at `_smtp._tls.<domain>` (RFC 8460) with `rua` "
        "destinations that are `mailto:` or `https:`; none warns where MTA-STS is published"
    ),
    obligation="A Policy Domain publishes a TXT record at _smtp._tls.<domain> naming where "
    "reports of TLS failures are sent (RFC 8460 §3).",
    source="RFC 8460 §3; what peers check",
    check=check,
    doc=__doc__ or "",
    subject=Subject.DOMAIN,
    inputs=frozenset({Input.SENDERS, Input.DNS}),
)
