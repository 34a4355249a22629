"""The sender domain's DNS answers are signed (DNSSEC) and validate from a trust anchor.

Receivers that validate DNSSEC can trust the sender domain's MX, SPF, DKIM and DMARC records
only when they are signed; DANE (RFC 7672) needs it outright. mailcheck follows the chain of
trust from the root zone's keys (bundled; `--trust-anchor FILE` gives other DS or DNSKEY records
to start from) down to the domain: at each zone cut the parent's DS must match a DNSKEY of the
child that signs the child's keys, and the domain's A, AAAA, MX and TXT records must carry a
valid RRSIG of their zone at `--today` (noon UTC of a pinned day, else now). Questions are asked
with the DO and CD bits, so a validating resolver hands over what it would refuse.

Passes when every step validates. Warns when the chain of trust ends above the domain (a zone
on the way has no DS at its parent: unsigned, or signed without the DS published). Fails when
the answers are bogus, naming the name and type that failed: a signature that does not verify,
an RRSIG that has expired or is not yet valid, a DS without a matching DNSKEY, records of a
signed zone without a signature. `error` when DNS does not answer, or offline when a name below
the trust anchor is outside every zone file given. Skipped when the domain has none of the
records checked, and when the trust anchor's zone is in no zone file and refused by the
`--nameserver` (the root, unless `--trust-anchor` names a zone they hold): zone files and an
authoritative server hold the records about to be published; the chain of trust to them is
judged through a resolver. Denial of existence (NSEC, NSEC3) is not validated.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from mailcheck.core.findings import Finding
from mailcheck.dnsclient.dnssec import (
    DnssecVerdict,
    Security,
    TrustAnchors,
    load_anchors,
    validate_domain,
    validation_time,
)
from mailcheck.rules._senders import per_sender_domain
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet

SIGN = (
    "sign the zone at the DNS provider and publish its DS record at the registrar of the "
    "parent zone (most providers do both on one switch)"
)
REPAIR = (
    "re-sign the zone (its signatures are refreshed by the DNS provider's signer) and publish "
    "at the parent a DS record of the zone's current key-signing key; until then validating "
    "receivers cannot resolve the domain"
)


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    addresses = (s.address for s in sheet.sheet.senders)
    return await per_sender_domain(RULE, addresses, lambda domain: _judge(domain, ctx))


async def anchors(ctx: Context) -> TrustAnchors:
    source = ctx.trust_anchors
    return await ctx.kept.once(
        ("trust-anchors", str(source)), lambda: asyncio.to_thread(load_anchors, source)
    )


async def verdict(domain: str, ctx: Context) -> DnssecVerdict:
    """The domain's DNSSEC verdict, found once per run."""
    trusted = await anchors(ctx)
    at = validation_time(ctx.today)
    return await ctx.memo.once(
        ("dnssec", domain), lambda: validate_domain(domain, ctx.dns, trusted, at)
    )


async def _judge(domain: str, ctx: Context) -> Finding:
    found = await verdict(domain, ctx)
    if found.security is Security.SECURE:
        return RULE.passed(domain, f"DNSSEC valid: {found.detail}")
    if found.security is Security.INSECURE:
        return RULE.warned(
            domain, f"not signed: {found.detail}; answers can be forged on the way", SIGN
        )
    if found.security is Security.BOGUS:
        return RULE.failed(domain, f"DNSSEC bogus: {found.detail}", REPAIR)
    if found.security is Security.NOTHING:
        return RULE.skipped(domain, f"nothing to validate: {found.detail} (see sender.mx)")
    if found.security is Security.NO_ANCHOR:
        return RULE.skipped(
            domain,
            f"not checked: {found.detail}; ask a resolver, or give --trust-anchor for a zone "
            "they hold",
        )
    return RULE.errored(domain, found.detail)


RULE = Rule(
    id="dnssec.signed",
    title="The sender domain's DNS is signed and validates (DNSSEC)",
    checks=(
        "the domain's A, AAAA, MX and TXT answers validate from the root trust anchor (or "
        "`--trust-anchor`) at `--today`; unsigned warns, bogus fails with the name and type"
    ),
    obligation="A security-aware resolver validates the answers of a signed zone from a "
    "trust anchor; answers that do not validate are bogus (RFC 4033 §5, RFC 4035 §5).",
    source="RFC 4033, RFC 4034, RFC 4035 §5; what peers check (Internet.nl, checkdmarc)",
    check=check,
    doc=__doc__ or "",
    subject=Subject.DOMAIN,
    inputs=frozenset({Input.SENDERS, Input.DNS}),
)
