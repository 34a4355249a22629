"""Mail to the recipient domain can be delivered under enforced TLS (`mailcheck recipients`).

With the option Enforced TLS the provider sends a customer's mail only over an encrypted
connection: "Falls die Empfängerseite keine verschlüsselte Verbindung akzeptiert, wird der
Versand abgebrochen" (seed 000). Before booking it, or before switching it on, a customer learns
here which of its recipients' domains would lose mail.

For each recipient domain mailcheck finds its MX hosts (without MX, the domain itself, RFC 5321
§5.1), probes each for STARTTLS as `mx.starttls` does (EHLO, STARTTLS, QUIT; the same bounds and
address policy; `--dns-only` leaves the probe out), and reads whether the domain publishes an
MTA-STS policy (RFC 8461) or DANE TLSA records for its MX hosts (`_25._tcp.<host>`, RFC 7672):
a domain that does has promised TLS.

Fails when no MX host accepts an encrypted connection (no STARTTLS, refused, or the handshake
fails): under enforced TLS every message to the domain is aborted. Warns when only some of them
do (delivery depends on the host that answers), and when a host encrypts with a certificate or
TLS version that its own MTA-STS policy or DANE records make senders refuse. Passes when every
host encrypts, saying whether MTA-STS or DANE back it. `error` when DNS or a host does not answer
(outbound port 25 is blocked on many networks), and with `--dns-only` when a published MTA-STS
policy could not be fetched (a record says there is one). Skipped for a domain that receives no mail
(NXDOMAIN, null MX), with `--dns-only` for a domain that publishes neither MTA-STS nor DANE, and
in `mailcheck check`, which has no recipient list.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from mailcheck.core.findings import Finding
from mailcheck.rules._transport import (
    HostTls,
    MxHosts,
    StsState,
    TlsVerdict,
    dane_records,
    host_tls,
    mx_hosts,
    sts_lookup,
)
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet, Option
from mailcheck.tlspolicy.sts import StsMode

ABORTED = "would be aborted under enforced TLS"
ASK_RECIPIENT = (
    "ask the recipient's mail administrators to offer STARTTLS on their MX hosts, or keep "
    "opportunistic TLS for this domain"
)


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    if not ctx.recipients:
        why = "no recipient domains given: run mailcheck recipients FILE"
        return [RULE.skipped(sheet.display or "recipients", why)]
    booked = Option.ENFORCED_TLS in sheet.sheet.options
    return await asyncio.gather(*(_judge(domain, booked, ctx) for domain in ctx.recipients))


async def _judge(domain: str, booked: bool, ctx: Context) -> Finding:
    mx = await mx_hosts(domain, ctx)
    if mx.undecided:
        return RULE.errored(domain, mx.undecided)
    if mx.missing and not mx.implicit:
        return RULE.skipped(domain, f"receives no mail: {mx.missing}")
    hosts = mx.hosts or (domain,)  # no MX: the domain itself (RFC 5321 §5.1)
    declared, unknown = await _declared(domain, MxHosts(hosts), ctx)
    if not ctx.smtp.enabled:
        if declared:
            return RULE.passed(domain, f"promises TLS: {declared} (not probed: --dns-only)")
        if unknown:
            return RULE.errored(domain, f"not probed (--dns-only), and {unknown}")
        return RULE.skipped(domain, "not probed (--dns-only), and it publishes no MTA-STS or DANE")
    judged = await asyncio.gather(*(host_tls(host, ctx) for host in hosts))
    return _verdict(domain, judged, (declared, unknown), booked)


async def _declared(domain: str, mx: MxHosts, ctx: Context) -> tuple[str, str]:
    """`MTA-STS (enforce)`, `DANE`, both or "": what the domain publishes about its TLS; and
    why that could not be told in full ("": it could), so that a policy that was not fetched
    is not reported as no policy."""
    sts, dane = await asyncio.gather(sts_lookup(domain, ctx), dane_records(mx.hosts, ctx))
    said = []
    if sts.state is StsState.FOUND and sts.policy and sts.policy.mode is not StsMode.NONE:
        said.append(f"MTA-STS ({sts.policy.mode})")
    if dane.published:
        said.append(f"DANE for {', '.join(dane.published)}")
    unknown = [f"MTA-STS is unknown: {sts.detail}"] if sts.state is StsState.UNDECIDED else []
    unknown += [f"DANE is unknown: {why}" for why in dane.undecided[:1]]
    return " and ".join(said), "; ".join(unknown)


def _verdict(
    domain: str, judged: list[HostTls], published: tuple[str, str], booked: bool
) -> Finding:
    declared, unknown = published
    plain = [h for h in judged if h.verdict is TlsVerdict.NONE]
    encrypted = [h for h in judged if h.verdict in (TlsVerdict.GOOD, TlsVerdict.WEAK)]
    undecided = [h for h in judged if h.verdict is TlsVerdict.UNDECIDED]
    if plain and not encrypted and not undecided:
        now = " (the sheet books enforced_tls: it is aborted now)" if booked else ""
        why = "; ".join(h.detail for h in plain)
        return RULE.failed(domain, f"mail {ABORTED}{now}: {why}", ASK_RECIPIENT)
    if plain:
        why = "; ".join(h.detail for h in plain)
        return RULE.warned(
            domain,
            f"some MX hosts take no encrypted connection ({why}): mail {ABORTED} when one of "
            "them answers",
            ASK_RECIPIENT,
        )
    if undecided:
        return RULE.errored(domain, "; ".join(h.detail for h in undecided))
    weak = [h for h in encrypted if h.verdict is TlsVerdict.WEAK]
    backed = f"; it publishes {declared}" if declared else f"; {unknown}" if unknown else ""
    backed = backed or "; no MTA-STS or DANE published"
    if weak and declared:
        why = "; ".join(h.detail for h in weak)
        return RULE.warned(
            domain,
            f"encrypted, but {why}: senders that follow its {declared} refuse the delivery",
            "the recipient must fix its certificate or TLS version",
        )
    return RULE.passed(domain, f"every MX host takes STARTTLS{backed}")


RULE = Rule(
    id="recipient.tls",
    title="Mail to the recipient domain survives enforced TLS",
    checks=(
        "`mailcheck recipients`: the recipient domain's MX hosts offer STARTTLS (probe), and "
        "whether it publishes MTA-STS or DANE TLSA; no host with TLS fails"
    ),
    obligation="Falls die Empfängerseite keine verschlüsselte Verbindung akzeptiert, wird der "
    "Versand abgebrochen.",
    source="seed 000, Enforced TLS; RFC 3207, RFC 8461, RFC 7672",
    check=check,
    doc=__doc__ or "",
    subject=Subject.RECIPIENT,
    inputs=frozenset({Input.RECIPIENTS, Input.DNS, Input.SMTP, Input.HTTPS}),
)
