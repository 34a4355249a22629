"""The sender domain can receive mail: it has an MX record whose hosts resolve.

Replies and bounces to a sender address must be deliverable, so the domain of every sender needs a
valid MX record. The check fails when the domain does not exist, has no MX record (the implicit
A-record fallback of RFC 5321 §5.1 does not satisfy the obligation), publishes a null MX (RFC 7505,
`MX 0 .`, which declares that the domain accepts no mail), names an IP address instead of a host,
or when an MX host has neither an A nor an AAAA record. An MX host that is an alias (CNAME) warns:
RFC 2181 §10.3 forbids it, and some senders do not follow it. A timeout or SERVFAIL on any of
these questions is `error`, never `fail`.

Each fix is also the change set's record: the MX record to publish (`10 <mail server>.`, to fill
in; replacing a null MX), for an address given as MX a host name `mx.<domain>` with that
address and the MX naming it, an address for an MX host that has none, and for an alias the MX
naming the host the alias leads to (when it is the domain's only MX). A domain that does not
exist is a task besides: register it, or correct the sender address.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable
from dataclasses import replace

from mailcheck.core.findings import Finding
from mailcheck.core.fixes import IPV4_BLANK, MAIL_SERVER_BLANK, RecordFix, Task
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
    if not answer.decided:
        return RULE.errored(domain, f"MX could not be checked: {answer.why_undecided()}")
    wanted = RecordFix(domain, "MX", f"10 {MAIL_SERVER_BLANK}.")
    publish = record(domain, "MX", wanted.value)
    if answer.outcome is Outcome.NXDOMAIN:
        return RULE.failed(
            domain,
            "the domain does not exist in DNS (NXDOMAIN)",
            f"register the domain (or correct the sender address) and publish an MX record for "
            f"it: {publish}",
        ).with_fixes(Task(f"register the domain {domain}, or correct the sender address"), wanted)
    if answer.outcome is Outcome.NODATA:
        return RULE.failed(
            domain,
            "no MX record: mail to the sender address cannot be delivered",
            f"publish an MX record pointing at a mail server that accepts mail: {publish}",
        ).with_fixes(wanted)
    exchanges = sorted(answer.of(MX), key=lambda r: (r.preference, dns_order(r.exchange)))
    if any(r.is_null for r in exchanges):
        return RULE.failed(
            domain,
            "null MX (RFC 7505): the domain declares that it accepts no mail",
            f"replace the null MX (0 .) by one naming a mail server that accepts mail: {publish}",
        ).with_fixes(replace(wanted, replaces=("0 .",)))
    literals = [r for r in exchanges if is_ip_address(r.exchange)]
    if literals:
        return _literal(domain, literals)
    return await _judge_hosts(domain, exchanges, ctx)


def _literal(domain: str, literals: list[MX]) -> Finding:
    """An MX naming an address: a host name of the domain takes the address, the MX names it
    (RFC 5321 §5.1: an MX names a host, never an address)."""
    first = literals[0]
    host = f"mx.{domain}"
    address = ipaddress.ip_address(first.exchange)
    mx = RecordFix(domain, "MX", f"{first.preference} {host}.", (_value(first),))
    named = RecordFix(host, "A" if address.version == 4 else "AAAA", address.compressed)
    listed = ", ".join(r.exchange for r in literals)
    others = ", ".join(r.exchange for r in literals[1:])
    more = f" (and likewise for {others})" if others else ""
    return RULE.failed(
        domain,
        f"MX names an IP address, not a host: {listed} (RFC 5321 §5.1)",
        f"point the MX record at a host name with that address: {record(domain, 'MX', mx.value)} "
        f"and {record(host, named.rtype, named.value)}{more}",
    ).with_fixes(mx, named)


def _value(mx: MX) -> str:
    """An MX record's data as a zone file writes it (what a fix replaces)."""
    return f"{mx.preference} {mx.exchange.rstrip('.')}."


async def _judge_hosts(domain: str, exchanges: list[MX], ctx: Context) -> Finding:
    hosts = [r.exchange for r in exchanges]
    states = await asyncio.gather(*(_host_state(host, ctx) for host in hosts))
    missing = [h for h, state in zip(hosts, states, strict=True) if state == "missing"]
    undecided = [state for state in states if not _decided(state)]
    aliases = [
        (mx, state.removeprefix("alias:"))
        for mx, state in zip(exchanges, states, strict=True)
        if state.startswith("alias:")
    ]
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
        return _aliased(domain, exchanges, aliases)
    return RULE.passed(domain, f"MX {listed}: every host resolves")


def _aliased(domain: str, exchanges: list[MX], aliases: list[tuple[MX, str]]) -> Finding:
    """MX hosts that are aliases: the MX names the host each alias leads to instead. One MX
    record is a fix of its own only when it is the domain's only one (a fix is one record per
    name and type)."""
    names = ", ".join(mx.exchange for mx, _ in aliases)
    (alias, canonical), *_ = aliases
    target = f"{alias.preference} {canonical}."
    finding = RULE.warned(
        domain,
        f"MX host is an alias (CNAME), which RFC 2181 §10.3 forbids: {names}; most senders "
        "follow it, some do not",
        f"point the MX record at the host the alias leads to: {record(domain, 'MX', target)} "
        f"instead of {alias.exchange}",
    )
    if len(exchanges) > 1:
        return finding
    return finding.with_fixes(RecordFix(domain, "MX", target, (_value(alias),)))


def _decided(state: str) -> bool:
    return state in ("missing", "ok") or state.startswith("alias:")


async def _host_state(host: str, ctx: Context) -> str:
    """'ok' when the host has an address, 'alias:<name>' when it has one through a CNAME to
    <name>, 'missing' when it surely has none, else why that is not known."""
    answers = await asyncio.gather(ctx.dns.query(host, "A"), ctx.dns.query(host, "AAAA"))
    found = [a for a in answers if a.exists]
    if found:
        canonical = (found[0].canonical or host).rstrip(".").lower()
        return "ok" if canonical == host.rstrip(".").lower() else f"alias:{canonical}"
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
