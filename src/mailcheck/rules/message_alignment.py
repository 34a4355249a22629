"""The sample's From domain is aligned with the signing domain of one of its DKIM signatures.

Beyond the seed: DMARC passes on DKIM only for a signature whose `d=` is aligned with the From
domain (RFC 9989 §3.2.10, §4.4.1), and Gmail, Yahoo and Outlook.com require bulk mail to pass
DMARC. A provider that signs only with its own domain (`d=esp.example` on mail from
`news@acme.example`) authenticates itself, not its customer. For each domain in the sample's
From field the rule reads the `d=` of every DKIM-Signature (their tags only: whether a signature
verifies is message.dkim's verdict) and compares them with the From domain: relaxed (the same
organisational domain, found by the RFC 9989 tree walk), or strict (identical) when the DMARC
record that applies to the From domain (its own, else its organisational domain's) says
`adkim=s`; without a DMARC record alignment is relaxed, and the message says so. Where no DMARC
record is published on the way to the root a name is its own organisational domain, so only
`d=<From domain>` itself aligns.

Passes when a signature is aligned with every From domain. Fails when the sample is not signed
at all, has no readable From address, or no signature is aligned (for instance one signed only
by the provider's domain); the hint is to sign with the customer's domain, naming the sheet's
selector for it when there is one. `error` when an answer DNS did not give (timeout, SERVFAIL,
a name outside the offline zones) decides the verdict: the DMARC record that sets the mode, when
relaxed and strict alignment disagree, or a tree walk, when a signature may or may not share the
From domain's organisational domain; when the verdict is the same either way, it stands. A
sample that cannot be read is `error`; skipped when the sheet names no samples.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence

from mailcheck.core.findings import Finding, Status
from mailcheck.dkim.key import key_name
from mailcheck.dmarc.suffixes import registrable_domain
from mailcheck.dnsclient.resolver import to_ascii
from mailcheck.messages.obligations import from_addresses
from mailcheck.messages.sample import Sample
from mailcheck.messages.signatures import Signature, signatures
from mailcheck.rules._alignment import (
    Alignment,
    Author,
    Mode,
    alignments,
    author,
    modes_note,
)
from mailcheck.rules._samples import for_each_sample
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import DkimKey, LoadedSheet

SEVERITY = (Status.FAIL, Status.ERROR, Status.PASS)
"""Which From domain's verdict speaks for the sample: the first in this order."""


async def check(sheet: LoadedSheet, ctx: Context) -> Iterable[Finding]:
    return await for_each_sample(RULE, sheet, ctx, _judge)


async def _judge(sample: Sample, sheet: LoadedSheet, ctx: Context) -> Finding:
    domains = from_domains(sample)
    if not domains:
        what = "no From field" if not sample.has("From") else "From holds no readable address"
        return RULE.failed(
            sample.subject,
            f"{what}: there is no From domain for a DKIM signature to be aligned with",
            "send from a registered sender address, with a From field that names it",
        )
    found = signatures(sample)
    if not found:
        return RULE.failed(
            sample.subject,
            "no DKIM signature: DMARC can pass only on SPF, which forwarding breaks",
            _sign_hint(domains[0], _own_entry(domains[0], sheet)),  # right in either mode
        )
    verdicts = await asyncio.gather(*(_judge_domain(d, found, sample, sheet, ctx) for d in domains))
    return min(verdicts, key=lambda finding: SEVERITY.index(finding.status))


def from_domains(sample: Sample) -> list[str]:
    """The ASCII domains of the sample's From addresses, each once, in their order."""
    domains: dict[str, None] = {}
    for address in from_addresses(sample):
        try:
            domains[to_ascii(address.rpartition("@")[2]).lower()] = None
        except UnicodeError:
            continue  # not a name DNS could hold: no signature can be aligned with it
    return list(domains)


async def _judge_domain(
    domain: str, found: Sequence[Signature], sample: Sample, sheet: LoadedSheet, ctx: Context
) -> Finding:
    who = await author(domain, ctx)
    readable = [s for s in found if not s.problem]
    judged: dict[Mode, list[Alignment]] = {}
    for mode in [who.modes.dkim] if who.modes.dkim else list(Mode):
        judged[mode] = list(
            await alignments([(s.domain, mode) for s in readable], who, "adkim", ctx)
        )
    states = {mode: _state(aligns) for mode, aligns in judged.items()}
    if None in states.values() or len(set(states.values())) > 1:
        return RULE.errored(sample.subject, _undecided(who, readable, judged, states))
    mode, aligns = next(iter(judged.items()))
    note = modes_note(who.modes, [], dkim_only=True)
    matching = [s for s, a in zip(readable, aligns, strict=True) if a.aligned]
    if matching:
        how = f" ({mode})" if who.modes.dkim else ""
        return RULE.passed(
            sample.subject, f"{matching[0].label} is aligned with From {domain}{how}; {note}"
        )
    why = dict(zip((s.index for s in readable), aligns, strict=True))
    reasons = "; ".join(_reason(s, why.get(s.index)) for s in found)
    entry = await _aligned_entry(who, mode, sheet, ctx)
    return RULE.failed(
        sample.subject,
        f"no DKIM signature is aligned with From {domain}: {reasons}; {note}",
        _sign_hint(domain, entry, [s.domain for s in readable]),
    )


def _state(aligns: Sequence[Alignment]) -> bool | None:
    """True when a signature is aligned, else None when one may be, else False."""
    if any(a.aligned for a in aligns):
        return True
    return None if any(a.aligned is None for a in aligns) else False


def _undecided(
    who: Author,
    readable: Sequence[Signature],
    judged: dict[Mode, list[Alignment]],
    states: dict[Mode, bool | None],
) -> str:
    """Why the verdict is not known: the mode, an organisational domain, or both."""
    unknown = dict.fromkeys(
        f"{s.label}: {a.why}"
        for aligns in judged.values()
        for s, a in zip(readable, aligns, strict=True)
        if a.aligned is None
    )
    parts = ([] if who.modes.decided else [who.modes.source]) + list(unknown)
    if not unknown and states.get(Mode.RELAXED) and states.get(Mode.STRICT) is False:
        relaxed = next(s for s, a in zip(readable, judged[Mode.RELAXED], strict=True) if a.aligned)
        return (
            f"{who.modes.source}, and it decides: {relaxed.label} is aligned with From "
            f"{who.domain} only under relaxed alignment"
        )
    return f"{'; '.join(parts)}, and the verdict depends on it (pass or fail)"


def _reason(signature: Signature, aligned: Alignment | None) -> str:
    if signature.problem or aligned is None:
        return f"{signature.label} cannot be read: {signature.problem}"
    return f"{signature.label} is {aligned.stated}"


def _own_entry(domain: str, sheet: LoadedSheet) -> DkimKey | None:
    """The sheet's DKIM entry for exactly `domain`: aligned whatever the mode."""
    return next((e for e in sheet.sheet.dkim if _ascii(e.domain) == domain), None)


async def _aligned_entry(
    who: Author, mode: Mode, sheet: LoadedSheet, ctx: Context
) -> DkimKey | None:
    """The sheet's DKIM entry aligned with the From domain in `mode`, if there is one."""
    own = _own_entry(who.domain, sheet)
    if own is not None or mode is Mode.STRICT:
        return own
    entries = sheet.sheet.dkim
    aligns = await alignments([(e.domain, mode) for e in entries], who, "adkim", ctx)
    return next((e for e, a in zip(entries, aligns, strict=True) if a.aligned), None)


def _sign_hint(domain: str, entry: DkimKey | None, signers: Sequence[str] = ()) -> str:
    """Sign with a domain aligned with From: the sheet's selector for it when it has one;
    `signers`: the d= of the sample's signatures, which the hint names for what they are."""
    if entry is not None:
        key = key_name(entry.selector, entry.domain)
        target = f"d={to_ascii(entry.domain)} s={entry.selector}, the key published at {key}"
    else:
        target = (
            f"d={domain}, with a key published at <selector>._domainkey.{domain} (and listed "
            "under dkim: in the sheet)"
        )
    return f"{_sign_with(domain, [_ascii(s) for s in signers if s])}: {target}"


def _sign_with(domain: str, signers: Sequence[str]) -> str:
    """What to sign with, said by what the present d= is: one of the customer's own domains
    that is not aligned (a parent, under strict alignment or without a DMARC record), or
    another organisation's, such as the provider's."""
    org = registrable_domain(domain)
    own = next((s for s in signers if registrable_domain(s) == org), None)
    if own is not None:
        what = "a parent of the From domain" if domain.endswith(f".{own}") else "your own domain"
        return f"sign with a domain aligned with From {domain} (d={own} is {what}, but not aligned)"
    if signers:
        return (
            f"sign with the customer's domain, not another organisation's such as the "
            f"provider's (d={signers[0]})"
        )
    return "sign with the customer's domain"


def _ascii(domain: str) -> str:
    try:
        return to_ascii(domain.rstrip(".")).lower()
    except UnicodeError:
        return domain.rstrip(".").lower()


RULE = Rule(
    id="message.alignment",
    title="The sample's From domain is aligned with a DKIM signing domain",
    checks=(
        "a DKIM signature's `d=` is aligned with the sample's From domain, relaxed or as "
        "`adkim=` says; unsigned or signed only by another organisation's domain fails"
    ),
    obligation="Bulk senders' From domain is aligned with the DKIM domain that signs the mail "
    "(requirement of large mailbox providers, beyond the seed).",
    source="RFC 9989 §3.2.10, §4.4.1, §4.7, §4.10; bulk-sender requirements of large mailbox "
    "providers",
    check=check,
    doc=__doc__ or "",
    subject=Subject.SAMPLE,
    inputs=frozenset({Input.SAMPLES, Input.DNS}),
)
