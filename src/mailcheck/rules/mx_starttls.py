"""The sender domain's mail servers accept mail over TLS (only with --probe-smtp).

Replies and bounces to a sender address go to the MX hosts of its domain. With `--probe-smtp`
mailcheck connects to port 25 of each MX host (the ten preferred first), reads the greeting,
says `EHLO`, asks for `STARTTLS`, shakes hands and says `QUIT`: no mail is sent, no `MAIL FROM`,
no `RCPT TO`, no `DATA`. Each host's exchange ends within `--smtp-timeout` seconds, and no probe
outlasts the run's `--deadline`; at most 16 hosts are probed at once. A host whose address is not
public (loopback, private, link-local) is not connected to unless `--allow-private`.

Passes when every MX host offers STARTTLS, negotiates TLS 1.2 or newer and presents a certificate
that is valid for the MX host's name at the end of `--today` and leads to a trusted root
(certifi's bundle or `--ca-file`). Fails when a host does not offer STARTTLS, refuses it, fails
the handshake, rejects the session, does not speak SMTP, has no address, negotiates TLS 1.0 or
1.1, or presents a certificate that is expired, for another name or not from a trusted
authority: under enforced TLS a sender aborts such a delivery, and MTA-STS refuses it. `error`
when a host cannot be reached or does not answer in time (outbound port 25 is blocked on many
networks), when DNS does not answer, or the address is refused. Skipped without
`--probe-smtp`, and for a domain without MX hosts (see sender.mx).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from mailcheck.core.findings import Finding
from mailcheck.rules._senders import per_sender_domain
from mailcheck.rules._transport import TlsVerdict, host_tls, mx_hosts
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet

NOT_PROBED = "not probed: run with --probe-smtp to connect to the MX hosts (EHLO, STARTTLS, QUIT)"
SERVE_TLS = (
    "offer STARTTLS on port 25 of every MX host, with TLS 1.2 or newer and a certificate from a "
    "public authority valid for the host's name"
)


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    addresses = (s.address for s in sheet.sheet.senders)
    return await per_sender_domain(RULE, addresses, lambda domain: _judge(domain, ctx))


async def _judge(domain: str, ctx: Context) -> Finding:
    if not ctx.smtp.enabled:
        return RULE.skipped(domain, NOT_PROBED)
    mx = await mx_hosts(domain, ctx)
    if mx.undecided:
        return RULE.errored(domain, mx.undecided)
    if mx.missing:
        return RULE.skipped(domain, f"no mail server to probe: {mx.missing}")
    judged = await asyncio.gather(*(host_tls(host, ctx) for host in mx.hosts))
    failing = [h.detail for h in judged if h.verdict in (TlsVerdict.NONE, TlsVerdict.WEAK)]
    if failing:
        return RULE.failed(domain, "; ".join(failing), SERVE_TLS)
    undecided = [h.detail for h in judged if h.verdict is TlsVerdict.UNDECIDED]
    if undecided:
        return RULE.errored(domain, "; ".join(undecided))
    return RULE.passed(domain, "; ".join(h.detail for h in judged))


RULE = Rule(
    id="mx.starttls",
    title="The sender domain's MX hosts accept mail over TLS",
    checks=(
        "with `--probe-smtp`: every MX host offers STARTTLS on port 25, negotiates TLS 1.2 or "
        "newer and presents a certificate valid for its name at `--today` (EHLO, STARTTLS and "
        "QUIT only)"
    ),
    obligation="Die Anbindung ... erfolgt in der Regel über das Internetverschlüsselungsprotokoll "
    "Transport Layer Security (TLS) ... Je nach Beauftragung ist eine Anbindung via opportunistic "
    "TLS oder enforced TLS möglich.",
    source="seed 000, Anbindung an Retarus and Enforced TLS; RFC 3207; RFC 8996; RFC 8461 §4.2",
    check=check,
    doc=__doc__ or "",
    subject=Subject.DOMAIN,
    inputs=frozenset({Input.SENDERS, Input.DNS, Input.SMTP}),
)
