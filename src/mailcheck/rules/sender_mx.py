"""The sender domain can receive mail: it has an MX record whose hosts resolve.

Replies and bounces to a sender address must be deliverable, so the domain of every sender needs a
valid MX record. The check fails when the domain does not exist, has no MX record (the implicit
A-record fallback of RFC 5321 §5.1 does not satisfy the obligation), publishes a null MX (RFC 7505,
`MX 0 .`, which declares that the domain accepts no mail), names an IP address instead of a host,
or when an MX host has neither an A nor an AAAA record. An MX host that is an alias (CNAME) warns:
RFC 2181 §10.3 forbids it, and some senders do not follow it. A timeout or SERVFAIL on any of
these questions is `error`, never `fail`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from mailcheck.core.findings import Finding
from mailcheck.core.fixes import IPV4_BLANK, MAIL_SERVER_BLANK, RecordFix
from mailcheck.core.hints import record
from mailcheck.dnsclient import MX, Outcome
from mailcheck.dnsclient.names import is_ip_address
from mailcheck.dnsclient.records import dns_order
from mailcheck.rules._senders import per_sender_domain
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    addresses = (s.address for s in sheet.sheet.senders)
    return await per_sender_domain(RULE, addresses, lambda domain: _judge(domain, ctx))


async def _judge(domain: str, ctx: Context) -> Finding:
    answer = await ctx.dns.query(domain, "MX")
    example_mx = record(domain, "MX", f"10 mx.{domain}.")
    if not answer.decided:
        return RULE.errored(domain, f"MX could not be checked: {answer.why_undecided()}")
    if answer.outcome is Outcome.NXDOMAIN:
        return RULE.failed(
            domain,
            "the domain does not exist in DNS (NXDOMAIN)",
            f"register the domain and publish an MX record for it, e.g. {example_mx}",
        )
    if answer.outcome is Outcome.NODATA:
        return RULE.failed(
            domain,
            "no MX record: mail to the sender address cannot be delivered",
            f"publish an MX record pointing at a mail server that accepts mail, e.g. {example_mx}",
        ).with_fixes(RecordFix(domain, "MX", f"10 {MAIL_SERVER_BLANK}."))
    exchanges = sorted(answer.of(MX), key=lambda r: (r.preference, dns_order(r.exchange)))
    if any(r.is_null for r in exchanges):
        return RULE.failed(
            domain,
            "null MX (RFC 7505): the domain declares that it accepts no mail",
            f"replace the null MX ({record(domain, 'MX', '0 .')}) by a real one, e.g. {example_mx}",
        ).with_fixes(RecordFix(domain, "MX", f"10 {MAIL_SERVER_BLANK}.", ("0 .",)))
    hosts = [r.exchange for r in exchanges]
    literals = [host for host in hosts if is_ip_address(host)]
    if literals:
        return RULE.failed(
            domain,
            f"MX names an IP address, not a host: {', '.join(literals)} (RFC 5321 §5.1)",
            f"point the MX record at a host name with that address, e.g. {example_mx} and "
            + record(f"mx.{domain}", "A", literals[0]),
        )
    return await _judge_hosts(domain, hosts, ctx)


async def _judge_hosts(domain: str, hosts: list[str], ctx: Context) -> Finding:
    states = await asyncio.gather(*(_host_state(host, ctx) for host in hosts))
    missing = [h for h, state in zip(hosts, states, strict=True) if state == "missing"]
    undecided = [state for state in states if state not in ("missing", "ok", "alias")]
    aliases = [h for h, state in zip(hosts, states, strict=True) if state == "alias"]
    listed = ", ".join(hosts)
    if missing:
        return RULE.failed(
            domain,
            f"MX host without an address (no A or AAAA): {', '.join(missing)}",
            f"publish an address for it, e.g. {record(missing[0], 'A', IPV4_BLANK)}, "
            "or point the MX record at a host that has one",
        ).with_fixes(*(RecordFix(host, "A", IPV4_BLANK) for host in missing))
    if undecided:
        return RULE.errored(domain, f"MX hosts could not all be resolved: {undecided[0]}")
    if aliases:
        return RULE.warned(
            domain,
            f"MX host is an alias (CNAME), which RFC 2181 §10.3 forbids: {', '.join(aliases)}; "
            "most senders follow it, some do not",
            f"point the MX record at the host the alias leads to instead of {aliases[0]}",
        )
    return RULE.passed(domain, f"MX {listed}: every host resolves")


async def _host_state(host: str, ctx: Context) -> str:
    """'ok' when the host has an address, 'alias' when it has one through a CNAME, 'missing'
    when it surely has none, else why that is not known."""
    answers = await asyncio.gather(ctx.dns.query(host, "A"), ctx.dns.query(host, "AAAA"))
    found = [a for a in answers if a.exists]
    if found:
        canonical = (found[0].canonical or host).rstrip(".").lower()
        return "ok" if canonical == host.rstrip(".").lower() else "alias"
    undecided = [a for a in answers if not a.decided]
    return undecided[0].why_undecided() if undecided else "missing"


RULE = Rule(
    id="sender.mx",
    title="Sender domain has a valid MX record",
    checks=(
        "the sender domain has an MX record, not a null MX nor an IP address, and every MX host "
        "resolves (an MX host that is a CNAME warns)"
    ),
    obligation="Die Absenderadresse muss in der Lage sein, Emails zu empfangen "
    "(valider DNS-MX-Record).",
    source="seed 000, Mitwirkungspflichten, Technische Konfiguration; RFC 5321 §5.1, RFC 7505",
    check=check,
    doc=__doc__ or "",
    subject=Subject.DOMAIN,
    inputs=frozenset({Input.SENDERS, Input.DNS}),
)
