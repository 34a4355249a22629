"""The sample's From domain is aligned with the signing domain of one of its DKIM signatures.

Beyond the seed: DMARC passes on DKIM only for a signature whose `d=` is aligned with the From
domain (RFC 7489 §3.1.1), and Gmail, Yahoo and Outlook.com require bulk mail to pass DMARC. A
provider that signs only with its own domain (`d=esp.example` on mail from `news@acme.example`)
authenticates itself, not its customer. For each domain in the sample's From field the rule
reads the `d=` of every DKIM-Signature (their tags only: whether a signature verifies is
message.dkim's verdict) and compares them with the From domain: relaxed (the same
organisational domain), or strict (identical) when the From domain's DMARC record says
`adkim=s`; without a DMARC record alignment is relaxed, and the message says so.

Passes when a signature is aligned with every From domain. Fails when the sample is not signed
at all, has no readable From address, or no signature is aligned (for instance one signed only
by the provider's domain); the hint is to sign with the customer's domain, naming the sheet's
selector for it when there is one. `error` when the DMARC record that sets the mode cannot be
fetched (timeout, SERVFAIL, a name outside the offline zones) and relaxed and strict alignment
give different verdicts; when they agree, the verdict stands. A sample that cannot be read is
`error`; skipped when the sheet names no samples.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence

from mailcheck.core.findings import Finding, Status
from mailcheck.dkim.key import key_name
from mailcheck.dnsclient.resolver import to_ascii
from mailcheck.messages.obligations import from_addresses
from mailcheck.messages.sample import Sample
from mailcheck.messages.signatures import Signature, signatures
from mailcheck.rules._alignment import (
    Mode,
    aligned,
    alignment_modes,
    misalignment,
    modes_note,
)
from mailcheck.rules._samples import for_each_sample
from mailcheck.rules.base import Input, Rule, Subject
from mailcheck.rules.context import Context
from mailcheck.sheet.model import LoadedSheet

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
            _sign_hint(domains[0], Mode.STRICT, sheet),  # right whatever the record says
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
    modes = await alignment_modes(domain, ctx.dns)
    readable = [s for s in found if not s.problem]
    judged = {
        mode: [s for s in readable if aligned(s.domain, domain, mode)]
        for mode in ([modes.dkim] if modes.dkim else list(Mode))
    }
    if len({bool(matching) for matching in judged.values()}) > 1:
        relaxed = judged[Mode.RELAXED][0]
        return RULE.errored(
            sample.subject,
            f"{modes.source}, and it decides: {relaxed.label} is aligned with From {domain} "
            "only under relaxed alignment",
        )
    mode, matching = next(iter(judged.items()))
    note = modes_note(modes, dkim_only=True)
    if matching:
        how = f" ({mode})" if modes.dkim else ""
        return RULE.passed(
            sample.subject, f"{matching[0].label} is aligned with From {domain}{how}; {note}"
        )
    reasons = "; ".join(_reason(s, domain, mode) for s in found)
    return RULE.failed(
        sample.subject,
        f"no DKIM signature is aligned with From {domain}: {reasons}; {note}",
        _sign_hint(domain, mode, sheet),
    )


def _reason(signature: Signature, domain: str, mode: Mode) -> str:
    if signature.problem:
        return f"{signature.label} cannot be read: {signature.problem}"
    return f"{signature.label} is {misalignment(signature.domain, domain, f'adkim={mode[0]}')}"


def _sign_hint(domain: str, mode: Mode, sheet: LoadedSheet) -> str:
    """Sign with the customer's domain: the sheet's selector for it when it has one."""
    entry = next((e for e in sheet.sheet.dkim if aligned(e.domain, domain, mode)), None)
    if entry is not None:
        key = key_name(entry.selector, entry.domain)
        return (
            f"sign with the customer's domain, not the provider's: d={to_ascii(entry.domain)} "
            f"s={entry.selector}, the key published at {key}"
        )
    return (
        f"sign with the customer's domain, not the provider's: d={domain}, with a key "
        f"published at <selector>._domainkey.{domain} (and listed under dkim: in the sheet)"
    )


RULE = Rule(
    id="message.alignment",
    title="The sample's From domain is aligned with a DKIM signing domain",
    checks=(
        "a DKIM signature's `d=` is aligned with the sample's From domain, relaxed or as "
        "`adkim=` says; unsigned or signed only by another organisation's domain fails"
    ),
    obligation="Bulk senders' From domain is aligned with the DKIM domain that signs the mail "
    "(requirement of large mailbox providers, beyond the seed).",
    source="RFC 7489 §3.1.1, §6.3; bulk-sender requirements of large mailbox providers",
    check=check,
    doc=__doc__ or "",
    subject=Subject.SAMPLE,
    inputs=frozenset({Input.SAMPLES, Input.DNS}),
)
