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
the sheet gives the provider's public key; for a weak key, a 2048-bit key (to be issued by the
provider when the sheet's own key is shorter) or the record without the `y` flag of `t=`. A
timeout, SERVFAIL or a name outside the offline zones is `error`; behind a CNAME, the message
names the target that could not be answered.

Checked without a sheet and without a selector (`mailcheck domain DOMAIN`), the domain's keys are
looked for at the selector names providers commonly use (`default`, `selector1`, `google`, `k1`,
`s1`, … — the list is `mailcheck.dkim.selectors.COMMON_SELECTORS`), all asked at once: each key
found is judged as above, its finding saying it was found so. When none is found the finding is
`error`, not `fail`: the key may sit at a selector of the domain's own choosing, and the message
says that no selector was given and which names were tried. A wildcard that answers every name
is `error` too, since it tells nothing about the domain's keys.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import replace

from mailcheck.core.addresses import sender_domains
from mailcheck.core.findings import Finding, Status
from mailcheck.core.hints import txt_record
from mailcheck.dkim.key import (
    GOOD_RSA_BITS,
    KeyVerdict,
    fetch_key,
    judge_published,
    key_bits,
    publish_fix,
    publish_providers_key,
    record_to_publish,
    testing_flags_removed,
)
from mailcheck.dkim.selectors import SelectorProbe, probe_selectors, selector_of
from mailcheck.dnsclient.resolver import to_ascii
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.due_dates import Kind as DeadlineKind
from mailcheck.sheet.model import DkimKey, LoadedSheet


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    entries = list({(to_ascii(e.domain), e.selector): e for e in sheet.sheet.dkim}.values())
    configured = {to_ascii(e.domain) for e in entries}
    senders = sender_domains(s.address for s in sheet.sheet.senders)
    unconfigured = [domain for domain in senders if domain not in configured]
    if sheet.probe_selectors:
        probed = await asyncio.gather(*(_probed(domain, ctx) for domain in unconfigured))
        missing = [finding for found in probed for finding in found]
    else:
        missing = [_no_selector(domain, sheet.from_file) for domain in unconfigured]
    judged = await asyncio.gather(*(_judge(entry, ctx) for entry in entries))
    findings = [*missing, *judged]
    if not findings:
        return [RULE.skipped(sheet.display, "no sender domain and no DKIM selector to check")]
    return findings


def _no_selector(domain: str, in_sheet: bool) -> Finding:
    publish = f"and publish its key at <selector>._domainkey.{domain}"
    # a YAML list item, so that it pastes under an existing `dkim:` without a duplicate key
    item = f"- {{domain: {domain}, selector: <selector>}}"
    where = (
        f"under dkim: in the sheet (start the list with dkim: if the sheet has none) add the "
        f"item  {item}"
        if in_sheet
        else "give it with --selector"
    )
    return RULE.failed(
        domain,
        "no DKIM selector for this sender domain: its key cannot be checked",
        f"add the selector your provider signs with: {where}, {publish}",
    )


async def _probed(domain: str, ctx: Context) -> list[Finding]:
    """No selector given: the keys at the common selector names, each judged, or why none."""
    probe = await probe_selectors(domain, ctx.dns)
    if probe.found and not probe.wildcard:
        entries = [DkimKey(domain=domain, selector=selector_of(key)) for key in probe.found]
        judged = await asyncio.gather(*(_judge(entry, ctx) for entry in entries))
        found = "found at a common selector name (no --selector given)"
        return [replace(finding, message=f"{found}: {finding.message}") for finding in judged]
    return [RULE.finding(Status.ERROR, domain, _not_found(probe), _give_selector(domain))]


def _not_found(probe: SelectorProbe) -> str:
    given = "no DKIM selector given, so its key cannot be checked"
    if probe.wildcard:
        return (
            f"{given}: every selector name has a TXT record at _domainkey.{probe.domain} (a "
            "wildcard), so the common names tell nothing"
        )
    names = ", ".join(probe.asked)
    if probe.undecided:
        first = probe.undecided[0].why_undecided()
        return (
            f"{given}; of the {len(probe.asked)} common selector names ({names}) "
            f"{len(probe.undecided)} could not be asked ({first}), the others have no key"
        )
    return f"{given}; none of the {len(probe.asked)} common selector names has a key ({names})"


def _give_selector(domain: str) -> str:
    return (
        f"give the selector your provider signs with (--selector): the s= tag of the "
        f"DKIM-Signature in a message you sent from {domain}; its key is at "
        f"<selector>._domainkey.{domain}"
    )


async def _judge(entry: DkimKey, ctx: Context) -> Finding:
    key = await fetch_key(entry.selector, entry.domain, ctx.dns)
    verdict = judge_published(key)
    if verdict.status is Status.ERROR:
        return RULE.errored(key.name, verdict.message)
    if verdict.status is Status.FAIL:
        return RULE.failed(key.name, verdict.message, publish_fix(key, entry.public_key))
    if verdict.status is Status.WARN:
        return RULE.warned(key.name, verdict.message, _stronger(key.name, verdict, entry))
    return RULE.passed(key.name, verdict.message)


def _stronger(name: str, verdict: KeyVerdict, entry: DkimKey) -> str:
    """The hint for a weak key: a 2048-bit key when it is shorter, else out of testing mode."""
    if verdict.kind == "rsa" and (verdict.bits or 0) < GOOD_RSA_BITS:
        return _longer_key(name, entry)
    kept = "; ".join(f"{k}={v}" for k, v in testing_flags_removed(verdict.tags).items())
    return f"leave testing mode (remove the y flag of t=): {txt_record(name, kept)}"


def _longer_key(name: str, entry: DkimKey) -> str:
    if not entry.public_key:
        return "generate a 2048-bit RSA key pair and publish its public key: " + record_to_publish(
            name, None
        )
    bits = key_bits(entry.public_key)
    if bits is not None and bits < GOOD_RSA_BITS:
        return (
            f"the provider's key in the sheet (public_key) is itself {bits} bits: ask the "
            f"provider to issue a {GOOD_RSA_BITS}-bit key, then publish it at {name} and put it "
            "in the sheet's public_key"
        )
    return publish_providers_key(name, entry.public_key)


RULE = Rule(
    id="dkim.key",
    title="Every sender domain publishes a valid DKIM key",
    checks=(
        "every sender domain has a selector in the sheet; its key record parses; revoked, < "
        "1024-bit RSA, unknown `k=`, corrupt `p=` fail; < 2048-bit RSA and `t=y` warn; ed25519 "
        "accepted"
    ),
    obligation="Das Verfahren DKIM (DomainKeys Identified Mail) ist seitens des Kunden zwingend "
    "einzusetzen, d. h. für jede bei Retarus für den Kunden registrierte Absenderdomain hat der "
    "Kunde einen entsprechenden DKIM-Schlüssel in seinem DNS zu hinterlegen.",
    source="seed 000, Mitwirkungspflichten, Technische Konfiguration; RFC 6376 §3.6.1, "
    "RFC 8301, RFC 8463",
    check=check,
    doc=__doc__ or "",
    subject=Subject.SELECTOR,
    inputs=frozenset({Input.SENDERS, Input.DKIM_SELECTORS, Input.DNS}),
    deadline=DeadlineKind.DNS,
)
