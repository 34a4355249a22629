"""Every sender domain publishes a valid DKIM key for its selector.

The customer must sign with DKIM and publish a key in DNS for every registered sender domain.
So each sender domain needs a `dkim:` entry in the sheet (domain and selector); a domain without
one fails, with the entry to add as the fix. For each entry the TXT record at
`selector._domainkey.domain` is fetched (CNAMEs followed, strings joined) and parsed per
RFC 6376 §3.6.1. It passes for a valid RSA key of 2048 bits or more, or an ed25519 key
(RFC 8463). It warns for RSA keys under 2048 bits and for `t=y` (testing mode). It fails when no
key is published, when several TXT records compete, when the key is revoked (empty `p=`), for
RSA keys under 1024 bits (RFC 8301), a bad `v=`, an unknown `k=`, a corrupt `p=`, an `s=` that
excludes email or an `h=` without sha256. The hint is the TXT record to publish, exact when
the sheet gives the provider's public key. A timeout, SERVFAIL or a name outside the offline
zones is `error`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from mailcheck.addresses import sender_domains
from mailcheck.context import Context
from mailcheck.dkimkey import GOOD_RSA_BITS, KeyVerdict, fetch_key, judge_key, record_to_publish
from mailcheck.dns.resolver import to_ascii
from mailcheck.findings import Finding, Status
from mailcheck.hints import txt_record
from mailcheck.rules.base import Rule
from mailcheck.sheet import DkimKey, LoadedSheet


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    entries = list({(to_ascii(e.domain), e.selector): e for e in sheet.sheet.dkim}.values())
    configured = {to_ascii(e.domain) for e in entries}
    senders = sender_domains(s.address for s in sheet.sheet.senders)
    missing = [_no_selector(domain) for domain in senders if domain not in configured]
    judged = await asyncio.gather(*(_judge(entry, ctx) for entry in entries))
    findings = [*missing, *judged]
    if not findings:
        return [RULE.skipped(sheet.display, "no sender domain and no DKIM selector to check")]
    return findings


def _no_selector(domain: str) -> Finding:
    return RULE.failed(
        domain,
        "no DKIM selector for this sender domain: its key cannot be checked",
        f"add the selector your provider signs with to the sheet (or give --selector): "
        f"dkim: [{{domain: {domain}, selector: <selector>}}], and publish its key at "
        f"<selector>._domainkey.{domain}",
    )


async def _judge(entry: DkimKey, ctx: Context) -> Finding:
    key = await fetch_key(entry.selector, entry.domain, ctx)
    publish = f"publish the key: {record_to_publish(key.name, entry.public_key)}"
    if not key.answer.decided:
        return RULE.errored(
            key.name, f"the DKIM key could not be fetched: {key.answer.why_undecided()}"
        )
    texts = key.texts
    if not texts:
        return RULE.failed(key.name, "no DKIM key published (no TXT record)", publish)
    if len(texts) > 1:
        return RULE.failed(
            key.name,
            f"{len(texts)} TXT records: verifiers may pick any of them",
            f"keep exactly one: {record_to_publish(key.name, entry.public_key)}",
        )
    verdict = judge_key(key.name, texts[0])
    if verdict.status is Status.FAIL:
        return RULE.failed(key.name, verdict.message, publish)
    if verdict.status is Status.WARN:
        return RULE.warned(key.name, verdict.message, _stronger(key.name, verdict, entry))
    return RULE.passed(key.name, verdict.message)


def _stronger(name: str, verdict: KeyVerdict, entry: DkimKey) -> str:
    """The hint for a weak key: a 2048-bit key when it is shorter, else out of testing mode."""
    if verdict.kind == "rsa" and (verdict.bits or 0) < GOOD_RSA_BITS:
        return "generate a 2048-bit RSA key pair and publish its public key: " + record_to_publish(
            name, entry.public_key
        )
    kept = "; ".join(f"{k}={v}" for k, v in verdict.tags.items() if k != "t")
    return f"leave testing mode (remove t=y): {txt_record(name, kept)}"


RULE = Rule(
    id="dkim.key",
    title="Every sender domain publishes a valid DKIM key",
    obligation="Das Verfahren DKIM (DomainKeys Identified Mail) ist seitens des Kunden zwingend "
    "einzusetzen, d. h. für jede bei Retarus für den Kunden registrierte Absenderdomain hat der "
    "Kunde einen entsprechenden DKIM-Schlüssel in seinem DNS zu hinterlegen.",
    source="seed 000, Mitwirkungspflichten, Technische Konfiguration; RFC 6376 §3.6.1, "
    "RFC 8301, RFC 8463",
    check=check,
    doc=__doc__ or "",
)
